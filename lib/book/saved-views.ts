/**
 * Saved views (issue 16): a named set of accounts-table filters (the accounts list query, e.g.
 * `{level: "critical", renewal_within_days: 90, mine: true}`), private to its user or shared with the organization.
 * A user sees their own views and the organization's shared ones; only the author changes or deletes a view.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";

export const ZViewFilters = z.record(z.string().max(40), z.union([z.string().max(200), z.number(), z.boolean()]))
  .refine((f) => Object.keys(f).length <= 20, "at most 20 filters");
export const ZSavedViewInput = z.object({ name: z.string().trim().min(1).max(80), filters: ZViewFilters, shared: z.boolean().default(false) });

export type SavedViewView = { id: string; name: string; filters: Record<string, string | number | boolean>; shared: boolean; mine: boolean; authorName: string | null; createdAt: Date };

/** The user's views and the organization's shared ones (own first, then by name). */
export async function listSavedViews(db: Db, organizationId: string, userId: string): Promise<SavedViewView[]> {
  const rows = await db.savedView.findMany({ where: { organizationId, OR: [{ userId }, { shared: true }] }, orderBy: [{ name: "asc" }, { id: "asc" }] });
  const authors = await db.membership.findMany({ where: { organizationId, userId: { in: [...new Set(rows.map((r) => r.userId))] } }, select: { userId: true, user: { select: { name: true } } } });
  const n = new Map(authors.map((a) => [a.userId, a.user.name]));
  return rows
    .map((r) => ({ id: r.id, name: r.name, filters: r.filters as Record<string, string | number | boolean>, shared: r.shared, mine: r.userId === userId, authorName: n.get(r.userId) ?? null, createdAt: r.createdAt }))
    .sort((a, b) => Number(b.mine) - Number(a.mine));
}

/** Save a view for the user. */
export async function createSavedView(db: Db, organizationId: string, userId: string, raw: z.input<typeof ZSavedViewInput>): Promise<SavedViewView> {
  const input = ZSavedViewInput.parse(raw);
  const r = await db.savedView.create({ data: { organizationId, userId, name: input.name, filters: input.filters, shared: input.shared } });
  return { id: r.id, name: r.name, filters: input.filters, shared: r.shared, mine: true, authorName: null, createdAt: r.createdAt };
}

/** Delete one of the user's own views. @throws AppError not_found (another user's or organization's view). */
export async function deleteSavedView(db: Db, organizationId: string, userId: string, id: string): Promise<void> {
  const r = await db.savedView.deleteMany({ where: { id, organizationId, userId } });
  if (!r.count) throw new AppError("not_found", "no such saved view of yours");
}
