"use client";
/**
 * "Fit to our history" on the Scoring settings page (admin): starts a fit-scoring-job
 * (`POST /api/scoring/fit`), polls `GET /api/jobs/{id}` for its progress, then shows the fitted
 * weights, penalties and thresholds next to the current ones and the backtest before and after
 * (held-out days and the 90/180-day windows: ROC AUC, top-decile lift, churners caught at critical /
 * at risk, false alarms per CSM, and the churn model for comparison). "Save as new version"
 * (`POST /api/scoring/fit/{id}/apply`) stores the candidate as a new config version; nothing changes
 * before that.
 */
import { useEffect, useRef, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, Notice } from "@/components/settings/ui";
import { FACTOR_LABELS, PENALTY_LABELS } from "@/lib/scoring/config";

type Levels = { caught_critical: number | null; caught_at_risk_or_critical: number | null; false_alarms: number; csms: number; false_alarms_per_csm: number };
type Window = { days: number; accounts: number; churned: number; health_score: { roc_auc: number | null; top_decile_lift: number | null; levels: Levels }; model: { roc_auc: number | null; top_decile_lift: number | null } | null };
type Evaluation = { held_out: { rows: number; churned: number; roc_auc: number | null; top_decile_lift: number | null }; backtest: Window[] };
type Config = { weights: Record<string, number>; penalties: { key: string; points: number; enabled: boolean }[]; thresholds: { healthy: number; at_risk: number } };
type Report = {
  status: "fitted" | "insufficient_data"; notes: string | null; current_version: number;
  split: { strict: boolean; fit_days: [string, string] | null; held_out_days: [string, string] | null; fit_rows: number; fit_churned_accounts: number };
  current: Config; candidate: Config | null; before: Evaluation | null; after: Evaluation | null; duration_ms: number;
};
type JobView = { id: string; status: string; progress: { phase?: string; done?: number; total?: number } | null; result: Report | null; error: string | null };

const f2 = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toFixed(2));
const pc = (n: number | null | undefined) => (n === null || n === undefined ? "—" : `${Math.round(n * 100)} %`);
const label = (k: string, labels: Record<string, string>) => labels[k] ?? k.replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

