/**
 * Developer check of the demo's realism (issue 8): runs the demo's data path on a fresh SQLite file
 * and prints the figures a customer-success manager would look at first.
 *
 *   npx tsx scripts/dev/demo-stats.ts            # fresh data/realism.db, then the stats
 *   npx tsx scripts/dev/demo-stats.ts --reuse    # stats of an existing data/realism.db only
 *   DEMO_STATS_DB=file:./data/other.db npx tsx scripts/dev/demo-stats.ts
 *
 * Prints (all read back from the app's database, not from the portfolio):
 * - Stripe subscriptions by status, and how many ended / were canceled on the anchor day (the app's "today");
 * - per-day average health score, risk-level counts and signal averages over the last 14 scored days;
 * - the risk-level counts on the last day, how many accounts moved by > 20 points between the last two days;
 * - the most frequent drivers on the last day (numbers blanked so equal phrasings group).
 * Takes several minutes on a loaded 2-core machine (sync + 365-day backfill + model + scoring).
 * Env: APP_ENCRYPTION_KEY is generated for the run when unset (only the throw-away DB uses it).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import type { Db } from "@/lib/db";
import { createPrisma } from "@/lib/db/prisma";

const args = process.argv.slice(2);
const reuse = args.includes("--reuse");
const databaseUrl = process.env.DEMO_STATS_DB ?? "file:./data/realism.db";
const DAY_MS = 86_400_000;

process.env.APP_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
process.env.LOG_LEVEL ??= "warn";

const pad = (s: string | number, n: number) => String(s).padStart(n);
const dayIso = (d: Date) => d.toISOString().slice(0, 10);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

async function prepare(): Promise<{ db: Db; stop: () => Promise<void> }> {
  if (reuse) {
    if (!existsSync(databaseUrl.replace(/^file:/, ""))) throw new Error(`--reuse: ${databaseUrl} does not exist`);
    const db = createPrisma(databaseUrl);
    return { db, stop: () => db.$disconnect() };
  }
  const { prepareDemo } = await import("@/scripts/demo/prepare-demo");
  const t0 = Date.now();
  const r = await prepareDemo({
    databaseUrl,
    portfolio: "ravenstack",
    reset: true,
    ports: { hubspot: 0, stripe: 0 },
    limits: false,
    users: { adminEmail: "admin@realism.test", adminPassword: "realism-admin-pw-1", csmEmail: "csm@realism.test", csmPassword: "realism-csm-pw-1" },
    log: (l) => console.log(`[demo] ${l}`),
  });
  console.log(`[demo] prepared in ${((Date.now() - t0) / 1000).toFixed(0)} s; timings ${JSON.stringify(r.timings)}`);
  return {
    db: r.db,
    stop: async () => {
      await r.sandbox.close();
      await r.db.$disconnect();
    },
  };
}

async function stats(db: Db): Promise<void> {
  const org = await db.organization.findUniqueOrThrow({ where: { slug: "demo" } });
  const organizationId = org.id;
  const lastScore = await db.churnScoreDaily.findFirst({ where: { organizationId }, orderBy: { day: "desc" }, select: { day: true } });
  if (!lastScore) throw new Error("no scores in the database");
  const lastDay = lastScore.day;
  const anchorStart = new Date(Date.UTC(lastDay.getUTCFullYear(), lastDay.getUTCMonth(), lastDay.getUTCDate()));
  const anchorEnd = new Date(anchorStart.getTime() + DAY_MS);
  console.log(`\nlast scored day (anchor): ${dayIso(anchorStart)}`);

  // ---- Subscriptions.
  const subs = await db.subscription.findMany({ where: { organizationId }, select: { status: true, endedAt: true, canceledAt: true, cancelAtPeriodEnd: true, startDate: true, sourceCreatedAt: true } });
  const byStatus = new Map<string, number>();
  for (const s of subs) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  const on = (d: Date | null) => d !== null && d >= anchorStart && d < anchorEnd;
  const endedOn = subs.filter((s) => on(s.endedAt));
  const canceledOn = subs.filter((s) => on(s.canceledAt));
  const endedOrCanceledOn = subs.filter((s) => on(s.endedAt) || on(s.canceledAt));
  console.log(`\nsubscriptions: ${subs.length}  by status: ${[...byStatus].map(([k, v]) => `${k}=${v}`).join(" ")}`);
  console.log(`  ended_at on the anchor day: ${endedOn.length}; canceled_at on it: ${canceledOn.length} (of which scheduled, cancel_at_period_end: ${canceledOn.filter((s) => s.cancelAtPeriodEnd).length}); either: ${endedOrCanceledOn.length}`);
  const ageBuckets = new Map<string, number>();
  for (const s of endedOn) {
    const created = s.sourceCreatedAt ?? s.startDate;
    const age = created ? Math.floor((anchorEnd.getTime() - created.getTime()) / DAY_MS) : -1;
    const b = age < 0 ? "unknown" : age <= 1 ? "<=1d" : age <= 7 ? "2-7d" : age <= 31 ? "8-31d" : age <= 90 ? "32-90d" : ">90d";
    ageBuckets.set(b, (ageBuckets.get(b) ?? 0) + 1);
  }
  if (endedOn.length) console.log(`  age of those ended on the anchor day: ${[...ageBuckets].map(([k, v]) => `${k}=${v}`).join(" ")}`);

  // ---- Scores over the last 14 days.
  const from = new Date(anchorStart.getTime() - 13 * DAY_MS);
  const scores = await db.churnScoreDaily.findMany({
    where: { organizationId, day: { gte: from } },
    select: { accountId: true, day: true, healthScore: true, riskLevel: true, drivers: true, churnProbability: true, factors: true, penalties: true },
  });
  const signals = await db.accountSignalDaily.findMany({
    where: { organizationId, day: { gte: from } },
    select: { day: true, mrrCents: true, cancellationPending: true, failedPayments30d: true, daysSinceLastEngagement: true, openTickets: true, daysUntilRenewal: true, pastDueInvoices: true, isBackfill: true },
  });
  const byDay = new Map<string, typeof scores>();
  for (const s of scores) {
    const k = dayIso(s.day);
    const l = byDay.get(k) ?? [];
    l.push(s);
    byDay.set(k, l);
  }
  const sigByDay = new Map<string, typeof signals>();
  for (const s of signals) {
    const k = dayIso(s.day);
    const l = sigByDay.get(k) ?? [];
    l.push(s);
    sigByDay.set(k, l);
  }
  const days = [...byDay.keys()].sort();
  console.log(`\nper day (last ${days.length} scored days):`);
  console.log(`  day         n    avgScore  Δ      healthy at_risk critical avgP   | sig: backfill mrr>0 cancelPend failed30 pastDue noEng>30 tickets renew<=30`);
  let prev = NaN;
  for (const d of days) {
    const l = byDay.get(d)!;
    const avg = mean(l.map((s) => s.healthScore));
    const lv = (r: string) => l.filter((s) => s.riskLevel === r).length;
    const sg = sigByDay.get(d) ?? [];
    const cnt = (f: (x: (typeof signals)[number]) => boolean) => sg.filter(f).length;
    console.log(
      `  ${d} ${pad(l.length, 4)} ${pad(avg.toFixed(2), 8)} ${pad(Number.isNaN(prev) ? "" : (avg - prev).toFixed(2), 6)} ${pad(lv("healthy"), 7)} ${pad(lv("at_risk"), 7)} ${pad(lv("critical"), 8)} ${pad(mean(l.map((s) => s.churnProbability ?? NaN).filter((x) => !Number.isNaN(x))).toFixed(3), 6)} |` +
        ` ${pad(cnt((x) => x.isBackfill), 8)} ${pad(cnt((x) => (x.mrrCents ?? 0) > 0), 5)} ${pad(cnt((x) => x.cancellationPending === true), 10)} ${pad(cnt((x) => (x.failedPayments30d ?? 0) > 0), 8)} ${pad(cnt((x) => (x.pastDueInvoices ?? 0) > 0), 7)} ${pad(cnt((x) => (x.daysSinceLastEngagement ?? 0) > 30), 8)} ${pad(cnt((x) => (x.openTickets ?? 0) > 0), 7)} ${pad(cnt((x) => x.daysUntilRenewal !== null && x.daysUntilRenewal <= 30), 9)}`,
    );
    prev = avg;
  }

  // ---- The whole history: is the last day's change of the average special?
  const all = await db.churnScoreDaily.groupBy({ by: ["day"], where: { organizationId }, _avg: { healthScore: true }, _count: { _all: true }, orderBy: { day: "asc" } });
  const healthyAll = await db.churnScoreDaily.groupBy({ by: ["day"], where: { organizationId, riskLevel: "healthy" }, _count: { _all: true }, orderBy: { day: "asc" } });
  const healthyBy = new Map(healthyAll.map((h) => [dayIso(h.day), h._count._all]));
  const deltas: number[] = [];
  const healthyDeltas: number[] = [];
  for (let i = 1; i < all.length; i++) {
    deltas.push((all[i]._avg.healthScore ?? NaN) - (all[i - 1]._avg.healthScore ?? NaN));
    healthyDeltas.push((healthyBy.get(dayIso(all[i].day)) ?? 0) - (healthyBy.get(dayIso(all[i - 1].day)) ?? 0));
  }
  const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  const lastDelta = deltas[deltas.length - 1] ?? NaN;
  const lastHealthy = healthyDeltas[healthyDeltas.length - 1] ?? NaN;
  const rankAbs = (xs: number[], x: number) => xs.filter((d) => Math.abs(d) >= Math.abs(x)).length;
  console.log(
    `
history: ${all.length} scored days; daily Δ of the average score: mean ${mean(deltas).toFixed(3)}, sd ${sd(deltas).toFixed(3)}, max |Δ| ${Math.max(...deltas.map(Math.abs)).toFixed(2)}; ` +
      `last day Δ ${lastDelta.toFixed(2)} (${rankAbs(deltas, lastDelta)} of ${deltas.length} days change as much or more)`,
  );
  console.log(`  daily Δ of the healthy count: sd ${sd(healthyDeltas).toFixed(2)}, max |Δ| ${Math.max(...healthyDeltas.map(Math.abs))}; last day ${lastHealthy} (${rankAbs(healthyDeltas, lastHealthy)} of ${healthyDeltas.length} days as much or more)`);

  // ---- Last day: levels, movers, drivers.
  const last = byDay.get(days[days.length - 1]) ?? [];
  const before = new Map((byDay.get(days[days.length - 2] ?? "") ?? []).map((s) => [s.accountId, s.healthScore]));
  const levels = ["healthy", "at_risk", "critical"].map((r) => `${r}=${last.filter((s) => s.riskLevel === r).length}`);
  console.log(`\nrisk levels on ${days[days.length - 1]}: ${levels.join(" ")} (of ${last.length})`);
  const moves = last.filter((s) => before.has(s.accountId)).map((s) => s.healthScore - before.get(s.accountId)!);
  const big = moves.filter((m) => Math.abs(m) > 20);
  console.log(`accounts moving > 20 points since the day before: ${big.length} (down ${big.filter((m) => m < 0).length}, up ${big.filter((m) => m > 0).length}); mean move ${mean(moves).toFixed(2)}`);
  // Same for each earlier pair, to see whether the last day is special.
  const movers: string[] = [];
  for (let i = 1; i < days.length; i++) {
    const a = new Map((byDay.get(days[i - 1]) ?? []).map((s) => [s.accountId, s.healthScore]));
    const n = (byDay.get(days[i]) ?? []).filter((s) => a.has(s.accountId) && Math.abs(s.healthScore - a.get(s.accountId)!) > 20).length;
    movers.push(`${days[i].slice(5)}:${n}`);
  }
  console.log(`  > 20-point movers per day: ${movers.join(" ")}`);
  // Mean factor value / contribution and penalty counts over the last four days: a step on the last day shows here.
  const tail = days.slice(-4);
  const factorKeys = new Set<string>();
  const perDay = tail.map((d) => {
    const val = new Map<string, number[]>();
    const con = new Map<string, number[]>();
    const pen = new Map<string, number>();
    for (const s of byDay.get(d) ?? []) {
      for (const f of (Array.isArray(s.factors) ? s.factors : []) as { key: string; value: number | null; contribution: number }[]) {
        factorKeys.add(f.key);
        if (f.value !== null) (val.get(f.key) ?? val.set(f.key, []).get(f.key)!).push(f.value);
        (con.get(f.key) ?? con.set(f.key, []).get(f.key)!).push(f.contribution);
      }
      for (const x of (Array.isArray(s.penalties) ? s.penalties : []) as { key: string }[]) pen.set(x.key, (pen.get(x.key) ?? 0) + 1);
    }
    return { val, con, pen };
  });
  console.log(`
factors, last ${tail.length} days (mean value 0-100 of accounts with data / mean contribution in points): ${tail.map((d) => d.slice(5)).join("  ")}`);
  for (const k of [...factorKeys].sort()) {
    console.log(`  ${k.padEnd(22)} ${perDay.map((x) => `${pad(mean(x.val.get(k) ?? []).toFixed(1), 5)}/${mean(x.con.get(k) ?? []).toFixed(2).padStart(5)}`).join("  ")}`);
  }
  const penKeys = new Set(perDay.flatMap((x) => [...x.pen.keys()]));
  for (const k of [...penKeys].sort()) console.log(`  penalty ${k.padEnd(14)} ${perDay.map((x) => pad(x.pen.get(k) ?? 0, 11)).join("  ")}`);

  const drivers = new Map<string, number>();
  for (const s of last) {
    const list = Array.isArray(s.drivers) ? (s.drivers as unknown[]) : [];
    for (const d of list.slice(0, 3)) {
      const text = typeof d === "string" ? d : typeof d === "object" && d !== null && "text" in d ? String((d as { text: unknown }).text) : JSON.stringify(d);
      const k = text.replace(/\d+(\.\d+)?/g, "#");
      drivers.set(k, (drivers.get(k) ?? 0) + 1);
    }
  }
  console.log(`top drivers on the last day (first three per account, numbers as #):`);
  for (const [k, v] of [...drivers].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`  ${pad(v, 4)}  ${k}`);
}

async function main() {
  const { db, stop } = await prepare();
  try {
    await stats(db);
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
