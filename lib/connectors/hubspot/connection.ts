/**
 * A HubSpot connection's credentials and settings, and an authenticated `HubspotClient` for it.
 *
 * Credentials (Connection.credentialsEnc, AES-256-GCM via lib/crypto.ts):
 *   private-app token: `{token}`;  OAuth: `{accessToken, refreshToken, expiresAt /* epoch ms, our clock *\/}`.
 * Settings (Connection.settings JSON): `{writeBack, propertyMappings, dealStageMap}`.
 *
 * OAuth refresh: before a sync (`openClient`) the token is refreshed when < 5 minutes are left —
 * measured on OUR clock (expiresAt) and on HubSpot's (POST /oauth/v3/token/introspect → active, expires_in;
 * HubSpot's clock is the one that counts; the deprecated GET /oauth/v1/access-tokens/{token} only when the
 * introspection endpoint is missing) — and once more on a 401 (client.ts). If introspection fails otherwise
 * (5xx, 429, network) the sync goes on with our clock: introspection never fails a sync by itself.
 * A refresh refused by HubSpot (revoked / app uninstalled) sets status = reconnect_needed and
 * lastError "reconnect needed: …", and throws HubspotError auth_revoked.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { decryptJson, encryptJson, secretHint } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { HubspotClient, type ClientOptions } from "./client";
import { HubspotError } from "./errors";
import { logger } from "@/lib/logger";
import { exchangeToken, oauthApp } from "./oauth-token";

export const ZTokenCredentials = z.object({ token: z.string().min(1) });
export const ZOAuthCredentials = z.object({ accessToken: z.string().min(1), refreshToken: z.string().min(1), expiresAt: z.number() });
export type HubspotCredentials = z.infer<typeof ZTokenCredentials> | z.infer<typeof ZOAuthCredentials>;

export const ZHubspotSettings = z.object({
  writeBack: z.boolean().default(false),
  propertyMappings: z.record(z.string(), z.string()).default({}),
  dealStageMap: z.record(z.string(), z.string()).default({}),
}).loose();
export type HubspotSettings = z.infer<typeof ZHubspotSettings>;

/** Refresh when fewer than this many ms of access-token life remain. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export function parseSettings(raw: unknown): HubspotSettings {
  const r = ZHubspotSettings.safeParse(raw ?? {});
  return r.success ? r.data : ZHubspotSettings.parse({});
}

type ConnRow = { id: string; organizationId: string; provider: string; authType: string; credentialsEnc: string | null; status: string; settings: unknown; externalAccountId: string };

/** @throws AppError not_found (no such HubSpot connection) / conflict (disconnected: no credentials). */
export async function loadHubspotConnection(db: Db, connectionId: string): Promise<ConnRow & { credentials: HubspotCredentials; settings: HubspotSettings }> {
  const conn = await db.connection.findUnique({ where: { id: connectionId } });
  if (!conn || conn.provider !== "hubspot") throw new AppError("not_found", `HubSpot connection ${connectionId} not found`);
  if (!conn.credentialsEnc) throw new AppError("conflict", "this HubSpot connection is disconnected: connect it again in Integrations > HubSpot");
  const raw = decryptJson<unknown>(conn.credentialsEnc);
  const oauth = ZOAuthCredentials.safeParse(raw);
  const credentials: HubspotCredentials = oauth.success ? oauth.data : ZTokenCredentials.parse(raw);
  return { ...conn, credentials, settings: parseSettings(conn.settings) };
}

async function markReconnectNeeded(db: Db, connectionId: string, why: string): Promise<void> {
  await db.connection.update({ where: { id: connectionId }, data: { status: "reconnect_needed", lastError: `reconnect needed: ${why}` } });
}

/**
 * Refresh an OAuth connection's access token and store it.
 * @returns the new access token.
 * @throws HubspotError auth_revoked (and marks the connection reconnect_needed) when HubSpot refuses the refresh token.
 */
export async function refreshConnectionToken(db: Db, connectionId: string, opts: { basePath?: string } = {}): Promise<string> {
  const conn = await loadHubspotConnection(db, connectionId);
  if (!("refreshToken" in conn.credentials)) throw new HubspotError("auth_revoked", "a private-app token cannot be refreshed");
  let tokens;
  try {
    tokens = await exchangeToken({ grantType: "refresh_token", refreshToken: conn.credentials.refreshToken }, opts);
  } catch (e) {
    if (e instanceof HubspotError && (e.status === 400 || e.status === 401)) {
      await markReconnectNeeded(db, connectionId, `HubSpot refused the refresh token (${e.message}) — the app was uninstalled or its access revoked; click Reconnect`);
      throw new HubspotError("auth_revoked", `reconnect needed: HubSpot refused the refresh token (${e.message})`, { status: e.status, guidance: "click Reconnect on the Integrations page to authorize Churnwatch again", cause: e });
    }
    throw e;
  }
  const creds = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? conn.credentials.refreshToken, expiresAt: Date.now() + tokens.expiresInSec * 1000 };
  await db.connection.update({ where: { id: connectionId }, data: { credentialsEnc: encryptJson(creds), credentialsHint: secretHint(creds.refreshToken) } });
  return creds.accessToken;
}

export type OpenClientOptions = Omit<ClientOptions, "accessToken" | "refreshAccessToken">;

/**
 * An authenticated client for a connection (refreshing an OAuth token that is about to expire first).
 * @throws AppError not_found/conflict, HubspotError auth_revoked.
 */
export async function openClient(db: Db, connectionId: string, opts: OpenClientOptions = {}): Promise<{ client: HubspotClient; settings: HubspotSettings; organizationId: string; portalId: string }> {
  const conn = await loadHubspotConnection(db, connectionId);
  const base = { organizationId: conn.organizationId, settings: conn.settings, portalId: conn.externalAccountId };
  if ("token" in conn.credentials) {
    return { ...base, client: new HubspotClient({ ...opts, accessToken: conn.credentials.token }) };
  }
  let accessToken = conn.credentials.accessToken;
  const refresh = () => refreshConnectionToken(db, connectionId, { basePath: opts.basePath });
  if (conn.credentials.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
    accessToken = await refresh();
  }
  const client = new HubspotClient({ ...opts, accessToken, refreshAccessToken: refresh });
  // HubSpot's own clock decides expiry: ask it (POST /oauth/v3/token/introspect, one cheap call per sync).
  let info: Awaited<ReturnType<HubspotClient["oauthTokenInfo"]>> | null = null;
  try {
    info = await client.oauthTokenInfo(accessToken, oauthApp());
  } catch (e) {
    // Introspection is advisory: when HubSpot cannot answer it (5xx, 429, network, a refused client secret)
    // the sync carries on with our stored expiresAt, and a 401 on a real call still refreshes once (client.ts).
    if (!(e instanceof HubspotError) && !(e instanceof AppError)) throw e;
    logger.warn({ connectionId, err: e.message }, "hubspot token introspection failed; relying on the stored expiry");
  }
  if (info && (!info.active || (info.expiresInSec !== null && info.expiresInSec * 1000 < REFRESH_MARGIN_MS))) {
    // Inactive (expired/revoked per HubSpot) or about to expire: refresh now instead of failing the first real call.
    return { ...base, client: new HubspotClient({ ...opts, accessToken: await refresh(), refreshAccessToken: refresh }) };
  }
  return { ...base, client };
}
