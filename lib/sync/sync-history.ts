/**
 * Sync history of a connection (issue 18; seed 02's "sync log": object type, direction, records processed,
 * status): every sync run is kept for 90 days, one entry per job — a "Sync now", a cron or CLI sync, a full
 * re-sync, a webhook batch, a write-back — with its time, trigger, mode, per-object-type counts, skipped
 * records with reasons, duration and errors with guidance. The SyncRun rows (one per object type, written by
 * the connectors through lib/sync/sync-runs.ts) are the source; this module groups them by job.
 *
 * Retention: pruneSyncHistory deletes runs that started more than 90 days ago; sync-connection-job calls it
 * for its connection before each sync.
 */
import type { Db } from "@/lib/db";
import { chunks } from "@/lib/db/chunks";
import { AppError } from "@/lib/errors";
import { offsetFromCursor, encodeCursor } from "@/lib/http/pagination";

/** Days a sync run is kept. */
export const SYNC_HISTORY_RETENTION_DAYS = 90;

export const SYNC_RUN_STATUSES = ["running", "succeeded", "partial", "failed", "cancelled"] as const;
export const SYNC_RUN_MODES = ["full", "incremental", "webhook", "write_back"] as const;
export type SyncHistoryStatus = (typeof SYNC_RUN_STATUSES)[number];
export type SyncHistoryMode = (typeof SYNC_RUN_MODES)[number];

export type SyncHistoryObject = {
  objectType: string;
  direction: "inbound" | "outbound";
  mode: SyncHistoryMode;
  status: string;
  recordsProcessed: number;
  recordsSkipped: number;
  recordsTotal: number | null;
  requestCount: number;
  /** Up to 100 per object type: [{externalId, reason}]. */
  skipReasons: { externalId: string | null; reason: string }[];
  error: string | null;
  errorGuidance: string | null;
  startedAt: Date;
  completedAt: Date | null;
};

export type SyncHistoryEntry = {
  /** The job that ran it (GET /api/jobs/{id}); null for runs recorded without a job. */
  jobId: string | null;
  startedAt: Date;
  completedAt: Date | null;
  /** completedAt − startedAt in ms; null while running. */
  durationMs: number | null;
  /** manual ("Sync now", the palette) | cron | cli | demo | webhook | write_back | … (the job's trigger). */
  trigger: string;
  /** incremental when any object type was read incrementally (HubSpot owners are re-read in full every time),
   * full when every object type was read in full (a full re-sync, or a connection's first sync), else webhook / write_back. */
  mode: SyncHistoryMode;
  /** The worst status of its object types (failed > partial > cancelled > running > succeeded). */
  status: SyncHistoryStatus;
  direction: "inbound" | "outbound";
  totals: { recordsProcessed: number; recordsSkipped: number; requestCount: number };
  objects: SyncHistoryObject[];
  errors: { objectType: string; error: string; guidance: string | null }[];
};

export type SyncHistoryFilter = {
  mode?: SyncHistoryMode[];
  status?: SyncHistoryStatus[];
  trigger?: string[];
  objectType?: string;
  /** Only runs started at or after / before. Default: the retention window. */
  since?: Date;
  until?: Date;
};

const STATUS_RANK: Record<string, number> = { failed: 5, partial: 4, cancelled: 3, running: 2, queued: 2, succeeded: 1 };

function triggerOf(job: { name: string; payload: unknown } | undefined, modes: Set<string>): string {
  const t = (job?.payload as { trigger?: unknown } | null)?.trigger;
  if (typeof t === "string" && t) return t;
  if (modes.has("webhook") || job?.name.includes("webhook")) return "webhook";
  if (modes.has("write_back") || job?.name.includes("push-scores")) return "write_back";
  return "unknown";
}

/**
 * One page of a connection's sync history, newest first: `{data: SyncHistoryEntry[], total, next_cursor}`.
 * @throws AppError not_found when the connection is not the organization's.
 * @throws AppError validation_failed for a cursor not made by this list.
 */
