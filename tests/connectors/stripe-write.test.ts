/**
 * lib/connectors/stripe/write.ts against the real database: a subscription's items become exactly what Stripe
 * sent (a removed item disappears, a changed one is updated in place), an older event leaves items alone, and MRR
 * follows the items.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { writeSubscriptions, type WriteCtx } from "@/lib/connectors/stripe/write";
import type { SubscriptionItemRow, SubscriptionRow } from "@/lib/connectors/stripe/map";

let t: TestDb;
let ctx: WriteCtx;

beforeAll(async () => {
  t = await createTestDb();
  const org = await t.db.organization.create({ data: { name: "W", slug: "stripe-write" } });
  const conn = await t.db.connection.create({ data: { organizationId: org.id, provider: "stripe", externalAccountId: "acct_w", displayName: "S" } });
  ctx = { organizationId: org.id, connectionId: conn.id };
});
afterAll(async () => t?.cleanup());

const item = (id: string, unit: number, quantity = 1): SubscriptionItemRow => ({
  externalId: id, priceId: `price_${id}`, productId: `prod_${id}`, productName: `Plan ${id}`, unitAmountCents: unit, currency: "usd",
  quantity, interval: "month", intervalCount: 1, usageType: "licensed", currentPeriodStart: null, currentPeriodEnd: null,
});

const sub = (items: SubscriptionItemRow[], over: Partial<SubscriptionRow> = {}): SubscriptionRow => ({
  externalId: "sub_1", customerExternalId: "cus_1", status: "active", currency: "usd", cancelAtPeriodEnd: false, cancelAt: null,
  canceledAt: null, endedAt: null, startDate: new Date("2026-01-01T00:00:00Z"), trialStart: null, trialEnd: null,
  currentPeriodStart: null, currentPeriodEnd: null, collectionMethod: "charge_automatically", defaultPaymentMethodType: "card",
  discounts: [], metadata: {}, sourceCreatedAt: new Date("2026-01-01T00:00:00Z"), items, ...over,
});

const stored = () => t.db.subscription.findFirstOrThrow({ where: { connectionId: ctx.connectionId, externalId: "sub_1" }, include: { items: { orderBy: { externalId: "asc" } } } });

describe("writeSubscriptions", () => {
  it("replaces the items with exactly the incoming ones and recomputes MRR", async () => {
    const v1 = { at: new Date("2026-11-01T00:00:00Z"), onlyIfNewer: true };
    expect(await writeSubscriptions(t.db, ctx, [sub([item("a", 1000), item("b", 500, 2)])], v1)).toEqual({ written: 1, stale: 0 });
    let s = await stored();
    expect(s.items.map((i) => i.externalId)).toEqual(["a", "b"]);
    expect(s.mrrCents).toBe(2000);
    const firstItemId = s.items[1]!.id;

    const v2 = { at: new Date("2026-11-02T00:00:00Z"), onlyIfNewer: true };
    await writeSubscriptions(t.db, ctx, [sub([item("b", 500, 3), item("c", 700)])], v2);
    s = await stored();
    expect(s.items.map((i) => [i.externalId, i.quantity])).toEqual([["b", 3], ["c", 1]]);
    expect(s.items[0]!.id).toBe(firstItemId); // updated in place, not re-created
    expect(s.mrrCents).toBe(2200);
    expect(await t.db.subscription.count({ where: { connectionId: ctx.connectionId } })).toBe(1);
  });

  it("an older event changes neither the subscription nor its items", async () => {
    const old = { at: new Date("2026-10-15T00:00:00Z"), onlyIfNewer: true };
    expect(await writeSubscriptions(t.db, ctx, [sub([item("z", 99)], { status: "canceled" })], old)).toEqual({ written: 0, stale: 1 });
    const s = await stored();
    expect(s.status).toBe("active");
    expect(s.items.map((i) => i.externalId)).toEqual(["b", "c"]);
  });

  it("keeps the stored payment method type when the event does not say (unexpanded id)", async () => {
    await writeSubscriptions(t.db, ctx, [sub([item("b", 500, 3), item("c", 700)], { defaultPaymentMethodType: undefined, cancelAtPeriodEnd: true })], { at: new Date("2026-11-03T00:00:00Z"), onlyIfNewer: true });
    const s = await stored();
    expect(s).toMatchObject({ defaultPaymentMethodType: "card", cancelAtPeriodEnd: true });
  });
});
