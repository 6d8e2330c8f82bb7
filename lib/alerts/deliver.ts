/**
 * Sending one AlertDelivery (an alert or a digest to one channel), as `deliver-alert-job`.
 *
 * - Claim: one conditional update pending|retrying → sending (attempts + 1), recorded BEFORE the message leaves; the
 *   update to sent is the very next statement after the channel accepted it. A delivery already sent (a retried or
 *   duplicated job, a second worker) is never claimed again, so a message goes out once per idempotency key.
 * - Crash between send and record (at-least-once): Slack incoming webhooks take no idempotency key
 *   (https://api.slack.com/messaging/webhooks: a POST of the message, answered "ok"), and SMTP has none either, so a
 *   delivery found "sending" cannot tell whether the message left. Decision: a critical alert lost costs more than
 *   one seen twice, so a delivery "sending" for longer than {@link STUCK_SENDING_MS} (longer than any send can take:
 *   Slack times out after 10 s, SMTP after 10 + 10 + 20 s) is sent again, marked "sent again: an earlier attempt's
 *   outcome is unknown" in the message and in lastError. A job that finds its delivery "sending" younger than that
 *   queues itself for when it becomes stale; {@link requeueStuckDeliveries} (every alert evaluation) picks up the rest.
 * - Success → sent (sentAt). Failure → the error is stored at once (the alerts page shows it), then:
 *   retryable and attempts < {@link MAX_ATTEMPTS} → retrying, a new job at nextAttemptAt = now + the receiver's
 *   Retry-After (Slack 429) or the backoff 2 s × 2^(attempts−1) capped at 10 min; else failed.
 * - "Send again" (an admin on the alerts page) puts a failed delivery back to pending and queues it.
 */
import type { Db } from "@/lib/db";
import { decryptSecret } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { DeliveryError, postToSlack, sendEmail, type EmailMessage, type SlackMessage } from "./channels";
import { enqueueDelivery } from "./evaluate";

export const MAX_ATTEMPTS = 6;
/** A delivery "sending" for longer than this (ms) was left by a worker that stopped mid-send. */
export const STUCK_SENDING_MS = 2 * 60_000;
/** The note on a message sent again after a crash left its first attempt's outcome unknown. */
export const RESENT_NOTE = "Sent again: an earlier attempt's outcome is unknown (the sender stopped mid-send); you may see this message twice.";
const MAX_BACKOFF_MS = 10 * 60_000;

/** Backoff before attempt `attempts + 1` (ms): 2 s, 4 s, 8 s, … capped at 10 min. */
export function backoffMs(attempts: number, baseMs = 2_000): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
}

export type DeliverOutcome = { status: "sent" | "retrying" | "failed" | "skipped"; attempts: number; error?: string; nextAttemptAt?: Date };

async function webhookUrl(db: Db, organizationId: string, ruleId: string | undefined): Promise<string | null> {
  const rule = ruleId ? await db.alertRule.findFirst({ where: { id: ruleId, organizationId }, select: { slackWebhookEnc: true } }) : null;
  if (rule?.slackWebhookEnc) return decryptSecret(rule.slackWebhookEnc);
  const s = await db.alertSettings.findUnique({ where: { organizationId } });
  return s?.slackWebhookEnc ? decryptSecret(s.slackWebhookEnc) : null;
}

/**
 * Send delivery `deliveryId` once (see module doc). Never throws for a send failure (it is recorded and retried).
 * `opts.baseBackoffMs` shortens the backoff in tests.
 */
