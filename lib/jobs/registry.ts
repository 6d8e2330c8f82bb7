/**
 * Job name → lazy import of its definition. Add one line per job. Lazy so that a route that only
 * enqueues doesn't load the job's code (and its vendor SDK).
 */
import type { JobDefinition } from "./define-job";

const REGISTRY: Record<string, () => Promise<JobDefinition>> = {
  "noop-job": async () => (await import("./noop-job")).noopJob as JobDefinition,
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
};

export function registeredJobNames(): string[] {
  return Object.keys(REGISTRY);
}

/** @throws Error for an unknown job name. */
export async function getJobDefinition(name: string): Promise<JobDefinition> {
  const load = REGISTRY[name];
  if (!load) throw new Error(`unknown job "${name}"; registered: ${Object.keys(REGISTRY).join(", ")}`);
  return load();
}

/** Register a job at run time (tests). */
export function registerJob(name: string, load: () => Promise<JobDefinition>): void {
  REGISTRY[name] = load;
}
