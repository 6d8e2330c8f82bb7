// POST /api/commands and GET /api/search (issue 18): what the palette and chat tools call. Two organizations
// guard every path (org B has look-alike accounts, owners and a connection that must never show up for org A).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as command } from "@/app/api/commands/route";
import { GET as search } from "@/app/api/search/route";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";

let app: ApiHarness;
let admin: Session;
let csm: Session;
let acmeId: string;
let otherAcmeId: string;
let hubspotConnId: string;

beforeAll(async () => {
  app = await createApiHarness();
  admin = await app.signIn("admin");
  csm = await app.signIn("csm");
  const org = app.org.id;
  const other = await app.db.organization.create({ data: { name: "Other Org", slug: `other-${Math.random().toString(36).slice(2, 8)}` } });
  const hs = await app.db.connection.create({ data: { organizationId: org, provider: "hubspot", externalAccountId: "111", displayName: "Portal 111", credentialsEnc: "enc", settings: { writeBack: true } } });
  hubspotConnId = hs.id;
  const st = await app.db.connection.create({ data: { organizationId: org, provider: "stripe", externalAccountId: "acct_1", displayName: "Stripe test", credentialsEnc: "enc" } });
  const otherHs = await app.db.connection.create({ data: { organizationId: other.id, provider: "hubspot", externalAccountId: "222", displayName: "Other portal", credentialsEnc: "enc" } });
  const jane = await app.db.owner.create({ data: { organizationId: org, connectionId: hs.id, externalId: "o1", firstName: "Jane", lastName: "Doe", email: "jane@vendor.example" } });
  await app.db.owner.create({ data: { organizationId: other.id, connectionId: otherHs.id, externalId: "o1", firstName: "Jane", lastName: "Doe", email: "jane@other.example" } });
  const renewal = new Date(Date.now() + 10 * 86_400_000);
  const acme = await app.db.account.create({ data: { organizationId: org, name: "Acme Rockets", domain: "acmerockets.io", ownerId: jane.id, mrrCents: 50_000, mrrCurrency: "usd", lifecycleState: "customer", healthScore: 20, riskLevel: "critical", renewalDate: renewal } });
  acmeId = acme.id;
  await app.db.account.create({ data: { organizationId: org, name: "Globex", domain: "globex.com", mrrCents: 10_000, mrrCurrency: "usd", lifecycleState: "customer", healthScore: 90, riskLevel: "healthy" } });
  await app.db.sourceRecord.create({ data: { organizationId: org, connectionId: st.id, objectType: "customer", externalId: "cus_RocketStripe1", accountId: acme.id } });
  await app.db.sourceRecord.create({ data: { organizationId: org, connectionId: hs.id, objectType: "company", externalId: "90210", accountId: acme.id } });
  await app.db.deal.create({ data: { organizationId: org, connectionId: hs.id, externalId: "d1", accountId: acme.id, name: "Acme renewal 2027", dealStage: "contractsent", amountCents: 600_000, currency: "usd" } });
  const otherAcme = await app.db.account.create({ data: { organizationId: other.id, name: "Acme Rocketry", domain: "acmerocketry.io", mrrCents: 1, lifecycleState: "customer", riskLevel: "critical", healthScore: 5 } });
  otherAcmeId = otherAcme.id;
  await app.db.sourceRecord.create({ data: { organizationId: other.id, connectionId: otherHs.id, objectType: "company", externalId: "90211", accountId: otherAcme.id } });
  await app.db.deal.create({ data: { organizationId: other.id, connectionId: otherHs.id, externalId: "d1", accountId: otherAcme.id, name: "Other org deal" } });
});
afterAll(() => app.cleanup());

const run = (as: Session, text: string, confirm?: boolean) => app.call(command, "/api/commands", { as, body: confirm === undefined ? { text } : { text, confirm } });

