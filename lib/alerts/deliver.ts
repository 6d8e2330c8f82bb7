/**
 * Sending one AlertDelivery (an alert or a digest to one channel), as `deliver-alert-job`.
 *
 * - Claim: one conditional update pending|retrying → sending (attempts + 1). A delivery already sent (a retried or
 *   duplicated job, a second worker) is never claimed again, so a message goes out once per idempotency key.
 *   A delivery left "sending" by a worker that died is claimable again after {@link STUCK_SENDING_MS}.
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
export const STUCK_SENDING_MS = 5 * 60_000;
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
  const claimed = await db.alertDelivery.updateMany({
    where: { id: deliveryId, OR: [{ status: { in: ["pending", "retrying"] } }, { status: "sending", updatedAt: { lt: new Date(now().getTime() - STUCK_SENDING_MS) } }] },
    data: { status: "sending", attempts: { increment: 1 } },
  });
  const d = await db.alertDelivery.findUnique({ where: { id: deliveryId } });
  if (!d) return { status: "skipped", attempts: 0, error: "no such delivery" };
  if (claimed.count === 0) return { status: "skipped", attempts: d.attempts };
  const payload = d.payload as { ruleId?: string; message: unknown };
  try {
    if (d.channel === "slack") {
      const url = await webhookUrl(db, d.organizationId, payload.ruleId);
      if (!url) throw new DeliveryError("no Slack webhook URL: set one on the rule or in the alert settings", false);
      await postToSlack(url, payload.message as SlackMessage);
    } else {
      await sendEmail(payload.message as EmailMessage);
    }
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
