/**
 * Confirm a match: the admin says a source record and an account are the same customer.
 * Backs `POST /api/accounts/matches/{candidateId}/confirm` (review list) and, with a pair,
 * `POST /api/accounts/{id}/links` (see link-source-record.ts).
 *
 * Effect: the source record moves to the account and is pinned (isManual, rule "manual",
 * confidence 1) so resolution never moves it again; its old account, if left without sources, is
 * deleted after its children moved; the candidate is stored as confirmed (decidedBy/At); other
 * pending candidates of that record disappear; account fields and child rows are refreshed.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Db } from "@/lib/db/prisma";
import {
  getAccountOrThrow, getSourceRecordOrThrow, idSchema, moveSourceRecordManually, parseInput, recordDecision, runManualAction,
} from "./manual-link";
import type { ResolveIdentitiesResult } from "./resolve-identities";

export const confirmMatchInputSchema = z.union([
  z.object({ organizationId: idSchema, candidateId: idSchema, userId: idSchema.nullish() }),
  z.object({ organizationId: idSchema, accountId: idSchema, sourceRecordId: idSchema, userId: idSchema.nullish() }),
]);
export type ConfirmMatchInput = z.infer<typeof confirmMatchInputSchema>;

export type ConfirmMatchResult = {
  candidateId: string;
  accountId: string;
  sourceRecordId: string;
  /** Where the record was before (null if it had no account). */
  previousAccountId: string | null;
  /** True when the previous account lost its last source record and was deleted. */
  previousAccountDeleted: boolean;
  resolution: ResolveIdentitiesResult;
};

/**
 * Confirm a candidate (by id) or link a (account, source record) pair.
 * @throws AppError validation_failed (bad input), not_found (candidate, account or source record
 *   not in the organization).
 */
export async function confirmMatch(db: Db, input: ConfirmMatchInput): Promise<ConfirmMatchResult> {
  const parsed = parseInput(confirmMatchInputSchema, input);
  const { organizationId } = parsed;
  const now = new Date();
  return runManualAction(db, organizationId, async (tx) => {
    let accountId: string;
    let sourceRecordId: string;
    let reason = "Linked manually";
    if ("candidateId" in parsed) {
      const candidate = await tx.matchCandidate.findFirst({ where: { id: parsed.candidateId, organizationId } });
      if (!candidate) throw new AppError("not_found", `Match candidate ${parsed.candidateId} not found; list them with GET /api/accounts/matches`);
      accountId = candidate.accountId;
      sourceRecordId = candidate.sourceRecordId;
      reason = candidate.reason;
    } else {
      accountId = parsed.accountId;
      sourceRecordId = parsed.sourceRecordId;
    }
    await getAccountOrThrow(tx, organizationId, accountId);
    const record = await getSourceRecordOrThrow(tx, organizationId, sourceRecordId);
    const moved = await moveSourceRecordManually(tx, record, accountId, now);
    const decision = await recordDecision(tx, {
      organizationId, sourceRecordId, accountId, status: "confirmed", userId: parsed.userId, rule: "manual", reason, now,
    });
    return { candidateId: decision.id, accountId, sourceRecordId, ...moved };
  });
}