export function FitPanel({ onSaved }: { onSaved: () => void }) {
  const [job, setJob] = useState<JobView | null>(null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);

  async function poll(id: string) {
    try {
      const j = await apiFetch<JobView>(`/api/jobs/${id}`);
      setJob(j);
      if (j.status === "queued" || j.status === "running") timer.current = setTimeout(() => void poll(id), 1000);
      else setBusy(false);
    } catch (e) { setMsg({ tone: "error", text: errorMessage(e) }); setBusy(false); }
  }
  async function start() {
    setBusy(true); setMsg(null); setJob(null);
    try {
      const r = await apiFetch<{ job: { id: string } }>("/api/scoring/fit", { method: "POST" });
      void poll(r.job.id);
    } catch (e) { setMsg({ tone: "error", text: errorMessage(e) }); setBusy(false); }
  }
  async function apply() {
    if (!job) return;
    setBusy(true);
    try {
      const r = await apiFetch<{ config: { version: number } }>(`/api/scoring/fit/${job.id}/apply`, { method: "POST" });
      setMsg({ tone: "success", text: `Saved as config v${r.config.version}. Today's scores are being refreshed with it.` });
      onSaved();
    } catch (e) { setMsg({ tone: "error", text: errorMessage(e) }); } finally { setBusy(false); }
  }

  const r = job?.result ?? null;
  return (
    <div className="space-y-3" data-testid="fit-panel">
      <p className="text-xs text-slate-500">Fits the factor weights (non-negative, total 100, at most 30 per factor so one event cannot swing a score), a curve per factor (how accounts with each reading churned), the penalties and the risk thresholds (15-25 % of today&apos;s paying accounts flagged) to your own churn: fitted on older snapshot days, measured on newer ones. Nothing changes until you save it as a new version.</p>
      <Button variant="primary" onClick={start} busy={busy && !r} busyLabel={job?.progress?.phase ? `Fitting… ${job.progress.phase}` : "Fitting…"} data-testid="fit-start">Fit to our history</Button>
      {job?.status === "failed" && <Notice>Fit failed: {job.error}</Notice>}
      {r?.status === "insufficient_data" && <Notice tone="warning">{r.notes}</Notice>}
      {r?.status === "fitted" && r.candidate && r.before && r.after && (
        <div className="space-y-3" data-testid="fit-result">
          <p className="text-xs text-slate-500">Fitted on {r.split.fit_days?.join(" – ")} ({r.split.fit_rows.toLocaleString("en-US")} snapshots, {r.split.fit_churned_accounts} churned accounts); held out: {r.split.held_out_days?.join(" – ") ?? "none"}.{r.notes ? ` ${r.notes}.` : ""}</p>
          <div className="overflow-x-auto">
            <table className="w-full min-w-[420px] text-left text-sm" data-testid="fit-before-after">
              <thead className="text-xs text-slate-500"><tr><th className="py-1 font-medium">Measured on</th><th className="py-1 text-right font-medium">Before (v{r.current_version})</th><th className="py-1 text-right font-medium">After (fitted)</th><th className="py-1 text-right font-medium">Churn model</th></tr></thead>
              <tbody>
                <tr className="border-t border-slate-100"><td className="py-1">Held-out days: ROC AUC · lift</td><td className="py-1 text-right tabular-nums">{f2(r.before.held_out.roc_auc)} · {f2(r.before.held_out.top_decile_lift)}×</td><td className="py-1 text-right tabular-nums" data-testid="fit-after-heldout">{f2(r.after.held_out.roc_auc)} · {f2(r.after.held_out.top_decile_lift)}×</td><td /></tr>
                {r.after.backtest.map((w, i) => {
                  const b = r.before!.backtest[i];
                  return [
                    <tr key={`${w.days}a`} className="border-t border-slate-100"><td className="py-1">Last {w.days} days ({w.churned} of {w.accounts} churned): ROC AUC · lift</td><td className="py-1 text-right tabular-nums">{f2(b?.health_score.roc_auc)} · {f2(b?.health_score.top_decile_lift)}×</td><td className="py-1 text-right tabular-nums" data-testid={`fit-after-auc-${w.days}`}>{f2(w.health_score.roc_auc)} · {f2(w.health_score.top_decile_lift)}×</td><td className="py-1 text-right tabular-nums">{w.model ? `${f2(w.model.roc_auc)} · ${f2(w.model.top_decile_lift)}×` : "no model"}</td></tr>,
                    <tr key={`${w.days}b`}><td className="py-1 pl-3 text-slate-600">churners caught at critical · at risk or worse</td><td className="py-1 text-right tabular-nums">{pc(b?.health_score.levels.caught_critical)} · {pc(b?.health_score.levels.caught_at_risk_or_critical)}</td><td className="py-1 text-right tabular-nums">{pc(w.health_score.levels.caught_critical)} · {pc(w.health_score.levels.caught_at_risk_or_critical)}</td><td /></tr>,
                    <tr key={`${w.days}c`}><td className="py-1 pl-3 text-slate-600">false alarms per CSM</td><td className="py-1 text-right tabular-nums">{b?.health_score.levels.false_alarms_per_csm ?? "—"}</td><td className="py-1 text-right tabular-nums">{w.health_score.levels.false_alarms_per_csm}</td><td /></tr>,
                  ];
                })}
              </tbody>
            </table>
          </div>
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="fit-weights">
              <thead className="text-xs text-slate-500"><tr><th className="py-1 font-medium">Weight</th><th className="py-1 text-right font-medium">Now</th><th className="py-1 text-right font-medium">Fitted</th></tr></thead>
              <tbody>
                {Object.keys(r.candidate.weights).map((k) => (
                  <tr key={k} className="border-t border-slate-100"><td className="py-1">{label(k, FACTOR_LABELS)}</td><td className="py-1 text-right tabular-nums">{r.current.weights[k] ?? 0}</td><td className="py-1 text-right tabular-nums">{r.candidate!.weights[k]}</td></tr>
                ))}
                {r.candidate.penalties.map((p) => {
                  const c = r.current.penalties.find((x) => x.key === p.key);
                  return <tr key={p.key} className="border-t border-slate-100"><td className="py-1">Penalty: {label(p.key, PENALTY_LABELS)}</td><td className="py-1 text-right tabular-nums">{c?.enabled ? `−${c.points}` : "off"}</td><td className="py-1 text-right tabular-nums">{p.enabled ? `−${p.points}` : "off"}</td></tr>;
                })}
                <tr className="border-t border-slate-100"><td className="py-1">Thresholds (healthy · critical below)</td><td className="py-1 text-right tabular-nums">{r.current.thresholds.healthy} · {r.current.thresholds.at_risk}</td><td className="py-1 text-right tabular-nums">{r.candidate.thresholds.healthy} · {r.candidate.thresholds.at_risk}</td></tr>
              </tbody>
            </table>
          </div>
          {(r.after.held_out.roc_auc ?? 0) <= (r.before.held_out.roc_auc ?? 0) && (
            <Notice tone="warning" testId="fit-not-better">The fitted settings do not rank churners better than the current ones on the held-out days: keep the current version.</Notice>
          )}
          <Button variant="primary" onClick={apply} busy={busy} busyLabel="Saving…" data-testid="fit-apply">Save as new version</Button>
        </div>
      )}
      {msg && <Notice tone={msg.tone}>{msg.text}</Notice>}
    </div>
  );
}
