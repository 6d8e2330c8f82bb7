// GET /api/accounts – accounts with their latest health score; sortable, filterable, paginated; CSV.
import { listAccountsRoute } from "@/lib/api/contracts/accounts";
import { handleAccountList } from "@/lib/queries/account-list-handler";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listAccountsRoute, async ({ req, caller, query }) => handleAccountList(req, caller, query));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
