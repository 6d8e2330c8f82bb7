/**
 * Alert evaluation (issue 16): after a scoring run (refresh-organization-job) or a webhook-driven re-score
 * (refresh-accounts-job), `evaluate-alerts-job` checks every enabled rule of the organization against the scored
 * accounts and records an AlertEvent per (rule, account, change), then its deliveries (Slack, e-mail) and playbook
 * tasks, and queues one `deliver-alert-job` per delivery.
 *
 * What "a change" is, per kind (see docs/alerts.md):
 * - risk_level_changed: the latest scored day's level is in `levels` and differs from the previous scored day of the
 *   same scoring config version. Both days are re-scored together after a weight change, so a weight change alone
 *   does not look like a day-over-day change; dedupe key `level:<level>:<day>`.
 * - score_dropped: latest score ≤ the score `days` days earlier (same config version) − `points`; key `drop:<day>`.
 * - payment_failed: a failed Stripe charge created within `days` days before now; key `charge:<charge id>`.
 * - cancellation_scheduled: subscriptions with cancel_at_period_end / cancel_at carry ≥ `share` of the account's
 *   MRR; key `cancel:<sorted subscription ids>`.
 * - renewal_at_risk: renewal within `days` days while at risk or critical; key `renewal:<renewal day>`.
 * - probability_above: the churn probability crossed `probability` (previous scored day below it or unknown);
 *   key `probability:<day>`.
 *
 * Dedupe: AlertEvent is unique on (rule, account, dedupe key), so re-evaluating the same scores (a re-sync, a retried
 * job, two workers) never records the same change twice. Cooldown: while the rule's last event for the account is
 * younger than `cooldownHours`, no new event is recorded for that account and rule even for another change.
 */
import type { Db } from "@/lib/db";
import { appBaseUrl } from "@/lib/env";
import { enqueueJob } from "@/lib/jobs/queue";
import { refreshBookOfBusiness, ownerDisplayName } from "@/lib/book/csm";
import { explainChange } from "@/lib/scoring/explain-change";
import { levelLabel, renderEmailAlert, renderSlackAlert, type AlertDetails } from "./messages";
import { parseRuleParams, slackWebhookFor, toRuleView, type RuleKind, type RuleParams, type RuleView } from "./rules";

const DAY_MS = 86_400_000;
const BATCH = 500;

export type EvaluateResult = { rules: number; accounts: number; candidates: number; fired: number; suppressedByCooldown: number; duplicates: number; deliveries: number; tasks: number };

type ScoreRow = { accountId: string; day: Date; healthScore: number; riskLevel: string | null; churnProbability: number | null; scoringConfigVersion: number; drivers: unknown };
type AccountRow = {
  id: string; name: string; riskLevel: string | null; healthScore: number | null; churnProbability: number | null; renewalDate: Date | null;
  mrrCents: number | null; mrrCurrency: string | null; topReason: string | null; csmUserId: string | null; ownerId: string | null;
};
type Candidate = { dedupeKey: string; change: string };

