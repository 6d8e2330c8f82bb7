/**
 * When the post-sync pipeline rebuilds the 365-day history: on the organization's first sync, and again when a
 * source is connected later (its first full sync brings history that reshapes past days) — not after every
 * weekly reconciliation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { needsBackfill } from "@/lib/pipeline/refresh-organization";

let t: TestDb;
let org: string;

beforeAll(async () => {
  t = await createTestDb();
  org = (await t.db.organization.create({ data: { name: "Backfill", slug: "needs-backfill" } })).id;
});
afterAll(async () => t?.cleanup());

const at = (iso: string) => new Date(iso);

async function connection(provider: "hubspot" | "stripe", id: string) {
  return (await t.db.connection.create({ data: { organizationId: org, provider, externalAccountId: id, displayName: id } })).id;
}

async function fullRun(connectionId: string, completedAt: string, status: "succeeded" | "failed" = "succeeded") {
  await t.db.syncRun.create({ data: { organizationId: org, connectionId, objectType: "companies", mode: "full", status, startedAt: at(completedAt), completedAt: at(completedAt) } });
}

async function backfillRowComputedAt(iso: string) {
  const account = await t.db.account.create({ data: { organizationId: org, name: `A ${iso}` } });
  await t.db.accountSignalDaily.create({ data: { organizationId: org, accountId: account.id, day: at("2026-11-01T00:00:00Z"), isBackfill: true, computedAt: at(iso) } });
}

describe("needsBackfill", () => {
  it("is true before any backfill, false after one, and true again when a source's FIRST full sync lands later", async () => {
    const hubspot = await connection("hubspot", "portal-1");
    await fullRun(hubspot, "2026-11-10T10:00:00Z");
    expect(await needsBackfill(t.db, org)).toBe(true);

    await backfillRowComputedAt("2026-11-10T10:05:00Z");
    expect(await needsBackfill(t.db, org)).toBe(false);

    // A weekly reconciliation (a later full sync of the same connection) does not rebuild history.
    await fullRun(hubspot, "2026-11-17T10:00:00Z");
    expect(await needsBackfill(t.db, org)).toBe(false);

    // A failed first attempt of a new connection does not count; its first successful full sync does.
    const stripe = await connection("stripe", "acct_1");
    await fullRun(stripe, "2026-11-18T09:00:00Z", "failed");
    expect(await needsBackfill(t.db, org)).toBe(false);
    await fullRun(stripe, "2026-11-18T10:00:00Z");
    expect(await needsBackfill(t.db, org)).toBe(true);

    await backfillRowComputedAt("2026-11-18T10:02:00Z");
    expect(await needsBackfill(t.db, org)).toBe(false);
  });
});
