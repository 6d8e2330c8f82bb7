/**
 * Link a source record to an account by hand: `POST /api/accounts/{id}/links` with
 * `{sourceRecordId}`. Same effect as confirming a candidate (confirm-match.ts): the record moves
 * to the account, is pinned (manual) and survives every re-sync; the decision is stored as a
 * confirmed MatchCandidate. Linking a record that is already on the account just pins it.
 */
import type { Db } from "@/lib/db/prisma";
import { confirmMatch, type ConfirmMatchResult } from "./confirm-match";

export type LinkSourceRecordInput = { organizationId: string; accountId: string; sourceRecordId: string; userId?: string | null };

/**
 * @throws AppError validation_failed, not_found (account or source record not in the organization).
 */
export async function linkSourceRecord(db: Db, input: LinkSourceRecordInput): Promise<ConfirmMatchResult> {
  return confirmMatch(db, {
    organizationId: input.organizationId, accountId: input.accountId, sourceRecordId: input.sourceRecordId, userId: input.userId,
  });
}
