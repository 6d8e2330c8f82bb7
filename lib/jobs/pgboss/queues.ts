/**
 * pg-boss queue settings per job kind (one pg-boss queue per kind, named like the kind). Pure data: the job
 * code never sees these. Source of the semantics: pg-boss 10.4.2 README and types (node_modules/pg-boss):
 * - `policy: "singleton"` — at most ONE job per `singletonKey` in state `active` (unique index `job_i2` on
 *   (name, singleton_key) where state = active, node_modules/pg-boss/src/plans.js). Our singleton key is the
 *   Job row's `dedupeKey` (`sync:<connectionId>`): one sync per connection runs at a time across all workers,
 *   so each HubSpot portal / Stripe account is paced by the one process that owns its sync (its client's pacer).
 *   Caveat (timgit/pg-boss#535, #536, maintainer: "once the next job would produce a unique constraint
 *   violation ... all job processing will be blocked"): two QUEUED jobs with one key while one is active would
 *   block the queue's fetch. Our enqueue never makes that: one live Job row per dedupeKey (an advisory lock
 *   on PostgreSQL, lib/jobs/queue.ts) and one pg-boss job per Job row (dispatch and re-dispatch under a lock).
 * - retries: pg-boss puts a failed job in state `retry` until `retryCount = retryLimit`, then `failed` and a
 *   copy on the `deadLetter` queue; with `retryBackoff` the delay is retryDelay × 2^n ± jitter (plans.js
 *   failJobs): 30 s, ~60 s, ~120 s … for syncs.
 * - `expireInSeconds`: an `active` job older than this is failed by pg-boss's maintenance (a backstop; a dead
 *   worker is normally found sooner by our heartbeat, lib/jobs/pgboss/worker.ts).
 * - separate queues = separate fetch loops in every worker (`work()` per queue): a webhook never waits behind
 *   a 100,000-account backfill of another organization.
 */
export type QueueClass = "webhook" | "sync" | "pipeline" | "default";

export type QueueSettings = {
  class: QueueClass;
  policy: "standard" | "singleton";
  retryLimit: number;
  /** seconds */
  retryDelay: number;
  retryBackoff: boolean;
  /** seconds */
  expireInSeconds: number;
  /** how often an idle worker looks at this queue (seconds, ≥ 0.5) */
  pollingIntervalSeconds: number;
};

/** The queue every job that used up its retries is copied to (pg-boss `deadLetter`). */
export const DEAD_LETTER_QUEUE = "dead-letter-job";

const CLASS_SETTINGS: Record<QueueClass, Omit<QueueSettings, "class" | "policy">> = {
  webhook: { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60, pollingIntervalSeconds: 0.5 },
  sync: { retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 12 * 3600, pollingIntervalSeconds: 2 },
  pipeline: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 6 * 3600, pollingIntervalSeconds: 2 },
  default: { retryLimit: 2, retryDelay: 10, retryBackoff: true, expireInSeconds: 3600, pollingIntervalSeconds: 2 },
};

/** The class of job kind `name`: webhooks and syncs by name, the scoring pipeline, everything else default. */
export function queueClassOf(name: string): QueueClass {
  if (name.includes("webhook")) return "webhook";
  if (name.startsWith("sync-")) return "sync";
  if (name.startsWith("refresh-") || name.startsWith("fit-") || name.includes("push-scores") || name.includes("train")) return "pipeline";
  return "default";
}

/** pg-boss settings of job kind `name` (`overrides` e.g. from tests: shorter delays). */
export function queueSettingsOf(name: string, overrides: Partial<Record<QueueClass, Partial<QueueSettings>>> = {}): QueueSettings {
  const cls = queueClassOf(name);
  return {
    class: cls,
    policy: cls === "sync" ? "singleton" : "standard",
    ...CLASS_SETTINGS[cls],
    ...overrides[cls],
  };
}
