/**
 * Server-side guards for pages: redirect to /sign-in without a session; render a 403 notice (never the
 * page) when the role is too low. Roles are enforced here AND by every API route.
 */
import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getUserContext, hasRole, type UserContext } from "./context";
import type { Role } from "./users";

export async function requirePageUser(): Promise<UserContext> {
  const user = await getUserContext(await headers());
  if (!user) redirect("/sign-in");
  return user;
}

/** Returns the user when their role is at least `role`, else null (the page shows a "not allowed" notice). */
export async function requirePageRole(role: Role): Promise<{ user: UserContext; allowed: boolean }> {
  const user = await requirePageUser();
  return { user, allowed: hasRole(user.role, role) };
}
