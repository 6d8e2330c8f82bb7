/**
 * Correctness of the MRR movements (issue 17): a synthetic portfolio (tests/revenue/portfolio.ts) is served by the
 * sandbox, read by the REAL Stripe connector over HTTP (official stripe SDK), changed step by step through the
 * sandbox control API (each change read back by an incremental sync), and the product's movements, bridge and
 * retention are compared with an INDEPENDENT recomputation written here from the raw Stripe objects (fetched with
 * the SDK after every step) — to the cent, on SQLite and (CHURNWATCH_TEST_DB=postgres) PostgreSQL.
 */
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectKey, setupStripe, sync, type StripeTestEnv } from "@/tests/connectors/stripe-fixtures";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { rebuildRevenueMovements } from "@/lib/revenue/build-movements";
import { getCohorts, getRevenueOverview, listMovements } from "@/lib/revenue/report";
import { AS_OF, STEPS, T0, buildRevenuePortfolio } from "./portfolio";

// ─────────────── the independent recomputation (no import from lib/revenue or lib/billing) ───────────────

type RawSub = Stripe.Subscription;
type Snapshot = { atMs: number; sub: RawSub };

/** Exact fraction n/d (BigInt). */
type Q = [bigint, bigint];
const q = (n: number | bigint, d: number | bigint = 1): Q => [BigInt(n), BigInt(d)];
const qadd = (a: Q, b: Q): Q => [a[0] * b[1] + b[0] * a[1], a[1] * b[1]];
const qmul = (a: Q, b: Q): Q => [a[0] * b[0], a[1] * b[1]];
const roundHalfUp = (a: Q): number => (a[0] <= 0n ? 0 : Number((2n * a[0] + a[1]) / (2n * a[1])));

/** Length of a billing period in months, as a fraction (year = 12, week = 12/52, day = 12/365). */
function periodMonths(interval: string, count: number): Q {
  if (interval === "month") return q(count);
  if (interval === "year") return q(12 * count);
  if (interval === "week") return q(12 * count, 52);
  return q(12 * count, 365);
}

/** MRR (cents) of one raw subscription object if it is billing: licensed items per month, forever discounts. */
function rawMrr(sub: RawSub): number {
  let total: Q = q(0);
  let billingPeriod: Q | null = null;
  for (const it of sub.items.data) {
    const p = it.price;
    if (!p.recurring || p.recurring.usage_type === "metered" || p.unit_amount === null) continue;
    const months = periodMonths(p.recurring.interval, p.recurring.interval_count);
    billingPeriod ??= months;
    total = qadd(total, qmul(q(p.unit_amount * (it.quantity ?? 1)), [months[1], months[0]]));
  }
  for (const d of sub.discounts ?? []) {
    if (typeof d === "string") continue;
    const c = d.source?.coupon;
    if (!c || typeof c === "string" || c.duration !== "forever") continue; // once/repeating: not MRR (docs/revenue.md)
    if (c.percent_off) total = qmul(total, q(Math.round((100 - c.percent_off) * 10_000), 1_000_000));
    else if (c.amount_off && billingPeriod) total = qadd(total, qmul(q(-c.amount_off), [billingPeriod[1], billingPeriod[0]]));
    if (total[0] < 0n) total = q(0);
  }
  return roundHalfUp(total);
}

/** MRR of a subscription from instant t on, from its snapshots (oldest first). */
function mrrAt(snaps: Snapshot[], t: number): number {
  const last = snaps[snaps.length - 1]!.sub;
  const first = snaps[0]!.sub;
  const startMs = (first.start_date ?? first.created) * 1000;
  if (t < startMs) return 0;
  const endedAt = last.ended_at ?? (last.status === "canceled" ? last.canceled_at : null);
  if (endedAt && t >= endedAt * 1000) return 0;
  if (last.trial_end && t < last.trial_end * 1000) return 0;
  if (snaps.every((x) => x.sub.status === "incomplete" || x.sub.status === "incomplete_expired")) return 0;
  let cur = snaps[0]!;
  for (const x of snaps) if (x.atMs <= t) cur = x;
  if (cur.atMs <= t && ["paused", "unpaid", "incomplete", "incomplete_expired"].includes(cur.sub.status)) return 0;
  return rawMrr(cur.sub);
}

type RefMovement = { customer: string; currency: string; atMs: number; kind: string; delta: number };

