"use client";
/**
 * Scoring settings form: factor weights (slider + number; the live total must be 100 before Save is
 * enabled), penalties (on/off + points), risk thresholds, a Preview of how accounts would move between
 * risk levels (`POST /api/scoring/preview`, nothing saved) and Save (`PUT /api/scoring/config` with
 * `rescore: true`, which stores a new version and re-scores today's accounts in the background).
 */
import { useId, useMemo, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, INPUT_CLASS, Notice } from "@/components/settings/ui";
import { RISK_LABELS, type RiskLevelName } from "@/lib/format";
import { FACTOR_KEYS, FACTOR_LABELS, PENALTY_LABELS, type PenaltyKey } from "@/lib/scoring/config";

/** `GET /api/scoring/config` (snake_case thresholds; weights keyed by factor). */
export type ScoringConfigView = {
  version: number;
  weights: Record<string, number>;
  penalties: { key: string; points: number; enabled: boolean }[];
  thresholds: { healthy: number; at_risk: number };
  created_at: string;
};

type Counts = Record<RiskLevelName, number>;
type PreviewResponse = { day: string | null; current_version: number; counts: { current: Counts; preview: Counts }; accounts_changing_level: number };

const LEVELS: RiskLevelName[] = ["healthy", "at_risk", "critical"];
const round = (n: number) => Math.round(n * 1000) / 1000;

