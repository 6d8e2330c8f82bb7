/**
 * MRR movements, pure (no I/O): from each subscription's history (dates + observed versions of its items,
 * status and discounts) to the list of changes of every account's MRR per currency, classified as
 * new | expansion | contraction | churn | reactivation. Definitions and choices: docs/revenue.md.
 *
 * Units: instants in epoch ms (UTC); amounts in integer minor units of the subscription's currency (cents for
 * usd/eur, yen for jpy). A subscription's MRR at an instant is lib/billing/mrr.ts `subscriptionMrr` of the
 * version in effect (so the movements use exactly the product's MRR rules: forever discounts only by default,
 * metered/one-off/tiered items excluded, one half-up rounding per subscription); an account's MRR in a
 * currency is the sum of its subscriptions' MRR in that currency. Currencies are never added together.
 *
 * The bridge closes by construction: every movement is `after − before` of one (account, currency) track, and a
 * track's MRR at any instant is the sum of its movements up to it — tests/revenue/*.test.ts check it
 * independently from the raw Stripe objects.
 */
import { itemMonthlyCents, subscriptionMrr, type MrrDiscountInput, type MrrItemInput, type MrrOptions } from "@/lib/billing/mrr";

export type MovementKind = "new" | "expansion" | "contraction" | "churn" | "reactivation";
export const MOVEMENT_KINDS: readonly MovementKind[] = ["new", "expansion", "contraction", "churn", "reactivation"];

/** One item of a subscription version (SubscriptionVersion.items entry). Amounts in minor units per billing period. */
export type VersionItem = MrrItemInput & {
  id: string;
  priceId: string | null;
  productId: string | null;
  productName: string | null;
};

/** One observed state of a subscription. Its items apply from `effectiveMs` on — and, for the first version, also before. */
export type SubscriptionState = {
  /** When this state took effect (epoch ms). The first version's status only counts from here; its items since the start. */
  effectiveMs: number;
  status: string;
  items: VersionItem[];
  discounts: MrrDiscountInput[];
  /** "invoice": reconstructed from the subscription's invoice lines (before its first observed version). */
  source?: "invoice";
};

/** A subscription with its dates and versions (oldest first, at least one). */
export type SubscriptionHistory = {
  /** Subscription.id */
  id: string;
  /** Stripe id (sub_…) */
  externalId: string;
  /** Account.id, or a stable key of the unlinked Stripe customer. */
  accountKey: string;
  accountId: string | null;
  currency: string;
  /** start_date (else created); null = unknown (then the first version's effective time). */
  startMs: number | null;
  /** trial_end: no MRR before it. */
  trialEndMs: number | null;
  /** ended_at (or the cancellation instant of an ended subscription): no MRR from it on. */
  endMs: number | null;
  versions: SubscriptionState[];
};

export type ItemChange = {
  item: string;
  product: string | null;
  priceBefore: string | null;
  priceAfter: string | null;
  quantityBefore: number | null;
  quantityAfter: number | null;
  /** Monthly list amount of the item (before discounts), minor units. */
  monthlyBeforeCents: number;
  monthlyAfterCents: number;
};

export type MovementDetail = {
  subscriptionId: string;
  subscription: string;
  /** started | trial_ended | ended | paused | resumed | items_changed | discount_changed | status_changed */
  change: string;
  beforeCents: number;
  afterCents: number;
  items: ItemChange[];
  /** The state before or after came from invoice lines (history older than the first sync), not an observation. */
  reconstructed?: true;
};

export type Movement = {
  accountKey: string;
  accountId: string | null;
  currency: string;
  atMs: number;
  /** First instant (UTC) of the month of atMs. */
  monthMs: number;
  kind: MovementKind;
  deltaCents: number;
  mrrBeforeCents: number;
  mrrAfterCents: number;
  /** Month of the track's first revenue. */
  cohortMonthMs: number;
  /** The track had MRR at the start of the movement's month. */
  existingAtMonthStart: boolean;
  details: MovementDetail[];
};

/** Statuses whose (observed) state gives no MRR. `trialing`/`canceled` are decided by the dates instead. */
const ZERO_STATUSES = new Set(["paused", "unpaid", "incomplete", "incomplete_expired"]);

