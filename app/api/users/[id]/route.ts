// PATCH /api/users/{id} – change a member's role · DELETE /api/users/{id} – remove a member. {id} is the membership id.
import { deleteUserRoute, updateUserRoute } from "@/lib/api/contracts/admin";
import { changeRole, removeMember } from "@/lib/auth/users";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PATCH = withApi(updateUserRoute, async ({ caller, params, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const m = await changeRole(getDb(), caller.organizationId, params.id, body.role, caller.role); // owners are managed by owners only
  return { id: m.id, role: m.role };
});

export const DELETE = withApi(deleteUserRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  await removeMember(getDb(), caller.organizationId, params.id, caller.role);
  return { removed: params.id };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, POST, PUT } = methodsNotAllowed(["PATCH", "DELETE"]);