export async function deliver(db: Db, deliveryId: string, opts: { now?: () => Date; baseBackoffMs?: number } = {}): Promise<DeliverOutcome> {
  const now = opts.now ?? (() => new Date());
  let claimed = await db.alertDelivery.updateMany({ where: { id: deliveryId, status: { in: ["pending", "retrying"] } }, data: { status: "sending", attempts: { increment: 1 } } });
  let recovered = false;
  if (claimed.count === 0) {
    // Left "sending" by a worker that stopped mid-send: its outcome is unknown; send again once it is stale.
    claimed = await db.alertDelivery.updateMany({
      where: { id: deliveryId, status: "sending", updatedAt: { lt: new Date(now().getTime() - STUCK_SENDING_MS) } },
      data: { status: "sending", attempts: { increment: 1 } },
    });
    recovered = claimed.count > 0;
  }
  const d = await db.alertDelivery.findUnique({ where: { id: deliveryId } });
  if (!d) return { status: "skipped", attempts: 0, error: "no such delivery" };
  if (claimed.count === 0) {
    // Another worker is sending it right now, or one stopped mid-send a moment ago: look again when it would be stale.
    if (d.status === "sending") await enqueueDelivery(db, d.organizationId, d.id, `stuck-${d.updatedAt.getTime()}`, new Date(d.updatedAt.getTime() + STUCK_SENDING_MS + 1_000));
    return { status: "skipped", attempts: d.attempts };
  }
  const payload = d.payload as { ruleId?: string; message: unknown };
  if (recovered) {
    logger.warn({ deliveryId: d.id, channel: d.channel, attempt: d.attempts }, "alert delivery was left sending: sending again (at-least-once)");
    await db.alertDelivery.update({ where: { id: d.id }, data: { lastError: `attempt ${d.attempts - 1}: outcome unknown (the sender stopped mid-send); sent again` } });
  }
  try {
    if (d.channel === "slack") {
      const url = await webhookUrl(db, d.organizationId, payload.ruleId);
      if (!url) throw new DeliveryError("no Slack webhook URL: set one on the rule or in the alert settings", false);
      await postToSlack(url, recovered ? withSlackNote(payload.message as SlackMessage) : (payload.message as SlackMessage));
    } else {
      await sendEmail(recovered ? withEmailNote(payload.message as EmailMessage) : (payload.message as EmailMessage));
    }
    // Nothing between the channel's acceptance and this record: the at-least-once window is this one statement.
    await db.alertDelivery.update({ where: { id: d.id }, data: { status: "sent", sentAt: now(), nextAttemptAt: null } });
    return { status: "sent", attempts: d.attempts };
  } catch (err) {
    const e = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? err.message : String(err), true);
    const retry = e.retryable && d.attempts < MAX_ATTEMPTS;
    const wait = Math.max(e.retryAfterMs ?? 0, backoffMs(d.attempts, opts.baseBackoffMs));
    const next = retry ? new Date(now().getTime() + wait) : undefined;
    await db.alertDelivery.update({
      where: { id: d.id },
      data: { status: retry ? "retrying" : "failed", lastError: `attempt ${d.attempts}: ${e.message}`, nextAttemptAt: next ?? null },
    });
    logger.warn({ deliveryId: d.id, channel: d.channel, attempt: d.attempts, retry, reason: e.message }, "alert delivery failed");
    if (retry) await enqueueDelivery(db, d.organizationId, d.id, d.attempts, next);
    return { status: retry ? "retrying" : "failed", attempts: d.attempts, error: e.message, nextAttemptAt: next };
  }
}

function withSlackNote(m: SlackMessage): SlackMessage {
  return { ...m, blocks: [...(m.blocks ?? []), { type: "context", elements: [{ type: "mrkdwn", text: RESENT_NOTE }] }] };
}

function withEmailNote(m: EmailMessage): EmailMessage {
  return { ...m, text: `${RESENT_NOTE}\n\n${m.text}`, html: m.html ? `<p><i>${RESENT_NOTE}</i></p>${m.html}` : m.html };
}

/**
 * Queue again the organization's deliveries left "sending" for longer than {@link STUCK_SENDING_MS} (their worker
 * stopped mid-send and no job of theirs is left to notice). Called with every alert evaluation. @returns how many.
 */
export async function requeueStuckDeliveries(db: Db, organizationId: string, now = new Date()): Promise<number> {
  const stuck = await db.alertDelivery.findMany({
    where: { organizationId, status: "sending", updatedAt: { lt: new Date(now.getTime() - STUCK_SENDING_MS) } },
    select: { id: true, updatedAt: true }, take: 500,
  });
  for (const d of stuck) await enqueueDelivery(db, organizationId, d.id, `stuck-${d.updatedAt.getTime()}`);
  return stuck.length;
}

/**
 * "Send again": a failed (or stuck retrying) delivery goes back to pending and is queued now.
 * @throws AppError not_found (other organizations' deliveries too), conflict when it was already sent.
 */
export async function resendDelivery(db: Db, organizationId: string, deliveryId: string): Promise<void> {
  const d = await db.alertDelivery.findFirst({ where: { id: deliveryId, organizationId } });
  if (!d) throw new AppError("not_found", "no such delivery");
  if (d.status === "sent") throw new AppError("conflict", "this message was already delivered");
  if (d.status === "sending") throw new AppError("conflict", "this message is being sent right now");
  await db.alertDelivery.update({ where: { id: d.id }, data: { status: "pending", attempts: 0, nextAttemptAt: null } });
  await enqueueDelivery(db, organizationId, d.id, `resend-${Date.now()}`);
}
