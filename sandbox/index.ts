/**
 * The Churnwatch sandbox: local HubSpot and Stripe API servers over a portfolio, usable
 * in-process (tests, benchmarks, the demo) or through `npm run sandbox` (sandbox/cli.ts).
 *
 * ```ts
 * const sb = await startSandbox({ portfolio: "ravenstack", ports: { hubspot: 0, stripe: 0 }, limits: false });
 * const hs = new Client({ accessToken: sb.info.hubspot.privateAppToken, basePath: sb.hubspotUrl });
 * await sb.control.mutate("hubspot", { type: "companies", op: "update", id: "1", properties: { name: "x" } });
 * await sb.close();
 * ```
 * `GET /__sandbox/info` on either port returns {@link SandboxInfo}; see sandbox/core/control.ts
 * for the control routes and docs/sandbox.md for the whole story.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SandboxClock } from "./core/clock";
import { createControl, createControlHandler, type SandboxControl, type VendorControl } from "./core/control";
import { sendJson } from "./core/http";
import type { FaultConfig, LatencyConfig, WebhookDelivery } from "./core/types";
import type { HubspotCredentials } from "./hubspot/auth";
import { createHubspotSandbox, type HubspotMutation, type HubspotSandbox } from "./hubspot/server";
import type { HubspotLimits, HubspotPortfolio } from "./hubspot/types";

/** Where the portfolio comes from: an object, a JSON file path, "ravenstack", or synthetic sizes. */
export type PortfolioSpec = "ravenstack" | string | { synthetic: Record<string, number> } | LoadedPortfolio;

/** The parts of a loaded portfolio the servers read (see sandbox/portfolio for the full type). */
export type LoadedPortfolio = {
  version: 1;
  clock: { now: string; speed?: number };
  credentials?: Record<string, unknown>;
  limits?: Record<string, unknown>;
  hubspot: HubspotPortfolio;
  stripe: unknown;
};

/** Stripe limits as the Stripe sandbox takes them (requests per second). */
export type StripeLimitsInput = { enabled?: boolean; testRps?: number; liveRps?: number; searchRps?: number; endpointRps?: number | null };

export type SandboxOptions = {
  portfolio: PortfolioSpec;
  /** Anchor date (YYYY-MM-DD) for portfolio generators (RavenStack "now"). */
  anchor?: string;
  /** Default 4010 (HubSpot) / 4020 (Stripe); 0 = ephemeral (tests). */
  ports?: { hubspot?: number; stripe?: number };
  /** Listen address, default 127.0.0.1. */
  host?: string;
  /** `false` disables every limit; otherwise per-vendor overrides on top of the portfolio's `limits`. */
  limits?: false | { hubspot?: Partial<HubspotLimits>; stripe?: StripeLimitsInput };
  /** Per-request latency for both vendors (ms). */
  latency?: LatencyConfig;
  faults?: { hubspot?: Partial<FaultConfig>; stripe?: Partial<FaultConfig> };
  /** Sandbox clock: start (epoch ms, default the portfolio's `clock.now`) and speed (default portfolio's or 1). */
  clock?: { startMs?: number; speed?: number };
  webhooks?: { hubspot?: Partial<WebhookDelivery>; stripe?: Partial<WebhookDelivery> };
  /** Seed for generated credentials and fault dice (default derived from the portfolio). */
  seed?: number;
};

/** What `GET /__sandbox/info` returns (key order matters to clients that search it breadth-first). */
export type SandboxInfo = {
  clock: { now: string; nowMs: number; speed: number };
  hubspot: Record<string, unknown> & { baseUrl: string; port: number; privateAppToken: string; portalId: number };
  stripe: Record<string, unknown>;
};

export type Sandbox = {
  /** A snapshot taken at start; call `control.info()` (or GET /__sandbox/info) for live values. */
  info: SandboxInfo;
  hubspotUrl: string;
  stripeUrl: string;
  clock: SandboxClock;
  control: SandboxControl;
  hubspot: HubspotSandbox;
  close(): Promise<void>;
};

/** The Stripe sandbox's interface (sandbox/stripe/server.ts). */
type StripeSandboxLike = {
  handle(req: IncomingMessage, res: ServerResponse): void;
  info(): Record<string, unknown>;
  setBaseUrl(url: string): void;
  control: VendorControl;
};
type StripeModule = { createStripeSandbox(opts: Record<string, unknown>): StripeSandboxLike };
type PortfolioModule = { loadPortfolio(spec: unknown, opts?: { anchor?: string }): Promise<LoadedPortfolio> };

/** Imports a sibling module that another engineer may not have written yet; null when it is missing. */
async function optionalImport<T>(specifier: string): Promise<T | null> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const msg = e instanceof Error ? e.message : "";
    if (code === "ERR_MODULE_NOT_FOUND" || /Cannot find module|Failed to load url|Does the file exist/i.test(msg)) return null;
    throw e;
  }
}

function isLoaded(p: PortfolioSpec): p is LoadedPortfolio {
  return typeof p === "object" && p !== null && "version" in p && "hubspot" in p;
}

