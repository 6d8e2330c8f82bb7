/**
 * Connecting Stripe: "Test & Save" with an API key, and Connect OAuth (`scope=read_only`).
 *
 * Key connect (`configureStripe`, body `{api_key, webhook_secret?}`), mimics Stripe's own checks:
 * 1. `GET /v1/account` (stripe.accounts.retrieveCurrent) — a real read call; 401 → clear message,
 *    nothing stored. A restricted key without Account read still connects (the account id is then
 *    derived from the key's hash and the name is "Stripe account").
 * 2. One `limit=1` list each of customers, subscriptions (status=all), invoices, charges, events:
 *    a 403 names the missing permission ("rak_charge_read: give the restricted key Read access to
 *    Charges"). Any missing permission refuses the connection (422, nothing stored): a connection that
 *    cannot read charges would silently score every account as "no failed payments".
 * 3. Test vs live from the key prefix (sk_test_/rk_test_); test connections are named "<name> (test)".
 * 4. Stores the key encrypted (hint: last 4), the optional webhook signing secret encrypted.
 *
 * Connect OAuth: `startStripeOAuth` builds `${STRIPE_CONNECT_BASE_URL}/oauth/authorize?response_type=code
 * &client_id&scope=read_only&redirect_uri&state` ourselves (stripe-node's `oauth.authorizeUrl` defaults to
 * read_write and hard-codes https://). `state` = random nonce + HMAC (APP_ENCRYPTION_KEY), stored hashed
 * in OAuthState, single use, 10 minutes. `completeStripeOAuth` exchanges the code with `stripe.oauth.token`
 * on a second SDK client whose host/port/protocol come from STRIPE_CONNECT_BASE_URL (stripe-node sends
 * oauth calls to `resolveBaseAddress('connect')`, which is the instance host whenever host is not
 * api.stripe.com), authenticated with STRIPE_CONNECT_SECRET_KEY (the platform's secret key).
 * `disconnectStripe` deauthorizes OAuth connections (`POST /oauth/deauthorize`).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import Stripe from "stripe";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { appBaseUrl, env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { encryptJson, encryptSecret, safeEqual, secretHint, sha256Hex } from "@/lib/crypto";
import { logger } from "@/lib/logger";
import type { ConfigureResult } from "@/lib/connectors/types";
import { createStripeClient, modeFromKey, sdkAddress, STRIPE_API_VERSION, type StripeMode } from "./client";
import { describeOAuthError, describeStripeError, permissionHint, RESTRICTED_KEY_ADVICE } from "./errors";
import { stripeCredentials, type StripeCredentials } from "./connection";

/** POST /api/integrations/stripe/configure body (snake_case). */
export const ZStripeConfigureBody = z.object({
  api_key: z
    .string({ error: "api_key is required: paste a restricted (rk_…) or secret (sk_…) Stripe key" })
    .trim()
    .min(1, "api_key is required: paste a restricted (rk_…) or secret (sk_…) Stripe key"),
  webhook_secret: z
    .string()
    .trim()
    .regex(/^whsec_[A-Za-z0-9_]+$/, "webhook_secret must be the endpoint's signing secret (whsec_…), from Stripe Dashboard → Developers → Webhooks")
    .optional(),
});
export type StripeConfigureBody = z.infer<typeof ZStripeConfigureBody>;

/** Read checks made at Test & Save: resource → Stripe permission name. */
export const REQUIRED_PERMISSIONS = {
  customers: "rak_customer_read",
  subscriptions: "rak_subscription_read",
  invoices: "rak_invoice_read",
  charges: "rak_charge_read",
  events: "rak_event_read",
} as const;

type AccountInfo = { id: string | null; name: string | null };

function displayNameFor(name: string | null, mode: StripeMode): string {
  const base = name?.trim() || "Stripe account";
  return mode === "test" ? `${base} (test)` : base;
}

