"use client";
/**
 * Backtest and churn model on the Scoring settings page.
 * - Backtest (`GET /api/scoring/backtest`, loaded after the page renders: it scores history, which takes
 *   a moment): per window (90/180 days) ROC AUC and top-decile lift of the health score and the model,
 *   and a ROC chart.
 * - Model (`GET /api/models`): active version, status, held-out metrics, or the fallback notice when
 *   there is too little churn history; "Retrain" (`POST /api/models/train`) trains a new version.
 *   Reliability: predicted vs observed churn by decile of predicted probability on the test days
 *   (`metrics.reliability` of the model, recharts).
 */
import { useCallback, useEffect, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, Notice, Skeleton } from "@/components/settings/ui";
import { formatDate } from "@/lib/format";
import { TimeAgo } from "./time-ago";
import { RocChart, type RocPoint } from "./roc-chart";
import { ReliabilityChart, type ReliabilityBin } from "./reliability-chart";

type Ranking = { roc_auc: number | null; top_decile_lift: number | null; curve: RocPoint[] };
type BacktestWindow = { days: number; start: string; signal_day: string | null; accounts: number; churned: number; health_score: Ranking; model: Ranking | null };
export type BacktestView = { scoring_config_version: number; churn_model_version: number | null; windows: BacktestWindow[] };

export type ModelView = {
  id: string;
  version: number;
  status: string;
  algorithm: string;
  horizon_days: number;
  metrics: { roc_auc?: number | null; pr_auc?: number | null; brier?: number | null; calibration_error?: number | null; top_decile_lift?: number | null; test_rows?: number; train_rows?: number; split_day?: string; reliability?: ReliabilityBin[] } | null;
  training_rows: number;
  positives: number;
  is_active: boolean;
  notes: string | null;
  trained_at: string;
};

const fmt = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? "—" : n.toFixed(digits));

