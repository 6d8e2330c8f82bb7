/**
 * Sharded scoring benchmark (issue 15): `npm run bench:score-million [-- --accounts 1000000 --workers 2 --concurrency 2
 * --shard-size 20000 --pg postgresql://… --no-lookback --keep]`
 *
 * 1. A fresh database `cw_bench_score_<pid>` on the PostgreSQL server given (`--pg` or TEST_DATABASE_URL), else on a
 *    throwaway cluster (scripts/lib/throwaway-postgres.ts), migrated with `prisma migrate deploy`.
 * 2. Seeds ONE organization with N accounts straight in SQL (generate_series, no sandbox, no Prisma per row):
 *    the Account rows, today's AccountSignalDaily row per account (varied, plausible values, some NULLs) and — unless
 *    `--no-lookback` — a stored ChurnScoreDaily row 7 and 30 days back per account (config version 1), so every
 *    account's trend is computed from real prior scores like in production.
 * 3. Starts `--workers` `npm run worker` processes (scripts/worker.ts, CHURNWATCH_QUEUE=pg-boss, `--concurrency` jobs
 *    each), enqueues ONE score-organization-job (lib/pipeline/score-organization-job.ts: the run is split into
 *    shards of `--shard-size` accounts that the workers share) and waits for it.
 * 4. Prints wall time (enqueue → job succeeded), accounts/s, per worker: peak RSS (/proc/<pid>/status VmHWM) and CPU
 *    seconds (/proc/<pid>/stat utime+stime), the PostgreSQL server's share is the rest; the load average before and
 *    after; a one-line summary; writes bench/results/score-million-<time>.json. Target: 1,000,000 in < 3 minutes.
 * Prints, asserts nothing. The database is dropped at the end unless `--keep`.
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { createPrisma, type Db } from "@/lib/db/prisma";
import { setJobEngine } from "@/lib/jobs/engine";
import { enqueueJob } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { startPgBossEngine } from "@/lib/jobs/pgboss/engine";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";
import "../lib/app-jobs";
import { postgresServer } from "../lib/throwaway-postgres";

const { values } = parseArgs({
  options: {
    accounts: { type: "string", default: "1000000" },
    workers: { type: "string", default: "2" },
    concurrency: { type: "string", default: "2" },
    "shard-size": { type: "string", default: "20000" },
    pg: { type: "string" },
    "no-lookback": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

const say = (s: string) => process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${s}\n`);
const load = () => os.loadavg().map((x) => Number(x.toFixed(1)));
const TICKS = 100; // USER_HZ on Linux (getconf CLK_TCK)

/** Peak resident set (MB) of a live process: VmHWM from /proc/<pid>/status. */
function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch { return null; }
}

