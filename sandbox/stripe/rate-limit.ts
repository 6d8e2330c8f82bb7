/**
 * Sliding-window rate limiter (1 s windows of real time, per key and bucket), the way Stripe
 * limits: 25 requests/s per key in test mode, 100 in live mode, search 20/s, and optionally a
 * per-endpoint cap (`Stripe-Rate-Limited-Reason: endpoint-rate`). Only admitted requests count.
 * Memory per key is bounded by the limit (one timestamp per admitted request in the window).
 */

/** Limits of the Stripe sandbox (requests per second). */
export type StripeLimits = {
  enabled: boolean;
  testRps: number;
  liveRps: number;
  searchRps: number;
  /** Per key and endpoint (method + path template); null = no per-endpoint cap. */
  endpointRps: number | null;
};

export const DEFAULT_STRIPE_LIMITS: StripeLimits = { enabled: true, testRps: 25, liveRps: 100, searchRps: 20, endpointRps: null };

/** Why a request was refused, as sent in `Stripe-Rate-Limited-Reason`. */
export type LimitReason = "global-rate" | "endpoint-rate";

export class SlidingWindowLimiter {
  private windows = new Map<string, number[]>();

  constructor(private readonly windowMs = 1000) {}

  /** Would a request in `bucket` exceed `limit` at `nowMs`? Does not record it. */
  full(bucket: string, limit: number, nowMs: number): boolean {
    const w = this.windows.get(bucket);
    if (!w) return limit <= 0;
    while (w.length && w[0] <= nowMs - this.windowMs) w.shift();
    return w.length >= limit;
  }

  /** Records an admitted request in `bucket`. */
  record(bucket: string, nowMs: number): void {
    let w = this.windows.get(bucket);
    if (!w) this.windows.set(bucket, (w = []));
    w.push(nowMs);
  }

  /**
   * Checks all buckets of one request; records it in each when admitted.
   * @returns null when admitted, else the reason of the first full bucket.
   */
  admit(buckets: { name: string; limit: number; reason: LimitReason }[], nowMs: number): LimitReason | null {
    for (const b of buckets) if (this.full(b.name, b.limit, nowMs)) return b.reason;
    for (const b of buckets) this.record(b.name, nowMs);
    return null;
  }

  clear(): void {
    this.windows.clear();
  }
}
