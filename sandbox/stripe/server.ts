/**
 * The Stripe sandbox: an HTTP handler that answers the Stripe REST API (v1, as stripe-node 23.1.0
 * calls it, default `Stripe-Version: 2026-10-28.endive`) and Connect OAuth over an in-memory
 * portfolio, so the official SDK runs unchanged against it:
 * `new Stripe(key, { host: "127.0.0.1", port, protocol: "http" })`.
 *
 * Endpoints (GET unless noted; docs: https://docs.stripe.com/api):
 * - `/v1/account`, `/v1/accounts/:id`, `/v1/balance`
 * - `/v1/customers`, `/v1/customers/:id` (deleted → `{id, object, deleted: true}`), `/v1/customers/search`
 * - `/v1/subscriptions` (canceled only with `status=all|canceled|ended`), `/:id`, `/search`
 * - `/v1/invoices`, `/:id`, `/search`; `/v1/charges`, `/:id`, `/search`
 * - `/v1/events` (last 30 days of sandbox time only), `/v1/events/:id`
 * - `/v1/products`, `/:id`; `/v1/prices`, `/:id`; `/v1/payment_methods`, `/:id`
 * - `/oauth/authorize` (auto-approves: 302 to `redirect_uri?code&scope&state`), `POST /oauth/token`,
 *   `POST /oauth/deauthorize`.
 * Lists: `{object: "list", data, has_more, url}`, newest first, `limit` 1-100, `starting_after` /
 * `ending_before`, `created` filters, `expand[]` (lists: `data.…`, max 4 levels); unknown
 * parameters → 400 `parameter_unknown`. Errors: see errors.ts. Every response is JSON with
 * `Request-Id` and `Stripe-Version` headers.
 *
 * Writes go through `control.mutate` (not the API): they update the store, append an Event
 * (`created` = sandbox now) and deliver it as a signed webhook when a URL is set.
 *
 * stripe-node and OAuth: `stripe.oauth.token()` / `deauthorize()` go to the configured `host`,
 * `port` and `protocol` when `host` is overridden (StripeResource `resolveBaseAddress`), so they
 * reach the sandbox; `stripe.oauth.authorizeUrl()` always builds `https://<host>/oauth/authorize`
 * without port or protocol — the connector must build the authorize URL itself from a configurable
 * base (`info().connect.authorizeUrl`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { SandboxClock } from "../core/clock";
import { NO_FAULTS, type FaultConfig, type LatencyConfig, type WebhookDelivery } from "../core/types";
import { StripeApiError, invalidParam, maskKey, noSuch, unrecognizedUrl } from "./errors";
import { keyTable, makeCredentials, derive, type KeyInfo, type Permission } from "./keys";
import { checkAllowed, asString, decodeParams, parseExpand, parseLimit, parseRange, parseStringList, type Params } from "./params";
import {
  ZStripeCharge,
  ZStripeCustomer,
  ZStripeInvoice,
  ZStripePrice,
  ZStripeProduct,
  ZStripeSubscription,
  type StripePortfolio,
} from "./portfolio";
import { DEFAULT_STRIPE_LIMITS, SlidingWindowLimiter, type StripeLimits } from "./rate-limit";
import { ExpandError, applyExpand, invoiceSubscriptionId, render, renderAccount, renderEventForWebhook, type RenderCtx } from "./render";
import { compileSearch, decodePage, encodePage } from "./search";
import { OBJECT_NAME, StripeStore, pageOf, type Rec, type Resource } from "./store";
import { WebhookSender } from "./webhooks";
import { PINNED_API_VERSION, atVersion, parseApiVersion } from "./versions";

export type { StripePortfolio } from "./portfolio";
export type { StripeLimits } from "./rate-limit";

/** The API version stripe-node 23.1.0 pins; the account default unless the portfolio sets `api_version`. */
export const STRIPE_API_VERSION = PINNED_API_VERSION;
/** Events older than this (sandbox time) are neither listed nor retrievable. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

export type StripeSandboxOptions = {
  portfolio: StripePortfolio;
  clock: SandboxClock;
  limits?: Partial<StripeLimits>;
  latency?: LatencyConfig;
  faults?: Partial<FaultConfig>;
  webhook?: Partial<StripeWebhookDelivery>;
  baseUrl: string;
  credentials?: Partial<{ secretKey: string; liveSecretKey: string; connectClientId: string; webhookSecret: string }>;
};

/** A mutation through the control API. `type`: customer(s), subscription(s), invoice(s), charge(s), product(s), price(s). */
export type StripeMutation = { type: string; op: "create" | "update" | "delete"; id?: string; data?: Record<string, unknown> };

/**
 * Webhook delivery settings of the Stripe sandbox: the shared ones plus the endpoint's `apiVersion`
 * (Stripe's webhook endpoint `api_version`: "Events sent to this endpoint will be generated with this
 * Stripe Version instead of your account's default Stripe Version"); null = the account default.
 */
export type StripeWebhookDelivery = WebhookDelivery & { apiVersion?: string | null };

export type StripeSandbox = {
  handle(req: IncomingMessage, res: ServerResponse): void;
  info(): Record<string, unknown>;
  setBaseUrl(url: string): void;
  control: {
    setFaults(f: Partial<FaultConfig>): void;
    setLimits(l: object): void;
    setWebhook(w: Partial<StripeWebhookDelivery>): void;
    mutate(op: StripeMutation): Promise<unknown>;
    stats(): Record<string, number>;
  };
};

const ZLimitsPatch = z
  .object({ enabled: z.boolean(), testRps: z.number().positive(), liveRps: z.number().positive(), searchRps: z.number().positive(), endpointRps: z.number().positive().nullable() })
  .partial()
  .strict();

