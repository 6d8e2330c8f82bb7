// POST /api/models/train – train the churn model on the organization's history now (admin, or cron with ?organization=), then re-score today in the background so probabilities use it.
import { trainModelRoute } from "@/lib/api/contracts/admin";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";
import { trainAndStoreModel } from "@/lib/model/train-from-db";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

export const POST = withApi(trainModelRoute, async ({ caller, query }) => {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, query.organization);
  const model = await trainAndStoreModel(db, { organizationId, now: new Date() });
  const { job } = await enqueueJob(db, "refresh-organization-job", { organizationId, trigger: "model" }, { organizationId });
  return { model, rescoreJob: { id: job.id, status: job.status } };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
