// GET /api/integrations/accounts – synced accounts with their source links (seed 01).
import { syncedAccountsRoute } from "@/lib/api/contracts/accounts";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { listSyncedAccounts } from "@/lib/queries/list-synced-accounts";
import { withApi } from "@/lib/http/with-api";

export const dynamic = "force-dynamic";

export const GET = withApi(syncedAccountsRoute, async ({ caller, query }) => {
  const db = getDb();
  return listSyncedAccounts(db, await organizationIdFor(db, caller, query.organization), query);
});
