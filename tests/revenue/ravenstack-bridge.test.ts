/**
 * The demo data (RavenStack through the sandbox and the real Stripe connector): the MRR bridge closes to the cent
 * every month, and the bridge's current MRR equals the connector's own MRR (Σ Subscription.mrrCents of live
 * subscriptions, computed at sync time by lib/billing/mrr.ts from the same objects) per currency.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectKey, setupStripe, sync, type StripeTestEnv } from "@/tests/connectors/stripe-fixtures";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { rebuildRevenueMovements } from "@/lib/revenue/build-movements";
import { getRevenueOverview } from "@/lib/revenue/report";

let env: StripeTestEnv;
const now = new Date();

beforeAll(async () => {
  env = await setupStripe({ portfolio: "ravenstack" });
  const connectionId = await connectKey(env);
  await sync(env, connectionId);
  await resolveIdentities(env.db, { organizationId: env.orgId });
  await rebuildRevenueMovements(env.db, { organizationId: env.orgId, asOf: now });
}, 240_000);
afterAll(async () => env?.close());

describe("RavenStack (the demo portfolio)", () => {
  it("closes the bridge every month and ends at the connector's MRR", async () => {
    const ov = await getRevenueOverview(env.db, { organizationId: env.orgId, months: 36, now });
    expect(ov.series.length).toBeGreaterThan(0);
    const live = await env.db.subscription.groupBy({
      by: ["currency"], where: { organizationId: env.orgId, status: { in: ["active", "past_due"] }, OR: [{ trialEnd: null }, { trialEnd: { lte: now } }] },
      _sum: { mrrCents: true },
    });
    for (const s of ov.series) {
      let prev = 0;
      for (const m of s.months) {
        expect(m.startCents).toBe(prev);
        expect(m.startCents + m.newCents + m.expansionCents + m.contractionCents + m.churnCents + m.reactivationCents).toBe(m.endCents);
        prev = m.endCents;
      }
      expect(s.currentMrrCents).toBe(live.find((l) => l.currency === s.currency)?._sum.mrrCents ?? 0);
    }
    const usd = ov.series.find((s) => s.currency === "usd")!;
    console.log(`RavenStack usd: MRR ${usd.currentMrrCents} cents, ${usd.months.length} months, NRR12 ${usd.trailing12.nrr}, GRR12 ${usd.trailing12.grr}, ` +
      `logos ${usd.months[usd.months.length - 1]!.logosEnd}; movements ${await env.db.revenueMovement.count({ where: { organizationId: env.orgId } })}`);
  });
});
