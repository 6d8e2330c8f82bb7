/**
 * Job name → lazy loader of its definition, filled at run time by whoever puts the application together.
 * The queue knows nothing of job kinds: the kinds are registered in lib/app/register-jobs.ts (ONE line per
 * job there), which the entry points call — the web server's start (instrumentation.ts), the worker
 * (scripts/worker.ts), the CLI scripts and the test set-up. Importing the pipeline or the connectors from
 * here would close an import circle (queue → registry → connectors → queue); `npm run check:cycles` guards it.
 *
 * The map lives on `globalThis`: Next.js bundles instrumentation.ts and the route handlers as separate module
 * graphs in one process, so a module-level map filled by one would be empty in the other.
 */
import type { JobDefinition } from "./define-job";

type Loader = () => Promise<JobDefinition>;
const g = globalThis as unknown as { __cwJobRegistry?: Map<string, Loader> };
g.__cwJobRegistry ??= new Map();
const REGISTRY = g.__cwJobRegistry;

/** Names of the job kinds registered in this process (empty until an entry point registered them). */
export function registeredJobNames(): string[] {
  return [...REGISTRY.keys()];
}

/**
 * The definition of job kind `name` (loaded on first use: a route that only enqueues does not load the job's
 * code and its vendor SDK).
 * @throws Error for a name nobody registered in this process (lists the registered ones).
 */
export async function getJobDefinition(name: string): Promise<JobDefinition> {
  const load = REGISTRY.get(name);
  if (!load) {
    const known = registeredJobNames();
    throw new Error(`unknown job "${name}"; registered: ${known.length ? known.join(", ") : "none (the entry point did not call registerAppJobs() from lib/app/register-jobs.ts)"}`);
  }
  return load();
}

/** Register job kind `name` with a lazy loader of its definition, loaded once (a later call for the same name replaces it). */
export function registerJob(name: string, load: Loader): void {
  let loaded: Promise<JobDefinition> | undefined; // once per process: a dynamic import() under tsx costs ~0.7 ms CPU per call (issue 15)
  REGISTRY.set(name, () => (loaded ??= load().catch((err: unknown) => { loaded = undefined; throw err; })));
}
