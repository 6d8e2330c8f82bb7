/**
 * Tokens, scopes and OAuth state of the HubSpot sandbox.
 * - Private-app tokens (`pat-na1-…`): static bearer tokens with a fixed scope set.
 * - OAuth: auto-approving `/oauth/authorize`, `/oauth/v1/token` (authorization_code,
 *   refresh_token); access tokens live 30 minutes of SANDBOX time; refresh tokens until revoked.
 * Mimics https://developers.hubspot.com/docs/api/oauth-quickstart-guide and
 * https://developers.hubspot.com/docs/api/private-apps.
 */
import { mulberry32, randomHex, randomUuid } from "../core/prng";

/** Every scope the sandbox knows. */
export const ALL_SCOPES = [
  "oauth",
  "crm.objects.companies.read",
  "crm.objects.companies.write",
  "crm.objects.contacts.read",
  "crm.objects.contacts.write",
  "crm.objects.deals.read",
  "crm.objects.deals.write",
  "crm.objects.owners.read",
  "crm.schemas.companies.read",
  "crm.schemas.companies.write",
  "crm.schemas.contacts.read",
  "crm.schemas.contacts.write",
  "crm.schemas.deals.read",
  "crm.schemas.deals.write",
  "tickets",
] as const;

/** OAuth access token lifetime: 30 minutes (ms of sandbox time). */
export const ACCESS_TOKEN_TTL_MS = 30 * 60 * 1000;
/** Authorization codes are single-use and expire after 10 minutes of sandbox time. */
export const AUTH_CODE_TTL_MS = 10 * 60 * 1000;

export type TokenRecord = {
  token: string;
  kind: "private" | "oauth";
  scopes: Set<string>;
  userId: number;
  appId: number;
  /** Sandbox epoch ms; null = never expires (private apps). */
  expiresAt: number | null;
  revoked: boolean;
  /** Name for tests / info (private tokens). */
  label: string;
};

type AuthCode = { code: string; clientId: string; redirectUri: string; scopes: string[]; expiresAt: number; used: boolean };
type RefreshRecord = { token: string; clientId: string; scopes: string[]; revoked: boolean; userId: number };

/** Credentials a portfolio may pin (all optional; the rest is generated from the seed). */
export type HubspotCredentials = {
  privateAppToken?: string;
  clientId?: string;
  clientSecret?: string;
  appId?: number;
  userId?: number;
};

/** Result of authenticating a bearer token. */
export type AuthResult =
  | { ok: true; token: TokenRecord }
  | { ok: false; status: 401; category: "INVALID_AUTHENTICATION" | "EXPIRED_AUTHENTICATION"; message: string };

/** Token registry and OAuth app of one sandbox portal. */
export class HubspotAuth {
  readonly tokens = new Map<string, TokenRecord>();
  readonly clientId: string;
  readonly clientSecret: string;
  readonly appId: number;
  readonly userId: number;
  readonly privateAppToken: string;
  /** Extra private-app tokens with fewer scopes, by label. */
  readonly extraTokens: Record<string, string> = {};
  private readonly codes = new Map<string, AuthCode>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly rand: () => number;

  constructor(seed: number, creds: HubspotCredentials = {}) {
    this.rand = mulberry32(seed);
    this.clientId = creds.clientId ?? randomUuid(this.rand);
    this.clientSecret = creds.clientSecret ?? randomUuid(this.rand);
    this.appId = creds.appId ?? 1_000_000 + Math.floor(this.rand() * 8_999_999);
    this.userId = creds.userId ?? 10_000_000 + Math.floor(this.rand() * 89_999_999);
    this.privateAppToken = creds.privateAppToken ?? `pat-na1-${randomUuid(this.rand)}`;
    this.addPrivate(this.privateAppToken, [...ALL_SCOPES], "privateAppToken");
    const read = ALL_SCOPES.filter((s) => !s.endsWith(".write"));
    this.extraTokens.readOnlyNoWrite = this.addPrivate(`pat-na1-${randomUuid(this.rand)}`, read, "readOnlyNoWrite");
    this.extraTokens.missingDealsScope = this.addPrivate(
      `pat-na1-${randomUuid(this.rand)}`, ALL_SCOPES.filter((s) => s !== "crm.objects.deals.read"), "missingDealsScope");
    this.extraTokens.companiesOnly = this.addPrivate(
      `pat-na1-${randomUuid(this.rand)}`, ["crm.objects.companies.read"], "companiesOnly");
  }

  private addPrivate(token: string, scopes: string[], label: string): string {
    this.tokens.set(token, { token, kind: "private", scopes: new Set(scopes), userId: this.userId, appId: this.appId, expiresAt: null, revoked: false, label });
    return token;
  }

