/**
 * The review list: `GET /api/accounts/matches`. Ambiguous identity matches (two companies for one
 * e-mail domain, a name match only, …) with both sides described so an admin can decide.
 * Ordered by confidence (highest first), then id; cursor-paginated.
 */
import { z } from "zod";
import type { Db } from "@/lib/db/prisma";
import type { MatchRule, Provider } from "@/lib/generated/sqlite/client";
import { idSchema, parseInput } from "./manual-link";

export const listMatchCandidatesInputSchema = z.object({
  organizationId: idSchema,
  status: z.enum(["pending", "confirmed", "rejected"]).default("pending"),
  /** Page size, 1-200 (default 50). */
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `nextCursor` of the previous page. */
  cursor: idSchema.optional(),
});
export type ListMatchCandidatesInput = z.input<typeof listMatchCandidatesInputSchema>;

/** One side of a candidate: a HubSpot company or a Stripe customer. */
export type MatchSide = {
  id: string;
  provider: Provider;
  connectionId: string;
  connectionName: string;
  /** "company" | "customer" */
  objectType: string;
  externalId: string;
  name: string | null;
  domain: string | null;
  email: string | null;
  accountId: string | null;
  isManual: boolean;
};

export type MatchCandidateView = {
  id: string;
  rule: MatchRule;
  /** 0-1 */
  confidence: number;
  reason: string;
  status: string;
  createdAt: Date;
  decidedAt: Date | null;
  decidedById: string | null;
  /** The record that would move. Null if it was deleted since. */
  sourceRecord: MatchSide | null;
  /** The account it would join, with the records already on it. */
  account: { id: string; name: string; domain: string | null; sources: MatchSide[] };
};

const sideSelect = {
  id: true, connectionId: true, objectType: true, externalId: true, name: true, domain: true, email: true, accountId: true, isManual: true,
  connection: { select: { provider: true, displayName: true } },
} as const;

type SideRow = {
  id: string; connectionId: string; objectType: string; externalId: string; name: string | null; domain: string | null;
  email: string | null; accountId: string | null; isManual: boolean; connection: { provider: Provider; displayName: string };
};

function toSide(r: SideRow): MatchSide {
  const { connection, ...rest } = r;
  return { ...rest, provider: connection.provider, connectionName: connection.displayName };
}

/**
 * List candidates of an organization.
 * @returns `{items, nextCursor}`; nextCursor is null on the last page.
 * @throws AppError validation_failed (bad status/limit).
 */
export async function listMatchCandidates(db: Db, input: ListMatchCandidatesInput): Promise<{ items: MatchCandidateView[]; nextCursor: string | null }> {
  const { organizationId, status, limit, cursor } = parseInput(listMatchCandidatesInputSchema, input);
  const rows = await db.matchCandidate.findMany({
    where: { organizationId, status },
    orderBy: [{ confidence: "desc" }, { id: "asc" }],
    take: limit + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    include: {
      account: { select: { id: true, name: true, domain: true, sourceRecords: { select: sideSelect, orderBy: { id: "asc" } } } },
    },
  });
  const page = rows.slice(0, limit);
  const records = await db.sourceRecord.findMany({
    where: { id: { in: [...new Set(page.map((r) => r.sourceRecordId))] }, organizationId },
    select: sideSelect,
  });
  const byId = new Map(records.map((r) => [r.id, toSide(r)]));
  const items = page.map((r) => ({
    id: r.id, rule: r.rule, confidence: r.confidence, reason: r.reason, status: r.status, createdAt: r.createdAt,
    decidedAt: r.decidedAt, decidedById: r.decidedById,
    sourceRecord: byId.get(r.sourceRecordId) ?? null,
    account: { id: r.account.id, name: r.account.name, domain: r.account.domain, sources: r.account.sourceRecords.map(toSide) },
  }));
  return { items, nextCursor: rows.length > limit ? page[page.length - 1].id : null };
}
