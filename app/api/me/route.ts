// GET /api/me – the signed-in user, their organization and role.
import { meRoute } from "@/lib/api/contracts/core";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(meRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "cron cannot call /api/me");
  return {
    user: { id: caller.userId, email: caller.email, name: caller.name },
    organization: { id: caller.organizationId, name: caller.organizationName },
    role: caller.role,
  };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
