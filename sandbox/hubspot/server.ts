/**
 * The HubSpot sandbox: an HTTP request handler speaking HubSpot's public API as
 * `@hubspot/api-client` 14.0.1 calls it (CRM v3 objects/search/properties/owners, associations
 * v4 with per-record paging, OAuth v1 token + v3 introspection, account info), also under HubSpot's
 * date-versioned paths (/crm/objects/2026-03/…, versions.ts), with HubSpot's error bodies, rate
 * limits and headers (on every authenticated non-search response, limits on or off), fault
 * injection and signed webhooks. Mount it with `createHubspotSandbox(...).handle(req, res)`;
 * `/__sandbox/*` control routes are served by sandbox/core/control.ts, not here.
 *
 * Error body (all errors, `Content-Type: application/json`):
 *   `{status:"error", message, correlationId, category, ...}`; 429 adds `errorType:"RATE_LIMIT"`
 *   and `policyName` (TEN_SECONDLY_ROLLING | SECONDLY | DAILY).
 */
import { ActivityWrites, ZActivityBatchCreate, ZActivityBatchUpdate, type ActivityType } from "./activity-writes";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { SandboxClock } from "../core/clock";
import { BodyTooLargeError, parseUrl, readBody, requestId, sendJson, sleep } from "../core/http";
import { hashString, mulberry32 } from "../core/prng";
import { DailyCounter, RollingWindow } from "../core/rate-limit";
import { NO_FAULTS, type FaultConfig, type LatencyConfig, type WebhookDelivery } from "../core/types";
import { ALL_SCOPES, HubspotAuth, type HubspotCredentials, type TokenRecord } from "./auth";
import { DEFAULT_RETURNED, FIELD_TYPES, PROPERTY_TYPES, makeProperty, type PropertyDef } from "./properties";
import { SearchError, ZSearchRequest, compileFilters, compileQuery, compileSort } from "./search";
import { HubspotStore, SINGULAR, associationTypeId, type Rec, type TypeStore } from "./store";
import { DEFAULT_HUBSPOT_LIMITS, OBJECT_TYPES, isObjectType, type HubspotLimits, type HubspotPortfolio, type ObjectType } from "./types";
import { legacyPath } from "./versions";
import { deliverHubspotWebhooks, type DeliveryResult, type HubspotWebhookEvent } from "./webhooks";

/** Options of createHubspotSandbox. */
export type HubspotSandboxOptions = {
  portfolio: HubspotPortfolio;
  clock: SandboxClock;
  credentials?: HubspotCredentials;
  limits?: Partial<HubspotLimits>;
  latency?: LatencyConfig;
  faults?: Partial<FaultConfig>;
  webhook?: Partial<WebhookDelivery>;
  /** Seed for tokens, ids and fault dice (default: derived from the portal id). */
  seed?: number;
  baseUrl: string;
};

/** A record change requested through the control API. */
export type HubspotMutation = {
  type: ObjectType;
  op: "create" | "update" | "delete";
  id?: string;
  properties?: Record<string, string | null>;
  associations?: Record<string, string[]>;
};

export type HubspotSandbox = {
  handle(req: IncomingMessage, res: ServerResponse): void;
  info(): Record<string, unknown>;
  setBaseUrl(url: string): void;
  store: HubspotStore;
  /** Tasks and notes created through the batch API (issue 16). */
  activityWrites: ActivityWrites;
  auth: HubspotAuth;
  control: {
    setFaults(f: Partial<FaultConfig>): FaultConfig;
    setLimits(l: Partial<HubspotLimits>): HubspotLimits;
    setWebhook(w: Partial<WebhookDelivery>): WebhookDelivery;
    /** Applies a change, bumps the modified date and delivers webhooks (awaited). @throws ControlError */
    mutate(m: HubspotMutation): Promise<{ id: string; object: unknown; deliveries: DeliveryResult[] }>;
    /** Sets the modified date of `ids` (or the first `count` live records) to now (all identical when sameTimestamp). */
    bulkTouch(b: { type: ObjectType; ids?: string[]; count?: number; sameTimestamp?: boolean }): { touched: number; timestamp: number };
    revokeRefreshTokens(token?: string): number;
    stats(): Record<string, number>;
    resetLimits(): void;
  };
};

/** A bad control request (answered 400 by the control API). */
export class ControlError extends Error {}

const OBJECT_TYPE_IDS: Record<string, ObjectType> = {
  "0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-5": "tickets", "0-46": "notes", "0-47": "meetings", "0-48": "calls",
  contact: "contacts", company: "companies", deal: "deals", ticket: "tickets", note: "notes", meeting: "meetings", call: "calls",
};

function resolveType(s: string): ObjectType | null {
  const t = s.toLowerCase();
  if (isObjectType(t)) return t;
  return OBJECT_TYPE_IDS[t] ?? null;
}

function readScope(t: ObjectType): string {
  return t === "companies" ? "crm.objects.companies.read" : t === "deals" ? "crm.objects.deals.read" : t === "tickets" ? "tickets" : "crm.objects.contacts.read";
}
function writeScope(t: ObjectType): string {
  return t === "companies" ? "crm.objects.companies.write" : t === "deals" ? "crm.objects.deals.write" : t === "tickets" ? "tickets" : "crm.objects.contacts.write";
}
function schemaReadScopes(t: ObjectType): string[] {
  const s = t === "companies" || t === "deals" ? t : "contacts";
  return [`crm.schemas.${s}.read`, readScope(t)];
}
function schemaWriteScope(t: ObjectType): string {
  return `crm.schemas.${t === "companies" || t === "deals" ? t : "contacts"}.write`;
}

/** Thrown inside handlers to answer with a HubSpot error body. */
class HsError extends Error {
  constructor(public status: number, public category: string, message: string, public extra: Record<string, unknown> = {}) {
    super(message);
  }
}

const bad = (message: string, extra: Record<string, unknown> = {}) => new HsError(400, "VALIDATION_ERROR", message, extra);

type Ctx = { req: IncomingMessage; res: ServerResponse; url: URL; token: TokenRecord | null; rlHeaders: Record<string, string> };
type Route = { method: string; re: RegExp; name: string; auth: boolean; search?: boolean; fn: (ctx: Ctx, m: RegExpMatchArray) => Promise<void> | void };

const ZBatchRead = z.object({
  inputs: z.array(z.object({ id: z.union([z.string(), z.number()]) }).strict()),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
}).strict();

const ZBatchUpdate = z.object({
  inputs: z.array(z.object({
    id: z.union([z.string(), z.number()]),
    properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    idProperty: z.string().optional(),
    objectWriteTraceId: z.string().optional(),
  }).strict()),
}).strict();

const ZAssocBatchRead = z.object({ inputs: z.array(z.object({ id: z.union([z.string(), z.number()]), after: z.string().optional() }).strict()) }).strict();

const ZPropertyCreate = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "lowercase letters, digits and underscores, starting with a letter"),
  label: z.string().min(1),
  type: z.enum(PROPERTY_TYPES),
  fieldType: z.enum(FIELD_TYPES),
  groupName: z.string().min(1),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  calculationFormula: z.string().optional(),
  externalOptions: z.boolean().optional(),
  referencedObjectType: z.string().optional(),
  dataSensitivity: z.string().optional(),
  // OptionInput: `label`, `value` and `hidden` are required (@hubspot/api-client 14.0.1
  // codegen/crm/properties/models/OptionInput.d.ts; developers.hubspot.com/docs/api-reference/2026-03/crm/
  // properties/create-property): a missing one is a 400, never filled in by the sandbox.
  options: z.array(z.object({
    label: z.string({ error: "Cannot build OptionInput, some of required attributes are not set [label]" }),
    value: z.string({ error: "Cannot build OptionInput, some of required attributes are not set [value]" }),
    hidden: z.boolean({ error: "Cannot build OptionInput, some of required attributes are not set [hidden]" }),
    displayOrder: z.number().int().optional(),
    description: z.string().optional(),
  }).strict()).optional(),
}).strict();

