/** Contracts of the platform routes (session, users, jobs). */
import { z } from "zod";
import { defineRoute } from "../contract";

export const ZMe = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  organization: z.object({ id: z.string(), name: z.string() }),
  role: z.enum(["owner", "admin", "csm"]),
});

export const meRoute = defineRoute({
  method: "GET", path: "/api/me", summary: "The signed-in user, their organization and role", tags: ["session"],
  auth: { role: "csm" }, response: ZMe,
});

export const ZJobParams = z.object({ id: z.string().min(1) });
export const ZJob = z.object({
  id: z.string(), name: z.string(), status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
  progress: z.record(z.string(), z.unknown()).nullable(), result: z.unknown(), error: z.string().nullable(),
  created_at: z.string(), started_at: z.string().nullable(), finished_at: z.string().nullable(),
});
export const getJobRoute = defineRoute({
  method: "GET", path: "/api/jobs/{id}", summary: "A background job's state, progress and result", tags: ["jobs"],
  auth: { role: "csm", cron: true }, params: ZJobParams, response: ZJob,
});

export const coreRoutes = [meRoute, getJobRoute];
