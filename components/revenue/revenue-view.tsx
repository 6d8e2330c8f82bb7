"use client";
/**
 * The Revenue page (issue 17): MRR / ARR / trailing-12-month NRR and GRR, the MRR bridge chart and table, GRR/NRR and
 * logo churn per month, the cohort heat map (logos or revenue), the 90-day renewal forecast weighted by churn
 * probability, the latest movements with their explanation, CSV downloads, and for admins the reporting currency and
 * the exchange-rate CSV upload. Figures are never added across currencies: one series per currency unless the
 * organization has a reporting currency with rates (docs/revenue.md).
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, INPUT_CLASS, Notice } from "@/components/settings/ui";
import { Card, EmptyState, Stat } from "@/components/ui/card";
import { formatPercent } from "@/lib/format";
import { formatMinor } from "@/lib/revenue/format";
import type { CohortRow, MovementRow, RenewalForecast, RevenueOverview } from "@/lib/revenue/report";
import { BridgeChart, ForecastChart, KIND_COLORS, RetentionChart } from "./revenue-charts";

export type RevenueSettingsView = { reportingCurrency: string | null; currencies: string[]; rates: { currency: string; quoteCurrency: string; days: number; firstDay: string | null; lastDay: string | null }[] };

type Props = {
  overview: RevenueOverview;
  cohorts: CohortRow[];
  forecast: RenewalForecast;
  movements: MovementRow[];
  settings: RevenueSettingsView;
  isAdmin: boolean;
  currency: string | null;
};

function heat(v: number | null): string {
  if (v === null) return "transparent";
  const x = Math.max(0, Math.min(1.2, v)) / 1.2;
  return `rgba(79, 70, 229, ${(0.08 + 0.8 * x).toFixed(2)})`;
}

function explain(m: MovementRow): string {
  const d = Array.isArray(m.details) ? (m.details as { subscription: string; change: string; items: { item: string; product: string | null; priceBefore: string | null; priceAfter: string | null; quantityBefore: number | null; quantityAfter: number | null }[] }[]) : [];
  return d.map((x) => {
    const items = x.items.map((i) => `${i.product ?? i.item}: ${i.priceBefore ?? "—"} ×${i.quantityBefore ?? 0} → ${i.priceAfter ?? "—"} ×${i.quantityAfter ?? 0}`).join("; ");
    return `${x.subscription} ${x.change.replace("_", " ")}${items ? ` (${items})` : ""}`;
  }).join(" · ");
}

export function RevenueView({ overview, cohorts, forecast, movements, settings, isAdmin, currency }: Props) {
  const [cohortMode, setCohortMode] = useState<"revenue" | "logos">("revenue");
  const series = overview.series.find((s) => s.currency === currency) ?? overview.series[0];
  if (!series) {
    return (
      <div className="space-y-6">
        <h1 className="text-2xl font-semibold">Revenue</h1>
        <BuildNotice build={overview.build} />
        <EmptyState title="No revenue yet">Connect Stripe on the Integrations page; MRR movements appear after the first sync.</EmptyState>
        {isAdmin && <CurrencySettings settings={settings} />}
      </div>
    );
  }
  const cur = series.currency;
  const money = (v: number | null | undefined) => formatMinor(v, cur, { compact: true });
  const last = series.months[series.months.length - 1];
  const ccyCohorts = cohorts.filter((c) => c.currency === cur);
  const maxLen = Math.max(0, ...ccyCohorts.map((c) => c.revenueCents.length));
  const fTotals = forecast.totals.find((t) => t.currency === cur);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">Revenue</h1>
          <p className="text-sm text-slate-500">
            MRR movements from Stripe subscriptions, {overview.mode === "reporting" ? `converted to ${cur.toUpperCase()} at each day's rate` : "per currency (never added together)"}.
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          {overview.series.length > 1 && (
            <nav aria-label="Currency" className="flex rounded-md border border-slate-300">
              {overview.series.map((s) => (
                <Link key={s.currency} href={`/revenue?currency=${s.currency}`} aria-current={s.currency === cur ? "page" : undefined}
                  className={`px-3 py-1.5 ${s.currency === cur ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-50"}`}>
                  {s.currency.toUpperCase()}
                </Link>
              ))}
            </nav>
          )}
          <a className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-50" href="/api/revenue?format=csv&months=24">Bridge CSV</a>
          <a className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-50" href="/api/revenue/movements?format=csv">Movements CSV</a>
          <a className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-50" href="/api/revenue/cohorts?format=csv">Cohorts CSV</a>
        </div>
      </div>
      <BuildNotice build={overview.build} />
      {overview.reportingCurrency && overview.mode === "per_currency" && (
        <Notice tone="warning" testId="revenue-unconverted">
          Reporting currency {overview.reportingCurrency.toUpperCase()} is set, but there is no rate for {overview.unconvertedCurrencies.map((c) => c.toUpperCase()).join(", ")}: figures are shown per currency.
        </Notice>
      )}

      <div className="grid grid-cols-2 gap-4 md:grid-cols-5">
        <Stat label="MRR" value={money(series.currentMrrCents)} testId="revenue-mrr" hint={cur.toUpperCase()} />
        <Stat label="ARR" value={money(series.currentArrCents)} hint="12 × MRR" />
        <Stat label="NRR (12 months)" value={formatPercent(series.trailing12.nrr, 1)} testId="revenue-nrr" hint={`${series.trailing12.windowStart} → ${series.trailing12.windowEnd}`} />
        <Stat label="GRR (12 months)" value={formatPercent(series.trailing12.grr, 1)} testId="revenue-grr" />
        <Stat label="Logo churn (this month)" value={formatPercent(last?.logoChurnRate ?? null, 1)}
          hint={`${last?.logosEnd ?? 0} paying in ${cur.toUpperCase()} · ${overview.customers[overview.customers.length - 1]?.logosEnd ?? 0} paying accounts in all`} testId="revenue-logos" />
      </div>

      <Card title="MRR bridge">
        <BridgeChart months={series.months} currency={cur} />
        <div className="mt-3 overflow-x-auto">
          <table className="min-w-full text-right text-xs" data-testid="revenue-bridge-table">
            <thead className="text-slate-500">
              <tr>
                <th className="px-2 py-1 text-left">Month</th><th className="px-2">Start</th>
                <th className="px-2" style={{ color: KIND_COLORS.new }}>New</th><th className="px-2" style={{ color: KIND_COLORS.expansion }}>Expansion</th>
                <th className="px-2" style={{ color: KIND_COLORS.reactivation }}>Reactivation</th><th className="px-2" style={{ color: KIND_COLORS.contraction }}>Contraction</th>
                <th className="px-2" style={{ color: KIND_COLORS.churn }}>Churn</th><th className="px-2">End</th><th className="px-2">ARR</th><th className="px-2">NRR</th><th className="px-2">GRR</th>
              </tr>
            </thead>
            <tbody>
              {series.months.map((m) => (
                <tr key={m.month} className="border-t border-slate-100">
                  <td className="px-2 py-1 text-left font-medium">{m.month}</td><td className="px-2">{money(m.startCents)}</td>
                  <td className="px-2">{money(m.newCents)}</td><td className="px-2">{money(m.expansionCents)}</td><td className="px-2">{money(m.reactivationCents)}</td>
                  <td className="px-2">{money(m.contractionCents)}</td><td className="px-2">{money(m.churnCents)}</td>
                  <td className="px-2 font-medium">{money(m.endCents)}</td><td className="px-2">{money(m.arrCents)}</td>
                  <td className="px-2">{formatPercent(m.nrr, 1)}</td><td className="px-2">{formatPercent(m.grr, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Retention per month">
          <RetentionChart months={series.months} />
        </Card>
        <Card title={`Renewals in the next ${forecast.days} days`}>
          {fTotals ? (
            <>
              <p className="mb-2 text-sm text-slate-600" data-testid="revenue-forecast-summary">
                {fTotals.renewals} accounts renew {money(fTotals.renewingMrrCents)} MRR; weighted by churn probability, {" "}
                <strong>{money(fTotals.expectedRetainedCents)}</strong> is expected to stay ({money(fTotals.expectedLossCents)} at risk
                {fTotals.unscored ? `; ${fTotals.unscored} not scored, counted as retained` : ""}).
              </p>
              <ForecastChart accounts={forecast.accounts} currency={cur} />
            </>
          ) : <p className="text-sm text-slate-500">No renewal in {cur.toUpperCase()} in the next {forecast.days} days.</p>}
        </Card>
      </div>

      <Card title="Cohort retention by start month" actions={
        <div className="flex rounded-md border border-slate-300 text-xs">
          {(["revenue", "logos"] as const).map((m) => (
            <button key={m} type="button" onClick={() => setCohortMode(m)} aria-pressed={cohortMode === m}
              className={`px-2 py-1 ${cohortMode === m ? "bg-indigo-600 text-white" : "text-slate-700"}`}>{m === "revenue" ? "Revenue" : "Logos"}</button>
          ))}
        </div>
      }>
        {ccyCohorts.length === 0 ? <p className="text-sm text-slate-500">No cohort in the last 12 months.</p> : (
          <div className="overflow-x-auto">
            <table className="text-xs" data-testid="revenue-cohort-heatmap">
              <thead className="text-slate-500">
                <tr><th className="px-2 py-1 text-left">Cohort</th><th className="px-2 text-right">Start</th>{Array.from({ length: maxLen }, (_, i) => <th key={i} className="px-2 text-center">M{i}</th>)}</tr>
              </thead>
              <tbody>
                {ccyCohorts.map((c) => {
                  const ret = cohortMode === "revenue" ? c.revenueRetention : c.logoRetention;
                  return (
                    <tr key={c.cohort}>
                      <td className="px-2 py-1 font-medium">{c.cohort}</td>
                      <td className="px-2 text-right">{cohortMode === "revenue" ? money(c.startCents) : c.startLogos}</td>
                      {Array.from({ length: maxLen }, (_, i) => (
                        <td key={i} className="px-2 py-1 text-center" style={{ background: heat(ret[i] ?? null), color: (ret[i] ?? 0) > 0.6 ? "white" : undefined }}
                          title={ret[i] === undefined ? "" : `${cohortMode === "revenue" ? money(c.revenueCents[i]) : c.logos[i]} (${formatPercent(ret[i], 0)})`}>
                          {ret[i] === undefined ? "" : formatPercent(ret[i], 0)}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card title="Latest movements">
        <table className="min-w-full text-sm" data-testid="revenue-movements">
          <thead className="text-left text-xs text-slate-500">
            <tr><th className="py-1">When</th><th>Account</th><th>Kind</th><th className="text-right">Change</th><th className="text-right">MRR after</th><th className="pl-3">Why</th></tr>
          </thead>
          <tbody>
            {movements.filter((m) => m.currency === cur || overview.mode === "reporting").map((m) => (
              <tr key={m.id} className="border-t border-slate-100 align-top">
                <td className="py-1 pr-2 whitespace-nowrap">{m.at.slice(0, 10)}</td>
                <td className="pr-2">{m.accountId ? <Link className="text-indigo-700 hover:underline" href={`/accounts/${m.accountId}`}>{m.accountName ?? m.accountId}</Link> : "—"}</td>
                <td className="pr-2"><span className="rounded px-1.5 py-0.5 text-xs text-white" style={{ background: KIND_COLORS[m.kind as keyof typeof KIND_COLORS] }}>{m.kind}</span></td>
                <td className="pr-2 text-right">{formatMinor(m.deltaCents, m.currency)}</td>
                <td className="pr-2 text-right">{formatMinor(m.mrrAfterCents, m.currency)}</td>
                <td className="pl-3 text-xs text-slate-600">{explain(m)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      {isAdmin && <CurrencySettings settings={settings} />}
    </div>
  );
}

function CurrencySettings({ settings }: { settings: RevenueSettingsView }) {
  const router = useRouter();
  const [reporting, setReporting] = useState(settings.reportingCurrency ?? "");
  const [csv, setCsv] = useState("");
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ tone: "error" | "success"; text: string } | null>(null);

  async function run(fn: () => Promise<string>) {
    setBusy(true);
    setMsg(null);
    try {
      setMsg({ tone: "success", text: await fn() });
      router.refresh();
    } catch (e) {
      setMsg({ tone: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Currencies (admin)">
      <div className="grid gap-4 md:grid-cols-2">
        <form className="space-y-2 text-sm" onSubmit={(e) => { e.preventDefault(); void run(async () => {
          await apiFetch("/api/revenue/settings", { method: "PUT", body: { reporting_currency: reporting.trim() ? reporting.trim() : null } });
          return reporting.trim() ? `Reporting currency set to ${reporting.trim().toUpperCase()}.` : "Figures are shown per currency.";
        }); }}>
          <label className="block">
            <span className="text-slate-600">Reporting currency (empty = per currency). In use: {settings.currencies.map((c) => c.toUpperCase()).join(", ") || "—"}</span>
            <input className={INPUT_CLASS} value={reporting} maxLength={3} placeholder="usd" onChange={(e) => setReporting(e.target.value)} data-testid="revenue-reporting-currency" />
          </label>
          <Button type="submit" variant="primary" busy={busy}>Save</Button>
        </form>
        <form className="space-y-2 text-sm" onSubmit={(e) => { e.preventDefault(); void run(async () => {
          const r = await apiFetch<{ stored: number }>("/api/revenue/rates", { method: "POST", body: { csv } });
          setCsv("");
          return `${r.stored} rates stored.`;
        }); }}>
          <label className="block">
            <span className="text-slate-600">Daily rates CSV: <code>day,currency,rate</code> (1 unit of currency = rate units of the reporting currency)</span>
            <textarea className={`${INPUT_CLASS} h-24 font-mono`} value={csv} placeholder={"day,currency,rate\n2026-11-30,eur,1.06"} onChange={(e) => setCsv(e.target.value)} data-testid="revenue-rates-csv" />
          </label>
          <input type="file" accept=".csv,text/csv" className="text-xs" onChange={async (e) => { const f = e.target.files?.[0]; if (f) setCsv(await f.text()); }} />
          <Button type="submit" variant="primary" busy={busy} disabled={!csv.trim()}>Upload rates</Button>
        </form>
      </div>
      {settings.rates.length > 0 && (
        <p className="mt-3 text-xs text-slate-500">Rates: {settings.rates.map((r) => `${r.currency.toUpperCase()}→${r.quoteCurrency.toUpperCase()} ${r.days} days (${r.firstDay} … ${r.lastDay})`).join("; ")}</p>
      )}
      {msg && <div className="mt-3"><Notice tone={msg.tone}>{msg.text}</Notice></div>}
    </Card>
  );
}

/**
 * "Updating…" while a movement build (revenue-movements-job) is queued or running: the figures shown are the last
 * complete build's; polls GET /api/revenue every 3 s and reloads the page's data when the build is done.
 */
