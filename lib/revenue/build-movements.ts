/**
 * Materialize an organization's MRR movements (RevenueMovement rows) from its stored Stripe subscriptions and
 * their versions (SubscriptionVersion), converted to the reporting currency when one is set and rates exist.
 * The reports (lib/revenue/report.ts) read only RevenueMovement, so they stay fast with 50,000 accounts.
 *
 * Staleness: a build records a stamp of its inputs (counts and newest change of subscriptions, versions and
 * rates, the reporting currency) and the next dated change it already knows (a trial end, a scheduled end);
 * `ensureMovements` rebuilds when the stamp differs or that instant has passed.
 */
import type { Db } from "@/lib/db";
import { chunks } from "@/lib/db/chunks";
import { parseDiscounts, type MrrOptions } from "@/lib/billing/mrr";
import { computeMovements, monthStartMs, nextChangeAfter, nextMonthMs, type Movement, type MovementKind, type SubscriptionHistory, type VersionItem } from "./movements";
import { convertMinor, rateLookup } from "./currency";
import { versionStateOf } from "./subscription-versions";

const DAY_MS = 86_400_000;

/** Ended statuses: without `ended_at` the subscription ended when it was canceled (else when we saw it). */
const ENDED = new Set(["canceled", "incomplete_expired"]);

type VersionItemJson = Partial<VersionItem> & { id: string };

function toItems(json: unknown): VersionItem[] {
  if (!Array.isArray(json)) return [];
  return (json as VersionItemJson[]).map((i) => ({
    id: String(i.id), priceId: i.priceId ?? null, productId: i.productId ?? null, productName: i.productName ?? null,
    unitAmountCents: typeof i.unitAmountCents === "number" ? i.unitAmountCents : null, quantity: Number(i.quantity ?? 1),
    interval: i.interval ?? null, intervalCount: Number(i.intervalCount ?? 1), usageType: i.usageType ?? "licensed", currency: String(i.currency ?? ""),
  }));
}

/**
 * Load every subscription of an organization with its versions, as the movement engine's input.
 * A subscription without any version (written before versions existed, or inserted directly) gets one from its
 * current state, observed at its `sourceVersionAt` (else `updatedAt`).
 */
export async function loadSubscriptionHistories(db: Db, organizationId: string): Promise<SubscriptionHistory[]> {
  const subs = await db.subscription.findMany({
    where: { organizationId },
    select: {
      id: true, externalId: true, accountId: true, connectionId: true, customerExternalId: true, status: true, currency: true,
      startDate: true, sourceCreatedAt: true, trialEnd: true, endedAt: true, canceledAt: true, sourceVersionAt: true, updatedAt: true,
      discounts: true, items: true,
    },
  });
  const versions = new Map<string, SubscriptionHistory["versions"]>();
  // Every version of the organization in one read (ordered per subscription in memory).
  const rows = await db.subscriptionVersion.findMany({
    where: { organizationId },
    select: { subscriptionId: true, effectiveAt: true, observedAt: true, status: true, items: true, discounts: true },
  });
  for (const v of rows) {
    const list = versions.get(v.subscriptionId) ?? [];
    list.push({ effectiveMs: (v.effectiveAt ?? v.observedAt).getTime(), status: v.status, items: toItems(v.items), discounts: parseDiscounts(v.discounts) });
    versions.set(v.subscriptionId, list);
  }
  for (const list of versions.values()) list.sort((a, b) => a.effectiveMs - b.effectiveMs);
  return subs.map((s) => {
    const observed = (s.sourceVersionAt ?? s.updatedAt).getTime();
    let list = versions.get(s.id);
    if (!list?.length) {
      const st = versionStateOf(s);
      list = [{ effectiveMs: observed, status: st.status, items: toItems(st.items), discounts: parseDiscounts(st.discounts) }];
    }
    const end = s.endedAt ?? (ENDED.has(s.status) ? (s.canceledAt ?? new Date(observed)) : null);
    return {
      id: s.id, externalId: s.externalId, accountId: s.accountId,
      accountKey: s.accountId ?? `stripe:${s.connectionId}:${s.customerExternalId}`,
      currency: s.currency.toLowerCase(),
      startMs: (s.startDate ?? s.sourceCreatedAt)?.getTime() ?? null,
      trialEndMs: s.trialEnd?.getTime() ?? null,
      endMs: end?.getTime() ?? null,
      versions: list,
    };
  });
}