async function readAccount(stripe: Stripe): Promise<AccountInfo & { forbidden?: boolean }> {
  try {
    const a = await stripe.accounts.retrieveCurrent();
    return { id: a.id, name: a.business_profile?.name ?? a.settings?.dashboard?.display_name ?? a.email ?? null };
  } catch (err) {
    const info = describeStripeError(err);
    if (info.kind === "permission") return { id: null, name: null, forbidden: true };
    throw toAppError(err, "checking the key with GET /v1/account");
  }
}

/** SDK error → AppError with what to do (401 → unprocessable, 5xx → upstream_error). */
export function toAppError(err: unknown, doing: string): AppError {
  if (err instanceof AppError) return err;
  const info = describeStripeError(err);
  const code = info.kind === "unavailable" || info.kind === "rate_limited" || info.kind === "unknown" ? "upstream_error" : "unprocessable";
  return new AppError(code, `${info.message} (while ${doing}) ${info.guidance}`.trim(), { cause: err });
}

/** The five read checks; returns the permissions that are missing. Other errors throw. */
async function checkReadAccess(stripe: Stripe): Promise<{ granted: string[]; missing: string[] }> {
  const checks: Record<keyof typeof REQUIRED_PERMISSIONS, () => Promise<unknown>> = {
    customers: () => stripe.customers.list({ limit: 1 }),
    subscriptions: () => stripe.subscriptions.list({ limit: 1, status: "all" }),
    invoices: () => stripe.invoices.list({ limit: 1 }),
    charges: () => stripe.charges.list({ limit: 1 }),
    events: () => stripe.events.list({ limit: 1 }),
  };
  const granted: string[] = [];
  const missing: string[] = [];
  await Promise.all(
    (Object.keys(checks) as (keyof typeof REQUIRED_PERMISSIONS)[]).map(async (k) => {
      try {
        await checks[k]();
        granted.push(REQUIRED_PERMISSIONS[k]);
      } catch (err) {
        const info = describeStripeError(err);
        if (info.kind !== "permission") throw toAppError(err, `reading ${k}`);
        missing.push(info.permission ?? REQUIRED_PERMISSIONS[k]);
      }
    }),
  );
  const order = Object.values(REQUIRED_PERMISSIONS) as string[];
  const byOrder = (a: string, b: string) => order.indexOf(a) - order.indexOf(b);
  return { granted: granted.sort(byOrder), missing: missing.sort(byOrder) };
}

async function upsertConnection(
  db: Db,
  input: {
    organizationId: string; externalAccountId: string; displayName: string; mode: StripeMode; authType: "token" | "oauth";
    credentials: StripeCredentials; hint: string; scopes: string[]; webhookSecret?: string;
  },
): Promise<{ id: string; created: boolean }> {
  const where = { organizationId_provider_externalAccountId: { organizationId: input.organizationId, provider: "stripe" as const, externalAccountId: input.externalAccountId } };
  const existing = await db.connection.findUnique({ where, select: { id: true } });
  const data = {
    mode: input.mode, authType: input.authType, displayName: input.displayName, status: "connected" as const,
    credentialsEnc: encryptJson(input.credentials), credentialsHint: input.hint, scopes: input.scopes,
    lastError: null, disconnectedAt: null,
    // Where this connection points (vendor or sandbox): `npm run sync` uses it (issue 18, lib/integrations/api-target.ts).
    apiBaseUrl: env().STRIPE_API_BASE_URL,
    ...(input.webhookSecret ? { webhookSecretEnc: encryptSecret(input.webhookSecret), webhookSecretHint: secretHint(input.webhookSecret) } : {}),
  };
  const row = await db.connection.upsert({
    where,
    create: { organizationId: input.organizationId, provider: "stripe", externalAccountId: input.externalAccountId, settings: {}, ...data },
    update: data,
  });
  return { id: row.id, created: !existing };
}

/**
 * Test & Save with an API key. See the module doc for the checks.
 * @throws AppError bad_request (not a secret/restricted key), unprocessable (Stripe rejected the key, or a
 *   read permission is missing — named), upstream_error (Stripe unreachable). Nothing is stored on error.
 */
