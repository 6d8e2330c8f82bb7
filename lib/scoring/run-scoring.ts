/**
 * Scoring runs (DB side): turn AccountSignalDaily rows into ChurnScoreDaily rows and refresh the
 * accounts' denormalised latest-score columns. Called by the score job, `POST /api/integrations/score`,
 * `npm run score` and the benchmark — one code path.
 *
 * - scoreOrganization(db, {organizationId, day}) scores one day: reads the day's signal rows in
 *   keyset batches (default 1,000; never the whole portfolio at once), scores each with the active
 *   ScoringConfig (version 1 = defaults is created when missing) and the active trained ChurnModel
 *   (else the fallback mapping, probabilitySource "fallback"), computes the trend from the stored
 *   scores exactly 7 and 30 days earlier, and replaces that day's ChurnScoreDaily rows (delete +
 *   insert per batch, in one transaction: re-scoring the same day replaces it). On PostgreSQL a
 *   batch's write overlaps the reading and scoring of the next batch (one write in flight, in order).
 * - scoreHistory(db, {organizationId, from, to, accountIds?}) scores every day in [from, to] that has signals
 *   (the 365-day backfill; or only some accounts' history, when the pipeline fills gaps or re-scores after a
 *   config change), batching by account across days, so trends chain within the run.
 * - Trends compare only scores made with the same scoring config version (the active one): a stored score of
 *   another version 7 or 30 days back counts as no score (docs/scoring.md, "Config versions").
 * - Account columns (healthScore, riskLevel, churnProbability, trend, topReason, scoredAt = run time,
 *   mrrCents/mrrCurrency and renewalDate (day + daysUntilRenewal) from the signals) are only written when no newer scored day exists for the
 *   account, so re-scoring an old day never overwrites the latest score.
 */
import type { Db } from "@/lib/db";
import { z } from "zod";
import { FEATURE_NAMES } from "@/lib/model/features";
import { fallbackProbability } from "@/lib/model/fallback";
import { modelDrivers, predictChurnProbability, ZModelParameters, type ModelParameters } from "@/lib/model/train";
import type { SignalSnapshot } from "@/lib/signals/types";
import type { ScoringConfig } from "./config";
import { getActiveScoringConfig } from "./config-store";
import { scoreAccount, type RiskLevel } from "./score-account";
import { addDays, rowToSnapshot, snapshotToJson, utcDay } from "./signal-row";
import { computeTrend } from "./trend";
import { openScoreStore, type AccountColumns, type ScoreStore } from "./score-store";

export type ScoreProgress = { processed: number; total: number };

export type ScoreOrganizationOptions = {
  organizationId: string;
  /** The day to score (normalised to midnight UTC). */
  day: Date;
  onProgress?: (p: ScoreProgress) => void;
  /** Signal rows per batch (default 1,000). */
  batchSize?: number;
  /** Run time written to Account.scoredAt (default: new Date()). */
  now?: Date;
  /**
   * Only accounts with id > afterAccountId (exclusive) and ≤ untilAccountId (inclusive), in the database's
   * ordering — one shard of a sharded run (lib/scoring/sharded-run.ts). Default: every account of the day.
   */
  afterAccountId?: string | null;
  untilAccountId?: string | null;
  /** Accounts expected (for progress; default: counts the day's signal rows, which a shard does not need). */
  total?: number;
  /** Called after each batch's write committed, in batch order, with its last accountId and size (checkpoints). */
  onBatchWritten?: (b: { lastAccountId: string; accounts: number }) => Promise<void> | void;
};

/** Accounts per risk level; `none`: accounts scored without a level (not paying: no risk level, by contract). */
export type LevelCounts = Record<RiskLevel, number> & { none: number };

export type ScoreRunResult = {
  day: string;
  accounts: number;
  counts: LevelCounts;
  probabilitySource: "model" | "fallback";
  scoringConfigVersion: number;
  churnModelVersion: number | null;
  durationMs: number;
};

const ZParameters = ZModelParameters; // keeps the learned encoding and the scheduled-cancellation floor

export type ActiveModel = { id: string; version: number; parameters: ModelParameters };

/**
 * The organization's active, trained churn model, or null (none, insufficient data, or its feature
 * list no longer matches the code's FEATURE_NAMES — then the fallback is used until retrained).
 */
export async function loadActiveModel(db: Db, organizationId: string): Promise<ActiveModel | null> {
  const m = await db.churnModel.findFirst({ where: { organizationId, isActive: true }, orderBy: { version: "desc" } });
  if (!m || m.status !== "trained" || !m.parameters) return null;
  const features = z.array(z.string()).safeParse(m.features);
  const params = ZParameters.safeParse(m.parameters);
  if (!features.success || !params.success) return null;
  if (features.data.length !== FEATURE_NAMES.length || features.data.some((f, i) => f !== FEATURE_NAMES[i])) return null;
  return { id: m.id, version: m.version, parameters: params.data };
}

type Ctx = { organizationId: string; config: ScoringConfig; configId: string; configVersion: number; model: ActiveModel | null };

