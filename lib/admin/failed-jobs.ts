/**
 * The dead-letter list for admins (issue 15, page /settings/jobs): the organization's FAILED jobs — jobs whose
 * attempts are used up (the Job-table worker's retries, or pg-boss's retryLimit, lib/jobs/pgboss/queues.ts) —
 * in words: what kind of work it was, which connection it was for (by its display name), what went wrong
 * (`errorInWords`), attempts and when it failed. Admins retry one with POST /api/jobs/{id}/retry (lib/jobs retryJob).
 *
 * Scoped to ONE organization: the jobs come from listJobs(organizationId) and the connection names from that
 * organization's connections only (a payload naming another organization's connection shows no name).
 */
import type { Db } from "@/lib/db";
import { listJobs } from "@/lib/jobs";

export type FailedJobRow = {
  id: string;
  /** job kind, e.g. "sync-connection-job" */
  name: string;
  /** what the job does, in words: "HubSpot sync", "Scoring run" */
  kind: string;
  /** the connection's display name and provider, or null for organization-wide work */
  connection: { id: string; name: string; provider: string } | null;
  /** what went wrong, in words (first line, no stack, known causes explained) */
  error: string;
  /** the stored error text, first 2,000 characters (for the details disclosure) */
  errorDetail: string | null;
  attempts: number;
  failedAt: Date | null;
  createdAt: Date;
};

const KINDS: Record<string, string> = {
  "sync-connection-job": "Sync",
  "refresh-organization-job": "Scores refresh (identity, signals, model, scores)",
  "refresh-accounts-job": "Account refresh after a webhook",
  "score-organization-job": "Scoring run",
  "score-shard-job": "Scoring run (one shard)",
  "hubspot-webhook-job": "HubSpot webhook processing",
  "stripe-webhook-job": "Stripe webhook processing",
  "hubspot-push-scores-job": "HubSpot write-back of scores",
  "fit-scoring-job": "Fit scoring to history",
  "evaluate-alerts-job": "Alert evaluation",
  "deliver-alert-job": "Alert delivery",
  "alert-digest-job": "Alert digest",
  "hubspot-task-write-back-job": "HubSpot task write-back",
  "noop-job": "Test job",
};

/** The job kind in words ("sync-connection-job" → "Sync"; unknown kinds: the name without "-job", capitalised). */
export function jobKindInWords(name: string): string {
  if (KINDS[name]) return KINDS[name];
  const s = name.replace(/-job$/, "").replace(/-/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A stored job error in words: the first meaningful line (stack frames and Prisma's "Invalid `…` invocation"
 * preamble dropped), with the usual causes explained. Never returns an empty string.
 */
export function errorInWords(error: string | null | undefined): string {
  if (!error || !error.trim()) return "Failed without an error message.";
  const lines = error.split("\n").map((l) => l.trim()).filter((l) => l && !/^at\s/.test(l) && !/^Invalid `.*` invocation/.test(l) && !/^→?\s*\d+\s/.test(l));
  const first = (lines[lines.length > 1 && /invocation|^\w*Error:?$/.test(lines[0]) ? 1 : 0] ?? error.trim()).replace(/^(\w*Error|AppError):\s*/, "");
  const lower = error.toLowerCase();
  const explain = (why: string) => `${why} (${first.length > 160 ? `${first.slice(0, 157)}…` : first})`;
  if (/\b401\b|unauthori[sz]ed|invalid[_ ]api[_ ]key|expired authentication|invalid_grant/.test(lower)) return explain("The vendor refused the connection's credentials: reconnect it on the Integrations page.");
  if (/\b403\b|forbidden|missing (the )?scopes?|insufficient permissions/.test(lower)) return explain("The connection lacks a permission this work needs: reconnect it with the required scopes.");
  if (/\b429\b|rate limit|too many requests/.test(lower)) return explain("The vendor's rate limit was hit on every attempt.");
  if (/econnrefused|enotfound|etimedout|econnreset|fetch failed|socket hang up|network/.test(lower)) {
    // a refused connection to PostgreSQL's port or a Prisma/pg error is our database, not the vendor
    return explain(/:5432\b|database|prisma|postgres/.test(lower) ? "The database could not be reached." : "The vendor's API could not be reached.");
  }
  if (/timed? ?out|timeout/.test(lower)) return explain("It took too long and was stopped.");
  if (/worker stopped|no heartbeat/.test(lower)) return explain("The worker running it stopped before it finished, on every attempt.");
  if (/\b5\d\d\b|internal server error|service unavailable|bad gateway/.test(lower)) return explain("The vendor's API answered with a server error.");
  if (/cancel requested/.test(lower)) return "Cancelled while it ran.";
  return first.length > 300 ? `${first.slice(0, 297)}…` : first;
}

/** Failed jobs of `organizationId`, newest first, one page (see module doc). */
export async function listFailedJobs(
  db: Db,
  organizationId: string,
  opts: { limit?: number; cursor?: string } = {},
): Promise<{ data: FailedJobRow[]; total: number; next_cursor: string | null }> {
  const page = await listJobs(db, organizationId, { status: "failed", limit: opts.limit ?? 50, cursor: opts.cursor });
  const rows = await db.job.findMany({ where: { id: { in: page.data.map((j) => j.id) }, organizationId }, select: { id: true, payload: true } });
  const payloadOf = new Map(rows.map((r) => [r.id, r.payload as Record<string, unknown> | null]));
  const connectionIdOf = (id: string) => {
    const p = payloadOf.get(id);
    return p && typeof p.connectionId === "string" ? p.connectionId : null;
  };
  const ids = [...new Set(page.data.map((j) => connectionIdOf(j.id)).filter((x): x is string => !!x))];
  const conns = ids.length
    ? await db.connection.findMany({ where: { organizationId, id: { in: ids } }, select: { id: true, displayName: true, provider: true } })
    : [];
  const connOf = new Map(conns.map((c) => [c.id, c]));
  return {
    total: page.total,
    next_cursor: page.next_cursor,
    data: page.data.map((j) => {
      const c = connOf.get(connectionIdOf(j.id) ?? "");
      const provider = c ? (c.provider === "hubspot" ? "HubSpot" : c.provider === "stripe" ? "Stripe" : String(c.provider)) : null;
      return {
        id: j.id,
        name: j.name,
        kind: j.name === "sync-connection-job" && provider ? `${provider} sync` : jobKindInWords(j.name),
        connection: c ? { id: c.id, name: c.displayName, provider: provider! } : null,
        error: errorInWords(j.error),
        errorDetail: j.error ? j.error.slice(0, 2_000) : null,
        attempts: j.attempts,
        failedAt: j.finishedAt,
        createdAt: j.createdAt,
      };
    }),
  };
}
