/**
 * The Stripe sandbox held to Stripe's documented rules (issue 12), with the official SDK and plain HTTP:
 * - expansion depth ≤ 4 with a list's `data` counting (docs.stripe.com/expand);
 * - unknown parameters → 400 parameter_unknown, `limit` 1..100, while everything stripe-node sends passes;
 * - `Stripe-Version` honoured: the pinned shape (basil+: periods on items, invoice.parent) and the
 *   pre-basil 2024-06-20 shape (subscription-level periods, invoice.subscription, charge.invoice,
 *   single `discount`) (changelog 2025-03-31.basil);
 * - events rendered in the account's default version at creation (or the webhook endpoint's), never in
 *   the reading request's version, with subscription items' prices as full objects (docs.stripe.com/webhooks).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { miniPortfolio, startStripeSandbox, type StripeHarness } from "@/sandbox/stripe/fixtures";
import { PINNED_API_VERSION, LEGACY_API_VERSION } from "@/sandbox/stripe/versions";

type Obj = Record<string, unknown>;
let pinned: StripeHarness;
let legacy: StripeHarness;
const keyOf = (h: StripeHarness) => (h.sb.info() as { secretKey: string }).secretKey;
const raw = async (h: StripeHarness, path: string, version?: string) => {
  const res = await fetch(h.url + path, { headers: { authorization: `Bearer ${keyOf(h)}`, ...(version ? { "stripe-version": version } : {}) } });
  return { status: res.status, body: (await res.json()) as Obj, version: res.headers.get("stripe-version") };
};
const sdk = (h: StripeHarness) => new Stripe(keyOf(h), { host: "127.0.0.1", port: h.port, protocol: "http", maxNetworkRetries: 0 });

beforeAll(async () => {
  pinned = await startStripeSandbox();
  legacy = await startStripeSandbox({ portfolio: { ...miniPortfolio(), api_version: LEGACY_API_VERSION } });
});
afterAll(async () => {
  await pinned?.close();
  await legacy?.close();
});

describe("expansion depth (docs.stripe.com/expand: four levels, a list's data counts)", () => {
  it("refuses data.items.data.price.product on a subscription list with 400 invalid_request_error", async () => {
    const r = await raw(pinned, "/v1/subscriptions?limit=1&expand[]=data.items.data.price.product");
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ type: "invalid_request_error", param: "expand" });
    await expect(sdk(pinned).subscriptions.list({ expand: ["data.items.data.price.product"] })).rejects.toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError" });
  });
  it("accepts data.items.data.price (4) and items.data.price.product on a retrieve (4)", async () => {
    const list = await sdk(pinned).subscriptions.list({ limit: 1, status: "all", expand: ["data.items.data.price", "data.default_payment_method", "data.discounts.source.coupon"] });
    expect(list.data[0]!.items.data[0]!.price.object).toBe("price");
    const one = await sdk(pinned).subscriptions.retrieve(list.data[0]!.id, { expand: ["items.data.price.product"] });
    expect((one.items.data[0]!.price.product as Stripe.Product).object).toBe("product");
  });
});

describe("parameters", () => {
  it("answers 400 parameter_unknown for an unknown parameter and refuses limit outside 1..100", async () => {
    const r = await raw(pinned, "/v1/customers?limit=1&no_such_param=1");
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ type: "invalid_request_error", code: "parameter_unknown", param: "no_such_param" });
    for (const limit of [0, 101]) expect((await raw(pinned, `/v1/customers?limit=${limit}`)).status).toBe(400);
  });
  it("lets through every parameter the connector sends through stripe-node", async () => {
    const s = sdk(pinned);
    const first = await s.customers.list({ limit: 100, created: { gte: 0, lt: 2_000_000_000 } });
    await s.customers.list({ limit: 100, starting_after: first.data[0]!.id });
    await s.subscriptions.list({ limit: 100, status: "all", expand: ["data.default_payment_method", "data.discounts.source.coupon"], created: { gte: 0 } });
    await s.invoices.list({ limit: 100, created: { lt: 2_000_000_000 } });
    await s.charges.list({ limit: 100, created: { gte: 0 } });
    await s.products.list({ limit: 100 });
    await s.events.list({ limit: 100, types: ["customer.updated", "invoice.paid"], created: { gte: 0 } });
  });
});

describe("Stripe-Version", () => {
  it("answers the pinned version in the basil+ shape: periods on items, invoice.parent, no invoice.subscription", async () => {
    const sub = await raw(pinned, "/v1/subscriptions/sub_MiniAlpha1");
    expect(sub.version).toBe(PINNED_API_VERSION);
    expect(sub.body.current_period_end).toBeUndefined();
    expect(((sub.body.items as { data: Obj[] }).data[0]!).current_period_end).toEqual(expect.any(Number));
    const inv = await raw(pinned, "/v1/invoices/in_MiniAlpha1a");
    expect("subscription" in inv.body).toBe(false);
    expect(inv.body.parent).toMatchObject({ type: "subscription_details", subscription_details: { subscription: "sub_MiniAlpha1" } });
    // The list filter still finds the invoices of a subscription.
    expect(((await raw(pinned, "/v1/invoices?subscription=sub_MiniAlpha1")).body.data as Obj[]).length).toBe(3);
  });
  it("answers Stripe-Version: 2024-06-20 in that version's shape", async () => {
    const sub = await raw(pinned, "/v1/subscriptions/sub_MiniAlpha1", LEGACY_API_VERSION);
    expect(sub.version).toBe(LEGACY_API_VERSION);
    const item = (sub.body.items as { data: Obj[] }).data[0]!;
    expect(sub.body.current_period_end).toEqual(expect.any(Number));
    expect(item.current_period_end).toBeUndefined();
    expect(sub.body).toHaveProperty("discount", null);
    const inv = await raw(pinned, "/v1/invoices/in_MiniAlpha1a", LEGACY_API_VERSION);
    expect(inv.body.subscription).toBe("sub_MiniAlpha1");
    expect("parent" in inv.body).toBe(false);
    expect(inv.body.paid).toEqual(expect.any(Boolean));
    const ch = await raw(pinned, "/v1/charges/ch_MiniAlpha1a", LEGACY_API_VERSION);
    expect(ch.body).toHaveProperty("invoice");
    expect("invoice" in (await raw(pinned, "/v1/charges/ch_MiniAlpha1a")).body).toBe(false);
    // The SDK's apiVersion is the header: a list converts every element.
    const old = new Stripe(keyOf(pinned), { host: "127.0.0.1", port: pinned.port, protocol: "http", apiVersion: LEGACY_API_VERSION as Stripe.LatestApiVersion });
    const subs = await old.subscriptions.list({ limit: 3 });
    for (const s of subs.data) expect((s as unknown as Obj).current_period_end).toEqual(expect.any(Number));
  });
  it("serves subscription discounts as ids unless expanded (pinned), and as the single `discount` object before basil", async () => {
    const discount = { id: "di_vtest1", object: "discount", source: { type: "coupon", coupon: { id: "co_vtest", object: "coupon", percent_off: 10, duration: "forever" } } };
    await pinned.sb.control.mutate({ type: "subscriptions", op: "update", id: "sub_MiniDelta1", data: { discounts: [discount] } });
    expect((await raw(pinned, "/v1/subscriptions/sub_MiniDelta1")).body.discounts).toEqual(["di_vtest1"]);
    const expanded = await sdk(pinned).subscriptions.retrieve("sub_MiniDelta1", { expand: ["discounts.source.coupon"] });
    expect(expanded.discounts[0]).toMatchObject({ id: "di_vtest1", source: { coupon: { id: "co_vtest", percent_off: 10 } } });
    const old = await raw(pinned, "/v1/subscriptions/sub_MiniDelta1", LEGACY_API_VERSION);
    expect(old.body.discounts).toEqual(["di_vtest1"]);
    expect(old.body.discount).toMatchObject({ id: "di_vtest1", coupon: { id: "co_vtest", percent_off: 10 } });
    const ev = ((await raw(pinned, "/v1/events?type=customer.subscription.updated&limit=1")).body.data as Obj[])[0]!;
    expect((ev.data as { object: Obj }).object.discounts).toEqual(["di_vtest1"]);
  });
  it("refuses a version that is not one (or is later than the pinned one) with 400 api_version_invalid", async () => {
    for (const v of ["yesterday", "2099-01-01.zebra"]) {
      const r = await raw(pinned, "/v1/customers?limit=1", v);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: "api_version_invalid" });
    }
  });
  it("answers a request without Stripe-Version in the account's default version", async () => {
    const r = await raw(legacy, "/v1/subscriptions/sub_MiniAlpha1");
    expect(r.version).toBe(LEGACY_API_VERSION);
    expect(r.body.current_period_end).toEqual(expect.any(Number));
  });
});

describe("events (rendered in the account default version at creation, prices embedded)", () => {
  it("renders an event's subscription with full price objects, as Stripe does", async () => {
    await pinned.sb.control.mutate({ type: "subscriptions", op: "update", id: "sub_MiniBeta1", data: { cancel_at_period_end: true } });
    const ev = { body: ((await raw(pinned, "/v1/events?type=customer.subscription.updated&limit=1")).body.data as Obj[])[0]! };
    const obj = (ev.body.data as { object: Obj }).object;
    const items = (obj.items as { data: Obj[] }).data;
    expect(items.length).toBeGreaterThan(0);
    for (const it of items) expect(it.price).toMatchObject({ object: "price", currency: expect.any(String), recurring: expect.any(Object) });
  });
  it("renders events in the account default version whatever version reads them", async () => {
    await legacy.sb.control.mutate({ type: "subscriptions", op: "update", id: "sub_MiniAlpha1", data: { cancel_at_period_end: true } });
    for (const readAs of [undefined, PINNED_API_VERSION]) {
      const list = await raw(legacy, "/v1/events?type=customer.subscription.updated&limit=1", readAs);
      const ev = (list.body.data as Obj[])[0]!;
      expect(ev.api_version).toBe(LEGACY_API_VERSION);
      const obj = (ev.data as { object: Obj }).object;
      expect(obj).toMatchObject({ id: "sub_MiniAlpha1", cancel_at_period_end: true, current_period_end: expect.any(Number) });
      expect(((obj.items as { data: Obj[] }).data[0]!).price).toMatchObject({ object: "price" });
    }
    await pinned.sb.control.mutate({ type: "invoices", op: "update", id: "in_MiniGamma2b", data: { status: "paid" } });
    const paid = (await raw(pinned, "/v1/events?type=invoice.paid&limit=1", LEGACY_API_VERSION)).body.data as Obj[];
    expect(paid[0]!.api_version).toBe(PINNED_API_VERSION);
    expect("subscription" in (paid[0]!.data as { object: Obj }).object).toBe(false);
  });
  it("delivers webhooks in the endpoint's api_version when it has one", async () => {
    const bodies: Obj[] = [];
    const server = http.createServer((req, res) => {
      let b = "";
      req.on("data", (c) => (b += c));
      req.on("end", () => {
        bodies.push(JSON.parse(b) as Obj);
        res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      pinned.sb.control.setWebhook({ url, apiVersion: LEGACY_API_VERSION });
      await pinned.sb.control.mutate({ type: "subscriptions", op: "update", id: "sub_MiniBeta1", data: { metadata: { note: "v" } } });
      for (let i = 0; i < 100 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(bodies[0]).toMatchObject({ type: "customer.subscription.updated", api_version: LEGACY_API_VERSION });
      expect((bodies[0]!.data as { object: Obj }).object.current_period_end).toEqual(expect.any(Number));
      // The stored event keeps the account default version.
      const stored = await raw(pinned, `/v1/events/${bodies[0]!.id as string}`);
      expect(stored.body.api_version).toBe(PINNED_API_VERSION);
    } finally {
      pinned.sb.control.setWebhook({ url: null, apiVersion: null });
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