type AccountFacts = {
  account: AccountRow;
  latest: ScoreRow | null;
  previous: ScoreRow | null;
  /** Same-version scores by day (ms) for look-backs. */
  byDay: Map<number, ScoreRow>;
  failedCharges: { externalId: string; amountCents: number; currency: string; sourceCreatedAt: Date }[];
  subscriptions: { externalId: string; status: string; mrrCents: number; cancelAtPeriodEnd: boolean; cancelAt: Date | null }[];
};

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The candidate change of one rule for one account, or null. Pure (exported for unit tests). */
export function candidateFor(kind: RuleKind, params: RuleParams[RuleKind], f: AccountFacts, now: Date): Candidate | null {
  const L = f.latest;
  switch (kind) {
    case "risk_level_changed": {
      const p = params as RuleParams["risk_level_changed"];
      if (!L || !L.riskLevel || !f.previous || f.previous.riskLevel === L.riskLevel) return null;
      if (!(p.levels as string[]).includes(L.riskLevel)) return null;
      return { dedupeKey: `level:${L.riskLevel}:${isoDay(L.day)}`, change: `Risk level ${levelLabel(f.previous.riskLevel)} → ${levelLabel(L.riskLevel)}` };
    }
    case "score_dropped": {
      const p = params as RuleParams["score_dropped"];
      if (!L) return null;
      const then = f.byDay.get(L.day.getTime() - p.days * DAY_MS);
      if (!then || then.healthScore - L.healthScore < p.points) return null;
      return { dedupeKey: `drop:${isoDay(L.day)}`, change: `Health score fell ${Math.round(then.healthScore - L.healthScore)} points in ${p.days} days (${Math.round(then.healthScore)} → ${Math.round(L.healthScore)})` };
    }
    case "payment_failed": {
      const p = params as RuleParams["payment_failed"];
      const since = now.getTime() - p.days * DAY_MS;
      const c = f.failedCharges.filter((x) => x.sourceCreatedAt.getTime() >= since && x.sourceCreatedAt.getTime() <= now.getTime() + DAY_MS)
        .sort((a, b) => b.sourceCreatedAt.getTime() - a.sourceCreatedAt.getTime())[0];
      if (!c) return null;
      return { dedupeKey: `charge:${c.externalId}`, change: `Payment of ${(c.amountCents / 100).toFixed(2)} ${c.currency.toUpperCase()} failed` };
    }
    case "cancellation_scheduled": {
      const p = params as RuleParams["cancellation_scheduled"];
      const live = f.subscriptions.filter((s) => ["active", "trialing", "past_due"].includes(s.status));
      const total = live.reduce((a, s) => a + s.mrrCents, 0);
      const canceling = live.filter((s) => s.cancelAtPeriodEnd || s.cancelAt);
      const share = total > 0 ? canceling.reduce((a, s) => a + s.mrrCents, 0) / total : 0;
      if (!canceling.length || share < p.share) return null;
      return { dedupeKey: `cancel:${canceling.map((s) => s.externalId).sort().join(",")}`, change: `Cancellation scheduled for ${Math.round(share * 100)}% of MRR` };
    }
    case "renewal_at_risk": {
      const p = params as RuleParams["renewal_at_risk"];
      const a = f.account;
      const level = L?.riskLevel ?? a.riskLevel;
      if (!a.renewalDate || (level !== "at_risk" && level !== "critical")) return null;
      const days = Math.ceil((a.renewalDate.getTime() - now.getTime()) / DAY_MS);
      if (days < 0 || days > p.days) return null;
      return { dedupeKey: `renewal:${isoDay(a.renewalDate)}`, change: `Renews in ${days} days while ${levelLabel(level)}` };
    }
    case "probability_above": {
      const p = params as RuleParams["probability_above"];
      if (!L || L.churnProbability === null || L.churnProbability < p.probability) return null;
      if (f.previous && f.previous.churnProbability !== null && f.previous.churnProbability >= p.probability) return null;
      return { dedupeKey: `probability:${isoDay(L.day)}`, change: `Churn probability ${Math.round(L.churnProbability * 100)}% (above ${Math.round(p.probability * 100)}%)` };
    }
  }
}

