/**
 * HubSpot webhook delivery (Webhooks API v3 wire format,
 * https://developers.hubspot.com/docs/api/webhooks#security): a POST of a JSON array of up to 100
 * events, signed with `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(app client secret,
 * "POST" + full URL + raw body + timestamp)) and `X-HubSpot-Request-Timestamp` (epoch ms of REAL
 * time, so receivers' 5-minute staleness check passes even when the sandbox clock is in the past).
 * The legacy v1 header (`X-HubSpot-Signature`, sha256 hex of secret + body) is sent too.
 */
import { createHash, createHmac } from "node:crypto";
import type { WebhookDelivery } from "../core/types";

/** One event as HubSpot sends it. Times in epoch ms (sandbox clock). */
export type HubspotWebhookEvent = {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  propertyName?: string;
  propertyValue?: string;
  changeFlag?: string;
};

/** Outcome of one HTTP delivery attempt. */
export type DeliveryResult = { eventIds: number[]; status: number | null; error?: string };

/** The v3 signature HubSpot computes (what `Signature.getSignature("POST","v3",…)` returns). */
export function signV3(clientSecret: string, method: string, url: string, body: string, timestamp: number): string {
  return createHmac("sha256", clientSecret).update(method + url + body + timestamp).digest("base64");
}

/**
 * Delivers events to `cfg.url` in batches of 100 (reversed when `outOfOrder`, sent twice when
 * `duplicate`). Never throws: network errors and non-2xx answers are returned per batch.
 */
export async function deliverHubspotWebhooks(events: HubspotWebhookEvent[], cfg: WebhookDelivery, clientSecret: string): Promise<DeliveryResult[]> {
  if (!cfg.url || events.length === 0) return [];
  const ordered = cfg.outOfOrder ? [...events].reverse() : events;
  const batches: HubspotWebhookEvent[][] = [];
  for (let i = 0; i < ordered.length; i += 100) batches.push(ordered.slice(i, i + 100));
  const sends = cfg.duplicate ? batches.flatMap((b) => [b, b]) : batches;
  const out: DeliveryResult[] = [];
  for (const batch of sends) {
    const body = JSON.stringify(batch);
    const ts = Date.now();
    const eventIds = batch.map((e) => e.eventId);
    try {
      const res = await fetch(cfg.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) (sandbox)",
          "X-HubSpot-Signature": createHash("sha256").update(clientSecret + body).digest("hex"),
          "X-HubSpot-Signature-Version": "v1",
          "X-HubSpot-Signature-v3": signV3(clientSecret, "POST", cfg.url, body, ts),
          "X-HubSpot-Request-Timestamp": String(ts),
        },
        body,
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      out.push({ eventIds, status: res.status });
    } catch (e) {
      out.push({ eventIds, status: null, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}
