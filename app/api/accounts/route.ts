// GET /api/accounts – accounts with their latest health score; sortable, filterable, paginated; CSV.
import { listAccountsRoute } from "@/lib/api/contracts/accounts";
import { handleAccountList } from "@/lib/queries/account-list-handler";
import { withApi } from "@/lib/http/with-api";

export const dynamic = "force-dynamic";

export const GET = withApi(listAccountsRoute, async ({ req, caller, query }) => handleAccountList(req, caller, query));
