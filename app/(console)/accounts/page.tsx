import { AccountsTable, type AccountRowView } from "@/components/accounts/accounts-table";
import { EmptyState } from "@/components/ui/card";
import { requirePageUser } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { loadAccountsPage } from "@/lib/queries/accounts-page-data";
import { BookSwitch } from "@/components/tasks/book-switch";
import { SavedViews } from "@/components/tasks/saved-views";
import { openTaskCounts } from "@/lib/tasks/tasks";

export const dynamic = "force-dynamic";

export default async function AccountsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const d = await loadAccountsPage(getDb(), user.organizationId, await searchParams, { userId: user.userId, defaultMine: user.role === "csm" });
  const openTasks = await openTaskCounts(getDb(), user.organizationId, d.page.data.map((r) => r.accountId));
  const rows: AccountRowView[] = d.page.data.map((r) => ({
    openTasks: openTasks.get(r.accountId) ?? 0,
    accountId: r.accountId, name: r.name, domain: r.domain, owner: r.owner?.name ?? null, healthScore: r.healthScore, riskLevel: r.riskLevel,
    trend: r.trend, churnProbability: r.churnProbability, mrrCents: r.mrrCents, arrCents: r.arrCents, currency: r.mrrCurrency,
    renewalDate: r.renewalDate?.toISOString() ?? null, topReason: r.topReason,
    lifecycleState: r.lifecycleState, churnedAt: r.churnedAt?.toISOString() ?? null, customFields: r.customFields,
  }));
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Latest Churn Scores</h1>
        <p className="text-sm text-slate-500">
          Paying customers with their newest health score, worst first; churned accounts, prospects and trials under &ldquo;Accounts&rdquo;.
          Click a column to sort; the URL keeps your view.
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-4"><BookSwitch mine={d.mine} /><SavedViews /></div>
      {!d.hasAccounts ? (
        <EmptyState title="No accounts yet">Connect HubSpot or Stripe on the Integrations page and run a sync to see accounts here.</EmptyState>
      ) : (
        <AccountsTable rows={rows} total={d.page.total} nextCursor={d.page.next_cursor} prevCursor={d.prevCursor} page={d.pageNumber}
          owners={d.owners} error={d.error} mappedFields={d.mappedFields.map((f) => f.field)} customColumns={d.query.columns ?? []} />
      )}
    </div>
  );
}
