/**
 * Scoring benchmark: `npm run bench:score -- --accounts 100000 [--batch 1000] [--keep]`
 *
 * Seeds one organization with N accounts and one day of synthetic AccountSignalDaily rows (in a
 * child process, so seeding memory is not measured) into a fresh SQLite file under data/bench/, or
 * into DATABASE_URL when it is postgresql://… (a fresh organization, deleted afterwards), then runs
 * scoreOrganization — the same code path as the API/CLI — and prints accounts/s, wall time, CPU
 * time, peak RSS and the load average (the machine may be shared). Target: 100,000 in < 30 s on 2 cores.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import os from "node:os";
import { mulberry32 } from "@/sandbox/core/prng";
import { createPrisma, isPostgresUrl } from "@/lib/db/prisma";
import { scoreOrganization } from "@/lib/scoring/run-scoring";
import { defineJsonUpsert } from "@/lib/db/json-upsert";
import { upsertSignalRows } from "@/lib/signals/write-signal-rows";
import type { SignalRow } from "@/lib/signals/compute-signals";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}


const DAY = new Date(Date.UTC(2026, 10, 20));

/** One synthetic signal row (plausible ranges, some NULLs). */
function synthetic(r: () => number, organizationId: string, accountId: string, day: Date): SignalRow {
  const mrr = 2000 + Math.floor(r() * 200_000);
  const seats = Math.floor(r() * 12);
  return {
    organizationId, accountId, day,
    mrrCents: mrr, mrrCurrency: "usd",
    mrrChange30dCents: Math.floor((r() - 0.6) * mrr * 0.3), mrrChange60dCents: Math.floor((r() - 0.6) * mrr * 0.4),
    mrrChange90dCents: r() < 0.1 ? null : Math.floor((r() - 0.6) * mrr * 0.5),
    seats, activeContacts: Math.floor(r() * (seats + 1)), openDeals: Math.floor(r() * 3),
    daysUntilRenewal: Math.floor(r() * 365), autoRenew: r() < 0.7, cancellationPending: r() < 0.05,
    failedPayments30d: r() < 0.85 ? 0 : Math.floor(r() * 4), daysSinceLastPayment: r() < 0.05 ? null : Math.floor(r() * 90),
    pastDueInvoices: r() < 0.9 ? 0 : 1 + Math.floor(r() * 2),
    calls30d: Math.floor(r() * 4), meetings30d: Math.floor(r() * 3), notes30d: Math.floor(r() * 5),
    daysSinceLastEngagement: r() < 0.1 ? null : Math.floor(r() * 120),
    openTickets: Math.floor(r() * 5), urgentTickets: r() < 0.9 ? 0 : 1, tenureDays: Math.floor(r() * 1500),
    billingInterval: r() < 0.7 ? "month" : "year", commitmentTermMonths: 12, collectionMethod: "charge_automatically",
    paymentMethodType: "card", productCount: 1 + Math.floor(r() * 3), itemCount: 1 + Math.floor(r() * 5),
    products: ["Core"], freshness: { stripe: day.toISOString(), hubspot: day.toISOString() },
    renewalDealStage: null, lifecycleState: "customer", cancelingMrrShare: 0, newCustomer: false, extra: null,
  };
}

/** Account rows for the seed: id, organization and name (createdAt/updatedAt = now). */
const seedAccounts = defineJsonUpsert({
  table: "Account",
  columns: { organizationId: "text", name: "text" },
  conflict: ["id"],
  createdAt: true,
  touch: { column: "updatedAt", when: "always" },
  returning: ["id"],
});

/**
 * Child mode: seed `n` accounts (+ one signal row each on DAY) into `url` and print `ORG=<id>`.
 * Uses the bulk JSON writers (one constant SQL text per ≤ 1,000–2,000 rows, lib/db/json-upsert.ts and
 * lib/signals/write-signal-rows.ts) — Prisma createMany took 165 s for 100,000 accounts.
 */
async function seedOnly(url: string, n: number): Promise<void> {
  const db = createPrisma(url);
  const r = mulberry32(42);
  const org = await db.organization.create({ data: { name: "Bench", slug: `bench-${randomUUID().slice(0, 8)}` } });
  const prefix = randomUUID().slice(0, 8);
  const CH = 2000;
  for (let i = 0; i < n; i += CH) {
    const ids = Array.from({ length: Math.min(CH, n - i) }, (_, k) => `b${prefix}${String(i + k).padStart(7, "0")}`);
    await seedAccounts.run(db, ids.map((id, k) => ({ id, organizationId: org.id, name: `Account ${i + k}` })), { chunkSize: CH });
    await upsertSignalRows(db, ids.map((accountId) => synthetic(r, org.id, accountId, DAY)), () => false);
  }
  await db.$disconnect();
  console.log(`ORG=${org.id}`);
}

async function main() {
  const n = Number(arg("accounts", "100000"));
  if (process.argv.includes("--seed-only")) return seedOnly(process.env.DATABASE_URL!, n);
  const batchSize = Number(arg("batch", "1000"));
  const keep = process.argv.includes("--keep");
  const envUrl = process.env.DATABASE_URL;
  const pgMode = !!envUrl && isPostgresUrl(envUrl);
  let url = envUrl ?? "";
  let file: string | null = null;
  if (!pgMode) {
    mkdirSync("data/bench", { recursive: true });
    file = `data/bench/score-${Date.now()}.db`;
    url = `file:./${file}`;
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  }
  const t0 = performance.now();
  const out = execFileSync("npx", ["tsx", "scripts/bench/score.ts", "--seed-only", "--accounts", String(n)], {
    env: { ...process.env, DATABASE_URL: url }, encoding: "utf8", maxBuffer: 1 << 20,
  });
  const orgId = /ORG=(\S+)/.exec(out)?.[1];
  if (!orgId) throw new Error(`seeding failed: ${out}`);
  console.log(`seeded ${n} accounts + signal rows in ${((performance.now() - t0) / 1000).toFixed(1)} s (${pgMode ? "postgresql" : "sqlite"})`);

  const db = createPrisma(url);
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  let lastPct = -1;
  const res = await scoreOrganization(db, {
    organizationId: orgId, day: DAY, batchSize,
    onProgress: ({ processed, total }) => {
      const pct = total ? Math.floor((processed / total) * 20) : 20;
      if (pct !== lastPct && process.stdout.isTTY) process.stdout.write(`\r  scoring ${processed}/${total}`);
      lastPct = pct;
    },
  });
  if (process.stdout.isTTY) process.stdout.write("\n");
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    provider: pgMode ? "postgresql" : "sqlite",
    accounts: res.accounts,
    wallSeconds: +(res.durationMs / 1000).toFixed(2),
    accountsPerSecond: Math.round(res.accounts / (res.durationMs / 1000)),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    rssBeforeScoringMb: Math.round(rssBefore / 1048576),
    loadAverage1m: +os.loadavg()[0].toFixed(1),
    counts: res.counts,
    probabilitySource: res.probabilitySource,
    batchSize,
  }, null, 2));
  if (pgMode && !keep) await db.organization.delete({ where: { id: orgId } });
  await db.$disconnect();
  if (file && !keep) rmSync(file, { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
