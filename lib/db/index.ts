/**
 * The process-wide Prisma client (one per process; reused across Next.js hot reloads in dev).
 * Import `db` from here in server code; tests create their own with tests/helpers/db.ts.
 */
import { createPrisma, type Db } from "./prisma";

const g = globalThis as unknown as { __churnwatchDb?: Db };

/** Lazily created so that importing a module never opens a database (e.g. during `next build`). */
export function getDb(): Db {
  g.__churnwatchDb ??= createPrisma();
  return g.__churnwatchDb;
}

/** Replace the process-wide client (tests and the demo bootstrap use this). */
export function setDb(db: Db): void {
  g.__churnwatchDb = db;
}

export type { Db, Tx } from "./prisma";