const ZGroupCreate = z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/), label: z.string().min(1), displayOrder: z.number().int().optional() }).strict();

function zodMessage(e: z.ZodError): string {
  const i = e.issues[0];
  const path = i.path.length ? i.path.join(".") : "(body)";
  return `Invalid input JSON on line 1: ${path}: ${i.message}`;
}

/** Parses JSON and validates with a zod schema. @throws HsError 400 naming the field. */
function parseJson<T>(text: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad("Invalid input JSON: the request body is not valid JSON");
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw bad(zodMessage(r.error), { errors: r.error.issues.map((i) => ({ message: i.message, in: i.path.join(".") })) });
  return r.data;
}

/** Collects a repeated and/or comma-separated query param (`properties=a&properties=b,c`). */
function listParam(url: URL, name: string): string[] | null {
  const all = url.searchParams.getAll(name);
  if (all.length === 0) return null;
  return all.flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean);
}

function checkParams(url: URL, allowed: string[]): void {
  for (const k of url.searchParams.keys()) {
    if (!allowed.includes(k)) throw bad(`Unknown query parameter "${k}". Allowed: ${allowed.join(", ")}`, { in: k });
  }
}

function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return def;
  if (!/^\d+$/.test(v)) throw bad(`Invalid value for "${name}": ${JSON.stringify(v)} is not an integer`, { in: name });
  const n = Number(v);
  if (n < min || n > max) throw bad(`Invalid value for "${name}": ${n} must be between ${min} and ${max}`, { in: name });
  return n;
}

/** Association page cursors are opaque to clients (HubSpot sends base64 tokens like "MC0yLTE1OTc0MDA2NTg%3D"). */
function encodeAssocCursor(offset: number): string {
  return Buffer.from(`assoc-${offset}`).toString("base64url");
}
function decodeAssocCursor(s: string): number | null {
  const m = /^assoc-(\d+)$/.exec(Buffer.from(s, "base64url").toString("utf8"));
  return m ? Number(m[1]) : null;
}

function boolParam(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  if (v === null) return false;
  if (v !== "true" && v !== "false") throw bad(`Invalid value for "${name}": expected true or false`, { in: name });
  return v === "true";
}

