/**
 * Connecting a HubSpot portal: static access token "Test & Save" (`configureHubspot`) and OAuth 2.0
 * (`startHubspotOAuth` → HubSpot consent → `completeHubspotOAuth`). Several portals per organization:
 * a connection is keyed by (organization, "hubspot", portal id); reconnecting the same portal updates it.
 *
 * Static tokens: legacy private apps can no longer be created (HubSpot changelog "Legacy private app creation
 * being disabled": new accounts from 2026-09-28, existing from 2026-10-26); a Service Key (Settings >
 * Integrations > Service Keys) or a static-auth app of the developer platform gives the same kind of bearer
 * token, and existing pat-… tokens keep working. Service Keys do not support webhooks (changelog "Service Keys").
 * Scopes (https://developers.hubspot.com/docs/api/scopes):
 * - required: crm.objects.companies.read, crm.objects.contacts.read (also calls/meetings/notes),
 *   crm.objects.deals.read, crm.objects.owners.read;
 * - required when write-back is on: crm.objects.companies.write, crm.schemas.companies.write;
 * - optional: tickets (support signal) — missing → a warning, the tickets sync is skipped with guidance.
 * A missing required scope is a 422 naming each scope; nothing is stored.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { encryptJson, secretHint, sha256Hex } from "@/lib/crypto";
import { appBaseUrl, env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ConfigureResult } from "@/lib/connectors/types";
import { HubspotClient } from "./client";
import { HubspotError } from "./errors";
import { oauthApp, exchangeToken } from "./oauth-token";
import { parseSettings } from "./connection";

export const REQUIRED_SCOPES = ["crm.objects.companies.read", "crm.objects.contacts.read", "crm.objects.deals.read", "crm.objects.owners.read"];
export const WRITE_BACK_SCOPES = ["crm.objects.companies.write", "crm.schemas.companies.write"];
export const OPTIONAL_SCOPES = ["tickets"];

/** POST /api/integrations/hubspot/configure body. The token goes in the JSON body, never the query string. */
export const ZHubspotConfigureBody = z.object({
  token: z.string().trim().min(10, "paste the access token of a HubSpot Service Key, static-auth app or legacy private app (pat-…)"),
  write_back: z.boolean().optional(),
}).strict();

/** OAuth state lifetime. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

/** The redirect URI registered in the HubSpot app (must match exactly). */
export function hubspotRedirectUri(): string {
  return `${appBaseUrl()}/api/integrations/hubspot/callback`;
}

function checkScopes(granted: string[], writeBack: boolean): { missing: string[]; warnings: string[] } {
  const have = new Set(granted);
  const required = writeBack ? [...REQUIRED_SCOPES, ...WRITE_BACK_SCOPES] : REQUIRED_SCOPES;
  const missing = required.filter((s) => !have.has(s));
  const warnings = OPTIONAL_SCOPES.filter((s) => !have.has(s)).map((s) => `token lacks ${s}: support tickets will not sync (add the scope to the Service Key / app in HubSpot)`);
  if (!writeBack && WRITE_BACK_SCOPES.some((s) => !have.has(s))) {
    warnings.push(`write-back needs ${WRITE_BACK_SCOPES.filter((s) => !have.has(s)).join(" and ")} before it can be turned on`);
  }
  return { missing, warnings };
}

function missingScopesError(missing: string[]): AppError {
  return new AppError("unprocessable",
    `the token lacks required scope${missing.length > 1 ? "s" : ""}: ${missing.join(", ")} — add ${missing.length > 1 ? "them" : "it"} to the Service Key or app in HubSpot (Settings > Integrations > Service Keys, or your app's Auth/Scopes settings), then Test & Save again`,
    { fields: Object.fromEntries(missing.map((s) => [s, "missing scope"])) });
}

function upstream(e: unknown, what: string): AppError {
  if (e instanceof HubspotError) {
    if (e.kind === "auth_revoked") return new AppError("unprocessable", `HubSpot rejected this ${what}: check that you copied the whole access token (Service Key, static-auth app or legacy private app) and that the key or app still exists`, { cause: e });
    if (e.kind === "rate_limited") return new AppError("rate_limited", `HubSpot is rate-limiting this portal right now: try again in a minute (${e.message})`, { cause: e });
    return new AppError("upstream_error", `HubSpot could not be reached to check the ${what} (${e.message}); try again`, { cause: e });
  }
  return new AppError("upstream_error", `HubSpot could not be reached to check the ${what}; try again`, { cause: e });
}

