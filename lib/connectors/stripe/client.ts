/**
 * The one place that builds `stripe` SDK clients for the connector, with our own request pacing and
 * 429 handling in front of the SDK's HTTP layer.
 *
 * - `apiVersion` is pinned to {@link STRIPE_API_VERSION} (the version stripe 23.1.0 sends by default,
 *   `2026-10-28.endive`: basil+ shapes, i.e. billing periods on subscription items, `discounts[]`,
 *   clover+ `discount.source.coupon`).
 * - Base URL (host/port/protocol) comes from `env().STRIPE_API_BASE_URL` only (never from a request).
 * - Every HTTP attempt (including the SDK's own 5xx/connection retries) goes through a
 *   {@link Pacer}: a sliding 1 s window, 25 req/s in test mode and 100 in live mode by default
 *   (Connection.settings.requestsPerSecond overrides). One pacer is shared by all requests of a sync.
 * - 429 (Stripe's rate limiter, which stripe-node does NOT retry) is retried here with exponential
 *   backoff + jitter per {@link decideRetry}, honouring `Stripe-Rate-Limited-Reason` and
 *   `Retry-After`; the backoff pauses the whole pacer so parallel streams back off together.
 * - 5xx, 409 and connection errors are retried by the SDK (`maxNetworkRetries`, default 2).
 *
 * Mimics: https://docs.stripe.com/rate-limits and https://docs.stripe.com/error-low-level#idempotency.
 */
import { createHash } from "node:crypto";
import Stripe from "stripe";
import { env } from "@/lib/env";

/** The Stripe API version every request sends (stripe 23.1.0's default). */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

/** Default request budgets (requests per second) per Stripe mode. */
export const DEFAULT_RPS = { test: 25, live: 100 } as const;

export type StripeMode = "test" | "live";

// ───────────────────────────── retry policy ─────────────────────────────

export type RetryInput = {
  /** HTTP status of the response. */
  status: number;
  /** 429 retries already made for this request (0 on the first 429). */
  attempt: number;
  /** `Stripe-Rate-Limited-Reason` header (global-rate, endpoint-rate, global-concurrency, …). */
  reason?: string | null;
  /** `Retry-After` header (seconds), when present. */
  retryAfter?: string | null;
  /** Max 429 retries per request (default 8). */
  maxRetries?: number;
  /** First backoff for rate reasons, ms (default 1000: one window). */
  baseMs?: number;
  /** Largest single backoff, ms (default 16000). */
  capMs?: number;
  /** Random source in [0,1) (tests pass a fixed one). */
  random?: () => number;
};

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/**
 * Pure 429 retry policy. Non-429 statuses are never retried here (the SDK retries 5xx/409/connection
 * errors itself). Delay = min(cap, base × 2^attempt) with "equal jitter" (50-100 % of it); concurrency
 * reasons start at a quarter of `baseMs` (a slot frees up quickly); a `Retry-After` is a lower bound.
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const max = input.maxRetries ?? 8;
  if (input.status !== 429 || input.attempt >= max) return { retry: false };
  const base = input.baseMs ?? 1000;
  const cap = input.capMs ?? 16_000;
  const reason = (input.reason ?? "").toLowerCase();
  const start = reason.includes("concurrency") ? base / 4 : base;
  const exp = Math.min(cap, start * 2 ** input.attempt);
  const random = input.random ?? Math.random;
  let delayMs = Math.round(exp / 2 + (exp / 2) * random());
  const retryAfterS = input.retryAfter ? Number(input.retryAfter) : NaN;
  if (Number.isFinite(retryAfterS) && retryAfterS > 0) delayMs = Math.max(delayMs, Math.min(cap, retryAfterS * 1000));
  return { retry: true, delayMs };
}

// ───────────────────────────── pacing ─────────────────────────────

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Sliding-window request pacer: at most `rps` request starts in any `windowMs` window (plus a small
 * safety margin), in FIFO order. `pauseFor(ms)` holds every caller (a 429 backoff is shared).
 */
export class Pacer {
  private readonly stamps: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private pausedUntil = 0;

  /**
   * @param rps requests per window (≤ 0 = unlimited).
   * @param marginMs extra slack added to the window: Stripe counts arrivals, we count starts, so the gap between
   *   two requests `rps` apart must also absorb network/event-loop jitter (15 ms was not enough on a busy 2-core
   *   machine: the sandbox saw a 6th request inside its 1 s window). 60 ms costs ~6 % of the peak rate.
   */
  constructor(public rps: number, private readonly windowMs = 1000, private readonly marginMs = 60) {}

  /** Resolves when the caller may start one request. */
  acquire(): Promise<void> {
    const next = this.chain.then(() => this.waitTurn());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Hold all requests for at least `ms` from now. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  private async waitTurn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (this.pausedUntil > now) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      if (this.rps <= 0) return;
      const window = this.windowMs + this.marginMs;
      while (this.stamps.length && this.stamps[0]! <= now - window) this.stamps.shift();
      if (this.stamps.length < this.rps) {
        this.stamps.push(now);
        return;
      }
      await sleep(this.stamps[0]! + window - now + 1);
    }
  }
}

const sharedPacers = new Map<string, Pacer>();

