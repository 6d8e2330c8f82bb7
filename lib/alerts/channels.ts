/**
 * The two alert channels: a Slack incoming webhook and SMTP e-mail (nodemailer).
 *
 * Slack (https://api.slack.com/messaging/webhooks): POST the JSON message (`text` is the notification fallback,
 * `blocks` the Block Kit layout) to the webhook URL; success is HTTP 200 with the body `ok`. Errors are 4xx with a
 * short text body (`invalid_payload`, `no_text`, `channel_not_found`, `no_service`, `channel_is_archived`, …) —
 * permanent — or 5xx (`rollup_error`) — transient. Rate limits (https://api.slack.com/docs/rate-limits, "Posting
 * messages: 1 per second", and "HTTP 429 Too Many Requests … a Retry-After HTTP header containing the number of
 * seconds until you can retry") answer 429 with Retry-After in seconds.
 *
 * E-mail: nodemailer over SMTP_URL (smtp://user:pass@host:port, smtps:// for implicit TLS), from ALERTS_EMAIL_FROM.
 */
import nodemailer from "nodemailer";
import { env } from "@/lib/env";

/** A send that failed: `retryable` false for errors a retry cannot fix; `retryAfterMs` when the receiver said when. */
export class DeliveryError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** Slack's Block Kit message: `text` (notification fallback) + `blocks`. */
export type SlackMessage = { text: string; blocks: unknown[] };
export type EmailMessage = { to: string[]; subject: string; text: string; html: string };

/** Parse Retry-After (seconds, or an HTTP date) into ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * POST one message to a Slack incoming webhook (10 s timeout).
 * @throws DeliveryError (retryable for 429, 5xx, network errors and timeouts; not for other 4xx). The URL is a
 * secret and never appears in the error message.
 */
export async function postToSlack(webhookUrl: string, message: SlackMessage): Promise<void> {
  let res: Response;
  try {
    res = await fetch(webhookUrl, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(message), signal: AbortSignal.timeout(10_000), redirect: "error",
    });
  } catch (err) {
    const reason = err instanceof Error && err.name === "TimeoutError" ? "timed out after 10 s" : "could not reach the Slack webhook";
    throw new DeliveryError(`Slack: ${reason}`, true);
  }
  const body = (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
  if (res.ok) return;
  if (res.status === 429) {
    const wait = retryAfterMs(res.headers.get("retry-after"));
    throw new DeliveryError(`Slack: HTTP 429 rate limited${wait !== undefined ? ` (Retry-After ${Math.ceil(wait / 1000)} s)` : ""}${body ? `: ${body}` : ""}`, true, wait);
  }
  throw new DeliveryError(`Slack: HTTP ${res.status}${body ? `: ${body}` : ""}`, res.status >= 500);
}

let transport: { url: string; t: nodemailer.Transporter } | undefined;

/** Whether SMTP is configured (SMTP_URL set). */
export function emailConfigured(): boolean {
  return Boolean(env().SMTP_URL);
}

/**
 * Send one e-mail through SMTP_URL. @throws DeliveryError (not retryable when SMTP is not configured or the server
 * refused a recipient permanently (5xx); retryable for 4xx replies and connection errors).
 */
export async function sendEmail(msg: EmailMessage): Promise<void> {
  const { SMTP_URL, ALERTS_EMAIL_FROM } = env();
  if (!SMTP_URL) throw new DeliveryError("E-mail: SMTP is not configured (set SMTP_URL)", false);
  if (!transport || transport.url !== SMTP_URL) {
    transport?.t.close();
    transport = { url: SMTP_URL, t: nodemailer.createTransport(SMTP_URL, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }) };
  }
  try {
    await transport.t.sendMail({ from: ALERTS_EMAIL_FROM, to: msg.to, subject: msg.subject, text: msg.text, html: msg.html });
  } catch (err) {
    const e = err as { responseCode?: number; code?: string; message?: string };
    const code = e.responseCode;
    // Only the SMTP reply, never the URL (it may carry the password).
    const reason = code ? `SMTP ${code}` : e.code ? `SMTP ${e.code}` : "SMTP error";
    throw new DeliveryError(`E-mail: ${reason}${e.message && code ? `: ${e.message.replace(SMTP_URL, "…").slice(0, 160)}` : ""}`, !(code && code >= 500));
  }
}
