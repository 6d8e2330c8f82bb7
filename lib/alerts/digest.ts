/**
 * The daily digest (issue 16): one e-mail per CSM, at the time the organization set (AlertSettings.digestMinuteUtc),
 * listing for the accounts whose CSM they are:
 * - risk level changes: the account's latest scored day is within the last day before the digest and its level
 *   differs from the previous scored day of the same scoring config version;
 * - new failed payments: failed Stripe charges created in the 24 hours before the digest;
 * - renewals in 30 days at risk: renewal date within 30 days and level at risk or critical.
 * A CSM with nothing to report gets no e-mail. One delivery per organization, CSM and day (idempotency key
 * `digest:<org>:<user>:<day>`), sent by `deliver-alert-job` with the same retries as alerts.
 *
 * Scheduling: `alert-digest-job` {organizationId, dueAt} runs at dueAt; it sends the day's digests (once per day,
 * AlertSettings.lastDigestDay) and queues the next day's. `scheduleNextDigest` is called after every alert
 * evaluation and when the settings change; a job whose dueAt no longer matches the settings does nothing.
 */
import type { Db } from "@/lib/db";
import { appBaseUrl } from "@/lib/env";
import { enqueueJob } from "@/lib/jobs/queue";
import { enqueueDelivery } from "./evaluate";
import { renderEmailDigest, type Digest } from "./messages";

const DAY_MS = 86_400_000;
const DEFAULT_DIGEST_MINUTE = 8 * 60;

