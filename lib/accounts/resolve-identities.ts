/**
 * Identity resolution: one account per customer across HubSpot and Stripe (issue 6,
 * docs/identity.md). Connectors call `resolveIdentities` after every sync and webhook batch.
 *
 * It (1) links every source record of the organization to an account by the rules
 * (plan-identity-links.ts), creating accounts for records that match nothing, (2) keeps the
 * review list (MatchCandidate, status pending) equal to the ambiguous pairs WITHOUT merging them,
 * (3) refreshes each account's source-derived fields (account-fields.ts) and (4) points child rows
 * (contacts, deals, engagements, tickets, subscriptions, invoices, charges) at their account with
 * one set-based UPDATE per table. Manual links and rejections are never overridden.
 *
 * Idempotent: a second run with unchanged sources writes nothing and returns zero counts (except
 * `pendingReview`, which is the size of the review list, not a delta).
 */
import type { MatchRule } from "@/lib/generated/sqlite/client";
import type { Db, Tx } from "@/lib/db/prisma";
import { planIdentityLinks } from "./plan-identity-links";
import {
  applyAssignments, deleteEmptiedAccounts, groupByAccount, loadFieldContext, loadRejectedPairs, loadSources,
  createAccounts, newAccountId, refreshAccounts, relinkChildRecords, syncPendingCandidates,
} from "./identity-store";
import { lockOrganizationInTx, withOrgLock } from "./org-lock";

export type ResolveIdentitiesOptions = {
  organizationId: string;
  /**
   * The connection that just synced. Matching always considers every connection of the
   * organization (a Stripe customer matches HubSpot companies of any portal); this only narrows
   * which connections' child rows are re-linked when no link moved.
   */
  connectionId?: string;
  /** Clock for matchedAt (tests). */
  now?: Date;
};

export type ResolveIdentitiesResult = {
  /** Accounts created. */
  created: number;
  /** Links made or changed in this run, by rule (new_account = record got/kept an account of its own). */
  linked: Record<MatchRule, number>;
  /** Pending review candidates of the organization after the run (the size of the review list). */
  pendingReview: number;
  /** Child rows whose accountId changed. */
  childRecordsLinked: number;
  /** Accounts deleted because all their source records merged elsewhere. */
  mergedAway: number;
  /** Existing accounts whose source-derived fields changed. */
  accountsUpdated: number;
  durationMs: number;
  /** Wall time per phase (load, plan, createAccounts, applyLinks, …), for diagnostics. */
  phasesMs: Record<string, number>;
};

/** Generous: 50,000 accounts on SQLite take seconds, never minutes. */
const TRANSACTION_TIMEOUT_MS = 10 * 60_000;

/**
 * Resolve identities of one organization (see module comment). Runs in one transaction, so a
 * failure leaves the previous state intact, and under a per-organization lock.
 * @throws whatever the database throws (the transaction is rolled back).
 */
export async function resolveIdentities(db: Db, opts: ResolveIdentitiesOptions): Promise<ResolveIdentitiesResult> {
  return withOrgLock(opts.organizationId, () =>
    db.$transaction(async (tx) => {
      await lockOrganizationInTx(tx, opts.organizationId);
      return resolveIdentitiesInTx(tx, opts);
    }, { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 60_000 }),
  );
}

/**
 * The body of `resolveIdentities` for callers that already hold the organization's lock and a
 * transaction (the manual link actions run it after their change so everything converges at once).
 */
export async function resolveIdentitiesInTx(tx: Tx, opts: ResolveIdentitiesOptions): Promise<ResolveIdentitiesResult> {
  const started = Date.now();
  const phasesMs: Record<string, number> = {};
  let mark = started;
  const phase = (name: string) => {
    const t = Date.now();
    phasesMs[name] = t - mark;
    mark = t;
  };
  const { organizationId } = opts;
  const now = opts.now ?? new Date();
  const [sources, rejected, ctx] = await Promise.all([
    loadSources(tx, organizationId),
    loadRejectedPairs(tx, organizationId),
    loadFieldContext(tx, organizationId),
  ]);
  phase("load");
  const plan = planIdentityLinks({ sources, rejected, newId: newAccountId });
  const byAccount = groupByAccount(sources, plan.finalAccountOf);
  phase("plan");

  const newIds = new Set(plan.newAccountIds);
  await createAccounts(tx, organizationId, byAccount, plan.newAccountIds, ctx);
  phase("createAccounts");
  await applyAssignments(tx, plan.assignments, now);
  phase("applyLinks");
  const mergedAway = await deleteEmptiedAccounts(tx, plan.emptiedAccounts, plan.finalAccountOf);
  phase("deleteEmptied");
  const changed = await refreshAccounts(tx, organizationId, byAccount, ctx, newIds);
  phase("refreshAccounts");
  const pendingReview = await syncPendingCandidates(tx, organizationId, plan.candidates);
  phase("candidates");

  const movedConnections = [...new Set(plan.assignments.filter((a) => a.moved).map((a) => a.connectionId))];
  const relinkScope = opts.connectionId ? [...new Set([opts.connectionId, ...movedConnections])] : null;
  const childRecordsLinked = await relinkChildRecords(tx, organizationId, relinkScope);
  phase("relinkChildren");

  const linked: Record<MatchRule, number> = { explicit_metadata: 0, manual: 0, email_domain: 0, normalized_name: 0, new_account: 0 };
  for (const a of plan.assignments) linked[a.rule]++;
  return {
    created: newIds.size,
    linked,
    pendingReview,
    childRecordsLinked,
    mergedAway,
    accountsUpdated: changed.length,
    durationMs: Date.now() - started,
    phasesMs,
  };
}
