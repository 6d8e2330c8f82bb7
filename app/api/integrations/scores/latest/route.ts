// GET /api/integrations/scores/latest – the Latest Churn Scores (seed 01 path); CSV with ?format=csv or Accept: text/csv.
import { latestScoresRoute } from "@/lib/api/contracts/accounts";
import { handleAccountList } from "@/lib/queries/account-list-handler";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

// Every scored account by default (integrations page through all scores); risk levels only on paying customers.
export const GET = withApi(latestScoresRoute, async ({ req, caller, query }) => handleAccountList(req, caller, query, ["all"]));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
