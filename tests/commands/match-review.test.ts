// Match review (issue 18): confirming one candidate of a record removes its sibling from the review list,
// and rejecting the stale sibling (a card still on screen) answers in the reviewer's words, not with an API hint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listMatches } from "@/app/api/accounts/matches/route";
import { POST as reject } from "@/app/api/accounts/matches/[id]/reject/route";
import { POST as link } from "@/app/api/accounts/[id]/links/route";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { upsertCompany, upsertCustomer, type Org } from "../accounts/fixtures";

let app: ApiHarness;
let admin: Session;
let org: Org;

beforeAll(async () => {
  app = await createApiHarness();
  admin = await app.signIn("admin");
  const hs = await app.db.connection.create({ data: { organizationId: app.org.id, provider: "hubspot", externalAccountId: "portal-1", displayName: "HubSpot" } });
  const st = await app.db.connection.create({ data: { organizationId: app.org.id, provider: "stripe", externalAccountId: "acct_1", displayName: "Stripe" } });
  org = { organizationId: app.org.id, hubspotId: hs.id, stripeId: st.id };
  await upsertCompany(app.db, org, { externalId: "2", name: "Umbrella Corp", domain: "umbrella.com" });
  await upsertCompany(app.db, org, { externalId: "3", name: "Umbrella Pharma", domain: "umbrella.com" });
  await upsertCustomer(app.db, org, { externalId: "cus_umb", name: "Umbrella billing", email: "ap@umbrella.com" });
  await resolveIdentities(app.db, { organizationId: app.org.id });
});
afterAll(() => app.cleanup());

type Cand = { id: string; account: { id: string; name: string }; source_record: { external_id: string } | null };

describe("match review after a confirm", () => {
  it("drops the sibling from the list, and rejecting the stale sibling explains itself", async () => {
    const before = (await app.call(listMatches, "/api/accounts/matches?status=pending", { as: admin })).json.data as Cand[];
    const siblings = before.filter((c) => c.source_record?.external_id === "cus_umb");
    expect(siblings).toHaveLength(2);
    const [first, second] = siblings as [Cand, Cand];
    const ok = await app.call(link, `/api/accounts/${first.account.id}/links`, { as: admin, body: { candidate_id: first.id }, params: { id: first.account.id } });
    expect(ok.status).toBeLessThan(300);
    const after = (await app.call(listMatches, "/api/accounts/matches?status=pending", { as: admin })).json.data as Cand[];
    expect(after.map((c) => c.id)).not.toContain(second.id);
    const r = await app.call(reject, `/api/accounts/matches/${second.id}/reject`, { as: admin, method: "POST", params: { id: second.id } });
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/no longer waiting for review/);
    expect(r.json.error.message).not.toMatch(/GET \/api|candidate [a-z0-9]{10,}/i);
  });

  it("rejecting the confirmed pair says how to undo it, in user words", async () => {
    const confirmed = await app.db.matchCandidate.findFirstOrThrow({ where: { organizationId: app.org.id, status: "confirmed" } });
    const r = await app.call(reject, `/api/accounts/matches/${confirmed.id}/reject`, { as: admin, method: "POST", params: { id: confirmed.id } });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toMatch(/unlink the record/);
    expect(r.json.error.message).not.toMatch(/DELETE \/api/);
  });
});
