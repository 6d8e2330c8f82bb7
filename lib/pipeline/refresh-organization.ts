/**
 * The post-sync pipeline of one organization, in order:
 *   1. identity resolution (one account per customer across HubSpot and Stripe),
 *   2. daily signals: the 365-day backfill when a connection's first full sync finished after the last backfill
 *      (the organization's first sync, AND a source connected later — its history reshapes past days), or when
 *      asked; else today's row, plus the history of accounts that lack it (history-gaps.ts: a backfill that
 *      stopped midway, accounts that appeared since),
 *   3. the churn model: (re)trained after a backfill or when the active one is older than 7 days,
 *   4. health scores: every backfilled day (history charts); else the history of accounts whose stored history
 *      lacks scores (a history scoring run that stopped midway) or was scored with another scoring config version
 *      (a config change re-scores history, so trends and movers compare like with like), then today,
 *   5. HubSpot write-back for connections that have it on.
 * Runs for a few accounts (`accountIds`, after webhooks) do today's rows of those accounts only: no identity
 * resolution (the webhook job ran it), today's signals and today's score of those accounts.
 * Runs inside refresh-organization-job (after syncs, on "Score All", from cron) and `npm run score`.
 * Serialised per organization within this process (the embedded default); a multi-worker deployment
 * would take a PostgreSQL advisory lock here instead.
 */
import type { Db } from "@/lib/db";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { backfillSignals } from "@/lib/signals/backfill-signals";
import { writeSignalsForDay } from "@/lib/signals/compute-signals";
import { scoreHistory, scoreOrganization } from "@/lib/scoring/run-scoring";
import { trainAndStoreModel } from "@/lib/model/train-from-db";
import { FEATURE_NAMES } from "@/lib/model/features";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";
import { findHistoryGaps, newestSourceSince } from "./history-gaps";
import { enqueueJob } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { queueAlertEvaluation } from "@/lib/alerts/jobs";
import { logger } from "@/lib/logger";

export const BACKFILL_DAYS = 365;
const MODEL_MAX_AGE_MS = 7 * 86_400_000;

export type RefreshProgress = { phase: "identity" | "signals" | "model" | "scoring" | "write_back" | "done"; processed?: number; total?: number; detail?: string };

export type RefreshResult = {
  organizationId: string;
  identity: { created: number; linked: Record<string, number>; pendingReview: number };
  signals: { mode: "backfill" | "today"; accounts: number; rows: number };
  model: { trained: boolean; status?: string; version?: number };
  scoring: { accounts: number; scores: number; counts?: Record<string, number>; probabilitySource?: string };
  /**
   * Accounts whose history this run rebuilt (runs without a full backfill): `signals` backfilled (history missing),
   * `scored` history scored (missing scores), `rescored` history re-scored (another scoring config version).
   */
  history?: { signals: number; scored: number; rescored: number; scores: number };
  writeBackJobs: number;
  durationMs: number;
};

const locks = new Map<string, Promise<unknown>>();

async function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(fn);
  locks.set(key, run);
  try {
    return await run;
  } finally {
    if (locks.get(key) === run) locks.delete(key);
  }
}