export function ScoringConfigForm({ initial, onSaved }: { initial: ScoringConfigView; onSaved?: (c: ScoringConfigView) => void }) {
  const id = useId();
  const [saved, setSaved] = useState(initial);
  const [weights, setWeights] = useState<Record<string, number>>(() => Object.fromEntries(FACTOR_KEYS.map((k) => [k, initial.weights[k] ?? 0])));
  const [penalties, setPenalties] = useState(initial.penalties);
  const [healthy, setHealthy] = useState(initial.thresholds.healthy);
  const [atRisk, setAtRisk] = useState(initial.thresholds.at_risk);
  const [preview, setPreview] = useState<PreviewResponse | null>(null);
  const [busy, setBusy] = useState<"preview" | "save" | null>(null);
  const [msg, setMsg] = useState<{ tone: "error" | "success"; text: string; fields?: Record<string, string> } | null>(null);

  const total = round(Object.values(weights).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0));
  const totalOk = Math.abs(total - 100) < 0.001;
  const weightsOk = Object.values(weights).every((w) => Number.isFinite(w) && w >= 0);
  const thresholdsOk = Number.isFinite(healthy) && Number.isFinite(atRisk) && atRisk >= 0 && healthy <= 100 && atRisk < healthy;
  const penaltiesOk = penalties.every((p) => Number.isFinite(p.points) && p.points >= 0 && p.points <= 100);
  const valid = totalOk && weightsOk && thresholdsOk && penaltiesOk;
  const dirty = useMemo(() => JSON.stringify({ weights, penalties, healthy, atRisk }) !==
    JSON.stringify({ weights: Object.fromEntries(FACTOR_KEYS.map((k) => [k, saved.weights[k] ?? 0])), penalties: saved.penalties, healthy: saved.thresholds.healthy, atRisk: saved.thresholds.at_risk }),
  [weights, penalties, healthy, atRisk, saved]);

  const body = () => ({ weights, penalties, thresholds: { healthy, at_risk: atRisk } });

  async function runPreview() {
    setBusy("preview");
    setMsg(null);
    try {
      setPreview(await apiFetch<PreviewResponse>("/api/scoring/preview", { method: "POST", body: body() }));
    } catch (err) {
      setMsg({ tone: "error", text: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  }

  async function save() {
    setBusy("save");
    setMsg(null);
    try {
      const r = await apiFetch<{ config: ScoringConfigView; rescore_job: { id: string } | null }>("/api/scoring/config", { method: "PUT", body: { ...body(), rescore: true } });
      setSaved(r.config);
      onSaved?.(r.config);
      setMsg({ tone: "success", text: `Saved as version ${r.config.version}. Today's scores are being recalculated in the background.` });
      setPreview(null);
    } catch (err) {
      setMsg({ tone: "error", text: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  }

  function reset() {
    setWeights(Object.fromEntries(FACTOR_KEYS.map((k) => [k, saved.weights[k] ?? 0])));
    setPenalties(saved.penalties);
    setHealthy(saved.thresholds.healthy);
    setAtRisk(saved.thresholds.at_risk);
    setPreview(null);
    setMsg(null);
  }

  return (
    <form onSubmit={(e) => { e.preventDefault(); if (valid) void save(); }} className="space-y-6" noValidate data-testid="scoring-form">
      <fieldset className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <legend className="px-1 text-sm font-semibold text-slate-700">Factor weights</legend>
        <p className="text-xs text-slate-500">How much each factor counts toward the 0-100 health score. A factor without data for an account gives its weight to the others.</p>
        <ul className="space-y-3">
          {FACTOR_KEYS.map((k) => (
            <li key={k} className="grid grid-cols-[1fr_5rem] items-center gap-x-3 gap-y-1 sm:grid-cols-[12rem_1fr_5rem]">
              <label htmlFor={`${id}-w-${k}`} className="text-sm text-slate-700 sm:col-auto">{FACTOR_LABELS[k]}</label>
              <input type="range" min={0} max={100} step={1} value={weights[k]} aria-label={`${FACTOR_LABELS[k]} weight slider`}
                onChange={(e) => setWeights((w) => ({ ...w, [k]: Number(e.target.value) }))} className="order-last col-span-2 w-full accent-indigo-600 sm:order-none sm:col-span-1" />
              <input id={`${id}-w-${k}`} type="number" min={0} max={100} step={1} inputMode="decimal" value={Number.isFinite(weights[k]) ? weights[k] : ""}
                onChange={(e) => setWeights((w) => ({ ...w, [k]: e.target.value === "" ? NaN : Number(e.target.value) }))}
                className={`${INPUT_CLASS} mt-0 text-right tabular-nums`} data-testid={`weight-${k}`} />
            </li>
          ))}
        </ul>
        <p className={`text-sm font-medium ${totalOk ? "text-green-700" : "text-red-700"}`} aria-live="polite" data-testid="weights-total">
          Total: {total} / 100{totalOk ? " ✓" : ` — ${total > 100 ? `remove ${round(total - 100)}` : `add ${round(100 - total)}`} to save`}
        </p>
      </fieldset>

      <fieldset className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <legend className="px-1 text-sm font-semibold text-slate-700">Penalties</legend>
        <p className="text-xs text-slate-500">Points subtracted from the weighted score when the condition holds.</p>
        <ul className="space-y-2">
          {penalties.map((p, i) => (
            <li key={p.key} className="flex flex-wrap items-center gap-3">
              <label className="flex min-w-[14rem] flex-1 items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" checked={p.enabled} onChange={(e) => setPenalties((ps) => ps.map((x, j) => (j === i ? { ...x, enabled: e.target.checked } : x)))} />
                {PENALTY_LABELS[p.key as PenaltyKey] ?? p.key}
              </label>
              <label htmlFor={`${id}-p-${p.key}`} className="sr-only">{PENALTY_LABELS[p.key as PenaltyKey] ?? p.key} points</label>
              <span className="flex items-center gap-1 text-sm text-slate-600">
                −<input id={`${id}-p-${p.key}`} type="number" min={0} max={100} value={Number.isFinite(p.points) ? p.points : ""} disabled={!p.enabled}
                  onChange={(e) => setPenalties((ps) => ps.map((x, j) => (j === i ? { ...x, points: e.target.value === "" ? NaN : Number(e.target.value) } : x)))}
                  className={`${INPUT_CLASS} mt-0 w-20 text-right tabular-nums disabled:bg-slate-100`} /> points
              </span>
            </li>
          ))}
        </ul>
      </fieldset>

      <fieldset className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <legend className="px-1 text-sm font-semibold text-slate-700">Risk levels</legend>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor={`${id}-healthy`} className="block text-sm text-slate-700">Healthy from score</label>
            <input id={`${id}-healthy`} type="number" min={0} max={100} value={Number.isFinite(healthy) ? healthy : ""} onChange={(e) => setHealthy(e.target.value === "" ? NaN : Number(e.target.value))} className={INPUT_CLASS} data-testid="threshold-healthy" />
          </div>
          <div>
            <label htmlFor={`${id}-atrisk`} className="block text-sm text-slate-700">At risk from score</label>
            <input id={`${id}-atrisk`} type="number" min={0} max={100} value={Number.isFinite(atRisk) ? atRisk : ""} onChange={(e) => setAtRisk(e.target.value === "" ? NaN : Number(e.target.value))} className={INPUT_CLASS} data-testid="threshold-at-risk" />
          </div>
        </div>
        <p className={`text-xs ${thresholdsOk ? "text-slate-500" : "text-red-700"}`}>
          {thresholdsOk
            ? `Healthy ${healthy}-100 · At risk ${atRisk}-${healthy - 1} · Critical 0-${atRisk - 1}`
            : "“At risk from” must be lower than “Healthy from”, both between 0 and 100."}
        </p>
      </fieldset>

      {msg && (
        <Notice tone={msg.tone} testId="scoring-message">{msg.text}</Notice>
      )}

      <div className="flex flex-wrap gap-2">
        <Button onClick={runPreview} busy={busy === "preview"} busyLabel="Previewing…" disabled={!valid || busy !== null} data-testid="preview">Preview</Button>
        <Button type="submit" variant="primary" busy={busy === "save"} busyLabel="Saving…" disabled={!valid || !dirty || busy !== null} data-testid="save-config">Save and re-score</Button>
        <Button variant="ghost" onClick={reset} disabled={!dirty || busy !== null}>Discard changes</Button>
        <span className="self-center text-xs text-slate-500">Active: version {saved.version}</span>
      </div>

      {preview && (
        <section aria-label="Preview" className="rounded-xl border border-indigo-200 bg-indigo-50/50 p-4" data-testid="preview-result">
          <h3 className="text-sm font-semibold text-slate-800">Preview{preview.day ? ` on ${preview.day.slice(0, 10)} signals` : ""}</h3>
          {preview.day === null ? (
            <p className="mt-1 text-sm text-slate-600">No signals yet: sync and score accounts first, then preview.</p>
          ) : (
            <>
              <div className="relative mt-2 overflow-x-auto">
                <table className="w-full min-w-[320px] text-left text-sm">
                  <thead className="text-xs text-slate-500">
                    <tr><th scope="col" className="py-1 font-medium">Level</th><th scope="col" className="py-1 text-right font-medium">Now (v{preview.current_version})</th><th scope="col" className="py-1 text-right font-medium">With these settings</th><th scope="col" className="py-1 text-right font-medium">Change</th></tr>
                  </thead>
                  <tbody>
                    {LEVELS.map((l) => {
                      const d = preview.counts.preview[l] - preview.counts.current[l];
                      return (
                        <tr key={l} className="border-t border-indigo-100">
                          <td className="py-1">{RISK_LABELS[l]}</td>
                          <td className="py-1 text-right tabular-nums">{preview.counts.current[l].toLocaleString("en-US")}</td>
                          <td className="py-1 text-right tabular-nums" data-testid={`preview-${l}`}>{preview.counts.preview[l].toLocaleString("en-US")}</td>
                          <td className={`py-1 text-right tabular-nums ${d > 0 ? "text-slate-900" : "text-slate-500"}`}>{d > 0 ? `+${d}` : d}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <p className="mt-2 text-sm text-slate-700"><strong>{preview.accounts_changing_level.toLocaleString("en-US")}</strong> accounts would change risk level. Nothing is saved until you click Save.</p>
            </>
          )}
        </section>
      )}
    </form>
  );
}