const humanise = (name: string) =>
  name.replace(/_missing$/, " missing").replace(/([a-z])([A-Z0-9])/g, "$1 $2").replace(/(\d+)d\b/, "$1 d").toLowerCase();

/** Build one ChurnScoreDaily row (pure given ctx). */
function buildRow(ctx: Ctx, accountId: string, s: SignalSnapshot, prev7: number | null, prev30: number | null) {
  const score = scoreAccount(s, ctx.config);
  const trend = computeTrend(score.healthScore, prev7, prev30);
  let probability: number;
  let source: "model" | "fallback";
  let modelWords: string[] = [];
  if (ctx.model) {
    probability = Math.round(predictChurnProbability(ctx.model.parameters, s) * 10000) / 10000;
    source = "model";
    modelWords = modelDrivers(ctx.model.parameters, s).map((d) => `${humanise(d.feature)} raises churn risk`);
  } else {
    ({ probability, source } = fallbackProbability(score.healthScore));
  }
  return {
    organizationId: ctx.organizationId,
    accountId,
    day: s.day,
    healthScore: score.healthScore,
    riskLevel: score.riskLevel,
    churnProbability: probability,
    probabilitySource: source,
    trend,
    factors: score.factors,
    penalties: score.penalties,
    missingFactors: score.missingFactors,
    drivers: score.drivers,
    inputs: { ...snapshotToJson(s), modelDrivers: modelWords },
    scoringConfigId: ctx.configId,
    scoringConfigVersion: ctx.configVersion,
    churnModelId: ctx.model?.id ?? null,
    churnModelVersion: ctx.model?.version ?? null,
  };
}
type ScoreRow = ReturnType<typeof buildRow>;

async function loadContext(db: Db, organizationId: string): Promise<Ctx> {
  const [cfg, model] = await Promise.all([getActiveScoringConfig(db, organizationId), loadActiveModel(db, organizationId)]);
  return { organizationId, config: cfg.config, configId: cfg.id, configVersion: cfg.version, model };
}

/** Row + the signal MRR to denormalise onto the account. */
type Scored = { row: ScoreRow; mrrCents: number | null; mrrCurrency: string | null; renewalDate: Date | null };

/** The renewal date a signal row implies (its day + daysUntilRenewal). */
function renewalDateOf(r: { day: Date; daysUntilRenewal: number | null }): Date | null {
  return r.daysUntilRenewal === null ? null : addDays(r.day, r.daysUntilRenewal);
}

/**
 * Atomically (per account group, see ScoreStore.write): replace the ChurnScoreDaily rows of these
 * accounts for [from, to] and copy each account's newest score of this run onto its Account
 * columns, unless a later day is scored.
 */
async function persist(store: ScoreStore, from: Date, to: Date, rows: ScoreRow[], latest: Scored[], now: Date): Promise<void> {
  const ids = latest.map((l) => l.row.accountId);
  const newer = await store.newestScoreDayAfter(ids, to);
  const accountRows: AccountColumns[] = latest
    .filter((l) => !newer.has(l.row.accountId))
    .map(({ row, mrrCents, mrrCurrency, renewalDate }) => ({
      id: row.accountId,
      healthScore: row.healthScore,
      riskLevel: row.riskLevel,
      churnProbability: row.churnProbability,
      trend: row.trend,
      topReason: row.drivers[0] ?? null,
      scoredAt: now,
      mrrCents,
      mrrCurrency,
      renewalDate,
    }));
  await store.write({ accountIds: ids, from, to, rows, accounts: accountRows, now });
}

