/**
 * The one module that talks to HubSpot (so the v1-v4 endpoint retirements of 2027 touch one file).
 * Wraps the official `@hubspot/api-client` 14.0.1 with:
 * - one SDK `Client` per connection, `basePath` from env (HUBSPOT_API_BASE_URL — never from a request),
 *   `numberOfApiCallRetries: 0` and no SDK limiter: the SDK keeps those in ONE process-wide object, so
 *   we construct the client and materialise every API object we use in the same synchronous tick
 *   (decorators are captured at that moment; nothing else can run in between);
 * - our own pacing (pacer.ts) fed by `X-HubSpot-RateLimit-*` headers read from the SDK's
 *   `*WithHttpInfo` variants (successes) and `ApiException.headers` (failures);
 * - our own retry policy (retry.ts: `decideRetry`), refresh-once-on-401 for OAuth;
 * - typed failures (`HubspotError`, errors.ts) and a request counter per operation.
 *
 * Paths are v3/v4 as the SDK builds them; api-version.ts moves every request to HUBSPOT_API_VERSION (one
 * constant: "v3" today, a date version such as "2026-03" when we switch).
 * Endpoints used (all through the SDK except those marked raw, which 14.0.1 does not wrap):
 *   GET  /crm/v3/objects/{type}                       list (limit ≤ 100, after, properties, archived)
 *   POST /crm/v3/objects/{type}/search                search (limit ≤ 200, 10,000-result cap, ~5/s)
 *   POST /crm/v3/objects/{type}/batch/read            batch read (≤ 100 ids)
 *   POST /crm/v3/objects/companies/batch/update       batch update (≤ 100; 207 on partial failure)
 *   POST /crm/v4/associations/{from}/{to}/batch/read  associations (per-record paging followed)
 *   GET  /crm/v3/owners/                              owners
 *   GET  /crm/v3/properties/companies, POST …/groups, POST /crm/v3/properties/companies
 *   GET  /account-info/v3/details                     (raw) portal id, time zone, currency
 *   POST /oauth/v2/private-apps/get/access-token-info (raw) private-app token scopes
 *   POST /oauth/v3/token/introspect                   (raw) OAuth token: active, scopes, hub id, seconds left
 *   GET  /oauth/v1/access-tokens/{token}              (deprecated) only when /introspect is missing (404/405/410)
 *   POST /oauth/v1/token                              OAuth code exchange / refresh (oauth.ts)
 */
import { Client } from "@hubspot/api-client";
import type { PropertyCreate } from "@hubspot/api-client/lib/codegen/crm/properties";
import { z } from "zod";
import { env } from "@/lib/env";
import { HUBSPOT_API_VERSION, versionMiddleware, versionedPath, type HubspotApiVersion } from "./api-version";
import { HubspotError, describeFailure } from "./errors";
import { Pacer, type PacerOptions } from "./pacer";
import { decideRetry } from "./retry";

/** A CRM record as we use it (properties are strings or null, as HubSpot sends them). */
export type HubspotRecord = {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date | null;
  updatedAt: Date | null;
  archived: boolean;
};

/** zod guard for one record coming out of the SDK (Dates already deserialised, or strings). */
const ZRecord = z.object({
  id: z.string().regex(/^\d+$/, "id must be a numeric string"),
  properties: z.record(z.string(), z.string().nullable().optional()),
  createdAt: z.union([z.date(), z.string()]).nullish(),
  updatedAt: z.union([z.date(), z.string()]).nullish(),
  archived: z.boolean().nullish(),
});

function toDate(v: Date | string | null | undefined): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A page element: a valid record, or why it is malformed (the sync skips it with that reason). */
export type PageItem = { ok: true; record: HubspotRecord } | { ok: false; externalId: string | null; reason: string };

