/**
 * Signed webhook delivery for the Stripe sandbox, as Stripe sends them
 * (https://docs.stripe.com/webhooks#verify-events): `POST <url>` with the event JSON as body,
 * `Content-Type: application/json; charset=utf-8` and
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(whsec, t + "." + body)>`.
 *
 * `t` is REAL time (not the sandbox clock): receivers check it against their own clock with a
 * 300 s tolerance (`stripe.webhooks.constructEvent`). Delivery is asynchronous and batched per
 * tick; `duplicate` sends every event twice, `outOfOrder` sends each batch newest first. A failed
 * delivery (connection refused, non-2xx) is retried twice (after 1 s and 5 s) and then counted as
 * failed; nothing here can throw into the server.
 */
import { createHmac } from "node:crypto";
import type { WebhookDelivery } from "../core/types";

/** Builds the `Stripe-Signature` header for `body` at `timestampSec`. */
export function signPayload(body: string, secret: string, timestampSec: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestampSec}.${body}`, "utf8").digest("hex");
  return `t=${timestampSec},v1=${v1}`;
}

export type WebhookStats = { delivered: number; failed: number; attempts: number; pending: number };

const RETRY_DELAYS_MS = [1000, 5000];

export class WebhookSender {
  config: WebhookDelivery = { url: null, duplicate: false, outOfOrder: false };
  readonly stats: WebhookStats = { delivered: 0, failed: 0, attempts: 0, pending: 0 };
  private batch: string[] = [];
  private scheduled = false;

  constructor(private readonly secret: string) {}

  /** Queues one event (already serialised) for delivery, if a URL is configured. */
  enqueue(eventJson: string): void {
    if (!this.config.url) return;
    this.batch.push(eventJson);
    if (this.config.duplicate) this.batch.push(eventJson);
    this.stats.pending += this.config.duplicate ? 2 : 1;
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), 10).unref();
    }
  }

  private flush(): void {
    this.scheduled = false;
    const url = this.config.url;
    let batch = this.batch;
    this.batch = [];
    if (this.config.outOfOrder) batch = batch.reverse();
    if (!url) {
      this.stats.pending -= batch.length;
      return;
    }
    // Sequential within a batch so the chosen order is the order the receiver sees.
    void (async () => {
      for (const body of batch) await this.deliver(url, body, 0);
    })();
  }

  private async deliver(url: string, body: string, attempt: number): Promise<void> {
    this.stats.attempts++;
    let ok = false;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "stripe-signature": signPayload(body, this.secret, Math.floor(Date.now() / 1000)),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      ok = res.ok;
    } catch {
      ok = false;
    }
    if (ok) {
      this.stats.delivered++;
      this.stats.pending--;
      return;
    }
    if (attempt < RETRY_DELAYS_MS.length) {
      setTimeout(() => void this.deliver(url, body, attempt + 1), RETRY_DELAYS_MS[attempt]).unref();
      return;
    }
    this.stats.failed++;
    this.stats.pending--;
  }
}
