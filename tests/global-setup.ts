/**
 * Vitest global setup: builds one migrated template database per provider, once per run, so each
 * test file can get a fresh database in milliseconds (tests/helpers/db.ts copies the template).
 * - SQLite: data/test-run-<pid>/template.db from the committed migrations (prisma migrate deploy).
 * - PostgreSQL (only when CHURNWATCH_TEST_DB=postgres and TEST_DATABASE_URL is set): database
 *   `churnwatch_template_<pid>` on that server, migrated the same way.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import pg from "pg";

export const PG_TEMPLATE_DB = "churnwatch_template";

export default async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  // One directory per run, so concurrent runs (several developers' vitest at once) never share files.
  const runDir = `data/test-run-${process.pid}`;
  const SQLITE_TEMPLATE = `${runDir}/template.db`;
  mkdirSync(runDir, { recursive: true });
  provide("testRunDir", runDir);
  execFileSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: `file:./${SQLITE_TEMPLATE}` },
    stdio: "pipe",
  });
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (process.env.CHURNWATCH_TEST_DB === "postgres" && pgUrl) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const template = `${PG_TEMPLATE_DB}_${process.pid}`;
    provide("pgTemplateDb", template);
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${template}"`);
    await admin.end();
    const url = new URL(pgUrl);
    url.pathname = `/${template}`;
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url.toString() }, stdio: "pipe" });
  }
  return async () => {
    rmSync(runDir, { recursive: true, force: true });
    if (process.env.CHURNWATCH_TEST_DB === "postgres" && pgUrl) {
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      const left = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [`cw_test_${process.pid}_%`]);
      for (const r of left.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS "${PG_TEMPLATE_DB}_${process.pid}" WITH (FORCE)`);
      await admin.end();
    }
  };
}
