/**
 * Trailing-12-month NRR and GRR on a portfolio whose figures are known by hand (issue 17, brief H17r item 1), and
 * one logo per account whatever its currencies (item 4). Pure: the movement engine and the summary, no database.
 *
 * Window: 2025-12-01 → 2026-12-01 (the 12 complete months before 2026-12-15). Accounts paying at the window start:
 *   A 10,000 → upgraded to 15,000 (2026-03-10)                      start 10,000  end 15,000
 *   B 20,000 → churned (2026-05-01)                                 start 20,000  end      0
 *   C  5,000 → 3,000 (2026-02-01) → churned (2026-04-01) →
 *      reactivated at 4,000 (2026-08-01)                            start  5,000  end  4,000
 * Not in the cohort (no MRR at the window start): D new 50,000 (2026-02-01); E in trial until 2025-12-05, then
 * 8,000; F paid in 2025 H1, churned, back at 7,000 (2026-06-01).
 *   NRR = (15,000 + 0 + 4,000) / 35,000 = 54.29 %;  GRR = (10,000 + 0 + 4,000) / 35,000 = 40.00 %
 * (Counting D, E and F in the numerator — the classic bug — would give (19,000 + 65,000) / 35,000 = 240 %.)
 */
import { describe, expect, it } from "vitest";
import { computeMovements, type SubscriptionHistory } from "@/lib/revenue/movements";
import { summarize } from "@/lib/revenue/build-movements";

const t = (iso: string) => Date.parse(iso);

function sub(id: string, account: string, currency: string, startIso: string, steps: [string, number][], o: { endIso?: string; trialEndIso?: string } = {}): SubscriptionHistory {
  return {
    id, externalId: `sub_${id}`, accountKey: account, accountId: account, currency,
    startMs: t(startIso), trialEndMs: o.trialEndIso ? t(o.trialEndIso) : null, endMs: o.endIso ? t(o.endIso) : null,
    versions: steps.map(([at, cents]) => ({
      effectiveMs: t(at), status: "active", discounts: [],
      items: [{ id: `si_${id}`, priceId: `price_${cents}`, productId: null, productName: null, unitAmountCents: cents, quantity: 1, interval: "month", intervalCount: 1, usageType: "licensed", currency }],
    })),
  };
}

const AS_OF = t("2026-12-15T00:00:00Z");

describe("trailing-12-month NRR / GRR", () => {
  it("counts only the accounts paying at the window start, each at its own end MRR (known by hand)", () => {
    const subs = [
      sub("a", "A", "usd", "2025-06-01T00:00:00Z", [["2025-06-01T00:00:00Z", 10_000], ["2026-03-10T00:00:00Z", 15_000]]),
      sub("b", "B", "usd", "2025-01-01T00:00:00Z", [["2025-01-01T00:00:00Z", 20_000]], { endIso: "2026-05-01T00:00:00Z" }),
      sub("c1", "C", "usd", "2025-11-15T00:00:00Z", [["2025-11-15T00:00:00Z", 5_000], ["2026-02-01T00:00:00Z", 3_000]], { endIso: "2026-04-01T00:00:00Z" }),
      sub("c2", "C", "usd", "2026-08-01T00:00:00Z", [["2026-08-01T00:00:00Z", 4_000]]),
      sub("d", "D", "usd", "2026-02-01T00:00:00Z", [["2026-02-01T00:00:00Z", 50_000]]),
      sub("e", "E", "usd", "2025-11-20T00:00:00Z", [["2025-11-20T00:00:00Z", 8_000]], { trialEndIso: "2025-12-05T00:00:00Z" }),
      sub("f1", "F", "usd", "2025-01-01T00:00:00Z", [["2025-01-01T00:00:00Z", 6_000]], { endIso: "2025-06-30T00:00:00Z" }),
      sub("f2", "F", "usd", "2026-06-01T00:00:00Z", [["2026-06-01T00:00:00Z", 7_000]]),
    ];
    const mv = computeMovements(subs, AS_OF);
    const sum = summarize(mv, mv.map(() => null), AS_OF, null);
    expect(new Date(sum.trailing12.startMs).toISOString()).toBe("2025-12-01T00:00:00.000Z");
    expect(new Date(sum.trailing12.endMs).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(sum.trailing12.perCurrency).toEqual([{ c: "usd", start: 35_000, retained: 19_000, gross: 14_000 }]);
    expect(Math.round((19_000 / 35_000) * 10_000) / 10_000).toBe(0.5429);
    // C's return is a reactivation of a cohort account (counts), F's of an account outside it (does not).
    expect(mv.filter((m) => m.kind === "reactivation").map((m) => m.accountKey).sort()).toEqual(["C", "F"]);
  });
});

describe("one logo per account", () => {
  it("an account billed in usd and eur is one logo (new once, churned once) while its amounts stay per currency", () => {
    const subs = [
      sub("u", "A", "usd", "2026-01-10T00:00:00Z", [["2026-01-10T00:00:00Z", 10_000]], { endIso: "2026-07-01T00:00:00Z" }),
      sub("e", "A", "eur", "2026-03-05T00:00:00Z", [["2026-03-05T00:00:00Z", 9_000]], { endIso: "2026-09-01T00:00:00Z" }),
      sub("b", "B", "eur", "2026-03-20T00:00:00Z", [["2026-03-20T00:00:00Z", 1_000]]),
    ];
    const mv = computeMovements(subs, AS_OF);
    const sum = summarize(mv, mv.map(() => null), AS_OF, null);
    // Per currency: two "new" movements for A (usd in January, eur in March) — its amounts per currency.
    expect(mv.filter((m) => m.accountKey === "A" && m.kind === "new").map((m) => m.currency).sort()).toEqual(["eur", "usd"]);
    // Account logos: A new in January, churned in September (when its LAST currency stopped), B new in March.
    const logos = sum.logoCells.map((c) => `${new Date(c.m).toISOString().slice(0, 7)} ${c.k} ${c.n}`).sort();
    expect(logos).toEqual(["2026-01 new 1", "2026-03 new 1", "2026-09 churn 1"]);
    // A is in ONE cohort (January): its eur revenue is January-cohort revenue.
    const cohorts = new Set(sum.cohortCells.filter((c) => c.c === "eur" && c.s !== 0 && c.k === "new").map((c) => `${new Date(c.cm).toISOString().slice(0, 7)}:${c.s}`));
    expect(cohorts).toEqual(new Set(["2026-01:9000", "2026-03:1000"]));
  });
});