  /** Looks up a bearer token at sandbox time `now`. */
  authenticate(authorization: string | undefined, now: number): AuthResult {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) {
      return { ok: false, status: 401, category: "INVALID_AUTHENTICATION",
        message: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview" };
    }
    const t = this.tokens.get(m[1]);
    if (!t || t.revoked) {
      return { ok: false, status: 401, category: "INVALID_AUTHENTICATION",
        message: t ? "The access token provided has been revoked." : "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview" };
    }
    if (t.expiresAt !== null && now >= t.expiresAt) {
      const mins = Math.max(0, Math.floor((now - t.expiresAt) / 60_000));
      return { ok: false, status: 401, category: "EXPIRED_AUTHENTICATION", message: `The OAuth token used to make this call expired ${mins} minute(s) ago.` };
    }
    return { ok: true, token: t };
  }

  /** Issues a single-use authorization code (the consent page auto-approves). */
  issueCode(clientId: string, redirectUri: string, scopes: string[], now: number): string {
    const code = randomUuid(this.rand);
    this.codes.set(code, { code, clientId, redirectUri, scopes, expiresAt: now + AUTH_CODE_TTL_MS, used: false });
    return code;
  }

  private issueAccess(scopes: string[], now: number): TokenRecord {
    const token = `CN${randomHex(this.rand, 6)}${Buffer.from(randomHex(this.rand, 96), "hex").toString("base64url")}`;
    const rec: TokenRecord = { token, kind: "oauth", scopes: new Set(scopes), userId: this.userId, appId: this.appId, expiresAt: now + ACCESS_TOKEN_TTL_MS, revoked: false, label: "oauth" };
    this.tokens.set(token, rec);
    return rec;
  }

  /**
   * `POST /oauth/v1/token`. Returns the HubSpot token response, or an error
   * `{status: "BAD_…", message}` to send with 400 (401 for a bad client secret).
   */
  exchange(form: URLSearchParams, now: number):
    | { ok: true; body: { token_type: "bearer"; refresh_token: string; access_token: string; expires_in: number } }
    | { ok: false; httpStatus: number; status: string; message: string } {
    const grant = form.get("grant_type");
    const clientId = form.get("client_id");
    const secret = form.get("client_secret");
    if (grant !== "authorization_code" && grant !== "refresh_token") {
      return { ok: false, httpStatus: 400, status: "BAD_GRANT_TYPE", message: `grant_type must be authorization_code or refresh_token, got ${JSON.stringify(grant)}` };
    }
    if (clientId !== this.clientId) return { ok: false, httpStatus: 400, status: "BAD_CLIENT_ID", message: "missing or unknown client_id" };
    if (secret !== this.clientSecret) return { ok: false, httpStatus: 400, status: "BAD_CLIENT_SECRET", message: "missing or invalid client_secret" };
    let scopes: string[];
    if (grant === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      if (!code || code.used || code.expiresAt <= now || code.clientId !== clientId) {
        return { ok: false, httpStatus: 400, status: "BAD_AUTH_CODE", message: "missing or unknown auth code" };
      }
      if (form.get("redirect_uri") !== code.redirectUri) {
        return { ok: false, httpStatus: 400, status: "BAD_REDIRECT_URI", message: "redirect_uri does not match the one used to authorize" };
      }
      code.used = true;
      scopes = code.scopes;
    } else {
      const r = this.refresh.get(form.get("refresh_token") ?? "");
      if (!r || r.revoked || r.clientId !== clientId) {
        return { ok: false, httpStatus: 400, status: "BAD_REFRESH_TOKEN", message: "missing or unknown refresh token" };
      }
      scopes = r.scopes;
      const access = this.issueAccess(scopes, now);
      return { ok: true, body: { token_type: "bearer", refresh_token: r.token, access_token: access.token, expires_in: ACCESS_TOKEN_TTL_MS / 1000 } };
    }
    const refreshToken = `na1-${randomHex(this.rand, 4)}-${randomHex(this.rand, 4)}-${randomHex(this.rand, 4)}-${randomHex(this.rand, 4)}-${randomHex(this.rand, 12)}`;
    this.refresh.set(refreshToken, { token: refreshToken, clientId, scopes, revoked: false, userId: this.userId });
    const access = this.issueAccess(scopes, now);
    return { ok: true, body: { token_type: "bearer", refresh_token: refreshToken, access_token: access.token, expires_in: ACCESS_TOKEN_TTL_MS / 1000 } };
  }

  /** Info for `GET /oauth/v1/refresh-tokens/{token}`, or null. */
  refreshInfo(token: string): RefreshRecord | null {
    const r = this.refresh.get(token);
    return r && !r.revoked ? r : null;
  }

  /** Revokes one refresh token (or all when `token` is omitted); returns how many were revoked. */
  revokeRefresh(token?: string): number {
    let n = 0;
    for (const r of this.refresh.values()) {
      if ((token === undefined || r.token === token) && !r.revoked) {
        r.revoked = true;
        n++;
      }
    }
    return n;
  }

  /** Marks every OAuth access token expired at `now`. */
  expireAllAccess(now: number): void {
    for (const t of this.tokens.values()) if (t.kind === "oauth" && (t.expiresAt === null || t.expiresAt > now)) t.expiresAt = now;
  }
}
