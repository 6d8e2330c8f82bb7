/**
 * Which organization a request acts on. Users act on their own. Cron (CRON_SECRET bearer) acts on
 * `?organization=<id or slug>`, or on the only organization when there is exactly one.
 * @throws AppError bad_request when cron must name an organization, not_found when it doesn't exist.
 */
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { CallerContext } from "./context";

export async function organizationIdFor(db: Db, caller: CallerContext, requested?: string | null): Promise<string> {
  if (caller.kind === "user") return caller.organizationId;
  if (requested) {
    const org = await db.organization.findFirst({ where: { OR: [{ id: requested }, { slug: requested }] } });
    if (!org) throw new AppError("not_found", `organization ${requested} not found`);
    return org.id;
  }
  const orgs = await db.organization.findMany({ select: { id: true }, take: 2 });
  if (orgs.length === 1) return orgs[0].id;
  throw new AppError("bad_request", orgs.length === 0 ? "no organization exists yet" : "several organizations exist: add ?organization=<id or slug>", { fields: { organization: "required for cron calls" } });
}

/** All organization ids a caller may act on (cron: every organization, unless one is named). */
export async function organizationIdsFor(db: Db, caller: CallerContext, requested?: string | null): Promise<string[]> {
  if (caller.kind === "user" || requested) return [await organizationIdFor(db, caller, requested)];
  return (await db.organization.findMany({ select: { id: true }, orderBy: { createdAt: "asc" } })).map((o) => o.id);
}
