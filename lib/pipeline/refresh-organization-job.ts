/**
 * refresh-organization-job: identity → signals (backfill on first sync) → model → scores → write-back.
 * Enqueued after every sync (sync-connection-job), by "Score All" / POST /api/integrations/score and cron.
 * refresh-accounts-job: the same for a few accounts after a webhook (today's signals, then today's scores).
 */
import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";
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
  schema: z.object({ organizationId: z.string(), accountIds: z.array(z.string()).max(10_000) }),
  handle: async (p, ctx) =>
    refreshOrganization(ctx.db, {
      organizationId: p.organizationId,
      backfill: false,
      accountIds: p.accountIds,
      onProgress: (pr) => ctx.progress(pr as Record<string, unknown>),
    }),
});