function utcMidnight(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/**
 * True when the 365-day history must be (re)built: no backfill yet, or some connection finished its FIRST full
 * sync (a SyncRun in mode full that succeeded or partially succeeded) after the last backfill was computed (its
 * rows' `computedAt`). Later full syncs (weekly reconciliation, "Full re-sync") do not trigger one.
 */
export async function needsBackfill(db: Db, organizationId: string): Promise<boolean> {
  const last = await db.accountSignalDaily.findFirst({ where: { organizationId, isBackfill: true }, orderBy: { computedAt: "desc" }, select: { computedAt: true } });
  if (!last) return true;
  const since = await newestSourceSince(db, organizationId);
  return since !== null && since > last.computedAt;
}

export async function refreshOrganization(
  db: Db,
  opts: { organizationId: string; now?: Date; backfill?: boolean; accountIds?: string[]; onProgress?: (p: RefreshProgress) => void | Promise<void> },
): Promise<RefreshResult> {
  return serialised(opts.organizationId, async () => {
    const started = Date.now();
    const now = opts.now ?? new Date();
    const day = utcMidnight(now);
    const { organizationId } = opts;
    const progress = async (p: RefreshProgress) => { await opts.onProgress?.(p); };

    await progress({ phase: "identity" });
    // A run for a few accounts follows a webhook job that resolved identities itself right after applying its
    // events (lib/connectors/stripe/webhook.ts, lib/connectors/hubspot/webhooks.ts): not again for the organization.
    const identity = opts.accountIds
      ? { created: 0, linked: {}, pendingReview: await db.matchCandidate.count({ where: { organizationId, status: "pending" } }) }
      : await resolveIdentities(db, { organizationId, now });

    const backfill = opts.backfill ?? (await needsBackfill(db, organizationId));
    await progress({ phase: "signals", detail: backfill ? `reconstructing ${BACKFILL_DAYS} days` : "today" });
    const signals = backfill
      ? await backfillSignals(db, {
          organizationId, asOf: now, days: BACKFILL_DAYS,
          onProgress: (p) => void progress({ phase: "signals", processed: p.accountsDone, total: p.accountsTotal }),
        })
      : await writeSignalsForDay(db, { organizationId, day, accountIds: opts.accountIds });

    // Resume: accounts whose history a failed or interrupted run left incomplete, or made with another config.
    const historyFrom = new Date(day.getTime() - (BACKFILL_DAYS - 1) * 86_400_000);
    let history: RefreshResult["history"];
    let rescore: string[] = [];
    if (!backfill && !opts.accountIds) {
      const config = await getActiveScoringConfig(db, organizationId);
      const gaps = await findHistoryGaps(db, { organizationId, day, fromDay: historyFrom, configVersion: config.version, sourcesSince: await newestSourceSince(db, organizationId) });
      if (gaps.missingSignals.length) {
        await progress({ phase: "signals", detail: `rebuilding the history of ${gaps.missingSignals.length} accounts` });
        await backfillSignals(db, {
          organizationId, asOf: now, days: BACKFILL_DAYS, accountIds: gaps.missingSignals,
          onProgress: (p) => void progress({ phase: "signals", processed: p.accountsDone, total: p.accountsTotal }),
        });
      }
      rescore = [...new Set([...gaps.missingSignals, ...gaps.unscored, ...gaps.staleConfig])];
      history = { signals: gaps.missingSignals.length, scored: gaps.unscored.length, rescored: gaps.staleConfig.length, scores: 0 };
    }

    const active = await db.churnModel.findFirst({ where: { organizationId, isActive: true }, orderBy: { version: "desc" } });
    let model: RefreshResult["model"] = { trained: false, status: active?.status, version: active?.version };
    // a model trained on another feature list (code added features) is ignored by scoring: retrain it now (issue 13)
    const staleFeatures = active?.status === "trained" && JSON.stringify(active.features) !== JSON.stringify(FEATURE_NAMES);
    if (backfill || !active || staleFeatures || now.getTime() - active.trainedAt.getTime() > MODEL_MAX_AGE_MS) {
      await progress({ phase: "model" });
      const m = await trainAndStoreModel(db, { organizationId, now });
      model = { trained: true, status: m.status, version: m.version };
    }

    await progress({ phase: "scoring" });
    let scoring: RefreshResult["scoring"];
    if (backfill) {
      const h = await scoreHistory(db, {
        organizationId, from: new Date(day.getTime() - (BACKFILL_DAYS - 1) * 86_400_000), to: day, now,
        onProgress: (p) => void progress({ phase: "scoring", processed: p.processed, total: p.total }),
      });
      scoring = { accounts: h.accounts, scores: h.scores };
    } else {
      if (rescore.length && history) {
        await progress({ phase: "scoring", detail: `scoring the history of ${rescore.length} accounts` });
        const h = await scoreHistory(db, {
          organizationId, from: historyFrom, to: day, now, accountIds: rescore,
          onProgress: (p) => void progress({ phase: "scoring", processed: p.processed, total: p.total }),
        });
        history.scores = h.scores;
      }
      if (opts.accountIds) {
        // After a webhook: today's score of the accounts it touched only (issue 15: the organization's other
        // accounts did not change; re-scoring all of them made a webhook's re-score cost O(organization)).
        // scoreHistory over [today, today] builds the same row as scoreOrganization (trend vs the stored scores
        // 7 and 30 days back) and writes the Account columns the same way.
        const h = await scoreHistory(db, { organizationId, from: day, to: day, now, accountIds: opts.accountIds });
        scoring = { accounts: h.accounts, scores: h.scores };
      } else {
        const r = await scoreOrganization(db, { organizationId, day, now, onProgress: (p) => void progress({ phase: "scoring", processed: p.processed, total: p.total }) });
        scoring = { accounts: r.accounts, scores: r.accounts, counts: r.counts, probabilitySource: r.probabilitySource };
      }
    }

    let writeBackJobs = 0;
    if (registeredJobNames().includes("hubspot-push-scores-job")) {
      const conns = await db.connection.findMany({ where: { organizationId, provider: "hubspot", status: { in: ["connected", "error"] } } });
      for (const c of conns) {
        if (!(c.settings as { writeBack?: boolean } | null)?.writeBack) continue;
        await enqueueJob(db, "hubspot-push-scores-job", { connectionId: c.id }, { organizationId, dedupeKey: `push:${c.id}` });
        writeBackJobs++;
      }
    }
    // Alerts (issue 16): evaluate the rules on the new scores, as a job (lib/alerts/jobs.ts); never fails the run.
    if (registeredJobNames().includes("evaluate-alerts-job")) {
      await queueAlertEvaluation(db, organizationId, opts.accountIds).catch((err: unknown) => logger.error({ err, organizationId }, "could not queue the alert evaluation"));
    }
    await progress({ phase: "done" });
    return {
      organizationId,
      identity: { created: identity.created, linked: identity.linked, pendingReview: identity.pendingReview },
      signals: { mode: backfill ? "backfill" : "today", accounts: signals.accounts, rows: signals.rows },
      model,
      scoring,
      ...(history ? { history } : {}),
      writeBackJobs,
      durationMs: Date.now() - started,
    };
  });
}