async function loadFacts(db: Db, organizationId: string, accounts: AccountRow[], maxLookbackDays: number, needCharges: boolean, needSubs: boolean, now: Date): Promise<Map<string, AccountFacts>> {
  const ids = accounts.map((a) => a.id);
  const from = new Date(now.getTime() - (maxLookbackDays + 3) * DAY_MS);
  const [scores, charges, subs] = await Promise.all([
    db.churnScoreDaily.findMany({
      where: { organizationId, accountId: { in: ids }, day: { gte: from } },
      select: { accountId: true, day: true, healthScore: true, riskLevel: true, churnProbability: true, scoringConfigVersion: true, drivers: true },
      orderBy: [{ accountId: "asc" }, { day: "desc" }],
    }),
    needCharges ? db.charge.findMany({ where: { organizationId, accountId: { in: ids }, status: "failed", sourceCreatedAt: { gte: new Date(now.getTime() - 31 * DAY_MS) } }, select: { accountId: true, externalId: true, amountCents: true, currency: true, sourceCreatedAt: true } }) : [],
    needSubs ? db.subscription.findMany({ where: { organizationId, accountId: { in: ids } }, select: { accountId: true, externalId: true, status: true, mrrCents: true, cancelAtPeriodEnd: true, cancelAt: true } }) : [],
  ]);
  const out = new Map<string, AccountFacts>();
  for (const a of accounts) out.set(a.id, { account: a, latest: null, previous: null, byDay: new Map(), failedCharges: [], subscriptions: [] });
  for (const s of scores) {
    const f = out.get(s.accountId)!;
    if (!f.latest) { f.latest = s; f.byDay.set(s.day.getTime(), s); continue; }
    if (s.scoringConfigVersion !== f.latest.scoringConfigVersion) continue;
    f.byDay.set(s.day.getTime(), s);
    if (!f.previous) f.previous = s;
  }
  for (const c of charges) if (c.accountId) out.get(c.accountId)?.failedCharges.push(c);
  for (const s of subs) if (s.accountId) out.get(s.accountId)?.subscriptions.push(s);
  return out;
}

/**
 * The factor or penalty that lowered the score most between the previous and the latest scored day (same config
 * version), as "Failed payments fell from 100 to 60: 1 failed payment in 30 days (−6.0 since 2026-12-02)"; null when
 * nothing lowered it or the rows cannot be compared.
 */
async function whatChanged(db: Db, organizationId: string, f: AccountFacts): Promise<string | null> {
  if (!f.latest || !f.previous) return null;
  const rows = await db.churnScoreDaily.findMany({
    where: { organizationId, accountId: f.account.id, day: { in: [f.latest.day, f.previous.day] } },
    select: { day: true, healthScore: true, factors: true, penalties: true, scoringConfigVersion: true },
  });
  const before = rows.find((r) => r.day.getTime() === f.previous!.day.getTime());
  const after = rows.find((r) => r.day.getTime() === f.latest!.day.getTime());
  if (!before || !after) return null;
  try {
    const worst = explainChange(before, after)?.changes.find((c) => c.effect < 0);
    return worst ? `${worst.text} (−${Math.abs(worst.effect).toFixed(1)} since ${isoDay(before.day)})` : null;
  } catch {
    return null;
  }
}

function lookback(r: RuleView): number {
  const p = r.params as Record<string, unknown>;
  return r.kind === "score_dropped" ? Number(p.days ?? 7) : 1;
}

/**
 * Evaluate the organization's enabled rules for its scored accounts (or only `accountIds`), record events,
 * deliveries and playbook tasks, and queue the deliveries. Safe to run twice on the same scores (no duplicates).
 * `now` (default the clock) is the evaluation time: cooldowns, payment windows and renewal distances use it.
 */
