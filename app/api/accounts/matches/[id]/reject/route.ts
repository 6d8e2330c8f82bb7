// POST /api/accounts/matches/{id}/reject – reject a review candidate; it is never proposed or merged again.
import { rejectMatchRoute } from "@/lib/api/contracts/admin";
import { rejectMatch } from "@/lib/accounts/reject-match";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(rejectMatchRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  return rejectMatch(getDb(), { organizationId: caller.organizationId, candidateId: params.id, userId: caller.userId });
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
