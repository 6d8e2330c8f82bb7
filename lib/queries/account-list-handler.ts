/**
 * Shared by GET /api/accounts and GET /api/integrations/scores/latest (same list, two historical paths):
 * JSON `{data, total, next_cursor}`, or the whole current view as a streamed CSV download
 * (`?format=csv` / `Accept: text/csv`). `defaultLifecycle`: the view without a `lifecycle` parameter
 * (GET /api/accounts: paying customers; GET /api/integrations/scores/latest: all accounts, a risk level
 * only on paying ones). Risk levels are never shown for accounts that do not pay.
 * @throws AppError forbidden/not_found for another organization; validation_failed for a bad cursor.
 */
import type { NextRequest } from "next/server";
import type { CallerContext } from "@/lib/auth/context";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { csvResponse, wantsCsv } from "@/lib/http/csv";
import { accountScoresCsv, listAccountScores, type AccountListQuery, type LifecycleFilter } from "./list-account-scores";

export async function handleAccountList(
  req: NextRequest,
  caller: CallerContext,
  query: AccountListQuery & { organization?: string },
  defaultLifecycle: readonly LifecycleFilter[] = ["paying"],
) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, query.organization);
  // csm=me: the signed-in user's book of business (issue 16); cron has no "me".
  if (query.csm === "me") query = { ...query, csm: caller.kind === "user" ? caller.userId : undefined };
  if (wantsCsv(req, query.format)) {
    return csvResponse(await accountScoresCsv(db, organizationId, query, defaultLifecycle), `churn-scores-${new Date().toISOString().slice(0, 10)}.csv`);
  }
  return listAccountScores(db, organizationId, query, defaultLifecycle);
}
