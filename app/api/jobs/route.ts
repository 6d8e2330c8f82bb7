// GET /api/jobs – the organization's background jobs, newest first (admin); ?status=failed is the dead-letter list.
import { listJobsRoute } from "@/lib/api/contracts/core";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { listJobs } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listJobsRoute, async ({ caller, query }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "jobs are listed for a signed-in admin");
  return listJobs(getDb(), caller.organizationId, { status: query.status, name: query.name, limit: query.limit, cursor: query.cursor });
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