function BuildNotice({ build }: { build: RevenueOverview["build"] }) {
  const router = useRouter();
  const [state, setState] = useState(build);
  useEffect(() => setState(build), [build]);
  const busy = state.state !== "idle";
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(async () => {
      try {
        const r = await apiFetch<{ build: { state: RevenueOverview["build"]["state"]; job_id: string | null; progress: unknown; built_at: string | null; stale: boolean } }>("/api/revenue?months=1");
        const b = r.build;
        setState({ state: b.state, jobId: b.job_id, progress: b.progress, builtAt: b.built_at, stale: b.stale });
        if (b.state === "idle") router.refresh();
      } catch {
        // keep the last state; the next tick tries again
      }
    }, 3_000);
    return () => clearInterval(t);
  }, [busy, router]);
  if (!busy) return null;
  const p = (state.progress ?? {}) as { phase?: string; mode?: string; accounts?: number; subscriptions?: number; movements?: number };
  const detail = [p.mode, p.phase, p.accounts !== undefined ? `${p.accounts} accounts` : null, p.subscriptions !== undefined ? `${p.subscriptions} subscriptions` : null]
    .filter(Boolean).join(" · ");
  return (
    <Notice tone="info" testId="revenue-updating">
      Updating… the MRR movements are being rebuilt{detail ? ` (${detail})` : state.state === "queued" ? " (queued)" : ""}.
      {state.builtAt ? ` Figures below are from ${new Date(state.builtAt).toLocaleString()}.` : " Figures appear when the first build is done."}
    </Notice>
  );
}