export async function configureStripe(db: Db, input: { organizationId: string; userId?: string; body: unknown }): Promise<ConfigureResult> {
  const parsed = ZStripeConfigureBody.safeParse(input.body);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AppError("validation_failed", i?.message ?? "invalid body", { fields: Object.fromEntries(parsed.error.issues.map((x) => [x.path.join("."), x.message])) });
  }
  const { api_key: apiKey, webhook_secret: webhookSecret } = parsed.data;
  if (/^pk_/.test(apiKey)) throw new AppError("bad_request", `That is a publishable key (pk_…), which cannot read data. ${RESTRICTED_KEY_ADVICE}`, { fields: { api_key: "publishable keys cannot read data" } });
  const mode = modeFromKey(apiKey);
  if (!mode) throw new AppError("bad_request", `api_key must be a Stripe secret (sk_test_/sk_live_) or restricted (rk_test_/rk_live_) key. ${RESTRICTED_KEY_ADVICE}`, { fields: { api_key: "not a Stripe secret or restricted key" } });

  const { stripe } = createStripeClient({ apiKey, mode, maxNetworkRetries: 1, timeoutMs: 15_000 });
  const account = await readAccount(stripe);
  const access = await checkReadAccess(stripe);
  if (access.missing.length) {
    throw new AppError(
      "unprocessable",
      `The Stripe key lacks read permissions: ${access.missing.map(permissionHint).join("; ")}. Edit the key in Stripe Dashboard → Developers → API keys, then Test & Save again. Nothing was saved.`,
      { fields: { api_key: `missing ${access.missing.join(", ")}` } },
    );
  }
  const warnings: string[] = [];
  if (apiKey.startsWith("sk_")) warnings.push(`This is a secret key with full write access. ${RESTRICTED_KEY_ADVICE}`);
  if (account.forbidden) warnings.push("The key cannot read the Account (rak_account_read), so the account name is unknown: give it Read access to Account to show the business name.");
  if (!webhookSecret) warnings.push("No webhook signing secret: updates arrive with the next scheduled sync only. Add the endpoint /api/webhooks/stripe in Stripe Dashboard → Developers → Webhooks and save its whsec_… secret here for real-time updates.");
  const externalAccountId = account.id ?? `acct_unknown_${createHash("sha256").update(apiKey).digest("hex").slice(0, 12)}`;
  const displayName = displayNameFor(account.name, mode);
  const { id, created } = await upsertConnection(db, {
    organizationId: input.organizationId, externalAccountId, displayName, mode, authType: "token",
    credentials: { kind: "key", apiKey }, hint: secretHint(apiKey), scopes: access.granted, webhookSecret,
  });
  return { connectionId: id, externalAccountId, displayName, mode, scopes: access.granted, missingScopes: [], warnings, created };
}

// ───────────────────────────── Connect OAuth ─────────────────────────────

const STATE_TTL_MS = 10 * 60_000;

function stateSignature(nonce: string): string {
  return createHmac("sha256", Buffer.from(env().APP_ENCRYPTION_KEY, "base64")).update(`stripe-oauth:${nonce}`).digest("base64url").slice(0, 32);
}

/** The callback URL registered with Stripe Connect. */
export function stripeRedirectUri(): string {
  return `${appBaseUrl()}/api/integrations/stripe/callback`;
}

/**
 * What is missing for Connect OAuth on this server: the platform's client id (`STRIPE_CONNECT_CLIENT_ID`,
 * `ca_…`) and the platform's secret key (`STRIPE_CONNECT_SECRET_KEY`, which authenticates the code exchange and
 * deauthorize). Null when both are set. The message says what to set and that a restricted key works without
 * either (Stripe no longer recommends Connect OAuth for new platforms: docs.stripe.com/connect/oauth-standard-accounts).
 */
