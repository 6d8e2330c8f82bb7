/**
 * Issue 14 "done when": organization B can neither read, change nor archive anything of organization A's —
 * through the API (every account / integration / scoring / jobs / users route, called by B's OWNER with A's
 * ids), webhooks (EVERY event type the vendors' SDKs list for the objects our receivers handle, signed with B's
 * own secrets and aimed at A's portal / Stripe account / objects / per-connection URL), the CLI
 * (`npm run sync|score -- --organization B`) and jobs (a job enqueued for B naming A's connection).
 * After every attempt A's rows are byte-for-byte what they were, and no answer carries A's data.
 *
 * Webhook types come from the installed SDKs (not a hand list that could miss one):
 * - HubSpot: the `eventType` enum of webhook subscriptions in @hubspot/api-client
 *   (lib/codegen/webhooks/models/SubscriptionCreateRequest.d.ts) for company / contact / deal / ticket — creation,
 *   deletion, propertyChange, associationChange, merge, restore, privacyDeletion
 *   (https://developers.hubspot.com/docs/api/webhooks "Webhook subscriptions").
 * - Stripe: the `enabled_events` enum of webhook endpoints in stripe (cjs/resources/WebhookEndpoints.d.ts) for
 *   customer.*, customer.subscription.*, invoice.*, charge.*, payment_method.* (https://docs.stripe.com/api/events/types).
 * Runs on SQLite, and on PostgreSQL with CHURNWATCH_TEST_DB=postgres TEST_DATABASE_URL=….
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Signature } from "@hubspot/api-client";
import { NextRequest } from "next/server";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { encryptSecret } from "@/lib/crypto";
import { runJobInline } from "@/lib/jobs";
import { applyHubspotWebhookEvents } from "@/lib/connectors/hubspot/webhooks";
import { RELEVANT_EVENT_TYPES } from "@/lib/connectors/stripe/map";
import { POST as hubspotWebhook } from "@/app/api/webhooks/hubspot/route";
import { POST as stripeWebhook } from "@/app/api/webhooks/stripe/route";
import { GET as accountsList } from "@/app/api/accounts/route";
import { GET as accountDetail } from "@/app/api/accounts/[id]/route";
import { POST as createLink } from "@/app/api/accounts/[id]/links/route";
import { DELETE as deleteLink } from "@/app/api/accounts/[id]/links/[linkId]/route";
import { GET as listMatches } from "@/app/api/accounts/matches/route";
import { POST as rejectMatch } from "@/app/api/accounts/matches/[id]/reject/route";
import { GET as scoresLatest } from "@/app/api/integrations/scores/latest/route";
import { GET as integrationAccounts } from "@/app/api/integrations/accounts/route";
import { GET as dashboard } from "@/app/api/dashboard/summary/route";
import { GET as integrations } from "@/app/api/integrations/route";
import { GET as status } from "@/app/api/integrations/[name]/status/route";
import { POST as sync } from "@/app/api/integrations/[name]/sync/route";
import { PATCH as settings } from "@/app/api/integrations/[name]/settings/route";
import { DELETE as disconnect } from "@/app/api/integrations/[name]/disconnect/route";
import { PUT as mappings } from "@/app/api/integrations/hubspot/mappings/route";
import { POST as pushScores } from "@/app/api/integrations/hubspot/push-scores/route";
import { GET as job } from "@/app/api/jobs/[id]/route";
import { POST as applyFit } from "@/app/api/scoring/fit/[id]/apply/route";
import { GET as scoringConfig } from "@/app/api/scoring/config/route";
import { GET as models } from "@/app/api/models/route";
import { GET as users, POST as createUser } from "@/app/api/users/route";
import { PATCH as patchUser, DELETE as deleteUser } from "@/app/api/users/[id]/route";

const ROOT = path.resolve(__dirname, "../..");
const HS_A = "org-a-hubspot-app-secret-00001", HS_B = "org-b-hubspot-app-secret-00002";
const WH_A = "whsec_org_a_endpoint_secret_0001", WH_B = "whsec_org_b_endpoint_secret_0002";
const PORTAL_A = "7301", PORTAL_B = "7302";
const ACCT_A = "acct_orgA000000001", ACCT_B = "acct_orgB000000002";
/** Text only A's data contains: no answer to B may include it. */
const A_MARKERS = ["Alpha Secret Holdings", "alpha-secret.example", "cus_alpha_secret", "alpha-admin"];

