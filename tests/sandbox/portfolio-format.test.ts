/**
 * The portfolio format (sandbox/portfolio/schema.ts): the documented example loads, and a
 * malformed portfolio is refused with an error naming the first bad record and field.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPortfolio, parsePortfolio, PortfolioError, portfolioCounts, type Portfolio } from "@/sandbox/portfolio";

const EXAMPLE = path.resolve(__dirname, "../../docs/example-portfolio.json");
const example = (): Portfolio => JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as Portfolio;

function catchError(fn: () => unknown): PortfolioError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PortfolioError) return e;
    throw e;
  }
  throw new Error("expected a PortfolioError");
}

describe("portfolio format", () => {
  it("loads docs/example-portfolio.json with the documented contents", async () => {
    const p = await loadPortfolio(EXAMPLE);
    expect(p.clock.now).toBe("2026-01-15T12:00:00Z");
    const counts = portfolioCounts(p);
    expect(counts["hubspot.companies"]).toBe(3);
    expect(counts["hubspot.contacts"]).toBe(4);
    expect(counts["hubspot.deals"]).toBe(1);
    expect(counts["hubspot.calls"] + counts["hubspot.notes"] + counts["hubspot.meetings"]).toBe(2);
    expect(counts["hubspot.tickets"]).toBe(1);
    expect(counts["stripe.customers"]).toBe(3);
    expect(counts["stripe.subscriptions"]).toBe(3);
    // One customer exists only in Stripe: no company has its e-mail domain and nothing links it.
    const domains = new Set(p.hubspot.companies.map((c) => c.properties.domain));
    const solo = p.stripe.customers.filter((c) => !domains.has(String(c.email).split("@")[1]) && !c.metadata?.hubspot_company_id);
    expect(solo.map((c) => c.id)).toEqual(["cus_Solo01"]);
  });

  it("names the record and field of a wrong HubSpot property value", () => {
    const p = example();
    (p.hubspot.companies[1].properties as Record<string, unknown>).name = 42;
    const e = catchError(() => parsePortfolio(p));
    expect(e.recordPath).toBe("hubspot.companies[1]");
    expect(e.field).toBe("properties.name");
    expect(e.message).toContain("hubspot.companies[1] (id 102)");
  });

  it("names a missing timestamp and a bad clock", () => {
    const p = example();
    delete (p.hubspot.contacts[2] as Partial<Portfolio["hubspot"]["contacts"][number]>).createdAt;
    const e = catchError(() => parsePortfolio(p));
    expect([e.recordPath, e.field]).toEqual(["hubspot.contacts[2]", "createdAt"]);

    const q = example();
    q.clock.now = "yesterday";
    const e2 = catchError(() => parsePortfolio(q));
    expect([e2.recordPath, e2.field]).toEqual(["clock", "now"]);
  });

  it("refuses dangling references: an association to a missing company, an unknown owner, a subscription of an unknown customer", () => {
    const p = example();
    p.hubspot.deals[0].associations = { companies: ["999"] };
    const e = catchError(() => parsePortfolio(p));
    expect([e.recordPath, e.field]).toEqual(["hubspot.deals[0]", "associations.companies"]);
    expect(e.message).toContain("999");

    const u = example();
    u.hubspot.contacts[0].associations = { widgets: ["101"] };
    const eu = catchError(() => parsePortfolio(u));
    expect([eu.recordPath, eu.field]).toEqual(["hubspot.contacts[0]", "associations"]);

    const q = example();
    q.hubspot.tickets[0].properties.hubspot_owner_id = "77";
    const e2 = catchError(() => parsePortfolio(q));
    expect([e2.recordPath, e2.field]).toEqual(["hubspot.tickets[0]", "properties.hubspot_owner_id"]);

    const r = example();
    r.stripe.subscriptions[2].customer = "cus_Nobody";
    const e3 = catchError(() => parsePortfolio(r));
    expect([e3.recordPath, e3.field]).toEqual(["stripe.subscriptions[2]", "customer"]);
    expect(e3.message).toContain("sub_Solo01");
  });

  it("refuses a Stripe record of the wrong shape and duplicate HubSpot ids", () => {
    const p = example();
    (p.stripe.invoices[3] as Record<string, unknown>).amount_due = "23520.00";
    const e = catchError(() => parsePortfolio(p));
    expect([e.recordPath, e.field]).toEqual(["stripe.invoices[3]", "amount_due"]);

    const q = example();
    q.hubspot.contacts[3].id = q.hubspot.contacts[0].id;
    const e2 = catchError(() => parsePortfolio(q));
    expect([e2.recordPath, e2.field]).toEqual(["hubspot.contacts[3]", "id"]);
  });

  it("loadPortfolio refuses a file that is not JSON, and reports an unreadable path", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "portfolio-"));
    try {
      const f = path.join(dir, "bad.json");
      fs.writeFileSync(f, '{"version": 1, "clock": ');
      await expect(loadPortfolio(f)).rejects.toBeInstanceOf(PortfolioError);
      await expect(loadPortfolio(path.join(dir, "missing.json"))).rejects.toThrow(/cannot read portfolio file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
