/**
 * refresh-organization-job: identity → signals (backfill on first sync) → model → scores → write-back.
 * Enqueued after every sync (sync-connection-job), by "Score All" / POST /api/integrations/score and cron.
 * refresh-accounts-job: the same for a few accounts after webhooks (identity resolution when asked, then today's
 * signals and today's scores of those accounts only).
 */
import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { refreshOrganization } from "./refresh-organization";

export const refreshOrganizationJob = defineJob({
  name: "refresh-organization-job",
  schema: z.object({ organizationId: z.string(), backfill: z.boolean().optional(), trigger: z.string().default("manual") }),
  handle: async (p, ctx) =>
    refreshOrganization(ctx.db, {
      organizationId: p.organizationId,
      backfill: p.backfill,
      onProgress: (pr) => ctx.progress(pr as Record<string, unknown>, { force: pr.phase === "done" }),
    }),
});

export const refreshAccountsJob = defineJob({
  name: "refresh-accounts-job",
  schema: z.object({
    organizationId: z.string(),
    accountIds: z.array(z.string()).max(10_000),
    /** Resolve the organization's identities first (the webhook events it gathered did not). */
    identity: z.boolean().optional(),
    /** SourceRecords the events touched: their accounts (after identity resolution) are re-scored too. */
    sourceRecordIds: z.array(z.string()).max(10_000).optional(),
  }),
  handle: async (p, ctx) => {
    // Once for all the webhook events this job gathered (lib/pipeline/enqueue-account-refresh.ts).
    const identity = p.identity ? await resolveIdentities(ctx.db, { organizationId: p.organizationId }) : null;
    const linked = p.sourceRecordIds?.length
      ? await ctx.db.sourceRecord.findMany({
        where: { organizationId: p.organizationId, id: { in: p.sourceRecordIds }, accountId: { not: null } },
        select: { accountId: true },
      })
      : [];
    const accountIds = [...new Set([...p.accountIds, ...linked.map((l) => l.accountId!)])].slice(0, 10_000);
    const r = await refreshOrganization(ctx.db, {
      organizationId: p.organizationId,
      backfill: false,
      accountIds,
      onProgress: (pr) => ctx.progress(pr as Record<string, unknown>),
    });
    return identity ? { ...r, identity: { created: identity.created, linked: identity.linked, pendingReview: identity.pendingReview } } : r;
  },
});
