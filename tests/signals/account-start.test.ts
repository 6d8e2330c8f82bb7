/**
 * Issue 6 follow-up: signals (and so scores) only for the days an account existed, and failed-payment
 * counts over the whole backfill when the Stripe charge history covers it.
 *
 * The account's start is the earliest of customerSince, its subscriptions' start/created, its Stripe
 * customer's created time and its HubSpot company's createdate; days before it get no row. The charge
 * coverage of a Stripe connection is min(first full charges sync − lookback days, earliest charge),
 * the lookback being the connection's stored `chargesLookbackDays`, else 395.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import { stripeSettings } from "@/lib/connectors/stripe/connection";
import { backfillSignals } from "@/lib/signals/backfill-signals";
import { computeSignalsForDay, type SignalRow } from "@/lib/signals/compute-signals";
import { DEFAULT_CHARGE_HISTORY_DAYS } from "@/lib/signals/load-account-history";
import { scoreHistory } from "@/lib/scoring/run-scoring";
import { createTestDb, type TestDb } from "../helpers/db";
import { AS_OF, d } from "./fixtures";

const DAY = 86_400_000;
/** Midnight UTC `n` days before AS_OF (2026-11-20), plus `hours`. */
const ago = (n: number, hours = 0): Date => new Date(AS_OF.getTime() - n * DAY + hours * 3_600_000);

let t: TestDb;
let ids: Record<"newAcc" | "hubFirst" | "createdProp" | "noStart" | "veteran" | "recent" | "late", string>;
let orgs: Record<"a" | "b" | "c", string>;

async function org(db: Db, name: string): Promise<string> {
  return (await db.organization.create({ data: { name, slug: `${name.toLowerCase().replace(/\W/g, "-")}-${Math.random().toString(36).slice(2)}` } })).id;
}

