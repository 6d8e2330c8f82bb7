// `npm run sync` after the demo (issue 18): a connection remembers where it was connected (sandbox or vendor),
// so the CLI syncs it there even when the environment names no sandbox, and a stopped sandbox is reported as
// such while the connection's state is left alone (before: the CLI talked to the real vendors with sandbox
// credentials and marked both demo connections as errored). The real script, spawned like `npm run sync`.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/sandbox";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { configureConnection } from "@/lib/integrations/manage-connections";

const KEY = Buffer.alloc(32, 9).toString("base64");
const NO_DOTENV = "data/.no-such-env-file";

let sb: Sandbox;
let t: TestDb;
let hubspotId: string;
let stripeId: string;
let hubspotUrl: string;

function sync(args: string[]): Promise<{ code: number | null; out: string }> {
  // No HUBSPOT_/STRIPE_API_BASE_URL: the environment points at the real vendors, as after `npm run demo` stopped.
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, DATABASE_URL: t.url, APP_ENCRYPTION_KEY: KEY } as Record<string, string> as NodeJS.ProcessEnv;
  return new Promise((resolve, reject) => {
    const child = spawn("node_modules/.bin/tsx", ["scripts/sync-all.ts", "--dotenv", NO_DOTENV, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY = KEY;
  sb = await startSandbox({ portfolio: "docs/example-portfolio.json", ports: { hubspot: 0, stripe: 0 }, limits: false });
  hubspotUrl = sb.hubspotUrl;
  process.env.HUBSPOT_API_BASE_URL = sb.hubspotUrl;
  process.env.STRIPE_API_BASE_URL = sb.stripeUrl;
  resetEnvCache();
  t = await createTestDb();
  const org = await t.db.organization.create({ data: { name: "Demo", slug: "demo-cli-target" } });
  const stripeInfo = sb.info.stripe as { secretKey: string; restrictedKeys?: Record<string, string> };
  hubspotId = (await configureConnection(t.db, { provider: "hubspot", organizationId: org.id, body: { token: sb.info.hubspot.privateAppToken } })).connectionId;
  stripeId = (await configureConnection(t.db, { provider: "stripe", organizationId: org.id, body: { api_key: stripeInfo.restrictedKeys?.readAll ?? stripeInfo.secretKey } })).connectionId;
  delete process.env.HUBSPOT_API_BASE_URL;
  delete process.env.STRIPE_API_BASE_URL;
  resetEnvCache();
}, 60_000);
afterAll(async () => {
  await sb?.close().catch(() => undefined);
  await t?.cleanup();
});

describe("npm run sync and the connection's stored API base URL", () => {
  it("stores where each connection was made", async () => {
    const c = await t.db.connection.findUniqueOrThrow({ where: { id: hubspotId } });
    expect(c.apiBaseUrl).toBe(hubspotUrl);
  });

  it("syncs against the sandbox the connection was made with, though the environment names the real vendor", async () => {
    const r = await sync(["--no-score", "--provider", "hubspot"]);
    expect(r.out).toMatch(/✓ HubSpot/);
    expect(r.code).toBe(0);
    expect(await t.db.sourceRecord.count({ where: { connectionId: hubspotId } })).toBeGreaterThan(0);
  }, 120_000);

  it("says the sandbox is not running and leaves the connections alone once it stopped", async () => {
    await sb.close();
    const before = await t.db.connection.findMany({ where: { id: { in: [hubspotId, stripeId] } }, orderBy: { id: "asc" } });
    const runsBefore = await t.db.syncRun.count();
    const r = await sync(["--no-score"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`it was connected to the sandbox at ${hubspotUrl}, which is not running`);
    expect(r.out).toMatch(/what to do: start the sandbox/);
    const after = await t.db.connection.findMany({ where: { id: { in: [hubspotId, stripeId] } }, orderBy: { id: "asc" } });
    expect(after.map((c) => [c.status, c.lastError, c.lastSyncAt?.getTime() ?? null])).toEqual(before.map((c) => [c.status, c.lastError, c.lastSyncAt?.getTime() ?? null]));
    expect(after.every((c) => c.status === "connected")).toBe(true);
    expect(await t.db.syncRun.count()).toBe(runsBefore);
  }, 120_000);
});
