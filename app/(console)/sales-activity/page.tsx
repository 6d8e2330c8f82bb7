import { SalesActivityView } from "@/components/sales-activity/sales-activity-view";
import { requirePageUser } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { salesActivityScorecard } from "@/lib/sales-activity/scorecard";

export const dynamic = "force-dynamic";

/** Sales activity: the scorecard per HubSpot owner and week/month (issue 17; docs/sales-activity.md). */
export default async function SalesActivityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const sp = await searchParams;
  const granularity = sp.granularity === "month" ? "month" : "week";
  const card = await salesActivityScorecard(getDb(), user.organizationId, { granularity, periods: 12 });
  const isAdmin = user.role === "admin" || user.role === "owner";
  return <SalesActivityView card={card} isAdmin={isAdmin} />;
}
