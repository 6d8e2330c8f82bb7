// GET /api/alerts/rules – the rules · POST – create one (admin).
import { createRuleRoute, listRulesRoute } from "@/lib/api/contracts/alerts";
import { createRule, listRules } from "@/lib/alerts/rules";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listRulesRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  const data = await listRules(getDb(), caller.organizationId);
  return { data, total: data.length, next_cursor: null };
});

export const POST = withApi(createRuleRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  return createRule(getDb(), caller.organizationId, body);
});

export const { PUT, PATCH, DELETE } = methodsNotAllowed(["GET", "POST"]);
