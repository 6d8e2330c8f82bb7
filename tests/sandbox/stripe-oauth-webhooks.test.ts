/**
 * Connect OAuth (authorize → token → deauthorize) through stripe-node's `oauth` resource, and
 * control-API mutations: store updates, appended events, signed webhook deliveries verified with
 * `stripe.webhooks.constructEvent`, duplicate and out-of-order delivery.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeHarness } from "@/sandbox/stripe/fixtures";

type Info = { secretKey: string; accountId: string; connect: { clientId: string; authorizeUrl: string }; webhook: { secret: string } };
let h: StripeHarness;
let info: Info;
let stripe: Stripe;

beforeAll(async () => {
  h = await startStripeSandbox();
  info = h.sb.info() as unknown as Info;
  stripe = new Stripe(info.secretKey, { host: "127.0.0.1", port: h.port, protocol: "http", maxNetworkRetries: 0 });
});
afterAll(() => h.close());

describe("Connect OAuth", () => {
  async function authorize(scope: string, state = "st-123") {
    // stripe.oauth.authorizeUrl() hard-codes https://<host>/ without the port: build it from info.
    const sdkUrl = new URL(stripe.oauth.authorizeUrl({ client_id: info.connect.clientId, scope: "read_only", state }));
    expect(sdkUrl.origin).toBe("https://127.0.0.1");
    const url = new URL(info.connect.authorizeUrl);
    url.search = new URLSearchParams({ response_type: "code", client_id: info.connect.clientId, scope, state, redirect_uri: "http://127.0.0.1:3999/cb" }).toString();
    const res = await fetch(url, { redirect: "manual" });
    expect(res.status).toBe(302);
    return new URL(res.headers.get("location") ?? "");
  }

  it("auto-approves, exchanges the code for a read_only token, refreshes, and deauthorizes", async () => {
    const back = await authorize("read_only");
    expect(back.origin + back.pathname).toBe("http://127.0.0.1:3999/cb");
    expect(back.searchParams.get("state")).toBe("st-123");
    expect(back.searchParams.get("scope")).toBe("read_only");
    const code = back.searchParams.get("code") ?? "";
    expect(code).toMatch(/^ac_/);

    const token = await stripe.oauth.token({ grant_type: "authorization_code", code });
    expect(token).toMatchObject({ scope: "read_only", stripe_user_id: info.accountId, livemode: false, token_type: "bearer" });
    expect(token.access_token).toMatch(/^sk_test_/);
    await expect(stripe.oauth.token({ grant_type: "authorization_code", code })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);

    const connected = new Stripe(token.access_token ?? "", { host: "127.0.0.1", port: h.port, protocol: "http", maxNetworkRetries: 0 });
    expect((await connected.customers.list({ limit: 2 })).data).toHaveLength(2);

    const refreshed = await stripe.oauth.token({ grant_type: "refresh_token", refresh_token: token.refresh_token ?? "" });
    expect(refreshed.access_token).not.toBe(token.access_token);
    expect(refreshed.scope).toBe("read_only");

    const out = await stripe.oauth.deauthorize({ client_id: info.connect.clientId, stripe_user_id: info.accountId });
    expect(out.stripe_user_id).toBe(info.accountId);
    await expect(connected.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    await expect(stripe.oauth.token({ grant_type: "refresh_token", refresh_token: refreshed.refresh_token ?? "" })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidGrantError,
    );
  });

  it("redirects errors back for a bad client id or scope and refuses a wrong platform secret", async () => {
    const url = new URL(info.connect.authorizeUrl);
    url.search = new URLSearchParams({ client_id: "ca_nope", scope: "read_only", redirect_uri: "http://127.0.0.1:3999/cb", state: "s" }).toString();
    const res = await fetch(url, { redirect: "manual" });
    expect(new URL(res.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_client");
    expect((await authorize("admin")).searchParams.get("error")).toBe("invalid_scope");
    const code = (await authorize("read_only")).searchParams.get("code") ?? "";
    const wrong = new Stripe("sk_test_wrong", { host: "127.0.0.1", port: h.port, protocol: "http", maxNetworkRetries: 0 });
    await expect(wrong.oauth.token({ grant_type: "authorization_code", code })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidClientError);
  });
});

describe("mutations, events and webhooks", () => {
  type Delivery = { body: string; signature: string };
  let receiver: http.Server;
  let deliveries: Delivery[] = [];
  let receiverUrl = "";

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        deliveries.push({ body: Buffer.concat(chunks).toString("utf8"), signature: String(req.headers["stripe-signature"]) });
        res.writeHead(200).end("{}");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/stripe`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && deliveries.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return deliveries;
  };
  const verify = (d: Delivery) => stripe.webhooks.constructEvent(d.body, d.signature, info.webhook.secret);

  it("creates and updates a customer: events with previous_attributes, signed webhooks", async () => {
    deliveries = [];
    h.sb.control.setWebhook({ url: receiverUrl, duplicate: false, outOfOrder: false });
    const created = (await h.sb.control.mutate({ type: "customer", op: "create", data: { email: "new@zeta.example", name: "Zeta" } })) as { id: string };
    await h.sb.control.mutate({ type: "customers", op: "update", id: created.id, data: { name: "Zeta Ltd", metadata: { tier: "gold" } } });
    const [d1, d2] = await waitFor(2);
    const e1 = verify(d1);
    const e2 = verify(d2);
    expect(e1.type).toBe("customer.created");
    expect((e1.data.object as Stripe.Customer).email).toBe("new@zeta.example");
    expect(e2.type).toBe("customer.updated");
    expect((e2.data.object as Stripe.Customer).name).toBe("Zeta Ltd");
    expect(e2.data.previous_attributes).toMatchObject({ name: "Zeta", metadata: {} });
    expect(Math.abs(e2.created - h.clock.nowSeconds())).toBeLessThanOrEqual(2); // sandbox time (2026-11-01), not real time
    expect(e2.created).toBeLessThan(1793491200 + 3600);
    expect(() => stripe.webhooks.constructEvent(d1.body, d1.signature, "whsec_wrong")).toThrow();
    const listed = await stripe.events.list({ types: ["customer.created", "customer.updated"] });
    expect(listed.data.map((e) => e.id)).toEqual([e2.id, e1.id]); // newest first, even within one second
    expect((await stripe.customers.retrieve(created.id)) as Stripe.Customer).toMatchObject({ name: "Zeta Ltd", metadata: { tier: "gold" } });
  });

  it("cancels subscriptions, pays invoices, fails charges and deletes customers with the right events", async () => {
    deliveries = [];
    await h.sb.control.mutate({ type: "subscription", op: "delete", id: "sub_MiniAlpha1" });
    await h.sb.control.mutate({ type: "invoice", op: "update", id: "in_MiniGamma2b", data: { status: "paid", amount_paid: 54000 } });
    await h.sb.control.mutate({ type: "charge", op: "create", data: { customer: "cus_MiniBeta002", amount: 1200, currency: "usd", status: "failed", failure_code: "card_declined" } });
    await h.sb.control.mutate({ type: "customer", op: "delete", id: "cus_MiniEps005" });
    const types = (await waitFor(6)).map((d) => verify(d).type);
    expect(types).toEqual(["customer.subscription.deleted", "invoice.updated", "invoice.paid", "invoice.payment_succeeded", "charge.failed", "customer.deleted"]);
    const sub = await stripe.subscriptions.retrieve("sub_MiniAlpha1");
    expect(sub.status).toBe("canceled");
    expect(Math.abs((sub.ended_at ?? 0) - h.clock.nowSeconds())).toBeLessThanOrEqual(2);
    expect((await stripe.subscriptions.list({ customer: "cus_MiniAlpha001" })).data).toHaveLength(0);
    expect(await stripe.customers.retrieve("cus_MiniEps005")).toEqual({ id: "cus_MiniEps005", object: "customer", deleted: true });
    const ids = (await stripe.customers.list({ limit: 100 })).data.map((c) => c.id);
    expect(ids).not.toContain("cus_MiniEps005");
    expect((await stripe.invoices.retrieve("in_MiniGamma2b")).status).toBe("paid");
    await expect(h.sb.control.mutate({ type: "charge", op: "create", data: { customer: "cus_nobody", amount: 1, currency: "usd", status: "succeeded" } })).rejects.toThrow(/unknown customer/);
    await expect(h.sb.control.mutate({ type: "coupon", op: "create" })).rejects.toThrow(/unsupported type/);
  });

  it("delivers duplicates and reversed batches when asked, and survives a dead target", async () => {
    deliveries = [];
    h.sb.control.setWebhook({ duplicate: true });
    await h.sb.control.mutate({ type: "customer", op: "update", id: "cus_MiniBeta002", data: { phone: "+100" } });
    const dup = (await waitFor(2)).map((d) => verify(d).id);
    expect(dup[0]).toBe(dup[1]);

    deliveries = [];
    h.sb.control.setWebhook({ duplicate: false, outOfOrder: true });
    const a = h.sb.control.mutate({ type: "customer", op: "update", id: "cus_MiniBeta002", data: { phone: "+200" } });
    const b = h.sb.control.mutate({ type: "customer", op: "update", id: "cus_MiniBeta002", data: { phone: "+300" } });
    await Promise.all([a, b]);
    const phones = (await waitFor(2)).map((d) => (verify(d).data.object as Stripe.Customer).phone);
    expect(phones).toEqual(["+300", "+200"]);

    h.sb.control.setWebhook({ url: "http://127.0.0.1:1/unreachable", outOfOrder: false });
    await h.sb.control.mutate({ type: "customer", op: "update", id: "cus_MiniBeta002", data: { phone: "+400" } });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.sb.control.stats().webhookAttempts).toBeGreaterThan(0);
    expect((await stripe.customers.retrieve("cus_MiniBeta002")) as Stripe.Customer).toMatchObject({ phone: "+400" });
    h.sb.control.setWebhook({ url: null });
  });
});
