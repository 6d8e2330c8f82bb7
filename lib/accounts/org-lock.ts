/**
 * In-process mutual exclusion per organization: identity resolution and the manual link actions
 * of one organization run one at a time, so two syncs finishing together cannot both create an
 * account for the same record. (One web process owns the embedded default; a multi-worker
 * deployment would need a database lock instead — see docs/identity.md.)
 */
const tails = new Map<string, Promise<unknown>>();

/** Run `fn` after every earlier `withOrgLock(organizationId, …)` call has settled. */
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
