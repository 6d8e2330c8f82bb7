/**
 * When each account's revenue started and (if it did) ended, from its Stripe subscriptions.
 *
 * - Subscriptions with status incomplete / incomplete_expired never produced revenue: ignored.
 * - A subscription canceled/ended during its trial (end ≤ `trialEnd`) never produced revenue either: a trial
 *   that never paid is not a churn (the lifecycle rule of lib/signals/account-history.ts, docs/signals.md).
 *   Revenue of a subscription with a trial starts when the trial ends.
 * - A subscription is live when it has no endedAt and its status is not canceled.
 * - An account churned when it had at least one revenue subscription and ALL of them ended; its
 *   churn day is the latest end (endedAt ?? canceledAt ?? cancelAt ?? currentPeriodEnd). An account
 *   with any live subscription has not churned (a win-back cancels an earlier churn).
 * Reads subscriptions in pages of 5,000 (memory: one small entry per account).
 */
import type { Db } from "@/lib/db";

export type RevenueSpan = { startedAt: Date | null; churnedAt: Date | null };

const NO_REVENUE = new Set(["incomplete", "incomplete_expired"]);

/** accountId → revenue span, for accounts with at least one revenue subscription. */
export async function loadRevenueSpans(db: Db, organizationId: string): Promise<Map<string, RevenueSpan>> {
  const acc = new Map<string, { start: number | null; live: boolean; end: number | null }>();
  let after: string | null = null;
  for (;;) {
    const subs: { id: string; accountId: string | null; status: string; startDate: Date | null; sourceCreatedAt: Date | null; endedAt: Date | null; canceledAt: Date | null; cancelAt: Date | null; currentPeriodEnd: Date | null; trialEnd: Date | null }[] =
      await db.subscription.findMany({
        where: { organizationId, accountId: { not: null }, ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: "asc" },
        take: 5000,
        select: { id: true, accountId: true, status: true, startDate: true, sourceCreatedAt: true, endedAt: true, canceledAt: true, cancelAt: true, currentPeriodEnd: true, trialEnd: true },
      });
    if (subs.length === 0) break;
    after = subs[subs.length - 1].id;
    for (const s of subs) {
      if (NO_REVENUE.has(s.status) || !s.accountId) continue;
      const ended = s.endedAt !== null || s.status === "canceled";
      const end = ended ? (s.endedAt ?? s.canceledAt ?? s.cancelAt ?? s.currentPeriodEnd)?.getTime() ?? null : null;
      const trialEnd = s.trialEnd?.getTime() ?? null;
      if (ended && trialEnd !== null && (end === null || end <= trialEnd)) continue; // canceled in its trial: never revenue
      const e = acc.get(s.accountId) ?? { start: null, live: false, end: null };
      const begun = (s.startDate ?? s.sourceCreatedAt)?.getTime() ?? null;
      const start = begun !== null && trialEnd !== null ? Math.max(begun, trialEnd) : begun ?? trialEnd;
      if (start !== null) e.start = e.start === null ? start : Math.min(e.start, start);
      if (!ended) e.live = true;
      else if (end !== null) e.end = e.end === null ? end : Math.max(e.end, end);
      acc.set(s.accountId, e);
    }
    if (subs.length < 5000) break;
  }
  const out = new Map<string, RevenueSpan>();
  for (const [id, e] of acc) {
    out.set(id, { startedAt: e.start === null ? null : new Date(e.start), churnedAt: !e.live && e.end !== null ? new Date(e.end) : null });
  }
  return out;
}

/** Was the account a paying customer on `day` (started on/before it, not churned by it)? */
export function activeOn(span: RevenueSpan | undefined, day: Date): boolean {
  if (!span) return false;
  if (span.startedAt && span.startedAt.getTime() > day.getTime() + 86_399_999) return false;
  return span.churnedAt === null || span.churnedAt.getTime() > day.getTime();
}

/** Did the account churn within (day, day + horizonDays]? */
export function churnedWithin(span: RevenueSpan | undefined, day: Date, horizonDays: number): boolean {
  if (!span?.churnedAt) return false;
  const t = span.churnedAt.getTime();
  return t > day.getTime() && t <= day.getTime() + horizonDays * 86_400_000;
}
