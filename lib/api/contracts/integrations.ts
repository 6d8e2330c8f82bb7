/** Contracts of the vendor-agnostic integration routes (seed 01's endpoint table + issue 4/5 forms). */
import { z } from "zod";
import { defineRoute } from "../contract";

export const ZProviderParams = z.object({ name: z.enum(["hubspot", "stripe"], { error: 'must be "hubspot" or "stripe"' }) });

const ZRun = z.object({
  id: z.string(), object_type: z.string(), direction: z.string(), mode: z.string(), status: z.string(),
  records_processed: z.number(), records_skipped: z.number(), records_total: z.number().nullable(), request_count: z.number(),
  started_at: z.string(), completed_at: z.string().nullable(), error: z.string().nullable(), error_guidance: z.string().nullable(),
  skip_reasons: z.array(z.object({ external_id: z.string().nullable(), reason: z.string() })),
});
export const ZConnectionSummary = z.object({
  id: z.string(), provider: z.enum(["hubspot", "stripe"]), mode: z.enum(["test", "live"]), auth_type: z.enum(["token", "oauth"]),
  status: z.enum(["connected", "syncing", "error", "reconnect_needed", "disconnected"]),
  display_name: z.string(), external_account_id: z.string(), credentials_hint: z.string().nullable().describe("Last 4 characters only"),
  webhook_secret_hint: z.string().nullable(), scopes: z.array(z.string()), write_back: z.boolean(),
  property_mappings: z.record(z.string(), z.string()), last_sync_at: z.string().nullable(), last_full_sync_at: z.string().nullable(),
  last_error: z.string().nullable(), created_at: z.string(),
  webhooks: z.object({
    pending: z.number().describe("Events accepted more than 5 minutes ago and not applied yet (the worker queues them again)"),
    failed: z.number().describe("Events whose processing failed in the last 3 days"),
    last_error: z.string().nullable(),
  }),
  current_job: z.object({ id: z.string(), status: z.string(), progress: z.unknown(), error: z.string().nullable() }).nullable(),
  last_runs: z.array(ZRun),
  last_full_runs: z.array(z.object({
    id: z.string(), object_type: z.string(), status: z.string(), records_processed: z.number(), records_skipped: z.number(),
    started_at: z.string(), completed_at: z.string().nullable(),
  })).describe("The newest full sync run per object type (its counts stay after later incremental runs)"),
});

export const listIntegrationsRoute = defineRoute({
  method: "GET", path: "/api/integrations", summary: "All connectors with their connections and sync status", tags: ["integrations"],
  auth: { role: "csm", cron: true },
  response: z.object({ data: z.array(z.object({ name: z.enum(["hubspot", "stripe"]), connected: z.boolean(), connections: z.array(ZConnectionSummary) })) }),
});

/**
 * A pasted credential (token, API key, signing secret): surrounding white space trimmed, then printable ASCII
 * only, ≤ 512 characters. Checked before anything is sent to a vendor, so a control character can never end
 * up in an Authorization header (where it made the HTTP client throw with the header's value in its message);
 * the error names the field and never repeats the value.
 */
const ZCredential = z.string().trim()
  .max(512, "is longer than any HubSpot or Stripe credential (512 characters): paste only the token or key")
  .regex(/^[\x21-\x7E]*$/, "contains spaces or control characters: paste the token or key again, on one line, with nothing else");

export const ZConfigureQuery = z.object({}).catchall(z.unknown());
export const configureRoute = defineRoute({
  method: "POST", path: "/api/integrations/{name}/configure", summary: "Test & Save: verify a credential with a real call and store it encrypted", tags: ["integrations"],
  auth: { role: "admin" }, params: ZProviderParams,
  body: z.object({
    token: ZCredential.optional().describe("HubSpot private-app / service-key token"),
    api_key: ZCredential.optional().describe("Stripe restricted (rk_…) or secret (sk_…) key"),
    write_back: z.boolean().optional(),
    webhook_secret: ZCredential.optional(),
  }).passthrough(),
  response: z.object({ connection: ZConnectionSummary, missing_scopes: z.array(z.string()), warnings: z.array(z.string()), created: z.boolean() }),
});

export const ZConnectionQuery = z.object({ connection_id: z.string().optional().describe("Defaults to the provider's first live connection") }).strict();
export const statusRoute = defineRoute({
  method: "GET", path: "/api/integrations/{name}/status", summary: "Detailed status of a provider's connections (sync progress, last runs, errors)", tags: ["integrations"],
  auth: { role: "csm", cron: true }, params: ZProviderParams, query: ZConnectionQuery,
  response: z.object({ name: z.string(), connected: z.boolean(), connections: z.array(ZConnectionSummary) }),
});

