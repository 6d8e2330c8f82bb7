/**
 * Client-side pacing under HubSpot's rolling limits, so a sync almost never sees a 429.
 *
 * HubSpot counts requests per token in a ROLLING window (default 100 per 10 s for private apps,
 * 110 for OAuth apps; search separately at ~5/s). A token bucket that refills continuously would
 * still burst past a rolling window at its edges, so the pacer keeps the send times of the requests
 * in the current window (a sliding log, at most `max` numbers) and lets a request go when fewer
 * than `max - margin` were sent in the last `intervalMs + slackMs`. `margin` and `slackMs` absorb
 * network-latency differences between our send time and HubSpot's arrival time.
 *
 * Adaptive: every response's `X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds`
 * headers update the limit, and a `Remaining` lower than we expect (another integration or a
 * concurrent job using the same token) adds phantom entries so we slow down too.
 *
 * Time: `timeScale` multiplies every wait (tests run the sandbox clock faster and scale our waits
 * to match; 1 in production). `now()` is injectable for unit tests.
 */

export type PacerOptions = {
  /** Requests per window (default 100). */
  max?: number;
  /** Window length, ms (default 10,000). */
  intervalMs?: number;
  /** Search requests per second (default 4: HubSpot allows ~5). */
  searchPerSecond?: number;
  /** Wait multiplier (default 1). */
  timeScale?: number;
  /** Disable pacing entirely (sandbox with limits off). */
  disabled?: boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A sliding-log limiter: at most `capacity` acquisitions per `windowMs`. */
class SlidingLog {
  private times: number[] = [];
  constructor(public capacity: number, public windowMs: number) {}

  /** ms to wait before one more acquisition is allowed at `now` (0 = go). */
  waitFor(now: number): number {
    this.prune(now);
    if (this.times.length < this.capacity) return 0;
    return this.times[this.times.length - this.capacity] + this.windowMs - now + 1;
  }

  take(now: number): void { this.times.push(now); }

  count(now: number): number { this.prune(now); return this.times.length; }

  private prune(now: number): void {
    let i = 0;
    while (i < this.times.length && this.times[i] <= now - this.windowMs) i++;
    if (i) this.times.splice(0, i);
  }
}

export class Pacer {
  private readonly general: SlidingLog;
  private readonly search: SlidingLog;
  private max: number;
  private intervalMs: number;
  private readonly timeScale: number;
  private readonly disabled: boolean;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Serialises acquisitions so concurrent callers queue fairly. */
  private chain: Promise<void> = Promise.resolve();
  /** Total ms spent waiting (for logs/benchmarks). */
  waitedMs = 0;

  constructor(opts: PacerOptions = {}) {
    this.max = opts.max ?? 100;
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.timeScale = opts.timeScale ?? 1;
    this.disabled = opts.disabled ?? false;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.general = new SlidingLog(Pacer.capacityFor(this.max), this.scaledWindow(this.intervalMs));
    this.search = new SlidingLog(opts.searchPerSecond ?? 4, this.scaledWindow(1_000));
  }

  /** Requests we allow ourselves per window: a small safety margin under HubSpot's max. */
  static capacityFor(max: number): number {
    return Math.max(1, max - Math.max(2, Math.ceil(max * 0.02)));
  }

  private scaledWindow(ms: number): number {
    // +150 ms of slack (latency skew between our clock and HubSpot's arrival times).
    return Math.ceil((ms + 150) * this.timeScale);
  }

  /** Current limit (after header adaptation). */
  get limit(): { max: number; intervalMs: number; capacity: number } {
    return { max: this.max, intervalMs: this.intervalMs, capacity: this.general.capacity };
  }

  /** Wait until one request of `kind` may be sent, and count it. Search requests count in both logs. */
  acquire(kind: "general" | "search" = "general"): Promise<void> {
    if (this.disabled) return Promise.resolve();
    const run = async () => {
      for (;;) {
        const now = this.now();
        const w = Math.max(this.general.waitFor(now), kind === "search" ? this.search.waitFor(now) : 0);
        if (w <= 0) break;
        this.waitedMs += w;
        await this.sleep(w);
      }
      const t = this.now();
      this.general.take(t);
      if (kind === "search") this.search.take(t);
    };
    const p = this.chain.then(run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /**
   * Adapt to a response's rate-limit headers (lower-cased keys). Search responses carry none.
   * - Max / Interval change the window (e.g. a Pro portal: 190 per 10 s).
   * - Remaining below what we expect → phantom entries (someone else shares the budget).
   */
  observe(headers: Record<string, string>): void {
    if (this.disabled) return;
    const max = Number(headers["x-hubspot-ratelimit-max"]);
    const interval = Number(headers["x-hubspot-ratelimit-interval-milliseconds"]);
    const remaining = Number(headers["x-hubspot-ratelimit-remaining"]);
    if (Number.isFinite(interval) && interval > 0 && interval !== this.intervalMs) {
      this.intervalMs = interval;
      this.general.windowMs = this.scaledWindow(interval);
    }
    if (Number.isFinite(max) && max > 0 && max !== this.max) {
      this.max = max;
      this.general.capacity = Pacer.capacityFor(max);
    }
    if (Number.isFinite(remaining) && remaining >= 0 && Number.isFinite(max) && max > 0) {
      const now = this.now();
      const usedByServer = max - remaining;
      const ours = this.general.count(now);
      // Only react to clear evidence (> 3 unexplained requests), not to in-flight skew.
      for (let extra = usedByServer - ours - 3; extra > 0; extra--) this.general.take(now);
    }
  }

  /** After a 429: treat the window as full for `ms` so every caller waits (not just the one that failed). */
  pauseFor(ms: number): void {
    if (this.disabled) return;
    const now = this.now();
    const until = now + ms * this.timeScale - this.general.windowMs;
    for (let i = this.general.count(now); i < this.general.capacity; i++) this.general.take(Math.max(until, now - this.general.windowMs + 1));
  }
}
