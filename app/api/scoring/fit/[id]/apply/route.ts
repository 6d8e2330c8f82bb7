// POST /api/scoring/fit/{id}/apply – save a finished fit's candidate config as a new version (admin) and re-score today.
import { applyFitRoute } from "@/lib/api/contracts/admin";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { enqueueJob, getJobOrThrow } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";
import { applyFittedConfig, type FitReport } from "@/lib/scoring/fit-history";
import { configView } from "@/lib/queries/scoring-config-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(applyFitRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const db = getDb();
  const job = await getJobOrThrow(db, params.id, caller.organizationId);
  if (job.name !== "fit-scoring-job") throw new AppError("not_found", "no such fit");
  const report = job.result as FitReport | null;
  if (job.status !== "succeeded" || !report?.candidate) throw new AppError("conflict", job.status === "succeeded" ? "this fit found too little history; nothing to apply" : `the fit is ${job.status}`);
  const saved = await applyFittedConfig(db, caller.organizationId, report.candidate, caller.userId);
  const rescore = (await enqueueJob(db, "refresh-organization-job", { organizationId: caller.organizationId, trigger: "config" }, { organizationId: caller.organizationId })).job;
  return { config: configView(saved), rescoreJob: { id: rescore.id, status: rescore.status } };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
