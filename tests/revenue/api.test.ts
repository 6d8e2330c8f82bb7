/**
 * Revenue API (issue 17): currencies are never added (per-currency series until a reporting currency AND a rate
 * for every currency exist), rates from CSV or JSON (admin only; bad CSV names the line, stores nothing), the
 * renewal forecast weighted by the latest churn probability, CSV exports, and two organizations that never see
 * each other's figures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type Session } from "@/tests/helpers/api";
import { GET as overviewGET } from "@/app/api/revenue/route";
import { GET as movementsGET } from "@/app/api/revenue/movements/route";
import { GET as forecastGET } from "@/app/api/revenue/forecast/route";
import { GET as cohortsGET } from "@/app/api/revenue/cohorts/route";
import { GET as settingsGET, PUT as settingsPUT } from "@/app/api/revenue/settings/route";
import { POST as ratesPOST } from "@/app/api/revenue/rates/route";
import type { Db } from "@/lib/db";
import { updateRevenueMovements } from "@/lib/revenue/build-movements";

let app: Awaited<ReturnType<typeof createApiHarness>>;
let db: Db;
let admin: Session;
let csm: Session;
let otherAdmin: Session;
let orgB: string;
let accUsd: string;
let accEur: string;
const DAY = 86_400_000;
const now = Date.now();

async function account(organizationId: string, name: string) {
  return (await db.account.create({ data: { organizationId, name } })).id;
}

async function subscription(organizationId: string, accountId: string, ext: string, o: { currency: string; unit: number; qty: number; startDaysAgo: number; periodEndInDays: number; cancelAtPeriodEnd?: boolean }) {
  await db.subscription.create({
    data: {
      organizationId, connectionId: `conn-${organizationId}`, externalId: ext, accountId, customerExternalId: `cus_${ext}`, status: "active",
      currency: o.currency, mrrCents: o.unit * o.qty, startDate: new Date(now - o.startDaysAgo * DAY), sourceCreatedAt: new Date(now - o.startDaysAgo * DAY),
      currentPeriodEnd: new Date(now + o.periodEndInDays * DAY), cancelAtPeriodEnd: o.cancelAtPeriodEnd ?? false,
      items: { create: [{ externalId: `si_${ext}`, priceId: `price_${o.currency}`, unitAmountCents: o.unit, currency: o.currency, quantity: o.qty, interval: "month", intervalCount: 1 }] },
    },
  });
}

beforeAll(async () => {
  app = await createApiHarness();
  db = app.db;
  admin = await app.signIn("admin");
  csm = await app.signIn("csm");
  orgB = (await db.organization.create({ data: { name: "Other Org", slug: `other-${Date.now()}` } })).id;
  otherAdmin = await app.signIn("admin", orgB);
  accUsd = await account(app.org.id, "Dollar Corp");
  accEur = await account(app.org.id, "Euro GmbH");
  const accCancel = await account(app.org.id, "Leaving Inc");
  await subscription(app.org.id, accUsd, "sub_usd", { currency: "usd", unit: 10_000, qty: 3, startDaysAgo: 200, periodEndInDays: 20 });
  await subscription(app.org.id, accEur, "sub_eur", { currency: "eur", unit: 5_000, qty: 2, startDaysAgo: 100, periodEndInDays: 40 });
  await subscription(app.org.id, accCancel, "sub_cancel", { currency: "usd", unit: 2_000, qty: 1, startDaysAgo: 50, periodEndInDays: 10, cancelAtPeriodEnd: true });
  await db.churnScoreDaily.create({
    data: { organizationId: app.org.id, accountId: accUsd, day: new Date(Math.floor(now / DAY) * DAY - DAY), healthScore: 60, churnProbability: 0.9, factors: [], scoringConfigVersion: 1 },
  });
  await db.churnScoreDaily.create({
    data: { organizationId: app.org.id, accountId: accUsd, day: new Date(Math.floor(now / DAY) * DAY), healthScore: 70, churnProbability: 0.25, factors: [], scoringConfigVersion: 1 },
  });
  // Organization B: one big account in usd.
  const accB = await account(orgB, "Other Org Customer");
  await subscription(orgB, accB, "sub_b", { currency: "usd", unit: 99_900, qty: 10, startDaysAgo: 300, periodEndInDays: 5 });
}, 60_000);
afterAll(async () => app?.cleanup());

/** What revenue-movements-job does after a sync (reads never build; tests/revenue/build-job.test.ts). */
async function build() {
  await updateRevenueMovements(db, { organizationId: app.org.id });
  await updateRevenueMovements(db, { organizationId: orgB });
}

