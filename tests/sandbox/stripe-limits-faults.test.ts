/**
 * Rate limits and fault injection of the Stripe sandbox, as the official SDK experiences them:
 * 429 StripeRateLimitError with Stripe-Rate-Limited-Reason, 5xx retried by maxNetworkRetries,
 * dropped connections, slow responses, malformed records in pages, keys revoked after N requests.
 */
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { startStripeSandbox, type StripeHarness } from "@/sandbox/stripe/fixtures";

let h: StripeHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sdk = (harness: StripeHarness, key: string, maxNetworkRetries = 0) =>
  new Stripe(key, { host: "127.0.0.1", port: harness.port, protocol: "http", maxNetworkRetries });
const keys = (harness: StripeHarness) => harness.sb.info() as { secretKey: string; liveSecretKey: string };

async function burst(stripe: Stripe, n: number, call: (s: Stripe) => Promise<unknown> = (s) => s.customers.list({ limit: 1 })) {
  const errors: Stripe.errors.StripeError[] = [];
  let ok = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      call(stripe).then(
        () => ok++,
        (e: Stripe.errors.StripeError) => errors.push(e),
      ),
    ),
  );
  return { ok, errors };
}

describe("rate limits", () => {
  it("answers 429 to 60 concurrent test-mode requests beyond 25/s, and the SDK raises StripeRateLimitError", async () => {
    h = await startStripeSandbox({ limits: { enabled: true } });
    const { ok, errors } = await burst(sdk(h, keys(h).secretKey), 60);
    expect(ok).toBeLessThanOrEqual(25);
    expect(ok).toBeGreaterThan(0);
    expect(errors.length).toBe(60 - ok);
    expect(errors.every((e) => e instanceof Stripe.errors.StripeRateLimitError && e.statusCode === 429 && e.code === "rate_limit")).toBe(true);
    expect(errors[0].headers?.["stripe-rate-limited-reason"]).toBe("global-rate");
    // the window slides: a second later the key is admitted again
    await new Promise((r) => setTimeout(r, 1100));
    expect((await sdk(h, keys(h).secretKey).customers.list({ limit: 1 })).data).toHaveLength(1);
  });

  it("allows 100/s in live mode, 20/s on search, and nothing when limits are off", async () => {
    h = await startStripeSandbox({ limits: { enabled: true } });
    const live = await burst(sdk(h, keys(h).liveSecretKey), 60);
    expect(live.ok).toBe(60);
    const search = await burst(sdk(h, keys(h).liveSecretKey), 30, (s) => s.customers.search({ query: "name~'Alpha'" }));
    expect(search.ok).toBeLessThanOrEqual(20);
    expect(search.errors.length).toBeGreaterThan(0);
    expect(search.errors[0].headers?.["stripe-rate-limited-reason"]).toBe("endpoint-rate");
    h.sb.control.setLimits({ enabled: false });
    const off = await burst(sdk(h, keys(h).secretKey), 60);
    expect(off.ok).toBe(60);
    expect(() => h?.sb.control.setLimits({ testRps: -1 })).toThrow();
  });

  it("answers every request with 429 during a storm, until the sandbox clock passes it", async () => {
    h = await startStripeSandbox();
    h.sb.control.setFaults({ rateLimitStormUntil: h.clock.now() + 60_000 });
    const stripe = sdk(h, keys(h).secretKey, 2);
    await expect(stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    h.clock.advance(61_000);
    expect((await stripe.customers.list()).object).toBe("list");
  });
});

describe("faults", () => {
  it("5xx: the SDK surfaces StripeAPIError after its retries, and a retry succeeds once the fault clears", async () => {
    h = await startStripeSandbox();
    h.sb.control.setFaults({ errorRate5xx: 1 });
    const before = h.sb.control.stats().serverErrors;
    const err = await sdk(h, keys(h).secretKey, 1).customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(500);
    expect(h.sb.control.stats().serverErrors - before).toBe(2); // first try + 1 retry
    // fail the first attempt, clear the fault during the SDK's ≥0.5 s backoff
    const pending = sdk(h, keys(h).secretKey, 3).customers.list({ limit: 2 });
    setTimeout(() => h?.sb.control.setFaults({ errorRate5xx: 0 }), 200);
    expect((await pending).data).toHaveLength(2);
    expect(h.sb.control.stats().serverErrors - before).toBe(3);
  });

  it("drops connections (StripeConnectionError) and adds latency / slowness", async () => {
    h = await startStripeSandbox({ latency: { fixedMs: 80, jitterMs: 20 } });
    const stripe = sdk(h, keys(h).secretKey);
    let t = Date.now();
    await stripe.customers.list({ limit: 1 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(75);
    h.sb.control.setFaults({ slowMs: 300 });
    t = Date.now();
    await stripe.customers.list({ limit: 1 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(370);
    h.sb.control.setFaults({ slowMs: 0, dropRate: 1 });
    await expect(stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(h.sb.control.stats().dropped).toBeGreaterThanOrEqual(1);
    h.sb.control.setFaults({ dropRate: 0 });
    expect((await stripe.customers.list({ limit: 1 })).data).toHaveLength(1);
  });

  it("injects one malformed record into list and search pages of the chosen type", async () => {
    h = await startStripeSandbox();
    h.sb.control.setFaults({ malformedRecordIn: ["customers"] });
    const stripe = sdk(h, keys(h).secretKey);
    const page = await stripe.customers.list({ limit: 4 });
    expect(page.data).toHaveLength(5);
    const bad = page.data.filter((c) => typeof c.id !== "string" || typeof c.created !== "number");
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ created: "oops" });
    expect(page.data[page.data.length - 1].id).toMatch(/^cus_/); // paging by last id still works
    const ids: string[] = [];
    for await (const c of stripe.customers.list({ limit: 2 })) if (typeof c.id === "string") ids.push(c.id);
    expect(new Set(ids).size).toBe(5);
    expect((await stripe.subscriptions.list({ limit: 3 })).data).toHaveLength(3); // other types untouched
  });

  it("revokes the key after N more requests (401 StripeAuthenticationError), other keys keep working", async () => {
    h = await startStripeSandbox();
    h.sb.control.setFaults({ revokeTokenAfter: 3 });
    const stripe = sdk(h, keys(h).secretKey);
    for (let i = 0; i < 3; i++) await stripe.customers.list({ limit: 1 });
    await expect(stripe.customers.list({ limit: 1 })).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    await expect(stripe.customers.list({ limit: 1 })).rejects.toThrow(/Expired API Key provided/);
    expect((await sdk(h, keys(h).liveSecretKey).customers.list({ limit: 1 })).data).toHaveLength(1);
  });
});
