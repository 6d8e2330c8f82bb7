/**
 * `npm run sync` (scripts/sync-all.ts) and `npm run score` (scripts/live-score.ts) as a user runs them:
 * the real scripts spawned with `npx tsx`, against a fresh migrated test database (SQLite, or PostgreSQL
 * with CHURNWATCH_TEST_DB=postgres) and the in-process sandbox (docs/example-portfolio.json, limits off),
 * with HubSpot and Stripe connected through the same code as the Integrations page.
 * Asserts exit codes (0 ok, 1 failure with guidance, 2 bad usage/config), the summary, and what landed in the DB.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/sandbox";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { configureConnection } from "@/lib/integrations/manage-connections";

const KEY = Buffer.alloc(32, 5).toString("base64");
/** A --dotenv path that does not exist, so a developer's .env.local never leaks into these runs. */
const NO_DOTENV = "data/.no-such-env-file";

type Run = { code: number | null; stdout: string; stderr: string; out: string };

let sb: Sandbox;
let t: TestDb;
let orgId: string;
let hubspotConnectionId: string;
let stripeConnectionId: string;

/** Spawn a script like `npm run` does (cwd = repo root); non-TTY stdout, so one line per phase. */
function runScript(script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    DATABASE_URL: t.url, APP_ENCRYPTION_KEY: KEY,
    HUBSPOT_API_BASE_URL: sb.hubspotUrl, STRIPE_API_BASE_URL: sb.stripeUrl,
  };
  const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return new Promise((resolve, reject) => {
    // node_modules/.bin/tsx is what `npm run` resolves `tsx` to (npx only adds its own start-up time and warnings).
    const child = spawn("node_modules/.bin/tsx", [script, "--dotenv", NO_DOTENV, ...args], { env: merged as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, out: stdout + stderr }));
  });
}

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY = KEY;
  sb = await startSandbox({ portfolio: "docs/example-portfolio.json", ports: { hubspot: 0, stripe: 0 }, limits: false });
  process.env.HUBSPOT_API_BASE_URL = sb.hubspotUrl;
  process.env.STRIPE_API_BASE_URL = sb.stripeUrl;
  resetEnvCache();
  t = await createTestDb();
  const org = await t.db.organization.create({ data: { name: "Acme CS", slug: "acme-cli" } });
  orgId = org.id;
  const stripeInfo = sb.info.stripe as { secretKey: string; restrictedKeys?: Record<string, string> };
  hubspotConnectionId = (await configureConnection(t.db, { provider: "hubspot", organizationId: orgId, body: { token: sb.info.hubspot.privateAppToken } })).connectionId;
  stripeConnectionId = (await configureConnection(t.db, { provider: "stripe", organizationId: orgId, body: { api_key: stripeInfo.restrictedKeys?.readAll ?? stripeInfo.secretKey } })).connectionId;
});

afterAll(async () => {
  await sb?.close();
  await t?.cleanup();
});

describe("usage and configuration errors (exit 2)", () => {
  it("--help prints usage and exits 0; unknown flags, bad values and a missing APP_ENCRYPTION_KEY exit 2 with how to fix it", async () => {
    const [syncHelp, scoreHelp, badProvider, noKey, noOrg] = await Promise.all([
      runScript("scripts/sync-all.ts", ["--help"]),
      runScript("scripts/live-score.ts", ["-h"]),
      runScript("scripts/sync-all.ts", ["--provider", "salesforce", "--bogus"]),
      runScript("scripts/live-score.ts", [], { APP_ENCRYPTION_KEY: undefined }),
      runScript("scripts/live-score.ts", ["--organization", "nope"]),
    ]);
    expect(syncHelp.code).toBe(0);
    expect(syncHelp.stdout).toContain("Usage: npm run sync");
    expect(syncHelp.stdout).toContain("--full");
    expect(scoreHelp.code).toBe(0);
    expect(scoreHelp.stdout).toContain("Usage: npm run score");
    expect(scoreHelp.stdout).toContain("--backfill");

    expect(badProvider.code).toBe(2);
    expect(badProvider.stderr).toContain("Unknown option '--bogus'");

    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("APP_ENCRYPTION_KEY is not set");
    expect(noKey.stderr).toContain("npm run demo");

    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toContain('organization "nope" not found');
    expect(noOrg.stderr).toContain("acme-cli");
  });
});