/** First instant of the UTC month containing `ms`. */
export function monthStartMs(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** First instant of the UTC month after the one containing `ms`. */
export function nextMonthMs(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The version whose items apply at `t`: the latest with effectiveMs ≤ t, else the first. */
function versionAt(h: SubscriptionHistory, t: number): SubscriptionState {
  let v = h.versions[0]!;
  for (const x of h.versions) if (x.effectiveMs <= t) v = x;
  return v;
}

/**
 * MRR of one subscription in effect from instant `t` on (minor units), per the rules in docs/revenue.md:
 * 0 before the start, during the trial, from the end on, and while an observed status is paused/unpaid/incomplete.
 */
export function subscriptionMrrAt(h: SubscriptionHistory, t: number, opts: MrrOptions = {}): number {
  const start = h.startMs ?? h.versions[0]!.effectiveMs;
  if (t < start) return 0;
  if (h.endMs !== null && t >= h.endMs) return 0;
  if (h.trialEndMs !== null && t < h.trialEndMs) return 0;
  const v = versionAt(h, t);
  if (v.effectiveMs <= t && ZERO_STATUSES.has(v.status)) return 0;
  // A subscription that never left `incomplete(_expired)` never moved money (its first version says so).
  if (h.versions.every((x) => x.status === "incomplete" || x.status === "incomplete_expired")) return 0;
  return subscriptionMrr({ status: "active", currency: h.currency, items: v.items, discounts: v.discounts }, opts).cents;
}

/** Instants at which a subscription's MRR may change (sorted, unique). */
export function changePoints(h: SubscriptionHistory): number[] {
  const pts = new Set<number>();
  pts.add(h.startMs ?? h.versions[0]!.effectiveMs);
  if (h.trialEndMs !== null) pts.add(h.trialEndMs);
  if (h.endMs !== null) pts.add(h.endMs);
  for (const v of h.versions) pts.add(v.effectiveMs);
  return [...pts].sort((a, b) => a - b);
}

function itemChanges(before: SubscriptionState, after: SubscriptionState): ItemChange[] {
  const out: ItemChange[] = [];
  const b = new Map(before.items.map((i) => [i.id, i]));
  const a = new Map(after.items.map((i) => [i.id, i]));
  for (const id of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(id);
    const y = a.get(id);
    const mb = x ? itemMonthlyCents(x) : 0;
    const ma = y ? itemMonthlyCents(y) : 0;
    if (x && y && x.priceId === y.priceId && x.quantity === y.quantity && mb === ma) continue;
    out.push({
      item: id, product: y?.productName ?? x?.productName ?? y?.productId ?? x?.productId ?? null,
      priceBefore: x?.priceId ?? null, priceAfter: y?.priceId ?? null,
      quantityBefore: x?.quantity ?? null, quantityAfter: y?.quantity ?? null,
      monthlyBeforeCents: mb, monthlyAfterCents: ma,
    });
  }
  return out;
}

function describeChange(h: SubscriptionHistory, t: number, before: number, after: number): MovementDetail {
  const vb = versionAt(h, t - 1);
  const va = versionAt(h, t);
  const start = h.startMs ?? h.versions[0]!.effectiveMs;
  let change = "items_changed";
  let items: ItemChange[] = [];
  if (h.endMs !== null && t === h.endMs) change = "ended";
  else if (h.trialEndMs !== null && t === h.trialEndMs && before === 0) change = "trial_ended";
  else if (t === start && before === 0) change = "started";
  else if (va !== vb && ZERO_STATUSES.has(va.status) && after === 0) change = "paused";
  else if (va !== vb && ZERO_STATUSES.has(vb.status) && before === 0) change = "resumed";
  else if (va !== vb) {
    items = itemChanges(vb, va);
    change = items.length ? "items_changed" : JSON.stringify(vb.discounts) !== JSON.stringify(va.discounts) ? "discount_changed" : "status_changed";
  }
  if (change === "started" || change === "trial_ended" || change === "resumed") items = itemChanges({ ...va, items: [] }, va);
  if (change === "ended" || change === "paused") items = itemChanges(vb, { ...vb, items: [] });
  const reconstructed = va.source === "invoice" || (vb.source === "invoice" && t < (h.versions.find((x) => !x.source)?.effectiveMs ?? Infinity) + 1);
  return { subscriptionId: h.id, subscription: h.externalId, change, beforeCents: before, afterCents: after, items, ...(reconstructed ? { reconstructed: true as const } : {}) };
}

/**
 * Movements of every (account, currency) track, oldest first per track, up to `asOfMs` (inclusive).
 * @param subs every subscription of an organization (any order); subscriptions without versions are skipped.
 */
export function computeMovements(subs: readonly SubscriptionHistory[], asOfMs: number, opts: MrrOptions = {}): Movement[] {
  const tracks = new Map<string, SubscriptionHistory[]>();
  for (const s of subs) {
    if (!s.versions.length) continue;
    const key = `${s.accountKey}\u0000${s.currency}`;
    const list = tracks.get(key);
    if (list) list.push(s);
    else tracks.set(key, [s]);
  }
  const out: Movement[] = [];
  for (const list of tracks.values()) {
    const pts = [...new Set(list.flatMap(changePoints))].filter((t) => t <= asOfMs).sort((a, b) => a - b);
    const current = list.map(() => 0);
    let total = 0;
    let hadRevenue = false;
    let cohortMonthMs = 0;
    let monthOpen = -1;
    let totalAtMonthStart = 0;
    for (const t of pts) {
      const m = monthStartMs(t);
      if (m !== monthOpen) {
        monthOpen = m;
        totalAtMonthStart = total;
      }
      const details: MovementDetail[] = [];
      let next = 0;
      list.forEach((h, i) => {
        const c = subscriptionMrrAt(h, t, opts);
        if (c !== current[i]) details.push(describeChange(h, t, current[i]!, c));
        current[i] = c;
        next += c;
      });
      if (next === total) continue;
      let kind: MovementKind;
      if (total === 0) {
        kind = hadRevenue ? "reactivation" : "new";
        if (!hadRevenue) cohortMonthMs = m;
        hadRevenue = true;
      } else if (next === 0) kind = "churn";
      else kind = next > total ? "expansion" : "contraction";
      const h0 = list[0]!;
      out.push({
        accountKey: h0.accountKey, accountId: h0.accountId, currency: h0.currency, atMs: t, monthMs: m, kind,
        deltaCents: next - total, mrrBeforeCents: total, mrrAfterCents: next, cohortMonthMs,
        existingAtMonthStart: totalAtMonthStart > 0, details,
      });
      total = next;
    }
  }
  return out;
}

/** Earliest change point after `asOfMs` (a trial end, a scheduled end), or null: when the movements go stale. */
export function nextChangeAfter(subs: readonly SubscriptionHistory[], asOfMs: number): number | null {
  let best: number | null = null;
  for (const s of subs) for (const t of changePoints(s)) if (t > asOfMs && (best === null || t < best)) best = t;
  return best;
}

/** A change of an ACCOUNT's paying status (any currency): the unit of logo counts. */
export type LogoEvent = {
  accountKey: string;
  atMs: number;
  monthMs: number;
  kind: "new" | "churn" | "reactivation";
  /** Month of the account's first revenue in any currency. */
  cohortMonthMs: number;
  /** The account had MRR (in some currency) at the start of the event's month. */
  existingAtMonthStart: boolean;
};

type LogoInput = Pick<Movement, "accountKey" | "currency" | "atMs" | "deltaCents">;

/**
 * Logo events of accounts from their movements: an account is a paying logo while ANY of its (account, currency)
 * tracks has MRR > 0, so an account billed in usd and eur is ONE logo (docs/revenue.md "Currencies"). Movements of
 * one account at the same instant are applied together. Input: the movements of whole accounts (every currency).
 */
export function accountLogoEvents(movements: readonly LogoInput[]): LogoEvent[] {
  const byAccount = new Map<string, LogoInput[]>();
  for (const m of movements) {
    const l = byAccount.get(m.accountKey);
    if (l) l.push(m);
    else byAccount.set(m.accountKey, [m]);
  }
  const out: LogoEvent[] = [];
  for (const [accountKey, list] of byAccount) {
    list.sort((a, b) => a.atMs - b.atMs);
    const mrr = new Map<string, number>();
    let paying = false;
    let had = false;
    let cohortMonthMs = 0;
    let monthOpen = -1;
    let payingAtMonthStart = false;
    for (let i = 0; i < list.length; ) {
      const t = list[i]!.atMs;
      const m = monthStartMs(t);
      if (m !== monthOpen) {
        monthOpen = m;
        payingAtMonthStart = paying;
      }
      for (; i < list.length && list[i]!.atMs === t; i++) mrr.set(list[i]!.currency, (mrr.get(list[i]!.currency) ?? 0) + list[i]!.deltaCents);
      const now = [...mrr.values()].some((v) => v > 0);
      if (now === paying) continue;
      let kind: LogoEvent["kind"];
      if (now) {
        kind = had ? "reactivation" : "new";
        if (!had) cohortMonthMs = m;
        had = true;
      } else kind = "churn";
      out.push({ accountKey, atMs: t, monthMs: m, kind, cohortMonthMs, existingAtMonthStart: payingAtMonthStart });
      paying = now;
    }
  }
  return out;
}
