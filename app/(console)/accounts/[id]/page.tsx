import Link from "next/link";
import { notFound } from "next/navigation";
import { FactorBreakdown } from "@/components/accounts/factor-breakdown";
import { AccountCsm } from "@/components/tasks/account-csm";
import { AccountWork } from "@/components/tasks/account-work";
import { LifecycleBadge } from "@/components/accounts/lifecycle-badge";
import { UnlinkButton } from "@/components/accounts/unlink-button";
import { MrrHistoryChart } from "@/components/charts/mrr-history-chart";
import { ScoreHistoryChart } from "@/components/charts/score-history-chart";
import { RiskBadge, TrendArrow } from "@/components/ui/badges";
import { Card, Stat } from "@/components/ui/card";
import { hasRole } from "@/lib/auth/context";
import { requirePageUser } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { formatDate, formatMoney, formatPercent, formatScore, timeAgo } from "@/lib/format";
import { listMappedFields } from "@/lib/queries/custom-fields";
import { getAccountDetail, type AccountDetail } from "@/lib/queries/get-account-detail";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";
import { isLifecycleState } from "@/lib/signals/types";
import type { ScoreChange } from "@/lib/scoring/explain-change";

export const dynamic = "force-dynamic";

type Factor = { key: string; label: string; weight: number; effectiveWeight: number; value: number | null; contribution: number; missing: boolean; detail: string };
type Penalty = { key: string; label: string; points: number; detail: string };