function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Every movement per (customer, currency), classified independently. */
function referenceMovements(history: Map<string, Snapshot[]>, asOfMs: number): RefMovement[] {
  const byTrack = new Map<string, string[]>();
  for (const [id, snaps] of history) {
    const s0 = snaps[0]!.sub;
    const key = `${typeof s0.customer === "string" ? s0.customer : s0.customer.id}|${s0.currency}`;
    byTrack.set(key, [...(byTrack.get(key) ?? []), id]);
  }
  const out: RefMovement[] = [];
  for (const [key, ids] of byTrack) {
    const [customer, currency] = key.split("|") as [string, string];
    const instants = new Set<number>();
    for (const id of ids) {
      const snaps = history.get(id)!;
      for (const x of snaps) {
        instants.add(x.atMs);
        instants.add((x.sub.start_date ?? x.sub.created) * 1000);
        if (x.sub.trial_end) instants.add(x.sub.trial_end * 1000);
        if (x.sub.ended_at) instants.add(x.sub.ended_at * 1000);
        if (x.sub.canceled_at && x.sub.status === "canceled") instants.add(x.sub.canceled_at * 1000);
      }
    }
    let prev = 0;
    let ever = false;
    for (const t of [...instants].filter((x) => x <= asOfMs).sort((a, b) => a - b)) {
      const now = ids.reduce((sum, id) => sum + mrrAt(history.get(id)!, t), 0);
      if (now === prev) continue;
      const kind = prev === 0 ? (ever ? "reactivation" : "new") : now === 0 ? "churn" : now > prev ? "expansion" : "contraction";
      ever = true;
      out.push({ customer, currency, atMs: t, kind, delta: now - prev });
      prev = now;
    }
  }
  return out;
}

/** Σ of every customer's MRR in `currency` right before `ms` (direct evaluation, not from movements). */
function mrrTotalBefore(history: Map<string, Snapshot[]>, currency: string, ms: number): number {
  let total = 0;
  for (const snaps of history.values()) if (snaps[0]!.sub.currency === currency) total += mrrAt(snaps, ms - 1);
  return total;
}

// ─────────────────────────────────────────── the run ───────────────────────────────────────────

let env: StripeTestEnv;
let stripe: Stripe;
let connectionId: string;
const history = new Map<string, Snapshot[]>();
const asOfMs = Date.parse(AS_OF);

async function snapshotAll(atMs: number) {
  for await (const sub of stripe.subscriptions.list({ limit: 100, status: "all", expand: ["data.discounts.source.coupon"] })) {
    const list = history.get(sub.id) ?? [];
    const prev = list[list.length - 1];
    if (!prev || JSON.stringify(prev.sub) !== JSON.stringify(sub)) list.push({ atMs, sub });
    history.set(sub.id, list);
  }
}

beforeAll(async () => {
  env = await setupStripe({ portfolio: buildRevenuePortfolio() as never });
  const u = new URL(env.sb.stripeUrl);
  stripe = new Stripe(env.info.secretKey, { host: u.hostname, port: u.port, protocol: "http" });
  connectionId = await connectKey(env);
  await snapshotAll(Date.parse(T0));
  expect((await sync(env, connectionId)).mode).toBe("full");
  for (const step of STEPS) {
    env.sb.clock.set(Date.parse(step.at));
    await env.sb.control.mutate("stripe", { type: "subscriptions", op: step.op, ...(step.id ? { id: step.id } : {}), ...(step.data ? { data: step.data } : {}) });
    // The change's time is the `created` of the event Stripe recorded for it (the newest event).
    const evt = (await stripe.events.list({ limit: 1 })).data[0]!;
    await snapshotAll(evt.created * 1000);
    await sync(env, connectionId);
  }
  await resolveIdentities(env.db, { organizationId: env.orgId });
  await rebuildRevenueMovements(env.db, { organizationId: env.orgId, asOf: new Date(AS_OF) });
}, 180_000);
afterAll(async () => env?.close());

async function customerOfAccount(): Promise<Map<string, string>> {
  const subs = await env.db.subscription.findMany({ where: { organizationId: env.orgId }, select: { accountId: true, customerExternalId: true } });
  return new Map(subs.map((s) => [s.accountId!, s.customerExternalId]));
}