export async function listSyncHistory(
  db: Db,
  input: { organizationId: string; connectionId: string; filter?: SyncHistoryFilter; limit?: number; cursor?: string; now?: Date },
) {
  const now = input.now ?? new Date();
  const f = input.filter ?? {};
  const conn = await db.connection.findFirst({ where: { id: input.connectionId, organizationId: input.organizationId }, select: { id: true } });
  if (!conn) throw new AppError("not_found", `connection ${input.connectionId} not found`);
  const offset = offsetFromCursor(input.cursor);
  const limit = Math.min(200, Math.max(1, input.limit ?? 20));
  const since = f.since ?? new Date(now.getTime() - SYNC_HISTORY_RETENTION_DAYS * 86_400_000);
  const where = {
    organizationId: input.organizationId, connectionId: conn.id,
    startedAt: { gte: since, ...(f.until ? { lt: f.until } : {}) },
  };
  // The light columns of every run in the window (a connection syncing hourly: ~20,000 rows in 90 days).
  const light = await db.syncRun.findMany({ where, select: { id: true, jobId: true, mode: true, status: true, objectType: true, startedAt: true, completedAt: true } });
  const groups = new Map<string, typeof light>();
  for (const r of light) {
    const key = r.jobId ?? `run:${r.id}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const jobIds = [...groups.keys()].filter((k) => !k.startsWith("run:"));
  const jobs = new Map<string, { name: string; payload: unknown }>();
  for (const ids of chunks(jobIds, 500)) {
    for (const j of await db.job.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, payload: true } })) jobs.set(j.id, j);
  }
  type Head = { key: string; startedAt: Date; mode: SyncHistoryMode; status: SyncHistoryStatus; trigger: string };
  const heads: Head[] = [];
  for (const [key, runs] of groups) {
    const modes = new Set(runs.map((r) => r.mode));
    const mode: SyncHistoryMode = modes.has("incremental") ? "incremental" : modes.has("full") ? "full" : modes.has("webhook") ? "webhook" : "write_back";
    const status = runs.reduce<string>((w, r) => ((STATUS_RANK[r.status] ?? 0) > (STATUS_RANK[w] ?? 0) ? r.status : w), "succeeded") as SyncHistoryStatus;
    const head: Head = { key, startedAt: runs.reduce((m, r) => (r.startedAt < m ? r.startedAt : m), runs[0]!.startedAt), mode, status, trigger: triggerOf(jobs.get(key), modes) };
    if (f.mode?.length && !f.mode.includes(head.mode)) continue;
    if (f.status?.length && !f.status.includes(head.status)) continue;
    if (f.trigger?.length && !f.trigger.includes(head.trigger)) continue;
    if (f.objectType && !runs.some((r) => r.objectType === f.objectType)) continue;
    heads.push(head);
  }
  heads.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || a.key.localeCompare(b.key));
  const page = heads.slice(offset, offset + limit);
  const ids = page.flatMap((h) => groups.get(h.key)!.map((r) => r.id));
  const full = new Map<string, Awaited<ReturnType<typeof db.syncRun.findMany>>[number]>();
  for (const part of chunks(ids, 500)) for (const r of await db.syncRun.findMany({ where: { id: { in: part } } })) full.set(r.id, r);
  const data: SyncHistoryEntry[] = page.map((h) => {
    const runs = groups.get(h.key)!.map((r) => full.get(r.id)!).filter(Boolean).sort((a, b) => a.objectType.localeCompare(b.objectType));
    const running = runs.some((r) => !r.completedAt);
    const completedAt = running ? null : runs.reduce<Date | null>((m, r) => (r.completedAt && (!m || r.completedAt > m) ? r.completedAt : m), null);
    const objects: SyncHistoryObject[] = runs.map((r) => ({
      objectType: r.objectType, direction: r.direction, mode: r.mode, status: r.status,
      recordsProcessed: r.recordsProcessed, recordsSkipped: r.recordsSkipped, recordsTotal: r.recordsTotal, requestCount: r.requestCount,
      skipReasons: (r.skipReasons as { externalId: string | null; reason: string }[] | null) ?? [],
      error: r.error, errorGuidance: r.errorGuidance, startedAt: r.startedAt, completedAt: r.completedAt,
    }));
    return {
      jobId: h.key.startsWith("run:") ? null : h.key,
      startedAt: h.startedAt, completedAt,
      durationMs: completedAt ? completedAt.getTime() - h.startedAt.getTime() : null,
      trigger: h.trigger, mode: h.mode, status: h.status,
      direction: runs.every((r) => r.direction === "outbound") ? "outbound" : "inbound",
      totals: {
        recordsProcessed: runs.reduce((s, r) => s + r.recordsProcessed, 0),
        recordsSkipped: runs.reduce((s, r) => s + r.recordsSkipped, 0),
        requestCount: runs.reduce((s, r) => s + r.requestCount, 0),
      },
      objects,
      errors: runs.filter((r) => r.error).map((r) => ({ objectType: r.objectType, error: r.error!, guidance: r.errorGuidance })),
    };
  });
  return { data, total: heads.length, next_cursor: offset + limit < heads.length ? encodeCursor({ o: offset + limit }) : null };
}

/**
 * Delete the connection's sync runs that started more than 90 days before `now` (finished or not: a run
 * that old is not running). @returns how many were deleted.
 */
export async function pruneSyncHistory(db: Db, connectionId: string, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - SYNC_HISTORY_RETENTION_DAYS * 86_400_000);
  return (await db.syncRun.deleteMany({ where: { connectionId, startedAt: { lt: cutoff } } })).count;
}
