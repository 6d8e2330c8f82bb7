/**
 * Book of business (issue 16): each account's CSM is a Churnwatch user.
 *
 * - The HubSpot company owner (`hubspot_owner_id`, synced into Account.ownerId / Owner by the HubSpot connector from
 *   GET /crm/v3/owners/, `client.crm.owners.ownersApi.getPage` in @hubspot/api-client) maps to a user through
 *   OwnerUserMapping: matched automatically when the owner's e-mail equals a member's e-mail (case-insensitive),
 *   or set by an admin (source "admin", never overwritten by matching).
 * - Account.csmUserId follows the owner's mapping; an admin can reassign one account by hand (csmAssignedAt set),
 *   and such an account no longer follows owner changes until the admin clears it.
 * - An owner without a user keeps its accounts visible as "unassigned — <owner name>".
 */
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";

export type OwnerMappingView = {
  ownerId: string; ownerName: string; ownerEmail: string | null; userId: string | null; userName: string | null; source: "email" | "admin" | "none"; accounts: number;
};

/** "First Last", else the e-mail, else the HubSpot id. */
export function ownerDisplayName(o: { firstName: string | null; lastName: string | null; email: string | null; externalId: string }): string {
  const n = [o.firstName, o.lastName].filter(Boolean).join(" ").trim();
  return n || o.email || `owner ${o.externalId}`;
}

/**
 * Match owners to members by e-mail (mappings set by an admin are kept), then set Account.csmUserId of every
 * account not reassigned by hand from its owner's mapping (NULL when the owner has no user or the account no owner).
 * Idempotent; called before alerts are evaluated (after every scoring run) and after an admin changes a mapping.
 * Returns how many accounts changed CSM.
 */
export async function refreshBookOfBusiness(db: Db, organizationId: string): Promise<{ mapped: number; accountsChanged: number }> {
  const [owners, members, mappings] = await Promise.all([
    db.owner.findMany({ where: { organizationId }, select: { id: true, email: true } }),
    db.membership.findMany({ where: { organizationId }, select: { userId: true, user: { select: { email: true } } } }),
    db.ownerUserMapping.findMany({ where: { organizationId } }),
  ]);
  const byEmail = new Map(members.map((m) => [m.user.email.toLowerCase(), m.userId]));
  const memberIds = new Set(members.map((m) => m.userId));
  const existing = new Map(mappings.map((m) => [m.ownerId, m]));
  let mapped = 0;
  for (const o of owners) {
    const cur = existing.get(o.id);
    if (cur?.source === "admin") {
      // A user who left the organization maps to nobody.
      if (cur.userId && !memberIds.has(cur.userId)) await db.ownerUserMapping.update({ where: { id: cur.id }, data: { userId: null } });
      continue;
    }
    const userId = (o.email && byEmail.get(o.email.toLowerCase())) || null;
    if (!cur) await db.ownerUserMapping.create({ data: { organizationId, ownerId: o.id, userId, source: "email" } });
    else if (cur.userId !== userId) await db.ownerUserMapping.update({ where: { id: cur.id }, data: { userId } });
    if (userId) mapped++;
  }
  const fresh = await db.ownerUserMapping.findMany({ where: { organizationId } });
  let accountsChanged = 0;
  for (const m of fresh) {
    const r = await db.account.updateMany({
      // (NULL-safe "differs": NOT (csmUserId = x) would skip rows whose csmUserId IS NULL)
      where: { organizationId, ownerId: m.ownerId, csmAssignedAt: null, ...(m.userId === null ? { csmUserId: { not: null } } : { OR: [{ csmUserId: null }, { csmUserId: { not: m.userId } }] }) },
      data: { csmUserId: m.userId },
    });
    accountsChanged += r.count;
  }
  // Accounts without an owner (or whose owner has no mapping row) and not assigned by hand have no CSM.
  const r = await db.account.updateMany({
    where: { organizationId, csmAssignedAt: null, csmUserId: { not: null }, OR: [{ ownerId: null }, { ownerId: { notIn: fresh.map((m) => m.ownerId) } }] },
    data: { csmUserId: null },
  });
  accountsChanged += r.count;
  return { mapped, accountsChanged };
}