let app: ApiHarness;
let adminA: Session, ownerB: Session;
let orgB: string;
const a: Record<string, string> = {};
const b: Record<string, string> = {};

/** Every row of A's that B must not change (ordered, serialised): compared before/after each phase. */
async function snapshotA(): Promise<string> {
  const db = app.db, where = { organizationId: app.org.id };
  const byId = { orderBy: { id: "asc" as const } };
  return JSON.stringify(await Promise.all([
    db.account.findMany({ where, ...byId }), db.sourceRecord.findMany({ where, ...byId }), db.connection.findMany({ where, ...byId }),
    db.matchCandidate.findMany({ where, ...byId }), db.membership.findMany({ where, ...byId }), db.job.findMany({ where, ...byId }),
    db.webhookEvent.findMany({ where, ...byId }), db.syncRun.findMany({ where: { connectionId: { in: [a.hub, a.stripe] } }, ...byId }),
    db.user.findMany({ where: { id: adminA.userId } }),
  ]));
}
/** `text` (an answer to B) holds none of A's names, domains, e-mails or ids — except ids B itself sent (`sent`, echoed in a 404). */
function expectNoLeak(text: string, what: string, sent: string[] = []) {
  const answer = sent.filter(Boolean).reduce((t, s) => t.replaceAll(s, "<sent by B>"), text);
  for (const m of A_MARKERS) expect(answer, `${what} answered with A's data (${m})`).not.toContain(m);
  for (const id of [a.account, a.account2, a.hub, a.stripe, a.srcHub, a.srcStripe, a.match, a.job, a.membership]) {
    expect(answer, `${what} answered with A's id`).not.toContain(id);
  }
}

beforeAll(async () => {
  app = await createApiHarness({ HUBSPOT_CLIENT_ID: "", HUBSPOT_CLIENT_SECRET: "" });
  delete process.env.HUBSPOT_CLIENT_ID;
  delete process.env.HUBSPOT_CLIENT_SECRET;
  adminA = await app.signIn("admin");
  await app.db.user.update({ where: { id: adminA.userId }, data: { email: `alpha-admin-${Date.now()}@alpha-secret.example` } });
  adminA.email = (await app.db.user.findUniqueOrThrow({ where: { id: adminA.userId } })).email;
  orgB = (await app.db.organization.create({ data: { name: "Bravo", slug: `bravo-${Math.random().toString(36).slice(2, 8)}` } })).id;
  ownerB = await app.signIn("owner", orgB);
  const A = app.org.id;
  const conn = (organizationId: string, provider: "hubspot" | "stripe", externalAccountId: string, secret: string) => app.db.connection.create({
    data: { organizationId, provider, externalAccountId, displayName: `${provider} ${externalAccountId}`, credentialsEnc: encryptSecret(provider === "hubspot" ? "pat-na1-not-a-real-token" : "rk_test_not_a_real_key"), webhookSecretEnc: encryptSecret(secret), authType: "token" },
  });
  a.hub = (await conn(A, "hubspot", PORTAL_A, HS_A)).id;
  a.stripe = (await conn(A, "stripe", ACCT_A, WH_A)).id;
  b.hub = (await conn(orgB, "hubspot", PORTAL_B, HS_B)).id;
  b.stripe = (await conn(orgB, "stripe", ACCT_B, WH_B)).id;
  a.account = (await app.db.account.create({ data: { organizationId: A, name: "Alpha Secret Holdings", domain: "alpha-secret.example", healthScore: 41, riskLevel: "at_risk", mrrCents: 120_000, mrrCurrency: "usd", lifecycleState: "active" } })).id;
  a.account2 = (await app.db.account.create({ data: { organizationId: A, name: "Alpha Secret Holdings EU", domain: "eu.alpha-secret.example" } })).id;
  b.account = (await app.db.account.create({ data: { organizationId: orgB, name: "Bravo Own Co", domain: "bravo.example" } })).id;
  a.srcHub = (await app.db.sourceRecord.create({ data: { organizationId: A, connectionId: a.hub, objectType: "company", externalId: "5001", accountId: a.account, name: "Alpha Secret Holdings", domain: "alpha-secret.example" } })).id;
  a.srcStripe = (await app.db.sourceRecord.create({ data: { organizationId: A, connectionId: a.stripe, objectType: "customer", externalId: "cus_alpha_secret", accountId: a.account, name: "Alpha Secret Holdings", email: "billing@alpha-secret.example" } })).id;
  a.match = (await app.db.matchCandidate.create({ data: { organizationId: A, sourceRecordId: a.srcStripe, accountId: a.account2, rule: "email_domain", confidence: 0.6, reason: "same domain" } })).id;
  a.job = (await app.db.job.create({ data: { organizationId: A, name: "fit-scoring-job", payload: {}, status: "succeeded", result: { candidate: {} } } })).id;
  a.membership = (await app.db.membership.findFirstOrThrow({ where: { userId: adminA.userId, organizationId: A } })).id;
}, 120_000);
afterAll(() => app?.cleanup());

