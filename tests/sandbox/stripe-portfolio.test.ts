/**
 * Portfolio validation (errors name the first bad record and field) and scale: 20,000 customers
 * with 100,000 invoices and 100,000 charges load quickly, fit in memory, and page fast.
 */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { miniPortfolioJson, scaledPortfolio, startStripeSandbox } from "@/sandbox/stripe/fixtures";
import { parseStripePortfolio, StripePortfolioError } from "@/sandbox/stripe/portfolio";

type Json = Record<string, unknown>;
const errorOf = (mutate: (p: Record<string, Json[]>) => void): string => {
  const p = miniPortfolioJson() as unknown as Record<string, Json[]>;
  mutate(p);
  try {
    parseStripePortfolio(p);
  } catch (e) {
    expect(e).toBeInstanceOf(StripePortfolioError);
    return (e as Error).message;
  }
  throw new Error("portfolio was accepted");
};

describe("portfolio validation", () => {
  it("accepts the mini portfolio and keeps extra fields", () => {
    const p = parseStripePortfolio(miniPortfolioJson());
    expect(p.customers).toHaveLength(5);
    expect((p.customers[0] as Json).invoice_settings).toMatchObject({ default_payment_method: "pm_MiniAlpha1" });
  });

  it("names the record index, id and field of the first bad value", () => {
    expect(errorOf((p) => (p.customers[2].created = "oops"))).toMatch(/^stripe\.customers\[2\] \(cus_MiniGamma003\): created: .*number/);
    expect(errorOf((p) => delete p.subscriptions[1].id)).toMatch(/^stripe\.subscriptions\[1\]: id: /);
    expect(errorOf((p) => (p.subscriptions[0].status = "sleeping"))).toMatch(/^stripe\.subscriptions\[0\] \(sub_MiniAlpha1\): status: /);
    expect(errorOf((p) => ((p.subscriptions[3].items as { data: Json[] }).data[1].current_period_end = undefined))).toMatch(
      /^stripe\.subscriptions\[3\] \(sub_MiniGamma2\): items\.data\[1\]\.current_period_end: /,
    );
    expect(errorOf((p) => (p.invoices[0].customer = "cus_ghost"))).toBe("stripe.invoices[0] (in_MiniAlpha1a): customer: unknown customer 'cus_ghost'");
    expect(errorOf((p) => (p.charges[1].id = p.charges[0].id))).toMatch(/^stripe\.charges\[1\] \(ch_MiniAlpha1a\): id: duplicate id/);
    expect(errorOf((p) => (p.customers[0].id = "customer_1"))).toMatch(/customers\[0\] \(customer_1\): id: must be an id starting with cus_/);
    expect(errorOf((p) => ((p as unknown as Json).account = { id: "acct_x" }))).toMatch(/^stripe\.account\.business_profile: /);
  });
});

describe("scale", () => {
  it("serves 20,000 customers with 100,000 invoices and charges within memory and time budgets", async () => {
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    const portfolio = scaledPortfolio(20_000, 5);
    const tBuilt = Date.now();
    const h = await startStripeSandbox({ portfolio });
    const tLoaded = Date.now();
    try {
      const heap1 = process.memoryUsage().heapUsed;
      const key = (h.sb.info() as { secretKey: string }).secretKey;
      const stripe = new Stripe(key, { host: "127.0.0.1", port: h.port, protocol: "http", maxNetworkRetries: 0 });
      expect(h.sb.control.stats()).toMatchObject({ customers: 20_005, invoices: 100_008, charges: 100_007 });

      const times: Record<string, number> = {};
      const time = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
        const t = Date.now();
        const r = await f();
        times[name] = Date.now() - t;
        return r;
      };
      const first = await time("customers page 1 (100)", () => stripe.customers.list({ limit: 100 }));
      const deepId = `cus_Gen${String(500).padStart(6, "0")}`;
      const deep = await time("customers deep page", () => stripe.customers.list({ limit: 100, starting_after: deepId }));
      expect(deep.data.every((c) => c.created <= (first.data[0]?.created ?? 0))).toBe(true);
      const byCust = await time("charges by customer", () => stripe.charges.list({ customer: "cus_Gen012345", limit: 100 }));
      expect(byCust.data).toHaveLength(5);
      const since = 1793491200 - 7 * 86_400;
      const recent = await time("invoices created[gte] 7d", () => stripe.invoices.list({ created: { gte: since }, limit: 100 }));
      expect(recent.data.every((i) => i.created >= since)).toBe(true);
      const subs = await time("subscriptions status=all + expand", () => stripe.subscriptions.list({ status: "all", limit: 100, expand: ["data.customer"] }));
      expect(subs.data).toHaveLength(100);
      await time("customer search", () => stripe.customers.search({ query: "email:'billing19999@gen15.example'" }));

      const figures = {
        buildMs: tBuilt - t0,
        loadMs: tLoaded - tBuilt,
        heapMB: Math.round((heap1 - heap0) / 1e6),
        ...times,
      };
      console.log("stripe sandbox scale figures", JSON.stringify(figures));
      expect(tLoaded - tBuilt).toBeLessThan(5_000);
      expect(heap1 - heap0).toBeLessThan(600e6);
      for (const ms of Object.values(times)) expect(ms).toBeLessThan(1_000);
    } finally {
      await h.close();
    }
  });
});
