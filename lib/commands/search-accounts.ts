/**
 * Server-side account search of the command palette (GET /api/search) and of the command executor
 * ("show hubspot deals for acme"): one organization's live accounts (any lifecycle state) by
 *   - HubSpot company id or Stripe customer id (exact, e.g. "cus_Q1w2…", "18342213"),
 *   - name or domain (case-insensitive; `%`, `_` and `\` match literally: lib/queries/list-account-scores.ts).
 * Ranked: id match, exact name/domain, name/domain starting with the text, then containing it; ties by name.
 *
 * Speed (50,000 accounts, SQLite, measured by scripts/bench/palette-search.ts; docs/commands.md): the id
 * lookup is one unique-index probe per connection ((connectionId, objectType, externalId)); the name prefix
 * walks the (organizationId, name, id) index; the substring search scans one organization's rows once.
 */
import type { Db } from "@/lib/db";
import { providerOf } from "@/lib/db/prisma";
import { accountWhere, escapeLike } from "@/lib/queries/list-account-scores";

export type AccountSearchHit = {
  accountId: string;
  name: string;
  domain: string | null;
  healthScore: number | null;
  riskLevel: "healthy" | "at_risk" | "critical" | null;
  lifecycleState: string | null;
  /** Why it matched: "hubspot id" | "stripe id" | "name" | "domain". */
  matchedBy: "hubspot id" | "stripe id" | "name" | "domain";
  /** 0 = id, 1 = exact name/domain, 2 = starts with, 3 = contains. */
  rank: number;
};

const SELECT = { id: true, name: true, domain: true, healthScore: true, riskLevel: true, lifecycleState: true } as const;

/**
 * Up to `limit` (1-25, default 8) accounts of `organizationId` matching `text` (trimmed, ≤ 200 characters).
 * An empty text returns []. Never throws on odd input (wildcards, quotes, very long text).
 */
export async function searchAccounts(db: Db, organizationId: string, text: string, limit = 8): Promise<AccountSearchHit[]> {
  const q = text.trim().slice(0, 200);
  if (!q) return [];
  const take = Math.min(25, Math.max(1, Math.floor(limit)));
  const lower = q.toLowerCase();
  const hits = new Map<string, AccountSearchHit>();
  const add = (a: { id: string; name: string; domain: string | null; healthScore: number | null; riskLevel: AccountSearchHit["riskLevel"]; lifecycleState: string | null }, matchedBy: AccountSearchHit["matchedBy"], rank: number) => {
    const prev = hits.get(a.id);
    if (prev && prev.rank <= rank) return;
    hits.set(a.id, { accountId: a.id, name: a.name, domain: a.domain, healthScore: a.healthScore, riskLevel: a.riskLevel, lifecycleState: a.lifecycleState, matchedBy, rank });
  };

  // 1. Vendor ids: one probe of the (connectionId, objectType, externalId) unique index per connection.
  if (!/\s/.test(q) && q.length <= 100) {
    const conns = await db.connection.findMany({ where: { organizationId }, select: { id: true, provider: true } });
    if (conns.length) {
      const ids = [...new Set([q, lower])];
      const recs = await db.sourceRecord.findMany({
        where: { organizationId, accountId: { not: null }, OR: conns.flatMap((c) => ids.map((externalId) => ({ connectionId: c.id, objectType: c.provider === "hubspot" ? "company" : "customer", externalId }))) },
        select: { connectionId: true, account: { select: { ...SELECT, archivedAt: true } } },
        take,
      });
      for (const r of recs) {
        if (!r.account || r.account.archivedAt) continue;
        add(r.account, conns.find((c) => c.id === r.connectionId)?.provider === "hubspot" ? "hubspot id" : "stripe id", 0);
      }
    }
  }

  // An exact vendor id found: that is the answer (no substring scan).
  if (hits.size) return [...hits.values()].slice(0, take);

  // 2. Names starting with the text (index order), then names/domains containing it.
  const pg = providerOf(db) === "postgresql";
  const base = accountWhere(db, organizationId, { lifecycle: ["all"] }, new Date(), ["all"]);
  const [prefix, anywhere] = await Promise.all([
    /[%_]/.test(q) && !pg ? Promise.resolve([]) : db.account.findMany({ where: { ...base, name: { startsWith: pg ? escapeLike(q) : q, ...(pg ? { mode: "insensitive" as const } : {}) } }, orderBy: [{ name: "asc" }, { id: "asc" }], take, select: SELECT }),
    pg
      ? db.account.findMany({ where: accountWhere(db, organizationId, { q, lifecycle: ["all"] }, new Date(), ["all"]), orderBy: [{ name: "asc" }, { id: "asc" }], take: take * 4, select: SELECT })
      : sqliteSubstring(db, organizationId, q, take * 4),
  ]);
  for (const a of [...prefix, ...anywhere]) {
    const name = a.name.toLowerCase();
    const domain = a.domain?.toLowerCase() ?? "";
    if (name === lower || domain === lower) add(a, name === lower ? "name" : "domain", 1);
    else if (name.startsWith(lower) || domain.startsWith(lower)) add(a, name.startsWith(lower) ? "name" : "domain", 2);
    else add(a, name.includes(lower) ? "name" : "domain", 3);
  }
  return [...hits.values()].sort((x, y) => x.rank - y.rank || x.name.localeCompare(y.name)).slice(0, take);
}

/**
 * SQLite: accounts whose name or domain contains `q` (case-insensitive for ASCII, `%` `_` `\\` literal), up to
 * `limit` (the first found; the caller ranks them). One sequential pass over the Account table (`+"organizationId"` keeps SQLite off the
 * organization indexes, whose row-by-row lookups made the same scan ~10× slower at 50,000 accounts), then the
 * few matches' columns by primary key.
 */
async function sqliteSubstring(db: Db, organizationId: string, q: string, limit: number) {
  const pattern = `%${escapeLike(q)}%`;
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT "id" FROM "Account" WHERE +"organizationId" = ? AND "archivedAt" IS NULL AND ("name" LIKE ? ESCAPE '\\' OR "domain" LIKE ? ESCAPE '\\') LIMIT ${Math.floor(limit)}`,
    organizationId, pattern, pattern.toLowerCase(),
  );
  if (!rows.length) return [];
  return db.account.findMany({ where: { organizationId, id: { in: rows.map((r) => r.id) } }, orderBy: [{ name: "asc" }, { id: "asc" }], select: SELECT });
}