export function BacktestPanel({ refreshKey }: { refreshKey: number }) {
  const [data, setData] = useState<BacktestView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    setData(null);
    apiFetch<BacktestView>("/api/scoring/backtest")
      .then((d) => { if (live) { setData(d); setSelected((s) => Math.min(s, Math.max(0, d.windows.length - 1))); } })
      .catch((e) => { if (live) setError(errorMessage(e)); });
    return () => { live = false; };
  }, [refreshKey]);

  if (error) return <Notice>Backtest unavailable: {error}</Notice>;
  if (!data) {
    return (
      <div className="space-y-2" aria-busy="true" aria-label="Loading the backtest">
        <Skeleton className="h-4 w-2/3" /><Skeleton className="h-4 w-1/2" /><Skeleton className="h-48 w-full" />
      </div>
    );
  }
  const usable = data.windows.filter((w) => w.signal_day !== null && w.accounts > 0);
  if (usable.length === 0) {
    return <p className="text-sm text-slate-500">Not enough history to backtest yet: it needs stored signals from 90 days ago. After the first sync the history is reconstructed automatically; come back once scoring has run.</p>;
  }
  const w = data.windows[selected] ?? data.windows[0];
  return (
    <div className="space-y-3" data-testid="backtest">
      <p className="text-xs text-slate-500">How well today&apos;s settings (config v{data.scoring_config_version}{data.churn_model_version ? `, model v${data.churn_model_version}` : ""}) would have ranked the accounts that actually churned. ROC AUC 0.5 is a coin toss, 1.0 is perfect; lift is how many more churners sit in the riskiest 10 % than on average.</p>
      <div className="relative overflow-x-auto">
        <table className="w-full min-w-[340px] text-left text-sm">
          <thead className="text-xs text-slate-500">
            <tr>
              <th scope="col" className="py-1 font-medium">Window</th>
              <th scope="col" className="py-1 text-right font-medium">Accounts</th>
              <th scope="col" className="py-1 text-right font-medium">Churned</th>
              <th scope="col" className="py-1 text-right font-medium">Score AUC · lift</th>
              <th scope="col" className="py-1 text-right font-medium">Model AUC · lift</th>
            </tr>
          </thead>
          <tbody>
            {data.windows.map((x, i) => (
              <tr key={x.days} className={`border-t border-slate-100 ${i === selected ? "bg-indigo-50/60" : ""}`}>
                <td className="py-1">
                  <button type="button" onClick={() => setSelected(i)} aria-pressed={i === selected} className="whitespace-nowrap text-indigo-700 underline">{x.days} days</button>
                </td>
                <td className="py-1 text-right tabular-nums">{x.accounts.toLocaleString("en-US")}</td>
                <td className="py-1 text-right tabular-nums">{x.churned.toLocaleString("en-US")}</td>
                <td className="py-1 text-right tabular-nums" data-testid={`auc-health-${x.days}`}>{fmt(x.health_score.roc_auc)} · {fmt(x.health_score.top_decile_lift, 1)}×</td>
                <td className="py-1 text-right tabular-nums">{x.model ? `${fmt(x.model.roc_auc)} · ${fmt(x.model.top_decile_lift, 1)}×` : "no model"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {w && w.health_score.curve.length > 0 ? (
        <>
          <p className="text-xs text-slate-500">ROC curve, last {w.days} days (accounts paying on {w.start.slice(0, 10)}).</p>
          <RocChart health={w.health_score.curve} model={w.model?.curve ?? null} />
        </>
      ) : <p className="text-sm text-slate-500">No churned accounts in this window, so there is no curve to draw.</p>}
      {w?.model && <p className="text-xs text-slate-500">The model may have been trained on this same history, so its backtest is optimistic; its held-out metrics are below.</p>}
    </div>
  );
}

export function ModelPanel({ initial, onRetrained }: { initial: ModelView | null; onRetrained: () => void }) {
  const [model, setModel] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ tone: "error" | "success" | "warning"; text: string } | null>(null);

  const reload = useCallback(async () => {
    const r = await apiFetch<{ active: ModelView | null }>("/api/models");
    setModel(r.active);
    return r.active;
  }, []);

  async function retrain() {
    setBusy(true);
    setMsg(null);
    try {
      const r = await apiFetch<{ model: { version: number; status: string; notes: string | null; duration_ms: number } }>("/api/models/train", { method: "POST" });
      await reload();
      setMsg(r.model.status === "trained"
        ? { tone: "success", text: `Trained model v${r.model.version} in ${(r.model.duration_ms / 1000).toFixed(1)} s. Scores are being refreshed with it.` }
        : { tone: "warning", text: `Model v${r.model.version}: not enough churn history to train (${r.model.notes ?? "too few churned accounts"}). Churn probability keeps using the fallback mapping from the health score.` });
      onRetrained();
    } catch (err) {
      setMsg({ tone: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  const m = model?.metrics;
  return (
    <div className="space-y-3" data-testid="model-panel">
      {!model ? (
        <Notice tone="info">No churn model yet. Churn probability uses the fallback mapping from the health score until a model is trained (it trains automatically after the first sync, or click Retrain).</Notice>
      ) : model.status !== "trained" ? (
        <Notice tone="warning" testId="model-fallback">
          Model v{model.version} ({formatDate(model.trained_at)}): not enough churn history to train{model.notes ? ` — ${model.notes}` : ""}. Churn probability uses the fallback mapping from the health score.
        </Notice>
      ) : (
        <div>
          <p className="text-sm text-slate-700">
            <strong data-testid="model-version">Model v{model.version}</strong> · trained <TimeAgo value={model.trained_at} /> · predicts churn within {model.horizon_days} days ·
            {" "}{model.training_rows.toLocaleString("en-US")} training rows, {model.positives.toLocaleString("en-US")} churned
          </p>
          <dl className="mt-2 grid grid-cols-2 gap-2 text-sm sm:grid-cols-5">
            {([["ROC AUC", fmt(m?.roc_auc)], ["PR AUC", fmt(m?.pr_auc)], ["Brier", fmt(m?.brier, 3)], ["Calibration error", fmt(m?.calibration_error, 3)], ["Top-decile lift", `${fmt(m?.top_decile_lift, 1)}×`]] as const).map(([k, v]) => (
              <div key={k} className="rounded-lg bg-slate-50 p-2">
                <dt className="text-xs text-slate-500">{k}</dt>
                <dd className="font-semibold tabular-nums text-slate-900">{v}</dd>
              </div>
            ))}
          </dl>
          <p className="mt-1 text-xs text-slate-500">Measured on held-out days{m?.split_day ? ` from ${m.split_day.slice(0, 10)}` : ""}{m?.test_rows ? ` (${m.test_rows.toLocaleString("en-US")} rows)` : ""}. {model.notes ?? ""}</p>
          {m?.reliability && m.reliability.length > 0 && (
            <div className="mt-2">
              <p className="text-xs text-slate-500">Reliability on the held-out days: for each tenth of accounts by predicted churn probability, the mean prediction against the share that actually churned within {model.horizon_days} days. On the diagonal = probabilities you can take at face value.</p>
              <ReliabilityChart bins={m.reliability} />
            </div>
          )}
        </div>
      )}
      {msg && <Notice tone={msg.tone}>{msg.text}</Notice>}
      <Button onClick={retrain} busy={busy} busyLabel="Training…" data-testid="retrain">Retrain</Button>
    </div>
  );
}