/** Validate raw SDK results one by one; a malformed record never fails the page. */
export function parseRecords(raw: unknown): PageItem[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((r): PageItem => {
    const p = ZRecord.safeParse(r);
    if (!p.success) {
      const id = (r as { id?: unknown } | null)?.id;
      return { ok: false, externalId: typeof id === "string" || typeof id === "number" ? String(id) : null, reason: `malformed record: ${p.error.issues.map((i) => `${i.path.join(".") || "(record)"} ${i.message}`).join("; ")}` };
    }
    const props: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(p.data.properties)) props[k] = v ?? null;
    return { ok: true, record: { id: p.data.id, properties: props, createdAt: toDate(p.data.createdAt), updatedAt: toDate(p.data.updatedAt), archived: Boolean(p.data.archived) } };
  });
}

export type SearchFilter = { propertyName: string; operator: "EQ" | "NEQ" | "LT" | "LTE" | "GT" | "GTE" | "BETWEEN" | "IN" | "HAS_PROPERTY" | "NOT_HAS_PROPERTY"; value?: string; highValue?: string; values?: string[] };
export type SearchRequest = {
  filterGroups: { filters: SearchFilter[] }[];
  sorts: { propertyName: string; direction: "ASCENDING" | "DESCENDING" }[];
  properties: string[];
  limit: number;
  after?: string;
};

export type ClientOptions = {
  /** Bearer token (private-app token or OAuth access token). */
  accessToken: string;
  /** OAuth connections: get a fresh access token (called once on a 401). Absent = private-app token. */
  refreshAccessToken?: () => Promise<string>;
  /** Override of env().HUBSPOT_API_BASE_URL (scripts only; routes never pass one). */
  basePath?: string;
  /** Override of HUBSPOT_API_VERSION (api-version.ts) — tests of the next version only; production uses the constant. */
  apiVersion?: HubspotApiVersion;
  pacer?: Pacer | PacerOptions;
  /** Multiplies retry waits (tests with a sped-up sandbox clock). Default 1. */
  timeScale?: number;
  /** Per-attempt timeout, ms. Default 60 s. */
  timeoutMs?: number;
  random?: () => number;
  /** Called before each retry (logging). */
  onRetry?: (info: { op: string; attempt: number; waitMs: number; reason: string }) => void;
};

type CallOpts = { search?: boolean; scope?: string };

type WithHttpInfo<T> = { httpStatusCode: number; headers: Record<string, string>; data: T };

