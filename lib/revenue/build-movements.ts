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
import { computeMovements, nextChangeAfter, type Movement, type SubscriptionHistory, type VersionItem } from "./movements";
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
  for (const ids of chunks(subs.map((s) => s.id), 5_000)) {
    const rows = await db.subscriptionVersion.findMany({
      where: { organizationId, subscriptionId: { in: ids } },
      select: { subscriptionId: true, effectiveAt: true, observedAt: true, status: true, items: true, discounts: true },
      orderBy: [{ effectiveAt: "asc" }, { observedAt: "asc" }],
    });
    for (const v of rows) {
      const list = versions.get(v.subscriptionId) ?? [];
      list.push({ effectiveMs: (v.effectiveAt ?? v.observedAt).getTime(), status: v.status, items: toItems(v.items), discounts: parseDiscounts(v.discounts) });
      versions.set(v.subscriptionId, list);
    }
  }
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

/** Fingerprint of everything a build reads (cheap aggregate queries). */
export async function inputStamp(db: Db, organizationId: string): Promise<string> {
  const [subs, vers, rates, settings] = await Promise.all([
    db.subscription.aggregate({ where: { organizationId }, _count: { _all: true }, _max: { updatedAt: true } }),
    db.subscriptionVersion.aggregate({ where: { organizationId }, _count: { _all: true }, _max: { observedAt: true } }),
    db.exchangeRate.aggregate({ where: { organizationId }, _count: { _all: true }, _max: { updatedAt: true } }),
    db.revenueSettings.findUnique({ where: { organizationId }, select: { reportingCurrency: true } }),
  ]);
  // Account links move subscriptions between accounts: include them.
  const linked = await db.subscription.count({ where: { organizationId, accountId: { not: null } } });
  return [
    subs._count._all, subs._max.updatedAt?.getTime() ?? 0, vers._count._all, vers._max.observedAt?.getTime() ?? 0,
    rates._count._all, rates._max.updatedAt?.getTime() ?? 0, settings?.reportingCurrency ?? "", linked,
  ].join(":");
}

export type BuildResult = { movements: number; subscriptions: number; durationMs: number; reportingCurrency: string | null; unconverted: string[] };

/**
 * Recompute and store every RevenueMovement of an organization (delete + insert, one transaction per 2,000 rows
 * after the delete; readers see either the old or the new set per organization thanks to the settings stamp).
 * @param asOf movements up to this instant (default now).
 */
export async function rebuildRevenueMovements(db: Db, opts: { organizationId: string; asOf?: Date; mrr?: MrrOptions }): Promise<BuildResult> {
  const started = Date.now();
  const asOfMs = (opts.asOf ?? new Date()).getTime();
  const stamp = await inputStamp(db, opts.organizationId);
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
  const rows = movements.map((m) => ({
    organizationId: opts.organizationId, accountId: m.accountId, accountKey: m.accountKey, currency: m.currency,
    at: new Date(m.atMs), month: new Date(m.monthMs), kind: m.kind, deltaCents: m.deltaCents, mrrBeforeCents: m.mrrBeforeCents,
    mrrAfterCents: m.mrrAfterCents, cohortMonth: new Date(m.cohortMonthMs), existingAtMonthStart: m.existingAtMonthStart,
    reportingDeltaCents: convert ? convert(m) : null, details: m.details as object,
  }));
  await db.revenueMovement.deleteMany({ where: { organizationId: opts.organizationId } });
  for (const part of chunks(rows, 2_000)) await db.revenueMovement.createMany({ data: part });
  const next = nextChangeAfter(histories, asOfMs);
  const book = { builtAt: new Date(), builtAsOf: new Date(asOfMs), builtStamp: stamp, nextChangeAt: next === null ? null : new Date(next) };
  await db.revenueSettings.upsert({ where: { organizationId: opts.organizationId }, create: { organizationId: opts.organizationId, ...book }, update: book });
  return { movements: rows.length, subscriptions: histories.length, durationMs: Date.now() - started, reportingCurrency: reporting, unconverted: [...unconverted].sort() };
}

/**
 * Rebuild the movements when their inputs changed since the last build, or a known dated change has passed.
 * @returns true when it rebuilt.
 */
export async function ensureMovements(db: Db, organizationId: string, now = new Date()): Promise<boolean> {
  const [settings, stamp] = await Promise.all([db.revenueSettings.findUnique({ where: { organizationId } }), inputStamp(db, organizationId)]);
  const fresh = settings?.builtStamp === stamp && (!settings.nextChangeAt || settings.nextChangeAt.getTime() > now.getTime());
  if (fresh) return false;
  await rebuildRevenueMovements(db, { organizationId, asOf: now });
  return true;
}