/** Owners of the organization with their user, for the admin's mapping table. */
export async function listOwnerMappings(db: Db, organizationId: string): Promise<OwnerMappingView[]> {
  const [owners, mappings, members, counts] = await Promise.all([
    db.owner.findMany({ where: { organizationId }, orderBy: [{ lastName: "asc" }, { firstName: "asc" }, { id: "asc" }] }),
    db.ownerUserMapping.findMany({ where: { organizationId } }),
    db.membership.findMany({ where: { organizationId }, select: { userId: true, user: { select: { name: true } } } }),
    db.account.groupBy({ by: ["ownerId"], where: { organizationId, archivedAt: null }, _count: { _all: true } }),
  ]);
  const m = new Map(mappings.map((x) => [x.ownerId, x]));
  const names = new Map(members.map((x) => [x.userId, x.user.name]));
  const n = new Map(counts.map((c) => [c.ownerId, c._count._all]));
  return owners.map((o) => {
    const map = m.get(o.id);
    return {
      ownerId: o.id, ownerName: ownerDisplayName(o), ownerEmail: o.email, userId: map?.userId ?? null,
      userName: map?.userId ? names.get(map.userId) ?? null : null, source: map ? (map.source === "admin" ? "admin" : "email") : "none", accounts: n.get(o.id) ?? 0,
    };
  });
}

async function assertMember(db: Db, organizationId: string, userId: string): Promise<void> {
  const m = await db.membership.findUnique({ where: { organizationId_userId: { organizationId, userId } } });
  if (!m) throw new AppError("validation_failed", "the user is not a member of this organization", { fields: { user_id: "not a member" } });
}

/** Admin: map an owner to a user (or to nobody with null); the owner's accounts follow. @throws AppError not_found / validation_failed. */
export async function setOwnerMapping(db: Db, organizationId: string, ownerId: string, userId: string | null): Promise<void> {
  const owner = await db.owner.findFirst({ where: { id: ownerId, organizationId } });
  if (!owner) throw new AppError("not_found", "no such owner");
  if (userId) await assertMember(db, organizationId, userId);
  await db.ownerUserMapping.upsert({
    where: { ownerId }, create: { organizationId, ownerId, userId, source: "admin" }, update: { userId, source: "admin" },
  });
  await refreshBookOfBusiness(db, organizationId);
}

/**
 * Admin: reassign one account's CSM (a user of the organization), or with `userId: null` hand it back to its
 * owner's mapping. @throws AppError not_found (other organizations' accounts too) / validation_failed.
 */
export async function assignAccountCsm(db: Db, organizationId: string, accountId: string, userId: string | null): Promise<{ csmUserId: string | null }> {
  const acc = await db.account.findFirst({ where: { id: accountId, organizationId }, select: { id: true, ownerId: true } });
  if (!acc) throw new AppError("not_found", "no such account");
  if (userId) {
    await assertMember(db, organizationId, userId);
    await db.account.update({ where: { id: acc.id }, data: { csmUserId: userId, csmAssignedAt: new Date() } });
    return { csmUserId: userId };
  }
  const map = acc.ownerId ? await db.ownerUserMapping.findUnique({ where: { ownerId: acc.ownerId } }) : null;
  await db.account.update({ where: { id: acc.id }, data: { csmUserId: map?.userId ?? null, csmAssignedAt: null } });
  return { csmUserId: map?.userId ?? null };
}

/** What the UI shows as an account's CSM: the user's name, "unassigned — <owner name>", or "unassigned". */
export async function csmLabel(db: Db, organizationId: string, account: { csmUserId: string | null; ownerId: string | null }): Promise<{ userId: string | null; label: string; assigned: boolean }> {
  if (account.csmUserId) {
    const m = await db.membership.findUnique({ where: { organizationId_userId: { organizationId, userId: account.csmUserId } }, select: { user: { select: { name: true } } } });
    if (m) return { userId: account.csmUserId, label: m.user.name, assigned: true };
  }
  if (account.ownerId) {
    const o = await db.owner.findFirst({ where: { id: account.ownerId, organizationId } });
    if (o) return { userId: null, label: `unassigned — ${ownerDisplayName(o)}`, assigned: false };
  }
  return { userId: null, label: "unassigned", assigned: false };
}

/**
 * The book a dashboard/API read covers (issue 16, "My/All"): `csm` = "me" (the signed-in user; a cron caller has
 * no "me" → all), "all" / undefined (every account of the organization), or a user id of a member of the
 * organization. @returns the CSM's user id to scope to, or undefined for all accounts.
 * @throws AppError validation_failed when `csm` names a user who is not a member of this organization (a user of
 *   another organization is never used as a filter, so nothing of theirs is revealed either way).
 */
export async function resolveBookScope(db: Db, organizationId: string, caller: { kind: string; userId?: string }, csm: string | undefined): Promise<string | undefined> {
  if (csm === undefined || csm === "all") return undefined;
  if (csm === "me") return caller.kind === "user" ? caller.userId : undefined;
  const m = await db.membership.findUnique({ where: { organizationId_userId: { organizationId, userId: csm } } });
  if (!m) throw new AppError("validation_failed", "csm must be 'me', 'all' or a user of this organization", { fields: { csm: "not a member" } });
  return csm;
}
