"use client";
/**
 * The Sales activity page (issue 17): period picker (12 weeks or months), the scorecard table (owner × metric,
 * "value / target"), each count a button that lists the records behind it (GET /api/sales-activity/records),
 * the 12-period trend of a chosen metric (recharts), CSV download, and for admins the targets and the
 * decision-maker settings (PUT /api/sales-activity/targets, /config).
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, INPUT_CLASS, Notice } from "@/components/settings/ui";
import { Card, EmptyState } from "@/components/ui/card";
import { formatMoney } from "@/lib/format";
import type { Scorecard, ScorecardOwner, SalesMetric } from "@/lib/sales-activity/scorecard";
import { SalesTrendChart } from "./trend-chart";

const METRICS: { key: SalesMetric; label: string; hint: string }[] = [
  { key: "dials", label: "Dials", hint: "Calls that are not inbound" },
  { key: "dm_conversations", label: "DM conversations", hint: "Connected calls / held meetings with a decision maker (job title), or with a decision-maker keyword" },
  { key: "meetings_set", label: "Meetings set", hint: "Meetings booked (created) in the period" },
  { key: "meetings_held", label: "Meetings held", hint: "Meetings in the period with outcome Completed" },
  { key: "mrr_closed_cents", label: "MRR closed", hint: "Closed-won deals by close date: amount or the MRR property" },
];

type RecordRow = {
  kind: string; hubspot_id: string; account_id: string | null; at: string; title: string | null; outcome: string | null; direction: string | null;
  duration_ms: number | null; contact: { hubspot_id: string; name: string | null; job_title: string | null } | null; reason: string | null;
  amount_cents: number | null; currency: string | null;
};
type Drill = { owner: ScorecardOwner; metric: SalesMetric; periodIndex: number; total?: number; records?: RecordRow[]; error?: string };

export function SalesActivityView({ card, isAdmin }: { card: Scorecard; isAdmin: boolean }) {
  const [periodIndex, setPeriodIndex] = useState(card.periods.length - 1);
  const [trendMetric, setTrendMetric] = useState<SalesMetric>("dials");
  const [drill, setDrill] = useState<Drill | null>(null);
  const currency = card.currencies[0] || "usd";
  const fmt = (m: SalesMetric, v: number) => (m === "mrr_closed_cents" ? formatMoney(v, currency, { compact: true }) : v.toLocaleString("en-US"));
  const period = card.periods[periodIndex];
  const unit = card.granularity === "week" ? "week" : "month";

  const series = useMemo(() => {
    const top = [...card.owners].sort((a, b) => b.totals[trendMetric] - a.totals[trendMetric]).slice(0, 8).filter((o) => o.totals[trendMetric] > 0);
    return top.map((o) => ({ name: o.name, values: o.periods.map((p) => (trendMetric === "mrr_closed_cents" ? p[trendMetric] / 100 : p[trendMetric])) }));
  }, [card, trendMetric]);

  async function openDrill(owner: ScorecardOwner, metric: SalesMetric) {
    const d: Drill = { owner, metric, periodIndex };
    setDrill(d);
    try {
      const qs = new URLSearchParams({ owner: owner.key, metric, granularity: card.granularity, period_start: card.periods[periodIndex].start });
      const r = await apiFetch<{ total: number; records: RecordRow[] }>(`/api/sales-activity/records?${qs}`);
      setDrill({ ...d, total: r.total, records: r.records });
    } catch (e) {
      setDrill({ ...d, error: errorMessage(e) });
    }
  }

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">Sales activity</h1>
          <p className="text-sm text-slate-500">Per HubSpot owner, from calls, meetings, notes and closed-won deals.</p>
        </div>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <nav aria-label="Granularity" className="flex rounded-md border border-slate-300">
            {(["week", "month"] as const).map((g) => (
              <Link key={g} href={`/sales-activity?granularity=${g}`} aria-current={card.granularity === g ? "page" : undefined}
                className={`px-3 py-1.5 ${card.granularity === g ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-50"}`}>
                {g === "week" ? "Weeks" : "Months"}
              </Link>
            ))}
          </nav>
          <label className="flex items-center gap-1">
            <span className="text-slate-600">{unit === "week" ? "Week" : "Month"}</span>
            <select className="rounded-md border border-slate-300 px-2 py-1.5" value={periodIndex} onChange={(e) => { setPeriodIndex(Number(e.target.value)); setDrill(null); }} data-testid="period-select">
              {card.periods.map((p, i) => <option key={p.start} value={i}>{p.label} (from {p.start.slice(0, 10)})</option>).reverse()}
            </select>
          </label>
          <a className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-50" href={`/api/sales-activity?granularity=${card.granularity}&format=csv`} data-testid="sales-csv">Download CSV</a>
        </div>
      </div>

      {card.missingScopes.map((m) => (
        <Notice key={m.connectionId} tone="warning" testId="missing-scopes">
          HubSpot portal {m.portalId}: the token lacks {m.scopes.join(", ")}. Add {m.scopes.length > 1 ? "these scopes" : "this scope"} to the Service Key or app in
          HubSpot, then reconnect on the Integrations page; until then the scorecard misses {m.scopes.includes("crm.objects.owners.read") ? "owner names" : "activity"}.
        </Notice>
      ))}

      {card.rollup.status !== "current" && card.rollup.status !== "none" && (
        <Notice tone="info" testId="rollup-status">
          {card.rollup.status === "stale"
            ? "The figures are being recomputed in the background (the decision-maker settings changed: they still follow the previous rules; or after an upgrade: they may be missing until the end of the next HubSpot sync)."
            : `Recent HubSpot changes on ${card.rollup.pendingDays} day${card.rollup.pendingDays === 1 ? "" : "s"} are being added in the background; reload in a moment.`}
        </Notice>
      )}

      {card.owners.length === 0 ? (
        <EmptyState title="No sales activity yet">Connect HubSpot and sync calls, meetings, notes and deals to see the scorecard.</EmptyState>
      ) : (
        <>
          <Card title={`Scorecard — ${period.label}`}>
            <div className="overflow-x-auto">
              <table className="min-w-full text-sm" data-testid="scorecard-table">
                <thead>
                  <tr className="border-b border-slate-200 text-left text-slate-600">
                    <th className="py-2 pr-4 font-medium">Owner</th>
                    {METRICS.map((m) => <th key={m.key} className="py-2 pr-4 text-right font-medium" title={m.hint}>{m.label}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {card.owners.map((o) => (
                    <tr key={o.key} className="border-b border-slate-100" data-testid="scorecard-row">
                      <td className="py-2 pr-4">
                        <div className="font-medium text-slate-900">{o.name}{o.archived ? " (deactivated)" : ""}</div>
                        {o.email && <div className="text-xs text-slate-500">{o.email}</div>}
                      </td>
                      {METRICS.map((m) => {
                        const v = o.periods[periodIndex][m.key];
                        const target = o.targets[m.key];
                        const tone = target === undefined ? "text-slate-900" : v >= target ? "text-green-700" : "text-amber-700";
                        return (
                          <td key={m.key} className="py-2 pr-4 text-right">
                            <button type="button" className={`font-medium underline decoration-dotted underline-offset-2 hover:text-indigo-700 ${tone}`}
                              onClick={() => openDrill(o, m.key)} data-testid={`count-${m.key}`} aria-label={`${m.label} of ${o.name}: ${fmt(m.key, v)} — show records`}>
                              {fmt(m.key, v)}
                            </button>
                            {target !== undefined && <span className="text-xs text-slate-500"> / {fmt(m.key, target)}</span>}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                  <tr className="font-medium text-slate-700">
                    <td className="py-2 pr-4">Total</td>
                    {METRICS.map((m) => <td key={m.key} className="py-2 pr-4 text-right" data-testid={`total-${m.key}`}>{fmt(m.key, card.totals[periodIndex][m.key])}</td>)}
                  </tr>
                </tbody>
              </table>
            </div>
            {card.currencies.length > 1 && (
              <p className="mt-2 text-xs text-slate-500">MRR closed is in {currency.toUpperCase()}; deals in {card.currencies.slice(1).map((c) => (c || "the portal currency").toUpperCase()).join(", ")} are in the CSV/API per currency, never added.</p>
            )}
          </Card>

          {drill && <DrillPanel drill={drill} label={card.periods[drill.periodIndex].label} currency={currency} onClose={() => setDrill(null)} />}

          <Card title={`Trend — last ${card.periods.length} ${unit}s`} actions={
            <select className="rounded-md border border-slate-300 px-2 py-1 text-sm" value={trendMetric} onChange={(e) => setTrendMetric(e.target.value as SalesMetric)} aria-label="Trend metric" data-testid="trend-metric">
              {METRICS.map((m) => <option key={m.key} value={m.key}>{m.label}</option>)}
            </select>}>
            {series.length ? (
              <SalesTrendChart labels={card.periods.map((p) => p.label)} series={series}
                format={(v) => (trendMetric === "mrr_closed_cents" ? formatMoney(v * 100, currency, { compact: true }) : v.toLocaleString("en-US"))} />
            ) : <p className="text-sm text-slate-500">Nothing in these {unit}s.</p>}
          </Card>
        </>
      )}

      {isAdmin && <AdminPanels card={card} />}
    </div>
  );
}

function DrillPanel({ drill, label, currency, onClose }: { drill: Drill; label: string; currency: string; onClose: () => void }) {
  const m = METRICS.find((x) => x.key === drill.metric)!;
  return (
    <Card title={`${m.label} — ${drill.owner.name}, ${label}`} actions={<Button variant="ghost" onClick={onClose}>Close</Button>}>
      <div data-testid="drill-panel">
        {drill.error ? <Notice>{drill.error}</Notice> : !drill.records ? <p className="text-sm text-slate-500">Loading…</p> : drill.records.length === 0 ? (
          <p className="text-sm text-slate-500">No records.</p>
        ) : (
          <>
            <p className="mb-2 text-xs text-slate-500">{drill.total} record{drill.total === 1 ? "" : "s"}{drill.total! > drill.records.length ? ` (first ${drill.records.length} shown)` : ""}</p>
            <table className="min-w-full text-sm" data-testid="drill-records">
              <thead><tr className="border-b border-slate-200 text-left text-slate-600">
                <th className="py-1 pr-3 font-medium">When</th><th className="py-1 pr-3 font-medium">Type</th><th className="py-1 pr-3 font-medium">Title</th>
                <th className="py-1 pr-3 font-medium">Outcome</th><th className="py-1 pr-3 font-medium">Contact</th><th className="py-1 pr-3 font-medium">{drill.metric === "mrr_closed_cents" ? "Value" : drill.metric === "dm_conversations" ? "Why" : "HubSpot id"}</th>
              </tr></thead>
              <tbody>
                {drill.records.map((r) => (
                  <tr key={`${r.kind}-${r.hubspot_id}`} className="border-b border-slate-100">
                    <td className="py-1 pr-3 whitespace-nowrap">{r.at.slice(0, 16).replace("T", " ")}</td>
                    <td className="py-1 pr-3">{r.kind}{r.direction ? ` (${r.direction.toLowerCase()})` : ""}</td>
                    <td className="py-1 pr-3">{r.account_id ? <Link className="text-indigo-700 hover:underline" href={`/accounts/${r.account_id}`}>{r.title ?? "—"}</Link> : (r.title ?? "—")}</td>
                    <td className="py-1 pr-3">{r.outcome ?? "—"}</td>
                    <td className="py-1 pr-3">{r.contact ? `${r.contact.name ?? r.contact.hubspot_id}${r.contact.job_title ? ` — ${r.contact.job_title}` : ""}` : "—"}</td>
                    <td className="py-1 pr-3">{drill.metric === "mrr_closed_cents" ? formatMoney(r.amount_cents, r.currency ?? currency) : drill.metric === "dm_conversations" ? r.reason : r.hubspot_id}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </Card>
  );
}

function AdminPanels({ card }: { card: Scorecard }) {
  const router = useRouter();
  const owners = card.owners.filter((o) => o.ownerId);
  const [ownerId, setOwnerId] = useState(owners[0]?.ownerId ?? "");
  const owner = owners.find((o) => o.ownerId === ownerId);
  const [targets, setTargets] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [msg, setMsg] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  const [titles, setTitles] = useState(card.config.decisionMakerTitles.join(", "));
  const [keywords, setKeywords] = useState(card.config.noteKeywords.join(", "));
  const [keywordRule, setKeywordRule] = useState(card.config.keywordRule);
  const [dealValue, setDealValue] = useState(card.config.dealValue);
  const [mrrProperty, setMrrProperty] = useState(card.config.mrrProperty);
  const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

  async function saveTargets() {
    if (!owner) return;
    setBusy("targets");
    setMsg(null);
    try {
      const body: Record<string, number | null> = {};
      for (const m of METRICS) {
        const raw = targets[m.key];
        if (raw === undefined) continue;
        body[m.key] = raw.trim() === "" ? null : m.key === "mrr_closed_cents" ? Math.round(Number(raw) * 100) : Math.round(Number(raw));
      }
      await apiFetch("/api/sales-activity/targets", { method: "PUT", body: { owner_id: owner.ownerId, period: card.granularity, targets: body } });
      setMsg({ tone: "success", text: `Targets saved for ${owner.name}.` });
      setTargets({});
      router.refresh();
    } catch (e) {
      setMsg({ tone: "error", text: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  }

  async function saveConfig() {
    setBusy("config");
    setMsg(null);
    try {
      await apiFetch("/api/sales-activity/config", { method: "PUT", body: { decision_maker_titles: list(titles), note_keywords: list(keywords), keyword_rule: keywordRule, deal_value: dealValue, mrr_property: mrrProperty.trim() } });
      setMsg({ tone: "success", text: "Settings saved." });
      router.refresh();
    } catch (e) {
      setMsg({ tone: "error", text: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {msg && <div className="lg:col-span-2"><Notice tone={msg.tone} testId="sales-admin-notice">{msg.text}</Notice></div>}
      <Card title={`Targets per ${card.granularity}`}>
        {owners.length === 0 ? <p className="text-sm text-slate-500">Targets need synced HubSpot owners.</p> : (
          <form className="space-y-3" onSubmit={(e) => { e.preventDefault(); void saveTargets(); }} data-testid="targets-form">
            <label className="block text-sm"><span className="text-slate-600">Owner</span>
              <select className={INPUT_CLASS} value={ownerId} onChange={(e) => { setOwnerId(e.target.value); setTargets({}); }}>
                {owners.map((o) => <option key={o.key} value={o.ownerId!}>{o.name}</option>)}
              </select>
            </label>
            <div className="grid grid-cols-2 gap-3">
              {METRICS.map((m) => {
                const cur = owner?.targets[m.key];
                const shown = targets[m.key] ?? (cur === undefined ? "" : m.key === "mrr_closed_cents" ? String(cur / 100) : String(cur));
                return (
                  <label key={m.key} className="block text-sm"><span className="text-slate-600">{m.label}{m.key === "mrr_closed_cents" ? ` (${currency(card)})` : ""}</span>
                    <input className={INPUT_CLASS} inputMode="decimal" value={shown} placeholder="none" name={`target-${m.key}`}
                      onChange={(e) => setTargets({ ...targets, [m.key]: e.target.value })} />
                  </label>
                );
              })}
            </div>
            <Button type="submit" variant="primary" busy={busy === "targets"} busyLabel="Saving…">Save targets</Button>
          </form>
        )}
      </Card>
      <Card title="Decision makers and MRR">
        <form className="space-y-3" onSubmit={(e) => { e.preventDefault(); void saveConfig(); }} data-testid="sales-config-form">
          <label className="block text-sm"><span className="text-slate-600">Decision-maker job titles (comma-separated words or phrases)</span>
            <textarea className={INPUT_CLASS} rows={3} value={titles} onChange={(e) => setTitles(e.target.value)} name="titles" />
          </label>
          <label className="block text-sm"><span className="text-slate-600">Keywords in notes and call bodies</span>
            <input className={INPUT_CLASS} value={keywords} onChange={(e) => setKeywords(e.target.value)} name="keywords" />
          </label>
          <label className="flex items-center gap-2 text-sm"><input type="checkbox" checked={keywordRule} onChange={(e) => setKeywordRule(e.target.checked)} /> Count the keyword rule too</label>
          <div className="grid grid-cols-2 gap-3">
            <label className="block text-sm"><span className="text-slate-600">MRR closed sums</span>
              <select className={INPUT_CLASS} value={dealValue} onChange={(e) => setDealValue(e.target.value as "amount" | "mrr")}>
                <option value="amount">Deal amount</option><option value="mrr">Deal MRR property</option>
              </select>
            </label>
            <label className="block text-sm"><span className="text-slate-600">MRR property (internal name)</span>
              <input className={INPUT_CLASS} value={mrrProperty} onChange={(e) => setMrrProperty(e.target.value)} name="mrr_property" />
            </label>
          </div>
          <p className="text-xs text-slate-500">A changed MRR property is read from the next full HubSpot deals sync.</p>
          <Button type="submit" variant="primary" busy={busy === "config"} busyLabel="Saving…">Save settings</Button>
        </form>
      </Card>
    </div>
  );
}

function currency(card: Scorecard): string {
  return (card.currencies[0] || "usd").toUpperCase();
}