describe("npm run sync / npm run score against the sandbox", () => {
  it("sync: every connection synced, records stored, organization backfilled and scored, summary printed, exit 0", async () => {
    const r = await runScript("scripts/sync-all.ts", []);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ HubSpot "HubSpot portal 1234567": full sync · owners 1 · companies 3 · contacts 4/);
    expect(r.stdout).toMatch(/✓ Stripe ".+": full sync · customers 3 · subscriptions 3 · invoices 6/);
    expect(r.stdout).toContain("Done: 2 connections synced, 1 organization scored.");
    expect(r.stdout).toMatch(/^ {2}HubSpot companies {2}✓ {2}3$/m);
    expect(r.stdout).toMatch(/^ {2}Stripe invoices {2}✓ {2}6$/m);

    // Records landed through the connectors.
    expect(await t.db.sourceRecord.count({ where: { connectionId: hubspotConnectionId } })).toBeGreaterThanOrEqual(3);
    expect(await t.db.subscription.count({ where: { connectionId: stripeConnectionId } })).toBe(3);
    const conns = await t.db.connection.findMany({ where: { organizationId: orgId } });
    expect(conns.map((c) => c.status)).toEqual(["connected", "connected"]);
    expect(conns.every((c) => c.lastFullSyncAt !== null)).toBe(true);
    // First full sync → the 365-day backfill, then scores (the same pipeline as the API).
    expect(r.stdout).toContain("signals: 365-day backfill");
    expect(await t.db.accountSignalDaily.count({ where: { organizationId: orgId, isBackfill: true } })).toBeGreaterThan(300);
    const days = await t.db.churnScoreDaily.groupBy({ by: ["day"], where: { organizationId: orgId } });
    expect(days.length).toBeGreaterThan(300);
    // Sync jobs ran in this path (trigger cli), not enqueued for a worker.
    const jobs = await t.db.job.findMany({ where: { organizationId: orgId } });
    expect(jobs.filter((j) => j.name === "sync-connection-job").map((j) => j.status)).toEqual(["succeeded", "succeeded"]);
    expect(jobs.some((j) => j.status === "queued")).toBe(false);
  });

  it("score: scores today for every account, prints counts by risk level, probability source and model version, exit 0", async () => {
    const before = await t.db.churnScoreDaily.count({ where: { organizationId: orgId } });
    const r = await runScript("scripts/live-score.ts", ["--organization", "acme-cli"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const accounts = await t.db.account.count({ where: { organizationId: orgId } });
    expect(accounts).toBeGreaterThan(0);
    const today = new Date(new Date().toISOString().slice(0, 10));
    const scored = await t.db.churnScoreDaily.findMany({ where: { organizationId: orgId, day: today } });
    expect(scored.length).toBe(accounts);
    expect(await t.db.churnScoreDaily.count({ where: { organizationId: orgId } })).toBe(before); // same day replaced, not duplicated
    const levels = { healthy: 0, at_risk: 0, critical: 0 };
    for (const s of scored) if (s.riskLevel) levels[s.riskLevel]++;
    expect(r.stdout).toContain(`${accounts} accounts scored for ${today.toISOString().slice(0, 10)} — healthy ${levels.healthy} · at_risk ${levels.at_risk} · critical ${levels.critical}`);
    // Three accounts cannot train a model: the documented fallback, flagged as such.
    expect(r.stdout).toMatch(/probability source: fallback \d+ · model v1 \(insufficient_data\)/);
    expect(r.stdout).toContain("signals: today");
    // Not a TTY: one progress line per pipeline phase the job reports (its writes are throttled to one per
    // 500 ms, so short phases may not show), then the finished line; no escape codes.
    expect(r.stdout).toMatch(/^scoring acme-cli {2}identity$/m);
    expect(r.stdout).toMatch(new RegExp(`^scoring acme-cli {2}✓ {2}${accounts} {2}accounts · `, "m"));
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stdout).toMatch(/duration: \d/);
  });

  it("a revoked HubSpot token and a revoked Stripe key: exit 1, the error and what to do per connection; next run says reconnect", async () => {
    sb.control.setFaults("hubspot", { revokeTokenAfter: 0 });
    sb.control.setFaults("stripe", { revokeTokenAfter: 0 });
    const r = await runScript("scripts/sync-all.ts", ["--concurrency", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ HubSpot "HubSpot portal 1234567": failed — incremental sync/);
    expect(r.stdout).toContain("HubSpot rejected the credentials (401");
    expect(r.stdout).toContain("what to do: reconnect needed: the private-app token was rotated or deleted — paste a new token in Integrations > HubSpot");
    expect(r.stdout).toMatch(/✗ Stripe ".+": sync failed/);
    expect(r.stdout).toContain("customers, subscriptions, invoices, charges: Stripe rejected the API key or access token (401");
    expect(r.stdout).toContain("what to do: Reconnect Stripe in Settings → Integrations → Stripe with a current key");
    expect(r.stdout).toMatch(/Done with failures: 2 of 2 connections failed/);
    const conns = await t.db.connection.findMany({ where: { organizationId: orgId } });
    expect(conns.map((c) => c.status)).toEqual(["reconnect_needed", "reconnect_needed"]);

    // Nothing is synced while the connections need reconnecting; the CLI keeps failing with the how-to.
    const again = await runScript("scripts/sync-all.ts", ["--provider", "hubspot"]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("Syncing 0 connections (1 needs reconnecting");
    expect(again.stdout).toContain("not synced: owners: HubSpot rejected the credentials (401");
    expect(again.stdout).toContain("what to do: reconnect HubSpot on the Integrations page");
  });
});
