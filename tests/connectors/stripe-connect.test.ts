/**
 * Connecting Stripe against the sandbox: Test & Save with secret/live/restricted/bad keys, and Connect
 * OAuth (read_only authorize URL, signed single-use state, token exchange, deauthorize on disconnect).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { configureStripe, startStripeOAuth, completeStripeOAuth, disconnectStripe } from "@/lib/connectors/stripe/connect";
import { stripeCredentials } from "@/lib/connectors/stripe/connection";
import { AppError } from "@/lib/errors";
import { resetEnvCache } from "@/lib/env";
import { setupStripe, type StripeTestEnv } from "./stripe-fixtures";

let env: StripeTestEnv;
beforeAll(async () => {
  env = await setupStripe();
});
afterAll(async () => env?.close());

const configure = (body: unknown) => configureStripe(env.db, { organizationId: env.orgId, body });

async function expectRefused(p: Promise<unknown>, code: string, message: RegExp) {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  expect((err as AppError).message).toMatch(message);
}

describe("Test & Save with an API key", () => {
  it("refuses a restricted key lacking Charges, naming the permission; nothing stored", async () => {
    await expectRefused(configure({ api_key: env.info.restrictedKeys.noCharges }), "unprocessable", /rak_charge_read: give the restricted key Read access to Charges/);
    expect(await env.db.connection.count()).toBe(0);
  });

  it("refuses a bad key with a clear 401-derived message; nothing stored", async () => {
    await expectRefused(configure({ api_key: "sk_test_thisKeyDoesNotExist1234" }), "unprocessable", /rejected the API key.*401/);
    await expectRefused(configure({ api_key: "pk_test_abc123" }), "bad_request", /publishable key/);
    await expectRefused(configure({ api_key: "hello" }), "bad_request", /secret .* or restricted/);
    expect(await env.db.connection.count()).toBe(0);
  });

  it("connects a read-all restricted key in test mode, labelled (test), key encrypted with a last-4 hint", async () => {
    const key = env.info.restrictedKeys.readAll!;
    const r = await configure({ api_key: key, webhook_secret: env.info.webhook.secret });
    expect(r).toMatchObject({ mode: "test", externalAccountId: env.info.accountId, displayName: `${env.info.accountName} (test)`, missingScopes: [], created: true });
    expect(r.scopes).toEqual(["rak_customer_read", "rak_subscription_read", "rak_invoice_read", "rak_charge_read", "rak_event_read"]);
    const conn = await env.db.connection.findUniqueOrThrow({ where: { id: r.connectionId } });
    expect(conn.credentialsEnc).not.toContain(key);
    expect(conn.credentialsHint).toBe(`••••${key.slice(-4)}`);
    expect(conn.webhookSecretEnc).toBeTruthy();
    expect(stripeCredentials(conn)).toEqual({ kind: "key", apiKey: key });
    // Same account again updates the connection instead of creating a second one.
    const again = await configure({ api_key: env.info.secretKey });
    expect(again).toMatchObject({ connectionId: r.connectionId, created: false });
    expect(again.warnings.join(" ")).toMatch(/restricted key/);
    expect(await env.db.connection.count()).toBe(1);
  });

  it("labels a live key's connection without (test)", async () => {
    const r = await configure({ api_key: env.info.liveSecretKey });
    expect(r.mode).toBe("live");
    expect(r.displayName).toBe(env.info.accountName);
  });
});

describe("Connect OAuth", () => {
  it("builds a read_only authorize URL, exchanges the code once, and deauthorizes on disconnect", async () => {
    await env.db.connection.deleteMany();
    const start = await startStripeOAuth(env.db, { organizationId: env.orgId });
    const url = new URL(start.url);
    expect(url.origin).toBe(env.sb.stripeUrl);
    expect(url.pathname).toBe("/oauth/authorize");
    expect(url.searchParams.get("scope")).toBe("read_only");
    expect(url.searchParams.get("client_id")).toBe(env.info.connect.clientId);
    expect(url.searchParams.get("redirect_uri")).toBe("http://localhost:3000/api/integrations/stripe/callback");
    // Stored hashed, never in clear.
    expect(await env.db.oAuthState.count({ where: { stateHash: start.state } })).toBe(0);

    // The sandbox auto-approves and redirects back with code + state.
    const res = await fetch(start.url, { redirect: "manual" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    const query = Object.fromEntries(back.searchParams);
    expect(query.state).toBe(start.state);

    const done = await completeStripeOAuth(env.db, { query });
    expect(done).toMatchObject({ externalAccountId: env.info.accountId, mode: "test", scopes: ["read_only"], created: true });
    const conn = await env.db.connection.findUniqueOrThrow({ where: { id: done.connectionId } });
    expect(conn.authType).toBe("oauth");
    const creds = stripeCredentials(conn);
    expect(creds.kind === "oauth" && creds.stripeUserId).toBe(env.info.accountId);

    // The state is single use; a forged one is refused.
    await expectRefused(completeStripeOAuth(env.db, { query }), "bad_request", /already used/);
    await expectRefused(completeStripeOAuth(env.db, { query: { ...query, state: `${start.state.split(".")[0]}.forged` } }), "bad_request", /invalid/);

    // The token reads data until the connection is disconnected (deauthorize revokes it).
    const token = creds.kind === "oauth" ? creds.accessToken : "";
    const u = new URL(env.sb.stripeUrl);
    const s = new Stripe(token, { host: u.hostname, port: u.port, protocol: "http", maxNetworkRetries: 0 });
    expect((await s.customers.list({ limit: 1 })).data.length).toBe(1);
    await disconnectStripe(env.db, done.connectionId);
    const err = await s.customers.list({ limit: 1 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it("refuses to start (not_configured, naming what to set) when STRIPE_CONNECT_SECRET_KEY is unset, so the flow never ends on a 503 at the callback", async () => {
    const saved = process.env.STRIPE_CONNECT_SECRET_KEY;
    delete process.env.STRIPE_CONNECT_SECRET_KEY;
    resetEnvCache();
    try {
      const states = await env.db.oAuthState.count();
      await expectRefused(startStripeOAuth(env.db, { organizationId: env.orgId }), "not_configured", /STRIPE_CONNECT_SECRET_KEY.*restricted key/);
      expect(await env.db.oAuthState.count()).toBe(states);
    } finally {
      process.env.STRIPE_CONNECT_SECRET_KEY = saved;
      resetEnvCache();
    }
  });

  it("reports Stripe's access_denied with what to do", async () => {
    const start = await startStripeOAuth(env.db, { organizationId: env.orgId });
    await expectRefused(completeStripeOAuth(env.db, { query: { state: start.state, error: "access_denied", error_description: "The user denied your request" } }), "bad_request", /denied.*Allow access/);
  });
});
