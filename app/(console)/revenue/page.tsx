import { RevenueView } from "@/components/revenue/revenue-view";
import { requirePageUser } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { getRevenueSettings } from "@/lib/revenue/api";
import { getCohorts, getRenewalForecast, getRevenueOverview, listMovements } from "@/lib/revenue/report";

export const dynamic = "force-dynamic";

/** Revenue: MRR bridge and movements, retention, cohorts, renewal forecast (issue 17; docs/revenue.md). */
export default async function RevenuePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const sp = await searchParams;
  const db = getDb();
  const organizationId = user.organizationId;
  const overview = await getRevenueOverview(db, { organizationId, months: 12 });
  const [cohorts, forecast, movements, settings] = await Promise.all([
    getCohorts(db, { organizationId, cohorts: 12 }),
    getRenewalForecast(db, { organizationId, days: 90, limit: 20 }),
    listMovements(db, { organizationId, limit: 50 }),
    getRevenueSettings(db, organizationId),
  ]);
  const isAdmin = user.role === "admin" || user.role === "owner";
  const currency = typeof sp.currency === "string" ? sp.currency.toLowerCase() : null;
  return <RevenueView overview={overview} cohorts={cohorts.cohorts} forecast={forecast} movements={movements.data} settings={settings} isAdmin={isAdmin} currency={currency} />;
}