function isHttpInfo<T>(v: unknown): v is WithHttpInfo<T> {
  return !!v && typeof v === "object" && "httpStatusCode" in v && "data" in v;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Thrown for a non-2xx raw `apiRequest` response so it looks like an ApiException to describeFailure. */
class RawHttpError extends Error {
  constructor(public code: number, public body: unknown, public headers: Record<string, string>) {
    super(`HTTP ${code}`);
  }
}

export class HubspotClient {
  private sdk!: Client;
  private accessToken: string;
  private readonly basePath: string;
  /** The HubSpot API version requests are sent in ("v3" or a date version; api-version.ts). */
  readonly apiVersion: HubspotApiVersion;
  private readonly opts: ClientOptions;
  readonly pacer: Pacer;
  /** Requests sent (attempts, including retried ones). */
  requestCount = 0;
  /** Requests per operation name, e.g. {"list:companies": 50, "assoc:contacts>companies": 500}. */
  readonly requestsByOp: Record<string, number> = {};
  /** Retries performed (all causes). */
  retries = 0;

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.accessToken = opts.accessToken;
    this.basePath = (opts.basePath ?? env().HUBSPOT_API_BASE_URL).replace(/\/$/, "");
    this.apiVersion = opts.apiVersion ?? HUBSPOT_API_VERSION;
    this.pacer = opts.pacer instanceof Pacer ? opts.pacer : new Pacer({ timeScale: opts.timeScale, ...(opts.pacer ?? {}) });
    this.buildSdk();
  }

  /** Construct the SDK client and materialise the APIs we use in one synchronous tick (see module doc). */
  private buildSdk(): void {
    this.sdk = new Client({ accessToken: this.accessToken, basePath: this.basePath, numberOfApiCallRetries: 0, middleware: [versionMiddleware(this.basePath, this.apiVersion)] });
    void this.sdk.crm.objects.basicApi;
    void this.sdk.crm.associations.v4.batchApi;
    void this.sdk.crm.owners.ownersApi;
    void this.sdk.crm.properties.coreApi;
    void this.sdk.oauth.accessTokensApi;
    void this.sdk.oauth.tokensApi;
  }

  get isOAuth(): boolean {
    return Boolean(this.opts.refreshAccessToken);
  }

  /**
   * Run one HubSpot operation with pacing, retries and error typing.
   * @throws HubspotError when the policy gives up.
   */
  async call<T>(op: string, fn: (sdk: Client) => Promise<WithHttpInfo<T> | T>, opts: CallOpts = {}): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await this.pacer.acquire(opts.search ? "search" : "general");
      this.requestCount++;
      this.requestsByOp[op] = (this.requestsByOp[op] ?? 0) + 1;
      try {
        const res = await this.withTimeout(fn(this.sdk));
        if (isHttpInfo<T>(res)) {
          this.pacer.observe(lowerKeys(res.headers));
          return res.data;
        }
        return res as T;
      } catch (err) {
        const f = describeFailure(err);
        if (f.status !== null) this.pacer.observe(f.headers);
        const d = decideRetry(f, attempt, { isOAuth: this.isOAuth, refreshed, requiredScope: opts.scope, random: this.opts.random });
        if (!d.retry) {
          throw new HubspotError(d.kind, d.reason, { status: f.status, scope: d.scope, guidance: d.guidance, body: f.body, cause: err });
        }
        this.retries++;
        if (d.refresh) {
          refreshed = true;
          this.accessToken = await this.opts.refreshAccessToken!();
          this.buildSdk();
          attempt--; // a refresh is not a failed attempt
          continue;
        }
        this.opts.onRetry?.({ op, attempt, waitMs: d.waitMs, reason: d.reason });
        if (f.status === 429) this.pacer.pauseFor(d.waitMs);
        await sleep(Math.round(d.waitMs * (this.opts.timeScale ?? 1)));
      }
    }
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = this.opts.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`HubSpot request timed out after ${ms} ms`), { code: "ETIMEDOUT" })), ms);
    });
    return Promise.race([p, t]).finally(() => clearTimeout(timer));
  }

  /**
   * A raw request through the SDK's `apiRequest` (for endpoints 14.0.1 does not wrap). `apiRequest` skips the
   * SDK middleware, so the path is moved to the configured API version here. `form`: send the body
   * `application/x-www-form-urlencoded` (OAuth endpoints) instead of JSON.
   */
  private async raw<T>(op: string, req: { method: "GET" | "POST"; path: string; body?: unknown; form?: Record<string, string> }, schema: z.ZodType<T>, opts: CallOpts = {}): Promise<T> {
    const path = versionedPath(req.path, this.apiVersion);
    const body = await this.call(op, async (sdk) => {
      const res = await sdk.apiRequest(req.form
        ? { method: req.method, path, body: new URLSearchParams(req.form).toString(), defaultJson: false, headers: { "Content-Type": "application/x-www-form-urlencoded" } }
        : { method: req.method, path, body: req.body });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
      const text = await res.text();
      let json: unknown = text;
      try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
      if (!res.ok) throw new RawHttpError(res.status, json, headers);
      return { httpStatusCode: res.status, headers, data: json };
    }, opts);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new HubspotError("invalid_response", `unexpected response from ${req.path}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    return parsed.data;
  }

  // ───────────── CRM objects ─────────────

  /** One page of `GET /crm/v3/objects/{type}` (limit ≤ 100). */
  async listPage(objectType: string, p: { after?: string | null; properties: string[]; archived?: boolean; limit?: number }, scope?: string): Promise<{ items: PageItem[]; nextAfter: string | null }> {
    const data = await this.call(`list:${objectType}${p.archived ? ":archived" : ""}`,
      (sdk) => sdk.crm.objects.basicApi.getPageWithHttpInfo(objectType, p.limit ?? 100, p.after ?? undefined, p.properties, undefined, undefined, p.archived ?? false),
      { scope });
    return { items: parseRecords(data?.results), nextAfter: data?.paging?.next?.after ?? null };
  }

  /** One page of `POST /crm/v3/objects/{type}/search` (paced at ≤ 4/s). */
  async searchPage(objectType: string, req: SearchRequest, scope?: string): Promise<{ items: PageItem[]; total: number; nextAfter: string | null }> {
    const data = await this.call(`search:${objectType}`,
      (sdk) => sdk.crm.objects.searchApi.doSearchWithHttpInfo(objectType, req as never),
      { search: true, scope });
    return { items: parseRecords(data?.results), total: data?.total ?? 0, nextAfter: data?.paging?.next?.after ?? null };
  }

  /** `POST /crm/v3/objects/{type}/batch/read` for ≤ 100 ids; unknown ids are simply absent (207). */
  async batchRead(objectType: string, ids: string[], properties: string[], scope?: string): Promise<PageItem[]> {
    if (ids.length === 0) return [];
    const data = await this.call(`batch-read:${objectType}`,
      (sdk) => sdk.crm.objects.batchApi.readWithHttpInfo(objectType, { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] }, false),
      { scope });
    return parseRecords(data?.results);
  }

  /**
   * `POST /crm/v3/objects/companies/batch/update` (≤ 100). The SDK resolves on 207: we read the
   * errors ourselves and return the failed ids with HubSpot's message.
   */
  async batchUpdateCompanies(inputs: { id: string; properties: Record<string, string> }[]): Promise<{ updated: string[]; failed: { id: string; reason: string }[] }> {
    const data = await this.call("batch-update:companies",
      (sdk) => sdk.crm.objects.batchApi.updateWithHttpInfo("companies", { inputs }),
      { scope: "crm.objects.companies.write" });
    const updated = (data?.results ?? []).map((r) => String(r.id));
    const failed: { id: string; reason: string }[] = [];
    const errors = (data as { errors?: { message?: string; context?: Record<string, string[]> }[] } | undefined)?.errors ?? [];
    const seen = new Set(updated);
    for (const e of errors) {
      const ids = e.context?.ids ?? e.context?.id ?? [];
      for (const id of ids) if (!seen.has(id)) { failed.push({ id, reason: e.message ?? "update failed" }); seen.add(id); }
    }
    // Inputs neither updated nor named in an error: report them rather than lose them.
    for (const i of inputs) if (!seen.has(i.id)) failed.push({ id: i.id, reason: "not in HubSpot's batch response" });
    return { updated, failed };
  }

  /**
   * `POST /crm/v4/associations/{from}/{to}/batch/read` → fromId → toIds (ascending, no duplicates), following
   * each record's own paging: a result with `paging.next.after` is read again with `{id, after}` until it has
   * none (HubSpot's batch-read reference: "The 'after' field in a returned paging object can be added alongside
   * the 'id' to retrieve the next page of associations from that objectId"). So a company with more
   * associations than one page is never truncated. ≤ 1,000 ids per call (HubSpot's batch-read limit since
   * 2025-02-10); records without associations are simply absent (HubSpot lists them as 207 errors).
   * @throws HubspotError invalid_response when HubSpot repeats a cursor for a record (no endless loop).
   */
  async associations(from: string, to: string, ids: string[], scope?: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    let inputs: { id: string; after?: string }[] = ids.map((id) => ({ id }));
    const seen = new Set<string>();
    while (inputs.length) {
      const batch = inputs;
      const data = await this.call(`assoc:${from}>${to}`,
        (sdk) => sdk.crm.associations.v4.batchApi.getPageWithHttpInfo(from, to, { inputs: batch }),
        { scope });
      const next: { id: string; after: string }[] = [];
      for (const r of data?.results ?? []) {
        const fromId = String((r as { _from?: { id?: string } })._from?.id ?? "");
        if (!fromId) continue;
        const list = out.get(fromId) ?? [];
        for (const t of r.to ?? []) list.push(String(t.toObjectId));
        out.set(fromId, list);
        const after = r.paging?.next?.after;
        if (after) {
          if (seen.has(`${fromId}\u0000${after}`)) throw new HubspotError("invalid_response", `HubSpot repeated the association cursor ${after} for ${from} ${fromId}`);
          seen.add(`${fromId}\u0000${after}`);
          next.push({ id: fromId, after });
        }
      }
      inputs = next;
    }
    for (const [k, v] of out) out.set(k, [...new Set(v)].sort((a, b) => Number(a) - Number(b)));
    return out;
  }

  /** One page of `GET /crm/v3/owners/`. */
  async ownersPage(after: string | null, archived = false): Promise<{ owners: { id: string; email: string | null; firstName: string | null; lastName: string | null; archived: boolean }[]; nextAfter: string | null }> {
    const data = await this.call(`owners${archived ? ":archived" : ""}`,
      (sdk) => sdk.crm.owners.ownersApi.getPageWithHttpInfo(undefined, after ?? undefined, 100, archived),
      { scope: "crm.objects.owners.read" });
    return {
      owners: (data?.results ?? []).filter((o) => o && o.id).map((o) => ({ id: String(o.id), email: o.email ?? null, firstName: o.firstName ?? null, lastName: o.lastName ?? null, archived: Boolean(o.archived) })),
      nextAfter: data?.paging?.next?.after ?? null,
    };
  }

  // ───────────── Properties ─────────────

  /** `GET /crm/v3/properties/companies` → property names and types. */
  async companyProperties(): Promise<{ name: string; type: string; label: string }[]> {
    const data = await this.call("properties:companies",
      (sdk) => sdk.crm.properties.coreApi.getAllWithHttpInfo("companies", false),
      { scope: "crm.objects.companies.read" });
    return (data?.results ?? []).map((p) => ({ name: p.name, type: p.type, label: p.label }));
  }

  /** Create the property group; false when it already exists (409). */
  async createCompanyPropertyGroup(name: string, label: string): Promise<boolean> {
    try {
      await this.call("property-group:create", (sdk) => sdk.crm.properties.groupsApi.createWithHttpInfo("companies", { name, label, displayOrder: -1 }), { scope: "crm.schemas.companies.write" });
      return true;
    } catch (e) {
      if (e instanceof HubspotError && e.status === 409) return false;
      throw e;
    }
  }

  /**
   * Create a company property (`POST /crm/v3/properties/companies`, body: the SDK's `PropertyCreate`, whose
   * options are `OptionInput`s with `label`, `value` and `hidden` required); false when it already exists (409).
   * @throws HubspotError (400 for an incomplete definition, 403 without crm.schemas.companies.write).
   */
  async createCompanyProperty(p: PropertyCreate): Promise<boolean> {
    try {
      await this.call("property:create", (sdk) => sdk.crm.properties.coreApi.createWithHttpInfo("companies", p), { scope: "crm.schemas.companies.write" });
      return true;
    } catch (e) {
      if (e instanceof HubspotError && e.status === 409) return false;
      throw e;
    }
  }

  // ───────────── Account / token introspection ─────────────

  /** `GET /account-info/v3/details`. */
  async accountInfo(): Promise<{ portalId: number; accountType: string | null; timeZone: string | null; companyCurrency: string | null; uiDomain: string | null; portalName: string | null }> {
    const r = await this.raw("account-info", { method: "GET", path: "/account-info/v3/details" },
      z.object({ portalId: z.coerce.number(), accountType: z.string().nullish(), timeZone: z.string().nullish(), companyCurrency: z.string().nullish(), uiDomain: z.string().nullish(), accountName: z.string().nullish(), portalName: z.string().nullish(), name: z.string().nullish() }).loose());
    return { portalId: r.portalId, accountType: r.accountType ?? null, timeZone: r.timeZone ?? null, companyCurrency: r.companyCurrency ?? null, uiDomain: r.uiDomain ?? null, portalName: r.portalName ?? r.accountName ?? r.name ?? null };
  }

  /** Scopes of a private-app token: `POST /oauth/v2/private-apps/get/access-token-info`. */
  async privateTokenInfo(token: string): Promise<{ hubId: number | null; scopes: string[] }> {
    const r = await this.raw("token-info", { method: "POST", path: "/oauth/v2/private-apps/get/access-token-info", body: { tokenKey: token } },
      z.object({ hubId: z.coerce.number().nullish(), scopes: z.array(z.string()).default([]) }).loose());
    return { hubId: r.hubId ?? null, scopes: r.scopes };
  }

  /**
   * What HubSpot says about an OAuth access token: active or not, its portal (hub id), scopes and seconds left.
   *
   * Current endpoint: `POST /oauth/v3/token/introspect` (form-encoded client_id, client_secret, token,
   * token_type_hint; "Returns validity and metadata for access and refresh tokens" —
   * developers.hubspot.com/docs/api-reference/auth-oauth-v3/public-token/post-oauth-v3-token-introspect; dated:
   * /oauth/2026-03/token/introspect, via api-version.ts). HubSpot's reference documents `active`; the metadata
   * is read tolerantly: `scopes` (array) or `scope` (space-separated), `hub_id`/`hubId`, `expires_in` or `exp`
   * (epoch s). An inactive token is `{active: false}`.
   *
   * Fallback: only when the introspection endpoint itself is missing (404/405/410 — e.g. a proxy or region that
   * does not serve it yet) the deprecated `GET /oauth/v1/access-tokens/{token}` is asked (404 there = inactive).
   * Every other failure is thrown; callers decide (openClient carries on with its own clock, see connection.ts).
   * @throws HubspotError (400 for a wrong client id/secret, transient/rate_limited, invalid_response).
   */
  async oauthTokenInfo(token: string, app: { clientId: string; clientSecret: string }): Promise<{ active: boolean; hubId: number | null; hubDomain: string | null; scopes: string[]; expiresInSec: number | null; endpoint: "v3-introspect" | "v1-access-tokens" }> {
    try {
      const r = await this.raw("token-introspect", { method: "POST", path: "/oauth/v3/token/introspect", form: { client_id: app.clientId, client_secret: app.clientSecret, token, token_type_hint: "access_token" } },
        z.object({
          active: z.boolean(), scopes: z.array(z.string()).nullish(), scope: z.string().nullish(), hub_id: z.coerce.number().nullish(), hubId: z.coerce.number().nullish(),
          hub_domain: z.string().nullish(), expires_in: z.number().nullish(), exp: z.number().nullish(),
        }).loose());
      const scopes = r.scopes ?? (r.scope ? r.scope.split(/\s+/).filter(Boolean) : []);
      const expiresInSec = typeof r.expires_in === "number" ? r.expires_in : typeof r.exp === "number" ? Math.max(0, Math.round(r.exp - Date.now() / 1000)) : null;
      return { active: r.active, hubId: r.hub_id ?? r.hubId ?? null, hubDomain: r.hub_domain ?? null, scopes, expiresInSec, endpoint: "v3-introspect" };
    } catch (e) {
      if (!(e instanceof HubspotError) || (e.status !== 404 && e.status !== 405 && e.status !== 410)) throw e;
    }
    try {
      const data = await this.call("token-info-v1", (sdk) => sdk.oauth.accessTokensApi.getWithHttpInfo(token));
      const d = data as unknown as { hubId?: number; hubDomain?: string; scopes?: string[]; expiresIn?: number };
      return { active: true, hubId: d.hubId ?? null, hubDomain: d.hubDomain ?? null, scopes: d.scopes ?? [], expiresInSec: typeof d.expiresIn === "number" ? d.expiresIn : null, endpoint: "v1-access-tokens" };
    } catch (e) {
      if (e instanceof HubspotError && e.kind === "not_found") return { active: false, hubId: null, hubDomain: null, scopes: [], expiresInSec: null, endpoint: "v1-access-tokens" };
      throw e;
    }
  }

  /** `POST /oauth/v1/token` (form-encoded; no bearer token needed). */
  async oauthToken(p: { grantType: "authorization_code" | "refresh_token"; code?: string; redirectUri?: string; clientId: string; clientSecret: string; refreshToken?: string }): Promise<{ accessToken: string; refreshToken: string | null; expiresInSec: number }> {
    const data = await this.call("oauth-token", (sdk) => sdk.oauth.tokensApi.createWithHttpInfo(p.grantType, p.code, p.redirectUri, p.clientId, p.clientSecret, p.refreshToken));
    if (!data?.accessToken) throw new HubspotError("invalid_response", "HubSpot's token response has no access_token");
    return { accessToken: data.accessToken, refreshToken: data.refreshToken ?? null, expiresInSec: data.expiresIn ?? 1800 };
  }
}

function lowerKeys(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}
