/** GET /api/integrations/accounts: accounts with their source links (which HubSpot company / Stripe customer, by which rule). */
import type { Db } from "@/lib/db";
import { offsetFromCursor, offsetPage } from "@/lib/http/pagination";

export async function listSyncedAccounts(db: Db, organizationId: string, q: { limit: number; cursor?: string }) {
  const offset = offsetFromCursor(q.cursor);
  const where = { organizationId, archivedAt: null };
  const [total, rows] = await Promise.all([
    db.account.count({ where }),
    db.account.findMany({
      where, orderBy: [{ name: "asc" }, { id: "asc" }], skip: offset, take: q.limit,
      include: { sourceRecords: { include: { connection: { select: { provider: true, displayName: true } } } } },
    }),
  ]);
  return offsetPage(rows.map((a) => ({
    accountId: a.id, name: a.name, domain: a.domain, industry: a.industry, mrrCents: a.mrrCents, mrrCurrency: a.mrrCurrency,
    sources: a.sourceRecords.map((s) => ({ id: s.id, provider: s.connection.provider, connection: s.connection.displayName, objectType: s.objectType, externalId: s.externalId, name: s.name, matchRule: s.matchRule, matchConfidence: s.matchConfidence, isManual: s.isManual })),
  })), total, offset);
}