describe("MRR movements agree with an independent recomputation from the raw Stripe objects", () => {
  it("every account's movement list (instant, kind, amount) is the reference's, to the cent", async () => {
    const ref = referenceMovements(history, asOfMs);
    const cust = await customerOfAccount();
    const got = (await listMovements(env.db, { organizationId: env.orgId, limit: 10_000, now: new Date(AS_OF) })).data;
    const fmt = (m: { customer: string; currency: string; atMs: number; kind: string; delta: number }) =>
      `${m.customer} ${m.currency} ${new Date(m.atMs).toISOString()} ${m.kind} ${m.delta}`;
    const product = got.map((m) => fmt({ customer: cust.get(m.accountId!) ?? "?", currency: m.currency, atMs: Date.parse(m.at), kind: m.kind, delta: m.deltaCents })).sort();
    if (process.env.REVENUE_DEBUG) console.log(product.join("\n"));
    expect(product).toEqual(ref.map(fmt).sort());
    // The portfolio exercises every kind.
    expect(new Set(ref.map((m) => m.kind))).toEqual(new Set(["new", "expansion", "contraction", "churn", "reactivation"]));
    expect(ref.length).toBeGreaterThanOrEqual(15);
  });

  it("the monthly bridge closes to the cent every month and each end equals the directly evaluated MRR", async () => {
    const ov = await getRevenueOverview(env.db, { organizationId: env.orgId, months: 24, now: new Date(AS_OF) });
    expect(ov.mode).toBe("per_currency");
    expect(ov.series.map((s) => s.currency)).toEqual(["eur", "usd"]);
    const ref = referenceMovements(history, asOfMs);
    for (const series of ov.series) {
      let prevEnd = 0;
      for (const m of series.months) {
        const sum = (kind: string) => ref.filter((r) => r.currency === series.currency && monthOf(r.atMs) === m.month && r.kind === kind).reduce((a, r) => a + r.delta, 0);
        expect({ month: m.month, n: m.newCents, e: m.expansionCents, c: m.contractionCents, ch: m.churnCents, r: m.reactivationCents })
          .toEqual({ month: m.month, n: sum("new"), e: sum("expansion"), c: sum("contraction"), ch: sum("churn"), r: sum("reactivation") });
        expect(m.startCents).toBe(prevEnd);
        expect(m.startCents + m.newCents + m.expansionCents + m.contractionCents + m.churnCents + m.reactivationCents).toBe(m.endCents);
        const next = Date.UTC(Number(m.month.slice(0, 4)), Number(m.month.slice(5, 7)), 1);
        expect(m.endCents).toBe(mrrTotalBefore(history, series.currency, Math.min(next, asOfMs + 1)));
        expect(m.arrCents).toBe(12 * m.endCents);
        prevEnd = m.endCents;
      }
    }
    // Spot checks a reader can follow: c01's April upgrade 5000 → 12000 is +7000 of expansion in 2026-04.
    const usd = ov.series.find((s) => s.currency === "usd")!;
    expect(usd.months.find((m) => m.month === "2026-04")!.expansionCents).toBeGreaterThanOrEqual(7_000);
  });

  it("explains each change by subscription, item and price", async () => {
    const cust = await customerOfAccount();
    const accountId = [...cust.entries()].find(([, c]) => c === "cus_c01")![0];
    const list = (await listMovements(env.db, { organizationId: env.orgId, accountId, now: new Date(AS_OF) })).data;
    const upgrade = list.find((m) => m.at.startsWith("2026-04-12"))!;
    expect(upgrade.kind).toBe("expansion");
    expect(upgrade.deltaCents).toBe(7_000);
    expect(upgrade.details).toEqual([
      expect.objectContaining({
        subscription: "sub_c01", change: "items_changed", beforeCents: 5_000, afterCents: 12_000,
        items: [expect.objectContaining({ item: "si_c01", priceBefore: "price_basic", priceAfter: "price_pro", quantityBefore: 1, quantityAfter: 1 })],
      }),
    ]);
  });

  it("cohorts and retention are consistent with the bridge", async () => {
    const ov = await getRevenueOverview(env.db, { organizationId: env.orgId, months: 24, now: new Date(AS_OF) });
    const usd = ov.series.find((s) => s.currency === "usd")!;
    const { cohorts } = await getCohorts(env.db, { organizationId: env.orgId, cohorts: 24, now: new Date(AS_OF) });
    const usdCohorts = cohorts.filter((c) => c.currency === "usd");
    // Σ over cohorts of their revenue in the last month = the MRR at the end.
    expect(usdCohorts.reduce((a, c) => a + c.revenueCents[c.revenueCents.length - 1]!, 0)).toBe(usd.currentMrrCents);
    expect(usdCohorts.reduce((a, c) => a + c.logos[c.logos.length - 1]!, 0)).toBe(usd.months[usd.months.length - 1]!.logosEnd);
    const t = usd.trailing12;
    expect(t.grr).not.toBeNull();
    expect(t.grr!).toBeLessThanOrEqual(1);
    expect(t.nrr!).toBeGreaterThanOrEqual(t.grr!);
  });
});