/** Loads/validates a portfolio spec. @throws the portfolio module's PortfolioError naming the first bad record and field. */
export async function resolvePortfolio(spec: PortfolioSpec, anchor?: string): Promise<LoadedPortfolio> {
  const mod = await optionalImport<PortfolioModule>("./portfolio/index");
  if (mod) return mod.loadPortfolio(spec, anchor ? { anchor } : undefined);
  if (isLoaded(spec)) return spec;
  // Fallback while the portfolio module is absent: a JSON file, checked record by record by the servers.
  if (typeof spec === "string" && spec.endsWith(".json")) {
    const raw = JSON.parse(await readFile(spec, "utf8")) as unknown;
    if (isLoaded(raw as PortfolioSpec)) return raw as LoadedPortfolio;
    throw new Error(`${spec}: not a portfolio (needs version, clock, hubspot, stripe)`);
  }
  throw new Error("sandbox/portfolio/index.ts is not available: pass a portfolio object or a .json file");
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function pick<T extends object>(o: unknown, key: string): Partial<T> {
  const v = o && typeof o === "object" ? (o as Record<string, unknown>)[key] : undefined;
  return v && typeof v === "object" ? (v as Partial<T>) : {};
}

/**
 * Starts both servers. Resolves once both listen.
 * @throws PortfolioError / HubspotDataError for a malformed portfolio, EADDRINUSE when a port is taken.
 */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const portfolio = await resolvePortfolio(opts.portfolio, opts.anchor);
  const startMs = opts.clock?.startMs ?? Date.parse(portfolio.clock.now);
  if (Number.isNaN(startMs)) throw new Error(`portfolio clock.now is not a timestamp: ${portfolio.clock.now}`);
  const clock = new SandboxClock(startMs, opts.clock?.speed ?? portfolio.clock.speed ?? 1);
  const host = opts.host ?? "127.0.0.1";
  const limitsOff = opts.limits === false;
  const hsLimits: Partial<HubspotLimits> = {
    ...pick<HubspotLimits>(portfolio.limits, "hubspot"),
    ...(opts.limits ? opts.limits.hubspot : {}),
    ...(limitsOff ? { enabled: false } : {}),
  };
  const stLimits: StripeLimitsInput = {
    ...pick<StripeLimitsInput>(portfolio.limits, "stripe"),
    ...(opts.limits ? opts.limits.stripe : {}),
    ...(limitsOff ? { enabled: false } : {}),
  };

  const hubspot = createHubspotSandbox({
    portfolio: portfolio.hubspot,
    clock,
    credentials: pick<HubspotCredentials>(portfolio.credentials, "hubspot"),
    limits: hsLimits,
    latency: opts.latency,
    faults: opts.faults?.hubspot,
    webhook: opts.webhooks?.hubspot,
    seed: opts.seed,
    baseUrl: `http://${host}:0`,
  });

  const stripeMod = await optionalImport<StripeModule>("./stripe/server");
  const stripe: StripeSandboxLike | null = stripeMod
    ? stripeMod.createStripeSandbox({
        portfolio: portfolio.stripe,
        clock,
        limits: { enabled: true, testRps: 25, liveRps: 100, searchRps: 20, ...stLimits },
        latency: opts.latency,
        faults: opts.faults?.stripe,
        webhook: opts.webhooks?.stripe,
        credentials: pick(portfolio.credentials, "stripe"),
        baseUrl: `http://${host}:0`,
      })
    : null;

  const info = (): SandboxInfo => ({
    clock: clock.toJSON(),
    hubspot: hubspot.info() as SandboxInfo["hubspot"],
    stripe: stripe ? stripe.info() : { baseUrl: stripeUrl, port: stripePort, available: false },
  });
  const control = createControl({
    clock,
    hubspot: {
      ...hubspot.control,
      setLimits: (l) => hubspot.control.setLimits(l as Partial<HubspotLimits>),
      mutate: (op) => hubspot.control.mutate(op as HubspotMutation),
      bulkTouch: (b) => hubspot.control.bulkTouch(b as Parameters<HubspotSandbox["control"]["bulkTouch"]>[0]),
    },
    stripe: stripe ? stripe.control : null,
    info,
  });
  const controlHandler = createControlHandler(control);

  const route = (vendor: (req: IncomingMessage, res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").startsWith("/__sandbox")) controlHandler(req, res);
    else vendor(req, res);
  };
  const hsServer = createServer({ keepAlive: true }, route(hubspot.handle));
  const stServer = createServer({ keepAlive: true }, route(stripe ? stripe.handle : (_req, res) => {
    sendJson(res, 501, { error: { type: "api_error", message: "The Stripe sandbox is not built yet (sandbox/stripe/server.ts missing)." } });
  }));

  let stripePort = 0;
  let stripeUrl = "";
  const hubspotPort = await listen(hsServer, opts.ports?.hubspot ?? 4010, host);
  try {
    stripePort = await listen(stServer, opts.ports?.stripe ?? 4020, host);
  } catch (e) {
    await closeServer(hsServer);
    throw e;
  }
  const hubspotUrl = `http://${host}:${hubspotPort}`;
  stripeUrl = `http://${host}:${stripePort}`;
  hubspot.setBaseUrl(hubspotUrl);
  stripe?.setBaseUrl(stripeUrl);

  return {
    info: info(),
    hubspotUrl,
    stripeUrl,
    clock,
    control,
    hubspot,
    close: async () => {
      await Promise.all([closeServer(hsServer), closeServer(stServer)]);
    },
  };
}
