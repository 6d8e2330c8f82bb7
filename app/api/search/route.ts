// GET /api/search – the palette's account search (name, domain, HubSpot/Stripe id) in the caller's organization.
import { searchRoute } from "@/lib/api/contracts/commands";
import { searchAccounts } from "@/lib/commands/search-accounts";
import { getDb } from "@/lib/db";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(searchRoute, async ({ caller, query }) => {
  if (caller.kind !== "user") throw new Error("unreachable: the contract accepts signed-in users only");
  const hits = await searchAccounts(getDb(), caller.organizationId, query.q, query.limit);
  return { data: hits.map(({ rank: _rank, ...h }) => ({ ...h, href: `/accounts/${h.accountId}` })) };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
