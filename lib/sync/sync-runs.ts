/**
 * SyncRun bookkeeping shared by the connectors: one row per object type per sync, with counts, skip
 * reasons (first 100), request count, status, and an error message plus guidance the UI shows.
 */
import type { Db } from "@/lib/db";

export type SkipReason = { externalId: string | null; reason: string };

const MAX_SKIP_REASONS = 100;

export type SyncRunHandle = {
  id: string;
  processed: number;
  skipped: number;
  requests: number;
  skipReasons: SkipReason[];
  /** Record processed records (call after the page's transaction committed). */
  addProcessed(n: number): void;
  /** Record a skipped record and why (kept: the first 100 reasons; counted: all). */
  skip(externalId: string | null, reason: string): void;
  addRequests(n: number): void;
  /** Persist the counters now (cheap; call once per page). */
  flush(extra?: { recordsTotal?: number | null }): Promise<void>;
  /** Close the run. status "succeeded" | "partial" (some skipped/failed ids) | "failed" | "cancelled". */
  finish(status: "succeeded" | "partial" | "failed" | "cancelled", error?: { message: string; guidance?: string }): Promise<void>;
};

export async function startSyncRun(
  db: Db,
  input: {
    organizationId: string;
    connectionId: string;
    objectType: string;
    mode: "full" | "incremental" | "webhook" | "write_back";
    direction?: "inbound" | "outbound";
    jobId?: string;
  },
): Promise<SyncRunHandle> {
  const row = await db.syncRun.create({
    data: {
      organizationId: input.organizationId,
      connectionId: input.connectionId,
      objectType: input.objectType,
      mode: input.mode,
      direction: input.direction ?? (input.mode === "write_back" ? "outbound" : "inbound"),
      jobId: input.jobId,
      status: "running",
    },
  });
  const h: SyncRunHandle = {
    id: row.id,
    processed: 0,
    skipped: 0,
    requests: 0,
    skipReasons: [],
    addProcessed(n) { h.processed += n; },
    skip(externalId, reason) {
      h.skipped++;
      if (h.skipReasons.length < MAX_SKIP_REASONS) h.skipReasons.push({ externalId, reason });
    },
    addRequests(n) { h.requests += n; },
    async flush(extra) {
      await db.syncRun.update({
        where: { id: row.id },
        data: {
          recordsProcessed: h.processed, recordsSkipped: h.skipped, requestCount: h.requests,
          skipReasons: h.skipReasons as object[],
          ...(extra?.recordsTotal !== undefined ? { recordsTotal: extra.recordsTotal } : {}),
        },
      });
    },
    async finish(status, error) {
      await db.syncRun.update({
        where: { id: row.id },
        data: {
          status, completedAt: new Date(),
          recordsProcessed: h.processed, recordsSkipped: h.skipped, requestCount: h.requests,
          skipReasons: h.skipReasons as object[],
          error: error?.message ?? null, errorGuidance: error?.guidance ?? null,
        },
      });
    },
  };
  return h;
}
