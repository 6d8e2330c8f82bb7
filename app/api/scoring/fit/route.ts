// POST /api/scoring/fit – "Fit to our history": enqueue a fit-scoring-job (admin); poll GET /api/jobs/{id} for the candidate and the before/after backtest.
import { fitScoringRoute } from "@/lib/api/contracts/admin";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { enqueueJob } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(fitScoringRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const db = getDb();
  const { job, deduplicated } = await enqueueJob(db, "fit-scoring-job", { organizationId: caller.organizationId }, {
    organizationId: caller.organizationId, dedupeKey: `fit-scoring:${caller.organizationId}`,
  });
  return { job: { id: job.id, status: job.status }, deduplicated };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
