// POST /api/accounts/matches/{id}/reject – reject a review candidate; it is never proposed or merged again.
import { rejectMatchRoute } from "@/lib/api/contracts/admin";
import { rejectMatch } from "@/lib/accounts/reject-match";
import { getDb } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(rejectMatchRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  try {
    return await rejectMatch(getDb(), { organizationId: caller.organizationId, candidateId: params.id, userId: caller.userId });
  } catch (e) {
    // Confirming one candidate removes the other pending candidates of the same record (lib/accounts/confirm-match.ts),
    // so a card still on screen can point at a match that is gone: say so in the reviewer's words (issue 18).
    if (isAppError(e) && e.code === "not_found") {
      throw new AppError("not_found", "This match is no longer waiting for review: the record was already linked to an account (or the match was decided by someone else). Refresh the list to see what is left.");
    }
    if (isAppError(e) && e.code === "conflict") {
      throw new AppError("conflict", "This match was confirmed and the record is linked to that account. To undo it, open the account and unlink the record there.");
    }
    throw e;
  }
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
