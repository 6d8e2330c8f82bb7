/**
 * candidateFor: what counts as a change for each rule kind (pure; the database path is in tests/alerts/*).
 */
import { describe, expect, it } from "vitest";
import { candidateFor } from "./evaluate";
import { parseRuleParams, type RuleKind } from "./rules";

const DAY = 86_400_000;
const now = new Date("2026-12-03T10:00:00Z");
const today = new Date("2026-12-03T00:00:00Z");
const score = (daysAgo: number, healthScore: number, riskLevel: string | null, o: { p?: number; v?: number } = {}) => ({
  accountId: "a", day: new Date(today.getTime() - daysAgo * DAY), healthScore, riskLevel, churnProbability: o.p ?? null, scoringConfigVersion: o.v ?? 1, drivers: [],
});
type S = ReturnType<typeof score>;
function facts(scores: S[], extra: Partial<Parameters<typeof candidateFor>[2]> = {}) {
  const [latest, ...rest] = scores;
  const same = rest.filter((s) => s.scoringConfigVersion === latest?.scoringConfigVersion);
  return {
    account: { id: "a", name: "Acme", riskLevel: latest?.riskLevel ?? null, healthScore: latest?.healthScore ?? null, churnProbability: latest?.churnProbability ?? null, renewalDate: null, mrrCents: 1000, mrrCurrency: "usd", topReason: null, csmUserId: null, ownerId: null },
    latest: latest ?? null, previous: same[0] ?? null,
    byDay: new Map([latest, ...same].filter(Boolean).map((s) => [s!.day.getTime(), s!])),
    failedCharges: [], subscriptions: [], ...extra,
  };
}
const c = (kind: RuleKind, params: unknown, f: ReturnType<typeof facts>) => candidateFor(kind, parseRuleParams(kind, params), f, now);

describe("candidateFor", () => {
  it("risk level changed: only into the chosen levels, only against the same config version", () => {
    expect(c("risk_level_changed", {}, facts([score(0, 30, "critical"), score(1, 50, "at_risk")]))?.dedupeKey).toBe("level:critical:2026-12-03");
    expect(c("risk_level_changed", {}, facts([score(0, 50, "at_risk"), score(1, 80, "healthy")]))).toBeNull();
    expect(c("risk_level_changed", { levels: ["at_risk"] }, facts([score(0, 50, "at_risk"), score(1, 80, "healthy")]))?.change).toBe("Risk level healthy → at risk");
    expect(c("risk_level_changed", {}, facts([score(0, 30, "critical", { v: 2 }), score(1, 50, "at_risk", { v: 1 })]))).toBeNull();
    expect(c("risk_level_changed", {}, facts([score(0, 30, "critical")]))).toBeNull(); // first score ever: no change
  });

  it("score dropped by N points in D days", () => {
    expect(c("score_dropped", { points: 10, days: 7 }, facts([score(0, 50, "at_risk"), score(7, 65, "healthy")]))?.change).toBe("Health score fell 15 points in 7 days (65 → 50)");
    expect(c("score_dropped", { points: 20, days: 7 }, facts([score(0, 50, "at_risk"), score(7, 65, "healthy")]))).toBeNull();
  });

  it("payment failed: one key per charge, only recent ones", () => {
    const ch = (id: string, daysAgo: number) => ({ externalId: id, amountCents: 4900, currency: "usd", sourceCreatedAt: new Date(now.getTime() - daysAgo * DAY) });
    expect(c("payment_failed", { days: 3 }, facts([score(0, 50, "at_risk")], { failedCharges: [ch("ch_old", 10), ch("ch_new", 1)] }))?.dedupeKey).toBe("charge:ch_new");
    expect(c("payment_failed", { days: 3 }, facts([score(0, 50, "at_risk")], { failedCharges: [ch("ch_old", 10)] }))).toBeNull();
  });

  it("cancellation scheduled: share of live MRR", () => {
    const sub = (id: string, mrrCents: number, cancel: boolean) => ({ externalId: id, status: "active", mrrCents, cancelAtPeriodEnd: cancel, cancelAt: null });
    const f = facts([score(0, 50, "at_risk")], { subscriptions: [sub("s1", 600, true), sub("s2", 400, false)] });
    expect(c("cancellation_scheduled", { share: 0.5 }, f)?.change).toBe("Cancellation scheduled for 60% of MRR");
    expect(c("cancellation_scheduled", { share: 0.7 }, f)).toBeNull();
  });

  it("renewal at risk and probability crossing", () => {
    const f = facts([score(0, 50, "at_risk", { p: 0.8 }), score(1, 55, "at_risk", { p: 0.6 })]);
    f.account.renewalDate = new Date(now.getTime() + 20 * DAY) as never;
    expect(c("renewal_at_risk", { days: 30 }, f)?.dedupeKey).toBe("renewal:2026-12-23");
    expect(c("renewal_at_risk", { days: 10 }, f)).toBeNull();
    expect(c("probability_above", { probability: 0.7 }, f)?.dedupeKey).toBe("probability:2026-12-03");
    expect(c("probability_above", { probability: 0.7 }, facts([score(0, 50, "at_risk", { p: 0.8 }), score(1, 55, "at_risk", { p: 0.75 })]))).toBeNull();
  });
});