/**
 * The process-wide pacer of one Stripe account (keyed by a hash of the API key): Stripe's rate limit is per
 * account, so the key check on connect, a sync's parallel streams and webhook jobs must all draw from ONE
 * window — separate pacers let a sync start a full second's budget right after a connect's requests (the
 * sandbox then answered 429). `rps` changes (settings) apply to the existing pacer.
 */
export function sharedPacer(apiKey: string, rps: number): Pacer {
  const key = createHash("sha256").update(apiKey).digest("hex").slice(0, 32);
  let p = sharedPacers.get(key);
  if (!p) sharedPacers.set(key, (p = new Pacer(rps)));
  p.rps = rps;
  return p;
}

// ───────────────────────────── client ─────────────────────────────

export type RequestStats = {
  /** HTTP attempts sent (including retries). */
  requests: number;
  /** 429 answers received. */
  rateLimited: number;
  /** 5xx answers received (the SDK retried them when it could). */
  serverErrors: number;
};

export type StripeClientOptions = {
  /** Secret (sk_), restricted (rk_) key or Connect OAuth access token. */
  apiKey: string;
  mode: StripeMode;
  /** Override of the base URL (default env().STRIPE_API_BASE_URL). Only ever from env/config, never a request. */
  baseUrl?: string;
  /** Requests per second (default 25 test / 100 live; ≤ 0 = unpaced). */
  requestsPerSecond?: number;
  /** Share a pacer between clients (e.g. one per sync). */
  pacer?: Pacer;
  stats?: RequestStats;
  /** Per-request timeout, ms (default 30000). */
  timeoutMs?: number;
  /** SDK retries of 5xx/409/connection errors (default 2). */
  maxNetworkRetries?: number;
  /** Our 429 retries per request (default 8). */
  max429Retries?: number;
  /** First 429 backoff, ms (default 1000). */
  backoffBaseMs?: number;
};

export type StripeClient = {
  stripe: Stripe;
  pacer: Pacer;
  stats: RequestStats;
  mode: StripeMode;
};

/** host/port/protocol for the SDK from a base URL such as http://127.0.0.1:4020. */
export function sdkAddress(baseUrl: string): { host: string; port: string; protocol: "http" | "https" } {
  const u = new URL(baseUrl);
  const protocol = u.protocol === "http:" ? "http" : "https";
  return { host: u.hostname, port: u.port || (protocol === "http" ? "80" : "443"), protocol };
}

type Inner = Stripe.HttpClient;

/** The SDK's node http client behind our pacer and 429 policy. */
class PacedHttpClient implements Stripe.HttpClient {
  constructor(
    private readonly inner: Inner,
    private readonly pacer: Pacer,
    private readonly stats: RequestStats,
    private readonly opts: { max429Retries?: number; backoffBaseMs?: number },
  ) {}

  getClientName(): string {
    return "churnwatch-paced-node";
  }

  async makeRequest(...args: Parameters<Inner["makeRequest"]>): Promise<Stripe.HttpClientResponse> {
    for (let attempt = 0; ; attempt++) {
      await this.pacer.acquire();
      this.stats.requests++;
      const res = await this.inner.makeRequest(...args);
      const status = res.getStatusCode();
      if (status >= 500) this.stats.serverErrors++;
      if (status !== 429) return res;
      this.stats.rateLimited++;
      const h = res.getHeaders();
      const header = (k: string) => {
        const v = h[k];
        return Array.isArray(v) ? v[0] : (v as string | undefined);
      };
      const d = decideRetry({
        status, attempt, reason: header("stripe-rate-limited-reason"), retryAfter: header("retry-after"),
        maxRetries: this.opts.max429Retries, baseMs: this.opts.backoffBaseMs,
      });
      if (!d.retry) return res;
      // Discard the body so the keep-alive socket is reusable.
      await Promise.resolve(res.toJSON()).catch(() => undefined);
      this.pacer.pauseFor(d.delayMs);
    }
  }
}

/**
 * A `stripe` client pointed at env().STRIPE_API_BASE_URL (or `baseUrl`), pinned API version, paced.
 * Construction makes no request.
 */
export function createStripeClient(opts: StripeClientOptions): StripeClient {
  const pacer = opts.pacer ?? sharedPacer(opts.apiKey, opts.requestsPerSecond ?? DEFAULT_RPS[opts.mode]);
  const stats = opts.stats ?? { requests: 0, rateLimited: 0, serverErrors: 0 };
  const httpClient = new PacedHttpClient(Stripe.createNodeHttpClient(), pacer, stats, opts);
  const stripe = new Stripe(opts.apiKey, {
    ...sdkAddress(opts.baseUrl ?? env().STRIPE_API_BASE_URL),
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    timeout: opts.timeoutMs ?? 30_000,
    httpClient,
    telemetry: false,
  });
  return { stripe, pacer, stats, mode: opts.mode };
}

/** test | live from a key prefix (sk_test_, rk_test_, sk_live_, rk_live_); null when unrecognised. */
export function modeFromKey(key: string): StripeMode | null {
  const m = /^(?:sk|rk)_(test|live)_/.exec(key);
  return m ? (m[1] as StripeMode) : null;
}
