// DELETE /api/views/{id} – delete one of the caller's saved views.
import { deleteViewRoute } from "@/lib/api/contracts/alerts";
import { deleteSavedView } from "@/lib/book/saved-views";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const DELETE = withApi(deleteViewRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  await deleteSavedView(getDb(), caller.organizationId, caller.userId, params.id);
  return undefined;
});

export const { GET, POST, PUT, PATCH } = methodsNotAllowed(["DELETE"]);
