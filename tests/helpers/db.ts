/**
 * Fresh, migrated databases for tests. SQLite by default; PostgreSQL when the run was started
 * with CHURNWATCH_TEST_DB=postgres and TEST_DATABASE_URL (scripts/test-all.sh does both).
 *
 *   const t = await createTestDb();   // t.db is a Prisma client, t.url its DATABASE_URL
 *   afterAll(() => t.cleanup());
 */
import { copyFileSync, rmSync } from "node:fs";
import { inject } from "vitest";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createPrisma, type Db } from "@/lib/db/prisma";

declare module "vitest" {
  export interface ProvidedContext { testRunDir: string; pgTemplateDb: string }
}

export type TestDb = { db: Db; url: string; provider: "sqlite" | "postgresql"; cleanup: () => Promise<void> };

export function testDbProvider(): "sqlite" | "postgresql" {
  return process.env.CHURNWATCH_TEST_DB === "postgres" && process.env.TEST_DATABASE_URL ? "postgresql" : "sqlite";
}

export async function createTestDb(): Promise<TestDb> {
  const id = randomUUID().replaceAll("-", "").slice(0, 12);
  if (testDbProvider() === "postgresql") {
    const base = process.env.TEST_DATABASE_URL!;
    const template = inject("pgTemplateDb");
    const name = `cw_test_${template.split("_").pop()}_${id}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    const url = u.toString();
    const db = createPrisma(url);
    return {
      db, url, provider: "postgresql",
      cleanup: async () => {
        await db.$disconnect();
        const a = new pg.Client({ connectionString: base });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const runDir = inject("testRunDir");
  const file = `${runDir}/${id}.db`;
  copyFileSync(`${runDir}/template.db`, file);
  const url = `file:./${file}`;
  const db = createPrisma(url);
  return {
    db, url, provider: "sqlite",
    cleanup: async () => {
      await db.$disconnect();
      rmSync(file, { force: true });
    },
  };
}