/** A Stripe account with one active $100/month subscription (and its customer source record). */
async function stripeAccount(
  db: Db,
  p: { orgId: string; connectionId: string; name: string; customerSince?: Date; subStart: Date; customerCreated?: Date | null; customerProps?: Record<string, unknown> },
): Promise<string> {
  const acc = await db.account.create({ data: { organizationId: p.orgId, name: p.name, customerSince: p.customerSince ?? null } });
  const cus = `cus_${p.name}`;
  await db.sourceRecord.create({
    data: {
      organizationId: p.orgId, connectionId: p.connectionId, objectType: "customer", externalId: cus, accountId: acc.id,
      properties: { currency: "usd", ...p.customerProps }, sourceCreatedAt: p.customerCreated ?? null,
    },
  });
  await db.subscription.create({
    data: {
      organizationId: p.orgId, connectionId: p.connectionId, customerExternalId: cus, accountId: acc.id, externalId: `sub_${p.name}`,
      status: "active", currency: "usd", startDate: p.subStart, sourceCreatedAt: p.subStart, currentPeriodEnd: d("2026-12-11T10:00:00Z"),
      collectionMethod: "charge_automatically",
      items: { create: [{ externalId: `si_${p.name}`, productId: "prod_p", productName: "Plan", unitAmountCents: 10000, quantity: 1, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd" }] },
    },
  });
  return acc.id;
}

async function charge(db: Db, p: { orgId: string; connectionId: string; accountId: string; id: string; status: "succeeded" | "failed"; at: Date }) {
  await db.charge.create({
    data: {
      organizationId: p.orgId, connectionId: p.connectionId, accountId: p.accountId, externalId: p.id, customerExternalId: "cus_x",
      status: p.status, amountCents: 10000, currency: "usd", paymentMethodType: "card", sourceCreatedAt: p.at,
    },
  });
}

beforeAll(async () => {
  t = await createTestDb();
  const db = t.db;
  orgs = { a: await org(db, "Start Co"), b: await org(db, "Coverage Co"), c: await org(db, "Late Sync Co") };

  // ── Org A: first full sync today (connection created AS_OF), no stored lookback → 395 days ──
  const hs = await db.connection.create({ data: { organizationId: orgs.a, provider: "hubspot", externalAccountId: "portal-a", displayName: "HubSpot", lastSyncAt: AS_OF, createdAt: AS_OF } });
  const st = await db.connection.create({ data: { organizationId: orgs.a, provider: "stripe", externalAccountId: "acct_a", displayName: "Stripe", lastSyncAt: AS_OF, createdAt: AS_OF } });
  const A = { orgId: orgs.a, connectionId: st.id };
  // first subscription started 40 days ago (2026-10-11 10:00): customer created at the same time
  const newAcc = await stripeAccount(db, { ...A, name: "New", subStart: ago(40, 10), customerCreated: ago(40, 10) });
  // an older incomplete_expired signup attempt never made the customer exist
  await db.subscription.create({
    data: {
      organizationId: orgs.a, connectionId: st.id, customerExternalId: "cus_New", accountId: newAcc, externalId: "sub_New_incomplete",
      status: "incomplete_expired", currency: "usd", startDate: ago(80), sourceCreatedAt: ago(80),
    },
  });
  // HubSpot company created 100 days ago (2026-08-12), the subscription only 40 days ago
  const hubFirst = await stripeAccount(db, { ...A, name: "HubFirst", subStart: ago(40, 10), customerCreated: ago(40, 9) });
  await db.sourceRecord.create({ data: { organizationId: orgs.a, connectionId: hs.id, objectType: "company", externalId: "c-hubfirst", accountId: hubFirst, sourceCreatedAt: ago(100, 14) } });
  // Stripe customer known only by its `created` property (epoch seconds): 2026-09-21 12:00 = 60 days ago
  const createdProp = await stripeAccount(db, { ...A, name: "CreatedProp", subStart: ago(30), customerProps: { created: ago(60, 12).getTime() / 1000 } });
  // HubSpot company without any creation date: nothing tells when it began
  const noStart = (await db.account.create({ data: { organizationId: orgs.a, name: "NoStart" } })).id;
  await db.sourceRecord.create({ data: { organizationId: orgs.a, connectionId: hs.id, objectType: "company", externalId: "c-nostart", accountId: noStart } });
  // customer for years, charges over the last 395 days: a payment every 31 days and one failed charge 205 days ago
  const veteran = await stripeAccount(db, { ...A, name: "Veteran", customerSince: d("2024-01-01"), subStart: d("2024-01-01T10:00:00Z"), customerCreated: d("2024-01-01T10:00:00Z") });
  for (let n = 394, i = 0; n >= 0; n -= 31, i++) await charge(db, { ...A, accountId: veteran, id: `ch_v${i}`, status: "succeeded", at: ago(n, 10) });
  await charge(db, { ...A, accountId: veteran, id: "ch_vfail", status: "failed", at: ago(205, 12) });

  // ── Org B: no stored lookback, first sync today, only one recent charge → coverage from the 395-day default ──
  const stB = await db.connection.create({ data: { organizationId: orgs.b, provider: "stripe", externalAccountId: "acct_b", displayName: "Stripe", lastSyncAt: AS_OF, createdAt: AS_OF } });
  const recent = await stripeAccount(db, { orgId: orgs.b, connectionId: stB.id, name: "Recent", customerSince: d("2024-01-01"), subStart: d("2024-01-01") });
  await charge(db, { orgId: orgs.b, connectionId: stB.id, accountId: recent, id: "ch_r", status: "failed", at: ago(5) });

  // ── Org C: lookback 90 stored; connection created 60 days ago but its first FULL charges sync ran today ──
  const stC = await db.connection.create({
    data: { organizationId: orgs.c, provider: "stripe", externalAccountId: "acct_c", displayName: "Stripe", lastSyncAt: AS_OF, createdAt: ago(60), settings: { chargesLookbackDays: 90 } },
  });
  await db.syncRun.createMany({
    data: [
      { organizationId: orgs.c, connectionId: stC.id, objectType: "charges", mode: "incremental", status: "succeeded", startedAt: ago(59) },
      { organizationId: orgs.c, connectionId: stC.id, objectType: "customers", mode: "full", status: "succeeded", startedAt: ago(58) },
      { organizationId: orgs.c, connectionId: stC.id, objectType: "charges", mode: "full", status: "succeeded", startedAt: AS_OF },
      { organizationId: orgs.c, connectionId: stC.id, objectType: "charges", mode: "full", status: "succeeded", startedAt: ago(-1) },
    ],
  });
  const late = await stripeAccount(db, { orgId: orgs.c, connectionId: stC.id, name: "Late", customerSince: d("2024-01-01"), subStart: d("2024-01-01") });
  await charge(db, { orgId: orgs.c, connectionId: stC.id, accountId: late, id: "ch_l", status: "succeeded", at: ago(5) });

  ids = { newAcc, hubFirst, createdProp, noStart, veteran, recent, late };
});
afterAll(() => t?.cleanup());

async function on(orgId: string, day: Date, accountId: string, extra: { chargeHistoryDays?: number } = {}): Promise<SignalRow | undefined> {
  const rows = await computeSignalsForDay(t.db, { organizationId: orgId, day, accountIds: [accountId], ...extra });
  return rows[0];
}

describe("rows only from the account's start", () => {
  it("an account whose first subscription started 40 days ago has 41 backfilled rows (start day … asOf) and its first score day is its start day", async () => {
    const res = await backfillSignals(t.db, { organizationId: orgs.a, asOf: AS_OF });
    // New 41 + HubFirst 101 + CreatedProp 61 + NoStart 365 + Veteran 365
    expect(res).toMatchObject({ accounts: 5, rows: 41 + 101 + 61 + 365 + 365, days: 365 });
    const rows = await t.db.accountSignalDaily.findMany({ where: { accountId: ids.newAcc }, orderBy: { day: "asc" } });
    expect(rows).toHaveLength(41);
    expect(rows[0]!.day).toEqual(d("2026-10-11"));
    expect(rows.at(-1)!.day).toEqual(AS_OF);
    expect(rows.map((r) => r.tenureDays)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(rows[0]).toMatchObject({ mrrCents: 10000, mrrChange30dCents: 10000 });

    // through the real scoring code: scores exist exactly on the signal days
    const h = await scoreHistory(t.db, { organizationId: orgs.a, from: ago(364), to: AS_OF, now: AS_OF });
    expect(h).toMatchObject({ accounts: 5, scores: res.rows });
    const scores = await t.db.churnScoreDaily.findMany({ where: { accountId: ids.newAcc }, orderBy: { day: "asc" }, select: { day: true } });
    expect(scores).toHaveLength(41);
    expect(scores[0]!.day).toEqual(d("2026-10-11"));
    expect(scores.at(-1)!.day).toEqual(AS_OF);
    const firstScore = await t.db.churnScoreDaily.findFirstOrThrow({ where: { accountId: ids.hubFirst }, orderBy: { day: "asc" } });
    expect(firstScore.day).toEqual(d("2026-08-12"));
  });

  it("the start is the earliest of company createdate, customer created (column or `created` property) and subscriptions", async () => {
    const first = async (accountId: string) =>
      (await t.db.accountSignalDaily.findFirstOrThrow({ where: { accountId }, orderBy: { day: "asc" } })).day;
    // HubSpot company created 2026-08-12 14:00 → 101 rows, tenure 100 on asOf
    expect(await first(ids.hubFirst)).toEqual(d("2026-08-12"));
    expect(await t.db.accountSignalDaily.count({ where: { accountId: ids.hubFirst } })).toBe(101);
    expect((await on(orgs.a, AS_OF, ids.hubFirst))!.tenureDays).toBe(100);
    // before its subscription the account has MRR 0 (it exists, it does not pay yet)
    expect((await on(orgs.a, ago(50), ids.hubFirst))!).toMatchObject({ mrrCents: 0, tenureDays: 50 });
    // Stripe customer `created` property 2026-09-21 12:00 → 61 rows
    expect(await first(ids.createdProp)).toEqual(d("2026-09-21"));
    expect(await t.db.accountSignalDaily.count({ where: { accountId: ids.createdProp } })).toBe(61);
    // the incomplete_expired subscription 80 days ago does not make "New" older
    expect(await on(orgs.a, ago(41), ids.newAcc)).toBeUndefined();
    expect(await on(orgs.a, ago(40), ids.newAcc)).toBeDefined();
  });

  it("an account with no known start keeps every day (tenure NULL)", async () => {
    const rows = await t.db.accountSignalDaily.findMany({ where: { accountId: ids.noStart }, orderBy: { day: "asc" } });
    expect(rows).toHaveLength(365);
    expect(rows[0]!.day).toEqual(ago(364));
    expect(rows.every((r) => r.tenureDays === null)).toBe(true);
  });
});

describe("charge coverage over the whole backfill", () => {
  it("the signal side assumes the lookback the Stripe connector actually uses when none is stored (395 days)", () => {
    expect(DEFAULT_CHARGE_HISTORY_DAYS).toBe(395);
    expect(stripeSettings({}).chargesLookbackDays).toBe(DEFAULT_CHARGE_HISTORY_DAYS);
  });

  it("with charges spanning 395 days, a day 200 days back has a non-NULL failedPayments30d (the failed charge of day −205)", async () => {
    const row = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: ids.veteran, day: ago(200) } } });
    expect(row.failedPayments30d).toBe(1);
    // every backfilled day of this account has its payment signals, the first one included
    const rows = await t.db.accountSignalDaily.findMany({ where: { accountId: ids.veteran }, orderBy: { day: "asc" } });
    expect(rows).toHaveLength(365);
    expect(rows.filter((r) => r.failedPayments30d === null || r.daysSinceLastPayment === null)).toEqual([]);
    // first day 2025-11-21 (−364): window −393 … −364 holds no failed charge; last payment −394 → 30 days
    expect(rows[0]).toMatchObject({ day: ago(364), failedPayments30d: 0, daysSinceLastPayment: 30 });
    // the failed charge leaves the 30-day window after day −176
    expect(rows.find((r) => r.day.getTime() === ago(176).getTime())!.failedPayments30d).toBe(1);
    expect(rows.find((r) => r.day.getTime() === ago(175).getTime())!.failedPayments30d).toBe(0);
  });

  it("no stored lookback: 395 days of coverage from the first sync even with one recent charge; NULL (never 0) beyond it", async () => {
    expect((await on(orgs.b, ago(200), ids.recent))!.failedPayments30d).toBe(0);
    // window of day −366 starts at −395 (covered); day −367's window starts at −396 (not covered)
    expect((await on(orgs.b, ago(366), ids.recent))!.failedPayments30d).toBe(0);
    expect((await on(orgs.b, ago(367), ids.recent))!.failedPayments30d).toBeNull();
    expect((await on(orgs.b, AS_OF, ids.recent))!.failedPayments30d).toBe(1);
    // an explicit chargeHistoryDays overrides the default
    expect((await on(orgs.b, ago(200), ids.recent, { chargeHistoryDays: 30 }))!.failedPayments30d).toBeNull();
  });

  it("stored chargesLookbackDays counts from the first FULL charges sync, not from the connection's creation", async () => {
    // first full charges sync today, lookback 90 → covered from −90: day −61's window starts at −90
    expect((await on(orgs.c, ago(61), ids.late))!.failedPayments30d).toBe(0);
    expect((await on(orgs.c, ago(62), ids.late))!.failedPayments30d).toBeNull();
    // daysSinceLastPayment is not a windowed count: NULL only because no payment was known then
    expect((await on(orgs.c, ago(62), ids.late))!.daysSinceLastPayment).toBeNull();
    expect((await on(orgs.c, AS_OF, ids.late))!.daysSinceLastPayment).toBe(5);
  });
});
