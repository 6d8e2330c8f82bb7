// GET /api/accounts/{id} – account detail with score history, factors, why it changed, signals and records.
import { getAccountRoute } from "@/lib/api/contracts/accounts";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { getAccountDetail } from "@/lib/queries/get-account-detail";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(getAccountRoute, async ({ caller, params, query }) => {
  const db = getDb();
  return getAccountDetail(db, await organizationIdFor(db, caller, query.organization), params.id);
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
