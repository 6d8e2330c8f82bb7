import { formatMinor } from "@/lib/revenue/format";
import Link from "next/link";
import { RiskDistributionChart } from "@/components/charts/risk-distribution-chart";
import { RiskBadge } from "@/components/ui/badges";
import { Card, EmptyState, Stat } from "@/components/ui/card";
import { requirePageUser } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { formatDate, formatMoney, formatScore, timeAgo } from "@/lib/format";
import { getDashboardSummary } from "@/lib/queries/get-dashboard-summary";
import { hasBook } from "@/lib/queries/accounts-page-data";
import { BookSwitch } from "@/components/tasks/book-switch";

export const dynamic = "force-dynamic";

export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  // A CSM with a book opens on their own accounts (issue 16); ?csm=all / ?csm=me switch.
  const csmParam = (await searchParams).csm;
  const mine = csmParam === "me" || (csmParam === undefined && user.role === "csm" && (await hasBook(getDb(), user.organizationId, user.userId)));
  const s = await getDashboardSummary(getDb(), user.organizationId, undefined, mine ? { csmUserId: user.userId } : {});
  const cur = s.currency;
  if (s.totalAccounts === 0) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Dashboard</h1>
        <EmptyState title="No accounts yet">
          {user.role === "csm" ? "Ask an admin to connect HubSpot or Stripe." : <>Connect HubSpot or Stripe on the <Link className="text-indigo-700 underline" href="/integrations">Integrations</Link> page to see accounts.</>}
        </EmptyState>
      </div>
    );
  }
  const freshness = s.freshness.map((f) => `${f.provider === "hubspot" ? "HubSpot" : "Stripe"} synced ${timeAgo(f.lastSyncAt)}`).join(" · ");
  const stale = s.freshness.some((f) => f.stale);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h1 className="text-2xl font-semibold">Dashboard</h1>
        <BookSwitch mine={mine} basePath="/" />
        <p className={`text-sm ${stale ? "rounded-md bg-amber-50 px-2 py-1 text-amber-800" : "text-slate-500"}`} data-testid="freshness">
          {freshness || "No connections"}{stale ? " — data is stale" : ""}
        </p>
      </div>
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Paying customers" value={s.payingAccounts.toLocaleString()} testId="stat-accounts"
          hint={<>
            {`${s.scoredAccounts.toLocaleString()} scored · ${s.totalAccounts.toLocaleString()} accounts: `}
            <Link href="/accounts?lifecycle=churned" className="hover:underline">{s.lifecycleCounts.churned.toLocaleString()} churned</Link>{" · "}
            <Link href="/accounts?lifecycle=prospect" className="hover:underline">{s.lifecycleCounts.prospect.toLocaleString()} prospects</Link>{" · "}
            <Link href="/accounts?lifecycle=trialing" className="hover:underline">{s.lifecycleCounts.trialing.toLocaleString()} trialing</Link>
          </>} />
        <Stat label="Average health" value={formatScore(s.avgHealthScore)} hint="0-100, higher is healthier" testId="stat-avg" />
        <Stat label="MRR at risk" value={formatMoney(s.mrrAtRiskCents, cur, { compact: true })} hint={`of ${formatMoney(s.totalMrrCents, cur, { compact: true })} MRR${s.mrrConverted ? ` (in ${cur.toUpperCase()})` : s.mrrPerCurrency.filter((m) => m.currency !== cur).map((m) => ` · + ${m.currency.toUpperCase()} ${formatMinor(m.mrrAtRiskCents, m.currency, { compact: true })} of ${formatMinor(m.totalMrrCents, m.currency, { compact: true })}`).join("")}`} testId="stat-mrr-risk" />
        <Stat label="ARR at risk" value={formatMoney(s.arrAtRiskCents, cur, { compact: true })} hint={`${s.atRiskCount} at risk · ${s.criticalCount} critical`} />
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Accounts by risk level" className="lg:col-span-1">
          <RiskDistributionChart data={(["healthy", "at_risk", "critical"] as const).map((level) => ({ level, count: s.healthDistribution[level].count, mrr: formatMoney(s.healthDistribution[level].mrrCents, cur, { compact: true }) }))} />
          <div className="mt-2 flex justify-between text-xs text-slate-500">
            {(["healthy", "at_risk", "critical"] as const).map((l) => (
              <Link key={l} href={`/accounts?risk_level=${l}`} className="hover:underline">{s.healthDistribution[l].count} {l.replace("_", " ")}</Link>
            ))}
          </div>
        </Card>
        <Card title="Biggest movers since yesterday" className="lg:col-span-1">
          <MoverList movers={s.movers.sinceYesterday} />
        </Card>
        <Card title="Biggest movers since last week" className="lg:col-span-1">
          <MoverList movers={s.movers.sinceLastWeek} />
        </Card>
      </div>
      <Card title="Renewing within 30 days and at risk">
        {s.renewalsAtRisk.length === 0 ? <p className="text-sm text-slate-500">No at-risk account renews in the next 30 days.</p> : (
          <ul className="divide-y divide-slate-100 text-sm">
            {s.renewalsAtRisk.map((a) => (
              <li key={a.id} className="flex flex-wrap items-center gap-3 py-2">
                <Link href={`/accounts/${a.id}`} className="font-medium text-indigo-700 hover:underline">{a.name}</Link>
                <RiskBadge level={a.riskLevel} />
                <span className="text-slate-500">score {formatScore(a.healthScore)}</span>
                <span className="ml-auto text-slate-600">renews {formatDate(a.renewalDate)} · {formatMoney(a.mrrCents, a.mrrCurrency, { compact: true })}/mo</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function MoverList({ movers }: { movers: { accountId: string; name: string; from: number; to: number; delta: number; riskLevel: "healthy" | "at_risk" | "critical" }[] }) {
  if (movers.length === 0) return <p className="text-sm text-slate-500">No score changes yet.</p>;
  return (
    <ul className="space-y-1 text-sm">
      {movers.map((m) => (
        <li key={m.accountId} className="flex items-center gap-2">
          <Link href={`/accounts/${m.accountId}`} className="truncate text-indigo-700 hover:underline">{m.name}</Link>
          <span className="ml-auto tabular-nums text-slate-500">{formatScore(m.from)} → {formatScore(m.to)}</span>
          <span className={`w-12 text-right tabular-nums font-medium ${m.delta < 0 ? "text-red-600" : "text-green-600"}`}>{m.delta > 0 ? "+" : ""}{m.delta.toFixed(1)}</span>
        </li>
      ))}
    </ul>
  );
}
