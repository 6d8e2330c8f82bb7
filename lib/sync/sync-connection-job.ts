/**
 * sync-connection-job: runs one connection's sync through its connector module, marks the connection
 * syncing/connected/error, then (unless `skipPostProcessing`) enqueues identity resolution + signals +
 * scoring for the organization (post-sync-job).
 */
import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";
import { getConnector } from "@/lib/connectors/registry";
import { enqueueJob } from "@/lib/jobs/queue";
import { pruneSyncHistory } from "./sync-history";
import { requestRevenueBuild } from "@/lib/revenue/build-movements";

export const syncConnectionJob = defineJob({
  name: "sync-connection-job",
  schema: z.object({
    connectionId: z.string(),
    full: z.boolean().default(false),
    trigger: z.string().default("manual"),
    /** Skip the post-sync pipeline (the demo and CLI run it themselves once for all connections). */
    skipPostProcessing: z.boolean().default(false),
  }),
  handle: async (payload, ctx) => {
    const conn = await ctx.db.connection.findUniqueOrThrow({ where: { id: payload.connectionId } });
    if (conn.status === "disconnected" || !conn.credentialsEnc) {
      return { skipped: true, reason: "connection is disconnected" };
    }
    await pruneSyncHistory(ctx.db, conn.id); // sync history is kept 90 days (lib/sync/sync-history.ts)
    const connector = await getConnector(conn.provider);
    await ctx.db.connection.update({ where: { id: conn.id }, data: { status: "syncing" } });
    await ctx.progress({ connectionId: conn.id, provider: conn.provider, full: payload.full, phase: "syncing" }, { force: true });
    try {
      const summary = await connector.runSync(ctx.db, { connectionId: conn.id, full: payload.full, trigger: payload.trigger }, ctx);
      const failed = Object.entries(summary.objects).filter(([, o]) => o.status === "failed");
      const after = await ctx.db.connection.findUniqueOrThrow({ where: { id: conn.id } });
      // The connector may have set reconnect_needed (revoked token): keep it.
      const status = after.status === "reconnect_needed" ? "reconnect_needed" : failed.length ? "error" : "connected";
      await ctx.db.connection.update({
        where: { id: conn.id },
        data: {
          status,
          lastSyncAt: new Date(),
          ...(summary.mode === "full" && !failed.length ? { lastFullSyncAt: new Date() } : {}),
          lastError: failed.length ? failed.map(([k, o]) => `${k}: ${o.error ?? "failed"}`).join("; ") : null,
        },
      });
      if (!payload.skipPostProcessing) {
        // First full sync of this connection → reconstruct a year of signals (backfill) in the pipeline.
        await enqueueJob(ctx.db, "refresh-organization-job", {
          organizationId: conn.organizationId, backfill: conn.lastFullSyncAt === null ? true : undefined, trigger: "sync",
        }, { organizationId: conn.organizationId });
        // Stripe: the MRR movements are rebuilt in the background (incrementally) after each sync, queued after the
        // pipeline's identity resolution (issue 17). Skipped with the post-processing: the CLI and the demo run their
        // own pipeline, and the first revenue read then asks for the build.
        if (conn.provider === "stripe" && !failed.length) await requestRevenueBuild(ctx.db, conn.organizationId);
      }
      return summary;
    } catch (err) {
      const after = await ctx.db.connection.findUnique({ where: { id: conn.id } });
      await ctx.db.connection.update({
        where: { id: conn.id },
        data: {
          status: after?.status === "reconnect_needed" ? "reconnect_needed" : "error",
          lastError: err instanceof Error ? err.message : String(err),
        },
      });
      throw err;
    }
  },
});
