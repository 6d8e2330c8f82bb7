// GET /api/accounts/matches – ambiguous identity matches awaiting an admin's decision.
import { listMatchesRoute } from "@/lib/api/contracts/admin";
import { listMatchCandidates } from "@/lib/accounts/list-match-candidates";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listMatchesRoute, async ({ caller, query }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const db = getDb();
  const page = await listMatchCandidates(db, { organizationId: caller.organizationId, status: query.status, limit: query.limit, cursor: query.cursor });
  const total = await db.matchCandidate.count({ where: { organizationId: caller.organizationId, status: query.status } });
  return { data: page.items, total, next_cursor: page.nextCursor };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