export function stripeOAuthNotConfigured(): string | null {
  const missing = [
    !env().STRIPE_CONNECT_CLIENT_ID && "STRIPE_CONNECT_CLIENT_ID (the platform's ca_… client id, Stripe Dashboard → Connect → Settings)",
    !env().STRIPE_CONNECT_SECRET_KEY && "STRIPE_CONNECT_SECRET_KEY (the platform account's secret key)",
  ].filter((x): x is string => !!x);
  if (!missing.length) return null;
  return `Stripe Connect OAuth needs ${missing.join(" and ")} in the server environment. Until then, connect with a restricted key (Test & Save): Stripe recommends it for new integrations.`;
}

/**
 * Start Connect OAuth: store a signed single-use state and return the authorize URL (always scope=read_only).
 * @throws AppError not_configured when STRIPE_CONNECT_CLIENT_ID or STRIPE_CONNECT_SECRET_KEY is not set — checked
 *   here, before the user is sent to Stripe, so the flow never ends on the callback with a server error.
 */
export async function startStripeOAuth(
  db: Db,
  input: { organizationId: string; userId?: string; redirectTo?: string },
): Promise<{ url: string; state: string; expiresAt: Date }> {
  const notConfigured = stripeOAuthNotConfigured();
  if (notConfigured) throw new AppError("not_configured", notConfigured);
  const clientId = env().STRIPE_CONNECT_CLIENT_ID!;
  const nonce = randomBytes(24).toString("base64url");
  const state = `${nonce}.${stateSignature(nonce)}`;
  const expiresAt = new Date(Date.now() + STATE_TTL_MS);
  await db.oAuthState.create({
    data: { stateHash: sha256Hex(state), provider: "stripe", organizationId: input.organizationId, userId: input.userId, expiresAt, context: { redirectTo: input.redirectTo ?? "/integrations" } },
  });
  const u = new URL("/oauth/authorize", env().STRIPE_CONNECT_BASE_URL);
  u.searchParams.set("response_type", "code");
  u.searchParams.set("client_id", clientId);
  u.searchParams.set("scope", "read_only");
  u.searchParams.set("redirect_uri", stripeRedirectUri());
  u.searchParams.set("state", state);
  return { url: u.toString(), state, expiresAt };
}

/** SDK client for connect.stripe.com-style calls (oauth.token / deauthorize), authenticated as the platform. */
function connectPlatformClient(): Stripe {
  const secret = env().STRIPE_CONNECT_SECRET_KEY;
  if (!secret) throw new AppError("not_configured", "Stripe Connect is not configured on this server (STRIPE_CONNECT_SECRET_KEY, the platform's secret key, is missing): ask your administrator.");
  return new Stripe(secret, { ...sdkAddress(env().STRIPE_CONNECT_BASE_URL), apiVersion: STRIPE_API_VERSION, maxNetworkRetries: 2, timeout: 15_000, telemetry: false });
}

export const ZStripeCallbackQuery = z.object({
  code: z.string().optional(),
  state: z.string().optional(),
  scope: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export type StripeCallbackQuery = z.infer<typeof ZStripeCallbackQuery>;

/** Validate and consume a state. @throws AppError bad_request (forged, unknown, expired or reused). */
async function consumeState(db: Db, state: string | undefined, organizationId?: string) {
  const bad = (why: string) => new AppError("bad_request", `Stripe OAuth state ${why}: start again from Settings → Integrations → Connect Stripe.`);
  if (!state) throw bad("is missing");
  const [nonce, sig] = state.split(".");
  if (!nonce || !sig || !safeEqual(sig, stateSignature(nonce))) throw bad("is invalid");
  const row = await db.oAuthState.findUnique({ where: { stateHash: sha256Hex(state) } });
  if (!row || row.provider !== "stripe") throw bad("is unknown");
  if (organizationId && row.organizationId !== organizationId) throw bad("belongs to another organization");
  if (row.expiresAt < new Date()) throw bad("has expired");
  const used = await db.oAuthState.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: new Date() } });
  if (used.count !== 1) throw bad("was already used");
  return row;
}