export default async function AccountPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const db = getDb();
  let d: AccountDetail;
  try {
    d = await getAccountDetail(db, user.organizationId, id);
  } catch (e) {
    if (isAppError(e) && e.code === "not_found") notFound();
    throw e;
  }
  const [config, mappedFields] = await Promise.all([getActiveScoringConfig(db, user.organizationId), listMappedFields(db, user.organizationId)]);
  const customValues = (d.account.customFields ?? {}) as Record<string, string | null>;
  const isAdmin = hasRole(user.role, "admin");
  const a = d.account;
  const s = d.score;
  const drivers = (s?.drivers as string[] | null) ?? [];
  const cur = a.mrrCurrency ?? "usd";
  const latestSignal = d.signalHistory.length ? d.signalHistory[d.signalHistory.length - 1] : null;
  const cancelingShare = latestSignal?.cancelingMrrShare ?? null;
  const renewalHint = cancelingShare !== null && cancelingShare > 0
    ? `cancellation pending: ${Math.round(cancelingShare * 100)} % of MRR set to cancel`
    : d.subscriptions.some((x) => x.cancelAtPeriodEnd && ["active", "past_due"].includes(x.status)) ? "cancellation pending" : undefined;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <Link href="/accounts" className="text-sm text-indigo-700 hover:underline">← Latest churn scores</Link>
          <h1 className="mt-1 flex items-center gap-2 text-2xl font-semibold">
            <span data-testid="account-name">{a.name}</span>
            <span data-testid="account-lifecycle"><LifecycleBadge state={isLifecycleState(a.lifecycleState) ? a.lifecycleState : null} churnedAt={a.churnedAt} /></span>
            {latestSignal?.newCustomer ? <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">new customer</span> : null}
          </h1>
          <p className="text-sm text-slate-500">
            {[a.domain, a.industry, a.owner ? `owner ${a.owner.name || a.owner.email}` : "no owner", a.customerSince ? `customer since ${formatDate(a.customerSince)}` : null].filter(Boolean).join(" · ")}
          </p>
          <p className="text-sm"><AccountCsm db={db} organizationId={user.organizationId} accountId={a.id} /></p>
        </div>
        <p className="text-xs text-slate-500" data-testid="account-freshness">
          {d.freshness.map((f) => `${f.provider === "hubspot" ? "HubSpot" : "Stripe"} synced ${timeAgo(f.lastSyncAt)}`).join(" · ") || "no source connected"}
        </p>
      </div>

      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Health score" testId="account-score" value={<span className="flex items-center gap-2">{formatScore(s?.healthScore)} {s && !s.riskLevel ? <span className="text-xs text-slate-400" title="Risk levels are for paying customers">no risk level</span> : <RiskBadge level={s?.riskLevel} />} <TrendArrow trend={s?.trend} /></span>}
          hint={s ? `config v${s.scoringConfigVersion}${s.churnModelVersion ? ` · model v${s.churnModelVersion}` : ""} · ${formatDate(s.day)}` : "not scored yet"} />
        <Stat label="Churn probability" value={formatPercent(s?.churnProbability)} hint={s?.probabilitySource === "fallback" ? "from the health score (too little churn history to train a model)" : "from the trained model (next 90 days)"} />
        <Stat label="MRR / ARR" value={formatMoney(a.mrrCents, cur, { compact: true })} hint={`${formatMoney(a.arrCents, cur, { compact: true })} per year`} />
        <Stat label="Renewal" value={formatDate(a.renewalDate)} hint={renewalHint} />
      </div>

      <Card title="Tasks and notes"><AccountWork accountId={a.id} /></Card>

      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Health score history" className="lg:col-span-2">
          {d.history.length ? (
            <ScoreHistoryChart
              points={d.history.map((h) => ({ day: formatDate(h.day), score: h.healthScore, probability: h.churnProbability }))}
              thresholds={config.config.thresholds}
              configChanges={d.configChanges.map((c) => ({ day: formatDate(c.day), version: c.scoringConfigVersion }))}
            />
          ) : <p className="text-sm text-slate-500">No score history yet.</p>}
        </Card>
        <Card title="Why">
          {drivers.length ? (
            <ul className="list-disc space-y-1 pl-5 text-sm text-slate-700" data-testid="drivers">{drivers.map((x) => <li key={x}>{x}</li>)}</ul>
          ) : <p className="text-sm text-slate-500">No notable drivers.</p>}
          <WhyChanged title="Since yesterday" change={d.whyChanged.sinceYesterday} />
          <WhyChanged title="Since last week" change={d.whyChanged.sinceLastWeek} />
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Factor breakdown">
          {s ? <FactorBreakdown factors={s.factors as Factor[]} penalties={(s.penalties as Penalty[] | null) ?? []} /> : <p className="text-sm text-slate-500">Not scored yet.</p>}
        </Card>
        <Card title="MRR history">
          <MrrHistoryChart currency={cur} points={d.signalHistory.map((x) => ({ day: formatDate(x.day), mrr: x.mrrCents === null ? null : x.mrrCents / 100 }))} />
          <h3 className="mt-4 text-xs font-semibold uppercase text-slate-500">Subscriptions</h3>
          <Table head={["Subscription", "Status", "MRR", "Period end", "Items"]} rows={d.subscriptions.map((x) => [
            x.externalId, <span key="s" className={x.status === "past_due" ? "text-red-700" : ""}>{x.status}{x.cancelAtPeriodEnd ? " (cancels at period end)" : ""}</span>,
            formatMoney(x.mrrCents, x.currency), formatDate(x.currentPeriodEnd),
            x.items.map((i) => `${i.productName ?? "item"} × ${i.quantity} / ${i.intervalCount > 1 ? `${i.intervalCount} ` : ""}${i.interval ?? "?"}`).join(", "),
          ])} empty="No Stripe subscriptions." />
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <div id="invoices" className="scroll-mt-4"><Card title="Invoices">
          <Table head={["Invoice", "Status", "Due", "Paid", "Attempts"]} rows={d.invoices.map((i) => [
            i.externalId, <span key="s" className={i.pastDue || i.status === "uncollectible" ? "font-medium text-red-700" : ""}>{i.pastDue ? "past due" : i.status}</span>,
            formatMoney(i.amountDueCents, i.currency), i.paidAt ? formatDate(i.paidAt) : "—", i.attemptCount,
          ])} empty="No invoices." />
        </Card></div>
        <Card title="Payments">
          <Table head={["Date", "Status", "Amount", "Method", "Failure"]} rows={d.charges.map((c) => [
            formatDate(c.createdAt), <span key="s" className={c.status === "failed" ? "font-medium text-red-700" : ""}>{c.status}</span>,
            formatMoney(c.amountCents, c.currency), c.paymentMethodType ?? "—", c.failureMessage ?? c.failureCode ?? "",
          ])} empty="No charges in the last 90 days." />
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <div id="contacts" className="scroll-mt-4"><Card title={`Contacts (${d.contacts.length})`}>
          <Table head={["Name", "Role", "E-mail", "Last activity"]} rows={d.contacts.map((c) => [c.name || "—", c.jobTitle ?? "—", c.email ?? "—", c.lastActivityAt ? formatDate(c.lastActivityAt) : "—"])} empty="No HubSpot contacts." />
        </Card></div>
        <div id="deals" className="scroll-mt-4"><Card title="Deals and renewal stage">
          <Table head={["Deal", "Stage", "Renewal stage", "Amount", "Close"]} rows={d.deals.map((x) => [x.name ?? "—", x.dealStage ?? "—", x.renewalStage ?? "—", formatMoney(x.amountCents, x.currency ?? cur), formatDate(x.closeDate)])} empty="No deals." />
        </Card></div>
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Engagement timeline">
          {d.engagements.length ? (
            <ol className="space-y-1 text-sm">
              {d.engagements.map((e) => (
                <li key={e.id} className="flex gap-3"><span className="w-24 shrink-0 tabular-nums text-slate-500">{formatDate(e.occurredAt)}</span><span className="w-16 shrink-0 capitalize text-slate-600">{e.type}</span><span className="truncate">{e.title ?? e.outcome ?? ""}</span></li>
              ))}
            </ol>
          ) : <p className="text-sm text-slate-500">No calls, meetings or notes in the last 90 days.</p>}
          <h3 className="mt-4 text-xs font-semibold uppercase text-slate-500">Support tickets</h3>
          <Table head={["Opened", "Subject", "Priority", "Status"]} rows={d.tickets.map((t) => [formatDate(t.openedAt), t.subject ?? "—", t.priority ?? "—", t.isOpen ? "open" : `closed ${formatDate(t.closedAt)}`])} empty="No tickets." />
        </Card>
        {mappedFields.length > 0 && (
          <Card title="Mapped HubSpot fields">
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="mapped-fields">
              {mappedFields.map((f) => (
                <div key={f.field} className="contents">
                  <dt className="text-slate-500" title={`HubSpot ${f.hubspotProperties.join(", ")}`}>{f.field.replace(/_/g, " ")}</dt>
                  <dd className="break-words text-slate-800" data-testid={`mapped-${f.field}`}>{customValues[f.field] ?? <span className="text-slate-400">—</span>}</dd>
                </div>
              ))}
            </dl>
            <p className="mt-2 text-xs text-slate-500">From the HubSpot company properties mapped under Integrations → HubSpot → Settings; refreshed on every sync.</p>
          </Card>
        )}
        <Card title="Sources (one account across HubSpot and Stripe)">
          <ul className="space-y-2 text-sm" data-testid="sources">
            {d.sources.map((x) => (
              <li key={x.id} className="rounded-md border border-slate-200 p-2">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{x.provider === "hubspot" ? "HubSpot company" : "Stripe customer"}</span>
                  {x.url ? <a className="text-indigo-700 hover:underline" href={x.url} target="_blank" rel="noreferrer">{x.externalId}</a> : <span>{x.externalId}</span>}
                  <span className="text-slate-500">{x.name}</span>
                  {isAdmin && d.sources.length > 1 && <span className="ml-auto"><UnlinkButton accountId={a.id} sourceRecordId={x.id} label={`${x.provider} ${x.externalId}`} /></span>}
                </div>
                <div className="mt-1 text-xs text-slate-500">
                  matched by {x.matchRule?.replaceAll("_", " ") ?? "—"}{x.matchConfidence !== null ? ` (confidence ${Math.round(x.matchConfidence * 100)}%)` : ""}{x.isManual ? " · manual decision" : ""} · {x.connection}
                  {x.email ? ` · ${x.email}` : ""}{x.domain ? ` · ${x.domain}` : ""}
                </div>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </div>
  );
}

function WhyChanged({ title, change }: { title: string; change: ScoreChange | null }) {
  if (!change) return null;
  const lines = change.changes.map((c) => c.text);
  return (
    <div className="mt-4">
      <h3 className="text-xs font-semibold uppercase text-slate-500">{title}: <span className={change.delta < 0 ? "text-red-600" : change.delta > 0 ? "text-green-600" : ""}>{change.delta > 0 ? "+" : ""}{change.delta.toFixed(1)}</span></h3>
      <p className="text-sm text-slate-700">{change.summary}</p>
      {lines.length > 0 && <ul className="mt-1 list-disc pl-5 text-xs text-slate-600">{lines.slice(0, 4).map((l) => <li key={l}>{l}</li>)}</ul>}
    </div>
  );
}

function Table({ head, rows, empty }: { head: string[]; rows: React.ReactNode[][]; empty: string }) {
  if (!rows.length) return <p className="text-sm text-slate-500">{empty}</p>;
  return (
    <div className="max-h-72 overflow-auto">
      <table className="min-w-full text-sm">
        <thead><tr>{head.map((h) => <th key={h} className="sticky top-0 bg-white px-2 py-1 text-left text-xs font-semibold uppercase text-slate-500">{h}</th>)}</tr></thead>
        <tbody className="divide-y divide-slate-100">{rows.map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j} className="px-2 py-1 align-top">{c}</td>)}</tr>)}</tbody>
      </table>
    </div>
  );
}
