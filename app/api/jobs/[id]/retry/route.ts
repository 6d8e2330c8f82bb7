// POST /api/jobs/{id}/retry – run a failed (dead-lettered) or cancelled job of the organization again (admin).
import { retryJobRoute } from "@/lib/api/contracts/core";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { retryJob } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(retryJobRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "jobs are retried by a signed-in admin");
  return retryJob(getDb(), params.id, caller.organizationId);
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
