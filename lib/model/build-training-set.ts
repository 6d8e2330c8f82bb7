/**
 * Training rows for the churn model from stored history (AccountSignalDaily + Subscription).
 *
 * For snapshot days d = (today − H), (today − H − k·step) … back to the oldest stored signal day
 * (step default 7 days), every account that was a paying customer on d (activeOn) and has a signal
 * row on d gives one row: features = that day's signals ONLY; label = its revenue ended within
 * (d, d + H] (churnedWithin). Days newer than today − H are never used (their outcome is unknown).
 * Rows are capped at `maxRows` (default 200,000; newest days first) to bound memory.
 */
import type { Db } from "@/lib/db";
import { rowToSnapshot, utcDay, addDays } from "@/lib/scoring/signal-row";
import { providerOf } from "@/lib/db/prisma";
import { readSignalBatch } from "@/lib/scoring/score-store";
import type { TrainingRow } from "./train";
import { activeOn, churnedWithin, loadRevenueSpans } from "./churn-dates";

export type BuildTrainingSetOptions = { organizationId: string; now: Date; horizonDays?: number; sampleEveryDays?: number; maxRows?: number };

export type TrainingSet = { rows: TrainingRow[]; snapshotDays: string[]; payingAccounts: number; churnedAccounts: number; truncated: boolean };

export async function buildTrainingSet(db: Db, opts: BuildTrainingSetOptions): Promise<TrainingSet> {
  const H = opts.horizonDays ?? 90;
  const step = opts.sampleEveryDays ?? 7;
  const maxRows = opts.maxRows ?? 200_000;
  const spans = await loadRevenueSpans(db, opts.organizationId);
  const oldest = await db.accountSignalDaily.findFirst({ where: { organizationId: opts.organizationId }, orderBy: { day: "asc" }, select: { day: true } });
  const rows: TrainingRow[] = [];
  const snapshotDays: string[] = [];
  let truncated = false;
  if (oldest) {
    const p = providerOf(db);
    for (let d = addDays(utcDay(opts.now), -H); d.getTime() >= oldest.day.getTime(); d = addDays(d, -step)) {
      snapshotDays.push(d.toISOString().slice(0, 10));
      let after: string | null = null;
      for (;;) {
        const batch = await readSignalBatch(db, p, opts.organizationId, d, after, 1000);
        if (batch.length === 0) break;
        after = batch[batch.length - 1].accountId;
        for (const r of batch) {
          const span = spans.get(r.accountId);
          if (!activeOn(span, d)) continue;
          rows.push({ accountId: r.accountId, day: d, signals: rowToSnapshot(r), churnedWithinHorizon: churnedWithin(span, d, H) });
        }
        if (batch.length < 1000) break;
      }
      if (rows.length >= maxRows) {
        truncated = true;
        break;
      }
    }
  }
  const churned = new Set(rows.filter((r) => r.churnedWithinHorizon).map((r) => r.accountId));
  return { rows, snapshotDays, payingAccounts: spans.size, churnedAccounts: churned.size, truncated };
}