export const ZSyncQuery = z.object({
  connection_id: z.string().optional().describe("Sync one connection; default all of the provider's connections"),
  full: z.enum(["true", "false", "1", "0"]).optional().transform((v) => v === "true" || v === "1").describe("Full re-sync"),
}).strict();
export const syncRoute = defineRoute({
  method: "POST", path: "/api/integrations/{name}/sync", summary: "Start a sync in the background (returns the job to poll)", tags: ["integrations"],
  auth: { role: "admin", cron: true }, params: ZProviderParams, query: ZSyncQuery,
  response: z.object({ jobs: z.array(z.object({ connection_id: z.string(), job: z.object({ id: z.string(), status: z.string() }), deduplicated: z.boolean() })) }),
});

export const settingsRoute = defineRoute({
  method: "PATCH", path: "/api/integrations/{name}/settings", summary: "Set the webhook signing secret and/or the write-back toggle", tags: ["integrations"],
  auth: { role: "admin" }, params: ZProviderParams,
  body: z.object({ connection_id: z.string().optional(), webhook_secret: ZCredential.pipe(z.string().min(8)).optional(), write_back: z.boolean().optional() }).strict(),
  response: z.object({ connection: ZConnectionSummary }),
});

export const disconnectRoute = defineRoute({
  method: "DELETE", path: "/api/integrations/{name}/disconnect", summary: "Stop syncing and forget the credentials; synced data is kept", tags: ["integrations"],
  auth: { role: "admin" }, params: ZProviderParams, query: ZConnectionQuery,
  response: z.object({ connection_id: z.string(), data_kept: z.literal(true), warning: z.string().nullable() }),
});

const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter(Boolean)), z.array(z.enum(values)).optional());

const ZHistoryObject = z.object({
  object_type: z.string(), direction: z.enum(["inbound", "outbound"]), mode: z.string(), status: z.string(),
  records_processed: z.number(), records_skipped: z.number(), records_total: z.number().nullable(), request_count: z.number(),
  skip_reasons: z.array(z.object({ external_id: z.string().nullable(), reason: z.string() })),
  error: z.string().nullable(), error_guidance: z.string().nullable(), started_at: z.string(), completed_at: z.string().nullable(),
});
export const syncHistoryRoute = defineRoute({
  method: "GET", path: "/api/integrations/{name}/sync-runs",
  summary: "Sync history of a connection (kept 90 days): one entry per sync with trigger, mode, per-object counts, skipped records, duration, errors with guidance",
  tags: ["integrations"],
  auth: { role: "csm" }, params: ZProviderParams,
  query: z.object({
    connection_id: z.string().optional().describe("Defaults to the provider's first connection"),
    mode: csvOf(["full", "incremental", "webhook", "write_back"] as const).describe("Comma list"),
    status: csvOf(["running", "succeeded", "partial", "failed", "cancelled"] as const).describe("Comma list; a sync's status is its worst object type's"),
    trigger: z.preprocess((v) => (v === undefined ? undefined : String(v).split(",").filter(Boolean)), z.array(z.string().max(40)).optional()).describe("Comma list: manual, cron, cli, demo, webhook, write_back"),
    object_type: z.string().max(40).optional().describe("Only syncs that read this object type, e.g. companies"),
    since: z.iso.datetime({ offset: true }).optional().describe("ISO time; default 90 days ago"),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(20),
    cursor: z.string().optional(),
  }).strict(),
  response: z.object({
    data: z.array(z.object({
      job_id: z.string().nullable(), started_at: z.string(), completed_at: z.string().nullable(), duration_ms: z.number().nullable(),
      trigger: z.string(), mode: z.string(), status: z.string(), direction: z.string(),
      totals: z.object({ records_processed: z.number(), records_skipped: z.number(), request_count: z.number() }),
      objects: z.array(ZHistoryObject),
      errors: z.array(z.object({ object_type: z.string(), error: z.string(), guidance: z.string().nullable() })),
    })),
    total: z.number(), next_cursor: z.string().nullable(),
  }),
});

export const integrationRoutes = [listIntegrationsRoute, configureRoute, statusRoute, syncRoute, settingsRoute, disconnectRoute, syncHistoryRoute];
