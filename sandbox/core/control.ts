/**
 * The sandbox control API, served under `/__sandbox/*` on BOTH ports (HubSpot and Stripe) and
 * exposed in-process as `sandbox.control`. JSON in, JSON out; no auth (the servers listen on
 * loopback). Bad input answers 400 `{error: "<what is wrong>"}`.
 *
 * Routes:
 * - `GET  /__sandbox/info`   → SandboxInfo (see sandbox/index.ts)
 * - `GET  /__sandbox/stats`  → `{hubspot: {"<METHOD> <route>": n, …}, stripe: {…}}`
 * - `POST /__sandbox/clock`  `{advanceMs}` | `{setMs}` | `{set: ISO}` | `{speed}` → clock JSON
 * - `POST /__sandbox/faults` `{vendor, ...Partial<FaultConfig>, rateLimitStormForMs?}` → active faults
 * - `POST /__sandbox/limits` `{vendor, ...limits}` (`{vendor, reset: true}` clears the counters)
 * - `POST /__sandbox/webhooks` `{vendor, url, duplicate?, outOfOrder?}`
 * - `POST /__sandbox/records` HubSpot `{vendor:"hubspot", type, op, id?, properties?, associations?}`,
 *   Stripe `{vendor:"stripe", type, op, id?, data?}` (delegated to the Stripe sandbox)
 * - `POST /__sandbox/hubspot/bulk-touch` `{type, ids? | count?, sameTimestamp?}`
 * - `POST /__sandbox/hubspot/revoke-refresh-tokens` `{token?}` (all when omitted)
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { SandboxClock } from "./clock";
import { parseUrl, readBody, sendJson } from "./http";
import type { FaultConfig, WebhookDelivery } from "./types";

export type Vendor = "hubspot" | "stripe";

/** What a vendor sandbox exposes to the control API. */
export type VendorControl = {
  setFaults(f: Partial<FaultConfig>): unknown;
  setLimits(l: Record<string, unknown>): unknown;
  setWebhook(w: Partial<WebhookDelivery>): unknown;
  mutate(op: Record<string, unknown>): Promise<unknown>;
  stats(): Record<string, number>;
  resetLimits?(): void;
};

/** Extra HubSpot-only controls. */
export type HubspotExtraControl = {
  bulkTouch(b: { type: string; ids?: string[]; count?: number; sameTimestamp?: boolean }): unknown;
  revokeRefreshTokens(token?: string): number;
};

/** Thrown for bad control input (HTTP 400). */
export class ControlInputError extends Error {}

const ZVendor = z.enum(["hubspot", "stripe"]);
const ZFaults = z.object({
  vendor: ZVendor,
  errorRate5xx: z.number().min(0).max(1).optional(),
  dropRate: z.number().min(0).max(1).optional(),
  rateLimitStormUntil: z.number().nullable().optional(),
  rateLimitStormForMs: z.number().min(0).optional(),
  slowMs: z.number().min(0).optional(),
  malformedRecordIn: z.array(z.string()).optional(),
  revokeTokenAfter: z.number().int().min(0).nullable().optional(),
  expireTokenAfter: z.number().int().min(0).nullable().optional(),
}).strict();
const ZClock = z.union([
  z.object({ advanceMs: z.number() }).strict(),
  z.object({ setMs: z.number() }).strict(),
  z.object({ set: z.iso.datetime({ offset: true }) }).strict(),
  z.object({ speed: z.number().min(0) }).strict(),
]);
const ZWebhook = z.object({ vendor: ZVendor, url: z.url().nullable(), duplicate: z.boolean().optional(), outOfOrder: z.boolean().optional() }).strict();
const ZLimits = z.looseObject({ vendor: ZVendor, reset: z.boolean().optional() });
const ZRecords = z.looseObject({ vendor: ZVendor, type: z.string(), op: z.enum(["create", "update", "delete"]), id: z.string().optional() });
const ZBulkTouch = z.object({
  type: z.string(), ids: z.array(z.string()).optional(), count: z.number().int().min(0).optional(), sameTimestamp: z.boolean().optional(),
}).strict();

/** The in-process control surface (`sandbox.control`). */
export type SandboxControl = {
  clock: { advance(ms: number): unknown; set(ms: number): unknown; setSpeed(speed: number): unknown; now(): number };
  setFaults(vendor: Vendor, f: Partial<FaultConfig> & { rateLimitStormForMs?: number }): unknown;
  setLimits(vendor: Vendor, l: Record<string, unknown>): unknown;
  resetLimits(vendor?: Vendor): void;
  setWebhook(vendor: Vendor, w: Partial<WebhookDelivery>): unknown;
  /** HubSpot: `{type, op, id?, properties?, associations?}`; Stripe: `{type, op, id?, data?}`. */
  mutate(vendor: Vendor, op: Record<string, unknown>): Promise<unknown>;
  bulkTouch(b: { type: string; ids?: string[]; count?: number; sameTimestamp?: boolean }): unknown;
  revokeRefreshTokens(token?: string): number;
  stats(): Record<Vendor, Record<string, number>>;
  info(): unknown;
};

