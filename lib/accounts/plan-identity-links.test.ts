import { describe, expect, it } from "vitest";
import { MAX_NAME_CANDIDATES, pairKey, planIdentityLinks } from "./plan-identity-links";
import type { IdentitySource } from "./source-record";

let seq = 0;
function rec(p: Partial<IdentitySource> & Pick<IdentitySource, "objectType" | "externalId">): IdentitySource {
  seq++;
  return {
    id: `r${seq}`, organizationId: "o", connectionId: p.objectType === "company" ? "hs" : "st", accountId: null, name: null,
    domain: null, email: null, properties: {}, matchRule: null, matchConfidence: null, isManual: false, sourceCreatedAt: null,
    archivedAt: null, ...p,
  };
}
let ids = 0;
const newId = () => `a${++ids}`;

describe("planIdentityLinks", () => {
  it("a rejected explicit link falls through to the next rule", () => {
    const a = rec({ objectType: "company", externalId: "1", accountId: "A", domain: "a.com", matchRule: "new_account", matchConfidence: 1 });
    const b = rec({ objectType: "company", externalId: "2", accountId: "B", domain: "b.com", matchRule: "new_account", matchConfidence: 1 });
    const cus = rec({ objectType: "customer", externalId: "cus", email: "x@b.com", properties: { metadata: { hubspot_company_id: "1" } } });
    const plan = planIdentityLinks({ sources: [a, b, cus], rejected: new Set([pairKey(cus.id, "A")]), newId });
    expect(plan.finalAccountOf.get(cus.id)).toBe("B");
    expect(plan.assignments).toEqual([expect.objectContaining({ sourceRecordId: cus.id, rule: "email_domain", confidence: 0.9 })]);
  });

  it("does not propose a name shared by more than MAX_NAME_CANDIDATES accounts", () => {
    const companies = Array.from({ length: MAX_NAME_CANDIDATES + 1 }, (_, i) => rec({ objectType: "company", externalId: `c${i}`, name: "Summit Consulting LLC" }));
    const cus = rec({ objectType: "customer", externalId: "cus", name: "Summit Consulting", email: "x@gmail.com" });
    const plan = planIdentityLinks({ sources: [...companies, cus], rejected: new Set(), newId });
    expect(plan.candidates).toEqual([]);
    expect(plan.newAccountIds).toHaveLength(MAX_NAME_CANDIDATES + 2);
  });

  it("never moves a manual record and reports accounts emptied by merges", () => {
    const company = rec({ objectType: "company", externalId: "1", accountId: "A", domain: "a.com", matchRule: "new_account", matchConfidence: 1 });
    const pinned = rec({ objectType: "customer", externalId: "p", accountId: "Z", email: "x@a.com", isManual: true, matchRule: "manual", matchConfidence: 1 });
    const early = rec({ objectType: "customer", externalId: "e", accountId: "S", email: "y@a.com", matchRule: "new_account", matchConfidence: 1 });
    const plan = planIdentityLinks({ sources: [company, pinned, early], rejected: new Set(), newId });
    expect(plan.finalAccountOf.get(pinned.id)).toBe("Z");
    expect(plan.finalAccountOf.get(early.id)).toBe("A");
    expect(plan.emptiedAccounts).toEqual([{ accountId: "S", mergedInto: "A" }]);
    expect(plan.newAccountIds).toEqual([]);
  });
});
