/**
 * Undo a wrong merge: `DELETE /api/accounts/{id}/links/{linkId}` (linkId = source record id).
 *
 * The source record is detached into a new account of its own and pinned (isManual, rule
 * "manual"), so no re-sync merges it back. The decision is stored both ways as rejections:
 * (record, old account) and (each remaining non-manual record of the old account, new account),
 * so e.g. customers that matched the detached company's domain do not follow it either.
 * Children follow the record; both accounts' fields are refreshed.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Db } from "@/lib/db/prisma";
import { computeAccountFields } from "./account-fields";
import { loadFieldContext, newAccountId } from "./identity-store";
import {
  getAccountOrThrow, idSchema, moveSourceRecordManually, parseInput, recordDecision, runManualAction,
} from "./manual-link";
import { IDENTITY_SOURCE_SELECT } from "./source-record";
import type { ResolveIdentitiesResult } from "./resolve-identities";
import { Prisma } from "@/lib/generated/sqlite/client";

export const unlinkSourceRecordInputSchema = z.object({
  organizationId: idSchema, accountId: idSchema, sourceRecordId: idSchema, userId: idSchema.nullish(),
});
export type UnlinkSourceRecordInput = z.infer<typeof unlinkSourceRecordInputSchema>;

export type UnlinkSourceRecordResult = {
  sourceRecordId: string;
  /** The account the record was detached from (kept; it still has other sources). */
  previousAccountId: string;
  /** The new account the record now belongs to. */
  accountId: string;
  resolution: ResolveIdentitiesResult;
};

/**
 * @throws AppError validation_failed; not_found (account not in the organization, or the record
 *   is not linked to it); conflict (the record is the account's only source: nothing to detach).
 */
export async function unlinkSourceRecord(db: Db, input: UnlinkSourceRecordInput): Promise<UnlinkSourceRecordResult> {
  const { organizationId, accountId, sourceRecordId, userId } = parseInput(unlinkSourceRecordInputSchema, input);
  const now = new Date();
  return runManualAction(db, organizationId, async (tx) => {
    await getAccountOrThrow(tx, organizationId, accountId);
    const sources = await tx.sourceRecord.findMany({ where: { accountId, organizationId }, select: IDENTITY_SOURCE_SELECT });
    const record = sources.find((s) => s.id === sourceRecordId);
    if (!record) throw new AppError("not_found", `Link ${sourceRecordId} not found on account ${accountId}; see the account's links with GET /api/accounts/${accountId}`);
    const remaining = sources.filter((s) => s.id !== sourceRecordId);
    if (remaining.length === 0) {
      throw new AppError("conflict", `Source record ${sourceRecordId} is the only source of account ${accountId}; there is nothing to unlink it from`);
    }

    const ctx = await loadFieldContext(tx, organizationId);
    const id = newAccountId();
    const fields = computeAccountFields([record], ctx);
    await tx.account.create({ data: { id, organizationId, ...fields, customFields: fields.customFields ?? Prisma.DbNull } });
    await moveSourceRecordManually(tx, record, id, now);

    const reason = "Unlinked manually";
    await recordDecision(tx, { organizationId, sourceRecordId, accountId, status: "rejected", userId, rule: "manual", reason, now });
    for (const other of remaining) {
      if (other.isManual) continue;
      await recordDecision(tx, { organizationId, sourceRecordId: other.id, accountId: id, status: "rejected", userId, rule: "manual", reason, now });
    }
    return { sourceRecordId, previousAccountId: accountId, accountId: id };
  });
}
