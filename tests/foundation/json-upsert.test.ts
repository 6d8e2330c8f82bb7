/**
 * lib/db/json-upsert.ts on the real database (SQLite by default, PostgreSQL with CHURNWATCH_TEST_DB=postgres):
 * the bulk upsert every connector page goes through must never duplicate, never let older data overwrite newer,
 * keep what an optional column did not say, and read back exactly through Prisma.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { defineJsonUpsert } from "@/lib/db/json-upsert";

const CHARGES = defineJsonUpsert({
  table: "Charge",
  columns: {
    organizationId: "text", connectionId: "text", externalId: "text", customerExternalId: "text", invoiceExternalId: "text",
    status: "text", amountCents: "integer", amountRefundedCents: "integer", currency: "text", failureCode: "text",
    failureMessage: "text", paymentMethodType: "text", sourceCreatedAt: "timestamp", sourceVersionAt: "timestamp",
  },
  conflict: ["connectionId", "externalId"],
  insertOnly: ["organizationId"],
  optional: ["paymentMethodType"],
  version: "sourceVersionAt",
  touch: { column: "updatedAt", when: "onChange" },
  returning: ["externalId"],
});

const RECORDS = defineJsonUpsert({
  table: "SourceRecord",
  columns: { organizationId: "text", connectionId: "text", objectType: "text", externalId: "text", name: "text", properties: "json", archivedAt: "timestamp" },
  conflict: ["connectionId", "objectType", "externalId"],
  touch: { column: "updatedAt", when: "always" },
  createdAt: true,
});

let t: TestDb;
let org: string;
let conn: string;

beforeAll(async () => {
  t = await createTestDb();
  org = (await t.db.organization.create({ data: { name: "Upsert", slug: "upsert" } })).id;
  conn = (await t.db.connection.create({ data: { organizationId: org, provider: "stripe", externalAccountId: "acct_1", displayName: "S" } })).id;
});
afterAll(async () => t?.cleanup());

const charge = (id: string, over: Record<string, unknown> = {}) => ({
  organizationId: org, connectionId: conn, externalId: id, customerExternalId: "cus_1", invoiceExternalId: null, status: "succeeded",
  amountCents: 1000, amountRefundedCents: 0, currency: "usd", failureCode: null, failureMessage: null, paymentMethodType: "card",
  sourceCreatedAt: new Date("2026-10-01T12:00:00Z"), sourceVersionAt: new Date("2026-11-01T00:00:00Z"), ...over,
});

describe("defineJsonUpsert", () => {
  it("inserts new rows, updates existing ones on the unique key, and never duplicates", async () => {
    const first = await CHARGES.run(t.db, [charge("ch_1"), charge("ch_2", { status: "failed", failureCode: "card_declined" })]);
    expect(first.map((r) => r.externalId).sort()).toEqual(["ch_1", "ch_2"]);
    await CHARGES.run(t.db, [charge("ch_1", { amountRefundedCents: 250 }), charge("ch_3")]);
    const rows = await t.db.charge.findMany({ where: { connectionId: conn }, orderBy: { externalId: "asc" } });
    expect(rows.map((r) => r.externalId)).toEqual(["ch_1", "ch_2", "ch_3"]);
    expect(rows[0]!.amountRefundedCents).toBe(250);
    expect(rows[1]).toMatchObject({ status: "failed", failureCode: "card_declined", amountCents: 1000 });
    // Dates round-trip exactly through Prisma (same stored format).
    expect(rows[0]!.sourceCreatedAt.toISOString()).toBe("2026-10-01T12:00:00.000Z");
    // Prisma range filters still match the rows written by raw SQL.
    expect(await t.db.charge.count({ where: { connectionId: conn, sourceCreatedAt: { gte: new Date("2026-10-01T00:00:00Z") } } })).toBe(3);
  });

  it("with onlyIfNewer, leaves a row alone when the stored version is newer, and the version never goes back", async () => {
    await CHARGES.run(t.db, [charge("ch_v", { status: "succeeded", sourceVersionAt: new Date("2026-11-10T00:00:00Z") })]);
    const stale = await CHARGES.run(t.db, [charge("ch_v", { status: "failed", sourceVersionAt: new Date("2026-11-05T00:00:00Z") })], { onlyIfNewer: true });
    expect(stale).toEqual([]);
    let row = await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_v" } });
    expect(row.status).toBe("succeeded");
    // Without onlyIfNewer (a full listing) the data is written but the version stays the newer one.
    await CHARGES.run(t.db, [charge("ch_v", { status: "pending", sourceVersionAt: new Date("2026-11-05T00:00:00Z") })]);
    row = await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_v" } });
    expect(row.status).toBe("pending");
    expect(row.sourceVersionAt!.toISOString()).toBe("2026-11-10T00:00:00.000Z");
  });

  it("keeps the stored value of an optional column the incoming row leaves undefined, and takes an explicit null", async () => {
    await CHARGES.run(t.db, [charge("ch_o", { paymentMethodType: "sepa_debit" })]);
    await CHARGES.run(t.db, [charge("ch_o", { paymentMethodType: undefined, status: "failed" })]);
    let row = await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_o" } });
    expect(row).toMatchObject({ paymentMethodType: "sepa_debit", status: "failed" });
    await CHARGES.run(t.db, [charge("ch_o", { paymentMethodType: null, status: "failed" })]);
    row = await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_o" } });
    expect(row.paymentMethodType).toBeNull();
  });

  it("touches updatedAt only when a value changed (onChange) and on every write (always)", async () => {
    await CHARGES.run(t.db, [charge("ch_t")]);
    const a = await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_t" } });
    await new Promise((r) => setTimeout(r, 20));
    await CHARGES.run(t.db, [charge("ch_t")]);
    const b = await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_t" } });
    expect(b.updatedAt.getTime()).toBe(a.updatedAt.getTime());
    await new Promise((r) => setTimeout(r, 20));
    await CHARGES.run(t.db, [charge("ch_t", { amountCents: 2000 })]);
    const c = await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_t" } });
    expect(c.updatedAt.getTime()).toBeGreaterThan(b.updatedAt.getTime());

    const rec = { organizationId: org, connectionId: conn, objectType: "customer", externalId: "cus_9", name: "Acme", properties: { metadata: { a: "1" } }, archivedAt: null };
    await RECORDS.run(t.db, [rec]);
    const r1 = await t.db.sourceRecord.findFirstOrThrow({ where: { connectionId: conn, externalId: "cus_9" } });
    await new Promise((r) => setTimeout(r, 20));
    await RECORDS.run(t.db, [rec]);
    const r2 = await t.db.sourceRecord.findFirstOrThrow({ where: { connectionId: conn, externalId: "cus_9" } });
    expect(r2.updatedAt.getTime()).toBeGreaterThan(r1.updatedAt.getTime());
    expect(r2.createdAt.getTime()).toBe(r1.createdAt.getTime());
    expect(r2.properties).toEqual({ metadata: { a: "1" } });
    expect(r2.isManual).toBe(false); // database default for a column the upsert does not write
  });

  it("keeps the last of duplicate keys in one call and runs inside a transaction (rolled back on error)", async () => {
    await CHARGES.run(t.db, [charge("ch_d", { amountCents: 1 }), charge("ch_d", { amountCents: 2 })]);
    expect((await t.db.charge.findFirstOrThrow({ where: { connectionId: conn, externalId: "ch_d" } })).amountCents).toBe(2);
    await expect(
      t.db.$transaction(async (tx) => {
        await CHARGES.run(tx, [charge("ch_rollback")]);
        await CHARGES.run(tx, [charge("ch_bad", { status: null })]); // NOT NULL violation
      }),
    ).rejects.toThrow();
    expect(await t.db.charge.count({ where: { connectionId: conn, externalId: { in: ["ch_rollback", "ch_bad"] } } })).toBe(0);
  });
});
