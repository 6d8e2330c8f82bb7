/**
 * Everything the /accounts page (Latest Churn Scores table) reads, in one call, so the page and the console
 * benchmark (scripts/bench/console.ts) time exactly the same queries.
 *
 * Input: the page's URL search params (strings; unknown or invalid ones are ignored and reported in
 * `error`). Output: the parsed query, the current page of rows (`{data, total, next_cursor}`), the
 * previous page's cursor ("" = first page, null = no previous page), the 1-based page number, the
 * organization's owners for the owner filter, and whether the organization has any account at all
 * (for the empty state).
 */
import type { Db } from "@/lib/db";
import { encodeCursor, offsetFromCursor } from "@/lib/http/pagination";
import { listMappedFields } from "./custom-fields";
import { listAccountScores, ZAccountListQuery, type AccountListQuery } from "./list-account-scores";

export type OwnerOption = { id: string; name: string };

export async function loadAccountsPage(
  db: Db, organizationId: string, searchParams: Record<string, string | string[] | undefined>,
  /**
   * The viewer (issue 16): `csm=me` means their accounts; `defaultMine` (a CSM) makes that the view without a `csm`
   * param — when they have a book at all (a CSM with no account assigned yet opens on all accounts).
   */
  viewer?: { userId: string; defaultMine: boolean },
) {
  const raw = Object.fromEntries(Object.entries(searchParams).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  if (viewer && raw.csm === undefined && viewer.defaultMine && (await hasBook(db, organizationId, viewer.userId))) raw.csm = "me";
  const mine = raw.csm === "me";
  if (raw.csm === "me") raw.csm = viewer?.userId ?? "all";
  const parsed = ZAccountListQuery.safeParse(raw);
  const query: AccountListQuery = parsed.success ? parsed.data : ZAccountListQuery.parse({});
  let offset = 0;
  try {
    offset = offsetFromCursor(query.cursor);
  } catch {
    query.cursor = undefined;
  }
  const prevCursor = offset > 0 ? (offset - query.limit > 0 ? encodeCursor({ o: offset - query.limit }) : "") : null;
  const [page, owners, anyAccount, mappedFields] = await Promise.all([
    listAccountScores(db, organizationId, query),
    db.owner.findMany({ where: { organizationId, archived: false }, orderBy: [{ firstName: "asc" }] }),
    db.account.findFirst({ where: { organizationId }, select: { id: true } }),
    listMappedFields(db, organizationId),
  ]);
  return {
    query,
    /** The table shows the viewer's own accounts (csm=me, a CSM's default). */
    mine,
    page,
    prevCursor,
    pageNumber: Math.floor(offset / query.limit) + 1,
    owners: owners.map((o): OwnerOption => ({ id: o.id, name: [o.firstName, o.lastName].filter(Boolean).join(" ") || o.email || o.externalId })),
    hasAccounts: anyAccount !== null,
    /** Mapped HubSpot custom fields: optional columns (`columns=`) and the filter (`custom_field=field:value`). */
    mappedFields,
    error: parsed.success ? null : `Some filters were not understood and were ignored: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`,
  };
}
/** Whether the user is the CSM of at least one live account of the organization. */
export async function hasBook(db: Db, organizationId: string, userId: string): Promise<boolean> {
  return (await db.account.findFirst({ where: { organizationId, csmUserId: userId, archivedAt: null }, select: { id: true } })) !== null;
}

export type AccountsPageData = Awaited<ReturnType<typeof loadAccountsPage>>;