/**
 * OAuth callback: consume the state, exchange the code (`POST /oauth/token`), read the account name, store the connection.
 * @throws AppError bad_request (state problems, or Stripe's `error` such as access_denied), unprocessable
 *   (invalid code), not_configured, upstream_error.
 */
export async function completeStripeOAuth(
  db: Db,
  input: { query: StripeCallbackQuery; organizationId?: string },
): Promise<ConfigureResult & { redirectTo: string }> {
  const st = await consumeState(db, input.query.state, input.organizationId);
  const redirectTo = z.object({ redirectTo: z.string() }).safeParse(st.context).data?.redirectTo ?? "/integrations";
  if (input.query.error) {
    const info = describeOAuthError(input.query.error, input.query.error_description);
    throw new AppError("bad_request", `${info.message} ${info.guidance}`);
  }
  if (!input.query.code) throw new AppError("bad_request", "Stripe did not return an authorization code: start again from Settings → Integrations → Connect Stripe.");
  const platform = connectPlatformClient();
  let token: Stripe.OAuthToken;
  try {
    token = await platform.oauth.token({ grant_type: "authorization_code", code: input.query.code });
  } catch (err) {
    throw toAppError(err, "exchanging the OAuth code");
  }
  if (!token.access_token || !token.stripe_user_id) throw new AppError("upstream_error", "Stripe's token response lacks access_token or stripe_user_id: retry Connect Stripe.");
  const mode: StripeMode = token.livemode ? "live" : "test";
  const warnings: string[] = [];
  if (token.scope && token.scope !== "read_only") warnings.push(`Stripe granted scope ${token.scope}; Churnwatch only needs read_only.`);
  let name: string | null = null;
  try {
    const { stripe } = createStripeClient({ apiKey: token.access_token, mode, maxNetworkRetries: 1 });
    name = (await readAccount(stripe)).name;
  } catch (err) {
    logger.warn({ err: describeStripeError(err).message }, "stripe oauth: could not read the account name");
  }
  const displayName = displayNameFor(name ?? token.stripe_user_id, mode);
  const scopes = [token.scope ?? "read_only"];
  const { id, created } = await upsertConnection(db, {
    organizationId: st.organizationId, externalAccountId: token.stripe_user_id, displayName, mode, authType: "oauth",
    credentials: { kind: "oauth", accessToken: token.access_token, refreshToken: token.refresh_token ?? null, stripeUserId: token.stripe_user_id, scope: token.scope ?? null, livemode: token.livemode },
    hint: secretHint(token.access_token), scopes,
  });
  return { connectionId: id, externalAccountId: token.stripe_user_id, displayName, mode, scopes, missingScopes: [], warnings, created, redirectTo };
}

/**
 * Vendor-side cleanup on disconnect: Connect OAuth connections are deauthorized (`POST /oauth/deauthorize`
 * {client_id, stripe_user_id}). Key connections need nothing (tell the user to roll the key if they want).
 * Failures are logged, never block the disconnect (credentials are wiped by the caller anyway).
 */
export async function disconnectStripe(db: Db, connectionId: string): Promise<void> {
  const conn = await db.connection.findUnique({ where: { id: connectionId } });
  if (!conn || conn.authType !== "oauth" || !conn.credentialsEnc) return;
  try {
    const creds = stripeCredentials(conn);
    if (creds.kind !== "oauth") return;
    const clientId = env().STRIPE_CONNECT_CLIENT_ID;
    if (!clientId) throw new AppError("not_configured", "STRIPE_CONNECT_CLIENT_ID is not set");
    await connectPlatformClient().oauth.deauthorize({ client_id: clientId, stripe_user_id: creds.stripeUserId });
  } catch (err) {
    logger.warn({ connectionId, err: describeStripeError(err).message }, "stripe deauthorize failed; credentials are wiped anyway");
  }
}
