/**
 * The RavenStack portfolio (sandbox/portfolio/ravenstack.ts) built from the real data set in
 * ../shared/data/ravenstack: determinism, checksum refusal, counts, identity-resolution ground
 * truth, dates, MRR fidelity and the churn definition.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { companyEmailDomain, companyNameKey, emailDomain } from "@/lib/accounts/normalize";
import {
  buildRavenstackPortfolio,
  parsePortfolio,
  RAVENSTACK_FILES,
  RavenstackDataError,
  readVerifiedRavenstack,
  resolveRavenstackDir,
  type Portfolio,
} from "@/sandbox/portfolio";

const ANCHOR = "2026-11-21";
const NOW_S = Date.parse(`${ANCHOR}T12:00:00Z`) / 1000;
let p: Portfolio;
let json: string;

beforeAll(() => {
  p = buildRavenstackPortfolio({ anchor: ANCHOR });
  json = JSON.stringify(p);
});

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("RavenStack portfolio", () => {
  it("is byte-identical across two builds with the same anchor, and dates are shifted by whole days onto the anchor", () => {
    const again = JSON.stringify(buildRavenstackPortfolio({ anchor: ANCHOR }));
    expect(sha(again)).toBe(sha(json));
    expect(p.clock.now).toBe(`${ANCHOR}T12:00:00.000Z`);
    // The data set ends 2024-12-31: every date moves by the same whole number of days.
    const shiftDays = (Date.parse(ANCHOR) - Date.parse("2024-12-31")) / 86_400_000;
    expect(p.groundTruth!.notes!.dayShift).toBe(shiftDays);
    const accounts = parse(fs.readFileSync(path.join(resolveRavenstackDir(), "ravenstack_accounts.csv")), { columns: true }) as Record<string, string>[];
    const company0 = p.hubspot.companies.find((c) => c.properties.name === accounts[0].account_name)!;
    expect(company0.createdAt.slice(0, 10)).toBe(new Date(Date.parse(accounts[0].signup_date) + shiftDays * 86_400_000).toISOString().slice(0, 10));
  });

  it("refuses a copy of the data whose bytes differ from SHA256SUMS, naming the file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ravenstack-"));
    try {
      const src = resolveRavenstackDir();
      for (const f of [...RAVENSTACK_FILES, "SHA256SUMS"]) fs.copyFileSync(path.join(src, f), path.join(dir, f));
      // The intact copy verifies.
      expect(() => readVerifiedRavenstack(dir)).not.toThrow();
      const target = path.join(dir, "ravenstack_support_tickets.csv");
      const buf = fs.readFileSync(target);
      buf[buf.length - 5] = buf[buf.length - 5] === 0x31 ? 0x32 : 0x31;
      fs.writeFileSync(target, buf);
      expect(() => buildRavenstackPortfolio({ dataDir: dir, anchor: ANCHOR })).toThrow(RavenstackDataError);
      expect(() => buildRavenstackPortfolio({ dataDir: dir, anchor: ANCHOR })).toThrow(/ravenstack_support_tickets\.csv.*SHA256SUMS expects/);
      fs.rmSync(path.join(dir, "SHA256SUMS"));
      expect(() => buildRavenstackPortfolio({ dataDir: dir, anchor: ANCHOR })).toThrow(/SHA256SUMS is missing/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has the expected volumes: ~500 companies, >= 450 customers, cancellations, failures, trials", () => {
    expect(p.hubspot.companies.length).toBeGreaterThanOrEqual(480);
    expect(p.hubspot.companies.length).toBeLessThanOrEqual(510);
    expect(p.stripe.customers.length).toBeGreaterThanOrEqual(450);
    expect(p.hubspot.owners.length).toBeGreaterThanOrEqual(5);
    expect(p.hubspot.owners.length).toBeLessThanOrEqual(8);
    expect(p.hubspot.tickets.length).toBeGreaterThan(1800);
    expect(p.hubspot.calls.length + p.hubspot.meetings.length + p.hubspot.notes.length).toBeGreaterThan(3000);
    const status = (s: string) => p.stripe.subscriptions.filter((x) => x.status === s).length;
    expect(status("canceled")).toBeGreaterThan(0);
    expect(status("active")).toBeGreaterThan(1000);
    expect(status("trialing")).toBeGreaterThan(0);
    expect(status("past_due")).toBeGreaterThan(0);
    expect(p.stripe.subscriptions.some((s) => s.status === "active" && s.cancel_at_period_end)).toBe(true);
    const failed30 = new Set(p.stripe.charges.filter((c) => c.status === "failed" && c.created >= NOW_S - 30 * 86400).map((c) => c.customer));
    expect(failed30.size).toBeGreaterThan(5);
    expect(failed30.size).toBeLessThan(p.stripe.customers.length / 4); // "some", not most
    const pastDue = p.stripe.invoices.filter((i) => i.status === "open" && (i.attempt_count as number) > 0);
    expect(pastDue.length).toBeGreaterThan(0);
    // Every invoice belongs to a subscription period, and every paid one has a succeeded charge of its amount.
    const okCharges = new Map<string, number>();
    for (const c of p.stripe.charges) if (c.status === "succeeded") okCharges.set(`${c.customer}:${c.amount}`, (okCharges.get(`${c.customer}:${c.amount}`) ?? 0) + 1);
    for (const inv of p.stripe.invoices.filter((i) => i.status === "paid").slice(0, 500)) expect(okCharges.get(`${inv.customer}:${inv.amount_paid}`)).toBeGreaterThan(0);
  });

  it("passes its own format validation (parsePortfolio)", () => {
    expect(() => parsePortfolio(p)).not.toThrow();
  });

  it("puts nothing created, started, canceled, invoiced or charged after the clock", () => {
    const nowMs = NOW_S * 1000;
    const s = p.stripe;
    for (const c of s.customers) expect(c.created).toBeLessThanOrEqual(NOW_S);
    for (const x of s.subscriptions) {
      for (const t of [x.created, x.start_date, x.canceled_at, x.ended_at, x.trial_start]) if (typeof t === "number") expect(t).toBeLessThanOrEqual(NOW_S);
      expect(x.items.data[0].current_period_start).toBeLessThanOrEqual(NOW_S);
      if (x.status !== "canceled") expect(x.items.data[0].current_period_end).toBeGreaterThan(NOW_S);
    }
    for (const i of s.invoices) expect(i.created).toBeLessThanOrEqual(NOW_S);
    for (const c of s.charges) expect(c.created).toBeLessThanOrEqual(NOW_S);
    for (const type of ["companies", "contacts", "calls", "meetings", "notes", "tickets"] as const) {
      for (const o of p.hubspot[type]) {
        expect(Date.parse(o.createdAt)).toBeLessThanOrEqual(nowMs);
        expect(Date.parse(o.updatedAt)).toBeLessThanOrEqual(nowMs);
        if (o.properties.hs_timestamp) expect(Date.parse(o.properties.hs_timestamp)).toBeLessThanOrEqual(nowMs);
      }
    }
  });

  it("bills exactly the data set's mrr_amount: unit_amount × quantity per month = mrr_amount × 100", () => {
    const rows = parse(fs.readFileSync(path.join(resolveRavenstackDir(), "ravenstack_subscriptions.csv")), { columns: true }) as Record<string, string>[];
    const byId = new Map(rows.map((r) => [r.subscription_id, r]));
    const prices = new Map(p.stripe.prices.map((x) => [x.id, x]));
    let checked = 0;
    for (const sub of p.stripe.subscriptions) {
      const row = byId.get(String(sub.metadata?.ravenstack_subscription_id));
      expect(row).toBeDefined();
      if (row!.is_trial === "True") continue;
      const item = sub.items.data[0];
      const price = prices.get(String(item.price))!;
      const monthly = price.recurring!.interval === "year" ? price.unit_amount! / 12 : price.unit_amount!;
      expect(monthly * item.quantity!).toBe(Number(row!.mrr_amount) * 100);
      expect(item.quantity).toBe(Number(row!.seats));
      expect(price.recurring!.interval).toBe(row!.billing_frequency === "annual" ? "year" : "month");
      checked++;
    }
    expect(checked).toBeGreaterThan(3500);
  });

  it("churn = accounts.churn_flag: churned accounts have no live subscription, all others keep one", () => {
    const gt = p.groundTruth!;
    const live = new Set(p.stripe.subscriptions.filter((s) => s.status === "active" || s.status === "past_due").map((s) => s.customer));
    const withCustomer = gt.accounts.filter((a) => a.stripeCustomerId);
    const churned = withCustomer.filter((a) => a.churned);
    expect(churned.length).toBeGreaterThan(80);
    for (const a of churned) {
      expect(live.has(a.stripeCustomerId!)).toBe(false);
      expect(a.churnedAt).not.toBeNull();
    }
    for (const a of withCustomer.filter((x) => !x.churned)) expect(live.has(a.stripeCustomerId!)).toBe(true);
    // Churn dates follow the churn events: spread over the past year, not piled up on "today".
    const ages = churned.map((a) => (NOW_S * 1000 - Date.parse(a.churnedAt!)) / 86_400_000);
    expect(ages.filter((d) => d >= 30).length).toBeGreaterThan(churned.length / 2);
    expect(ages.filter((d) => d <= 365).length).toBeGreaterThan(churned.length * 0.8);
    // Churn events carry their reason into cancellation_details.
    expect(p.stripe.subscriptions.some((s) => s.status === "canceled" && (s.cancellation_details as { feedback: string | null }).feedback === "switched_service")).toBe(true);
  });

  it("ends on the anchor day only what the raw data ends on its last date (no pile-up on 'today')", () => {
    const dir = resolveRavenstackDir();
    const read = (f: string) => parse(fs.readFileSync(path.join(dir, f)), { columns: true }) as Record<string, string>[];
    const rows = new Map(read("ravenstack_subscriptions.csv").map((r) => [r.subscription_id, r]));
    const accounts = new Map(read("ravenstack_accounts.csv").map((r) => [r.account_id, r]));
    const LAST = "2024-12-31"; // the data set's last date, mapped onto ANCHOR
    const eventOnLast = new Set(read("ravenstack_churn_events.csv").filter((c) => c.churn_date === LAST).map((c) => c.account_id));
    const lastEndOf = new Map<string, string>();
    for (const r of rows.values()) if (r.end_date > (lastEndOf.get(r.account_id) ?? "")) lastEndOf.set(r.account_id, r.end_date);
    const anchorStartS = NOW_S - 12 * 3600;
    const endedOnAnchor = p.stripe.subscriptions.filter((s) => typeof s.ended_at === "number" && s.ended_at >= anchorStartS);
    const unexplained: string[] = [];
    for (const s of endedOnAnchor) {
      const row = rows.get(String(s.metadata?.ravenstack_subscription_id))!;
      const account = accounts.get(row.account_id)!;
      const explained =
        row.end_date === LAST || // its own raw end date
        eventOnLast.has(row.account_id) || // a churn event of its account on the last date
        (account.churn_flag === "True" && lastEndOf.get(row.account_id) === LAST) || // churned: C = the account's last raw end date
        (row.is_trial === "True" && s.trial_end === s.ended_at); // a 30-day trial that started 30 days before
      if (!explained) unexplained.push(`${row.subscription_id} (${row.account_id}, start ${row.start_date}, end ${row.end_date || "-"})`);
    }
    expect(unexplained).toEqual([]);
    // A handful, like the raw data (24 raw end dates on the last date, 5 churn events), not hundreds.
    const rawEndsOnLast = [...rows.values()].filter((r) => r.end_date === LAST).length;
    expect(rawEndsOnLast).toBe(24);
    expect(endedOnAnchor.length).toBeLessThanOrEqual(60);
    // Churned accounts without any dated evidence get a churn date strictly before the anchor day.
    const withEvidence = new Set([...eventOnLast, ...read("ravenstack_churn_events.csv").map((c) => c.account_id), ...[...lastEndOf.keys()].filter((k) => lastEndOf.get(k))]);
    const synthetic = p.groundTruth!.accounts.filter((a) => a.churned && a.stripeCustomerId && !withEvidence.has(a.key));
    expect(synthetic.length).toBeGreaterThan(5);
    for (const a of synthetic) expect(Date.parse(a.churnedAt!)).toBeLessThan(anchorStartS * 1000);
    // Scheduled cancellations (cancel_at_period_end) are requested at their own times, never clamped onto "now".
    const scheduled = p.stripe.subscriptions.filter((s) => s.cancel_at_period_end);
    expect(scheduled.length).toBeGreaterThan(400);
    expect(scheduled.filter((s) => s.canceled_at === NOW_S)).toEqual([]);
    for (const s of scheduled) expect(s.canceled_at as number).toBeGreaterThanOrEqual(s.items.data[0].current_period_start);
  });

  it("stamps no record at exactly clock.now, and adds contacts on the anchor day at the rate of the days before", () => {
    const nowMs = NOW_S * 1000;
    for (const type of ["companies", "contacts", "deals", "calls", "meetings", "notes", "tickets"] as const) {
      expect({ type, atNow: p.hubspot[type].filter((o) => Date.parse(o.createdAt) === nowMs || Date.parse(o.updatedAt) === nowMs).length }).toEqual({ type, atNow: 0 });
    }
    const s = p.stripe;
    for (const [type, list] of [["customers", s.customers], ["subscriptions", s.subscriptions], ["invoices", s.invoices], ["charges", s.charges]] as const) {
      expect({ type, atNow: (list as { created: number }[]).filter((o) => o.created === NOW_S).length }).toEqual({ type, atNow: 0 });
    }
    expect(s.subscriptions.filter((x) => x.ended_at === NOW_S || x.canceled_at === NOW_S)).toEqual([]);
    // Stakeholder coverage must not step on the last day: contacts created per day, anchor day vs the week before.
    const perDay = (offset: number) => p.hubspot.contacts.filter((c) => Math.floor((nowMs - Date.parse(c.createdAt)) / 86_400_000 + 0.5) === offset).length;
    const weekBefore = [1, 2, 3, 4, 5, 6, 7].map(perDay);
    expect(perDay(0)).toBeLessThanOrEqual(Math.max(...weekBefore) * 2);
  });

  it("carries the last 30 days of Stripe events, in time order, about existing records", () => {
    const events = p.stripe.events ?? [];
    expect(events.length).toBeGreaterThan(1000);
    const ids = new Set([...p.stripe.subscriptions, ...p.stripe.invoices, ...p.stripe.charges].map((x) => x.id));
    let prev = 0;
    for (const e of events) {
      expect(e.created).toBeGreaterThanOrEqual(NOW_S - 30 * 86400);
      expect(e.created).toBeLessThanOrEqual(NOW_S);
      expect(e.created).toBeGreaterThanOrEqual(prev);
      prev = e.created;
      expect(ids.has(String(e.data.object.id))).toBe(true);
    }
    const types = new Set(events.map((e) => e.type));
    for (const t of ["invoice.payment_failed", "charge.failed", "invoice.paid", "customer.subscription.deleted"]) expect(types.has(t)).toBe(true);
    // A failed-payment event is about an invoice that has a failed charge at the same second.
    const failedAt = new Set(p.stripe.charges.filter((c) => c.status === "failed").map((c) => `${c.customer}:${c.created}`));
    for (const e of events.filter((x) => x.type === "invoice.payment_failed")) expect(failedAt.has(`${e.data.object.customer}:${e.created}`)).toBe(true);
  });

  it("ships every identity-resolution case, and the records really look the way the ground truth says", () => {
    const gt = p.groundTruth!;
    const c = gt.counts;
    expect(c.domain_same_name).toBeGreaterThan(350);
    expect(c.domain_different_name).toBeGreaterThanOrEqual(30);
    expect(c.name_only).toBeGreaterThanOrEqual(15);
    expect(c.metadata_link).toBeGreaterThanOrEqual(10);
    expect(c.stripe_only).toBeGreaterThanOrEqual(10);
    expect(c.hubspot_only).toBeGreaterThanOrEqual(10);
    expect(c.ambiguous_domain).toBe(2);
    const companies = new Map(p.hubspot.companies.map((x) => [x.id, x]));
    const customers = new Map(p.stripe.customers.map((x) => [x.id, x]));
    const byDomain = new Map<string, string[]>();
    for (const co of p.hubspot.companies) byDomain.set(co.properties.domain!, [...(byDomain.get(co.properties.domain!) ?? []), co.id]);
    for (const a of gt.accounts) {
      const co = a.hubspotCompanyId ? companies.get(a.hubspotCompanyId) : undefined;
      const cu = a.stripeCustomerId ? customers.get(a.stripeCustomerId) : undefined;
      if (a.hubspotCompanyId) expect(co).toBeDefined();
      if (a.stripeCustomerId) expect(cu).toBeDefined();
      const cuDomain = cu ? companyEmailDomain(cu.email) : null;
      switch (a.category) {
        case "domain_same_name":
          expect(cuDomain).toBe(co!.properties.domain);
          expect(cu!.name).toBe(co!.properties.name);
          expect(byDomain.get(cuDomain!)).toEqual([co!.id]);
          break;
        case "domain_different_name":
          expect(cuDomain).toBe(co!.properties.domain);
          expect(cu!.name).not.toBe(co!.properties.name);
          break;
        case "name_only":
          expect(cuDomain).toBeNull(); // free-mail
          expect(emailDomain(cu!.email)).not.toBeNull();
          expect(companyNameKey(cu!.name)).toBe(companyNameKey(co!.properties.name));
          expect(cu!.metadata?.hubspot_company_id).toBeUndefined();
          break;
        case "metadata_link":
          expect(cuDomain).toBeNull();
          expect(companyNameKey(cu!.name)).not.toBe(companyNameKey(co!.properties.name));
          expect(cu!.metadata?.hubspot_company_id).toBe(co!.id);
          break;
        case "ambiguous_domain":
          expect(a.candidateCompanyIds).toHaveLength(2);
          expect(byDomain.get(cuDomain!)!.sort()).toEqual([...a.candidateCompanyIds!].sort());
          break;
        case "stripe_only":
          expect(co).toBeUndefined();
          expect(byDomain.has(cuDomain!)).toBe(false);
          break;
        case "hubspot_only":
          expect(cu).toBeUndefined();
          break;
      }
    }
    // Name variants include ones that survive normalisation (domain must win) and ones that do not.
    const variants = gt.accounts.filter((a) => a.category === "domain_different_name");
    const sameKey = variants.filter((a) => companyNameKey(customers.get(a.stripeCustomerId!)!.name) === companyNameKey(companies.get(a.hubspotCompanyId!)!.properties.name));
    expect(sameKey.length).toBeGreaterThan(0);
    expect(sameKey.length).toBeLessThan(variants.length);
  });
});