describe("GET /api/revenue", () => {
  it("shows one series per currency and never adds usd and eur", async () => {
    await build();
    const r = await app.call(overviewGET, "/api/revenue", { as: csm });
    expect(r.status).toBe(200);
    expect(r.json.mode).toBe("per_currency");
    const byCur = Object.fromEntries(r.json.series.map((s: { currency: string; current_mrr_cents: number }) => [s.currency, s.current_mrr_cents]));
    expect(byCur).toEqual({ usd: 32_000, eur: 10_000 });
  });

  it("organization B sees only its own figures, and not A's accounts' movements", async () => {
    const r = await app.call(overviewGET, "/api/revenue", { as: otherAdmin });
    expect(r.json.series.map((s: { currency: string; current_mrr_cents: number }) => [s.currency, s.current_mrr_cents])).toEqual([["usd", 999_000]]);
    const m = await app.call(movementsGET, `/api/revenue/movements?account_id=${accUsd}`, { as: otherAdmin });
    expect(m.status).toBe(404);
  });

  it("converts to the reporting currency only when every currency has a rate", async () => {
    expect((await app.call(settingsPUT, "/api/revenue/settings", { as: csm, method: "PUT", body: { reporting_currency: "usd" } })).status).toBe(403);
    const put = await app.call(settingsPUT, "/api/revenue/settings", { as: admin, method: "PUT", body: { reporting_currency: "USD" } });
    expect(put.status).toBe(200);
    expect(put.json.reporting_currency).toBe("usd");
    await build();
    let r = await app.call(overviewGET, "/api/revenue", { as: csm });
    expect(r.json.mode).toBe("per_currency");
    expect(r.json.unconverted_currencies).toEqual(["eur"]);

    const bad = await app.call(ratesPOST, "/api/revenue/rates", { as: admin, body: { csv: "day,currency,rate\n2026-01-01,eur,1.1\n2026-01-02,eur,abc\n" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain("line 3");
    expect(await db.exchangeRate.count({ where: { organizationId: app.org.id } })).toBe(0);
    expect((await app.call(ratesPOST, "/api/revenue/rates", { as: csm, body: { csv: "day,currency,rate\n2026-01-01,eur,1.1\n" } })).status).toBe(403);

    const day = new Date(now - 400 * DAY).toISOString().slice(0, 10);
    const ok = await app.call(ratesPOST, "/api/revenue/rates", { as: admin, body: { csv: `day,currency,rate\n${day},eur,1.1\n` } });
    expect(ok.status).toBe(200);
    expect(ok.json.stored).toBe(1);
    await build();
    r = await app.call(overviewGET, "/api/revenue", { as: csm });
    expect(r.json.mode).toBe("reporting");
    // 30,000 + 2,000 usd + 10,000 eur × 1.1 = 43,000 cents, in one series.
    expect(r.json.series.map((s: { currency: string; current_mrr_cents: number }) => [s.currency, s.current_mrr_cents])).toEqual([["usd", 43_000]]);
    const s = await app.call(settingsGET, "/api/revenue/settings", { as: csm });
    expect(s.json.rates).toEqual([expect.objectContaining({ currency: "eur", quote_currency: "usd", days: 1 })]);
    // Organization B is untouched by A's settings.
    const b = await app.call(overviewGET, "/api/revenue", { as: otherAdmin });
    expect(b.json.reporting_currency).toBeNull();
    await app.call(settingsPUT, "/api/revenue/settings", { as: admin, method: "PUT", body: { reporting_currency: null } });
    await build();
  });

  it("exports the bridge and the movements as CSV", async () => {
    const r = await app.call(overviewGET, "/api/revenue?format=csv", { as: csm });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/csv");
    const lines = r.text.trim().split("\r\n");
    expect(lines[0]).toMatch(/^currency,month,start_mrr_cents,new_cents/);
    expect(lines.some((l: string) => l.startsWith("eur,"))).toBe(true);
    const m = await app.call(movementsGET, "/api/revenue/movements?format=csv", { as: csm });
    expect(m.text).toContain("sub_usd started");
    expect(m.text).not.toContain("sub_b");
  });
});

describe("GET /api/revenue/forecast", () => {
  it("weights each renewal by the latest churn probability; a scheduled cancellation counts as lost", async () => {
    const r = await app.call(forecastGET, "/api/revenue/forecast", { as: csm });
    expect(r.status).toBe(200);
    const usd = r.json.totals.find((t: { currency: string }) => t.currency === "usd");
    // Dollar Corp: 30,000 × (1 − 0.25) retained; Leaving Inc: 2,000 lost (cancel at period end).
    expect(usd).toMatchObject({ renewals: 2, renewing_mrr_cents: 32_000, expected_retained_cents: 22_500, expected_loss_cents: 9_500 });
    expect(r.json.accounts[0]).toMatchObject({ account_name: "Dollar Corp", churn_probability: 0.25, expected_loss_cents: 7_500 });
    expect(r.json.accounts.map((a: { account_name: string }) => a.account_name)).not.toContain("Other Org Customer");
    const eur = r.json.totals.find((t: { currency: string }) => t.currency === "eur");
    expect(eur).toMatchObject({ renewals: 1, unscored: 1, expected_retained_cents: 10_000 });
  });

  it("pages the accounts with cursor (total = every renewing row); a malformed cursor is a 400", async () => {
    const all = await app.call(forecastGET, "/api/revenue/forecast", { as: csm });
    const p1 = await app.call(forecastGET, "/api/revenue/forecast?limit=1", { as: csm });
    expect(p1.json).toMatchObject({ total: all.json.accounts.length, next_cursor: "1" });
    const p2 = await app.call(forecastGET, "/api/revenue/forecast?limit=1&cursor=1", { as: csm });
    expect(p2.json.accounts.map((a: { account_id: string }) => a.account_id)).toEqual([all.json.accounts[1].account_id]);
    expect(p2.json.totals).toEqual(all.json.totals);
    const last = await app.call(forecastGET, `/api/revenue/forecast?limit=1&cursor=${all.json.accounts.length - 1}`, { as: csm });
    expect(last.json.next_cursor).toBeNull();
    expect((await app.call(forecastGET, "/api/revenue/forecast?cursor=-1", { as: csm })).status).toBe(400);
  });
});

describe("GET /api/revenue/cohorts", () => {
  it("lists each start month with its logos and revenue", async () => {
    const r = await app.call(cohortsGET, "/api/revenue/cohorts?cohorts=24", { as: csm });
    expect(r.status).toBe(200);
    const total = r.json.cohorts.filter((c: { currency: string }) => c.currency === "usd").reduce((a: number, c: { revenue_cents: number[] }) => a + c.revenue_cents[c.revenue_cents.length - 1]!, 0);
    expect(total).toBe(32_000);
  });
});

describe("incremental build", () => {
  it("recomputes only the changed organization's accounts: another organization's movements and summary are untouched", async () => {
    // The connector writes a first version with every subscription (these were inserted directly): give sub_usd one.
    const first = await db.subscription.findFirstOrThrow({ where: { organizationId: app.org.id, externalId: "sub_usd" }, include: { items: true } });
    const item = (quantity: number) => first.items.map((i) => ({ id: i.externalId, priceId: i.priceId, productId: null, productName: null, unitAmountCents: i.unitAmountCents, quantity, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd" }));
    await db.subscriptionVersion.create({ data: { organizationId: app.org.id, subscriptionId: first.id, effectiveAt: first.startDate, status: "active", currency: "usd", items: item(3), discounts: [], stateHash: "first" } });
    await build();
    const bBefore = await db.revenueMovement.findMany({ where: { organizationId: orgB }, orderBy: { id: "asc" } });
    const bSummary = (await db.revenueSettings.findUniqueOrThrow({ where: { organizationId: orgB } })).summary;
    // Dollar Corp adds a seat (a new observed version, as the connector writes after an event).
    await db.subscriptionVersion.create({ data: { organizationId: app.org.id, subscriptionId: first.id, effectiveAt: new Date(), status: "active", currency: "usd", items: item(4), discounts: [], stateHash: "seat-added" } });
    const r = await updateRevenueMovements(db, { organizationId: app.org.id });
    expect(r.mode).toBe("incremental");
    const ov = await app.call(overviewGET, "/api/revenue", { as: csm });
    expect(ov.json.series.find((x: { currency: string }) => x.currency === "usd").current_mrr_cents).toBe(42_000);
    expect(await db.revenueMovement.findMany({ where: { organizationId: orgB }, orderBy: { id: "asc" } })).toEqual(bBefore);
    expect((await db.revenueSettings.findUniqueOrThrow({ where: { organizationId: orgB } })).summary).toEqual(bSummary);
    const b = await app.call(overviewGET, "/api/revenue", { as: otherAdmin });
    expect(b.json.series.map((x: { currency: string; current_mrr_cents: number }) => [x.currency, x.current_mrr_cents])).toEqual([["usd", 999_000]]);
  });
});

describe("concurrent reads of a stale organization", () => {
  it("never build: they answer the last figures, ask for ONE build job, and leave the movements as they were", async () => {
    const before = await db.revenueMovement.findMany({ where: { organizationId: app.org.id }, select: { id: true }, orderBy: { id: "asc" } });
    await app.call(settingsPUT, "/api/revenue/settings", { as: admin, method: "PUT", body: { reporting_currency: "eur" } }); // stale
    const reads = await Promise.all([1, 2, 3, 4].map(() => app.call(overviewGET, "/api/revenue", { as: csm })));
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(r.json.build.state).toBe("queued");
      expect(r.json.reporting_currency).toBeNull(); // the last complete build's figures
    }
    expect(await db.job.count({ where: { name: "revenue-movements-job", organizationId: app.org.id, status: "queued" } })).toBe(1);
    const after = await db.revenueMovement.findMany({ where: { organizationId: app.org.id }, select: { id: true }, orderBy: { id: "asc" } });
    expect(after).toEqual(before);
    await app.call(settingsPUT, "/api/revenue/settings", { as: admin, method: "PUT", body: { reporting_currency: null } });
  });
});
