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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SandboxClock } from "./core/clock";
import { createControl, createControlHandler, type SandboxControl } from "./core/control";
import type { FaultConfig, LatencyConfig, WebhookDelivery } from "./core/types";
import type { HubspotCredentials } from "./hubspot/auth";
import { createHubspotSandbox, type HubspotMutation, type HubspotSandbox } from "./hubspot/server";
import { startSlackSandbox, type SlackSandbox } from "./slack/server";
import { startSmtpSandbox, type SmtpSandbox } from "./smtp/server";
import type { HubspotLimits } from "./hubspot/types";
import { loadPortfolio, type Portfolio, type PortfolioSpec as LoaderSpec } from "./portfolio/index";
import { createStripeSandbox, type StripeLimits, type StripeMutation, type StripeSandbox, type StripeSandboxOptions, type StripeWebhookDelivery } from "./stripe/server";

/** Where the portfolio comes from: an object, a JSON file path, "ravenstack", or synthetic sizes. */
export type PortfolioSpec = LoaderSpec;
export type LoadedPortfolio = Portfolio;

/** Stripe limits as the Stripe sandbox takes them (requests per second). */
export type StripeLimitsInput = Partial<StripeLimits>;

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
  webhooks?: { hubspot?: Partial<WebhookDelivery>; stripe?: Partial<StripeWebhookDelivery> };
  /** Stripe account default API version (overrides the portfolio's `stripe.api_version`), e.g. "2024-06-20". */
  stripeApiVersion?: string;
  /** Seed for generated credentials and fault dice (default derived from the portfolio). */
  seed?: number;
  /** Also start the Slack incoming-webhook receiver (issue 16; sandbox/slack/server.ts) on this port (0 = any). */
  slackPort?: number;
  /** Also start the SMTP sink (sandbox/smtp/server.ts): SMTP on `smtp`, its message viewer on `http` (0 = any). */
  smtpPorts?: { smtp: number; http: number };
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
  /** When started (`slackPort`): the Slack receiver; `slack.webhookUrl()` is a webhook URL it accepts. */
  slack?: SlackSandbox;
  /** When started (`smtpPorts`): the SMTP sink; `smtp.smtpUrl` is the SMTP_URL for the app. */
  smtp?: SmtpSandbox;
  close(): Promise<void>;
};

/** Loads/validates a portfolio spec. @throws PortfolioError naming the first bad record and field. */
export async function resolvePortfolio(spec: PortfolioSpec, anchor?: string): Promise<LoadedPortfolio> {
  return loadPortfolio(spec, anchor ? { anchor } : undefined);
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

  const stripe: StripeSandbox = createStripeSandbox({
    portfolio: opts.stripeApiVersion ? { ...portfolio.stripe, api_version: opts.stripeApiVersion } : portfolio.stripe,
    clock,
    limits: stLimits,
    latency: opts.latency,
    faults: opts.faults?.stripe,
    webhook: opts.webhooks?.stripe,
    credentials: pick<NonNullable<StripeSandboxOptions["credentials"]>>(portfolio.credentials, "stripe"),
    baseUrl: `http://${host}:0`,
  });

  const info = (): SandboxInfo => ({
    clock: clock.toJSON(),
    hubspot: hubspot.info() as SandboxInfo["hubspot"],
    stripe: stripe.info(),
  });
  const control = createControl({
    clock,
    hubspot: {
      ...hubspot.control,
      setLimits: (l) => hubspot.control.setLimits(l as Partial<HubspotLimits>),
      mutate: (op) => hubspot.control.mutate(op as HubspotMutation),
      bulkTouch: (b) => hubspot.control.bulkTouch(b as Parameters<HubspotSandbox["control"]["bulkTouch"]>[0]),
    },
    stripe: {
      ...stripe.control,
      mutate: (op) => stripe.control.mutate(op as StripeMutation),
    },
    info,
  });
  const controlHandler = createControlHandler(control);

  const route = (vendor: (req: IncomingMessage, res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").startsWith("/__sandbox")) controlHandler(req, res);
    else vendor(req, res);
  };
  const hsServer = createServer({ keepAlive: true }, route(hubspot.handle));
  const stServer = createServer({ keepAlive: true }, route(stripe.handle));

  const hubspotPort = await listen(hsServer, opts.ports?.hubspot ?? 4010, host);
  let stripePort: number;
  try {
    stripePort = await listen(stServer, opts.ports?.stripe ?? 4020, host);
  } catch (e) {
    await closeServer(hsServer);
    throw e;
  }
  const hubspotUrl = `http://${host}:${hubspotPort}`;
  const stripeUrl = `http://${host}:${stripePort}`;
  hubspot.setBaseUrl(hubspotUrl);
  stripe.setBaseUrl(stripeUrl);
  const slack = opts.slackPort !== undefined ? await startSlackSandbox({ port: opts.slackPort, host }) : undefined;
  const smtp = opts.smtpPorts ? await startSmtpSandbox({ smtpPort: opts.smtpPorts.smtp, httpPort: opts.smtpPorts.http, host }) : undefined;

  return {
    info: info(),
    hubspotUrl,
    stripeUrl,
    clock,
    control,
    hubspot,
    slack,
    smtp,
    close: async () => {
      await Promise.all([closeServer(hsServer), closeServer(stServer), slack?.close(), smtp?.close()]);
    },
  };
}
