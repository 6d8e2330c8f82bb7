/**
 * Who is calling: a signed-in user (session cookie) with their organization and role, or cron
 * (`Authorization: Bearer $CRON_SECRET`). Roles are checked here, on the server, for every route and page.
 *
 * Role order: owner > admin > csm. "admin" actions accept owner and admin.
 */
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { safeEqual } from "@/lib/crypto";
import { getAuth } from "./auth";
import type { Role } from "./users";

export type UserContext = {
  kind: "user";
  userId: string;
  email: string;
  name: string;
  organizationId: string;
  organizationName: string;
  role: Role;
};
/** Cron acts for every organization (or `?organization=` when given). */
export type CronContext = { kind: "cron" };
export type CallerContext = UserContext | CronContext;

const RANK: Record<Role, number> = { csm: 1, admin: 2, owner: 3 };

export function hasRole(role: Role, atLeast: Role): boolean {
  return RANK[role] >= RANK[atLeast];
}

/** True when the request carries the configured cron bearer (constant-time compare). */
export function isCronRequest(headers: Headers): boolean {
  const secret = env().CRON_SECRET;
  const h = headers.get("authorization");
  if (!secret || !h?.startsWith("Bearer ")) return false;
  return safeEqual(h.slice(7), secret);
}

/**
 * The signed-in user's context, or null. The organization is the one named by the `cw_org` cookie when the
 * user belongs to it, else their first membership.
 */
export async function getUserContext(headers: Headers): Promise<UserContext | null> {
  const session = await getAuth().api.getSession({ headers });
  if (!session) return null;
  const db = getDb();
  const memberships = await db.membership.findMany({
    where: { userId: session.user.id },
    include: { organization: true },
    orderBy: { createdAt: "asc" },
  });
  if (memberships.length === 0) return null;
  const wanted = /(?:^|;\s*)cw_org=([^;]+)/.exec(headers.get("cookie") ?? "")?.[1];
  const m = memberships.find((x) => x.organizationId === wanted) ?? memberships[0];
  return {
    kind: "user",
    userId: session.user.id,
    email: session.user.email,
    name: session.user.name,
    organizationId: m.organizationId,
    organizationName: m.organization.name,
    role: m.role as Role,
  };
}

/**
 * Authenticate a request.
 * @param opts.allowCron accept the cron bearer (sync/score endpoints).
 * @param opts.role minimum role for users (default csm).
 * @throws AppError unauthorized (no/invalid session or bearer) | forbidden (role too low).
 */
export async function authenticate(headers: Headers, opts: { allowCron?: boolean; role?: Role } = {}): Promise<CallerContext> {
  const authz = headers.get("authorization");
  if (authz?.startsWith("Bearer ")) {
    if (opts.allowCron && isCronRequest(headers)) return { kind: "cron" };
    throw new AppError("unauthorized", opts.allowCron
      ? "invalid bearer token: send Authorization: Bearer $CRON_SECRET (the value configured on the server)"
      : "this endpoint does not accept bearer tokens: sign in and call it with your session cookie");
  }
  const user = await getUserContext(headers);
  if (!user) throw new AppError("unauthorized", "sign in first (POST /api/auth/sign-in/email), then retry with the session cookie");
  const need = opts.role ?? "csm";
  if (!hasRole(user.role, need)) {
    throw new AppError("forbidden", `this action needs the ${need} role; you are ${user.role}. Ask an owner or admin.`);
  }
  return user;
}
