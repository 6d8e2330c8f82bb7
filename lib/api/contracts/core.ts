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

export const ZJobListQuery = z.object({
  /** `failed`: the dead-letter list (attempts used up; error kept; POST /api/jobs/{id}/retry runs it again). */
  status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]).optional(),
  name: z.string().regex(/^[a-z0-9-]+$/).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(100).optional(),
});
export const listJobsRoute = defineRoute({
  method: "GET", path: "/api/jobs", summary: "The organization's background jobs, newest first (status=failed: the dead-letter list)", tags: ["jobs"],
  auth: { role: "admin" }, query: ZJobListQuery,
  response: z.object({ data: z.array(ZJob.extend({ attempts: z.number() })), total: z.number(), next_cursor: z.string().nullable() }),
});
export const retryJobRoute = defineRoute({
  method: "POST", path: "/api/jobs/{id}/retry", summary: "Run a failed (dead-lettered) or cancelled job again", tags: ["jobs"],
  auth: { role: "admin" }, params: ZJobParams, response: ZJob,
});

export const coreRoutes = [meRoute, getJobRoute, listJobsRoute, retryJobRoute];
