/**
 * Reject a match candidate: `POST /api/accounts/matches/{candidateId}/reject`. The pair is kept
 * with status "rejected" so resolution never proposes or merges that source record into that
 * account again, whatever later syncs bring. Rejecting twice is a no-op.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Db } from "@/lib/db/prisma";
import { idSchema, parseInput } from "./manual-link";
import { lockOrganizationInTx, withOrgLock } from "./org-lock";

export const rejectMatchInputSchema = z.object({ organizationId: idSchema, candidateId: idSchema, userId: idSchema.nullish() });
export type RejectMatchInput = z.infer<typeof rejectMatchInputSchema>;

export type RejectMatchResult = { candidateId: string; sourceRecordId: string; accountId: string; status: "rejected" };

/**
 * @throws AppError validation_failed; not_found (no such candidate in the organization);
 *   conflict (the candidate was confirmed and the record is on that account: unlink it instead).
 */
export async function rejectMatch(db: Db, input: RejectMatchInput): Promise<RejectMatchResult> {
  const { organizationId, candidateId, userId } = parseInput(rejectMatchInputSchema, input);
  return withOrgLock(organizationId, () =>
    db.$transaction(async (tx) => {
      await lockOrganizationInTx(tx, organizationId);
      const candidate = await tx.matchCandidate.findFirst({ where: { id: candidateId, organizationId } });
      if (!candidate) throw new AppError("not_found", `Match candidate ${candidateId} not found; list them with GET /api/accounts/matches`);
      if (candidate.status === "confirmed") {
        const record = await tx.sourceRecord.findUnique({ where: { id: candidate.sourceRecordId }, select: { accountId: true } });
        if (record?.accountId === candidate.accountId) {
          throw new AppError("conflict", `Candidate ${candidateId} was confirmed and the record is linked to account ${candidate.accountId}; remove the link with DELETE /api/accounts/${candidate.accountId}/links/${candidate.sourceRecordId}`);
        }
      }
      if (candidate.status !== "rejected") {
        await tx.matchCandidate.update({ where: { id: candidate.id }, data: { status: "rejected", decidedById: userId ?? null, decidedAt: new Date() } });
      }
      return { candidateId: candidate.id, sourceRecordId: candidate.sourceRecordId, accountId: candidate.accountId, status: "rejected" as const };
    }),
  );
}
