/**
 * Users and memberships: create a user with a password and a role in an organization, change roles,
 * remove members (the last owner cannot be removed). Passwords are hashed with better-auth's own
 * hasher and stored in AuthAccount (providerId "credential"), exactly where sign-in looks for them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getAuth } from "./auth";

export type Role = "owner" | "admin" | "csm";

/** A random, readable one-time password (shown once to the admin who created the user). */
export function generatePassword(): string {
  return randomBytes(12).toString("base64url");
}

/**
 * Create a user (or reuse one with that e-mail) and give them `role` in the organization.
 * @throws AppError conflict when the e-mail is already a member of this organization.
 */
export async function createUserWithRole(
  db: Db,
  input: { organizationId: string; email: string; name: string; role: Role; password: string },
): Promise<{ userId: string; membershipId: string }> {
  const email = input.email.trim().toLowerCase();
  let user = await db.user.findUnique({ where: { email } });
  if (user) {
    const existing = await db.membership.findUnique({ where: { organizationId_userId: { organizationId: input.organizationId, userId: user.id } } });
    if (existing) throw new AppError("conflict", `${email} is already a member of this organization; change their role instead`);
  } else {
    const ctx = await getAuth().$context;
    const hash = await ctx.password.hash(input.password);
    const id = randomUUID();
    user = await db.user.create({
      data: {
        id, email, name: input.name, emailVerified: true,
        authAccounts: { create: { id: randomUUID(), accountId: id, providerId: "credential", password: hash } },
      },
    });
  }
  const m = await db.membership.create({ data: { organizationId: input.organizationId, userId: user.id, role: input.role } });
  return { userId: user.id, membershipId: m.id };
}

/** Set a new password for a user (demo re-seed, admin reset). */
export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  const ctx = await getAuth().$context;
  const hash = await ctx.password.hash(password);
  const acc = await db.authAccount.findFirst({ where: { userId, providerId: "credential" } });
  if (acc) await db.authAccount.update({ where: { id: acc.id }, data: { password: hash } });
  else await db.authAccount.create({ data: { id: randomUUID(), accountId: userId, providerId: "credential", userId, password: hash } });
}

/** Members of an organization with their roles (no secrets). */
export async function listMembers(db: Db, organizationId: string) {
  const rows = await db.membership.findMany({ where: { organizationId }, include: { user: true }, orderBy: { createdAt: "asc" } });
  return rows.map((m) => ({ id: m.id, userId: m.userId, email: m.user.email, name: m.user.name, role: m.role as Role, createdAt: m.createdAt }));
}

/**
 * The member `membershipId` of the organization, checked for a change by `actorRole`: only an owner may change
 * or remove an owner (an admin manages admins and CSMs), and the last owner is never removed or demoted.
 * @throws AppError not_found (not a member of this organization), forbidden (an admin touching an owner),
 *   conflict (the last owner).
 */
async function memberForChange(db: Db, organizationId: string, membershipId: string, actorRole: Role | undefined, change: { demote: boolean }) {
  const m = await db.membership.findFirst({ where: { id: membershipId, organizationId } });
  if (!m) throw new AppError("not_found", `member ${membershipId} not found in this organization`);
  if (m.role === "owner" && actorRole && actorRole !== "owner") {
    throw new AppError("forbidden", "only an owner can change or remove an owner; ask an owner of this organization");
  }
  if (m.role === "owner" && change.demote) {
    const owners = await db.membership.count({ where: { organizationId, role: "owner" } });
    if (owners <= 1) throw new AppError("conflict", "the last owner cannot be removed or demoted; make another member owner first");
  }
  return m;
}

/**
 * Change a member's role. `actorRole`: the role of who asks (API callers pass it; scripts may omit it).
 * @throws AppError forbidden (an admin changing an owner, or making one), conflict (demoting the last owner).
 */
export async function changeRole(db: Db, organizationId: string, membershipId: string, role: Role, actorRole?: Role) {
  if (role === "owner" && actorRole && actorRole !== "owner") throw new AppError("forbidden", "only an owner can make someone an owner");
  const m = await memberForChange(db, organizationId, membershipId, actorRole, { demote: role !== "owner" });
  if (m.role === role) return m;
  return db.membership.update({ where: { id: membershipId }, data: { role } });
}

/**
 * Remove a member from the organization (the user row stays).
 * @throws AppError forbidden (an admin removing an owner), conflict (the last owner).
 */
export async function removeMember(db: Db, organizationId: string, membershipId: string, actorRole?: Role) {
  await memberForChange(db, organizationId, membershipId, actorRole, { demote: true });
  await db.membership.delete({ where: { id: membershipId } });
}

/**
 * Whether `email` already has a user account that is not a member of `organizationId` (a person of another
 * organization): an admin may not pull such a user into theirs without that person's consent.
 */
export async function isUserOfAnotherOrganization(db: Db, organizationId: string, email: string): Promise<boolean> {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true } });
  if (!user) return false;
  const here = await db.membership.findUnique({ where: { organizationId_userId: { organizationId, userId: user.id } } });
  return !here;
}
