/**
 * /settings/scoring (admin): weights, penalties, thresholds with a preview before saving; the backtest
 * and the churn model with Retrain. The active config and model are read on the server; the backtest
 * loads in the browser (it scores history, which takes a moment).
 */
import { NotAllowed } from "@/components/layout/not-allowed";
import type { ModelView } from "@/components/settings/model-panel";
import type { ScoringConfigView } from "@/components/settings/scoring-config-form";
import { ScoringSettingsClient } from "@/components/settings/scoring-settings-client";
import { requirePageRole } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { toSnakeCase } from "@/lib/http/case";
import { getScoringConfigView } from "@/lib/queries/scoring-config-api";

export const dynamic = "force-dynamic";

export default async function ScoringSettingsPage() {
  const { user, allowed } = await requirePageRole("admin");
  const header = (
    <div>
      <h1 className="text-2xl font-semibold">Scoring settings</h1>
      <p className="mt-1 text-sm text-slate-500">How the 0-100 health score is built and where the risk levels start. Changes are versioned; every score remembers the version that produced it.</p>
    </div>
  );
  if (!allowed) return <section className="space-y-4">{header}<NotAllowed need="admin" /></section>;
  const db = getDb();
  const [config, model] = await Promise.all([
    getScoringConfigView(db, user.organizationId),
    db.churnModel.findFirst({
      where: { organizationId: user.organizationId, isActive: true }, orderBy: { version: "desc" },
      select: { id: true, version: true, status: true, algorithm: true, horizonDays: true, metrics: true, trainingRows: true, positives: true, isActive: true, notes: true, trainedAt: true },
    }),
  ]);
  return (
    <section className="space-y-6">
      {header}
      <ScoringSettingsClient config={toSnakeCase(config) as ScoringConfigView} model={model ? (toSnakeCase(model) as ModelView) : null} />
    </section>
  );
}
