/**
 * Backtest (`GET /api/scoring/backtest`): how well the CURRENT health-score config and the active
 * churn model would have ranked the accounts that actually churned over the last 90/180 days.
 *
 * For each window W: start = today − W. Accounts paying on `start` (lib/model/churn-dates.ts) with a
 * stored signal row on the signal day (= the newest stored day ≤ start, at most 7 days earlier) are
 * scored from those signals as of that day; positives = revenue ended within (start, today].
 * Risk for ranking: 100 − healthScore, and the model's probability. Reports ROC AUC, top-decile lift
 * and ≤ 50 ROC points per ranking. The model may have been trained on this same history
 * (in-sample): its backtest is optimistic, the model's own time-split metrics are the honest ones.
 *
 * Levels (for "Fit to our history"): per window, the share of churners the health score had at
 * "critical" and at "at risk" or worse on the signal day, and the false alarms (accounts at risk or
 * critical that did not churn) per CSM (distinct account owners among the window's accounts; at
 * least 1). Every account in a window was paying on its start, so levels come from the thresholds.
 * `config` scores with a candidate configuration instead of the active one (nothing is saved).
 */
import type { Db } from "@/lib/db";
import { activeOn, loadRevenueSpans } from "@/lib/model/churn-dates";
import { rocAuc, rocCurve, topDecileLift, type RocPoint } from "@/lib/model/metrics";
import { predictChurnProbability } from "@/lib/model/train";
import { getActiveScoringConfig } from "./config-store";
import { riskLevelFor, type ScoringConfig } from "./config";
import { loadActiveModel } from "./run-scoring";
import { scoreAccount } from "./score-account";
import { providerOf } from "@/lib/db/prisma";
import { readSignalBatch } from "./score-store";
import { addDays, rowToSnapshot, utcDay } from "./signal-row";

export type RankingResult = { rocAuc: number | null; topDecileLift: number | null; curve: RocPoint[] };

/** How the risk levels did in a window (see module doc). Shares are 0..1, null without churners. */
export type LevelResult = {
  caughtCritical: number | null;
  caughtAtRiskOrCritical: number | null;
  falseAlarms: number;
  csms: number;
  falseAlarmsPerCsm: number;
};

export type BacktestWindow = {
  days: number;
  start: string;
  /** The stored signal day used (≤ start); null when none within 7 days. */
  signalDay: string | null;
  accounts: number;
  churned: number;
  healthScore: RankingResult & { levels: LevelResult };
  /** Null when there is no active trained model. */
  model: RankingResult | null;
};

export type BacktestResult = { scoringConfigVersion: number; churnModelVersion: number | null; windows: BacktestWindow[] };

const ranking = (scores: number[], labels: number[]): RankingResult => ({
  rocAuc: rocAuc(scores, labels),
  topDecileLift: topDecileLift(scores, labels),
  curve: rocCurve(scores, labels, 50).map((p) => ({ ...p, threshold: Number.isFinite(p.threshold) ? Math.round(p.threshold * 10000) / 10000 : p.threshold })),
});

function levelResult(scores: number[], labels: number[], owners: (string | null)[], thresholds: ScoringConfig["thresholds"]): LevelResult {
  const levels = scores.map((s) => riskLevelFor(s, thresholds));
  const pos = labels.filter((y) => y === 1).length;
  const caught = (ok: (l: string) => boolean) => (pos ? labels.filter((y, i) => y === 1 && ok(levels[i])).length / pos : null);
  const falseAlarms = labels.filter((y, i) => y === 0 && levels[i] !== "healthy").length;
  const csms = Math.max(1, new Set(owners.filter((o) => o !== null)).size);
  return {
    caughtCritical: caught((l) => l === "critical"),
    caughtAtRiskOrCritical: caught((l) => l !== "healthy"),
    falseAlarms,
    csms,
    falseAlarmsPerCsm: Math.round((falseAlarms / csms) * 10) / 10,
  };
}

export async function backtest(
  db: Db,
  opts: { organizationId: string; windows?: number[]; now: Date; config?: ScoringConfig },
): Promise<BacktestResult> {
  const today = utcDay(opts.now);
  const [active, model, spans, accounts] = await Promise.all([
    getActiveScoringConfig(db, opts.organizationId),
    loadActiveModel(db, opts.organizationId),
    loadRevenueSpans(db, opts.organizationId),
    db.account.findMany({ where: { organizationId: opts.organizationId }, select: { id: true, ownerId: true } }),
  ]);
  const ownerOf = new Map(accounts.map((a) => [a.id, a.ownerId]));
  const cfg = opts.config ? { config: opts.config, version: active.version } : active;
  const p = providerOf(db);
  const windows: BacktestWindow[] = [];
  for (const W of opts.windows ?? [90, 180]) {
    const start = addDays(today, -W);
    const found = await db.accountSignalDaily.findFirst({
      where: { organizationId: opts.organizationId, day: { lte: start, gte: addDays(start, -7) } },
      orderBy: { day: "desc" },
      select: { day: true },
    });
    const risk: number[] = [], prob: number[] = [], labels: number[] = [], scores: number[] = [], owners: (string | null)[] = [];
    if (found) {
      let after: string | null = null;
      for (;;) {
        const batch = await readSignalBatch(db, p, opts.organizationId, found.day, after, 1000);
        if (batch.length === 0) break;
        after = batch[batch.length - 1].accountId;
        for (const r of batch) {
          const span = spans.get(r.accountId);
          if (!activeOn(span, start)) continue;
          const s = rowToSnapshot(r);
          const hs = scoreAccount(s, cfg.config).healthScore;
          risk.push(100 - hs);
          scores.push(hs);
          owners.push(ownerOf.get(r.accountId) ?? null);
          if (model) prob.push(predictChurnProbability(model.parameters, s));
          const end = span?.churnedAt?.getTime();
          labels.push(end !== undefined && end > start.getTime() && end <= today.getTime() + 86_399_999 ? 1 : 0);
        }
        if (batch.length < 1000) break;
      }
    }
    windows.push({
      days: W,
      start: start.toISOString().slice(0, 10),
      signalDay: found ? found.day.toISOString().slice(0, 10) : null,
      accounts: labels.length,
      churned: labels.filter((y) => y === 1).length,
      healthScore: { ...ranking(risk, labels), levels: levelResult(scores, labels, owners, cfg.config.thresholds) },
      model: model ? ranking(prob, labels) : null,
    });
  }
  return { scoringConfigVersion: cfg.version, churnModelVersion: model?.version ?? null, windows };
}