/** CPU seconds (user + system) of a live process from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(((Number(f[11]) + Number(f[12])) / TICKS).toFixed(1)); // fields 14, 15 (utime, stime)
  } catch { return null; }
}

/** Seed N accounts of one organization + today's signals (+ lookback scores) in SQL. */
async function seed(db: Db, url: string, n: number, day: Date, lookback: boolean): Promise<string> {
  const org = await db.organization.create({ data: { name: "Bench million", slug: `bench-million-${Date.now()}` } });
  const cfg = await getActiveScoringConfig(db, org.id); // version 1 = defaults (the lookback rows name it)
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const d = day.toISOString().slice(0, 10);
  try {
    const t0 = performance.now();
    // ids "a" + 7 digits: ordered the same by any collation
    await c.query(`INSERT INTO "Account" ("id", "organizationId", "name", "createdAt", "updatedAt")
      SELECT 'a' || lpad(g::text, 7, '0'), $1, 'Account ' || g, now(), now() FROM generate_series(1, $2::int) g`, [org.id, n]);
    say(`accounts: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const t1 = performance.now();
    // hash-derived pseudo-random but deterministic values per account (h1..h4 in [0, 1))
    await c.query(`INSERT INTO "AccountSignalDaily" ("id", "organizationId", "accountId", "day", "mrrCents", "mrrCurrency",
        "mrrChange30dCents", "mrrChange60dCents", "mrrChange90dCents", "seats", "activeContacts", "openDeals", "daysUntilRenewal",
        "autoRenew", "cancellationPending", "failedPayments30d", "daysSinceLastPayment", "pastDueInvoices", "calls30d", "meetings30d",
        "notes30d", "daysSinceLastEngagement", "openTickets", "urgentTickets", "tenureDays", "billingInterval", "commitmentTermMonths",
        "collectionMethod", "paymentMethodType", "productCount", "itemCount", "products", "freshness", "lifecycleState",
        "cancelingMrrShare", "newCustomer", "isBackfill", "computedAt")
      SELECT 's' || lpad(g::text, 7, '0'), $1, 'a' || lpad(g::text, 7, '0'), $2::timestamp,
        mrr, 'usd', ((h2 - 0.6) * mrr * 0.3)::int, ((h3 - 0.6) * mrr * 0.4)::int, CASE WHEN h4 < 0.1 THEN NULL ELSE ((h4 - 0.6) * mrr * 0.5)::int END,
        seats, (h2 * (seats + 1))::int % (seats + 1), (h3 * 3)::int, (h1 * 365)::int,
        h2 < 0.7, h3 < 0.05, CASE WHEN h4 < 0.85 THEN 0 ELSE (h1 * 4)::int END, CASE WHEN h2 < 0.05 THEN NULL ELSE (h3 * 90)::int END,
        CASE WHEN h4 < 0.9 THEN 0 ELSE 1 END, (h1 * 4)::int, (h2 * 3)::int, (h3 * 5)::int,
        CASE WHEN h4 < 0.1 THEN NULL ELSE (h1 * 120)::int END, (h2 * 5)::int, CASE WHEN h3 < 0.9 THEN 0 ELSE 1 END, (h4 * 1500)::int,
        CASE WHEN h1 < 0.7 THEN 'month' ELSE 'year' END, 12, 'charge_automatically', 'card', 1 + (h2 * 3)::int, 1 + (h3 * 5)::int,
        '["Core"]'::jsonb, jsonb_build_object('stripe', $3::text, 'hubspot', $3::text), 'customer', 0, false, false, now()
      FROM (SELECT g, h1, h2, h3, h4, 2000 + (h1 * 200000)::int AS mrr, (h4 * 12)::int AS seats FROM (
        SELECT g, (hashtext(g || 'a') & 65535) / 65536.0 AS h1, (hashtext(g || 'b') & 65535) / 65536.0 AS h2,
               (hashtext(g || 'c') & 65535) / 65536.0 AS h3, (hashtext(g || 'd') & 65535) / 65536.0 AS h4
        FROM generate_series(1, $4::int) g) x) y`, [org.id, d, `${d}T02:00:00.000Z`, n]);
    say(`signals: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    if (lookback) {
      const t2 = performance.now();
      for (const [ago, tag] of [[7, "w"], [30, "m"]] as const) {
        await c.query(`INSERT INTO "ChurnScoreDaily" ("id", "organizationId", "accountId", "day", "healthScore", "churnProbability",
            "probabilitySource", "factors", "penalties", "missingFactors", "drivers", "inputs", "scoringConfigId", "scoringConfigVersion", "createdAt")
          SELECT '${tag}' || lpad(g::text, 7, '0'), $1, 'a' || lpad(g::text, 7, '0'), $2::timestamp - make_interval(days => ${ago}),
            round(((hashtext(g || '${tag}') & 65535) / 655.36)::numeric, 1)::float8, 0.1, 'fallback', '[]'::jsonb, '[]'::jsonb, '[]'::jsonb, '[]'::jsonb, '{}'::jsonb,
            $3, $4::int, now()
          FROM generate_series(1, $5::int) g`, [org.id, d, cfg.id, cfg.version, n]);
      }
      say(`lookback scores (7 and 30 days back): ${((performance.now() - t2) / 1000).toFixed(1)} s`);
    }
    await c.query(`ANALYZE "Account"; ANALYZE "AccountSignalDaily"; ANALYZE "ChurnScoreDaily"`);
  } finally {
    await c.end();
  }
  return org.id;
}

async function main() {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 9).toString("base64"); // the workers' env check (no secrets are used)
  process.env.LOG_LEVEL ??= "warn";
  const n = Number(values.accounts);
  const workers = Number(values.workers);
  const concurrency = Number(values.concurrency);
  const shardSize = Number(values["shard-size"]);
  const server = postgresServer(values.pg ?? process.env.TEST_DATABASE_URL);
  const name = `cw_bench_score_${process.pid}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  const url = u.toString();
  execFileSync("npx", ["prisma", "migrate", "deploy", "--schema", "prisma/postgres"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  const db = createPrisma(url);
  const children: ChildProcess[] = [];
  const pb = await startPgBossEngine({ connectionString: url, names: registeredJobNames(), supervise: false });
  setJobEngine(pb.engine);
  try {
    const now = new Date();
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const ts = performance.now();
    const orgId = await seed(db, url, n, day, !values["no-lookback"]);
    const seedS = (performance.now() - ts) / 1000;
    say(`seeded ${n} accounts in ${seedS.toFixed(1)} s`);

    for (let i = 0; i < workers; i++) {
      children.push(fork("scripts/worker.ts", ["--concurrency", String(concurrency), "--no-schedules", "--dotenv", "/dev/null"], {
        execArgv: ["--import", "tsx"],
        env: { ...process.env, DATABASE_URL: url, CHURNWATCH_QUEUE: "pg-boss", LOG_LEVEL: "warn" },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }));
    }
    await Promise.all(children.map((c) => new Promise((r) => c.once("message", r)))); // {type: "ready"}
    const cpuStart = children.map((c) => cpuSeconds(c.pid!) ?? 0);
    const loadBefore = load();
    const t0 = performance.now();
    const { job } = await enqueueJob(db, "score-organization-job", { organizationId: orgId, day: day.toISOString().slice(0, 10), shardSize }, { organizationId: orgId });
    let row;
    let lastSay = 0;
    for (;;) {
      row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      if (["succeeded", "failed", "cancelled"].includes(row.status)) break;
      if (performance.now() - lastSay > 10_000) {
        lastSay = performance.now();
        const p = row.progress as { processed?: number; total?: number; shards?: { done: number; running: number } } | null;
        say(`${row.status}: ${p?.processed ?? 0}/${p?.total ?? n} accounts, shards done ${p?.shards?.done ?? 0}, running ${p?.shards?.running ?? 0}, load ${load()[0]}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallS = (performance.now() - t0) / 1000;
    const perWorker = children.map((c, i) => ({ pid: c.pid, peakRssMb: peakRssMb(c.pid!), cpuSeconds: Number(((cpuSeconds(c.pid!) ?? 0) - cpuStart[i]).toFixed(1)) }));
    const shardRows = await db.scoreShard.findMany({ where: { run: { jobId: job.id } }, select: { claimedBy: true, attempts: true } });
    const byWorker: Record<string, number> = {};
    for (const s of shardRows) {
      const pid = s.claimedBy?.split(":")[1] ?? "?";
      byWorker[pid] = (byWorker[pid] ?? 0) + 1;
    }
    const scored = await db.churnScoreDaily.count({ where: { organizationId: orgId, day } });
    const result = {
      accounts: n, scored, status: row.status, error: row.error, wallSeconds: Number(wallS.toFixed(1)), accountsPerSecond: Math.round(scored / wallS),
      workers, concurrency, shardSize, shards: shardRows.length, shardsPerWorkerPid: byWorker, perWorker,
      nodeCpuSecondsTotal: Number(perWorker.reduce((s, w) => s + w.cpuSeconds, 0).toFixed(1)),
      cpuMsPerAccount: Number(((perWorker.reduce((s, w) => s + w.cpuSeconds, 0) * 1000) / Math.max(1, scored)).toFixed(3)),
      seedSeconds: Number(seedS.toFixed(1)), loadAverageBefore: loadBefore, loadAverageAfter: load(), cores: os.cpus().length,
      jobResult: row.result,
    };
    console.log(`score-million: ${scored.toLocaleString("en-US")} of ${n.toLocaleString("en-US")} accounts scored in ${result.wallSeconds} s ` +
      `(${result.accountsPerSecond}/s, ${workers} workers x ${concurrency}, ${shardRows.length} shards) · peak RSS ${perWorker.map((w) => `${w.peakRssMb} MB`).join(" / ")} · ` +
      `worker CPU ${perWorker.map((w) => `${w.cpuSeconds} s`).join(" / ")} · load ${loadBefore[0]} → ${result.loadAverageAfter[0]} · target < 180 s: ${wallS < 180 ? "met" : "NOT met"}`);
    console.log(JSON.stringify(result, null, 2)); // last: npm run bench (scripts/bench/all.ts) parses the last JSON object
    mkdirSync("bench/results", { recursive: true });
    const file = `bench/results/score-million-${n}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    writeFileSync(file, JSON.stringify(result, null, 2));
    say(`wrote ${file}`);
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
    setJobEngine(null);
    await pb.stop({ timeoutMs: 1_000 });
    await db.$disconnect();
    if (!values.keep) {
      const a = new pg.Client({ connectionString: server.url });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
      server.stop();
    } else say(`kept database ${url}`);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
