/**
 * The contract between the vendor-agnostic parts (integrations routes, the sync job, the UI) and
 * each vendor module (lib/connectors/hubspot, lib/connectors/stripe). One module owns each vendor API.
 */
import type { z } from "zod";
import type { Db } from "@/lib/db";
import type { JobContext } from "@/lib/jobs";

export type ProviderName = "hubspot" | "stripe";

/** Result of "Test & Save" (configure) or an OAuth callback: the stored connection. */
export type ConfigureResult = {
  connectionId: string;
  externalAccountId: string;
  displayName: string;
  mode: "test" | "live";
  /** Granted scopes / permissions found. */
  scopes: string[];
  /** Required scopes/permissions the credential lacks (empty = all good). Named exactly as the vendor names them. */
  missingScopes: string[];
  /** Human-readable warnings (e.g. "write-back is on but crm.objects.companies.write is missing"). */
  warnings: string[];
  /** True when this created a new connection (false = updated an existing one for the same portal/account). */
  created: boolean;
};

export type SyncOptions = {
  connectionId: string;
  /** Full re-sync (re-read everything and reconcile) instead of incremental. */
  full: boolean;
  /** What started it: "manual" (UI/API), "cron", "connect" (first sync), "webhook", "cli". */
  trigger: string;
};

/** Per object type counts of one sync (also stored as SyncRun rows). */
export type SyncSummary = {
  connectionId: string;
  mode: "full" | "incremental";
  objects: Record<string, { processed: number; skipped: number; status: string; error?: string | null }>;
  requestCount: number;
  durationMs: number;
};

export type ConnectorModule = {
  provider: ProviderName;
  /** zod schema of POST /api/integrations/{provider}/configure's JSON body (snake_case). */
  configureBody: z.ZodType;
  /**
   * Test & Save: makes a real vendor call with the credential, checks scopes/permissions, and stores the
   * connection with the credential encrypted (creates, or updates the one for the same portal/account).
   * @throws AppError (bad_request / upstream_error / unprocessable) with a message that says what to do. Nothing is stored on error.
   */
  configure(db: Db, input: { organizationId: string; userId?: string; body: unknown }): Promise<ConfigureResult>;
  /** Run a sync inside a background job (called by sync-connection-job). Writes SyncRun rows per object type. */
  runSync(db: Db, opts: SyncOptions, ctx: JobContext): Promise<SyncSummary>;
  /** Vendor-side cleanup on disconnect (e.g. Stripe Connect deauthorize). Credentials are wiped by the caller. */
  onDisconnect?(db: Db, connectionId: string): Promise<void>;
};