/** Score every account that has signals on `day` (see module doc). */
export async function scoreOrganization(db: Db, opts: ScoreOrganizationOptions): Promise<ScoreRunResult> {
  const started = performance.now();
  const day = utcDay(opts.day);
  const now = opts.now ?? new Date();
  const batchSize = opts.batchSize ?? 1000;
  const ctx = await loadContext(db, opts.organizationId);
  const total = opts.total ?? await db.accountSignalDaily.count({ where: { organizationId: opts.organizationId, day } });
  const counts: LevelCounts = { healthy: 0, at_risk: 0, critical: 0, none: 0 };
  let processed = 0;
  let after: string | null = opts.afterAccountId ?? null;
  const until = opts.untilAccountId ?? null;
  opts.onProgress?.({ processed, total });
  const store = await openScoreStore(db);
  // PostgreSQL: the previous batch's write runs (on the server) while this one is read and scored in
  // Node — at most one write in flight, writes in batch order. (SQLite writes are synchronous anyway.)
  const overlap = store.provider === "postgresql";
  let pending: Promise<void> | null = null;
  try {
    for (;;) {
      const batch = await store.readSignalDay(opts.organizationId, day, after, batchSize, until);
      if (batch.length === 0) break;
      after = batch[batch.length - 1].accountId;
      const ids = batch.map((r) => r.accountId);
      const [p7, p30] = await Promise.all([
        store.scoresOnDay(ids, addDays(day, -7), ctx.configVersion),
        store.scoresOnDay(ids, addDays(day, -30), ctx.configVersion),
      ]);
      const scored: Scored[] = batch.map((r) => {
        const row = buildRow(ctx, r.accountId, rowToSnapshot(r), p7.get(r.accountId) ?? null, p30.get(r.accountId) ?? null);
        const level = row.riskLevel as RiskLevel | null;
        counts[level ?? "none"]++;
        return { row, mrrCents: r.mrrCents, mrrCurrency: r.mrrCurrency, renewalDate: renewalDateOf(r) };
      });
      if (pending) await pending;
      pending = null;
      const lastAccountId = after;
      const written = persist(store, day, day, scored.map((x) => x.row), scored, now).then(async () => {
        processed += batch.length;
        opts.onProgress?.({ processed, total: Math.max(total, processed) });
        await opts.onBatchWritten?.({ lastAccountId, accounts: batch.length });
      });
      if (overlap) {
        pending = written;
        written.catch(() => {}); // observed by the next `await pending`; avoids an unhandled rejection meanwhile
      } else await written;
      if (batch.length < batchSize) break;
    }
    if (pending) await pending;
    pending = null;
  } finally {
    if (pending) await (pending as Promise<void>).catch(() => {});
    await store.close();
  }
  return {
    day: day.toISOString().slice(0, 10),
    accounts: processed,
    counts,
    probabilitySource: ctx.model ? "model" : "fallback",
    scoringConfigVersion: ctx.configVersion,
    churnModelVersion: ctx.model?.version ?? null,
    durationMs: Math.round(performance.now() - started),
  };
}

export type ScoreHistoryOptions = {
  organizationId: string;
  from: Date;
  to: Date;
  onProgress?: (p: ScoreProgress & { unit: "accounts" }) => void;
  /** Accounts per batch (each batch loads their signals for every day in range; default 50). */
  accountBatchSize?: number;
  /** Only these accounts of the organization (default: all; ids of other organizations are ignored). */
  accountIds?: readonly string[];
  now?: Date;
};

export type ScoreHistoryResult = { from: string; to: string; accounts: number; scores: number; durationMs: number };

/** Score every stored signal day in [from, to] (see module doc). */
export async function scoreHistory(db: Db, opts: ScoreHistoryOptions): Promise<ScoreHistoryResult> {
  const started = performance.now();
  const from = utcDay(opts.from);
  const to = utcDay(opts.to);
  const now = opts.now ?? new Date();
  const size = opts.accountBatchSize ?? 50;
  const ctx = await loadContext(db, opts.organizationId);
  const only = opts.accountIds ? [...new Set(opts.accountIds)].sort() : null;
  const total = only ? only.length : await db.account.count({ where: { organizationId: opts.organizationId } });
  let offset = 0;
  const store = await openScoreStore(db);
  let after: string | null = null;
  let accounts = 0;
  let scores = 0;
  let seen = 0;
  try {
    for (;;) {
      let accs: { id: string }[];
      let pageSize: number;
      if (only) {
        // The next `size` requested ids, kept only when they are this organization's accounts.
        const page = only.slice(offset, offset + size);
        offset += page.length;
        pageSize = page.length;
        if (page.length === 0) break;
        accs = await db.account.findMany({ where: { organizationId: opts.organizationId, id: { in: page } }, orderBy: { id: "asc" }, select: { id: true } });
      } else {
        accs = await db.account.findMany({
          where: { organizationId: opts.organizationId, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: "asc" },
          take: size,
          select: { id: true },
        });
        pageSize = accs.length;
        if (accs.length === 0) break;
        after = accs[accs.length - 1].id;
      }
      seen += pageSize;
      const ids = accs.map((a) => a.id);
      if (ids.length === 0) continue;
      const signalRows = await store.readSignalHistory(opts.organizationId, ids, from, to);
      if (signalRows.length) {
        const known = await store.scoresBetween(ids, addDays(from, -30), from, ctx.configVersion);
        const at = (acc: string, d: Date) => known.get(`${acc}|${d.getTime()}`) ?? null;
        const rows: ScoreRow[] = [];
        const last = new Map<string, Scored>();
        for (const r of signalRows) {
          const row = buildRow(ctx, r.accountId, rowToSnapshot(r), at(r.accountId, addDays(r.day, -7)), at(r.accountId, addDays(r.day, -30)));
          known.set(`${r.accountId}|${r.day.getTime()}`, row.healthScore);
          rows.push(row);
          last.set(r.accountId, { row, mrrCents: r.mrrCents, mrrCurrency: r.mrrCurrency, renewalDate: renewalDateOf(r) });
        }
        await persist(store, from, to, rows, [...last.values()], now);
        accounts += last.size;
        scores += rows.length;
      }
      opts.onProgress?.({ processed: seen, total: Math.max(total, seen), unit: "accounts" });
      if (pageSize < size) break;
    }
  } finally {
    await store.close();
  }
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10), accounts, scores, durationMs: Math.round(performance.now() - started) };
}
