/**
 * What the API and the Integrations page show about a connection — never a secret (only the
 * last-4 hints). Includes the running sync job (live progress), the latest sync run per object type and the
 * webhook events that are waiting or failed.
 */
import type { Db } from "@/lib/db";
import { webhookHealth } from "@/lib/sync/webhook-sweep";

export type ConnectionSummary = Awaited<ReturnType<typeof summarizeConnections>>[number];

export async function summarizeConnections(db: Db, where: { organizationId: string; provider?: "hubspot" | "stripe"; includeDisconnected?: boolean }) {
  const conns = await db.connection.findMany({
    where: {
      organizationId: where.organizationId,
      ...(where.provider ? { provider: where.provider } : {}),
      ...(where.includeDisconnected ? {} : { status: { not: "disconnected" } }),
    },
    orderBy: { createdAt: "asc" },
  });
  const out = [];
  for (const c of conns) {
    const [jobs, runs, webhooks] = await Promise.all([
      db.job.findMany({
        where: { name: "sync-connection-job", dedupeKey: `sync:${c.id}` },
        orderBy: { createdAt: "desc" },
        take: 1,
      }),
      db.syncRun.findMany({ where: { connectionId: c.id }, orderBy: { startedAt: "desc" }, take: 40 }),
      webhookHealth(db, c.id),
    ]);
    const latestByType = new Map<string, (typeof runs)[number]>();
    for (const r of runs) if (!latestByType.has(`${r.objectType}:${r.direction}`)) latestByType.set(`${r.objectType}:${r.direction}`, r);
    // The newest FULL run per object type, so a full re-sync's counts stay visible after later incremental
    // runs (issue 18: they showed "0 · incremental" everywhere). One indexed read per object type seen.
    const fullRuns = await Promise.all([...new Set(runs.filter((r) => r.direction === "inbound").map((r) => r.objectType))].map((objectType) =>
      db.syncRun.findFirst({ where: { connectionId: c.id, objectType, mode: "full", direction: "inbound" }, orderBy: { startedAt: "desc" } })));
    const job = jobs[0];
    const settings = (c.settings ?? {}) as Record<string, unknown>;
    out.push({
      id: c.id,
      provider: c.provider,
      mode: c.mode,
      authType: c.authType,
      status: c.status,
      displayName: c.displayName,
      externalAccountId: c.externalAccountId,
      credentialsHint: c.credentialsHint,
      webhookSecretHint: c.webhookSecretHint,
      scopes: (c.scopes as string[] | null) ?? [],
      writeBack: Boolean(settings.writeBack),
      propertyMappings: (settings.propertyMappings as Record<string, string> | undefined) ?? {},
      lastSyncAt: c.lastSyncAt,
      lastFullSyncAt: c.lastFullSyncAt,
      lastError: c.lastError,
      createdAt: c.createdAt,
      /** Webhook events accepted but not applied yet (re-queued by the worker's sweep), failed ones, newest error. */
      webhooks,
      currentJob: job ? { id: job.id, status: job.status, progress: job.progress, error: job.error, startedAt: job.startedAt, finishedAt: job.finishedAt } : null,
      lastFullRuns: fullRuns.filter((r) => r !== null).map((r) => ({
        id: r.id, objectType: r.objectType, status: r.status, recordsProcessed: r.recordsProcessed, recordsSkipped: r.recordsSkipped,
        startedAt: r.startedAt, completedAt: r.completedAt,
      })),
      lastRuns: [...latestByType.values()].map((r) => ({
        id: r.id, objectType: r.objectType, direction: r.direction, mode: r.mode, status: r.status,
        recordsProcessed: r.recordsProcessed, recordsSkipped: r.recordsSkipped, recordsTotal: r.recordsTotal,
        requestCount: r.requestCount, startedAt: r.startedAt, completedAt: r.completedAt,
        error: r.error, errorGuidance: r.errorGuidance,
        skipReasons: ((r.skipReasons as { externalId: string | null; reason: string }[] | null) ?? []).slice(0, 5),
      })),
    });
  }
  return out;
}
