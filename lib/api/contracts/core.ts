/** Contracts of the platform routes (session, users, jobs). */
import { z } from "zod";
import { defineRoute } from "../contract";

/**
 * A path inside the app to send the browser to after an OAuth callback: starts with one "/", no second "/" or
 * "\\" after it (browsers read "/\\evil.example" like "//evil.example", another host), no white space, and it
 * must resolve to our own origin.
 */
export const ZInAppPath = z.string().max(512)
  .regex(/^\/(?![/\\])[^\s\\]*$/, "must be a path inside the app, e.g. /integrations")
  .refine((p) => new URL(p, "http://app.invalid").origin === "http://app.invalid", "must be a path inside the app, e.g. /integrations");

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
