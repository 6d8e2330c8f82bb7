// PUT /api/alerts/rules/{id} – replace a rule · DELETE – delete it (admin).
import { deleteRuleRoute, updateRuleRoute } from "@/lib/api/contracts/alerts";
import { deleteRule, updateRule } from "@/lib/alerts/rules";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PUT = withApi(updateRuleRoute, async ({ caller, params, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  return updateRule(getDb(), caller.organizationId, params.id, body);
});

export const DELETE = withApi(deleteRuleRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  await deleteRule(getDb(), caller.organizationId, params.id);
  return undefined;
});

export const { GET, POST, PATCH } = methodsNotAllowed(["PUT", "DELETE"]);