function utcMidnight(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Build one CSM's digest as of `now` (pure reading; no sending). */
export async function buildDigest(db: Db, p: { organizationId: string; userId: string; now: Date }): Promise<Digest> {
  const { organizationId, userId, now } = p;
  const base = appBaseUrl();
  const user = await db.user.findUnique({ where: { id: userId }, select: { name: true } });
  const accounts = await db.account.findMany({
    where: { organizationId, csmUserId: userId, archivedAt: null },
    select: { id: true, name: true, renewalDate: true, riskLevel: true },
  });
  const ids = accounts.map((a) => a.id);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const since = new Date(now.getTime() - DAY_MS);
  const scores = ids.length ? await db.churnScoreDaily.findMany({
    where: { organizationId, accountId: { in: ids }, day: { gte: new Date(utcMidnight(now).getTime() - 10 * DAY_MS), lte: now } },
    select: { accountId: true, day: true, riskLevel: true, scoringConfigVersion: true },
    orderBy: [{ accountId: "asc" }, { day: "desc" }],
  }) : [];
  const levelChanges: Digest["levelChanges"] = [];
  const seen = new Map<string, { day: Date; riskLevel: string | null; v: number; done: boolean }>();
  for (const s of scores) {
    const cur = seen.get(s.accountId);
    if (!cur) { seen.set(s.accountId, { day: s.day, riskLevel: s.riskLevel, v: s.scoringConfigVersion, done: false }); continue; }
    if (cur.done || s.scoringConfigVersion !== cur.v) continue;
    cur.done = true;
    if (cur.day.getTime() >= utcMidnight(since).getTime() && cur.riskLevel !== s.riskLevel) {
      levelChanges.push({ accountId: s.accountId, name: byId.get(s.accountId)!.name, from: s.riskLevel, to: cur.riskLevel, link: `${base}/accounts/${s.accountId}` });
    }
  }
  const charges = ids.length ? await db.charge.findMany({
    where: { organizationId, accountId: { in: ids }, status: "failed", sourceCreatedAt: { gt: since, lte: now } },
    orderBy: { sourceCreatedAt: "asc" },
  }) : [];
  const renewalsAtRisk = accounts
    .filter((a) => a.renewalDate && a.renewalDate.getTime() >= utcMidnight(now).getTime() && a.renewalDate.getTime() <= now.getTime() + 30 * DAY_MS && (a.riskLevel === "at_risk" || a.riskLevel === "critical"))
    .sort((a, b) => a.renewalDate!.getTime() - b.renewalDate!.getTime())
    .map((a) => ({ accountId: a.id, name: a.name, renewalDate: a.renewalDate!.toISOString(), riskLevel: a.riskLevel, link: `${base}/accounts/${a.id}` }));
  return {
    day: now.toISOString().slice(0, 10),
    userName: user?.name ?? "",
    levelChanges: levelChanges.sort((a, b) => a.name.localeCompare(b.name)),
    failedPayments: charges.map((c) => ({ accountId: c.accountId!, name: byId.get(c.accountId!)!.name, amountCents: c.amountCents, currency: c.currency, at: c.sourceCreatedAt.toISOString(), link: `${base}/accounts/${c.accountId}` })),
    renewalsAtRisk,
  };
}

/**
 * Record and queue today's digest for every member who is the CSM of at least one account and has something to
 * report. Idempotent per day. Returns the number of digests queued.
 */
export async function sendDigests(db: Db, p: { organizationId: string; now: Date }): Promise<{ digests: number; skippedEmpty: number }> {
  const { organizationId, now } = p;
  const day = now.toISOString().slice(0, 10);
  const csms = await db.account.groupBy({ by: ["csmUserId"], where: { organizationId, archivedAt: null, csmUserId: { not: null } } });
  let digests = 0;
  let skippedEmpty = 0;
  for (const { csmUserId } of csms) {
    const member = await db.membership.findUnique({ where: { organizationId_userId: { organizationId, userId: csmUserId! } }, select: { user: { select: { email: true } } } });
    if (!member) continue;
    const d = await buildDigest(db, { organizationId, userId: csmUserId!, now });
    if (!d.levelChanges.length && !d.failedPayments.length && !d.renewalsAtRisk.length) { skippedEmpty++; continue; }
    const key = `digest:${organizationId}:${csmUserId}:${day}`;
    const existing = await db.alertDelivery.findUnique({ where: { idempotencyKey: key } });
    if (existing) continue;
    try {
      const row = await db.alertDelivery.create({
        data: { organizationId, kind: "digest", channel: "email", target: member.user.email, idempotencyKey: key, payload: { message: renderEmailDigest(d, [member.user.email]) } as object },
      });
      await enqueueDelivery(db, organizationId, row.id, 0);
      digests++;
    } catch (err) {
      if ((err as { code?: string }).code !== "P2002") throw err;
    }
  }
  return { digests, skippedEmpty };
}

/** When the digest of the UTC day of `now` is due (the organization's time, default 08:00 UTC). */
export function digestDueAt(now: Date, minuteUtc: number): Date {
  return new Date(utcMidnight(now).getTime() + minuteUtc * 60_000);
}

/** Queue the next digest run (today's if still ahead and not yet done, else tomorrow's). No-op when digests are off. */
export async function scheduleNextDigest(db: Db, organizationId: string, now = new Date()): Promise<Date | null> {
  const s = await db.alertSettings.findUnique({ where: { organizationId } });
  if (s && !s.digestEnabled) return null;
  const minute = s?.digestMinuteUtc ?? DEFAULT_DIGEST_MINUTE;
  let due = digestDueAt(now, minute);
  const doneToday = s?.lastDigestDay && s.lastDigestDay.getTime() >= utcMidnight(now).getTime();
  if (due.getTime() <= now.getTime() || doneToday) due = digestDueAt(new Date(now.getTime() + DAY_MS), minute);
  await enqueueJob(db, "alert-digest-job", { organizationId, dueAt: due.toISOString() }, { organizationId, dedupeKey: `alert-digest:${organizationId}:${due.toISOString()}`, runAfter: due });
  return due;
}

/** The digest job's work: send the digests of dueAt's day if the settings still say dueAt, then schedule the next. */
export async function runDigestJob(db: Db, p: { organizationId: string; dueAt: string; now?: Date }): Promise<{ sent: number; skipped?: string }> {
  const now = p.now ?? new Date();
  const due = new Date(p.dueAt);
  const s = await db.alertSettings.findUnique({ where: { organizationId: p.organizationId } });
  if (s && !s.digestEnabled) return { sent: 0, skipped: "digests are off" };
  if (digestDueAt(due, s?.digestMinuteUtc ?? DEFAULT_DIGEST_MINUTE).getTime() !== due.getTime()) return { sent: 0, skipped: "the digest time changed" };
  const day = utcMidnight(due);
  if (s?.lastDigestDay && s.lastDigestDay.getTime() >= day.getTime()) {
    await scheduleNextDigest(db, p.organizationId, now);
    return { sent: 0, skipped: "already sent today" };
  }
  const r = await sendDigests(db, { organizationId: p.organizationId, now: now.getTime() < due.getTime() ? due : now });
  await db.alertSettings.upsert({ where: { organizationId: p.organizationId }, create: { organizationId: p.organizationId, lastDigestDay: day }, update: { lastDigestDay: day } });
  await scheduleNextDigest(db, p.organizationId, now);
  return { sent: r.digests };
}
