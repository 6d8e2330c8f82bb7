import { AccountsTable, type AccountRowView } from "@/components/accounts/accounts-table";
import { EmptyState } from "@/components/ui/card";
import { requirePageUser } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { encodeCursor, offsetFromCursor } from "@/lib/http/pagination";
import { listAccountScores, ZAccountListQuery } from "@/lib/queries/list-account-scores";

export const dynamic = "force-dynamic";

export default async function AccountsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const raw = Object.fromEntries(Object.entries(await searchParams).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  const parsed = ZAccountListQuery.safeParse(raw);
  const db = getDb();
  const query = parsed.success ? parsed.data : ZAccountListQuery.parse({});
  let offset = 0;
  try { offset = offsetFromCursor(query.cursor); } catch { query.cursor = undefined; }
  const prevCursor = offset > 0 ? (offset - query.limit > 0 ? encodeCursor({ o: offset - query.limit }) : "") : null;
  const [page, owners, any] = await Promise.all([
    listAccountScores(db, user.organizationId, query),
    db.owner.findMany({ where: { organizationId: user.organizationId, archived: false }, orderBy: [{ firstName: "asc" }] }),
    db.account.count({ where: { organizationId: user.organizationId } }),
  ]);
  const rows: AccountRowView[] = page.data.map((r) => ({
    accountId: r.accountId, name: r.name, domain: r.domain, owner: r.owner?.name ?? null, healthScore: r.healthScore, riskLevel: r.riskLevel,
    trend: r.trend, churnProbability: r.churnProbability, mrrCents: r.mrrCents, arrCents: r.arrCents, currency: r.mrrCurrency,
    renewalDate: r.renewalDate?.toISOString() ?? null, topReason: r.topReason,
  }));
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Latest Churn Scores</h1>
        <p className="text-sm text-slate-500">Every account with its newest health score, worst first. Click a column to sort; the URL keeps your view.</p>
      </div>
      {any === 0 ? (
        <EmptyState title="No accounts yet">Connect HubSpot or Stripe on the Integrations page and run a sync to see accounts here.</EmptyState>
      ) : (
        <AccountsTable rows={rows} total={page.total} nextCursor={page.next_cursor} prevCursor={prevCursor} page={Math.floor(offset / query.limit) + 1}
          owners={owners.map((o) => ({ id: o.id, name: [o.firstName, o.lastName].filter(Boolean).join(" ") || o.email || o.externalId }))}
          error={parsed.success ? null : `Some filters were not understood and were ignored: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`} />
      )}
    </div>
  );
}
