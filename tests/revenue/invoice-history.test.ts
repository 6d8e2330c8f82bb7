/**
 * History older than the first sync (issue 17, brief H17r item 3): a subscription upgraded BEFORE the connector
 * first saw it. Its invoices (served by the sandbox, read by the real connector with the official SDK) carry the
 * billed items per period in the 2025+ line shape (`parent.subscription_item_details`, `pricing.price_details`,
 * `period`); the connector stores versions reconstructed from them (SubscriptionVersion.source = "invoice"), and
 * the movements show the upgrades at their instants — marked as reconstructed — instead of the current items
 * standing for the whole past. The bridge still closes to the cent and ends at the connector's MRR.
 *
 * Hand-known history of sub_h1 (monthly): basic ×1 (5,000) from 2025-06-01; upgraded to pro ×1 (12,000) on
 * 2025-08-15 (proration lines on the 2025-09-01 invoice); pro ×2 (24,000) from 2025-10-01; first sync 2026-03-10.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectKey, setupStripe, sync, type StripeTestEnv } from "@/tests/connectors/stripe-fixtures";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { rebuildRevenueMovements } from "@/lib/revenue/build-movements";
import { getRevenueOverview, listMovements } from "@/lib/revenue/report";

const s = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const T0 = "2026-03-10T12:00:00Z";
const created = s("2025-01-01T00:00:00Z");

function line(id: string, price: "price_basic" | "price_pro", qty: number, unit: number, from: string, to: string, proration = false, amount = unit * qty) {
  return {
    id, object: "line_item", amount, currency: "usd", description: null, discount_amounts: [], discountable: true, discounts: [], livemode: false, metadata: {},
    parent: { type: "subscription_item_details", invoice_item_details: null, subscription_item_details: { invoice_item: null, proration, proration_details: { credited_items: null }, subscription: "sub_h1", subscription_item: "si_h1" } },
    period: { start: s(from), end: s(to) }, pretax_credit_amounts: [],
    pricing: { type: "price_details", price_details: { price, product: "prod_H" }, unit_amount_decimal: String(unit) }, quantity: qty, taxes: [],
  };
}

function invoice(id: string, at: string, lines: ReturnType<typeof line>[]) {
  const total = lines.reduce((a, l) => a + l.amount, 0);
  return { id, object: "invoice", created: s(at), customer: "cus_h1", status: "paid", currency: "usd", amount_due: total, amount_paid: total, total, subscription: "sub_h1", metadata: {}, lines: { object: "list", data: lines } };
}

function portfolio() {
  return {
    version: 1,
    clock: { now: T0, speed: 1 },
    hubspot: { portal: { id: 7_700_018, name: "History test" }, owners: [], companies: [], contacts: [], deals: [], calls: [], meetings: [], notes: [], tickets: [] },
    stripe: {
      account: { id: "acct_1HistoryTest0001", object: "account", business_profile: { name: "History Test" }, country: "US", default_currency: "usd", created },
      products: [{ id: "prod_H", object: "product", created, name: "Platform", active: true, metadata: {} }],
      prices: [
        { id: "price_basic", object: "price", created, product: "prod_H", type: "recurring", active: true, currency: "usd", unit_amount: 5_000, recurring: { interval: "month", interval_count: 1, usage_type: "licensed" } },
        { id: "price_pro", object: "price", created, product: "prod_H", type: "recurring", active: true, currency: "usd", unit_amount: 12_000, recurring: { interval: "month", interval_count: 1, usage_type: "licensed" } },
      ],
      customers: [{ id: "cus_h1", object: "customer", created, email: "billing@h1.example", name: "History One", currency: "usd", delinquent: false, metadata: { domain: "h1.example" }, invoice_settings: { default_payment_method: null } }],
      subscriptions: [{
        id: "sub_h1", object: "subscription", created: s("2025-06-01T00:00:00Z"), start_date: s("2025-06-01T00:00:00Z"), customer: "cus_h1", status: "active", currency: "usd",
        collection_method: "charge_automatically", cancel_at_period_end: false, cancel_at: null, canceled_at: null, ended_at: null, trial_start: null, trial_end: null, metadata: {},
        items: { object: "list", data: [{ id: "si_h1", object: "subscription_item", price: "price_pro", quantity: 2, current_period_start: s("2026-03-01T00:00:00Z"), current_period_end: s("2026-04-01T00:00:00Z") }] },
      }],
      invoices: [
        invoice("in_h1a", "2025-06-01T00:00:00Z", [line("il_a", "price_basic", 1, 5_000, "2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z")]),
        invoice("in_h1b", "2025-07-01T00:00:00Z", [line("il_b", "price_basic", 1, 5_000, "2025-07-01T00:00:00Z", "2025-08-01T00:00:00Z")]),
        invoice("in_h1c", "2025-08-01T00:00:00Z", [line("il_c", "price_basic", 1, 5_000, "2025-08-01T00:00:00Z", "2025-09-01T00:00:00Z")]),
        invoice("in_h1d", "2025-09-01T00:00:00Z", [
          line("il_d1", "price_basic", 1, 5_000, "2025-08-15T00:00:00Z", "2025-09-01T00:00:00Z", true, -2_742), // Unused time on basic
          line("il_d2", "price_pro", 1, 12_000, "2025-08-15T00:00:00Z", "2025-09-01T00:00:00Z", true, 6_581), // Remaining time on pro
          line("il_d3", "price_pro", 1, 12_000, "2025-09-01T00:00:00Z", "2025-10-01T00:00:00Z"),
        ]),
        invoice("in_h1e", "2025-10-01T00:00:00Z", [line("il_e", "price_pro", 2, 12_000, "2025-10-01T00:00:00Z", "2025-11-01T00:00:00Z")]),
        invoice("in_h1f", "2026-03-01T00:00:00Z", [line("il_f", "price_pro", 2, 12_000, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")]),
        invoice("in_h1v", "2025-07-15T00:00:00Z", [line("il_v", "price_pro", 9, 12_000, "2025-07-15T00:00:00Z", "2025-08-15T00:00:00Z")]),
      ].map((i) => (i.id === "in_h1v" ? { ...i, status: "void" } : i)),
      charges: [],
      payment_methods: [],
      events: [{ id: "evt_HistStart01", object: "event", created: s(T0) - 60, type: "customer.updated", data: { object: { id: "cus_h1", object: "customer", created } } }],
    },
  };
}

let env: StripeTestEnv;
const now = new Date();

beforeAll(async () => {
  env = await setupStripe({ portfolio: portfolio() as never });
  const connectionId = await connectKey(env);
  expect((await sync(env, connectionId)).mode).toBe("full");
  await resolveIdentities(env.db, { organizationId: env.orgId });
  await rebuildRevenueMovements(env.db, { organizationId: env.orgId, asOf: now });
}, 120_000);
afterAll(async () => env?.close());

describe("history before the first sync, from invoice lines", () => {
  it("stores reconstructed versions, marked as such, only before the first observed one", async () => {
    const versions = await env.db.subscriptionVersion.findMany({ where: { organizationId: env.orgId }, orderBy: { effectiveAt: "asc" } });
    const observed = versions.filter((v) => v.source === null);
    const rebuilt = versions.filter((v) => v.source === "invoice");
    expect(observed.length).toBe(1);
    expect(rebuilt.map((v) => v.effectiveAt!.toISOString().slice(0, 10))).toEqual(["2025-06-01", "2025-07-01", "2025-08-01", "2025-08-15", "2025-09-01", "2025-10-01", "2026-03-01"]);
    // A second full sync adds nothing (one reconstructed version per subscription and instant).
    await sync(env, (await env.db.connection.findFirstOrThrow({ where: { organizationId: env.orgId } })).id, { full: true });
    expect(await env.db.subscriptionVersion.count({ where: { organizationId: env.orgId, source: "invoice" } })).toBe(rebuilt.length);
  });

  it("shows the upgrades at their instants (reconstructed), and the bridge closes at the connector's MRR", async () => {
    const got = (await listMovements(env.db, { organizationId: env.orgId, limit: 100, now })).data.reverse();
    expect(got.map((m) => [m.at.slice(0, 10), m.kind, m.deltaCents])).toEqual([
      ["2025-06-01", "new", 5_000],
      ["2025-08-15", "expansion", 7_000],
      ["2025-10-01", "expansion", 12_000],
    ]);
    for (const m of got) expect((m.details as { reconstructed?: boolean }[]).every((d) => d.reconstructed === true)).toBe(true);
    const ov = await getRevenueOverview(env.db, { organizationId: env.orgId, months: 24, now });
    const usd = ov.series.find((x) => x.currency === "usd")!;
    let prev = 0;
    for (const m of usd.months) {
      expect(m.startCents).toBe(prev);
      expect(m.startCents + m.newCents + m.expansionCents + m.contractionCents + m.churnCents + m.reactivationCents).toBe(m.endCents);
      prev = m.endCents;
    }
    const live = await env.db.subscription.aggregate({ where: { organizationId: env.orgId, status: "active" }, _sum: { mrrCents: true } });
    expect(usd.currentMrrCents).toBe(live._sum.mrrCents);
    expect(usd.currentMrrCents).toBe(24_000);
  });
});