describe("two organizations: B reaches nothing of A's", () => {
  it("API: every route B's owner calls with A's ids answers 404/403/409 or B's own data only; A is unchanged", async () => {
    const before = await snapshotA();
    const as = ownerB;
    const idCalls: [string, Promise<{ status: number; text: string }>, number[], string[]][] = [
      ["GET /api/accounts/{A}", app.call(accountDetail, `/api/accounts/${a.account}`, { as, params: { id: a.account } }), [404], [a.account]],
      ["POST /api/accounts/{A}/links", app.call(createLink, `/api/accounts/${a.account}/links`, { as, body: { source_record_id: a.srcStripe }, params: { id: a.account } }), [404], [a.account, a.srcStripe]],
      ["POST /api/accounts/{B}/links A's record", app.call(createLink, `/api/accounts/${b.account}/links`, { as, body: { source_record_id: a.srcHub }, params: { id: b.account } }), [404], [a.srcHub]],
      ["POST /api/accounts/{B}/links A's candidate", app.call(createLink, `/api/accounts/${b.account}/links`, { as, body: { candidate_id: a.match }, params: { id: b.account } }), [404], [a.match]],
      ["DELETE /api/accounts/{A}/links/{A}", app.call(deleteLink, `/api/accounts/${a.account}/links/${a.srcHub}`, { as, method: "DELETE", params: { id: a.account, linkId: a.srcHub } }), [404], [a.account, a.srcHub]],
      ["POST /api/accounts/matches/{A}/reject", app.call(rejectMatch, `/api/accounts/matches/${a.match}/reject`, { as, method: "POST", params: { id: a.match } }), [404], [a.match]],
      ["GET /api/jobs/{A}", app.call(job, `/api/jobs/${a.job}`, { as, params: { id: a.job } }), [404], [a.job]],
      ["POST /api/scoring/fit/{A}/apply", app.call(applyFit, `/api/scoring/fit/${a.job}/apply`, { as, method: "POST", params: { id: a.job } }), [404], [a.job]],
      ["GET status of A's connection", app.call(status, `/api/integrations/hubspot/status?connection_id=${a.hub}`, { as, params: { name: "hubspot" } }), [404], [a.hub]],
      ["POST sync of A's connection", app.call(sync, `/api/integrations/stripe/sync?connection_id=${a.stripe}`, { as, method: "POST", params: { name: "stripe" } }), [404], [a.stripe]],
      ["PATCH settings of A's connection", app.call(settings, "/api/integrations/hubspot/settings", { as, method: "PATCH", body: { connection_id: a.hub, webhook_secret: "b-replaces-a-secret", write_back: true }, params: { name: "hubspot" } }), [404], [a.hub]],
      ["DELETE disconnect of A's connection", app.call(disconnect, `/api/integrations/stripe/disconnect?connection_id=${a.stripe}`, { as, method: "DELETE", params: { name: "stripe" } }), [404], [a.stripe]],
      ["PUT mappings of A's connection", app.call(mappings, "/api/integrations/hubspot/mappings", { as, method: "PUT", body: { connection_id: a.hub, mappings: {} } }), [404], [a.hub]],
      ["POST push-scores of A's connection", app.call(pushScores, "/api/integrations/hubspot/push-scores", { as, body: { connection_id: a.hub } }), [404], [a.hub]],
      ["PATCH /api/users/{A's member}", app.call(patchUser, `/api/users/${a.membership}`, { as, method: "PATCH", body: { role: "csm" }, params: { id: a.membership } }), [404], [a.membership]],
      ["DELETE /api/users/{A's member}", app.call(deleteUser, `/api/users/${a.membership}`, { as, method: "DELETE", params: { id: a.membership } }), [404], [a.membership]],
      ["POST /api/users with A's admin's e-mail", app.call(createUser, "/api/users", { as, body: { email: adminA.email, name: "Taken", role: "owner" } }), [409], [adminA.email]],
    ];
    for (const [what, call, expected, sent] of idCalls) {
      const r = await call;
      expect(expected, `${what}: ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
      expectNoLeak(r.text, what, sent);
    }
    // Lists and summaries, asking for A by id where the route takes an organization: B's own data only.
    const lists: [string, Promise<{ status: number; text: string }>][] = [
      ["GET /api/accounts?organization=A", app.call(accountsList, `/api/accounts?organization=${app.org.id}&lifecycle=all`, { as })],
      ["GET scores/latest?organization=A", app.call(scoresLatest, `/api/integrations/scores/latest?organization=${app.org.id}`, { as })],
      ["GET /api/integrations/accounts", app.call(integrationAccounts, "/api/integrations/accounts", { as })],
      ["GET /api/dashboard/summary", app.call(dashboard, "/api/dashboard/summary", { as })],
      ["GET /api/integrations", app.call(integrations, "/api/integrations", { as })],
      ["GET /api/accounts/matches", app.call(listMatches, "/api/accounts/matches", { as })],
      ["GET /api/scoring/config", app.call(scoringConfig, "/api/scoring/config", { as })],
      ["GET /api/models", app.call(models, "/api/models", { as })],
      ["GET /api/users", app.call(users, "/api/users", { as })],
    ];
    for (const [what, call] of lists) {
      const r = await call;
      expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(200);
      expectNoLeak(r.text, what);
    }
    expect(await snapshotA()).toBe(before);
  });

  // ── webhooks ──
  const hubspotTypes = [...new Set(readFileSync(path.join(ROOT, "node_modules/@hubspot/api-client/lib/codegen/webhooks/models/SubscriptionCreateRequest.d.ts"), "utf8")
    .match(/"(company|contact|deal|ticket)\.[A-Za-z]+"/g)!.map((s) => s.slice(1, -1)))].sort();
  const stripeTypes = [...new Set(readFileSync(path.join(ROOT, "node_modules/stripe/cjs/resources/WebhookEndpoints.d.ts"), "utf8")
    .match(/'(customer|invoice|charge|payment_method)\.[a-z_.]+'/g)!.map((s) => s.slice(1, -1)))].sort();

  it("the vendor type lists cover what our receivers handle", () => {
    expect(hubspotTypes.length).toBeGreaterThanOrEqual(25);
    for (const k of ["company", "contact", "deal", "ticket"]) for (const t of ["creation", "deletion", "propertyChange", "associationChange", "merge", "restore"]) expect(hubspotTypes).toContain(`${k}.${t}`);
    expect(stripeTypes.length).toBeGreaterThanOrEqual(50);
    for (const t of RELEVANT_EVENT_TYPES) expect(stripeTypes).toContain(t);
  });

  let eventNo = 800_000;
  async function hubspotDelivery(events: object[], secret: string, url: string) {
    const body = JSON.stringify(events);
    const timestamp = Date.now();
    const signature = Signature.getSignature("POST", "v3", { signature: "", clientSecret: secret, requestBody: body, url, method: "POST", timestamp });
    const res = await hubspotWebhook(new NextRequest(url, { method: "POST", body, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) } }));
    return { status: res.status, text: await res.text() };
  }

  it(`HubSpot: every subscription type (${hubspotTypes.length}) signed with B's secret and aimed at A's portal / A's URL is refused; A is unchanged`, async () => {
    const before = await snapshotA();
    const bare = "http://localhost:3000/api/webhooks/hubspot";
    const events = hubspotTypes.map((type) => ({
      eventId: eventNo++, subscriptionId: 1, portalId: Number(PORTAL_A), appId: 1, occurredAt: Date.now(), subscriptionType: type, attemptNumber: 0,
      objectId: 5001, changeSource: "CRM_UI", ...(type.endsWith("propertyChange") ? { propertyName: "name", propertyValue: "Owned by B" } : {}),
      ...(type.endsWith("merge") ? { primaryObjectId: 5001, mergedObjectIds: [5002] } : {}),
      ...(type.endsWith("associationChange") ? { associationType: "COMPANY_TO_CONTACT", fromObjectId: 5001, toObjectId: 1, associationRemoved: true } : {}),
    }));
    for (const e of events) {
      // B's own app secret, A's portal, the shared URL: B's signature is recognised, every event refused.
      const r1 = await hubspotDelivery([e], HS_B, bare);
      expect(r1.status, `${e.subscriptionType}: ${r1.text}`).toBe(200);
      expect(JSON.parse(r1.text)).toMatchObject({ received: 0, refused: 1 });
      // B's secret on A's per-connection URL: not a secret of that connection → 401.
      const r2 = await hubspotDelivery([e], HS_B, `${bare}?connection=${a.hub}`);
      expect(r2.status, `${e.subscriptionType} on A's URL`).toBe(401);
    }
    // All of them in one batch, mixed with B's own portal: only B's are stored, for B.
    const mixed = [...events.map((e) => ({ ...e, eventId: eventNo++ })), ...events.map((e) => ({ ...e, eventId: eventNo++, portalId: Number(PORTAL_B) }))];
    const r = await hubspotDelivery(mixed, HS_B, bare);
    expect(JSON.parse(r.text)).toMatchObject({ received: events.length, refused: events.length });
    expect(await app.db.webhookEvent.count({ where: { organizationId: app.org.id } })).toBe(0);
    // A job given A's connection and B's stored events applies nothing (events are read per connection).
    const bEvents = (await app.db.webhookEvent.findMany({ where: { connectionId: b.hub }, select: { id: true } })).map((x) => x.id);
    expect(bEvents.length).toBe(events.length);
    expect(await applyHubspotWebhookEvents(app.db, { connectionId: a.hub, eventIds: bEvents })).toEqual({ upserted: 0, archived: 0, accountIds: [] });
    expect(await snapshotA()).toBe(before);
  });

  it(`Stripe: every event type (${stripeTypes.length}) signed with B's endpoint secret about A's account / customer is refused or kept in B; A is unchanged`, async () => {
    const before = await snapshotA();
    const deliver = async (payload: string, secret: string, url = "http://localhost:3000/api/webhooks/stripe") => {
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
      const res = await stripeWebhook(new NextRequest(url, { method: "POST", body: payload, headers: { "content-type": "application/json", "stripe-signature": signature } }));
      return { status: res.status, text: await res.text() };
    };
    const objectOf = (type: string) => {
      const kind = type.startsWith("customer.subscription.") ? "subscription" : type.startsWith("customer.") && type.split(".").length === 2 ? "customer" : type.split(".")[0] === "customer" ? type.split(".")[1] : type.split(".")[0];
      const id = kind === "customer" ? "cus_alpha_secret" : `${kind.slice(0, 3)}_alpha_${eventNo}`;
      return { id, object: kind, customer: "cus_alpha_secret", email: "billing@alpha-secret.example", created: 1_700_000_000, status: "active", metadata: {} };
    };
    for (const type of stripeTypes) {
      const event = (account?: string) => JSON.stringify({
        id: `evt_2org_${eventNo++}`, object: "event", type, created: Math.floor(Date.now() / 1000), livemode: false, api_version: "2025-03-31.basil",
        ...(account ? { account } : {}), data: { object: objectOf(type) },
      });
      // A Connect event naming A's account, signed with B's secret: only A's connection's secret is tried → refused.
      const r1 = await deliver(event(ACCT_A), WH_B);
      expect(r1.status, `${type} as A's account: ${r1.text}`).toBe(400);
      // B's secret on A's per-connection URL → refused.
      const r2 = await deliver(event(), WH_B, `http://localhost:3000/api/webhooks/stripe?connection=${a.stripe}`);
      expect(r2.status, `${type} on A's URL: ${r2.text}`).toBe(400);
      // No account: B's secret verifies for B's connection only; the event about A's customer id lands in B.
      const r3 = await deliver(event(), WH_B);
      expect(r3.status, `${type} (platform event): ${r3.text}`).toBe(200);
      expectNoLeak(r3.text, type, ["cus_alpha_secret"]);
    }
    const stored = await app.db.webhookEvent.findMany({ where: { provider: "stripe" }, select: { organizationId: true, connectionId: true } });
    expect(stored.length).toBe(stripeTypes.length);
    expect(new Set(stored.map((s) => `${s.organizationId}/${s.connectionId}`))).toEqual(new Set([`${orgB}/${b.stripe}`]));
    expect(await snapshotA()).toBe(before);
  });

  it("jobs: a job enqueued for B naming A's connection touches nothing of A's", async () => {
    const before = await snapshotA();
    const bEvents = (await app.db.webhookEvent.findMany({ where: { connectionId: b.hub }, select: { id: true } })).map((x) => x.id);
    for (const [name, payload] of [
      ["sync-connection-job", { connectionId: a.hub, full: true, trigger: "manual" }],
      ["sync-connection-job", { connectionId: a.stripe, full: false, trigger: "manual" }],
      ["hubspot-webhook-job", { connectionId: a.hub, eventIds: bEvents.slice(0, 10) }],
      ["refresh-accounts-job", { organizationId: app.org.id, accountIds: [a.account] }],
      ["refresh-organization-job", { organizationId: app.org.id, trigger: "manual" }],
    ] as const) {
      const j = await runJobInline(app.db, name, payload, { organizationId: orgB });
      expect(j.status, `${name} ${JSON.stringify(payload)}`).toBe("failed");
      expect(j.error).toMatch(/another organization/);
    }
    expect(await snapshotA()).toBe(before); // (the job rows above are B's)
  });

  it("CLI: `npm run sync|score -- --organization B` touches nothing of A's", async () => {
    const before = await snapshotA();
    const run = (script: string, args: string[]) => new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn("node_modules/.bin/tsx", [script, "--dotenv", "data/.no-such-env-file", ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: app.url, APP_ENCRYPTION_KEY: process.env.APP_ENCRYPTION_KEY, HUBSPOT_API_BASE_URL: "http://127.0.0.1:9", STRIPE_API_BASE_URL: "http://127.0.0.1:9" } as unknown as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => { out += d; });
      child.stderr.on("data", (d) => { out += d; });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, out }));
    });
    const s = await run("scripts/sync-all.ts", ["--organization", orgB, "--no-score"]);
    expect(s.out).not.toContain(a.hub);
    const sc = await run("scripts/live-score.ts", ["--organization", orgB]);
    expectNoLeak(s.out + sc.out, "CLI");
    expect(await snapshotA()).toBe(before);
  }, 180_000);
});
