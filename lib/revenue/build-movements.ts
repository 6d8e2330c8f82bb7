/**
 * Materialize an organization's MRR movements (RevenueMovement rows) from its stored Stripe subscriptions and
 * their versions (SubscriptionVersion), converted to the reporting currency when one is set and rates exist.
 * The reports (lib/revenue/report.ts) read only RevenueMovement, so they stay fast with 50,000 accounts.
 *
 * Builds run in the background job `revenue-movements-job` (./build-job.ts), requested after each Stripe sync and
 * webhook-driven change, and by a read that finds the figures stale; reads never build (`readRevenueSummary`).
 * A build records a stamp of its inputs (newest version and rate, the reporting currency; Subscription aggregates;
 * a sum of (subscription, account) hashes), its start (`builtAt`: the watermark of the next incremental build) and
 * the next dated change it already knows (a trial end, a scheduled end).
 */
import { createHash } from "node:crypto";
import type { Db } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/queue";
import { chunks } from "@/lib/db/chunks";
import { parseDiscounts, type MrrOptions } from "@/lib/billing/mrr";
import { accountLogoEvents, computeMovements, monthStartMs, nextChangeAfter, nextMonthMs, type LogoEvent, type Movement, type MovementKind, type SubscriptionHistory, type VersionItem } from "./movements";
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
export async function loadSubscriptionHistories(
  db: Db, organizationId: string, only?: { accountIds: string[]; customers: { connectionId: string; customerExternalId: string }[] },
): Promise<SubscriptionHistory[]> {
  if (only && !only.accountIds.length && !only.customers.length) return [];
  const select = {
    id: true, externalId: true, accountId: true, connectionId: true, customerExternalId: true, status: true, currency: true,
    startDate: true, sourceCreatedAt: true, trialEnd: true, endedAt: true, canceledAt: true, sourceVersionAt: true, updatedAt: true,
    discounts: true, items: true,
  } as const;
  // `only`: the subscriptions of these accounts and of these Stripe customers not linked to an account (in chunks:
  // bound parameters are limited).
  const subs = only
    ? (await Promise.all([
      ...chunks(only.accountIds, 500).map((ids) => db.subscription.findMany({ where: { organizationId, accountId: { in: ids } }, select })),
      ...chunks(only.customers, 150).map((cs) => db.subscription.findMany({
        where: { organizationId, accountId: null, OR: cs.map((c) => ({ connectionId: c.connectionId, customerExternalId: c.customerExternalId })) }, select,
      })),
    ])).flat()
    : await db.subscription.findMany({ where: { organizationId }, select });
  const versions = new Map<string, SubscriptionHistory["versions"]>();
  // Every version of the organization (or of those subscriptions) in one read, ordered per subscription in memory.
  const vSelect = { subscriptionId: true, effectiveAt: true, observedAt: true, status: true, items: true, discounts: true, source: true } as const;
  const rows = only
    ? (await Promise.all(chunks(subs.map((x) => x.id), 500).map((ids) => db.subscriptionVersion.findMany({ where: { organizationId, subscriptionId: { in: ids } }, select: vSelect })))).flat()
    : await db.subscriptionVersion.findMany({ where: { organizationId }, select: vSelect });
  for (const v of rows) {
    const list = versions.get(v.subscriptionId) ?? [];
    list.push({
      effectiveMs: (v.effectiveAt ?? v.observedAt).getTime(), status: v.status, items: toItems(v.items), discounts: parseDiscounts(v.discounts),
      ...(v.source === "invoice" ? { source: "invoice" as const } : {}),
    });
    versions.set(v.subscriptionId, list);
  }
  for (const [id, list] of versions) {
    // Versions reconstructed from invoices only describe the time before the first observed version.
    const firstObserved = Math.min(...list.filter((x) => !x.source).map((x) => x.effectiveMs));
    const kept = list.filter((x) => !x.source || x.effectiveMs < firstObserved);
    kept.sort((a, b) => a.effectiveMs - b.effectiveMs);
    versions.set(id, kept);
  }
  return subs.map((s) => {
    const observed = (s.sourceVersionAt ?? s.updatedAt).getTime();
    let list = versions.get(s.id) ?? [];
    if (!list.some((x) => !x.source)) {
      const st = versionStateOf(s);
      list = [...list.filter((x) => x.effectiveMs < observed), { effectiveMs: observed, status: st.status, items: toItems(st.items), discounts: parseDiscounts(st.discounts) }];
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
  version: 2;
  asOfMs: number;
  reportingCurrency: string | null;
  /** Currencies with a movement that had no rate to the reporting currency. */
  unconverted: string[];
  total: number;
  /** Per month × currency × kind × existing-at-month-start: Σ delta, Σ reporting delta, count. */
  cells: { m: number; c: string; k: MovementKind; e: boolean; s: number; r: number; n: number }[];
  /** Per ACCOUNT cohort month (first paying month in any currency) × month × currency × kind. */
  cohortCells: { cm: number; m: number; c: string; k: MovementKind; s: number; r: number; n: number }[];
  /** ACCOUNT logo events (any currency: an account billed in two currencies is one logo) per month × kind × existing. */
  logoCells: { m: number; k: LogoEvent["kind"]; e: boolean; n: number }[];
  /** Account logo events per account cohort month (first revenue in any currency) × month × kind. */
  logoCohortCells: { cm: number; m: number; k: LogoEvent["kind"]; n: number }[];
  /** Trailing 12 complete months before the build's month: per currency, and all converted (reporting). */
  trailing12: { startMs: number; endMs: number; perCurrency: { c: string; start: number; retained: number; gross: number }[]; reporting: { start: number; retained: number; gross: number } | null };
};

/** What the summary needs of a movement (a computed Movement or a stored RevenueMovement row) and its reporting delta. */
export type SummaryMovement = Pick<Movement, "accountKey" | "currency" | "atMs" | "monthMs" | "kind" | "deltaCents" | "cohortMonthMs" | "existingAtMonthStart"> & { r: number | null };

function addMonthsMs(ms: number, n: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/** An empty summary as of `asOfMs` (no movement yet). */
export function emptySummary(asOfMs: number, reportingCurrency: string | null): RevenueSummary {
  const endMs = monthStartMs(asOfMs);
  return {
    version: 2, asOfMs, reportingCurrency, unconverted: [], total: 0, cells: [], cohortCells: [], logoCells: [], logoCohortCells: [],
    trailing12: { startMs: addMonthsMs(endMs, -12), endMs, perCurrency: [], reporting: reportingCurrency ? { start: 0, retained: 0, gross: 0 } : null },
  };
}

/**
 * Add (`sign` 1) or remove (`sign` −1) the movements of WHOLE accounts (every movement of every currency of each
 * account given) to/from a summary, in place. Every part is a sum of integers per account, so removing an account's
 * old movements and adding its new ones gives exactly the summary a full build would (tests/revenue/build-job.test.ts).
 * The trailing window is the summary's own (`trailing12.startMs/endMs`).
 */
export function applyToSummary(sum: RevenueSummary, movements: readonly SummaryMovement[], sign: 1 | -1): void {
  const { startMs, endMs } = sum.trailing12;
  const cells = new Map(sum.cells.map((c) => [`${c.m}|${c.c}|${c.k}|${c.e}`, c]));
  const cohort = new Map(sum.cohortCells.map((c) => [`${c.cm}|${c.m}|${c.c}|${c.k}`, c]));
  const logos = new Map(sum.logoCells.map((c) => [`${c.m}|${c.k}|${c.e}`, c]));
  const logoCohort = new Map(sum.logoCohortCells.map((c) => [`${c.cm}|${c.m}|${c.k}`, c]));
  const unconverted = new Set(sum.unconverted);
  const track = new Map<string, { c: string; acc: string; start: number; end: number; rStart: number; rEnd: number }>();
  const events = accountLogoEvents(movements);
  // Cohort = the ACCOUNT's first paying month (any currency), so an account is in one cohort whatever its currencies.
  const accountCohort = new Map<string, number>();
  for (const ev of events) if (!accountCohort.has(ev.accountKey)) accountCohort.set(ev.accountKey, ev.cohortMonthMs);
  for (const mv of movements) {
    const r = mv.r;
    if (sign > 0 && sum.reportingCurrency && r === null) unconverted.add(mv.currency);
    const k1 = `${mv.monthMs}|${mv.currency}|${mv.kind}|${mv.existingAtMonthStart}`;
    const c1 = cells.get(k1) ?? { m: mv.monthMs, c: mv.currency, k: mv.kind, e: mv.existingAtMonthStart, s: 0, r: 0, n: 0 };
    c1.s += sign * mv.deltaCents; c1.r += sign * (r ?? 0); c1.n += sign;
    cells.set(k1, c1);
    const cm = accountCohort.get(mv.accountKey) ?? mv.cohortMonthMs;
    const k2 = `${cm}|${mv.monthMs}|${mv.currency}|${mv.kind}`;
    const c2 = cohort.get(k2) ?? { cm, m: mv.monthMs, c: mv.currency, k: mv.kind, s: 0, r: 0, n: 0 };
    c2.s += sign * mv.deltaCents; c2.r += sign * (r ?? 0); c2.n += sign;
    cohort.set(k2, c2);
    const tk = `${mv.accountKey}\u0000${mv.currency}`;
    const t = track.get(tk) ?? { c: mv.currency, acc: mv.accountKey, start: 0, end: 0, rStart: 0, rEnd: 0 };
    if (mv.monthMs < startMs) { t.start += mv.deltaCents; t.rStart += r ?? 0; }
    if (mv.monthMs < endMs) { t.end += mv.deltaCents; t.rEnd += r ?? 0; }
    track.set(tk, t);
  }
  for (const ev of events) {
    const k = `${ev.monthMs}|${ev.kind}|${ev.existingAtMonthStart}`;
    const c = logos.get(k) ?? { m: ev.monthMs, k: ev.kind, e: ev.existingAtMonthStart, n: 0 };
    c.n += sign;
    logos.set(k, c);
    const k2 = `${ev.cohortMonthMs}|${ev.monthMs}|${ev.kind}`;
    const c2 = logoCohort.get(k2) ?? { cm: ev.cohortMonthMs, m: ev.monthMs, k: ev.kind, n: 0 };
    c2.n += sign;
    logoCohort.set(k2, c2);
  }
  // NRR/GRR over the window, per account: per currency, and (reporting) all currencies of an account together.
  const perCurrency = new Map(sum.trailing12.perCurrency.map((p) => [p.c, { ...p }]));
  const perAccount = new Map<string, { start: number; end: number }>();
  for (const t of track.values()) {
    if (t.start > 0) {
      const p = perCurrency.get(t.c) ?? { c: t.c, start: 0, retained: 0, gross: 0 };
      const e = Math.max(0, t.end);
      p.start += sign * t.start; p.retained += sign * e; p.gross += sign * Math.min(e, t.start);
      perCurrency.set(t.c, p);
    }
    const a = perAccount.get(t.acc) ?? { start: 0, end: 0 };
    a.start += t.rStart; a.end += t.rEnd;
    perAccount.set(t.acc, a);
  }
  if (sum.reportingCurrency) {
    const rep = sum.trailing12.reporting ?? { start: 0, retained: 0, gross: 0 };
    for (const a of perAccount.values()) {
      if (a.start <= 0) continue;
      const e = Math.max(0, a.end);
      rep.start += sign * a.start; rep.retained += sign * e; rep.gross += sign * Math.min(e, a.start);
    }
    sum.trailing12.reporting = rep;
  }
  sum.total += sign * movements.length;
  sum.unconverted = [...unconverted].sort();
  sum.cells = [...cells.values()].filter((c) => c.n !== 0);
  sum.cohortCells = [...cohort.values()].filter((c) => c.n !== 0);
  sum.logoCells = [...logos.values()].filter((c) => c.n !== 0);
  sum.logoCohortCells = [...logoCohort.values()].filter((c) => c.n !== 0);
  sum.trailing12.perCurrency = [...perCurrency.values()].filter((p) => p.start !== 0 || p.retained !== 0).sort((a, b) => a.c.localeCompare(b.c));
}

/** The summary of a set of movements (with their reporting deltas, null = no rate). */
export function summarize(movements: readonly Movement[], reporting: (number | null)[], asOfMs: number, reportingCurrency: string | null): RevenueSummary {
  const sum = emptySummary(asOfMs, reportingCurrency);
  applyToSummary(sum, movements.map((m, i) => ({ ...m, r: reporting[i] ?? null })), 1);
  return sum;
}

export type BuildResult = {
  /** full: every movement recomputed; incremental: only the accounts whose subscriptions changed since the last build. */
  mode: "full" | "incremental";
  /** Movements written (incremental: of the accounts recomputed). */
  movements: number;
  /** Subscriptions read. */
  subscriptions: number;
  /** Account tracks recomputed (incremental), or every account key (full). */
  accounts: number;
  durationMs: number;
  reportingCurrency: string | null;
  unconverted: string[];
};

/** Progress of a build for the job's progress (phase and counts). */
export type BuildProgress = (p: { phase: "checking" | "loading" | "computing" | "writing"; mode?: "full" | "incremental"; subscriptions?: number; accounts?: number; movements?: number }) => Promise<void> | void;

type BuildOpts = { organizationId: string; asOf?: Date; mrr?: MrrOptions; progress?: BuildProgress };

const LINK_MOD = 2 ** 52;

/** 48-bit hash of (subscription, account key): summed mod 2^52 over subscriptions, it tells whether any moved account. */
function linkHash(id: string, key: string): number {
  return parseInt(createHash("sha1").update(`${id}\u0000${key}`).digest("hex").slice(0, 12), 16);
}

function keyOf(s: { accountId: string | null; connectionId: string; customerExternalId: string }): string {
  return s.accountId ?? `stripe:${s.connectionId}:${s.customerExternalId}`;
}

async function converterFor(db: Db, organizationId: string, reporting: string | null, unconverted: Set<string>): Promise<(m: Pick<Movement, "currency" | "atMs" | "deltaCents">) => number | null> {
  if (!reporting) return () => null;
  const lookup = rateLookup(await db.exchangeRate.findMany({ where: { organizationId, quoteCurrency: reporting } }), reporting);
  return (m) => {
    const r = lookup(m.currency, Math.floor(m.atMs / DAY_MS) * DAY_MS);
    if (r === null) {
      unconverted.add(m.currency);
      return null;
    }
    return convertMinor(m.deltaCents, m.currency, reporting, r);
  };
}

function movementRows(organizationId: string, movements: readonly Movement[], converted: (number | null)[]) {
  return movements.map((m, i) => ({
    organizationId, accountId: m.accountId, accountKey: m.accountKey, currency: m.currency,
    at: new Date(m.atMs), month: new Date(m.monthMs), kind: m.kind, deltaCents: m.deltaCents, mrrBeforeCents: m.mrrBeforeCents,
    mrrAfterCents: m.mrrAfterCents, cohortMonth: new Date(m.cohortMonthMs), existingAtMonthStart: m.existingAtMonthStart,
    reportingDeltaCents: converted[i] ?? null, details: m.details as object,
  }));
}

/**
 * Recompute and store EVERY RevenueMovement of an organization and its summary (delete + insert + summary in one
 * transaction: readers see the old set or the new one). Used for the first build, when rates or the reporting
 * currency changed, at a new month (the trailing window moves) and when a subscription moved to another account.
 * One build per organization at a time in a process (a second call joins the running one).
 * @param asOf movements up to this instant (default now).
 */
export async function rebuildRevenueMovements(db: Db, opts: BuildOpts): Promise<BuildResult> {
  return once(opts.organizationId, () => rebuild(db, opts));
}

/**
 * Bring the movements up to date after a sync or webhook, INCREMENTALLY when possible: only the accounts whose
 * subscriptions changed since the last build (a version observed after it, a Subscription row updated after it, or a
 * known dated change — trial end, start, end — that has come since) are recomputed; their old movements are removed
 * from the summary and the new ones added (every part of the summary is a per-account sum, so the result equals a
 * full build). Falls back to {@link rebuildRevenueMovements} when there is no build yet, the month changed, the rates
 * or the reporting currency changed, or a subscription known to the last build now belongs to another account.
 */
export async function updateRevenueMovements(db: Db, opts: BuildOpts): Promise<BuildResult> {
  return once(opts.organizationId, async () => (await incremental(db, opts)) ?? rebuild(db, opts));
}

const BUILDS = new Map<string, Promise<BuildResult>>();

function once(organizationId: string, run: () => Promise<BuildResult>): Promise<BuildResult> {
  // Concurrent builds of one organization would interleave delete + insert (that doubled rows once): join instead.
  const running = BUILDS.get(organizationId);
  if (running) return running;
  const p = run().finally(() => BUILDS.delete(organizationId));
  BUILDS.set(organizationId, p);
  return p;
}

async function rebuild(db: Db, opts: BuildOpts): Promise<BuildResult> {
  const startedAt = new Date();
  const asOfMs = (opts.asOf ?? startedAt).getTime();
  await opts.progress?.({ phase: "loading", mode: "full" });
  const st = await inputStamp(db, opts.organizationId, { slow: true });
  const links = await db.subscription.findMany({ where: { organizationId: opts.organizationId }, select: { id: true, accountId: true, connectionId: true, customerExternalId: true } });
  let linkSum = 0;
  for (const s of links) linkSum = (linkSum + linkHash(s.id, keyOf(s))) % LINK_MOD;
  const histories = await loadSubscriptionHistories(db, opts.organizationId);
  await opts.progress?.({ phase: "computing", mode: "full", subscriptions: histories.length });
  const movements = computeMovements(histories, asOfMs, opts.mrr);
  const settings = await db.revenueSettings.findUnique({ where: { organizationId: opts.organizationId } });
  const reporting = settings?.reportingCurrency ?? null;
  const unconverted = new Set<string>();
  const convert = await converterFor(db, opts.organizationId, reporting, unconverted);
  const converted = movements.map(convert);
  const rows = movementRows(opts.organizationId, movements, converted);
  await opts.progress?.({ phase: "writing", mode: "full", subscriptions: histories.length, movements: rows.length });
  // Rebuild at the next dated change already known, and at the next month (the trailing window moves).
  const next = Math.min(nextChangeAfter(histories, asOfMs) ?? Infinity, nextMonthMs(asOfMs));
  const summary = summarize(movements, converted, asOfMs, reporting);
  // builtAt = when this build started reading: changes observed after it are the next incremental build's input.
  const book = { builtAt: startedAt, builtAsOf: new Date(asOfMs), builtStamp: `${st.cheap}|${st.slow}|${linkSum}`, nextChangeAt: new Date(next), summary: summary as object };
  await db.$transaction(async (tx) => {
    await tx.revenueMovement.deleteMany({ where: { organizationId: opts.organizationId } });
    for (const part of chunks(rows, 2_000)) await tx.revenueMovement.createMany({ data: part });
    await tx.revenueSettings.upsert({ where: { organizationId: opts.organizationId }, create: { organizationId: opts.organizationId, ...book }, update: book });
  }, { timeout: 900_000, maxWait: 120_000 });
  return {
    mode: "full", movements: rows.length, subscriptions: histories.length, accounts: new Set(histories.map((h) => h.accountKey)).size,
    durationMs: Date.now() - startedAt.getTime(), reportingCurrency: reporting, unconverted: [...unconverted].sort(),
  };
}

/** The incremental build, or null when only a full one is right (see updateRevenueMovements). */
async function incremental(db: Db, opts: BuildOpts): Promise<BuildResult | null> {
  const startedAt = new Date();
  const asOfMs = (opts.asOf ?? startedAt).getTime();
  const organizationId = opts.organizationId;
  const settings = await db.revenueSettings.findUnique({ where: { organizationId } });
  const prev = settings?.summary as RevenueSummary | null | undefined;
  if (!settings?.builtAt || !settings.builtAsOf || !settings.builtStamp || prev?.version !== 2) return null;
  const fromMs = settings.builtAsOf.getTime();
  if (asOfMs < fromMs || monthStartMs(asOfMs) !== monthStartMs(fromMs)) return null;
  const reporting = settings.reportingCurrency ?? null;
  if (prev.reportingCurrency !== reporting) return null;
  await opts.progress?.({ phase: "checking", mode: "incremental" });
  const st = await inputStamp(db, organizationId, { slow: true });
  const [oldCheap = "", , oldLinks] = settings.builtStamp.split("|");
  // cheap = versions:rates:reporting — new rates change every conversion: full build.
  if (oldCheap.split(":").slice(1).join(":") !== st.cheap.split(":").slice(1).join(":") || oldLinks === undefined) return null;
  const watermark = settings.builtAt.getTime();
  const [subs, firstSeen, newVersions] = await Promise.all([
    db.subscription.findMany({
      where: { organizationId },
      select: { id: true, accountId: true, connectionId: true, customerExternalId: true, updatedAt: true, trialEnd: true, startDate: true, sourceCreatedAt: true, endedAt: true, canceledAt: true },
    }),
    db.subscriptionVersion.groupBy({ by: ["subscriptionId"], where: { organizationId }, _min: { observedAt: true } }),
    db.subscriptionVersion.findMany({ where: { organizationId, observedAt: { gte: new Date(watermark) } }, select: { subscriptionId: true } }),
  ]);
  const first = new Map(firstSeen.map((f) => [f.subscriptionId, f._min.observedAt?.getTime() ?? 0]));
  // Σ hash(subscription, account key) over the subscriptions the last build knew must be what it stored: else a
  // subscription moved to another account (or was deleted) and its old account's movements are stale → full build.
  let known = 0;
  let all = 0;
  for (const s of subs) {
    const h = linkHash(s.id, keyOf(s));
    all = (all + h) % LINK_MOD;
    if ((first.get(s.id) ?? 0) < watermark) known = (known + h) % LINK_MOD;
  }
  if (String(known) !== oldLinks) return null;
  const changed = new Set(newVersions.map((v) => v.subscriptionId));
  let nextDated = Infinity;
  for (const s of subs) {
    if (s.updatedAt.getTime() >= watermark) changed.add(s.id);
    for (const d of [s.trialEnd, s.startDate ?? s.sourceCreatedAt, s.endedAt, s.canceledAt]) {
      const t = d?.getTime();
      if (t === undefined) continue;
      if (t > fromMs && t <= asOfMs) changed.add(s.id);
      if (t > asOfMs && t < nextDated) nextDated = t;
    }
  }
  const accountIds = new Set<string>();
  const customers = new Map<string, { connectionId: string; customerExternalId: string }>();
  for (const s of subs) {
    if (!changed.has(s.id)) continue;
    if (s.accountId) accountIds.add(s.accountId);
    // Always the customer's unlinked track too: a customer linked since the last build leaves its old key.
    customers.set(`${s.connectionId}\u0000${s.customerExternalId}`, { connectionId: s.connectionId, customerExternalId: s.customerExternalId });
  }
  const keys = [...accountIds, ...[...customers.values()].map((c) => `stripe:${c.connectionId}:${c.customerExternalId}`)];
  await opts.progress?.({ phase: "loading", mode: "incremental", accounts: keys.length });
  const histories = await loadSubscriptionHistories(db, organizationId, { accountIds: [...accountIds], customers: [...customers.values()] });
  await opts.progress?.({ phase: "computing", mode: "incremental", accounts: keys.length, subscriptions: histories.length });
  const movements = computeMovements(histories, asOfMs, opts.mrr);
  const unconverted = new Set<string>();
  const convert = await converterFor(db, organizationId, reporting, unconverted);
  const converted = movements.map(convert);
  const oldRows = (await Promise.all(chunks(keys, 500).map((part) => db.revenueMovement.findMany({
    where: { organizationId, accountKey: { in: part } },
    select: { accountKey: true, currency: true, at: true, month: true, kind: true, deltaCents: true, cohortMonth: true, existingAtMonthStart: true, reportingDeltaCents: true },
  })))).flat();
  const summary: RevenueSummary = structuredClone(prev);
  summary.asOfMs = asOfMs;
  applyToSummary(summary, oldRows.map((r) => ({
    accountKey: r.accountKey, currency: r.currency, atMs: r.at.getTime(), monthMs: r.month.getTime(), kind: r.kind as MovementKind, deltaCents: r.deltaCents,
    cohortMonthMs: r.cohortMonth.getTime(), existingAtMonthStart: r.existingAtMonthStart, r: r.reportingDeltaCents,
  })), -1);
  applyToSummary(summary, movements.map((m, i) => ({ ...m, r: converted[i] ?? null })), 1);
  const rows = movementRows(organizationId, movements, converted);
  await opts.progress?.({ phase: "writing", mode: "incremental", accounts: keys.length, subscriptions: histories.length, movements: rows.length });
  const next = Math.min(nextDated, nextMonthMs(asOfMs));
  const book = { builtAt: startedAt, builtAsOf: new Date(asOfMs), builtStamp: `${st.cheap}|${st.slow}|${all}`, nextChangeAt: new Date(next), summary: summary as object };
  await db.$transaction(async (tx) => {
    for (const part of chunks(keys, 500)) await tx.revenueMovement.deleteMany({ where: { organizationId, accountKey: { in: part } } });
    for (const part of chunks(rows, 2_000)) await tx.revenueMovement.createMany({ data: part });
    await tx.revenueSettings.update({ where: { organizationId }, data: book });
  }, { timeout: 900_000, maxWait: 120_000 });
  return {
    mode: "incremental", movements: rows.length, subscriptions: histories.length, accounts: keys.length,
    durationMs: Date.now() - startedAt.getTime(), reportingCurrency: reporting, unconverted: summary.unconverted,
  };
}

/** The job kind that builds the movements (registered in lib/app/register-jobs.ts; defined in ./build-job.ts). */
export const REVENUE_BUILD_JOB = "revenue-movements-job";

/** Whether a build is waiting or running for the organization, and when the figures shown were built. */
export type RevenueBuildStatus = {
  /** idle: the figures are up to date (or no build is asked for); queued / running: "updating…". */
  state: "idle" | "queued" | "running";
  jobId: string | null;
  /** The running job's progress ({phase, mode, accounts, subscriptions, movements}). */
  progress: unknown;
  /** When the figures shown were built (null: never — the figures are empty until the first build). */
  builtAt: string | null;
  /** The inputs changed since that build (a build was asked for). */
  stale: boolean;
};

/**
 * Ask for a movement build of an organization (after a sync, a webhook, or a stale read): one queued job per
 * organization (a second request joins it; a running job is not joined — its inputs were already read).
 * @param full force a full rebuild (else incremental when possible).
 */
export async function requestRevenueBuild(db: Db, organizationId: string, opts: { full?: boolean } = {}): Promise<{ jobId: string; deduplicated: boolean }> {
  // Requests of one process are serialized per organization (concurrent reads would each find no queued job and
  // create one); across processes two queued jobs at worst, the second then finds nothing to do.
  const prev = REQUESTS.get(organizationId) ?? Promise.resolve();
  const p = prev.catch(() => undefined).then(() => enqueueBuild(db, organizationId, opts));
  REQUESTS.set(organizationId, p);
  try {
    return await p;
  } finally {
    if (REQUESTS.get(organizationId) === p) REQUESTS.delete(organizationId);
  }
}

const REQUESTS = new Map<string, Promise<{ jobId: string; deduplicated: boolean }>>();

async function enqueueBuild(db: Db, organizationId: string, opts: { full?: boolean }): Promise<{ jobId: string; deduplicated: boolean }> {
  const { job, deduplicated } = await enqueueJob(db, REVENUE_BUILD_JOB, { organizationId, ...(opts.full ? { full: true } : {}) }, {
    organizationId, dedupeKey: `revenue-movements:${organizationId}`,
    coalesce: (queued, next) => ({ organizationId, full: Boolean((queued as { full?: boolean }).full || (next as { full?: boolean }).full) }),
  });
  return { jobId: job.id, deduplicated };
}

/** When each organization's Subscription aggregates were last compared (per process; see SLOW_CHECK_MS). */
const SLOW_CHECKED = new Map<string, number>();

/**
 * The figures of the last complete build — a read NEVER builds. When the inputs changed since (the cheap stamp on
 * every read; the Subscription aggregates every {@link SLOW_CHECK_MS}; a known dated change or a new month has come)
 * or there is no build yet, a build job is requested and the status says so; the last figures are returned meanwhile
 * (an empty summary before the first build).
 */
export async function readRevenueSummary(db: Db, organizationId: string, now = new Date()): Promise<{ summary: RevenueSummary; build: RevenueBuildStatus }> {
  const settings = await db.revenueSettings.findUnique({ where: { organizationId } });
  const stored = settings?.summary as RevenueSummary | null | undefined;
  const summary = stored?.version === 2 ? stored : null;
  let stale = !summary || !settings?.builtStamp || (settings.nextChangeAt !== null && settings.nextChangeAt.getTime() <= now.getTime());
  if (!stale) {
    const slow = now.getTime() - (SLOW_CHECKED.get(organizationId) ?? 0) > SLOW_CHECK_MS;
    const st = await inputStamp(db, organizationId, { slow });
    const [cheap, slowPart] = settings!.builtStamp!.split("|");
    stale = st.cheap !== cheap || (slow && st.slow !== slowPart);
    if (slow && !stale) SLOW_CHECKED.set(organizationId, now.getTime());
  }
  let job = await db.job.findFirst({
    where: { dedupeKey: `revenue-movements:${organizationId}`, status: { in: ["queued", "running"] } },
    orderBy: { createdAt: "desc" }, select: { id: true, status: true, progress: true },
  });
  if (stale && !job) {
    try {
      const r = await requestRevenueBuild(db, organizationId);
      job = { id: r.jobId, status: "queued", progress: null };
    } catch {
      // The job kind is not registered in this process (a script): the figures stay as they are.
    }
  }
  return {
    summary: summary ?? emptySummary(now.getTime(), settings?.reportingCurrency ?? null),
    build: {
      state: job ? (job.status === "running" ? "running" : "queued") : "idle", jobId: job?.id ?? null, progress: job?.progress ?? null,
      builtAt: summary ? (settings?.builtAt?.toISOString() ?? null) : null, stale,
    },
  };
}
