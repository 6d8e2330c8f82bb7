/**
 * Vitest global setup: builds one migrated template database per provider, once per run, so each
 * test file can get a fresh database in milliseconds (tests/helpers/db.ts copies the template).
 * - SQLite: data/test-template.db from the committed migrations (prisma migrate deploy).
 * - PostgreSQL (only when CHURNWATCH_TEST_DB=postgres and TEST_DATABASE_URL is set): database
 *   `churnwatch_template` on that server, migrated the same way.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import pg from "pg";

export const SQLITE_TEMPLATE = "data/test-template.db";
export const PG_TEMPLATE_DB = "churnwatch_template";

export default async function setup() {
  mkdirSync("data/test", { recursive: true });
  rmSync(SQLITE_TEMPLATE, { force: true });
  execFileSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: `file:./${SQLITE_TEMPLATE}` },
    stdio: "pipe",
  });
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (process.env.CHURNWATCH_TEST_DB === "postgres" && pgUrl) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const old = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'cw_test_%' OR datname = $1", [PG_TEMPLATE_DB]);
    for (const r of old.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${PG_TEMPLATE_DB}"`);
    await admin.end();
    const url = new URL(pgUrl);
    url.pathname = `/${PG_TEMPLATE_DB}`;
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url.toString() }, stdio: "pipe" });
  }
  return () => rmSync("data/test", { recursive: true, force: true });
}
