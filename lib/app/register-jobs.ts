/**
 * Where the application's job kinds are registered — ONE line per job kind below (name → lazy import of its
 * definition). Called by every entry point that enqueues or runs jobs: the web server's start
 * (instrumentation.ts), `npm run worker` (scripts/worker.ts), the CLI scripts and the test set-up
 * (tests/helpers/register-jobs.ts). The job queue (lib/jobs) knows nothing of these modules, so the pipeline
 * and the connectors can import the queue without an import circle (`npm run check:cycles`).
 *
 * Lazy: a route that only enqueues never loads the job's code (and its vendor SDK). Idempotent.
 */
import type { JobDefinition } from "@/lib/jobs/define-job";
import { registerJob } from "@/lib/jobs/registry";

const APP_JOBS: Record<string, () => Promise<JobDefinition>> = {
  "noop-job": async () => (await import("@/lib/jobs/noop-job")).noopJob as JobDefinition,
  "refresh-organization-job": async () => (await import("@/lib/pipeline/refresh-organization-job")).refreshOrganizationJob as JobDefinition,
  "refresh-accounts-job": async () => (await import("@/lib/pipeline/refresh-organization-job")).refreshAccountsJob as JobDefinition,
  "sync-connection-job": async () => (await import("@/lib/sync/sync-connection-job")).syncConnectionJob as JobDefinition,
  "hubspot-webhook-job": async () => (await import("@/lib/connectors/hubspot/webhooks")).hubspotWebhookJob as JobDefinition,
  "hubspot-push-scores-job": async () => (await import("@/lib/connectors/hubspot/jobs")).hubspotPushScoresJob as JobDefinition,
  "stripe-webhook-job": async () => (await import("@/lib/connectors/stripe/webhook")).stripeWebhookJob as JobDefinition,
  "fit-scoring-job": async () => (await import("@/lib/scoring/fit-scoring-job")).fitScoringJob as JobDefinition,
  "evaluate-alerts-job": async () => (await import("@/lib/alerts/jobs")).evaluateAlertsJob as JobDefinition,
  "deliver-alert-job": async () => (await import("@/lib/alerts/jobs")).deliverAlertJob as JobDefinition,
  "alert-digest-job": async () => (await import("@/lib/alerts/jobs")).alertDigestJob as JobDefinition,
  "hubspot-task-write-back-job": async () => (await import("@/lib/tasks/jobs")).hubspotTaskWriteBackJob as JobDefinition,
  "sales-activity-refresh-job": async () => (await import("@/lib/sales-activity/jobs")).salesActivityRefreshJob as JobDefinition,
  "revenue-movements-job": async () => (await import("@/lib/revenue/build-job")).revenueMovementsJob as JobDefinition,
  "score-organization-job": async () => (await import("@/lib/pipeline/score-organization-job")).scoreOrganizationJob as JobDefinition,
  "score-shard-job": async () => (await import("@/lib/pipeline/score-organization-job")).scoreShardJob as JobDefinition,
};

/** Register every job kind of the application in this process (see lib/jobs/registry.ts). */
export function registerAppJobs(): void {
  for (const [name, load] of Object.entries(APP_JOBS)) registerJob(name, load);
}

/** The application's job kind names (for the pg-boss engine's queues and the docs). */
export function appJobNames(): string[] {
  return Object.keys(APP_JOBS);
}
