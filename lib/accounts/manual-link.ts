/**
 * Shared steps of the admin's link actions (confirm, link, unlink): every action runs under the
 * organization lock in one transaction, pins the source record (isManual = true, rule "manual",
 * confidence 1), records the decision as a MatchCandidate, then re-runs resolution inside the same
 * transaction so children, account fields and the review list are consistent when it returns.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Db, Tx } from "@/lib/db/prisma";
import type { MatchRule } from "@/lib/generated/sqlite/client";
import { deleteEmptiedAccounts } from "./identity-store";
import { lockOrganizationInTx, withOrgLock } from "./org-lock";
import { resolveIdentitiesInTx, type ResolveIdentitiesResult } from "./resolve-identities";

/** Transaction budget of one admin action (it includes a full resolution of the organization). */
const ACTION_TIMEOUT_MS = 5 * 60_000;

/** Ids are opaque non-empty strings (cuid or connector-assigned). */
export const idSchema = z.string().trim().min(1).max(200);

/** Parse an input object with zod, turning failures into AppError("validation_failed") with field paths. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[issue.path.join(".") || "input"] = issue.message;
  throw new AppError("validation_failed", "Invalid input: " + Object.keys(fields).join(", "), { fields });
}

/** Run an admin action: org lock → transaction → action → resolution. */
export async function runManualAction<T>(
  db: Db,
  organizationId: string,
  action: (tx: Tx) => Promise<T>,
): Promise<T & { resolution: ResolveIdentitiesResult }> {
  return withOrgLock(organizationId, () =>
    db.$transaction(async (tx) => {
      await lockOrganizationInTx(tx, organizationId);
      const result = await action(tx);
      const resolution = await resolveIdentitiesInTx(tx, { organizationId });
      return { ...result, resolution };
    }, { timeout: ACTION_TIMEOUT_MS, maxWait: 60_000 }),
  );
}

/** Load a source record of the organization or throw not_found. */
export async function getSourceRecordOrThrow(tx: Tx, organizationId: string, sourceRecordId: string) {
  const record = await tx.sourceRecord.findFirst({ where: { id: sourceRecordId, organizationId } });
  if (!record) throw new AppError("not_found", `Source record ${sourceRecordId} not found in this organization; list links with GET /api/integrations/accounts`);
  return record;
}

/** Load an account of the organization or throw not_found. */
export async function getAccountOrThrow(tx: Tx, organizationId: string, accountId: string) {
  const account = await tx.account.findFirst({ where: { id: accountId, organizationId }, select: { id: true, name: true } });
  if (!account) throw new AppError("not_found", `Account ${accountId} not found in this organization`);
  return account;
}

/**
 * Move a source record to `accountId` as a manual link. When its previous account is left without
 * source records it is deleted (its children follow the record; admin decisions that pointed at it
 * move to `accountId`).
 * @returns the previous account id and whether it was deleted.
 */
export async function moveSourceRecordManually(
  tx: Tx,
  record: { id: string; accountId: string | null },
  accountId: string,
  now: Date,
): Promise<{ previousAccountId: string | null; previousAccountDeleted: boolean }> {
  await tx.sourceRecord.update({
    where: { id: record.id },
    data: { accountId, isManual: true, matchRule: "manual", matchConfidence: 1, matchedAt: now },
  });
  const previousAccountId = record.accountId;
  let previousAccountDeleted = false;
  if (previousAccountId && previousAccountId !== accountId) {
    const left = await tx.sourceRecord.count({ where: { accountId: previousAccountId } });
    if (left === 0) {
      const finalAccountOf = new Map([[record.id, accountId]]);
      previousAccountDeleted = (await deleteEmptiedAccounts(tx, [{ accountId: previousAccountId, mergedInto: accountId }], finalAccountOf)) > 0;
    }
  }
  return { previousAccountId, previousAccountDeleted };
}

/** Create or update the decision row for a (source record, account) pair. */
export async function recordDecision(
  tx: Tx,
  d: { organizationId: string; sourceRecordId: string; accountId: string; status: "confirmed" | "rejected"; userId?: string | null; rule: MatchRule; reason: string; now: Date },
) {
  return tx.matchCandidate.upsert({
    where: { sourceRecordId_accountId: { sourceRecordId: d.sourceRecordId, accountId: d.accountId } },
    create: {
      organizationId: d.organizationId, sourceRecordId: d.sourceRecordId, accountId: d.accountId, rule: d.rule,
      confidence: 1, reason: d.reason, status: d.status, decidedById: d.userId ?? null, decidedAt: d.now,
    },
    update: { status: d.status, decidedById: d.userId ?? null, decidedAt: d.now },
  });
}
