"use client";
/**
 * "Scoring pipeline" section: Score All Accounts (`POST /api/integrations/score`, which waits for
 * identity resolution → today's signals → model → scores and returns the run's summary) and the
 * summary of the latest run (initially the newest refresh-organization-job, read on the server).
 */
import { useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, Notice } from "@/components/settings/ui";
import { TimeAgo } from "@/components/settings/time-ago";
import type { PipelineResult, PipelineRunView } from "./types";

type ScoreResponse = { organizations: { organization_id: string; job: { id: string; status: string }; result?: PipelineResult }[]; duration_ms: number };

function Summary({ result, finishedAt, durationMs }: { result: PipelineResult; finishedAt: string | null; durationMs: number | null }) {
  const linked = result.identity?.linked ? Object.values(result.identity.linked).reduce((a, b) => a + b, 0) : null;
  const counts = result.scoring?.counts;
  const items: [string, string][] = [
    ["Accounts scored", (result.scoring?.accounts ?? 0).toLocaleString("en-US")],
    ...(counts ? [["Healthy / at risk / critical", `${counts.healthy ?? 0} / ${counts.at_risk ?? 0} / ${counts.critical ?? 0}`] as [string, string]] : []),
    ["New accounts", (result.identity?.created ?? 0).toLocaleString("en-US")],
    ...(linked !== null ? [["Source records linked", linked.toLocaleString("en-US")] as [string, string]] : []),
    ["Matches to review", (result.identity?.pending_review ?? 0).toLocaleString("en-US")],
    ["Signal rows", (result.signals?.rows ?? 0).toLocaleString("en-US")],
    ["Churn model", result.model?.version ? `v${result.model.version} · ${result.model.status === "trained" ? "trained" : result.model.status === "insufficient_data" ? "not enough history (fallback mapping)" : (result.model.status ?? "?")}${result.model.trained ? " (retrained)" : ""}` : "none"],
  ];
  return (
    <div data-testid="pipeline-summary">
      <p className="text-sm text-slate-600">
        Last run <TimeAgo value={finishedAt} />{durationMs !== null ? ` · took ${(durationMs / 1000).toFixed(1)} s` : ""}
      </p>
      <dl className="mt-2 grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
        {items.map(([k, v]) => (
          <div key={k} className="flex justify-between gap-3 border-b border-slate-100 py-1">
            <dt className="text-slate-500">{k}</dt>
            <dd className="text-right font-medium text-slate-800">{v}</dd>
          </div>
        ))}
      </dl>
      {(result.identity?.pending_review ?? 0) > 0 && (
        <p className="mt-2 text-sm"><a href="/accounts/matches" className="text-indigo-700 underline">Review {result.identity?.pending_review} possible matches</a></p>
      )}
    </div>
  );
}

export function ScoringPipeline({ lastRun, hasConnections }: { lastRun: PipelineRunView | null; hasConnections: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [run, setRun] = useState<{ result: PipelineResult; finishedAt: string | null; durationMs: number | null } | null>(
    lastRun?.result ? { result: lastRun.result, finishedAt: lastRun.finished_at, durationMs: lastRun.result.duration_ms ?? null } : null,
  );

  async function scoreAll() {
    setBusy(true);
    setError(null);
    try {
      const r = await apiFetch<ScoreResponse>("/api/integrations/score", { method: "POST" });
      const result = r.organizations[0]?.result;
      if (result) setRun({ result, finishedAt: new Date().toISOString(), durationMs: r.duration_ms });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="pipeline-title" className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid="scoring-pipeline">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id="pipeline-title" className="text-lg font-semibold text-slate-900">Scoring pipeline</h2>
          <p className="text-sm text-slate-500">Merges source records into accounts, computes today&apos;s signals and scores every account. Runs after each sync; run it now after changing data.</p>
        </div>
        <Button variant="primary" onClick={scoreAll} busy={busy} busyLabel="Scoring…" disabled={!hasConnections} data-testid="score-all">Score All Accounts</Button>
      </div>
      {!hasConnections && <p className="text-sm text-slate-500">Connect HubSpot or Stripe and sync first; then score the accounts here.</p>}
      {error && <Notice>{error}</Notice>}
      {busy && <p className="text-sm text-slate-500" role="status">Scoring every account; this takes a few seconds for thousands of accounts.</p>}
      {run ? <Summary result={run.result} finishedAt={run.finishedAt} durationMs={run.durationMs} />
        : lastRun && lastRun.status !== "succeeded" ? <Notice>The last scoring run {lastRun.status === "running" || lastRun.status === "queued" ? "is still running" : `failed${lastRun.error ? `: ${lastRun.error}` : ""}`}.</Notice>
        : hasConnections && <p className="text-sm text-slate-500">No scoring run yet.</p>}
    </section>
  );
}
