/**
 * /integrations (admin): connect HubSpot and Stripe, sync with live progress, errors with guidance,
 * settings, disconnect, and the scoring pipeline. Data is read on the server (the same summaries as
 * `GET /api/integrations`, converted to its snake_case shape) and handed to the client component.
 * OAuth callbacks land here with `?connected=<provider>` or `?error=…` / `?<provider>_error=…` (banner).
 */
import { IntegrationsClient } from "@/components/integrations/integrations-client";
import type { ConnectionView, PipelineResult, PipelineRunView, ProviderView } from "@/components/integrations/types";
import { NotAllowed } from "@/components/layout/not-allowed";
import { requirePageRole } from "@/lib/auth/page-guard";
import { PROVIDERS } from "@/lib/connectors/registry";
import { getDb } from "@/lib/db";
import { toSnakeCase } from "@/lib/http/case";
import { summarizeConnections } from "@/lib/integrations/connection-summary";

export const dynamic = "force-dynamic";

const LABEL: Record<string, string> = { hubspot: "HubSpot", stripe: "Stripe" };

function bannerFrom(sp: Record<string, string | string[] | undefined>) {
  const one = (k: string) => (typeof sp[k] === "string" ? (sp[k] as string) : undefined);
  const err = one("error") ?? one("stripe_error") ?? one("hubspot_error");
  if (err) return { tone: "error" as const, text: `Connecting failed: ${err.slice(0, 500)}` };
  const connected = one("connected");
  if (connected) return { tone: "success" as const, text: `${LABEL[connected] ?? connected} connected. The first full sync has started; progress is shown below.` };
  return null;
}

export default async function IntegrationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { user, allowed } = await requirePageRole("admin");
  if (!allowed) {
    return (
      <section className="space-y-4">
        <h1 className="text-2xl font-semibold">Integrations</h1>
        <NotAllowed need="admin" />
      </section>
    );
  }
  const db = getDb();
  const [summaries, lastJob] = await Promise.all([
    summarizeConnections(db, { organizationId: user.organizationId }),
    db.job.findFirst({
      where: { organizationId: user.organizationId, name: "refresh-organization-job", status: { in: ["succeeded", "failed", "running"] } },
      orderBy: { createdAt: "desc" },
    }),
  ]);
  const connections = toSnakeCase(summaries) as ConnectionView[];
  const providers: ProviderView[] = PROVIDERS.map((name) => {
    const list = connections.filter((c) => c.provider === name);
    return { name, connected: list.length > 0, connections: list };
  });
  const payload = (lastJob?.payload ?? {}) as { trigger?: string };
  const lastRun: PipelineRunView | null = lastJob
    ? {
        job_id: lastJob.id, status: lastJob.status, trigger: payload.trigger ?? null,
        finished_at: lastJob.finishedAt?.toISOString() ?? null, error: lastJob.error,
        result: (toSnakeCase(lastJob.result) as PipelineResult | null) ?? null,
      }
    : null;

  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Integrations</h1>
        <p className="mt-1 text-sm text-slate-500">Connect your CRM and billing system, keep them in sync, and score every account.</p>
      </div>
      <IntegrationsClient initial={providers} lastRun={lastRun} initialBanner={bannerFrom(await searchParams)} />
    </section>
  );
}