export async function evaluateAlerts(db: Db, opts: { organizationId: string; accountIds?: string[]; now?: Date }): Promise<EvaluateResult> {
  const { organizationId } = opts;
  const now = opts.now ?? new Date();
  const rows = await db.alertRule.findMany({ where: { organizationId, enabled: true }, orderBy: { createdAt: "asc" } });
  const result: EvaluateResult = { rules: rows.length, accounts: 0, candidates: 0, fired: 0, suppressedByCooldown: 0, duplicates: 0, deliveries: 0, tasks: 0 };
  await refreshBookOfBusiness(db, organizationId);
  if (!rows.length) return result;
  const rules = rows.map((r) => ({ row: r, view: toRuleView(r), params: parseRuleParams(r.kind as RuleKind, r.params) }));
  const maxLookback = Math.max(...rules.map((r) => lookback(r.view)));
  const needCharges = rules.some((r) => r.view.kind === "payment_failed");
  const needSubs = rules.some((r) => r.view.kind === "cancellation_scheduled");
  const maxCooldownMs = Math.max(...rules.map((r) => r.view.cooldownHours)) * 3_600_000;

  const members = await db.membership.findMany({ where: { organizationId }, select: { userId: true, user: { select: { name: true, email: true } } } });
  const users = new Map(members.map((m) => [m.userId, m.user]));
  const owners = new Map((await db.owner.findMany({ where: { organizationId } })).map((o) => [o.id, ownerDisplayName(o)]));
  const queued: string[] = [];

  let cursor: string | undefined;
  for (;;) {
    const accounts: AccountRow[] = await db.account.findMany({
      where: { organizationId, archivedAt: null, scoredAt: { not: null }, ...(opts.accountIds ? { id: { in: opts.accountIds } } : {}), ...(cursor ? { id: { gt: cursor, ...(opts.accountIds ? { in: opts.accountIds } : {}) } } : {}) },
      select: { id: true, name: true, riskLevel: true, healthScore: true, churnProbability: true, renewalDate: true, mrrCents: true, mrrCurrency: true, topReason: true, csmUserId: true, ownerId: true },
      orderBy: { id: "asc" }, take: BATCH,
    });
    if (!accounts.length) break;
    cursor = accounts[accounts.length - 1].id;
    result.accounts += accounts.length;
    const facts = await loadFacts(db, organizationId, accounts, maxLookback, needCharges, needSubs, now);

    const cands: { rule: (typeof rules)[number]; f: AccountFacts; c: Candidate }[] = [];
    for (const f of facts.values()) {
      for (const rule of rules) {
        const c = candidateFor(rule.view.kind, rule.params, f, now);
        if (c) cands.push({ rule, f, c });
      }
    }
    result.candidates += cands.length;
    if (!cands.length) continue;
    const recent = await db.alertEvent.findMany({
      where: { organizationId, accountId: { in: [...new Set(cands.map((x) => x.f.account.id))] }, ruleId: { in: rules.map((r) => r.row.id) }, OR: [{ firedAt: { gte: new Date(now.getTime() - maxCooldownMs) } }, { dedupeKey: { in: cands.map((x) => x.c.dedupeKey) } }] },
      select: { ruleId: true, accountId: true, dedupeKey: true, firedAt: true },
    });
    for (const { rule, f, c } of cands) {
      const mine = recent.filter((e) => e.ruleId === rule.row.id && e.accountId === f.account.id);
      if (mine.some((e) => e.dedupeKey === c.dedupeKey)) { result.duplicates++; continue; }
      if (mine.some((e) => e.firedAt.getTime() > now.getTime() - rule.view.cooldownHours * 3_600_000)) { result.suppressedByCooldown++; continue; }
      const a = f.account;
      const csmUser = a.csmUserId ? users.get(a.csmUserId) : undefined;
      const csm = csmUser?.name ?? (a.ownerId && owners.get(a.ownerId) ? `unassigned — ${owners.get(a.ownerId)}` : "unassigned");
      const drivers = Array.isArray(f.latest?.drivers) ? (f.latest!.drivers as unknown[]).filter((d): d is string => typeof d === "string") : [];
      // A level change says first what moved it since the previous scored day, then the account's top drivers.
      const moved = rule.view.kind === "risk_level_changed" ? await whatChanged(db, organizationId, f) : null;
      const top = drivers.length ? drivers : a.topReason ? [a.topReason] : [];
      const details: AlertDetails = {
        accountName: a.name, ruleName: rule.view.name, change: c.change, reasons: moved ? [moved, ...top.slice(0, 2)] : top.slice(0, 3),
        healthScore: f.latest?.healthScore ?? a.healthScore, riskLevel: f.latest?.riskLevel ?? a.riskLevel, churnProbability: f.latest?.churnProbability ?? a.churnProbability,
        mrrCents: a.mrrCents, mrrCurrency: a.mrrCurrency, csm, link: `${appBaseUrl()}/accounts/${a.id}`,
      };
      const created = await recordEvent(db, { organizationId, rule: rule.row, view: rule.view, accountId: a.id, dedupeKey: c.dedupeKey, details, csmUser: csmUser ?? null, csmUserId: a.csmUserId, now });
      if (!created) { result.duplicates++; continue; }
      recent.push({ ruleId: rule.row.id, accountId: a.id, dedupeKey: c.dedupeKey, firedAt: now });
      result.fired++;
      result.deliveries += created.deliveries.length;
      result.tasks += created.tasks;
      queued.push(...created.deliveries);
    }
  }
  for (const id of queued) await enqueueDelivery(db, organizationId, id, 0);
  return result;
}

