// POST /api/integrations/{name}/sync – start a background sync (admin, or cron bearer for every organization); ?full=true for a full re-sync.
import { syncRoute } from "@/lib/api/contracts/integrations";
import { getDb } from "@/lib/db";
import { getConnectionOrThrow, startAllSyncs, startConnectionSync } from "@/lib/integrations/manage-connections";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(syncRoute, async ({ caller, params, query }) => {
  const db = getDb();
  const full = query.full ?? false;
  if (caller.kind === "cron") {
    const jobs = await startAllSyncs(db, { provider: params.name, full, trigger: "cron" });
    return { jobs: jobs.map((j) => ({ connectionId: j.connectionId, job: { id: j.job.id, status: j.job.status }, deduplicated: j.deduplicated })) };
  }
  if (query.connection_id) {
    const c = await getConnectionOrThrow(db, caller.organizationId, params.name, query.connection_id);
    const r = await startConnectionSync(db, { organizationId: caller.organizationId, connectionId: c.id, full, trigger: "manual" });
    return { jobs: [{ connectionId: c.id, job: { id: r.job.id, status: r.job.status }, deduplicated: r.deduplicated }] };
  }
  await getConnectionOrThrow(db, caller.organizationId, params.name);
  const jobs = await startAllSyncs(db, { organizationId: caller.organizationId, provider: params.name, full, trigger: "manual" });
  return { jobs: jobs.map((j) => ({ connectionId: j.connectionId, job: { id: j.job.id, status: j.job.status }, deduplicated: j.deduplicated })) };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