/**
 * Fingerprint of what a build reads, in two parts: `cheap` (index-only reads: versions — the connector writes one on
 * every subscription change — rates and the reporting currency), checked on every read, and `slow` (aggregates of the
 * Subscription table: rows, newest update, rows linked to an account — identity resolution moves them), checked when
 * the last build is older than {@link SLOW_CHECK_MS}.
 */
export async function inputStamp(db: Db, organizationId: string, opts: { slow: boolean }): Promise<{ cheap: string; slow: string | null }> {
  const [vers, rates, settings] = await Promise.all([
    // Versions and rates are only ever added or updated (never deleted): the newest time is enough (an index seek).
    db.subscriptionVersion.aggregate({ where: { organizationId }, _max: { observedAt: true } }),
    db.exchangeRate.aggregate({ where: { organizationId }, _max: { updatedAt: true } }),
    db.revenueSettings.findUnique({ where: { organizationId }, select: { reportingCurrency: true } }),
  ]);
  const cheap = [vers._max.observedAt?.getTime() ?? 0, rates._max.updatedAt?.getTime() ?? 0, settings?.reportingCurrency ?? ""].join(":");
  if (!opts.slow) return { cheap, slow: null };
  const [subs, linked] = await Promise.all([
    db.subscription.aggregate({ where: { organizationId }, _count: { _all: true }, _max: { updatedAt: true } }),
    db.subscription.count({ where: { organizationId, accountId: { not: null } } }),
  ]);
  return { cheap, slow: [subs._count._all, subs._max.updatedAt?.getTime() ?? 0, linked].join(":") };
}

/** How often (ms) a read also checks the Subscription table for changes without a version (account links). */
export const SLOW_CHECK_MS = 5 * 60_000;

/** Aggregates of one build: everything the overview and cohort reports read (one row, no scan of movements). */
export type RevenueSummary = {
  version: 1;
  asOfMs: number;
  reportingCurrency: string | null;
  /** Currencies with a movement that had no rate to the reporting currency. */
  unconverted: string[];
  total: number;
  /** Per month × currency × kind × existing-at-month-start: Σ delta, Σ reporting delta, count. */
  cells: { m: number; c: string; k: MovementKind; e: boolean; s: number; r: number; n: number }[];
  /** Per cohort month × month × currency × kind. */
  cohortCells: { cm: number; m: number; c: string; k: MovementKind; s: number; r: number; n: number }[];
  /** Trailing 12 complete months before the build's month: per currency, and all converted (reporting). */
  trailing12: { startMs: number; endMs: number; perCurrency: { c: string; start: number; retained: number; gross: number }[]; reporting: { start: number; retained: number; gross: number } | null };
};

