// PUT /api/views/accounts/{id}/csm – reassign an account's CSM (admin).
import { assignCsmRoute } from "@/lib/api/contracts/alerts";
import { assignAccountCsm } from "@/lib/book/csm";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PUT = withApi(assignCsmRoute, async ({ caller, params, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  return assignAccountCsm(getDb(), caller.organizationId, params.id, body.user_id);
});

export const { GET, POST, PATCH, DELETE } = methodsNotAllowed(["PUT"]);
