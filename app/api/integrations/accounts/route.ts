// GET /api/integrations/accounts – synced accounts with their source links (seed 01).
import { syncedAccountsRoute } from "@/lib/api/contracts/accounts";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { listSyncedAccounts } from "@/lib/queries/list-synced-accounts";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(syncedAccountsRoute, async ({ caller, query }) => {
  const db = getDb();
  return listSyncedAccounts(db, await organizationIdFor(db, caller, query.organization), query);
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
