// GET /api/scoring/config – the active scoring configuration · PUT – save a new version (admin) and re-score today.
import { getScoringConfigRoute, putScoringConfigRoute } from "@/lib/api/contracts/admin";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { enqueueJob } from "@/lib/jobs";
import { getScoringConfigView, saveScoringConfigFromApi } from "@/lib/queries/scoring-config-api";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(getScoringConfigRoute, async ({ caller }) => {
  const db = getDb();
  return getScoringConfigView(db, await organizationIdFor(db, caller));
});

export const PUT = withApi(putScoringConfigRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const db = getDb();
  const saved = await saveScoringConfigFromApi(db, caller.organizationId, body, caller.userId);
  const job = body.rescore ? (await enqueueJob(db, "refresh-organization-job", { organizationId: caller.organizationId, trigger: "config" }, { organizationId: caller.organizationId })).job : null;
  return { config: saved, rescoreJob: job && { id: job.id, status: job.status } };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PATCH, DELETE } = methodsNotAllowed(["GET", "PUT"]);