/** Queue a delivery's send (attempt n has its own job so a retry is never deduplicated onto the running one). */
export async function enqueueDelivery(db: Db, organizationId: string, deliveryId: string, attempt: number | string, runAfter?: Date): Promise<void> {
  await enqueueJob(db, "deliver-alert-job", { deliveryId }, { organizationId, dedupeKey: `alert-delivery:${deliveryId}:${attempt}`, runAfter });
}

async function recordEvent(db: Db, p: {
  organizationId: string; rule: { id: string; slackWebhookEnc: string | null; slackWebhookHint: string | null }; view: RuleView; accountId: string; dedupeKey: string;
  details: AlertDetails; csmUser: { email: string; name: string } | null; csmUserId: string | null; now: Date;
}): Promise<{ deliveries: string[]; tasks: number } | null> {
  const { organizationId, view } = p;
  const slackUrl = view.slackEnabled ? await slackWebhookFor(db, organizationId, p.rule) : null;
  const orgHint = view.slackEnabled && !p.rule.slackWebhookHint ? (await db.alertSettings.findUnique({ where: { organizationId } }))?.slackWebhookHint : null;
  try {
    return await db.$transaction(async (tx) => {
      const ev = await tx.alertEvent.create({
        data: { organizationId, ruleId: p.rule.id, accountId: p.accountId, dedupeKey: p.dedupeKey, summary: `${p.details.accountName}: ${p.details.change}`, details: p.details as object, firedAt: p.now },
      });
      const deliveries: string[] = [];
      if (view.slackEnabled) {
        const hint = p.rule.slackWebhookHint ?? orgHint;
        const d = await tx.alertDelivery.create({
          data: {
            organizationId, eventId: ev.id, channel: "slack", target: hint ? `Slack webhook …${hint}` : "Slack (no webhook set)", idempotencyKey: `${ev.id}:slack`,
            status: slackUrl ? "pending" : "failed", lastError: slackUrl ? null : "no Slack webhook URL: set one on the rule or in the alert settings",
            payload: { ruleId: p.rule.id, message: renderSlackAlert(p.details) } as object,
          },
        });
        if (slackUrl) deliveries.push(d.id);
      }
      if (view.emailEnabled) {
        const to = view.emailTo === "list" ? view.emailList : p.csmUser ? [p.csmUser.email] : [];
        const d = await tx.alertDelivery.create({
          data: {
            organizationId, eventId: ev.id, channel: "email", target: to.join(", ") || "the account's CSM (none)", idempotencyKey: `${ev.id}:email`,
            status: to.length ? "pending" : "failed", lastError: to.length ? null : `the account has no CSM to e-mail (${p.details.csm})`,
            payload: { ruleId: p.rule.id, message: renderEmailAlert(p.details, to) } as object,
          },
        });
        if (to.length) deliveries.push(d.id);
      }
      let tasks = 0;
      const seen = new Set<string>();
      for (const item of view.playbook) {
        if (seen.has(item.title)) continue;
        seen.add(item.title);
        await tx.task.create({
          data: { organizationId, accountId: p.accountId, title: item.title, dueAt: new Date(p.now.getTime() + item.dueInDays * DAY_MS), assigneeUserId: p.csmUserId, alertEventId: ev.id },
        });
        tasks++;
      }
      return { deliveries, tasks };
    });
  } catch (err) {
    // Another evaluation recorded the same change first (unique rule + account + dedupe key).
    if ((err as { code?: string }).code === "P2002") return null;
    throw err;
  }
}
