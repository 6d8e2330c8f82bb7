/**
 * Vendor-agnostic connection management used by the /api/integrations routes, the demo and the CLI:
 * configure (Test & Save via the connector), start a sync (a background job, one at a time per connection),
 * update settings (webhook secret, write-back), disconnect (stop syncing, forget credentials, keep data).
 */
import type { Db } from "@/lib/db";
import { encryptSecret, secretHint } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { getConnector } from "@/lib/connectors/registry";
import type { ProviderName } from "@/lib/connectors/types";
import { enqueueJob, type JobView } from "@/lib/jobs";

/** @throws AppError not_found when the connection is not in the organization. */
export async function getConnectionOrThrow(db: Db, organizationId: string, provider: ProviderName, connectionId?: string) {
  const c = connectionId
    ? await db.connection.findFirst({ where: { id: connectionId, organizationId, provider } })
    : await db.connection.findFirst({ where: { organizationId, provider, status: { not: "disconnected" } }, orderBy: { createdAt: "asc" } });
  if (!c) {
    throw new AppError("not_found", connectionId
      ? `${provider} connection ${connectionId} not found in this organization`
      : `no ${provider} connection: connect ${provider === "hubspot" ? "HubSpot" : "Stripe"} on the Integrations page first`);
  }
  return c;
}

export async function configureConnection(db: Db, input: { provider: ProviderName; organizationId: string; userId?: string; body: unknown }) {
  const connector = await getConnector(input.provider);
  return connector.configure(db, { organizationId: input.organizationId, userId: input.userId, body: input.body });
}

/**
 * Enqueue a sync of one connection (deduplicated: a running sync is returned instead of starting a second).
 * @throws AppError conflict when the connection is disconnected or needs reconnecting.
 */
export async function startConnectionSync(
  db: Db,
  input: { organizationId: string; connectionId: string; full: boolean; trigger: string },
): Promise<{ job: JobView; deduplicated: boolean }> {
  const c = await db.connection.findFirst({ where: { id: input.connectionId, organizationId: input.organizationId } });
  if (!c) throw new AppError("not_found", `connection ${input.connectionId} not found`);
  if (c.status === "disconnected" || !c.credentialsEnc) {
    throw new AppError("conflict", "this connection is disconnected: connect it again before syncing");
  }
  if (c.status === "reconnect_needed") {
    throw new AppError("conflict", `${c.provider === "hubspot" ? "HubSpot" : "Stripe"} access was revoked or expired: reconnect on the Integrations page, then sync`);
  }
  return enqueueJob(db, "sync-connection-job", { connectionId: c.id, full: input.full, trigger: input.trigger }, {
    organizationId: input.organizationId,
    dedupeKey: `sync:${c.id}`,
  });
}

/** Sync every live connection (optionally of one provider / one organization). Used by cron and `npm run sync`. */
export async function startAllSyncs(db: Db, input: { organizationId?: string; provider?: ProviderName; full: boolean; trigger: string }) {
  const conns = await db.connection.findMany({
    where: {
      ...(input.organizationId ? { organizationId: input.organizationId } : {}),
      ...(input.provider ? { provider: input.provider } : {}),
      status: { in: ["connected", "error", "syncing"] },
      credentialsEnc: { not: null },
    },
  });
  const jobs = [];
  for (const c of conns) jobs.push({ connectionId: c.id, provider: c.provider, ...(await startConnectionSync(db, { organizationId: c.organizationId, connectionId: c.id, full: input.full, trigger: input.trigger })) });
  return jobs;
}

/** Update a connection's settings: webhook signing secret (stored encrypted) and write-back toggle. */
export async function updateConnectionSettings(
  db: Db,
  input: { organizationId: string; provider: ProviderName; connectionId?: string; webhookSecret?: string; writeBack?: boolean },
) {
  const c = await getConnectionOrThrow(db, input.organizationId, input.provider, input.connectionId);
  const settings = { ...((c.settings ?? {}) as Record<string, unknown>) };
  if (input.writeBack !== undefined) settings.writeBack = input.writeBack;
  await db.connection.update({
    where: { id: c.id },
    data: {
      settings: settings as object,
      ...(input.webhookSecret ? { webhookSecretEnc: encryptSecret(input.webhookSecret), webhookSecretHint: secretHint(input.webhookSecret) } : {}),
    },
  });
  return c.id;
}

/**
 * Disconnect: stops syncing (queued syncs cancelled), forgets credentials and webhook secret, keeps every
 * synced record, account and score. Calls the connector's vendor-side cleanup (e.g. Stripe deauthorize) first.
 */
export async function disconnectConnection(db: Db, input: { organizationId: string; provider: ProviderName; connectionId?: string }) {
  const c = await getConnectionOrThrow(db, input.organizationId, input.provider, input.connectionId);
  const connector = await getConnector(input.provider);
  let vendorCleanup: string | null = null;
  try {
    await connector.onDisconnect?.(db, c.id);
  } catch (err) {
    vendorCleanup = `vendor-side cleanup failed (${err instanceof Error ? err.message : String(err)}); credentials were forgotten anyway`;
  }
  await db.job.updateMany({ where: { dedupeKey: `sync:${c.id}`, status: "queued" }, data: { status: "cancelled", finishedAt: new Date() } });
  await db.connection.update({
    where: { id: c.id },
    data: { status: "disconnected", credentialsEnc: null, credentialsHint: null, webhookSecretEnc: null, webhookSecretHint: null, disconnectedAt: new Date() },
  });
  return { connectionId: c.id, dataKept: true, warning: vendorCleanup };
}
