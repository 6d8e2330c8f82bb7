import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

// Another process (e.g. `npm run sync` beside the web server) holds a write transaction: tests/helpers/sqlite-lock-holder.ts.
/** Start the lock holder for `orgId` (holding `holdMs`, default 1.5 s) and resolve once it holds the lock; `exited` is its exit code. */
async function holdLockInAnotherProcess(orgId: string, holdMs?: number): Promise<{ exited: Promise<number> }> {
  const child = spawn("npx", ["tsx", "tests/helpers/sqlite-lock-holder.ts"], { env: { ...process.env, DB_URL: t.url, ORG_ID: orgId, ...(holdMs ? { HOLD_MS: String(holdMs) } : {}) }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  const exited = new Promise<number>((r) => child.on("exit", (c) => r(c ?? 1)));
  for (let i = 0; i < 300 && !out.includes("locked"); i++) await new Promise((r) => setTimeout(r, 100));
  expect(out).toContain("locked");
  return { exited };
}

describe.skipIf(testDbProvider() !== "sqlite")("SQLite shared by two processes", () => {
  it("a write waits for the other process's transaction instead of failing with SQLITE_BUSY", async () => {
    const org = await t.db.organization.create({ data: { name: "A", slug: `a-${Date.now()}` } });
    await t.db.account.count(); // open our connection first (sets WAL + busy_timeout)
    const { exited } = await holdLockInAnotherProcess(org.id);
    await t.db.account.create({ data: { organizationId: org.id, name: "this process" } });
    expect(await exited).toBe(0);
    expect(await t.db.account.count({ where: { organizationId: org.id } })).toBe(2);
  }, 60_000);

  it("a transaction that reads, then writes while another process commits, waits instead of failing (the weight change that answered 500 beside a running job)", async () => {
    const org = await t.db.organization.create({ data: { name: "B", slug: `b-${Date.now()}` } });
    await t.db.account.count();
    const { exited } = await holdLockInAnotherProcess(org.id);
    // Read first (a snapshot from before the other process commits), then write: with BEGIN DEFERRED SQLite
    // answers SQLITE_BUSY(_SNAPSHOT) at once once the other writer commits; BEGIN IMMEDIATE waits for the lock.
    await t.db.$transaction(async (tx) => {
      const n = await tx.account.count({ where: { organizationId: org.id } });
      await new Promise((r) => setTimeout(r, 50));
      await tx.account.create({ data: { organizationId: org.id, name: `after ${n}` } });
    }, { timeout: 20_000 });
    expect(await exited).toBe(0);
    const names = (await t.db.account.findMany({ where: { organizationId: org.id }, select: { name: true } })).map((a) => a.name).sort();
    expect(names).toEqual(["after 1", "other process"]);
  }, 60_000);

  it("after a write fails because another process held the lock past busy_timeout, the connection's next writes are committed (libsql leaves the failed statement open)", async () => {
    const org = await t.db.organization.create({ data: { name: "C", slug: `c-${Date.now()}` } });
    await t.db.account.count();
    const { exited } = await holdLockInAnotherProcess(org.id, 7000);
    await expect(t.db.account.create({ data: { organizationId: org.id, name: "refused" } })).rejects.toThrow();
    expect(await exited).toBe(0);
    await t.db.account.create({ data: { organizationId: org.id, name: "after the refusal" } });
    // Another connection (as another process would) sees the write — it was committed — and can write itself.
    const { createPrisma } = await import("@/lib/db/prisma");
    const other = createPrisma(t.url);
    try {
      const seen = (await other.account.findMany({ where: { organizationId: org.id }, select: { name: true } })).map((a) => a.name).sort();
      expect(seen).toEqual(["after the refusal", "other process"]);
      await other.account.create({ data: { organizationId: org.id, name: "other connection" } });
    } finally {
      await other.$disconnect();
    }
    expect(await t.db.account.count({ where: { organizationId: org.id } })).toBe(3);
  }, 60_000);
});