type Reply = { status: number; body: unknown; headers?: Record<string, string> };
type ApiCtx = { key: KeyInfo; params: Params; rctx: RenderCtx; path: string };
type Route = {
  re: RegExp;
  /** Permission a restricted key needs; null = any key. */
  perm: Permission | null;
  search?: boolean;
  run: (ctx: ApiCtx, m: RegExpExecArray) => unknown;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LIST_PARAMS = ["limit", "starting_after", "ending_before", "expand", "created"] as const;
const SUB_STATUSES = ["active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"];
const RESOURCE_ALIASES: Record<string, Resource> = {
  customer: "customers",
  customers: "customers",
  subscription: "subscriptions",
  subscriptions: "subscriptions",
  invoice: "invoices",
  invoices: "invoices",
  charge: "charges",
  charges: "charges",
  product: "products",
  products: "products",
  price: "prices",
  prices: "prices",
};
const ID_PREFIX: Partial<Record<Resource, string>> = { customers: "cus_", subscriptions: "sub_", invoices: "in_", charges: "ch_", products: "prod_", prices: "price_" };
const MUTATION_SCHEMAS = {
  customers: ZStripeCustomer,
  subscriptions: ZStripeSubscription,
  invoices: ZStripeInvoice,
  charges: ZStripeCharge,
  products: ZStripeProduct,
  prices: ZStripePrice,
} as const;

/**
 * Creates the Stripe sandbox over `opts.portfolio` (already validated with parseStripePortfolio).
 * Mount `handle` on an http server; `info()` is the `stripe` section of /__sandbox/info.
 */
export function createStripeSandbox(opts: StripeSandboxOptions): StripeSandbox {
  const { clock } = opts;
  const account = opts.portfolio.account;
  // The account's default API version (portfolio `api_version`, else the pinned one): requests without
  // `Stripe-Version` are answered in it and new events are rendered in it.
  const accountApiVersion = opts.portfolio.api_version ?? PINNED_API_VERSION;
  if (parseApiVersion(accountApiVersion) !== accountApiVersion)
    throw new Error(`stripe api_version '${accountApiVersion}' is not a Stripe API version (e.g. 2024-06-20, ${PINNED_API_VERSION}) or is later than the pinned one`);
  let webhookApiVersion: string | null = null;
  const store = new StripeStore(opts.portfolio);
  const creds = makeCredentials(account.id, opts.credentials);
  const keys = keyTable(creds);
  const revoked = new Set<string>();
  let baseUrl = opts.baseUrl.replace(/\/$/, "");
  let limits: StripeLimits = { ...DEFAULT_STRIPE_LIMITS, ...opts.limits };
  let faults: FaultConfig = { ...NO_FAULTS, ...opts.faults };
  const latency: LatencyConfig = opts.latency ?? { fixedMs: 0, jitterMs: 0 };
  const limiter = new SlidingWindowLimiter();
  const webhooks = new WebhookSender(creds.webhookSecret);
  const setWebhookConfig = (w: Partial<StripeWebhookDelivery>) => {
    const { apiVersion, ...rest } = w;
    if (apiVersion !== undefined) {
      if (apiVersion !== null && parseApiVersion(apiVersion) === null) throw new Error(`stripe webhook: invalid apiVersion '${apiVersion}'`);
      webhookApiVersion = apiVersion;
    }
    webhooks.config = { ...webhooks.config, ...rest };
  };
  setWebhookConfig(opts.webhook ?? {});
  let revokeCountdown = faults.revokeTokenAfter;
  let expireCountdown = faults.expireTokenAfter;
  let idSeq = 0;
  let oauthSeq = 0;
  const counters = { requests: 0, ok: 0, clientErrors: 0, serverErrors: 0, rateLimited: 0, dropped: 0, unauthorized: 0, mutations: 0 };
  const oauthCodes = new Map<string, { scope: "read_only" | "read_write"; expiresAt: number; redirectUri: string }>();
  const refreshTokens = new Map<string, { scope: "read_only" | "read_write"; accountId: string }>();
  const connected = new Set<string>();

  // Ids grow with creation order (like Stripe's time-prefixed ids), so records created in the
  // same second still list newest first (list order tie-breaks on id desc).
  const newId = (prefix: string) => {
    for (;;) {
      const seq = idSeq++;
      const id = `${prefix}1Sbx${seq.toString(36).padStart(6, "0")}${derive(account.id, `id/${prefix}/${seq}`, 10)}`;
      if (!store.find(id)) return id;
    }
  };
  const retentionStart = () => clock.nowSeconds() - EVENT_RETENTION_SECONDS;
  const pruneEvents = () => store.collections.events.pruneOlderThan(retentionStart() - 86_400);

  // ---------- lists, retrieval, search ----------

  function malformedFor(resource: Resource): boolean {
    return faults.malformedRecordIn.some((t) => t === resource || t === OBJECT_NAME[resource]);
  }

  function injectMalformed(resource: Resource, data: Record<string, unknown>[]): void {
    if (!malformedFor(resource) || data.length === 0) return;
    // A copy of a real record with a broken `created` and no id, placed before the page's last
    // record so `starting_after` paging keeps working.
    const i = Math.floor(data.length / 2) === data.length - 1 ? data.length - 1 : Math.floor(data.length / 2);
    const bad: Record<string, unknown> = { ...data[i], created: "oops" };
    delete bad.id;
    data.splice(i, 0, bad);
  }

  function expandAll(objs: Record<string, unknown>[], paths: string[], isList: boolean, rctx: RenderCtx): void {
    for (const p of paths) {
      if (isList && p === "total_count") continue;
      let path = p;
      if (isList) {
        if (!p.startsWith("data.")) throw invalidParam("expand", `This property cannot be expanded (${p}). You may want to try expanding 'data.${p}' instead.`, "expand_invalid");
        path = p.slice(5);
      }
      try {
        for (const o of objs) applyExpand(o, path, rctx, { listPrefix: isList });
      } catch (e) {
        if (e instanceof ExpandError) throw invalidParam("expand", e.message, "expand_invalid");
        throw e;
      }
    }
  }

  function cursorRec(resource: Resource, params: Params, name: "starting_after" | "ending_before"): Rec | undefined {
    const id = asString(params, name);
    if (id === undefined || id === "") return undefined;
    const rec = store.collections[resource].get(id);
    if (!rec || rec.deleted) throw noSuch(OBJECT_NAME[resource], id, name, 400);
    return rec;
  }

  function list(
    ctx: ApiCtx,
    resource: Resource,
    extra: readonly string[],
    build: (p: Params) => { arr?: Rec[]; filter?: (r: Rec) => boolean; minCreated?: number },
  ): unknown {
    const { params } = ctx;
    checkAllowed(params, [...LIST_PARAMS, ...extra]);
    const limit = parseLimit(params);
    const range = parseRange(params, "created") ?? { min: -Infinity, max: Infinity };
    const startingAfter = cursorRec(resource, params, "starting_after");
    const endingBefore = cursorRec(resource, params, "ending_before");
    if (startingAfter && endingBefore)
      throw invalidParam("ending_before", "You may only specify one of these parameters: starting_after, ending_before.", "parameter_invalid");
    const expand = parseExpand(params);
    const b = build(params);
    if (b.minCreated !== undefined) range.min = Math.max(range.min, b.minCreated);
    const page = pageOf(b.arr ?? store.collections[resource].sorted, { range, startingAfter, endingBefore, limit, filter: b.filter });
    const data = page.data.map((r) => render(resource, r, ctx.rctx));
    expandAll(data, expand, true, ctx.rctx);
    injectMalformed(resource, data);
    return { object: "list", data, has_more: page.hasMore, url: `/v1/${resource}` };
  }

  function retrieve(ctx: ApiCtx, resource: Resource, id: string): unknown {
    checkAllowed(ctx.params, ["expand"]);
    const rec = store.collections[resource].get(id);
    if (!rec || (rec.deleted && resource !== "customers")) throw noSuch(OBJECT_NAME[resource], id, "id");
    if (resource === "events" && rec.created < retentionStart()) throw noSuch("event", id, "id");
    const obj = render(resource, rec, ctx.rctx);
    if (!rec.deleted) expandAll([obj], parseExpand(ctx.params), false, ctx.rctx);
    return obj;
  }

  function search(ctx: ApiCtx, resource: Resource): unknown {
    const { params } = ctx;
    checkAllowed(params, ["query", "limit", "page", "expand"]);
    const query = asString(params, "query");
    if (query === undefined) throw invalidParam("query", "Missing required param: query.", "parameter_missing");
    const pred = compileSearch(resource, query);
    const limit = parseLimit(params);
    const pageParam = asString(params, "page");
    const offset = pageParam ? decodePage(pageParam) : 0;
    const expand = parseExpand(params);
    const all = store.collections[resource].sorted;
    const hits: Rec[] = [];
    let seen = 0;
    let total = 0;
    const wantTotal = expand.includes("total_count");
    for (const r of all) {
      if (!pred(r)) continue;
      total++;
      if (seen++ < offset) continue;
      if (hits.length <= limit) hits.push(r);
      else if (!wantTotal) break;
    }
    const hasMore = hits.length > limit;
    const data = hits.slice(0, limit).map((r) => render(resource, r, ctx.rctx));
    expandAll(data, expand, true, ctx.rctx);
    injectMalformed(resource, data);
    const out: Record<string, unknown> = { object: "search_result", data, has_more: hasMore, next_page: hasMore ? encodePage(offset + limit) : null, url: `/v1/${resource}/search` };
    if (wantTotal) out.total_count = total;
    return out;
  }

  const byCustomer = (resource: Resource, params: Params): Rec[] | undefined => {
    const c = asString(params, "customer");
    return c === undefined ? undefined : (store.collections[resource].byCustomer.get(c) ?? []);
  };
  const eqFilter = (params: Params, name: string, field = name): ((r: Rec) => boolean) | undefined => {
    const v = asString(params, name);
    return v === undefined ? undefined : (r) => r[field] === v;
  };
  const all = (...fs: (((r: Rec) => boolean) | undefined)[]) => {
    const list = fs.filter((f): f is (r: Rec) => boolean => !!f);
    return list.length === 0 ? undefined : (r: Rec) => list.every((f) => f(r));
  };
  const boolFilter = (params: Params, name: string): ((r: Rec) => boolean) | undefined => {
    const v = asString(params, name);
    if (v === undefined) return undefined;
    if (v !== "true" && v !== "false") throw invalidParam(name, `Invalid boolean: ${v}`, "parameter_invalid_boolean");
    return (r) => (r[name] ?? true) === (v === "true");
  };

  const routes: Route[] = [
    { re: /^\/v1\/account$/, perm: null, run: (c) => (checkAllowed(c.params, ["expand"]), renderAccount(c.rctx)) },
    {
      re: /^\/v1\/accounts\/([^/]+)$/,
      perm: null,
      run: (c, m) => {
        checkAllowed(c.params, ["expand"]);
        if (m[1] !== account.id) throw noSuch("account", m[1], "account");
        return renderAccount(c.rctx);
      },
    },
    {
      re: /^\/v1\/balance$/,
      perm: "rak_balance_read",
      run: (c) => {
        checkAllowed(c.params, ["expand"]);
        const cur = account.default_currency ?? "usd";
        const zero = [{ amount: 0, currency: cur, source_types: { card: 0 } }];
        const b = opts.portfolio.balance ?? { available: zero, pending: zero };
        return { object: "balance", connect_reserved: [{ amount: 0, currency: cur }], ...b, livemode: c.rctx.livemode };
      },
    },
    { re: /^\/v1\/customers\/search$/, perm: "rak_customer_read", search: true, run: (c) => search(c, "customers") },
    {
      re: /^\/v1\/customers$/,
      perm: "rak_customer_read",
      run: (c) => list(c, "customers", ["email", "test_clock"], (p) => ({ filter: eqFilter(p, "email") })),
    },
    { re: /^\/v1\/customers\/([^/]+)$/, perm: "rak_customer_read", run: (c, m) => retrieve(c, "customers", m[1]) },
    { re: /^\/v1\/subscriptions\/search$/, perm: "rak_subscription_read", search: true, run: (c) => search(c, "subscriptions") },
    {
      re: /^\/v1\/subscriptions$/,
      perm: "rak_subscription_read",
      run: (c) =>
        list(c, "subscriptions", ["customer", "price", "status", "collection_method", "test_clock", "automatic_tax", "current_period_start", "current_period_end"], (p) => {
          const status = asString(p, "status");
          if (status !== undefined && !SUB_STATUSES.includes(status))
            throw invalidParam("status", `Invalid status: must be one of ${SUB_STATUSES.join(", ")}`, "parameter_invalid_string");
          const statusF =
            status === "all"
              ? undefined
              : status === undefined
                ? (r: Rec) => r.status !== "canceled"
                : status === "ended"
                  ? (r: Rec) => r.status === "canceled" || r.status === "incomplete_expired"
                  : (r: Rec) => r.status === status;
          const price = asString(p, "price");
          const priceF = price === undefined ? undefined : (r: Rec) => ((r.items as { data: { price: unknown }[] }).data ?? []).some((it) => (typeof it.price === "string" ? it.price : (it.price as Rec).id) === price);
          const ps = parseRange(p, "current_period_start");
          const pe = parseRange(p, "current_period_end");
          const periodF =
            ps || pe
              ? (r: Rec) => {
                  const it = ((r.items as { data: Rec[] }).data ?? [])[0];
                  const s = Number(it?.current_period_start);
                  const e = Number(it?.current_period_end);
                  return (!ps || (s >= ps.min && s <= ps.max)) && (!pe || (e >= pe.min && e <= pe.max));
                }
              : undefined;
          return { arr: byCustomer("subscriptions", p), filter: all(statusF, priceF, periodF, eqFilter(p, "collection_method")) };
        }),
    },
    { re: /^\/v1\/subscriptions\/([^/]+)$/, perm: "rak_subscription_read", run: (c, m) => retrieve(c, "subscriptions", m[1]) },
    { re: /^\/v1\/invoices\/search$/, perm: "rak_invoice_read", search: true, run: (c) => search(c, "invoices") },
    {
      re: /^\/v1\/invoices$/,
      perm: "rak_invoice_read",
      run: (c) =>
        list(c, "invoices", ["customer", "subscription", "status", "collection_method", "due_date", "test_clock"], (p) => {
          const status = asString(p, "status");
          if (status !== undefined && !["draft", "open", "paid", "uncollectible", "void"].includes(status))
            throw invalidParam("status", "Invalid status: must be one of draft, open, paid, uncollectible, or void", "parameter_invalid_string");
          const sub = asString(p, "subscription");
          const subF = sub === undefined ? undefined : (r: Rec) => invoiceSubscriptionId(r) === sub;
          return { arr: byCustomer("invoices", p), filter: all(eqFilter(p, "status"), subF, eqFilter(p, "collection_method")) };
        }),
    },
    { re: /^\/v1\/invoices\/([^/]+)$/, perm: "rak_invoice_read", run: (c, m) => retrieve(c, "invoices", m[1]) },
    { re: /^\/v1\/charges\/search$/, perm: "rak_charge_read", search: true, run: (c) => search(c, "charges") },
    {
      re: /^\/v1\/charges$/,
      perm: "rak_charge_read",
      run: (c) => list(c, "charges", ["customer", "payment_intent", "transfer_group"], (p) => ({ arr: byCustomer("charges", p), filter: all(eqFilter(p, "payment_intent"), eqFilter(p, "transfer_group")) })),
    },
    { re: /^\/v1\/charges\/([^/]+)$/, perm: "rak_charge_read", run: (c, m) => retrieve(c, "charges", m[1]) },
    {
      re: /^\/v1\/events$/,
      perm: "rak_event_read",
      run: (c) =>
        list(c, "events", ["type", "types", "delivery_success"], (p) => {
          pruneEvents();
          const type = asString(p, "type");
          const types = parseStringList(p, "types");
          if (type !== undefined && types !== undefined) throw invalidParam("types", "You may only specify one of these parameters: type, types.", "parameter_invalid");
          if (types && types.length > 20) throw invalidParam("types", "You may pass at most 20 event types.", "parameter_invalid");
          const match = (pattern: string) => {
            if (pattern.endsWith(".*")) {
              const prefix = pattern.slice(0, -1);
              return (t: string) => t.startsWith(prefix);
            }
            return (t: string) => t === pattern;
          };
          const matchers = (type !== undefined ? [type] : (types ?? [])).map(match);
          return { minCreated: retentionStart(), filter: matchers.length ? (r: Rec) => matchers.some((f) => f(String(r.type))) : undefined };
        }),
    },
    { re: /^\/v1\/events\/([^/]+)$/, perm: "rak_event_read", run: (c, m) => retrieve(c, "events", m[1]) },
    {
      re: /^\/v1\/products$/,
      perm: "rak_product_read",
      run: (c) =>
        list(c, "products", ["active", "ids", "shippable", "url"], (p) => {
          const ids = parseStringList(p, "ids");
          return { filter: all(boolFilter(p, "active"), ids ? (r: Rec) => ids.includes(r.id) : undefined) };
        }),
    },
    { re: /^\/v1\/products\/([^/]+)$/, perm: "rak_product_read", run: (c, m) => retrieve(c, "products", m[1]) },
    {
      re: /^\/v1\/prices$/,
      perm: "rak_price_read",
      run: (c) =>
        list(c, "prices", ["active", "currency", "product", "type", "lookup_keys", "recurring"], (p) => {
          const type = asString(p, "type");
          const typeF = type === undefined ? undefined : (r: Rec) => (r.recurring ? "recurring" : "one_time") === type;
          return { filter: all(boolFilter(p, "active"), eqFilter(p, "currency"), eqFilter(p, "product"), typeF) };
        }),
    },
    { re: /^\/v1\/prices\/([^/]+)$/, perm: "rak_price_read", run: (c, m) => retrieve(c, "prices", m[1]) },
    {
      re: /^\/v1\/payment_methods$/,
      perm: "rak_payment_method_read",
      run: (c) => list(c, "payment_methods", ["customer", "type"], (p) => ({ filter: all(eqFilter(p, "customer"), eqFilter(p, "type")) })),
    },
    { re: /^\/v1\/payment_methods\/([^/]+)$/, perm: "rak_payment_method_read", run: (c, m) => retrieve(c, "payment_methods", m[1]) },
  ];

  // ---------- auth, limits, faults ----------

  function authenticate(req: IncomingMessage): KeyInfo {
    const h = req.headers.authorization;
    let key: string | undefined;
    if (h?.startsWith("Bearer ")) key = h.slice(7).trim();
    else if (h?.startsWith("Basic ")) key = Buffer.from(h.slice(6), "base64").toString("utf8").split(":")[0];
    if (!key) {
      throw new StripeApiError(
        401,
        "invalid_request_error",
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      );
    }
    const info = keys.get(key);
    if (!info) throw new StripeApiError(401, "invalid_request_error", `Invalid API Key provided: ${maskKey(key)}`, "api_key_invalid");
    if (revoked.has(key))
      throw new StripeApiError(401, "invalid_request_error", `Expired API Key provided: ${maskKey(key)}. Application access may have been revoked.`, "api_key_expired");
    if (info.kind === "publishable")
      throw new StripeApiError(401, "invalid_request_error", "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.", "secret_key_required");
    return info;
  }

  function countdowns(key: KeyInfo): void {
    if (revokeCountdown !== null) {
      if (revokeCountdown <= 0) {
        revoked.add(key.key);
        revokeCountdown = null;
        throw new StripeApiError(401, "invalid_request_error", `Expired API Key provided: ${maskKey(key.key)}. Application access may have been revoked.`, "api_key_expired");
      }
      revokeCountdown--;
    }
    if (key.kind === "oauth" && expireCountdown !== null) {
      if (expireCountdown <= 0) {
        revoked.add(key.key);
        throw new StripeApiError(401, "invalid_request_error", `Expired API Key provided: ${maskKey(key.key)}. Application access may have been revoked.`, "api_key_expired");
      }
      expireCountdown--;
    }
  }

  function rateLimitError(reason: string): StripeApiError {
    return new StripeApiError(
      429,
      "invalid_request_error",
      "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
      "rate_limit",
      undefined,
      { "Stripe-Rate-Limited-Reason": reason },
    );
  }

  function checkLimits(key: KeyInfo, endpoint: string, isSearch: boolean): void {
    if (faults.rateLimitStormUntil !== null && faults.rateLimitStormUntil > clock.now()) throw rateLimitError("global-rate");
    if (!limits.enabled) return;
    const now = Date.now();
    const buckets: { name: string; limit: number; reason: "global-rate" | "endpoint-rate" }[] = [
      { name: `g:${key.key}`, limit: key.mode === "live" ? limits.liveRps : limits.testRps, reason: "global-rate" },
    ];
    if (isSearch) buckets.push({ name: `s:${key.key}`, limit: limits.searchRps, reason: "endpoint-rate" });
    if (limits.endpointRps !== null) buckets.push({ name: `e:${key.key}:${endpoint}`, limit: limits.endpointRps, reason: "endpoint-rate" });
    const refused = limiter.admit(buckets, now);
    if (refused) throw rateLimitError(refused);
  }

  /**
   * The API version of a request: its `Stripe-Version` header, else the account default
   * (docs.stripe.com/api/versioning). @throws StripeApiError 400 api_version_invalid for a value that
   * is not a version or names a version later than the pinned one.
   */
  function requestVersion(req: IncomingMessage): string {
    const raw = req.headers["stripe-version"];
    if (typeof raw !== "string") return accountApiVersion;
    const v = parseApiVersion(raw);
    if (v === null) throw new StripeApiError(400, "invalid_request_error", `Invalid Stripe API version: ${raw}`, "api_version_invalid");
    return v;
  }

  async function api(req: IncomingMessage, url: URL): Promise<Reply> {
    const key = authenticate(req);
    const apiVersion = requestVersion(req);
    const acct = req.headers["stripe-account"];
    if (typeof acct === "string" && acct !== account.id)
      throw new StripeApiError(
        403,
        "invalid_request_error",
        `The provided key '${maskKey(key.key)}' does not have access to account '${acct}' (or that account does not exist). Application access may have been revoked.`,
        "account_invalid",
      );
    countdowns(key);
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/\/+$/, "") || "/";
    let route: Route | undefined;
    let m: RegExpExecArray | null = null;
    for (const r of routes) {
      m = r.re.exec(path);
      if (m) {
        route = r;
        break;
      }
    }
    checkLimits(key, route ? `${method} ${route.re.source}` : `${method} ${path}`, !!route?.search);
    if (faults.errorRate5xx > 0 && Math.random() < faults.errorRate5xx)
      throw new StripeApiError(500, "api_error", "An unknown error occurred on Stripe's end. Please try again; if the problem persists, contact support.");
    if (!route || !m) throw unrecognizedUrl(method, url.pathname);
    if (method !== "GET")
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `The Stripe sandbox is read-only over the API (${method} ${url.pathname}); change records with the sandbox control API (control.mutate).`,
      );
    if (route.perm && key.permissions && !key.permissions.has(route.perm))
      throw new StripeApiError(
        403,
        "invalid_request_error",
        `The provided key '${maskKey(key.key)}' does not have the required permissions for this endpoint on account '${account.id}'. Having the '${route.perm}' permission would allow this request to continue.`,
      );
    const params = decodeParams(url.searchParams);
    const rctx: RenderCtx = { livemode: key.mode === "live", store, account, apiVersion, accountApiVersion };
    // Rendered at the pinned version, then converted to the requested one (versions.ts).
    return { status: 200, body: atVersion(route.run({ key, params, rctx, path }, m), apiVersion) };
  }

  // ---------- Connect OAuth (https://docs.stripe.com/connect/oauth-reference) ----------

  const oauthError = (status: number, error: string, description: string): Reply => ({ status, body: { error, error_description: description } });

  function platformAuthorized(req: IncomingMessage, form: URLSearchParams): boolean {
    const h = req.headers.authorization;
    const bearer = h?.startsWith("Bearer ") ? h.slice(7).trim() : h?.startsWith("Basic ") ? Buffer.from(h.slice(6), "base64").toString("utf8").split(":")[0] : undefined;
    const secret = bearer ?? form.get("client_secret") ?? undefined;
    return secret === creds.secretKey || secret === creds.liveSecretKey;
  }

  function issueToken(scope: "read_only" | "read_write"): Record<string, unknown> {
    const n = oauthSeq++;
    const accessToken = `sk_test_51${derive(account.id, `oauth/at/${n}`, 96)}`;
    const refreshToken = `rt_${derive(account.id, `oauth/rt/${n}`, 48)}`;
    keys.set(accessToken, { key: accessToken, mode: "test", kind: "oauth", permissions: null, accountId: account.id, scope });
    refreshTokens.set(refreshToken, { scope, accountId: account.id });
    connected.add(account.id);
    return {
      access_token: accessToken,
      livemode: false,
      refresh_token: refreshToken,
      scope,
      stripe_publishable_key: creds.publishableKey,
      stripe_user_id: account.id,
      token_type: "bearer",
    };
  }

  async function oauth(req: IncomingMessage, url: URL): Promise<Reply> {
    const method = req.method ?? "GET";
    if (method === "GET" && (url.pathname === "/oauth/authorize" || url.pathname === "/express/oauth/authorize")) {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri");
      const state = q.get("state");
      if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return oauthError(400, "invalid_request", "redirect_uri is required (an absolute http(s) URL).");
      const back = (params: Record<string, string>): Reply => {
        const u = new URL(redirectUri);
        for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
        if (state !== null) u.searchParams.set("state", state);
        return { status: 302, body: { redirect: u.toString() }, headers: { Location: u.toString() } };
      };
      if (q.get("client_id") !== creds.connectClientId) return back({ error: "invalid_client", error_description: `No such application: '${q.get("client_id") ?? ""}'` });
      if ((q.get("response_type") ?? "code") !== "code") return back({ error: "unsupported_response_type", error_description: "response_type must be code" });
      const scope = q.get("scope") ?? "read_only";
      if (scope !== "read_only" && scope !== "read_write") return back({ error: "invalid_scope", error_description: `Invalid scope: ${scope}` });
      const code = `ac_${randomBytes(18).toString("base64url")}`;
      oauthCodes.set(code, { scope, expiresAt: clock.now() + 5 * 60_000, redirectUri });
      return back({ code, scope });
    }
    if (method === "POST" && (url.pathname === "/oauth/token" || url.pathname === "/oauth/deauthorize")) {
      const form = new URLSearchParams(await readBody(req));
      if (!platformAuthorized(req, form)) return oauthError(401, "invalid_client", "No valid client_secret (your platform's secret key) was provided.");
      if (url.pathname === "/oauth/deauthorize") {
        if (form.get("client_id") !== creds.connectClientId) return oauthError(400, "invalid_client", `No such application: '${form.get("client_id") ?? ""}'`);
        const user = form.get("stripe_user_id");
        if (!user || !connected.has(user)) return oauthError(400, "invalid_client", `This application is not connected to stripe account ${user ?? ""}, or that account does not exist.`);
        connected.delete(user);
        for (const k of keys.values()) if (k.kind === "oauth" && k.accountId === user) revoked.add(k.key);
        for (const [rt, v] of refreshTokens) if (v.accountId === user) refreshTokens.delete(rt);
        return { status: 200, body: { stripe_user_id: user } };
      }
      const grant = form.get("grant_type");
      if (grant === "authorization_code") {
        const code = form.get("code") ?? "";
        const c = oauthCodes.get(code);
        if (!c) return oauthError(400, "invalid_grant", `Authorization code does not exist: ${code}`);
        oauthCodes.delete(code);
        if (c.expiresAt < clock.now()) return oauthError(400, "invalid_grant", `Authorization code expired: ${code}`);
        return { status: 200, body: issueToken(c.scope) };
      }
      if (grant === "refresh_token") {
        const rt = form.get("refresh_token") ?? "";
        const r = refreshTokens.get(rt);
        if (!r) return oauthError(400, "invalid_grant", `Refresh token does not exist: ${rt}`);
        const scope = (form.get("scope") as "read_only" | "read_write" | null) ?? r.scope;
        if (scope === "read_write" && r.scope === "read_only") return oauthError(400, "invalid_scope", "Cannot widen a read_only connection to read_write.");
        refreshTokens.delete(rt);
        return { status: 200, body: issueToken(scope) };
      }
      return oauthError(400, "unsupported_grant_type", `Unsupported grant type: ${grant ?? ""}`);
    }
    return { status: 404, body: { error: "invalid_request", error_description: `Unrecognized request URL (${method}: ${url.pathname}).` } };
  }

  // ---------- HTTP plumbing ----------

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const requestId = `req_${randomBytes(10).toString("base64url").replace(/[-_]/g, "x").slice(0, 14)}`;
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    if (faults.dropRate > 0 && Math.random() < faults.dropRate) {
      counters.dropped++;
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    try {
      const isOAuth = url.pathname.startsWith("/oauth/") || url.pathname.startsWith("/express/oauth/");
      reply = isOAuth ? await oauth(req, url) : await api(req, url);
    } catch (e) {
      const err =
        e instanceof StripeApiError
          ? e
          : new StripeApiError(500, "api_error", `An unknown error occurred on Stripe's end (${e instanceof Error ? e.message : String(e)}).`);
      reply = { status: err.status, body: err.body(requestId), headers: err.headers };
    }
    if (reply.status === 429) counters.rateLimited++;
    if (reply.status === 401) counters.unauthorized++;
    if (reply.status >= 500) counters.serverErrors++;
    else if (reply.status >= 400) counters.clientErrors++;
    else counters.ok++;
    const delay = latency.fixedMs + (latency.jitterMs > 0 ? Math.random() * latency.jitterMs : 0) + faults.slowMs;
    if (delay > 0) await sleep(delay);
    if (res.destroyed) return;
    const body = JSON.stringify(reply.body, null, 2) + "\n";
    res.writeHead(reply.status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(body),
      "Request-Id": requestId,
      "Stripe-Version": typeof req.headers["stripe-version"] === "string" ? req.headers["stripe-version"] : accountApiVersion,
      "Cache-Control": "no-cache, no-store",
      ...reply.headers,
    });
    res.end(body);
  }

  // ---------- mutations ----------

  function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
    const prev: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k] ?? null;
    }
    return prev;
  }

  /**
   * Appends an event. `object` is the stored record (a snapshot: records are replaced, never changed
   * in place); it is rendered when the event is read, in the event's `api_version` = the account
   * default now. The webhook delivery is rendered in the endpoint's version when it has one.
   */
  function emit(type: string, object: Rec, previous?: Record<string, unknown>): Rec {
    const ev: Rec = {
      id: newId("evt_"),
      object: "event",
      api_version: accountApiVersion,
      created: clock.nowSeconds(),
      data: previous ? { object, previous_attributes: previous } : { object },
      livemode: false,
      pending_webhooks: webhooks.config.url ? 1 : 0,
      request: { id: null, idempotency_key: null },
      type,
    };
    store.collections.events.put(ev);
    if (webhooks.config.url) {
      const rctx: RenderCtx = { livemode: false, store, account, apiVersion: accountApiVersion, accountApiVersion };
      webhooks.enqueue(JSON.stringify(renderEventForWebhook(ev, rctx, webhookApiVersion), null, 2));
    }
    return ev;
  }

  function eventsFor(resource: Resource, op: "create" | "update" | "delete", before: Rec | undefined, after: Rec): string[] {
    const obj = OBJECT_NAME[resource];
    if (resource === "customers" || resource === "products" || resource === "prices") return [`${obj}.${op === "create" ? "created" : op === "update" ? "updated" : "deleted"}`];
    if (resource === "subscriptions") return [`customer.subscription.${op === "create" ? "created" : op === "update" ? "updated" : "deleted"}`];
    if (resource === "charges") {
      const status = String(after.status);
      const terminal = status === "succeeded" ? ["charge.succeeded"] : status === "failed" ? ["charge.failed"] : ["charge.pending"];
      if (op === "create") return terminal;
      return before?.status !== after.status ? [...terminal, "charge.updated"] : ["charge.updated"];
    }
    // invoices
    if (op === "delete") return ["invoice.deleted"];
    const out = op === "create" ? ["invoice.created"] : ["invoice.updated"];
    const wasPaid = before?.status === "paid";
    if (after.status === "paid" && !wasPaid) out.push("invoice.paid", "invoice.payment_succeeded");
    else if (after.status === "void" && before?.status !== "void") out.push("invoice.voided");
    else if (after.status === "uncollectible" && before?.status !== "uncollectible") out.push("invoice.marked_uncollectible");
    else if (after.status !== "paid" && Number(after.attempt_count ?? 0) > Number(before?.attempt_count ?? 0)) out.push("invoice.payment_failed");
    return out;
  }

  async function mutate(op: StripeMutation): Promise<unknown> {
    const resource = RESOURCE_ALIASES[op.type];
    if (!resource) throw new Error(`stripe mutate: unsupported type '${op.type}' (customers, subscriptions, invoices, charges, products, prices)`);
    const coll = store.collections[resource];
    const rctx: RenderCtx = { livemode: false, store, account, apiVersion: PINNED_API_VERSION, accountApiVersion };
    const data = { ...(op.data ?? {}) };
    const validate = (rec: Record<string, unknown>): Rec => {
      const r = MUTATION_SCHEMAS[resource as keyof typeof MUTATION_SCHEMAS].safeParse(rec);
      if (!r.success) {
        const i = r.error.issues[0];
        throw new Error(`stripe mutate ${op.op} ${OBJECT_NAME[resource]}: ${i.path.map(String).join(".") || "(record)"}: ${i.message}`);
      }
      if (typeof rec.customer === "string" && resource !== "customers" && !store.collections.customers.get(rec.customer))
        throw new Error(`stripe mutate ${op.op} ${OBJECT_NAME[resource]}: customer: unknown customer '${rec.customer}'`);
      return rec as Rec;
    };
    let before: Rec | undefined;
    let after: Rec;
    if (op.op === "create") {
      const id = (typeof data.id === "string" ? data.id : undefined) ?? newId(ID_PREFIX[resource] ?? "obj_");
      if (store.find(id)) throw new Error(`stripe mutate create: id '${id}' already exists`);
      const rec: Record<string, unknown> = { ...data, id, object: OBJECT_NAME[resource], created: typeof data.created === "number" ? data.created : clock.nowSeconds() };
      if (resource === "subscriptions" && rec.items && typeof rec.items === "object") {
        const items = rec.items as { data?: Record<string, unknown>[] };
        rec.items = { object: "list", ...items, data: (items.data ?? []).map((it) => ({ id: newId("si_"), ...it })) };
      }
      after = validate(rec);
    } else {
      if (!op.id) throw new Error(`stripe mutate ${op.op}: id is required`);
      before = coll.get(op.id);
      if (!before || before.deleted) throw new Error(`stripe mutate ${op.op}: no such ${OBJECT_NAME[resource]} '${op.id}'`);
      if (op.op === "update") {
        const merged: Record<string, unknown> = { ...before, ...data, id: before.id, object: before.object, created: before.created };
        if (data.metadata && typeof data.metadata === "object") merged.metadata = { ...((before.metadata as object) ?? {}), ...(data.metadata as object) };
        after = validate(merged);
      } else if (resource === "subscriptions") {
        const now = clock.nowSeconds();
        after = { ...before, status: "canceled", canceled_at: (before.canceled_at as number | null | undefined) ?? now, ended_at: now, cancel_at_period_end: false };
      } else if (resource === "charges") {
        throw new Error("stripe mutate delete: charges cannot be deleted (refund or update them instead)");
      } else {
        after = { id: before.id, object: before.object, created: before.created, deleted: true };
      }
    }
    const beforeObj = before ? render(resource, before, rctx) : undefined;
    coll.put(after);
    counters.mutations++;
    const afterObj = after.deleted ? (beforeObj ?? render(resource, after, rctx)) : render(resource, after, rctx);
    const prev = op.op === "update" && beforeObj ? diff(beforeObj, afterObj) : undefined;
    // The event carries the record (a deleted one as it was before the deletion).
    const snapshot = after.deleted && before ? before : after;
    for (const type of eventsFor(resource, op.op, before, after)) emit(type, snapshot, type.endsWith(".updated") ? prev : undefined);
    return after.deleted ? render(resource, after, rctx) : afterObj;
  }

  return {
    handle(req, res) {
      serve(req, res).catch(() => {
        // Last resort: never let one request take the process down.
        if (!res.headersSent) {
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: { type: "api_error", message: "Internal sandbox error." } }));
        } else res.destroy();
      });
    },
    info() {
      const port = (() => {
        try {
          const u = new URL(baseUrl);
          return Number(u.port || (u.protocol === "https:" ? 443 : 80));
        } catch {
          return 0;
        }
      })();
      return {
        baseUrl,
        port,
        secretKey: creds.secretKey,
        liveSecretKey: creds.liveSecretKey,
        restrictedKeys: { ...creds.restrictedKeys },
        publishableKey: creds.publishableKey,
        accountId: account.id,
        accountName: account.business_profile.name,
        connect: {
          clientId: creds.connectClientId,
          authorizeUrl: `${baseUrl}/oauth/authorize`,
          tokenUrl: `${baseUrl}/oauth/token`,
          deauthorizeUrl: `${baseUrl}/oauth/deauthorize`,
          clientSecret: "the platform secret key (secretKey)",
        },
        webhook: { secret: creds.webhookSecret, ...webhooks.config, apiVersion: webhookApiVersion },
        limits: { ...limits },
        apiVersion: PINNED_API_VERSION,
        accountApiVersion,
        eventRetentionDays: EVENT_RETENTION_SECONDS / 86_400,
        counts: countsNow(),
      };
    },
    setBaseUrl(url) {
      baseUrl = url.replace(/\/$/, "");
    },
    control: {
      setFaults(f) {
        faults = { ...faults, ...f };
        if ("revokeTokenAfter" in f) revokeCountdown = f.revokeTokenAfter ?? null;
        if ("expireTokenAfter" in f) expireCountdown = f.expireTokenAfter ?? null;
      },
      setLimits(l) {
        const patch = ZLimitsPatch.parse(l);
        limits = { ...limits, ...patch };
        limiter.clear();
      },
      setWebhook(w) {
        setWebhookConfig(w);
      },
      mutate,
      stats() {
        return {
          ...counters,
          webhooksDelivered: webhooks.stats.delivered,
          webhooksFailed: webhooks.stats.failed,
          webhookAttempts: webhooks.stats.attempts,
          webhooksPending: webhooks.stats.pending,
          ...countsNow(),
        };
      },
    },
  };

  function countsNow(): Record<string, number> {
    return {
      customers: store.collections.customers.size,
      subscriptions: store.collections.subscriptions.size,
      invoices: store.collections.invoices.size,
      charges: store.collections.charges.size,
      products: store.collections.products.size,
      prices: store.collections.prices.size,
      events: store.collections.events.size,
    };
  }
}

function readBody(req: IncomingMessage, max = 1_000_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new StripeApiError(413, "invalid_request_error", "Request body too large."));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
