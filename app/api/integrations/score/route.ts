// POST /api/integrations/score – score all accounts now (admin or cron): identity → today's signals → scores. Waits and returns counts + duration unless ?async=true.
import { scoreRoute } from "@/lib/api/contracts/accounts";
import { organizationIdsFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { enqueueJob, runJobInline } from "@/lib/jobs";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

export const POST = withApi(scoreRoute, async ({ caller, query }) => {
  const db = getDb();
  const started = Date.now();
  const orgs = await organizationIdsFor(db, caller, query.organization);
  const results = [];
  for (const organizationId of orgs) {
    const payload = { organizationId, trigger: caller.kind === "cron" ? "cron" : "manual" };
    if (query.async === "true") {
      const { job } = await enqueueJob(db, "refresh-organization-job", payload, { organizationId });
      results.push({ organizationId, job: { id: job.id, status: job.status } });
      continue;
    }
    const job = await runJobInline(db, "refresh-organization-job", payload, { organizationId });
    if (job.status !== "succeeded") throw new AppError("internal_error", `scoring failed for organization ${organizationId}: ${job.error ?? "unknown error"} (job ${job.id})`);
    results.push({ organizationId, job: { id: job.id, status: job.status }, result: job.result });
  }
  return { organizations: results, durationMs: Date.now() - started };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
