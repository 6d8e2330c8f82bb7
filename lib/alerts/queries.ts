/**
 * Reads for the alerts page (app/(console)/alerts) and GET /api/alerts: recent alert events with their deliveries
 * (status, attempts, the last error, the next attempt), newest first; problems (retrying or failed) first when asked.
 * Never returns a webhook URL or an SMTP secret: a delivery's `target` is an address or "Slack webhook …hint".
 */
import type { Db } from "@/lib/db";

export type DeliveryView = {
  id: string; kind: "alert" | "digest"; channel: "slack" | "email"; target: string; status: string; attempts: number;
  lastError: string | null; nextAttemptAt: Date | null; sentAt: Date | null; createdAt: Date; subject: string;
  event: { id: string; ruleId: string; ruleName: string; accountId: string; accountName: string; summary: string; firedAt: Date } | null;
};

/**
 * The organization's deliveries, newest first (at most `limit`, default 100). `status`: only those ("problems" =
 * retrying or failed).
 */
export async function listDeliveries(db: Db, organizationId: string, opts: { status?: "problems" | "sent" | "all"; limit?: number } = {}): Promise<DeliveryView[]> {
  const where = {
    organizationId,
    ...(opts.status === "problems" ? { status: { in: ["retrying", "failed"] } } : opts.status === "sent" ? { status: "sent" } : {}),
  };
  const rows = await db.alertDelivery.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: Math.min(opts.limit ?? 100, 500) });
  const eventIds = [...new Set(rows.map((r) => r.eventId).filter((x): x is string => Boolean(x)))];
  const events = eventIds.length ? await db.alertEvent.findMany({ where: { organizationId, id: { in: eventIds } } }) : [];
  const rules = new Map((await db.alertRule.findMany({ where: { organizationId, id: { in: [...new Set(events.map((e) => e.ruleId))] } }, select: { id: true, name: true } })).map((r) => [r.id, r.name]));
  const ev = new Map(events.map((e) => [e.id, e]));
  return rows.map((r) => {
    const e = r.eventId ? ev.get(r.eventId) : undefined;
    const d = (e?.details ?? {}) as { accountName?: string; ruleName?: string };
    const msg = (r.payload as { message?: { subject?: string; text?: string } }).message;
    return {
      id: r.id, kind: r.kind === "digest" ? "digest" : "alert", channel: r.channel === "slack" ? "slack" : "email", target: r.target, status: r.status, attempts: r.attempts,
      lastError: r.lastError, nextAttemptAt: r.nextAttemptAt, sentAt: r.sentAt, createdAt: r.createdAt, subject: msg?.subject ?? msg?.text ?? "",
      event: e ? { id: e.id, ruleId: e.ruleId, ruleName: rules.get(e.ruleId) ?? d.ruleName ?? "(deleted rule)", accountId: e.accountId, accountName: d.accountName ?? "", summary: e.summary, firedAt: e.firedAt } : null,
    };
  });
}

/** Counts for the alerts page header: deliveries per status in the last 7 days. */
export async function deliveryCounts(db: Db, organizationId: string, now = new Date()): Promise<Record<string, number>> {
  const g = await db.alertDelivery.groupBy({ by: ["status"], where: { organizationId, createdAt: { gte: new Date(now.getTime() - 7 * 86_400_000) } }, _count: { _all: true } });
  return Object.fromEntries(g.map((x) => [x.status, x._count._all]));
}