/** Builds the control surface over the clock and the vendor sandboxes. */
export function createControl(parts: {
  clock: SandboxClock;
  hubspot: VendorControl & HubspotExtraControl;
  stripe: VendorControl | null;
  info: () => unknown;
}): SandboxControl {
  const vendor = (v: Vendor): VendorControl => {
    if (v === "hubspot") return parts.hubspot;
    if (!parts.stripe) throw new ControlInputError("the Stripe sandbox is not available in this build");
    return parts.stripe;
  };
  return {
    clock: {
      advance: (ms) => { parts.clock.advance(ms); return parts.clock.toJSON(); },
      set: (ms) => { parts.clock.set(ms); return parts.clock.toJSON(); },
      setSpeed: (s) => { parts.clock.setSpeed(s); return parts.clock.toJSON(); },
      now: () => parts.clock.now(),
    },
    setFaults(v, f) {
      const { rateLimitStormForMs, ...rest } = f;
      const faults: Partial<FaultConfig> = { ...rest };
      if (rateLimitStormForMs !== undefined) faults.rateLimitStormUntil = parts.clock.now() + rateLimitStormForMs;
      return vendor(v).setFaults(faults);
    },
    setLimits: (v, l) => vendor(v).setLimits(l),
    resetLimits(v) {
      for (const x of v ? [v] : (["hubspot", "stripe"] as Vendor[])) {
        if (x === "stripe" && !parts.stripe) continue;
        vendor(x).resetLimits?.();
      }
    },
    setWebhook: (v, w) => vendor(v).setWebhook(w),
    mutate: (v, op) => vendor(v).mutate(op),
    bulkTouch: (b) => parts.hubspot.bulkTouch(b),
    revokeRefreshTokens: (t) => parts.hubspot.revokeRefreshTokens(t),
    stats: () => ({ hubspot: parts.hubspot.stats(), stripe: parts.stripe ? parts.stripe.stats() : {} }),
    info: parts.info,
  };
}

function parse<T>(schema: z.ZodType<T>, text: string): T {
  let raw: unknown;
  try {
    raw = text ? JSON.parse(text) : {};
  } catch {
    throw new ControlInputError("body is not valid JSON");
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ControlInputError(`${i.path.join(".") || "(body)"}: ${i.message}`);
  }
  return r.data;
}

/**
 * HTTP handler for `/__sandbox/*`. Errors thrown by vendor controls (e.g. "no live companies
 * record with id 9") answer 400; TypeError/ReferenceError (bugs) answer 500.
 */
export function createControlHandler(control: SandboxControl): (req: IncomingMessage, res: ServerResponse) => void {
  async function run(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = parseUrl(req).pathname.replace(/\/$/, "");
    const method = req.method ?? "GET";
    if (method === "GET" && path === "/__sandbox/info") return sendJson(res, 200, control.info());
    if (method === "GET" && path === "/__sandbox/stats") return sendJson(res, 200, control.stats());
    if (method !== "POST") return sendJson(res, 404, { error: `no control route ${method} ${path}` });
    const text = await readBody(req);
    const reply = (r: unknown) => sendJson(res, 200, r === undefined ? { ok: true } : r);
    switch (path) {
      case "/__sandbox/clock": {
        const b = parse(ZClock, text);
        if ("advanceMs" in b) return reply(control.clock.advance(b.advanceMs));
        if ("setMs" in b) return reply(control.clock.set(b.setMs));
        if ("set" in b) return reply(control.clock.set(Date.parse(b.set)));
        return reply(control.clock.setSpeed(b.speed));
      }
      case "/__sandbox/faults": {
        const { vendor, ...f } = parse(ZFaults, text);
        return reply(control.setFaults(vendor, f));
      }
      case "/__sandbox/limits": {
        const { vendor, reset, ...l } = parse(ZLimits, text);
        if (reset) control.resetLimits(vendor);
        return reply(Object.keys(l).length || !reset ? control.setLimits(vendor, l) : { reset: true });
      }
      case "/__sandbox/webhooks": {
        const { vendor, ...w } = parse(ZWebhook, text);
        return reply(control.setWebhook(vendor, w));
      }
      case "/__sandbox/records": {
        const { vendor, ...op } = parse(ZRecords, text);
        return reply(await control.mutate(vendor, op));
      }
      case "/__sandbox/hubspot/bulk-touch":
        return reply(control.bulkTouch(parse(ZBulkTouch, text)));
      case "/__sandbox/hubspot/revoke-refresh-tokens": {
        const b = parse(z.object({ token: z.string().optional() }).strict(), text);
        return reply({ revoked: control.revokeRefreshTokens(b.token) });
      }
      default:
        return sendJson(res, 404, { error: `no control route POST ${path}` });
    }
  }
  return (req, res) => {
    run(req, res).catch((e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      // Programming errors are 500; everything else a vendor control throws is about the input.
      const isBug = e instanceof TypeError || e instanceof ReferenceError || !(e instanceof Error);
      sendJson(res, isBug ? 500 : 400, { error: msg });
    });
  };
}
