// GET /api/views – saved views (own + shared) · POST – save one.
import { createViewRoute, listViewsRoute } from "@/lib/api/contracts/alerts";
import { createSavedView, listSavedViews } from "@/lib/book/saved-views";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listViewsRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  const data = await listSavedViews(getDb(), caller.organizationId, caller.userId);
  return { data, total: data.length, next_cursor: null };
});

export const POST = withApi(createViewRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  return createSavedView(getDb(), caller.organizationId, caller.userId, body);
});

export const { PUT, PATCH, DELETE } = methodsNotAllowed(["GET", "POST"]);
