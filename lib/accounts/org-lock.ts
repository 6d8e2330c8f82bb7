/**
 * Mutual exclusion per organization for identity resolution and the manual link actions, so two syncs finishing
 * together (or a sync and an admin's link) cannot both create an account for the same record:
 * - in this process: `withOrgLock` chains the callers of one organization;
 * - across processes (the web server and its worker process; several workers on PostgreSQL): every such
 *   transaction starts with `lockOrganizationInTx`, which takes a lock the database holds until the transaction
 *   ends — PostgreSQL: `pg_advisory_xact_lock` on the organization id; SQLite: the database's write lock, taken at
 *   once by a no-op UPDATE of the organization row (another process waits up to the 5 s busy timeout instead of
 *   reading a state that is about to change).
 */
import type { Tx } from "@/lib/db";
import { providerOf } from "@/lib/db/prisma";

const tails = new Map<string, Promise<unknown>>();

/** Run `fn` after every earlier `withOrgLock(organizationId, …)` call of this process has settled. */
export async function withOrgLock<T>(organizationId: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(organizationId) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  tails.set(organizationId, tail);
  try {
    return await run;
  } finally {
    if (tails.get(organizationId) === tail) tails.delete(organizationId);
  }
}

/**
 * Take the organization's cross-process lock for the rest of the transaction `tx` (call it first).
 * Waits while another transaction holds it (PostgreSQL: indefinitely, bounded by the transaction's timeout;
 * SQLite: up to the busy timeout, then throws SQLITE_BUSY).
 */
export async function lockOrganizationInTx(tx: Tx, organizationId: string): Promise<void> {
  if (providerOf(tx) === "postgresql") {
    await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text AS locked`, `churnwatch:org:${organizationId}`);
  } else {
    await tx.$executeRawUnsafe(`UPDATE "Organization" SET "name" = "name" WHERE "id" = ?`, organizationId);
  }
}
