/**
 * Fixtures for the alert tests: an organization with members (an admin and CSMs), a HubSpot owner mapped by e-mail,
 * accounts and their daily scores written directly (the scoring engine has its own tests).
 */
import type { Db } from "@/lib/db";

export const DAY = 86_400_000;

export function utcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export async function makeOrg(db: Db, slug: string, users: { email: string; name: string; role: "owner" | "admin" | "csm" }[]) {
  const org = await db.organization.create({ data: { name: slug, slug: `${slug}-${Math.random().toString(36).slice(2, 8)}` } });
  const ids: Record<string, string> = {};
  for (const u of users) {
    const id = `u_${slug}_${u.email.split("@")[0]}_${Math.random().toString(36).slice(2, 6)}`;
    await db.user.create({ data: { id, name: u.name, email: `${slug}.${u.email}` } });
    await db.membership.create({ data: { organizationId: org.id, userId: id, role: u.role } });
    ids[u.email] = id;
  }
  const conn = await db.connection.create({ data: { organizationId: org.id, provider: "hubspot", externalAccountId: `${slug}-portal`, displayName: "HubSpot" } });
  return { org, users: ids, connectionId: conn.id };
}

/** An owner whose e-mail matches user `email` of the org (the e-mail mapping picks it up). */
export async function makeOwner(db: Db, organizationId: string, connectionId: string, externalId: string, email: string, name: [string, string]) {
  return db.owner.create({ data: { organizationId, connectionId, externalId, email, firstName: name[0], lastName: name[1] } });
}

/** An account scored on the given days (newest last): [{day offset from `today`, score, level, probability}]. */
export async function makeAccount(db: Db, p: {
  organizationId: string; name: string; ownerId?: string | null; today: Date; mrrCents?: number;
  scores: { daysAgo: number; score: number; level: "healthy" | "at_risk" | "critical" | null; probability?: number; version?: number }[];
  renewalDate?: Date | null;
}) {
  const latest = [...p.scores].sort((a, b) => a.daysAgo - b.daysAgo)[0];
  const acc = await db.account.create({
    data: {
      organizationId: p.organizationId, name: p.name, ownerId: p.ownerId ?? null, mrrCents: p.mrrCents ?? 50_000, mrrCurrency: "usd",
      healthScore: latest?.score ?? null, riskLevel: latest?.level ?? null, churnProbability: latest?.probability ?? null,
      scoredAt: latest ? p.today : null, renewalDate: p.renewalDate ?? null, lifecycleState: "customer", topReason: "2 failed payments in 30 days",
    },
  });
  for (const s of p.scores) {
    await db.churnScoreDaily.create({
      data: {
        organizationId: p.organizationId, accountId: acc.id, day: new Date(utcDay(p.today).getTime() - s.daysAgo * DAY), healthScore: s.score, riskLevel: s.level,
        churnProbability: s.probability ?? null, factors: [], drivers: ["2 failed payments in 30 days", "MRR down 20% in 30 days"], scoringConfigVersion: s.version ?? 1,
      },
    });
  }
  return acc;
}

/** Replace an account's scores for one config version (a weight change re-scores history with a new version). */
export async function rescore(db: Db, accountId: string, today: Date, version: number, scores: { daysAgo: number; score: number; level: "healthy" | "at_risk" | "critical" }[]) {
  for (const s of scores) {
    const day = new Date(utcDay(today).getTime() - s.daysAgo * DAY);
    await db.churnScoreDaily.update({ where: { accountId_day: { accountId, day } }, data: { healthScore: s.score, riskLevel: s.level, scoringConfigVersion: version } });
  }
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 20_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, every));
  }
}
