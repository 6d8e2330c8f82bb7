/**
 * Shapes the Integrations page works with: exactly what `GET /api/integrations` returns (snake_case),
 * so the server page (which reads the same summaries through lib/integrations/connection-summary.ts and
 * converts them with toSnakeCase) and the client's refreshes share one type.
 */
import type { z } from "zod";
import type { ZConnectionSummary } from "@/lib/api/contracts/integrations";

export type ProviderName = "hubspot" | "stripe";

export type ConnectionView = z.infer<typeof ZConnectionSummary>;
export type SyncRunView = ConnectionView["last_runs"][number];

/** One provider with its connections (`GET /api/integrations` → data[]). */
export type ProviderView = { name: ProviderName; connected: boolean; connections: ConnectionView[] };

/** `GET /api/jobs/{id}` (lib/api/contracts/core.ts ZJob). */
export type JobView = {
  id: string;
  name: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  progress: Record<string, unknown> | null;
  result: unknown;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

/** The result of refresh-organization-job (Score All Accounts / the post-sync pipeline), as far as the page shows it. */
export type PipelineResult = {
  identity?: { created?: number; linked?: Record<string, number>; pending_review?: number };
  signals?: { mode?: string; accounts?: number; rows?: number };
  model?: { trained?: boolean; status?: string; version?: number };
  scoring?: { accounts?: number; scores?: number; counts?: Record<string, number>; probability_source?: string };
  duration_ms?: number;
};

/** The latest scoring-pipeline run shown under "Scoring pipeline". */
export type PipelineRunView = {
  job_id: string;
  status: string;
  trigger: string | null;
  finished_at: string | null;
  error: string | null;
  result: PipelineResult | null;
};

export const PROVIDER_LABEL: Record<ProviderName, string> = { hubspot: "HubSpot", stripe: "Stripe" };

export const isActiveJob = (status: string | undefined | null) => status === "queued" || status === "running";