async function saveConnection(db: Db, input: {
  organizationId: string; portalId: string; displayName: string; mode: "test" | "live"; authType: "token" | "oauth";
  credentials: object; hint: string; scopes: string[]; writeBack?: boolean;
}): Promise<{ id: string; created: boolean }> {
  const where = { organizationId_provider_externalAccountId: { organizationId: input.organizationId, provider: "hubspot" as const, externalAccountId: input.portalId } };
  const existing = await db.connection.findUnique({ where });
  const settings = { ...parseSettings(existing?.settings), ...(input.writeBack !== undefined ? { writeBack: input.writeBack } : {}) };
  const data = {
    displayName: input.displayName, mode: input.mode, authType: input.authType,
    credentialsEnc: encryptJson(input.credentials), credentialsHint: input.hint, scopes: input.scopes, settings,
    status: "connected" as const, lastError: null, disconnectedAt: null,
    // Where this connection points (vendor or sandbox): `npm run sync` uses it (issue 18, lib/integrations/api-target.ts).
    apiBaseUrl: env().HUBSPOT_API_BASE_URL,
  };
  const row = existing
    ? await db.connection.update({ where: { id: existing.id }, data })
    : await db.connection.create({ data: { ...data, organizationId: input.organizationId, provider: "hubspot", externalAccountId: input.portalId } });
  return { id: row.id, created: !existing };
}

const TEST_ACCOUNT_TYPES = new Set(["DEVELOPER_TEST", "SANDBOX", "APP_DEVELOPER"]);

/**
 * Test & Save for a private-app token: calls `GET /account-info/v3/details` and
 * `POST /oauth/v2/private-apps/get/access-token-info`, checks scopes, stores the token encrypted.
 * @throws AppError validation_failed (body), unprocessable (bad token / missing scopes, listed by name),
 *   upstream_error / rate_limited (HubSpot unreachable). Nothing is stored on error.
 */
export async function configureHubspot(db: Db, input: { organizationId: string; body: unknown; basePath?: string }): Promise<ConfigureResult> {
  const parsed = ZHubspotConfigureBody.safeParse(input.body);
  if (!parsed.success) {
    throw new AppError("validation_failed", `invalid request body — ${parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")}`);
  }
  const { token, write_back: writeBack } = parsed.data;
  const client = new HubspotClient({ accessToken: token, basePath: input.basePath });
  let account, info;
  try {
    account = await client.accountInfo();
    info = await client.privateTokenInfo(token);
  } catch (e) {
    throw upstream(e, "token");
  }
  const { missing, warnings } = checkScopes(info.scopes, writeBack ?? false);
  if (missing.length) throw missingScopesError(missing);
  const portalId = String(account.portalId);
  const { id, created } = await saveConnection(db, {
    organizationId: input.organizationId, portalId, displayName: account.portalName ?? `HubSpot portal ${portalId}`,
    mode: TEST_ACCOUNT_TYPES.has(account.accountType ?? "") ? "test" : "live", authType: "token",
    credentials: { token }, hint: secretHint(token), scopes: info.scopes, writeBack,
  });
  return { connectionId: id, externalAccountId: portalId, displayName: account.portalName ?? `HubSpot portal ${portalId}`, mode: "live", scopes: info.scopes, missingScopes: [], warnings, created };
}

/** An in-app path to land on after the callback (`/integrations` unless a same-origin path is given). */
function safeRedirect(p: unknown): string {
  return typeof p === "string" && /^\/(?!\/)[^\s\\]*$/.test(p) ? p : "/integrations";
}

/**
 * Start OAuth: a random `state` (stored as its SHA-256, single use, 10 minutes) and the authorize URL
 * (env HUBSPOT_OAUTH_AUTHORIZE_URL; the SDK's getAuthorizationUrl hard-codes app.hubspot.com).
 * @throws AppError not_configured when the OAuth app is not configured.
 */