function addMonthsMs(ms: number, n: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/** The summary of a set of movements (with their reporting deltas, null = no rate). */
export function summarize(movements: readonly Movement[], reporting: (number | null)[], asOfMs: number, reportingCurrency: string | null): RevenueSummary {
  const cells = new Map<string, RevenueSummary["cells"][number]>();
  const cohort = new Map<string, RevenueSummary["cohortCells"][number]>();
  const unconverted = new Set<string>();
  const endMs = monthStartMs(asOfMs);
  const startMs = addMonthsMs(endMs, -12);
  const track = new Map<string, { c: string; acc: string; start: number; end: number; rStart: number; rEnd: number }>();
  movements.forEach((mv, i) => {
    const r = reporting[i] ?? null;
    if (reportingCurrency && r === null) unconverted.add(mv.currency);
    const k1 = `${mv.monthMs}|${mv.currency}|${mv.kind}|${mv.existingAtMonthStart}`;
    const c1 = cells.get(k1) ?? { m: mv.monthMs, c: mv.currency, k: mv.kind, e: mv.existingAtMonthStart, s: 0, r: 0, n: 0 };
    c1.s += mv.deltaCents; c1.r += r ?? 0; c1.n++;
    cells.set(k1, c1);
    const k2 = `${mv.cohortMonthMs}|${mv.monthMs}|${mv.currency}|${mv.kind}`;
    const c2 = cohort.get(k2) ?? { cm: mv.cohortMonthMs, m: mv.monthMs, c: mv.currency, k: mv.kind, s: 0, r: 0, n: 0 };
    c2.s += mv.deltaCents; c2.r += r ?? 0; c2.n++;
    cohort.set(k2, c2);
    const tk = `${mv.accountKey}\u0000${mv.currency}`;
    const t = track.get(tk) ?? { c: mv.currency, acc: mv.accountKey, start: 0, end: 0, rStart: 0, rEnd: 0 };
    if (mv.monthMs < startMs) { t.start += mv.deltaCents; t.rStart += r ?? 0; }
    if (mv.monthMs < endMs) { t.end += mv.deltaCents; t.rEnd += r ?? 0; }
    track.set(tk, t);
  });
  // NRR/GRR over the window, per account: per currency, and (reporting) all currencies of an account together.
  const perCurrency = new Map<string, { c: string; start: number; retained: number; gross: number }>();
  const perAccount = new Map<string, { start: number; end: number }>();
  for (const t of track.values()) {
    if (t.start > 0) {
      const p = perCurrency.get(t.c) ?? { c: t.c, start: 0, retained: 0, gross: 0 };
      const e = Math.max(0, t.end);
      p.start += t.start; p.retained += e; p.gross += Math.min(e, t.start);
      perCurrency.set(t.c, p);
    }
    const a = perAccount.get(t.acc) ?? { start: 0, end: 0 };
    a.start += t.rStart; a.end += t.rEnd;
    perAccount.set(t.acc, a);
  }
  let rep: RevenueSummary["trailing12"]["reporting"] = null;
  if (reportingCurrency) {
    rep = { start: 0, retained: 0, gross: 0 };
    for (const a of perAccount.values()) {
      if (a.start <= 0) continue;
      const e = Math.max(0, a.end);
      rep.start += a.start; rep.retained += e; rep.gross += Math.min(e, a.start);
    }
  }
  return {
    version: 1, asOfMs, reportingCurrency, unconverted: [...unconverted].sort(), total: movements.length,
    cells: [...cells.values()], cohortCells: [...cohort.values()],
    trailing12: { startMs, endMs, perCurrency: [...perCurrency.values()].sort((a, b) => a.c.localeCompare(b.c)), reporting: rep },
  };
}

export type BuildResult = { movements: number; subscriptions: number; durationMs: number; reportingCurrency: string | null; unconverted: string[] };

/**
 * Recompute and store every RevenueMovement of an organization (delete + insert, one transaction per 2,000 rows
 * after the delete; readers see either the old or the new set per organization thanks to the settings stamp).
 * @param asOf movements up to this instant (default now).
 */
export async function rebuildRevenueMovements(db: Db, opts: { organizationId: string; asOf?: Date; mrr?: MrrOptions }): Promise<BuildResult> {
  // One build per organization at a time in this process: concurrent reads of a stale organization (the page's
  // parallel reports, API polling) join the running build instead of interleaving delete + insert (which doubled rows).
  const running = BUILDS.get(opts.organizationId);
  if (running) return running;
  const p = rebuild(db, opts).finally(() => BUILDS.delete(opts.organizationId));
  BUILDS.set(opts.organizationId, p);
  return p;
}

const BUILDS = new Map<string, Promise<BuildResult>>();

async function rebuild(db: Db, opts: { organizationId: string; asOf?: Date; mrr?: MrrOptions }): Promise<BuildResult> {
  const started = Date.now();
  const asOfMs = (opts.asOf ?? new Date()).getTime();
  const st = await inputStamp(db, opts.organizationId, { slow: true });
  const stamp = `${st.cheap}|${st.slow}`;
  const histories = await loadSubscriptionHistories(db, opts.organizationId);
  const movements = computeMovements(histories, asOfMs, opts.mrr);
  const settings = await db.revenueSettings.findUnique({ where: { organizationId: opts.organizationId } });
  const reporting = settings?.reportingCurrency ?? null;
  const unconverted = new Set<string>();
  let convert: ((m: Movement) => number | null) | null = null;
  if (reporting) {
    const rates = await db.exchangeRate.findMany({ where: { organizationId: opts.organizationId, quoteCurrency: reporting } });
    const lookup = rateLookup(rates, reporting);
    convert = (m) => {
      const r = lookup(m.currency, Math.floor(m.atMs / DAY_MS) * DAY_MS);
      if (r === null) {
        unconverted.add(m.currency);
        return null;
      }
      return convertMinor(m.deltaCents, m.currency, reporting, r);
    };
  }
  const converted = movements.map((m) => (convert ? convert(m) : null));
  const rows = movements.map((m, i) => ({
    organizationId: opts.organizationId, accountId: m.accountId, accountKey: m.accountKey, currency: m.currency,
    at: new Date(m.atMs), month: new Date(m.monthMs), kind: m.kind, deltaCents: m.deltaCents, mrrBeforeCents: m.mrrBeforeCents,
    mrrAfterCents: m.mrrAfterCents, cohortMonth: new Date(m.cohortMonthMs), existingAtMonthStart: m.existingAtMonthStart,
    reportingDeltaCents: converted[i] ?? null, details: m.details as object,
  }));
  // Delete + insert in one transaction: readers (and another process's build) see the old set or the new one.
  await db.$transaction(async (tx) => {
    await tx.revenueMovement.deleteMany({ where: { organizationId: opts.organizationId } });
    for (const part of chunks(rows, 2_000)) await tx.revenueMovement.createMany({ data: part });
  }, { timeout: 900_000, maxWait: 120_000 });
  // Rebuild at the next dated change already known, and at the next month (the trailing window moves).
  const next = Math.min(nextChangeAfter(histories, asOfMs) ?? Infinity, nextMonthMs(asOfMs));
  const summary = summarize(movements, converted, asOfMs, reporting);
  const book = { builtAt: new Date(), builtAsOf: new Date(asOfMs), builtStamp: stamp, nextChangeAt: new Date(next), summary: summary as object };
  await db.revenueSettings.upsert({ where: { organizationId: opts.organizationId }, create: { organizationId: opts.organizationId, ...book }, update: book });
  return { movements: rows.length, subscriptions: histories.length, durationMs: Date.now() - started, reportingCurrency: reporting, unconverted: [...unconverted].sort() };
}

/**
 * Rebuild the movements when their inputs changed since the last build (the cheap part of the stamp on every call,
 * the Subscription aggregates when the build is older than {@link SLOW_CHECK_MS}), or a known dated change (or the
 * next month) has come.
 * @returns the summary of the current build.
 */
export async function ensureMovements(db: Db, organizationId: string, now = new Date()): Promise<RevenueSummary> {
  const settings = await db.revenueSettings.findUnique({ where: { organizationId } });
  const summary = settings?.summary as RevenueSummary | null | undefined;
  if (settings?.builtStamp && summary?.version === 1 && (!settings.nextChangeAt || settings.nextChangeAt.getTime() > now.getTime())) {
    const slow = !settings.builtAt || now.getTime() - settings.builtAt.getTime() > SLOW_CHECK_MS;
    const st = await inputStamp(db, organizationId, { slow });
    const [cheap, slowPart] = settings.builtStamp.split("|");
    if (st.cheap === cheap && (!slow || st.slow === slowPart)) {
      if (slow) await db.revenueSettings.update({ where: { organizationId }, data: { builtAt: now } });
      return summary;
    }
  }
  await rebuildRevenueMovements(db, { organizationId, asOf: now });
  return (await db.revenueSettings.findUniqueOrThrow({ where: { organizationId } })).summary as RevenueSummary;
}
