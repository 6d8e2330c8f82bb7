/** Issue 13: ONE "paying customer" definition for risk levels (scoring) and for lists/write-back (isPayingAccount). */
import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING_CONFIG } from "@/lib/scoring/config";
import { isPayingCustomer, scoreAccount } from "@/lib/scoring/score-account";
import { isPayingAccount, LIFECYCLE_STATES } from "@/lib/signals/types";
import { goodSignals } from "./fixtures";

describe("paying customer", () => {
  it("scoring and the lists agree on every lifecycle state and MRR, including a lifecycle never computed", () => {
    for (const lifecycleState of [...LIFECYCLE_STATES, null]) {
      for (const mrrCents of [null, 0, 5_000]) {
        const s = goodSignals({ lifecycleState, mrrCents });
        expect(isPayingCustomer(s), `${lifecycleState} / ${mrrCents}`).toBe(isPayingAccount(s));
        expect(scoreAccount(s, DEFAULT_SCORING_CONFIG).riskLevel !== null, `${lifecycleState} / ${mrrCents}`).toBe(isPayingAccount(s));
      }
    }
    // a row from before lifecycle states with MRR: listed as paying, so it gets a level
    expect(scoreAccount(goodSignals({ lifecycleState: null, mrrCents: 5_000 }), DEFAULT_SCORING_CONFIG).riskLevel).toBe("healthy");
    expect(scoreAccount(goodSignals({ lifecycleState: "churned", mrrCents: 5_000 }), DEFAULT_SCORING_CONFIG).riskLevel).toBeNull();
  });
});
