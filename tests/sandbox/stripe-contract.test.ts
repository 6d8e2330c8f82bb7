/**
 * Contract tests: the official stripe-node SDK (23.1.0) against the Stripe sandbox over HTTP.
 * Covers listing and paging, filters, expand, search, events retention, auth and permission
 * errors, parameter validation, and object shapes versus Stripe's published fixtures.
 */
import { readFileSync } from "node:fs";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaledPortfolio, startStripeSandbox, type StripeHarness } from "@/sandbox/stripe/fixtures";

let h: StripeHarness;
let info: { secretKey: string; liveSecretKey: string; restrictedKeys: Record<string, string>; accountId: string };
const client = (key: string, extra: Partial<Stripe.StripeConfig> = {}) =>
  new Stripe(key, { host: "127.0.0.1", port: h.port, protocol: "http", maxNetworkRetries: 0, ...extra });
let stripe: Stripe;

beforeAll(async () => {
  h = await startStripeSandbox({ portfolio: scaledPortfolio(45) });
  info = h.sb.info() as typeof info;
  stripe = client(info.secretKey);
});
afterAll(() => h.close());

const DAY = 86_400;
const NOW = 1793491200; // 2026-11-01T00:00:00Z, the harness clock

describe("lists and paging", () => {
  it("auto-paginates every customer newest first with for-await", async () => {
    const ids: string[] = [];
    const created: number[] = [];
    for await (const c of stripe.customers.list({ limit: 7 })) {
      ids.push(c.id);
      created.push(c.created);
    }
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it("pages backwards with ending_before and reports has_more", async () => {
    const first = await stripe.customers.list({ limit: 3 });
    const second = await stripe.customers.list({ limit: 3, starting_after: first.data[2].id });
    expect(first.has_more).toBe(true);
    expect(first.url).toBe("/v1/customers");
    const back = await stripe.customers.list({ limit: 3, ending_before: second.data[0].id });
    expect(back.data.map((c) => c.id)).toEqual(first.data.map((c) => c.id));
    expect(back.has_more).toBe(false);
  });

  it("defaults to 10 per page and filters on created", async () => {
    expect((await stripe.customers.list()).data).toHaveLength(10);
    const since = NOW - 60 * DAY;
    const recent = await stripe.customers.list({ limit: 100, created: { gte: since } });
    expect(recent.data.length).toBeGreaterThan(0);
    expect(recent.data.every((c) => c.created >= since)).toBe(true);
    const older = await stripe.customers.list({ limit: 100, created: { lt: since } });
    expect(recent.data.length + older.data.length).toBe(50);
    const exact = await stripe.customers.list({ created: 1761955200 });
    expect(exact.data.map((c) => c.id)).toContain("cus_MiniAlpha001");
    expect(exact.data.every((c) => c.created === 1761955200)).toBe(true);
  });

  it("excludes canceled subscriptions unless status=all", async () => {
    const dflt: Stripe.Subscription[] = [];
    for await (const s of stripe.subscriptions.list({ limit: 100 })) dflt.push(s);
    const all: Stripe.Subscription[] = [];
    for await (const s of stripe.subscriptions.list({ status: "all", limit: 100 })) all.push(s);
    expect(dflt.some((s) => s.status === "canceled")).toBe(false);
    expect(all.filter((s) => s.status === "canceled").length).toBeGreaterThan(0);
    expect(all.length).toBe(50);
    const canceled = await stripe.subscriptions.list({ status: "canceled", customer: "cus_MiniDelta004" });
    expect(canceled.data.map((s) => s.id)).toEqual(["sub_MiniDelta1"]);
    expect(canceled.data[0].canceled_at).toBe(1789430400);
    expect(canceled.data[0].ended_at).toBe(1789430400);
  });

  it("serves basil+ subscription items: price with recurring, per-item periods, quantity", async () => {
    const sub = await stripe.subscriptions.retrieve("sub_MiniGamma2");
    expect(sub.items.data).toHaveLength(2);
    const [licensed, metered] = sub.items.data;
    expect(licensed.price.recurring).toMatchObject({ interval: "month", interval_count: 3, usage_type: "licensed" });
    expect(licensed.price.unit_amount).toBe(27000);
    expect(licensed.quantity).toBe(2);
    expect(licensed.current_period_start).toBe(1788220800);
    expect(licensed.current_period_end).toBe(1796169600);
    expect(metered.price.recurring?.usage_type).toBe("metered");
    expect(typeof licensed.price.product).toBe("string");
    expect("current_period_end" in sub).toBe(false);
    expect(Array.isArray(sub.discounts)).toBe(true);
    const beta = await stripe.subscriptions.retrieve("sub_MiniBeta1");
    expect(beta.cancel_at_period_end).toBe(true);
    expect(beta.cancel_at).toBe(1798761600);
    expect(beta.collection_method).toBe("send_invoice");
    const gamma = await stripe.subscriptions.retrieve("sub_MiniGamma1");
    expect([gamma.status, gamma.trial_start, gamma.trial_end]).toEqual(["trialing", 1792454400, 1793664000]);
  });

  it("filters invoices and charges by customer, status and subscription", async () => {
    const inv = await stripe.invoices.list({ customer: "cus_MiniAlpha001", status: "paid" });
    expect(inv.data.map((i) => i.id)).toEqual(["in_MiniAlpha1c", "in_MiniAlpha1b", "in_MiniAlpha1a"]);
    const bySub = await stripe.invoices.list({ subscription: "sub_MiniGamma2" });
    expect(bySub.data.map((i) => i.status).sort()).toEqual(["open", "paid"]);
    const ch = await stripe.charges.list({ customer: "cus_MiniGamma003" });
    const failed = ch.data.find((c) => c.status === "failed");
    expect(failed).toMatchObject({ failure_code: "card_declined", paid: false, outcome: { type: "issuer_declined", reason: "insufficient_funds" } });
    expect(failed?.payment_method_details?.type).toBe("card");
    const one = await stripe.charges.retrieve("ch_MiniAlpha1a");
    expect(one.amount).toBe(99000);
    expect(one.outcome?.type).toBe("authorized");
  });

  it("lists products and prices and retrieves the account and balance", async () => {
    expect((await stripe.products.list()).data.map((p) => p.name).sort()).toEqual(["Basic", "Pro"]);
    const prices = await stripe.prices.list({ product: "prod_MiniPro" });
    expect(prices.data).toHaveLength(4);
    const acct = await stripe.accounts.retrieveCurrent();
    expect((await stripe.accounts.retrieve(info.accountId)).id).toBe(info.accountId);
    expect(acct.id).toBe(info.accountId);
    expect(acct.business_profile?.name).toBe("Mini Fixture SaaS");
    const bal = await stripe.balance.retrieve();
    expect(bal.object).toBe("balance");
  });
});

describe("expand", () => {
  it("expands data.customer, data.default_payment_method and data.items.data.price (4 levels, a list's data counts)", async () => {
    const subs = await stripe.subscriptions.list({
      customer: "cus_MiniAlpha001",
      expand: ["data.customer", "data.default_payment_method", "data.items.data.price"],
    });
    const s = subs.data[0];
    expect((s.customer as Stripe.Customer).email).toBe("ops@alpha.example");
    expect((s.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe("4444");
    expect(s.items.data[0].price.product).toBe("prod_MiniPro");
    // On a retrieve there is no list prefix: items.data.price.product is 4 levels.
    const one = await stripe.subscriptions.retrieve("sub_MiniAlpha1", { expand: ["items.data.price.product"] });
    expect((one.items.data[0].price.product as Stripe.Product).name).toBe("Pro");
    const withInvoice = await stripe.subscriptions.retrieve("sub_MiniAlpha1", { expand: ["latest_invoice"] });
    expect((withInvoice.latest_invoice as Stripe.Invoice).id).toBe("in_MiniAlpha1c");
  });

  it("expands on retrieve and refuses bad expansions with 400", async () => {
    const inv = await stripe.invoices.retrieve("in_MiniBeta1a", { expand: ["customer"] });
    expect((inv.customer as Stripe.Customer).name).toBe("Beta LLC");
    await expect(stripe.customers.list({ expand: ["email"] })).rejects.toMatchObject({ type: "StripeInvalidRequestError", param: "expand" });
    await expect(stripe.subscriptions.list({ expand: ["customer"] })).rejects.toThrow(/data\.customer/);
    await expect(stripe.customers.retrieve("cus_MiniAlpha001", { expand: ["email"] })).rejects.toThrow(/cannot be expanded/);
    await expect(stripe.subscriptions.list({ expand: ["data.customer.a.b.c.d"] })).rejects.toThrow(/more than 4 levels/);
    // docs.stripe.com/expand: "Expansions have a maximum depth of four levels"; on lists `data` is the first.
    await expect(stripe.subscriptions.list({ expand: ["data.items.data.price.product"] })).rejects.toMatchObject({
      type: "StripeInvalidRequestError", statusCode: 400, param: "expand", message: expect.stringMatching(/more than 4 levels/),
    });
  });
});

describe("parameter validation", () => {
  it("refuses limit outside 1-100 naming limit", async () => {
    const err = await stripe.customers.list({ limit: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ param: "limit", statusCode: 400, code: "parameter_invalid_integer" });
    await expect(stripe.customers.list({ limit: 0 })).rejects.toMatchObject({ param: "limit" });
  });

  it("refuses unknown parameters naming them", async () => {
    const err = await stripe.customers.list({ colour: "red" } as Stripe.CustomerListParams).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: "StripeInvalidRequestError", code: "parameter_unknown", param: "colour" });
    await expect(stripe.customers.list({ created: { after: 1 } } as unknown as Stripe.CustomerListParams)).rejects.toMatchObject({ param: "created[after]" });
    await expect(stripe.subscriptions.list({ status: "sleeping" } as unknown as Stripe.SubscriptionListParams)).rejects.toMatchObject({ param: "status" });
  });

  it("answers resource_missing for unknown cursors and ids", async () => {
    await expect(stripe.customers.list({ starting_after: "cus_nope" })).rejects.toMatchObject({ statusCode: 400, code: "resource_missing", param: "starting_after" });
    const err = await stripe.customers.retrieve("cus_nope").catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 404, code: "resource_missing", message: "No such customer: 'cus_nope'" });
  });

  it("answers 404 JSON for unknown URLs, with request id and version headers", async () => {
    const res = await fetch(`${h.url}/v1/nothing`, { headers: { authorization: `Bearer ${info.secretKey}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    expect(res.headers.get("stripe-version")).toBe("2026-10-28.endive");
    const body = (await res.json()) as { error: { type: string; message: string; request_id: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/Unrecognized request URL \(GET: \/v1\/nothing\)/);
  });

  it("echoes the Stripe-Version the SDK sends", async () => {
    const c = client(info.secretKey, { apiVersion: "2025-03-31.basil" as Stripe.LatestApiVersion });
    const res = await c.customers.list({ limit: 1 });
    expect(res.lastResponse.apiVersion).toBe("2025-03-31.basil");
    expect(res.lastResponse.requestId).toMatch(/^req_/);
    const bad = await fetch(`${h.url}/v1/customers`, { headers: { authorization: `Bearer ${info.secretKey}`, "stripe-version": "yesterday" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe("Invalid Stripe API version: yesterday");
  });
});

describe("auth and permissions", () => {
  it("answers 401 for a bad key with a masked key in the message", async () => {
    const err = await client("sk_test_thisisnotakey1234").customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Error).message).toMatch(/^Invalid API Key provided: sk_test_\*{13}1234$/);
    const none = await fetch(`${h.url}/v1/customers`);
    expect(none.status).toBe(401);
  });

  it("accepts Basic auth with the key as user", async () => {
    const res = await fetch(`${h.url}/v1/customers?limit=1`, { headers: { authorization: "Basic " + Buffer.from(info.secretKey + ":").toString("base64") } });
    expect(res.status).toBe(200);
  });

  it("gives restricted keys 403 naming the missing permission", async () => {
    const rk = client(info.restrictedKeys.noCharges);
    expect((await rk.customers.list({ limit: 1 })).data).toHaveLength(1);
    const err = await rk.charges.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((err as Error).message).toMatch(/'rak_charge_read' permission/);
    await expect(client(info.restrictedKeys.noEvents).events.list()).rejects.toThrow(/rak_event_read/);
    expect((await client(info.restrictedKeys.readAll).events.list()).object).toBe("list");
  });

  it("serves livemode objects to the live key and refuses foreign Stripe-Account", async () => {
    const live = await client(info.liveSecretKey).customers.list({ limit: 2 });
    expect(live.data.every((c) => c.livemode === true)).toBe(true);
    expect((await stripe.customers.list({ limit: 2 })).data.every((c) => c.livemode === false)).toBe(true);
    expect((await stripe.customers.list({ limit: 1 }, { stripeAccount: info.accountId })).data).toHaveLength(1);
    await expect(stripe.customers.list({ limit: 1 }, { stripeAccount: "acct_someoneelse" })).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe("search", () => {
  it("finds customers by email, name, metadata and created, with AND/OR", async () => {
    const byEmail = await stripe.customers.search({ query: "email:'ops@alpha.example'" });
    expect(byEmail.data.map((c) => c.id)).toEqual(["cus_MiniAlpha001"]);
    expect(byEmail.object).toBe("search_result");
    const or = await stripe.customers.search({ query: `name:'Beta LLC' OR metadata['hubspot_company_id']:'101'` });
    expect(or.data.map((c) => c.id).sort()).toEqual(["cus_MiniAlpha001", "cus_MiniBeta002"]);
    const and = await stripe.customers.search({ query: `metadata['segment']:'smb' AND created>${NOW - 365 * DAY}` });
    expect(and.data.map((c) => c.id)).toEqual(["cus_MiniGamma003"]);
  });

  it("pages with next_page through the SDK's auto-pagination", async () => {
    const ids: string[] = [];
    for await (const c of stripe.customers.search({ query: "name~'Generated'", limit: 10 })) ids.push(c.id);
    expect(ids).toHaveLength(45);
    expect(new Set(ids).size).toBe(45);
  });

  it("rejects malformed queries and unknown fields naming query", async () => {
    await expect(stripe.customers.search({ query: "colour:'red'" })).rejects.toMatchObject({ statusCode: 400, param: "query" });
    await expect(stripe.customers.search({ query: "email:'a' AND name:'b' OR name:'c'" })).rejects.toMatchObject({ param: "query" });
    await expect(stripe.customers.search({ query: "email:'unterminated" })).rejects.toMatchObject({ param: "query" });
  });
});

describe("events", () => {
  it("filters by type, types[] and created, and hides events older than 30 days", async () => {
    const all = await stripe.events.list({ limit: 100 });
    const ids = all.data.map((e) => e.id);
    expect(ids).toContain("evt_MiniRecent01");
    expect(ids).not.toContain("evt_MiniOld001");
    await expect(stripe.events.retrieve("evt_MiniOld001")).rejects.toMatchObject({ statusCode: 404 });
    const byTypes = await stripe.events.list({ types: ["invoice.payment_failed", "charge.failed"] });
    expect(byTypes.data.map((e) => e.id)).toEqual(["evt_MiniRecent02"]);
    const wildcard = await stripe.events.list({ type: "customer.subscription.*" });
    expect(wildcard.data.map((e) => e.id)).toEqual(["evt_MiniRecent01"]);
    const after = await stripe.events.list({ created: { gt: 1792454400 } });
    expect(after.data.map((e) => e.id)).toEqual(["evt_MiniRecent02"]);
    expect(all.data[0]).toMatchObject({ object: "event", api_version: "2026-10-28.endive" });
  });

  it("drops events once the sandbox clock moves past 30 days", async () => {
    const h2 = await startStripeSandbox();
    try {
      const s2 = new Stripe((h2.sb.info() as { secretKey: string }).secretKey, { host: "127.0.0.1", port: h2.port, protocol: "http" });
      expect((await s2.events.list()).data.length).toBe(2);
      h2.clock.advance(20 * DAY * 1000); // the Oct 20 events are now 32 days old
      expect((await s2.events.list()).data.length).toBe(0);
      await expect(s2.events.retrieve("evt_MiniRecent01")).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await h2.close();
    }
  });
});

describe("object shapes versus Stripe's published fixtures", () => {
  const fixtures = (JSON.parse(readFileSync("/work/shared/specs/stripe-fixtures3.json", "utf8")) as { resources: Record<string, Record<string, unknown>> }).resources;
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  // Fields of the fixture file that the pinned version (the stripe 23.1.0 types, the referee) no longer has:
  // basil moved invoice.subscription to invoice.parent.subscription_details.subscription.
  const NOT_IN_PINNED = new Set(["invoice.subscription"]);
  const mismatches = (name: string, ours: Record<string, unknown>) => {
    const out: string[] = [];
    for (const [k, v] of Object.entries(fixtures[name])) {
      if (NOT_IN_PINNED.has(`${name}.${k}`)) {
        if (k in ours) out.push(`${name}.${k} present (not in the pinned version)`);
        continue;
      }
      if (!(k in ours)) out.push(`${name}.${k} missing`);
      else if (kind(v) !== "null" && kind(ours[k]) !== "null" && kind(v) !== kind(ours[k])) out.push(`${name}.${k}: fixture ${kind(v)}, ours ${kind(ours[k])}`);
    }
    return out;
  };

  it("has every top-level field of each fixture with a compatible JSON type", async () => {
    const sub = await stripe.subscriptions.retrieve("sub_MiniAlpha1");
    const raw = async (path: string) => (await (await fetch(h.url + path, { headers: { authorization: `Bearer ${info.secretKey}` } })).json()) as Record<string, unknown>;
    const problems = [
      ...mismatches("customer", await raw("/v1/customers/cus_MiniAlpha001")),
      ...mismatches("subscription", await raw("/v1/subscriptions/sub_MiniAlpha1")),
      ...mismatches("subscription_item", sub.items.data[0] as unknown as Record<string, unknown>),
      ...mismatches("invoice", await raw("/v1/invoices/in_MiniAlpha1a")),
      ...mismatches("charge", await raw("/v1/charges/ch_MiniGamma2b")),
      ...mismatches("event", await raw("/v1/events/evt_MiniRecent01")),
      ...mismatches("price", await raw("/v1/prices/price_MiniProMonthly")),
      ...mismatches("product", await raw("/v1/products/prod_MiniPro")),
      ...mismatches("account", await raw("/v1/account")),
      ...mismatches("balance", await raw("/v1/balance")),
      ...mismatches("payment_method", await raw("/v1/payment_methods/pm_MiniAlpha1")),
    ];
    expect(problems).toEqual([]);
  });
});
