// GET /api/users – members and roles · POST /api/users – add a user with a role (one-time password shown once).
import { createUserRoute, listUsersRoute } from "@/lib/api/contracts/admin";
import { createUserWithRole, generatePassword, isUserOfAnotherOrganization, listMembers } from "@/lib/auth/users";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listUsersRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const data = await listMembers(getDb(), caller.organizationId);
  return { data, total: data.length, next_cursor: null };
});

export const POST = withApi(createUserRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  if (body.role === "owner" && caller.role !== "owner") throw new AppError("forbidden", "only an owner can add another owner");
  if (await isUserOfAnotherOrganization(getDb(), caller.organizationId, body.email)) {
    throw new AppError("conflict", `${body.email.toLowerCase()} already has a Churnwatch account in another organization; they cannot be added without their consent — use another e-mail address`);
  }
  const password = generatePassword();
  const r = await createUserWithRole(getDb(), { organizationId: caller.organizationId, email: body.email, name: body.name, role: body.role, password });
  return { membershipId: r.membershipId, userId: r.userId, email: body.email.toLowerCase(), role: body.role, oneTimePassword: password };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { PUT, PATCH, DELETE } = methodsNotAllowed(["GET", "POST"]);
