/**
 * The synthetic portfolio generator (sandbox/portfolio/synthetic.ts): deterministic at 5,000
 * companies, counts as asked, valid format, bounded memory at a moderate size.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildSyntheticPortfolio, loadPortfolio, parsePortfolio, parseSyntheticSpec } from "@/sandbox/portfolio";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("synthetic portfolio", () => {
  it("is byte-identical for the same options at 5,000 companies, and differs for another seed", () => {
    const opts = { companies: 5000, contacts: 20_000, deals: 3000, customers: 1000, invoicesMonths: 6, anchor: "2026-06-01" };
    const a = sha(JSON.stringify(buildSyntheticPortfolio(opts)));
    const b = sha(JSON.stringify(buildSyntheticPortfolio(opts)));
    expect(a).toBe(b);
    expect(sha(JSON.stringify(buildSyntheticPortfolio({ ...opts, companies: 200, contacts: 400, deals: 50, customers: 50 })))).not.toBe(
      sha(JSON.stringify(buildSyntheticPortfolio({ ...opts, companies: 200, contacts: 400, deals: 50, customers: 50, seed: 2 }))),
    );
  });

  it("produces the requested counts in a valid portfolio whose customers merge with companies", () => {
    const p = buildSyntheticPortfolio(parseSyntheticSpec("companies=300,contacts=900,deals=120,customers=200,subscriptionsPerCustomer=2,invoicesMonths=3,seed=5"));
    expect(p.hubspot.companies).toHaveLength(300);
    expect(p.hubspot.contacts).toHaveLength(900);
    expect(p.hubspot.deals).toHaveLength(120);
    expect(p.stripe.customers).toHaveLength(200);
    expect(p.stripe.subscriptions).toHaveLength(400);
    expect(p.stripe.invoices.length).toBeGreaterThanOrEqual(400 * 3);
    expect(() => parsePortfolio(JSON.parse(JSON.stringify(p)))).not.toThrow();
    const gt = p.groundTruth!;
    expect(gt.counts.metadata_link).toBeGreaterThan(0);
    expect(gt.counts.stripe_only).toBeGreaterThan(0);
    const companies = new Map(p.hubspot.companies.map((c) => [c.id, c]));
    for (const a of gt.accounts.filter((x) => x.category === "domain_same_name")) {
      const cu = p.stripe.customers.find((c) => c.id === a.stripeCustomerId)!;
      expect(String(cu.email).split("@")[1]).toBe(companies.get(a.hubspotCompanyId!)!.properties.domain);
    }
    const now = Date.parse(p.clock.now) / 1000;
    for (const i of p.stripe.invoices) expect(i.created).toBeLessThanOrEqual(now);
  });

  it("rejects unknown or non-numeric options", () => {
    expect(() => parseSyntheticSpec("companies=10,colour=3")).toThrow(/unknown synthetic option "colour"/);
    expect(() => parseSyntheticSpec("companies=lots")).toThrow(/whole number/);
    expect(() => buildSyntheticPortfolio({ companies: -1 })).toThrow(/companies/);
    expect(() => buildSyntheticPortfolio({ companys: 10 } as never)).toThrow(/unknown synthetic option "companys"/);
    // snake_case aliases, as a CLI may pass them
    expect(parseSyntheticSpec("invoices_months=2,subscriptions_per_customer=3")).toEqual({ invoicesMonths: 2, subscriptionsPerCustomer: 3 });
    const p = buildSyntheticPortfolio({ companies: 5, customers: 2, invoices_months: 1, subscriptions_per_customer: 2 } as never);
    expect(p.stripe.subscriptions).toHaveLength(4);
  });

  it("stays within a memory budget at 10,000 companies / 50,000 contacts / 2,500 customers", async () => {
    const p = await loadPortfolio({ synthetic: { companies: 10_000, contacts: 50_000, customers: 2500, invoicesMonths: 12, groundTruth: false } }, { anchor: "2026-06-01" });
    expect(p.hubspot.contacts).toHaveLength(50_000);
    expect(p.stripe.invoices.length).toBeGreaterThanOrEqual(2500 * 6);
    // The whole heap (everything this worker holds, the portfolio included) stays well below the
    // ~2 GiB default limit: roughly 1 KiB per HubSpot record and 3 KiB per Stripe invoice + charge.
    const { heapUsed, rss } = process.memoryUsage();
    expect(heapUsed / 2 ** 20).toBeLessThan(600);
    console.log(`synthetic 10k/50k/2.5k: heapUsed ${Math.round(heapUsed / 2 ** 20)} MiB, rss ${Math.round(rss / 2 ** 20)} MiB`);
  });
});
