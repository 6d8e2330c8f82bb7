/**
 * The sandbox's controllable clock ("now"). Every timestamp the sandbox serves (record
 * updatedAt, Stripe event `created`, OAuth token expiry, 30-day event retention, rate-limit
 * windows when `limitsUseSandboxClock` is on) comes from here, so tests can advance time and a
 * portfolio can hold years of history.
 *
 * now() = baseMs + (realNow - realAtBase) * speed + manualOffset
 */
export class SandboxClock {
  private baseMs: number;
  private realAtBase: number;
  speed: number;

  /** @param startMs sandbox "now" at construction (epoch ms); default real time. @param speed 1 = real time, 60 = a minute per second. */
  constructor(startMs: number = Date.now(), speed = 1) {
    this.baseMs = startMs;
    this.realAtBase = Date.now();
    this.speed = speed;
  }

  /** Sandbox time, epoch ms. */
  now(): number {
    return Math.floor(this.baseMs + (Date.now() - this.realAtBase) * this.speed);
  }

  /** Sandbox time, epoch seconds (Stripe's unit). */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Jump to an absolute time (epoch ms). */
  set(ms: number): void {
    this.baseMs = ms;
    this.realAtBase = Date.now();
  }

  /** Move forward (or back, if negative) by `ms`. */
  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  setSpeed(speed: number): void {
    this.set(this.now());
    this.speed = speed;
  }

  toJSON() {
    return { now: new Date(this.now()).toISOString(), nowMs: this.now(), speed: this.speed };
  }
}
