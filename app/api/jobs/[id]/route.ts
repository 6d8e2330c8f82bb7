// GET /api/jobs/{id} – a background job's state, progress and result (the UI polls this).
import { getJobRoute } from "@/lib/api/contracts/core";
import { getDb } from "@/lib/db";
import { getJobOrThrow } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(getJobRoute, async ({ caller, params }) =>
  getJobOrThrow(getDb(), params.id, caller.kind === "user" ? caller.organizationId : undefined),
);

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
