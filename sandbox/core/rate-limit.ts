/**
 * Rolling-window request counters for the sandboxes' rate limits (HubSpot 10 s rolling and
 * 1 s search windows, Stripe per-second windows, daily budgets).
 */

/** Counts events per key inside a rolling window of `windowMs` milliseconds. */
export class RollingWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(public windowMs: number) {}

  /** Number of events for `key` inside the window ending at `nowMs`. */
  count(key: string, nowMs: number): number {
    const arr = this.hits.get(key);
    if (!arr) return 0;
    this.prune(arr, nowMs);
    return arr.length;
  }

  /**
   * Records one event for `key` if fewer than `max` are in the window; returns whether it was
   * allowed and how many remain after it. A refused event is not recorded.
   */
  tryTake(key: string, max: number, nowMs: number): { allowed: boolean; remaining: number } {
    let arr = this.hits.get(key);
    if (!arr) {
      arr = [];
      this.hits.set(key, arr);
    }
    this.prune(arr, nowMs);
    if (arr.length >= max) return { allowed: false, remaining: 0 };
    arr.push(nowMs);
    return { allowed: true, remaining: max - arr.length };
  }

  /** Events for `key` in the last `spanMs` (≤ windowMs) before `nowMs` (e.g. the last second of a 10 s window). */
  countWithin(key: string, nowMs: number, spanMs: number): number {
    const arr = this.hits.get(key);
    if (!arr) return 0;
    const cutoff = nowMs - spanMs;
    let n = 0;
    for (let i = arr.length - 1; i >= 0 && arr[i] > cutoff; i--) n++;
    return n;
  }

  /** Milliseconds until the window has room for one more event for `key` at `max` (0 when it has now). */
  msUntilFree(key: string, max: number, nowMs: number): number {
    const arr = this.hits.get(key);
    if (!arr) return 0;
    this.prune(arr, nowMs);
    if (arr.length < max) return 0;
    return Math.max(0, arr[arr.length - max] + this.windowMs - nowMs);
  }

  /** Forgets all events. */
  reset(): void {
    this.hits.clear();
  }

  private prune(arr: number[], nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    let i = 0;
    while (i < arr.length && arr[i] <= cutoff) i++;
    if (i > 0) arr.splice(0, i);
  }
}

/** Counts events per key per UTC day (the HubSpot daily budget resets at midnight). */
export class DailyCounter {
  private readonly counts = new Map<string, { day: number; n: number }>();

  /** Records one event if fewer than `max` today; returns whether allowed and what remains. */
  tryTake(key: string, max: number, nowMs: number): { allowed: boolean; remaining: number } {
    const day = Math.floor(nowMs / 86_400_000);
    let c = this.counts.get(key);
    if (!c || c.day !== day) {
      c = { day, n: 0 };
      this.counts.set(key, c);
    }
    if (c.n >= max) return { allowed: false, remaining: 0 };
    c.n++;
    return { allowed: true, remaining: max - c.n };
  }

  /** Requests left today for `key` under `max` (without recording one). */
  remaining(key: string, max: number, nowMs: number): number {
    const c = this.counts.get(key);
    if (!c || c.day !== Math.floor(nowMs / 86_400_000)) return max;
    return Math.max(0, max - c.n);
  }

  reset(): void {
    this.counts.clear();
  }
}