/** Creates the HubSpot sandbox over a portfolio's `hubspot` section. @throws HubspotDataError on bad portfolio data. */
export function createHubspotSandbox(opts: HubspotSandboxOptions): HubspotSandbox {
  const clock = opts.clock;
  const startIso = new Date(clock.now()).toISOString();
  const store = HubspotStore.fromPortfolio(opts.portfolio, startIso);
  const portalId = opts.portfolio.portal.id;
  const portalName = opts.portfolio.portal.name;
  const seed = opts.seed ?? hashString(`hubspot:${portalId}`);
  const auth = new HubspotAuth(seed, opts.credentials);
  const dice = mulberry32(seed ^ 0x5eed);
  let baseUrl = opts.baseUrl;
  let limits: HubspotLimits = { ...DEFAULT_HUBSPOT_LIMITS, ...opts.limits };
  const latency: LatencyConfig = opts.latency ?? { fixedMs: 0, jitterMs: 0 };
  let faults: FaultConfig = { ...NO_FAULTS, ...opts.faults };
  let webhook: WebhookDelivery = { url: null, duplicate: false, outOfOrder: false, ...opts.webhook };
  const tenSec = new RollingWindow(10_000);
  const perSec = new RollingWindow(1_000);
  const daily = new DailyCounter();
  const stats: Record<string, number> = {};
  const bump = (k: string) => { stats[k] = (stats[k] ?? 0) + 1; };
  let eventSeq = 1_000_000 + (seed % 1_000_000);
  const searchCache = new Map<string, Rec[]>();
  const activityWrites = new ActivityWrites();

  // ---------- rendering ----------
  function renderProps(ts: TypeStore, rec: Rec, requested: string[] | null): Record<string, string | null> {
    const names = requested ?? DEFAULT_RETURNED[ts.type];
    const out: Record<string, string | null> = {};
    for (const n of names) if (ts.defs.has(n)) out[n] = ts.get(rec, n);
    for (const n of ts.derived) out[n] = ts.get(rec, n);
    return out;
  }

  function render(ts: TypeStore, rec: Rec, requested: string[] | null, assocTypes: ObjectType[] = []): Record<string, unknown> {
    const o: Record<string, unknown> = {
      id: String(rec.id),
      properties: renderProps(ts, rec, requested),
      createdAt: new Date(rec.created).toISOString(),
      updatedAt: new Date(rec.updated).toISOString(),
      archived: rec.archivedAt !== null,
    };
    if (rec.archivedAt !== null) o.archivedAt = new Date(rec.archivedAt).toISOString();
    if (assocTypes.length) {
      const a: Record<string, unknown> = {};
      for (const to of assocTypes) {
        const ids = store.associated(ts.type, rec.id, to);
        if (ids.length) a[to] = { results: ids.map((id) => ({ id: String(id), type: `${SINGULAR[ts.type]}_to_${SINGULAR[to]}` })) };
      }
      if (Object.keys(a).length) o.associations = a;
    }
    return o;
  }

  function malformed(ts: TypeStore): Record<string, unknown> {
    return { id: "", properties: { hs_object_id: "", [ts.lastModified]: "yesterday-ish" }, createdAt: "not-a-date", updatedAt: "0000-13-45T99:99:99Z", archived: false };
  }

  function injectMalformed(ts: TypeStore, results: Record<string, unknown>[]): Record<string, unknown>[] {
    if (!faults.malformedRecordIn.includes(ts.type) || results.length === 0) return results;
    const at = Math.floor(results.length / 2);
    return [...results.slice(0, at), malformed(ts), ...results.slice(at)];
  }

  function typeOr404(s: string): TypeStore {
    const t = resolveType(s);
    if (!t) throw new HsError(400, "VALIDATION_ERROR", `Unable to infer object type from: ${s}`, { in: "objectType" });
    return store.types[t];
  }

  function requireScopes(ctx: Ctx, anyOf: string[]): void {
    const t = ctx.token;
    if (!t) return;
    if (anyOf.some((s) => t.scopes.has(s))) return;
    throw new HsError(403, "MISSING_SCOPES",
      `This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes. Missing scope: ${anyOf.join(" or ")}`,
      { errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes: anyOf } }], links: { scopes: "https://developers.hubspot.com/scopes" } });
  }

  function ok(ctx: Ctx, status: number, body: unknown, extra: Record<string, string> = {}): void {
    sendJson(ctx.res, status, body, { ...ctx.rlHeaders, ...extra });
  }

  async function body(ctx: Ctx): Promise<string> {
    try {
      return await readBody(ctx.req);
    } catch (e) {
      if (e instanceof BodyTooLargeError) throw new HsError(413, "VALIDATION_ERROR", e.message);
      throw e;
    }
  }

  function liveRec(ts: TypeStore, id: string, archived = false): Rec | null {
    if (!/^\d+$/.test(id)) return null;
    const r = ts.recs.get(Number(id));
    if (!r) return null;
    return (r.archivedAt !== null) === archived ? r : null;
  }

  // ---------- webhooks ----------
  const SUB_IDS: Record<string, number> = {};
  function event(type: ObjectType, kind: string, objectId: number, extra: Partial<HubspotWebhookEvent> = {}): HubspotWebhookEvent | null {
    if (!["companies", "contacts", "deals", "tickets"].includes(type)) return null;
    const subscriptionType = `${SINGULAR[type]}.${kind}`;
    SUB_IDS[subscriptionType] ??= 100_000 + Object.keys(SUB_IDS).length;
    return {
      eventId: eventSeq++, subscriptionId: SUB_IDS[subscriptionType], portalId, appId: auth.appId, occurredAt: clock.now(),
      subscriptionType, attemptNumber: 0, objectId, changeSource: "CRM_UI", ...extra,
    };
  }

  // ---------- writes ----------
  function validateWrite(ts: TypeStore, props: Record<string, unknown>, where: string): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    const errors: Record<string, unknown>[] = [];
    for (const [k, v] of Object.entries(props)) {
      const def = ts.defs.get(k);
      if (!def) errors.push({ isValid: false, message: `Property "${k}" does not exist`, error: "PROPERTY_DOESNT_EXIST", name: k });
      else if (def.modificationMetadata.readOnlyValue || ts.derived.has(k)) errors.push({ isValid: false, message: `"${k}" is a read only property; its value cannot be set.`, error: "READ_ONLY_VALUE", name: k });
      else if (def.type === "number" && v !== null && v !== "" && Number.isNaN(Number(v))) errors.push({ isValid: false, message: `${JSON.stringify(v)} was not a valid number.`, error: "INVALID_INTEGER", name: k });
      else if (def.type === "enumeration" && def.options.length && v !== null && v !== "" && !def.options.some((o) => o.value === String(v))) {
        errors.push({ isValid: false, message: `${JSON.stringify(v)} was not one of the allowed options: ${def.options.map((o) => o.value).join(", ")}`, error: "INVALID_OPTION", name: k });
      } else out[k] = v === null ? null : String(v);
    }
    if (errors.length) throw bad(`${where}Property values were not valid: ${JSON.stringify(errors)}`, { errors: errors.map((e) => ({ message: e.message, code: e.error, context: { propertyName: [e.name] } })) });
    return out;
  }

  function applyUpdate(ts: TypeStore, rec: Rec, props: Record<string, string | null>, at: number): [string, string | null][] {
    const changed: [string, string | null][] = [];
    for (const [k, v] of Object.entries(props)) {
      if (ts.get(rec, k) !== v) changed.push([k, v]);
      ts.set(rec, k, v);
    }
    rec.updated = at;
    store.version++;
    return changed;
  }

  // ---------- routes ----------
  const routes: Route[] = [
    // Tasks/notes batch create and the tasks list (issue 16 write-back; HubSpot's behaviour in activity-writes.ts).
    { method: "POST", re: /^\/crm\/v3\/objects\/(tasks|notes)\/batch\/create\/?$/, name: "objects.batch.create", auth: true, fn: async (ctx, m) => {
      requireScopes(ctx, ["crm.objects.contacts.write"]);
      const companies = typeOr404("companies");
      const r = activityWrites.batchCreate(m[1] as ActivityType, parseJson(await body(ctx), ZActivityBatchCreate), clock.now(), (id) => liveRec(companies, id) !== null);
      ok(ctx, r.status, r.body);
    } },
    { method: "POST", re: /^\/crm\/v3\/objects\/(tasks|notes)\/batch\/update\/?$/, name: "objects.batch.update", auth: true, fn: async (ctx, m) => {
      requireScopes(ctx, ["crm.objects.contacts.write"]);
      const r = activityWrites.batchUpdate(m[1] as ActivityType, parseJson(await body(ctx), ZActivityBatchUpdate), clock.now());
      ok(ctx, r.status, r.body);
    } },
    { method: "GET", re: /^\/crm\/v3\/objects\/tasks\/?$/, name: "objects.tasks.list", auth: true, fn: (ctx) => {
      requireScopes(ctx, ["crm.objects.contacts.read"]);
      const afterS = ctx.url.searchParams.get("after");
      ok(ctx, 200, activityWrites.list("tasks", intParam(ctx.url, "limit", 10, 1, 100), afterS && /^\d+$/.test(afterS) ? Number(afterS) : 0));
    } },
    { method: "GET", re: /^\/oauth\/authorize$/, name: "oauth.authorize", auth: false, fn: (ctx) => {
      const q = ctx.url.searchParams;
      const clientId = q.get("client_id");
      if (clientId !== auth.clientId) throw bad(`Authorization failed: unknown client_id ${JSON.stringify(clientId)}`, { in: "client_id" });
      const redirect = q.get("redirect_uri") ?? "";
      let ru: URL;
      try {
        ru = new URL(redirect);
        if (!/^https?:$/.test(ru.protocol)) throw new Error("scheme");
      } catch {
        throw bad(`Authorization failed: redirect_uri ${JSON.stringify(redirect)} is not an absolute http(s) URL`, { in: "redirect_uri" });
      }
      const scopes = (q.get("scope") ?? "").split(/[\s+]+/).filter(Boolean);
      if (scopes.length === 0) throw bad("Authorization failed: scope is required", { in: "scope" });
      const unknown = scopes.filter((s) => !(ALL_SCOPES as readonly string[]).includes(s));
      if (unknown.length) throw bad(`Authorization failed: unknown scope(s) ${unknown.join(", ")}`, { in: "scope" });
      const optional = (q.get("optional_scope") ?? "").split(/[\s+]+/).filter((s) => (ALL_SCOPES as readonly string[]).includes(s));
      const code = auth.issueCode(clientId, redirect, [...new Set([...scopes, ...optional, "oauth"])], clock.now());
      ru.searchParams.set("code", code);
      const state = q.get("state");
      if (state !== null) ru.searchParams.set("state", state);
      ctx.res.writeHead(302, { Location: ru.toString(), "Content-Type": "text/html; charset=utf-8" });
      ctx.res.end(`<html><body>Sandbox consent auto-approved. Redirecting to <a href="${ru.toString().replace(/"/g, "&quot;")}">the app</a>.</body></html>`);
    } },
    // v1 is deprecated (unsupported from 2027); v3 and the dated /oauth/2026-03/token take the same form body.
    { method: "POST", re: /^\/oauth\/v[13]\/token$/, name: "oauth.token", auth: false, fn: async (ctx) => {
      const ct = ctx.req.headers["content-type"] ?? "";
      const text = await body(ctx);
      if (!ct.includes("application/x-www-form-urlencoded")) {
        sendJson(ctx.res, 400, { status: "BAD_REQUEST", message: "Content-Type must be application/x-www-form-urlencoded", correlationId: requestId() });
        return;
      }
      const r = auth.exchange(new URLSearchParams(text), clock.now());
      if (!r.ok) sendJson(ctx.res, r.httpStatus, { status: r.status, message: r.message, correlationId: requestId() });
      else sendJson(ctx.res, 200, r.body);
    } },
    // Token introspection (developers.hubspot.com/docs/api-reference/auth-oauth-v3/public-token/
    // post-oauth-v3-token-introspect; dated: /oauth/2026-03/token/introspect): form-encoded client_id,
    // client_secret, token, token_type_hint; "Returns validity and metadata for access and refresh tokens".
    // HubSpot's reference shows `{"active": true}`; the sandbox adds the metadata fields of the legacy
    // GET /oauth/v1/access-tokens/{token} (hub_id, scopes, expires_in, …). An unknown, expired or revoked
    // token is `{"active": false}` (RFC 7662 §2.2); a wrong client id/secret is a 400 like /token.
    { method: "POST", re: /^\/oauth\/v3\/token\/introspect$/, name: "oauth.token.introspect", auth: false, fn: async (ctx) => {
      const ct = ctx.req.headers["content-type"] ?? "";
      const text = await body(ctx);
      if (!ct.includes("application/x-www-form-urlencoded")) {
        sendJson(ctx.res, 400, { status: "BAD_REQUEST", message: "Content-Type must be application/x-www-form-urlencoded", correlationId: requestId() });
        return;
      }
      const form = new URLSearchParams(text);
      if (form.get("client_id") !== auth.clientId) { sendJson(ctx.res, 400, { status: "BAD_CLIENT_ID", message: "missing or unknown client_id", correlationId: requestId() }); return; }
      if (form.get("client_secret") !== auth.clientSecret) { sendJson(ctx.res, 400, { status: "BAD_CLIENT_SECRET", message: "missing or invalid client_secret", correlationId: requestId() }); return; }
      const token = form.get("token") ?? "";
      if (!token) { sendJson(ctx.res, 400, { status: "BAD_REQUEST", message: "token is required", correlationId: requestId() }); return; }
      const hint = form.get("token_type_hint");
      const now = clock.now();
      const t = hint === "refresh_token" ? undefined : auth.tokens.get(token);
      if (t && t.kind === "oauth" && !t.revoked && t.expiresAt !== null && t.expiresAt > now) {
        sendJson(ctx.res, 200, {
          active: true, token_type: "access", client_id: auth.clientId, hub_id: portalId, app_id: t.appId, user_id: t.userId,
          scopes: [...t.scopes], scope: [...t.scopes].join(" "), expires_in: Math.floor((t.expiresAt - now) / 1000), exp: Math.floor(t.expiresAt / 1000),
        });
        return;
      }
      const r = hint === "access_token" ? null : auth.refreshInfo(token);
      if (r) {
        sendJson(ctx.res, 200, { active: true, token_type: "refresh", client_id: r.clientId, hub_id: portalId, user_id: r.userId, scopes: r.scopes, scope: r.scopes.join(" ") });
        return;
      }
      sendJson(ctx.res, 200, { active: false });
    } },
    // Deprecated (developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/get-oauth-token-metadata):
    // still served so older clients keep working.
    { method: "GET", re: /^\/oauth\/v1\/access-tokens\/([^/]+)$/, name: "oauth.access-token-info", auth: false, fn: (ctx, m) => {
      const t = auth.tokens.get(decodeURIComponent(m[1]));
      const now = clock.now();
      if (!t || t.kind !== "oauth" || t.revoked || (t.expiresAt !== null && t.expiresAt <= now)) {
        throw new HsError(404, "OBJECT_NOT_FOUND", "Token not found or expired");
      }
      ok(ctx, 200, {
        token: t.token, user: "sandbox-user@example.com", hub_domain: `${portalName.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.sandbox.hubspot.local`,
        scopes: [...t.scopes], hub_id: portalId, app_id: t.appId, expires_in: Math.floor(((t.expiresAt ?? now) - now) / 1000),
        user_id: t.userId, token_type: "access",
      });
    } },
    { method: "GET", re: /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/, name: "oauth.refresh-token-info", auth: false, fn: (ctx, m) => {
      const r = auth.refreshInfo(decodeURIComponent(m[1]));
      if (!r) throw new HsError(404, "OBJECT_NOT_FOUND", "Refresh token not found");
      ok(ctx, 200, { token: r.token, user: "sandbox-user@example.com", hub_domain: "sandbox.hubspot.local", scopes: r.scopes, hub_id: portalId, client_id: r.clientId, user_id: r.userId, token_type: "refresh" });
    } },
    { method: "DELETE", re: /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/, name: "oauth.refresh-token-revoke", auth: false, fn: (ctx, m) => {
      if (auth.revokeRefresh(decodeURIComponent(m[1])) === 0) throw new HsError(404, "OBJECT_NOT_FOUND", "Refresh token not found");
      ctx.res.writeHead(204);
      ctx.res.end();
    } },
    { method: "POST", re: /^\/oauth\/v2\/private-apps\/get\/access-token-info$/, name: "private-apps.access-token-info", auth: false, fn: async (ctx) => {
      const b = parseJson(await body(ctx), z.object({ tokenKey: z.string().min(1) }).strict());
      const t = auth.tokens.get(b.tokenKey);
      if (!t || t.revoked || t.kind !== "private") throw new HsError(401, "INVALID_AUTHENTICATION", "The token key is not a valid private app access token.");
      ok(ctx, 200, { userId: t.userId, hubId: portalId, appId: t.appId, scopes: [...t.scopes] });
    } },
    { method: "GET", re: /^\/account-info\/v3\/details\/?$/, name: "account-info.details", auth: true, fn: (ctx) => {
      checkParams(ctx.url, []);
      ok(ctx, 200, {
        portalId, accountType: "STANDARD", timeZone: "US/Eastern", companyCurrency: "USD", additionalCurrencies: [],
        utcOffset: "-05:00", utcOffsetMilliseconds: -18_000_000, uiDomain: "app.hubspot.com", dataHostingLocation: "na1",
      });
    } },
    { method: "GET", re: /^\/crm\/v3\/owners\/?$/, name: "owners.list", auth: true, fn: (ctx) => {
      requireScopes(ctx, ["crm.objects.owners.read"]);
      checkParams(ctx.url, ["email", "after", "limit", "archived"]);
      const limit = intParam(ctx.url, "limit", 100, 1, 500);
      const after = intParam(ctx.url, "after", 0, 0, Number.MAX_SAFE_INTEGER);
      const archived = boolParam(ctx.url, "archived");
      const email = ctx.url.searchParams.get("email")?.toLowerCase();
      const all = store.owners.filter((o) => o.archived === archived && (!email || o.email.toLowerCase() === email));
      const page = all.slice(after, after + limit).map(renderOwner);
      const next = after + limit < all.length ? { next: { after: String(after + limit), link: `${baseUrl}/crm/v3/owners/?after=${after + limit}` } } : undefined;
      ok(ctx, 200, next ? { results: page, paging: next } : { results: page });
    } },
    { method: "GET", re: /^\/crm\/v3\/owners\/([^/]+)$/, name: "owners.get", auth: true, fn: (ctx, m) => {
      requireScopes(ctx, ["crm.objects.owners.read"]);
      checkParams(ctx.url, ["idProperty", "archived"]);
      const by = ctx.url.searchParams.get("idProperty") ?? "id";
      if (by !== "id" && by !== "userId") throw bad(`Invalid idProperty ${JSON.stringify(by)}: id or userId`, { in: "idProperty" });
      const archived = boolParam(ctx.url, "archived");
      const o = store.owners.find((x) => (by === "id" ? x.id === m[1] : String(x.userId) === m[1]) && x.archived === archived);
      if (!o) throw new HsError(404, "OBJECT_NOT_FOUND", `Owner ${m[1]} not found`);
      ok(ctx, 200, renderOwner(o));
    } },
    { method: "GET", re: /^\/crm\/v3\/properties\/([^/]+)\/groups\/?$/, name: "properties.groups.list", auth: true, fn: (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, schemaReadScopes(ts.type));
      checkParams(ctx.url, ["archived", "locale"]);
      ok(ctx, 200, { results: [...ts.groups.values()] });
    } },
    { method: "GET", re: /^\/crm\/v3\/properties\/([^/]+)\/groups\/([^/]+)$/, name: "properties.groups.get", auth: true, fn: (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, schemaReadScopes(ts.type));
      const g = ts.groups.get(decodeURIComponent(m[2]));
      if (!g) throw new HsError(404, "OBJECT_NOT_FOUND", `Unable to find property group ${m[2]} for object type ${ts.type}`);
      ok(ctx, 200, g);
    } },
    { method: "POST", re: /^\/crm\/v3\/properties\/([^/]+)\/groups\/?$/, name: "properties.groups.create", auth: true, fn: async (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [schemaWriteScope(ts.type)]);
      const b = parseJson(await body(ctx), ZGroupCreate);
      if (ts.groups.has(b.name)) throw new HsError(409, "OBJECT_ALREADY_EXISTS", `A property group named '${b.name}' already exists for object type ${ts.type}`);
      const g = { name: b.name, label: b.label, displayOrder: b.displayOrder ?? -1, archived: false };
      ts.groups.set(b.name, g);
      ok(ctx, 201, g);
    } },
    { method: "GET", re: /^\/crm\/v3\/properties\/([^/]+)\/?$/, name: "properties.list", auth: true, fn: (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, schemaReadScopes(ts.type));
      checkParams(ctx.url, ["archived", "properties", "locale", "dataSensitivity"]);
      const archived = boolParam(ctx.url, "archived");
      ok(ctx, 200, { results: [...ts.defs.values()].filter((d) => d.archived === archived) });
    } },
    { method: "GET", re: /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/, name: "properties.get", auth: true, fn: (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, schemaReadScopes(ts.type));
      checkParams(ctx.url, ["archived", "properties", "locale", "dataSensitivity"]);
      const d = ts.defs.get(decodeURIComponent(m[2]));
      if (!d) throw new HsError(404, "OBJECT_NOT_FOUND", `Unable to find property ${m[2]} for object type ${ts.type}`);
      ok(ctx, 200, d);
    } },
    { method: "POST", re: /^\/crm\/v3\/properties\/([^/]+)\/?$/, name: "properties.create", auth: true, fn: async (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [schemaWriteScope(ts.type)]);
      const text = await body(ctx);
      // Required PropertyCreate attributes (SDK PropertyCreate.d.ts: name, label, type, fieldType, groupName),
      // all missing ones named in one 400, as HubSpot's deserializer does.
      const raw = (() => { try { return JSON.parse(text) as unknown; } catch { return null; } })();
      if (raw && typeof raw === "object" && !Array.isArray(raw)) {
        const missing = ["name", "label", "type", "fieldType", "groupName"].filter((k) => (raw as Record<string, unknown>)[k] === undefined);
        if (missing.length) throw bad(`Invalid input JSON on line 1, column 1: Cannot build PropertyCreate, some of required attributes are not set [${missing.join(", ")}]`, { in: missing[0] });
      }
      const b = parseJson(text, ZPropertyCreate);
      if (ts.defs.has(b.name)) throw new HsError(409, "OBJECT_ALREADY_EXISTS", `Property named '${b.name}' already exists.`, { subCategory: "PropertyValidationError.PROPERTY_NAME_ALREADY_EXISTS" });
      if (!ts.groups.has(b.groupName)) throw bad(`Property group ${JSON.stringify(b.groupName)} does not exist for object type ${ts.type}`, { in: "groupName" });
      if (b.type === "enumeration" && !(b.options && b.options.length)) throw bad("options: enumeration properties need at least one option", { in: "options" });
      const def: PropertyDef = makeProperty(b.name, b.type, {
        label: b.label, fieldType: b.fieldType, groupName: b.groupName, hubspotDefined: false, at: new Date(clock.now()).toISOString(),
        description: b.description, displayOrder: b.displayOrder, hasUniqueValue: b.hasUniqueValue,
        options: (b.options ?? []).map((o, i) => ({ label: o.label, value: o.value, displayOrder: o.displayOrder ?? i, hidden: o.hidden, description: o.description })),
      });
      ts.defs.set(b.name, def);
      ok(ctx, 201, def);
    } },
    { method: "POST", re: /^\/crm\/v3\/objects\/([^/]+)\/search\/?$/, name: "objects.search", auth: true, search: true, fn: async (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [readScope(ts.type)]);
      const b = parseJson(await body(ctx), ZSearchRequest);
      const limit = b.limit ?? 10;
      const afterRaw = b.after === undefined || b.after === "" ? "0" : String(b.after);
      if (!/^\d+$/.test(afterRaw)) throw bad(`Invalid value for "after": ${JSON.stringify(b.after)}`, { in: "after" });
      const after = Number(afterRaw);
      if (after + limit > 10_000) {
        throw bad(`The maximum number of results per query is 10000: after (${after}) + limit (${limit}) exceeds it. Narrow the query (e.g. filter on ${ts.lastModified} GTE the last value seen).`, { in: "after" });
      }
      let props: string[] | null = null;
      if (b.properties && b.properties.length) props = b.properties;
      const key = `${ts.type}|${store.version}|${JSON.stringify([b.filterGroups ?? [], b.sorts ?? [], b.query ?? ""])}`;
      let matched = searchCache.get(key);
      if (!matched) {
        let pred, cmp;
        try {
          pred = compileFilters(ts, b.filterGroups);
          cmp = compileSort(ts, b.sorts);
        } catch (e) {
          if (e instanceof SearchError) throw bad(e.message);
          throw e;
        }
        const q = compileQuery(ts, b.query);
        matched = [];
        for (const id of ts.ids()) {
          const r = ts.recs.get(id)!;
          if (r.archivedAt === null && pred(r) && q(r)) matched.push(r);
        }
        matched.sort(cmp);
        if (searchCache.size > 16) searchCache.clear();
        searchCache.set(key, matched);
      }
      const page = matched.slice(after, after + limit).map((r) => render(ts, r, props));
      const res: Record<string, unknown> = { total: matched.length, results: injectMalformed(ts, page) };
      if (after + limit < matched.length) res.paging = { next: { after: String(after + limit) } };
      ok(ctx, 200, res);
    } },
    { method: "POST", re: /^\/crm\/v3\/objects\/([^/]+)\/batch\/read\/?$/, name: "objects.batch.read", auth: true, fn: async (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [readScope(ts.type)]);
      checkParams(ctx.url, ["archived"]);
      const archived = boolParam(ctx.url, "archived");
      const b = parseJson(await body(ctx), ZBatchRead);
      if (b.inputs.length > 100) throw bad(`inputs: at most 100 inputs per batch, got ${b.inputs.length}`, { in: "inputs" });
      if (b.idProperty && b.idProperty !== "hs_object_id") throw bad(`idProperty ${JSON.stringify(b.idProperty)} is not a unique-value property of ${ts.type}`, { in: "idProperty" });
      const startedAt = new Date(clock.now()).toISOString();
      const results: unknown[] = [];
      const missing: string[] = [];
      const seen = new Set<string>();
      for (const inp of b.inputs) {
        const id = String(inp.id);
        if (seen.has(id)) continue;
        seen.add(id);
        const r = liveRec(ts, id, archived);
        if (r) results.push(render(ts, r, b.properties && b.properties.length ? b.properties : null));
        else missing.push(id);
      }
      const out: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: new Date(clock.now()).toISOString() };
      if (missing.length) {
        out.numErrors = 1;
        out.errors = [{ status: "error", category: "OBJECT_NOT_FOUND", message: `Could not get some ${SINGULAR[ts.type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`, context: { ids: missing } }];
      }
      ok(ctx, missing.length ? 207 : 200, out);
    } },
    { method: "POST", re: /^\/crm\/v3\/objects\/([^/]+)\/batch\/update\/?$/, name: "objects.batch.update", auth: true, fn: async (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [writeScope(ts.type)]);
      const b = parseJson(await body(ctx), ZBatchUpdate);
      if (b.inputs.length > 100) throw bad(`inputs: at most 100 inputs per batch, got ${b.inputs.length}`, { in: "inputs" });
      const ids = b.inputs.map((i) => String(i.id));
      const dup = ids.find((id, i) => ids.indexOf(id) !== i);
      if (dup) throw bad(`Duplicate IDs found in batch input: [${dup}]. IDs must be unique`, { in: "inputs" });
      const validated = b.inputs.map((inp, i) => validateWrite(ts, inp.properties, `inputs[${i}]: `));
      const at = clock.now();
      const startedAt = new Date(at).toISOString();
      const results: unknown[] = [];
      const missing: string[] = [];
      b.inputs.forEach((inp, i) => {
        const r = liveRec(ts, String(inp.id));
        if (!r) { missing.push(String(inp.id)); return; }
        applyUpdate(ts, r, validated[i], at);
        results.push(render(ts, r, Object.keys(validated[i])));
      });
      const out: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: new Date(clock.now()).toISOString() };
      if (missing.length) {
        out.numErrors = 1;
        out.errors = [{ status: "error", category: "OBJECT_NOT_FOUND", message: `Could not get some ${SINGULAR[ts.type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`, context: { ids: missing } }];
      }
      ok(ctx, missing.length ? 207 : 200, out);
    } },
    { method: "GET", re: /^\/crm\/v3\/objects\/([^/]+)\/?$/, name: "objects.list", auth: true, fn: (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [readScope(ts.type)]);
      checkParams(ctx.url, ["limit", "after", "properties", "propertiesWithHistory", "associations", "archived"]);
      const limit = intParam(ctx.url, "limit", 10, 1, 100);
      const afterS = ctx.url.searchParams.get("after");
      if (afterS !== null && !/^\d+$/.test(afterS)) throw bad(`Invalid value for "after": ${JSON.stringify(afterS)}`, { in: "after" });
      const archived = boolParam(ctx.url, "archived");
      const props = listParam(ctx.url, "properties");
      const assocTypes = (listParam(ctx.url, "associations") ?? []).map((a) => {
        const t = resolveType(a);
        if (!t) throw bad(`Invalid value for "associations": unknown object type ${JSON.stringify(a)}`, { in: "associations" });
        return t;
      });
      const ids = ts.ids();
      let i = afterS === null ? 0 : ts.lowerBound(Number(afterS));
      const page: Rec[] = [];
      let next: number | null = null;
      for (; i < ids.length; i++) {
        const r = ts.recs.get(ids[i])!;
        if ((r.archivedAt !== null) !== archived) continue;
        if (page.length === limit) { next = r.id; break; }
        page.push(r);
      }
      const results = injectMalformed(ts, page.map((r) => render(ts, r, props, assocTypes)));
      const out: Record<string, unknown> = { results };
      if (next !== null) {
        const link = new URL(`${baseUrl}${ctx.url.pathname}`);
        for (const [k, v] of ctx.url.searchParams) if (k !== "after") link.searchParams.append(k, v);
        link.searchParams.set("after", String(next));
        out.paging = { next: { after: String(next), link: link.toString() } };
      }
      ok(ctx, 200, out);
    } },
    { method: "GET", re: /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/, name: "objects.get", auth: true, fn: (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [readScope(ts.type)]);
      checkParams(ctx.url, ["properties", "propertiesWithHistory", "associations", "archived", "idProperty"]);
      const r = liveRec(ts, m[2], boolParam(ctx.url, "archived"));
      if (!r) throw new HsError(404, "OBJECT_NOT_FOUND", `Object not found.  objectId are usually numeric.`, { context: { id: [m[2]] } });
      const assocTypes = (listParam(ctx.url, "associations") ?? []).map((a) => resolveType(a)).filter((t): t is ObjectType => t !== null);
      ok(ctx, 200, render(ts, r, listParam(ctx.url, "properties"), assocTypes));
    } },
    { method: "PATCH", re: /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/, name: "objects.update", auth: true, fn: async (ctx, m) => {
      const ts = typeOr404(m[1]);
      requireScopes(ctx, [writeScope(ts.type)]);
      const b = parseJson(await body(ctx), z.object({ properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])) }).strict());
      const props = validateWrite(ts, b.properties, "");
      const r = liveRec(ts, m[2]);
      if (!r) throw new HsError(404, "OBJECT_NOT_FOUND", "resource not found", { context: { id: [m[2]] } });
      applyUpdate(ts, r, props, clock.now());
      ok(ctx, 200, render(ts, r, Object.keys(props)));
    } },
    { method: "POST", re: /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/read\/?$/, name: "associations.v4.batch.read", auth: true, fn: async (ctx, m) => {
      const from = typeOr404(m[1]);
      const to = typeOr404(m[2]);
      requireScopes(ctx, [readScope(from.type)]);
      requireScopes(ctx, [readScope(to.type)]);
      const b = parseJson(await body(ctx), ZAssocBatchRead);
      if (b.inputs.length > 1000) throw bad(`inputs: at most 1000 inputs per batch, got ${b.inputs.length}`, { in: "inputs" });
      const startedAt = new Date(clock.now()).toISOString();
      const results: unknown[] = [];
      const errors: unknown[] = [];
      const typeId = associationTypeId(from.type, to.type);
      // Per-record paging (HubSpot's batch read reference: "The 'after' field in a returned paging object can
      // be added alongside the 'id' to retrieve the next page of associations from that objectId"; paging is
      // absent on the last page). Page size: limits.associationsPageSize (default 500).
      const pageSize = limits.associationsPageSize;
      for (const inp of b.inputs) {
        const id = String(inp.id);
        const r = liveRec(from, id);
        const toIds = r ? store.associated(from.type, r.id, to.type).filter((x) => to.recs.get(x)?.archivedAt === null) : [];
        if (!r || toIds.length === 0) {
          errors.push({ status: "error", category: "OBJECT_NOT_FOUND", subCategory: "crm.associations.NO_ASSOCIATIONS_FOUND",
            context: { fromObjectId: [id] }, message: `No ${SINGULAR[to.type]} is associated with ${SINGULAR[from.type]} ${id}.` });
          continue;
        }
        const start = inp.after === undefined ? 0 : decodeAssocCursor(inp.after);
        if (start === null) throw bad(`Invalid value for "after": ${JSON.stringify(inp.after)}`, { in: "inputs.after" });
        const page = toIds.slice(start, start + pageSize);
        const result: Record<string, unknown> = { from: { id }, to: page.map((x) => ({ toObjectId: x, associationTypes: [{ category: "HUBSPOT_DEFINED", typeId, label: null }] })) };
        if (start + pageSize < toIds.length) result.paging = { next: { after: encodeAssocCursor(start + pageSize) } };
        results.push(result);
      }
      const out: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: new Date(clock.now()).toISOString() };
      if (errors.length) { out.numErrors = errors.length; out.errors = errors; }
      ok(ctx, errors.length ? 207 : 200, out);
    } },
    { method: "GET", re: /^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/([^/]+)$/, name: "associations.v4.list", auth: true, fn: (ctx, m) => {
      const from = typeOr404(m[1]);
      const to = typeOr404(m[3]);
      requireScopes(ctx, [readScope(from.type)]);
      checkParams(ctx.url, ["after", "limit"]);
      const limit = intParam(ctx.url, "limit", 500, 1, 500);
      const afterRaw = ctx.url.searchParams.get("after");
      const after = afterRaw === null ? 0 : decodeAssocCursor(afterRaw);
      if (after === null) throw bad(`Invalid value for "after": ${JSON.stringify(afterRaw)}`, { in: "after" });
      const r = liveRec(from, m[2]);
      if (!r) throw new HsError(404, "OBJECT_NOT_FOUND", `${SINGULAR[from.type]} ${m[2]} not found`);
      const all = store.associated(from.type, r.id, to.type);
      const typeId = associationTypeId(from.type, to.type);
      const out: Record<string, unknown> = { results: all.slice(after, after + limit).map((x) => ({ toObjectId: x, associationTypes: [{ category: "HUBSPOT_DEFINED", typeId, label: null }] })) };
      if (after + limit < all.length) out.paging = { next: { after: encodeAssocCursor(after + limit), link: `${baseUrl}${ctx.url.pathname}?after=${encodeAssocCursor(after + limit)}` } };
      ok(ctx, 200, out);
    } },
  ];

  function renderOwner(o: (typeof store.owners)[number]): Record<string, unknown> {
    return { id: o.id, email: o.email, type: "PERSON", firstName: o.firstName, lastName: o.lastName, userId: o.userId, userIdIncludingInactive: o.userId,
      createdAt: o.createdAt, updatedAt: o.updatedAt, archived: o.archived, teams: [] };
  }

  // ---------- limits & faults ----------
  let revokeCountdown = faults.revokeTokenAfter;
  let expireCountdown = faults.expireTokenAfter;

  /**
   * Rate limits of one token, the way HubSpot documents them (developers.hubspot.com/docs/api/usage-details;
   * changelog "Rate limit headers will now appear for OAuth authenticated calls"; changelog "Burst limits are
   * increasing…": the CRM Search API is limited separately):
   * - every authenticated response outside search carries `X-HubSpot-RateLimit-Interval-Milliseconds` (10000),
   *   `-Max`, `-Remaining` and the deprecated `-Secondly`/`-Secondly-Remaining`; private-app tokens also
   *   `-Daily`/`-Daily-Remaining` (OAuth calls have no daily limit, so no daily headers). With limits off
   *   (`limits.enabled = false`) requests are still counted for the headers but never refused;
   * - search requests count toward their own per-second limit (and the daily budget), never toward the
   *   ten-second window, and carry no rate-limit headers (as HubSpot users report for /search);
   * - a refused request is not counted anywhere; its 429 carries `Retry-After` in seconds (time until the
   *   ten-second window frees a slot, 1 for the per-second limit, until UTC midnight for the daily one).
   * Unauthenticated endpoints (OAuth token exchange/introspection, private-app token info) never get here.
   * Returns the headers for the response, or sends the 429 and returns null.
   */
  function rateLimit(res: ServerResponse, token: TokenRecord, isSearch: boolean): Record<string, string> | null {
    const enforce = limits.enabled;
    const now = Date.now();
    const today = clock.now();
    if (enforce && daily.remaining(token.token, limits.daily, today) === 0) {
      send429(res, "DAILY", "You have reached your daily limit.", { "Retry-After": String(Math.max(1, Math.ceil((86_400_000 - (today % 86_400_000)) / 1000))) });
      return null;
    }
    if (isSearch) {
      const s = perSec.tryTake(token.token, limits.searchPerSecond, now);
      if (enforce && !s.allowed) { send429(res, "SECONDLY", "You have reached your secondly limit.", { "Retry-After": "1" }); return null; }
      daily.tryTake(token.token, limits.daily, today);
      return {};
    }
    const max = token.kind === "oauth" ? limits.oauthTenSecondly : limits.tenSecondly;
    const t = tenSec.tryTake(token.token, max, now);
    const secondly = Math.max(1, Math.floor(max / 10));
    const h: Record<string, string> = {
      "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
      "X-HubSpot-RateLimit-Max": String(max),
      "X-HubSpot-RateLimit-Remaining": String(t.remaining),
      "X-HubSpot-RateLimit-Secondly": String(secondly),
      "X-HubSpot-RateLimit-Secondly-Remaining": String(Math.max(0, secondly - tenSec.countWithin(token.token, now, 1000))),
    };
    if (enforce && !t.allowed) {
      if (token.kind === "private") {
        h["X-HubSpot-RateLimit-Daily"] = String(limits.daily);
        h["X-HubSpot-RateLimit-Daily-Remaining"] = String(daily.remaining(token.token, limits.daily, today));
      }
      h["Retry-After"] = String(Math.max(1, Math.ceil(tenSec.msUntilFree(token.token, max, now) / 1000)));
      send429(res, "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.", h);
      return null;
    }
    const d = daily.tryTake(token.token, limits.daily, today);
    if (token.kind === "private") {
      h["X-HubSpot-RateLimit-Daily"] = String(limits.daily);
      h["X-HubSpot-RateLimit-Daily-Remaining"] = String(d.remaining);
    }
    return h;
  }

  function send429(res: ServerResponse, policyName: string, message: string, headers: Record<string, string>): void {
    bump("http.429");
    sendJson(res, 429, { status: "error", message, errorType: "RATE_LIMIT", correlationId: requestId(), policyName, groupName: `publicapi:private-app:${auth.appId}` }, headers);
  }

  async function handleAsync(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req);
    const method = (req.method ?? "GET").toUpperCase();
    // Date-versioned paths (/crm/objects/2026-03/…) are answered by their legacy equivalent (versions.ts).
    const path = legacyPath(url.pathname) ?? `/__unknown-api-version${url.pathname}`;
    let route: Route | undefined;
    let match: RegExpMatchArray | null = null;
    let pathMatched = false;
    for (const r of routes) {
      const mm = path.match(r.re);
      if (!mm) continue;
      pathMatched = true;
      if (r.method === method) { route = r; match = mm; break; }
    }
    bump("requests");
    bump(route ? `${route.method} ${route.name}` : "unmatched");
    if (path !== url.pathname) bump("dated-path");

    // faults first: what the network and HubSpot's edge do before any handler
    if (faults.dropRate > 0 && dice() < faults.dropRate) { bump("fault.drop"); req.socket.destroy(); return; }
    const delay = latency.fixedMs + (latency.jitterMs > 0 ? dice() * latency.jitterMs : 0) + faults.slowMs;
    if (delay > 0) await sleep(delay);
    if (faults.errorRate5xx > 0 && dice() < faults.errorRate5xx) {
      bump("fault.5xx");
      const status = dice() < 0.5 ? 502 : 503;
      sendJson(res, status, { status: "error", message: status === 502 ? "Bad Gateway: internal error, please retry." : "Service Unavailable: please retry.", correlationId: requestId(), category: "INTERNAL_ERROR" });
      return;
    }
    if (faults.rateLimitStormUntil !== null && clock.now() < faults.rateLimitStormUntil) {
      bump("fault.storm");
      send429(res, "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.", {
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": String(limits.tenSecondly), "X-HubSpot-RateLimit-Remaining": "0",
        "Retry-After": String(Math.max(1, Math.min(10, Math.ceil((faults.rateLimitStormUntil - clock.now()) / 1000)))) });
      return;
    }

    if (!route || !match) {
      if (pathMatched) throw new HsError(405, "VALIDATION_ERROR", `Method ${method} is not allowed on ${path}`);
      throw new HsError(404, "OBJECT_NOT_FOUND", `Unable to find a route for ${method} ${path}`);
    }
    const ctx: Ctx = { req, res, url, token: null, rlHeaders: {} };
    if (route.auth) {
      const a = auth.authenticate(req.headers.authorization, clock.now());
      if (!a.ok) throw new HsError(401, a.category, a.message);
      if (revokeCountdown !== null) {
        if (revokeCountdown <= 0) {
          a.token.revoked = true;
          revokeCountdown = null;
          faults.revokeTokenAfter = null;
          bump("fault.revoked");
          throw new HsError(401, "INVALID_AUTHENTICATION", "The access token provided has been revoked.");
        }
        revokeCountdown--;
      }
      if (expireCountdown !== null) {
        if (expireCountdown <= 0) {
          auth.expireAllAccess(clock.now());
          expireCountdown = null;
          faults.expireTokenAfter = null;
          bump("fault.expired");
          if (a.token.kind === "oauth") throw new HsError(401, "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired 0 minute(s) ago.");
        } else expireCountdown--;
      }
      ctx.token = a.token;
      const h = rateLimit(res, a.token, !!route.search);
      if (h === null) return;
      ctx.rlHeaders = h;
    }
    await route.fn(ctx, match);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    handleAsync(req, res).catch((e: unknown) => {
      if (e instanceof HsError) {
        bump(`http.${e.status}`);
        sendJson(res, e.status, { status: "error", message: e.message, correlationId: requestId(), category: e.category, ...e.extra });
        return;
      }
      bump("http.500");
      sendJson(res, 500, { status: "error", message: "internal error", correlationId: requestId(), category: "INTERNAL_ERROR" });
      console.error("[sandbox:hubspot]", e);
    });
  }

  // ---------- control ----------
  async function mutate(mu: HubspotMutation): Promise<{ id: string; object: unknown; deliveries: DeliveryResult[] }> {
    if (!isObjectType(mu.type)) throw new ControlError(`unknown HubSpot object type ${JSON.stringify(mu.type)}`);
    const ts = store.types[mu.type];
    const at = clock.now();
    const events: (HubspotWebhookEvent | null)[] = [];
    let rec: Rec;
    const props = (p: Record<string, string | null> | undefined) => {
      try {
        return validateWrite(ts, p ?? {}, "");
      } catch (e) {
        if (e instanceof HsError) throw new ControlError(e.message);
        throw e;
      }
    };
    if (mu.op === "create") {
      const id = mu.id !== undefined ? Number(mu.id) : ts.nextId;
      if (!Number.isSafeInteger(id) || id <= 0 || ts.recs.has(id)) throw new ControlError(`id ${mu.id} is not a free numeric id`);
      const p = props(mu.properties);
      rec = { id, created: at, updated: at, archivedAt: null, values: [] };
      for (const [k, v] of Object.entries(p)) ts.set(rec, k, v);
      ts.insert(rec);
      store.version++;
      events.push(event(ts.type, "creation", id));
    } else {
      if (mu.id === undefined) throw new ControlError(`${mu.op} needs an id`);
      const r = liveRec(ts, String(mu.id));
      if (!r) throw new ControlError(`no live ${ts.type} record with id ${mu.id}`);
      rec = r;
      if (mu.op === "update") {
        const changed = applyUpdate(ts, rec, props(mu.properties), at);
        for (const [k, v] of changed) events.push(event(ts.type, "propertyChange", rec.id, { propertyName: k, propertyValue: v ?? "" }));
      } else if (mu.op === "delete") {
        rec.archivedAt = at;
        rec.updated = at;
        store.version++;
        events.push(event(ts.type, "deletion", rec.id));
      } else throw new ControlError(`unknown op ${JSON.stringify(mu.op)}`);
    }
    for (const [toType, ids] of Object.entries(mu.associations ?? {})) {
      if (!isObjectType(toType)) throw new ControlError(`associations: unknown object type ${toType}`);
      for (const id of ids) {
        if (!store.types[toType].recs.has(Number(id))) throw new ControlError(`associations.${toType}: no record ${id}`);
        store.associate(ts.type, rec.id, toType, Number(id));
      }
    }
    const evs = events.filter((e): e is HubspotWebhookEvent => e !== null);
    const deliveries = await deliverHubspotWebhooks(evs, webhook, auth.clientSecret);
    for (const d of deliveries) bump(d.status !== null && d.status < 300 ? "webhook.delivered" : "webhook.failed");
    return { id: String(rec.id), object: render(ts, rec, [...ts.defs.keys()]), deliveries };
  }

  function bulkTouch(b: { type: ObjectType; ids?: string[]; count?: number; sameTimestamp?: boolean }): { touched: number; timestamp: number } {
    if (!isObjectType(b.type)) throw new ControlError(`unknown HubSpot object type ${JSON.stringify(b.type)}`);
    const ts = store.types[b.type];
    const at = clock.now();
    let targets: Rec[];
    if (b.ids) {
      targets = b.ids.map((id) => {
        const r = liveRec(ts, id);
        if (!r) throw new ControlError(`no live ${ts.type} record with id ${id}`);
        return r;
      });
    } else {
      const n = b.count ?? Infinity;
      targets = [];
      for (const id of ts.ids()) {
        if (targets.length >= n) break;
        const r = ts.recs.get(id)!;
        if (r.archivedAt === null) targets.push(r);
      }
      if (b.count !== undefined && targets.length < b.count) throw new ControlError(`only ${targets.length} live ${ts.type} records, asked for ${b.count}`);
    }
    targets.forEach((r, i) => { r.updated = b.sameTimestamp === false ? at + i : at; });
    store.version++;
    return { touched: targets.length, timestamp: at };
  }

  return {
    handle,
    store,
    activityWrites,
    auth,
    setBaseUrl(u: string) { baseUrl = u.replace(/\/$/, ""); },
    info() {
      const port = Number(new URL(baseUrl).port) || 80;
      return {
        baseUrl, port, privateAppToken: auth.privateAppToken, portalId, portalName,
        tokens: { ...auth.extraTokens },
        oauth: {
          clientId: auth.clientId, clientSecret: auth.clientSecret, appId: auth.appId,
          authorizeUrl: `${baseUrl}/oauth/authorize`, tokenUrl: `${baseUrl}/oauth/v1/token`, introspectUrl: `${baseUrl}/oauth/v3/token/introspect`,
          scopes: [...ALL_SCOPES], accessTokenTtlSeconds: 1800, redirectUris: "any http(s) URL",
        },
        webhook: { clientSecret: auth.clientSecret, signatureVersion: "v3", ...webhook },
        limits: { ...limits, windowMs: 10_000 },
        faults: { ...faults },
        latency: { ...latency },
        counts: store.counts(),
      };
    },
    control: {
      setFaults(f) {
        faults = { ...faults, ...f };
        if ("revokeTokenAfter" in f) revokeCountdown = f.revokeTokenAfter ?? null;
        if ("expireTokenAfter" in f) expireCountdown = f.expireTokenAfter ?? null;
        return { ...faults };
      },
      setLimits(l) {
        limits = { ...limits, ...l };
        return { ...limits };
      },
      setWebhook(w) {
        webhook = { ...webhook, ...w };
        return { ...webhook };
      },
      mutate,
      bulkTouch,
      revokeRefreshTokens: (token?: string) => auth.revokeRefresh(token),
      stats: () => ({ ...stats }),
      resetLimits() { tenSec.reset(); perSec.reset(); daily.reset(); },
    },
  };
}

export { OBJECT_TYPES };
