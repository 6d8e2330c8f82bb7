// GET /api/jobs/{id} – a background job's state, progress and result (the UI polls this).
import { getJobRoute } from "@/lib/api/contracts/core";
import { getDb } from "@/lib/db";
import { getJobOrThrow } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";

export const dynamic = "force-dynamic";

export const GET = withApi(getJobRoute, async ({ caller, params }) =>
  getJobOrThrow(getDb(), params.id, caller.kind === "user" ? caller.organizationId : undefined),
);
