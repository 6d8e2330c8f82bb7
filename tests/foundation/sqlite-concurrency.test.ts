import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

// Another process (e.g. `npm run sync` beside the web server) holds a write transaction: tests/helpers/sqlite-lock-holder.ts.

describe.skipIf(testDbProvider() !== "sqlite")("SQLite shared by two processes", () => {
  it("a write waits for the other process's transaction instead of failing with SQLITE_BUSY", async () => {
    const org = await t.db.organization.create({ data: { name: "A", slug: `a-${Date.now()}` } });
    await t.db.account.count(); // open our connection first (sets WAL + busy_timeout)
    const child = spawn("npx", ["tsx", "tests/helpers/sqlite-lock-holder.ts"], { env: { ...process.env, DB_URL: t.url, ORG_ID: org.id }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    const exited = new Promise<number>((r) => child.on("exit", (c) => r(c ?? 1)));
    for (let i = 0; i < 300 && !out.includes("locked"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("locked");
    await t.db.account.create({ data: { organizationId: org.id, name: "this process" } });
    expect(await exited).toBe(0);
    expect(await t.db.account.count({ where: { organizationId: org.id } })).toBe(2);
  }, 60_000);
});