describe("write commands: role check, then dry run, then confirm", () => {
  it("refuses 'sync hubspot data' to a CSM with a message that names the role, and starts nothing", async () => {
    const r = await run(csm, "sync hubspot data", true);
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe("forbidden");
    expect(r.json.error.message).toMatch(/needs the admin role/);
    expect(r.json.error.message).toMatch(/signed in as a CSM/);
    expect(await app.db.job.count({ where: { name: "sync-connection-job" } })).toBe(0);
  });

  it("shows an admin what it understood and runs nothing without confirm", async () => {
    const r = await run(admin, "Sync HubSpot data");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: "needs_confirmation", understood: { kind: "sync", writes: true, params: { provider: "hubspot", full: false } } });
    expect(r.json.understood.summary).toBe("Sync HubSpot (incremental: changes since the last sync)");
    expect(await app.db.job.count({ where: { name: "sync-connection-job" } })).toBe(0);
  });

  it("starts the sync of this organization's HubSpot connection on confirm and links the job", async () => {
    const r = await run(admin, "sync hubspot data", true);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("started");
    expect(r.json.jobs).toHaveLength(1);
    const job = await app.db.job.findUniqueOrThrow({ where: { id: r.json.jobs[0].id } });
    expect(job).toMatchObject({ name: "sync-connection-job", organizationId: app.org.id, dedupeKey: `sync:${hubspotConnId}` });
    expect(r.json.jobs[0].href).toBe(`/api/jobs/${job.id}`);
  });

  it("pushes scores only where write-back is on, in this organization", async () => {
    const r = await run(admin, "Update HubSpot with latest health scores", true);
    expect(r.json.status).toBe("started");
    const jobs = await app.db.job.findMany({ where: { name: "hubspot-push-scores-job" } });
    expect(jobs.map((j) => j.organizationId)).toEqual([app.org.id]);
  });
});

describe("read commands", () => {
  it("'show hubspot deals for acme' opens this organization's Acme at #deals with its deals only", async () => {
    const r = await run(csm, "show hubspot deals for acme");
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("navigate");
    expect(r.json.href).toBe(`/accounts/${acmeId}#deals`);
    expect(r.json.preview.rows.map((x: { name: string }) => x.name)).toEqual(["Acme renewal 2027"]);
  });

  it("'critical accounts of Jane Doe' resolves the owner of this organization and previews the view", async () => {
    const r = await run(csm, "critical accounts of Jane Doe");
    const owner = await app.db.owner.findFirstOrThrow({ where: { organizationId: app.org.id } });
    expect(r.json.href).toBe(`/accounts?risk_level=critical&owner=${owner.id}`);
    expect(r.json.preview.total).toBe(1);
    expect(r.json.preview.rows[0].account_id).toBe(acmeId);
  });

  it("'which accounts renew this month and are at risk' lists at-risk/critical renewals", async () => {
    const r = await run(csm, "which accounts renew this month and are at risk");
    expect(r.json.understood.kind).toBe("list_accounts");
    expect(r.json.href).toMatch(/^\/accounts\?risk_level=at_risk%2Ccritical&renewal_within_days=\d+&sort=renewal_date$/);
  });

  it("refuses admin pages to a CSM, answers unknown text with account matches", async () => {
    expect((await run(csm, "go to integrations")).status).toBe(403);
    const r = await run(csm, "globex");
    expect(r.json.status).toBe("choose");
    expect(r.json.candidates.map((c: { name: string }) => c.name)).toEqual(["Globex"]);
    const none = await run(csm, "make me a coffee");
    expect(none.json.status).toBe("not_understood");
  });

  it("validates the body (text required, ≤ 500 characters, no unknown fields)", async () => {
    expect((await app.call(command, "/api/commands", { as: csm, body: {} })).status).toBe(400);
    expect((await app.call(command, "/api/commands", { as: csm, body: { text: "x".repeat(501) } })).status).toBe(400);
    expect((await app.call(command, "/api/commands", { as: csm, body: { text: "sync", run: true } })).status).toBe(400);
    expect((await app.call(command, "/api/commands", { body: { text: "sync" } })).status).toBe(401);
  });
});

describe("GET /api/search", () => {
  const find = async (q: string) => (await app.call(search, `/api/search?q=${encodeURIComponent(q)}`, { as: csm })).json.data as { account_id: string; matched_by: string }[];
  it("finds an account by a partial domain, a Stripe customer id and a HubSpot company id", async () => {
    expect((await find("rockets.i")).map((h) => h.account_id)).toEqual([acmeId]);
    expect(await find("cus_RocketStripe1")).toMatchObject([{ account_id: acmeId, matched_by: "stripe id" }]);
    expect(await find("90210")).toMatchObject([{ account_id: acmeId, matched_by: "hubspot id" }]);
  });
  it("never returns another organization's accounts", async () => {
    expect((await find("acme rocket")).map((h) => h.account_id)).toEqual([acmeId]);
    expect(await find("90211")).toEqual([]);
    expect((await find("acme")).map((h) => h.account_id)).not.toContain(otherAcmeId);
  });
});

describe("OpenAPI", () => {
  it("documents POST /api/commands and GET /api/search", () => {
    const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths["/api/commands"]?.post).toBeTruthy();
    expect(doc.paths["/api/search"]?.get).toBeTruthy();
  });
});