export async function startHubspotOAuth(db: Db, input: { organizationId: string; userId?: string | null; writeBack?: boolean; redirectTo?: string }): Promise<{ authorizeUrl: string; state: string; expiresAt: Date }> {
  const { clientId } = oauthApp();
  const state = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + OAUTH_STATE_TTL_MS);
  await db.oAuthState.create({
    data: { stateHash: sha256Hex(state), provider: "hubspot", organizationId: input.organizationId, userId: input.userId ?? null, context: { writeBack: input.writeBack ?? false, redirectTo: safeRedirect(input.redirectTo) }, expiresAt },
  });
  const url = new URL(env().HUBSPOT_OAUTH_AUTHORIZE_URL);
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("redirect_uri", hubspotRedirectUri());
  url.searchParams.set("scope", [...REQUIRED_SCOPES, ...(input.writeBack ? WRITE_BACK_SCOPES : [])].join(" "));
  url.searchParams.set("optional_scope", [...OPTIONAL_SCOPES, ...(input.writeBack ? [] : WRITE_BACK_SCOPES)].join(" "));
  url.searchParams.set("state", state);
  return { authorizeUrl: url.toString(), state, expiresAt };
}

/**
 * Finish OAuth: consume the state (single use, unexpired), exchange the code, read the token's
 * portal and scopes, store access + refresh tokens encrypted.
 * @throws AppError bad_request (unknown/used/expired state, refused code), unprocessable (missing scopes).
 */
export async function completeHubspotOAuth(db: Db, input: { code: string; state: string; basePath?: string }): Promise<ConfigureResult & { organizationId: string; redirectTo: string }> {
  const stateHash = sha256Hex(input.state);
  const row = await db.oAuthState.findUnique({ where: { stateHash } });
  if (!row || row.provider !== "hubspot") throw new AppError("bad_request", "unknown OAuth state: start the HubSpot connection again from Integrations");
  const used = await db.oAuthState.updateMany({ where: { id: row.id, usedAt: null, expiresAt: { gt: new Date() } }, data: { usedAt: new Date() } });
  if (used.count !== 1) throw new AppError("bad_request", "this HubSpot authorization link was already used or has expired (10 minutes): start the connection again from Integrations");
  const writeBack = Boolean((row.context as { writeBack?: unknown } | null)?.writeBack);
  const redirectTo = safeRedirect((row.context as { redirectTo?: unknown } | null)?.redirectTo);
  let tokens;
  try {
    tokens = await exchangeToken({ grantType: "authorization_code", code: input.code, redirectUri: hubspotRedirectUri() }, { basePath: input.basePath });
  } catch (e) {
    if (e instanceof HubspotError && e.status === 400) throw new AppError("bad_request", `HubSpot refused the authorization code (${e.message}): start the connection again`, { cause: e });
    throw upstream(e, "authorization");
  }
  if (!tokens.refreshToken) throw new AppError("upstream_error", "HubSpot returned no refresh token");
  const client = new HubspotClient({ accessToken: tokens.accessToken, basePath: input.basePath });
  let info, account;
  try {
    info = await client.oauthTokenInfo(tokens.accessToken, oauthApp());
    account = await client.accountInfo();
  } catch (e) {
    throw upstream(e, "authorization");
  }
  if (!info.active) throw new AppError("upstream_error", "HubSpot says the access token it just issued is not active: start the connection again");
  const { missing, warnings } = checkScopes(info.scopes, writeBack);
  if (missing.length) throw missingScopesError(missing);
  const portalId = String(info.hubId ?? account.portalId);
  const displayName = account.portalName ?? info.hubDomain ?? `HubSpot portal ${portalId}`;
  const { id, created } = await saveConnection(db, {
    organizationId: row.organizationId, portalId, displayName, mode: TEST_ACCOUNT_TYPES.has(account.accountType ?? "") ? "test" : "live", authType: "oauth",
    credentials: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: Date.now() + tokens.expiresInSec * 1000 },
    hint: secretHint(tokens.refreshToken), scopes: info.scopes, writeBack,
  });
  return { organizationId: row.organizationId, connectionId: id, externalAccountId: portalId, displayName, mode: "live", scopes: info.scopes, missingScopes: [], warnings, created, redirectTo };
}
