/**
 * `npm run bench:scale` (also part of `npm run bench`) — issue 15's scaling benchmark on PostgreSQL with pg-boss:
 * two organizations each run a full Stripe sync at once, first with ONE `npm run worker` process, then with TWO;
 * each worker has ONE sync slot (`--concurrency 1`). Prints records/s of each run, the throughput ratio (target ≥ 1.8×),
 * the CPU seconds each worker process and this process (the sandbox serving both organizations, the poller) used,
 * the load average; writes bench/results/scale-<time>.json and prints one summary line. Asserts nothing.
 *
 *   npm run bench:scale -- [--customers 200] [--months 3] [--rps 25] [--latency-ms 300] [--pg postgresql://user@host:port/postgres]
 *
 * What it measures (issue 15: "each at its own rate limit"): a sync that is paced by the VENDOR, not by our CPU.
 * Each organization's connection has its own budget, `--rps` requests/s (default 25: Stripe's test-mode limit,
 * ../shared/docs/api-facts.md "100 req/s live, 25 req/s test mode"), enforced by its client's pacer
 * (lib/connectors/stripe/client.ts; the sandbox's own limiter is off because both organizations use the sandbox's
 * one key, and the sandbox limits per key), and every Stripe request takes `--latency-ms` (default 300 ms: an
 * assumed round trip of a 100-object list page with expansions over the internet; Stripe documents no latency). A
 * sync issues its requests one after another, so alone it runs at ≈ 1/latency pages per second and its worker waits
 * on the network most of the time: two workers can overlap two syncs. If the CPU columns approach the wall time ×
 * cores, the machine (not the design) is the limit. Each worker first runs one untimed warm-up sync of an organization
 * of its own (a process's first sync loads the connector, the SDK and Prisma's query plans: 2.6× slower measured).
 *
 * PostgreSQL: `--pg`, else TEST_DATABASE_URL, else a throwaway cluster started like .ci/run (initdb + pg_ctl on
 * a free port; removed at the end). Each run gets a fresh database (`prisma migrate deploy`), so the second run
 * does not profit from the first one's stored rows.
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { createPrisma, type Db } from "@/lib/db/prisma";
import { resetEnvCache } from "@/lib/env";
import { setJobEngine } from "@/lib/jobs/engine";
import { enqueueJob } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { startPgBossEngine } from "@/lib/jobs/pgboss/engine";
import { configureStripe } from "@/lib/connectors/stripe/connect";
import { startSandbox } from "@/sandbox/index";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { todayUtc } from "@/sandbox/portfolio/util";
import "../lib/app-jobs";
import { postgresServer } from "../lib/throwaway-postgres";

const { values } = parseArgs({
  options: {
    customers: { type: "string", default: "200" },
    months: { type: "string", default: "3" },
    rps: { type: "string", default: "25" },
    "latency-ms": { type: "string", default: "300" },
    pg: { type: "string" },
  },
});

const say = (s: string) => process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${s}\n`);
/** CPU seconds (user + system) used so far by process `pid` (Linux /proc; 0 when unreadable). */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}
const ownCpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const round1 = (x: number) => Number(x.toFixed(1));


async function freshDatabase(server: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${name}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: u.toString() }, stdio: "pipe" });
  return u.toString();
}

async function dropDatabase(server: string, name: string) {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

/** One run: fresh database, two organizations connected, N worker processes, both full syncs enqueued at once. */
async function run(server: string, workers: number, stripeUrl: string, secretKey: string) {
  const name = `cw_bench_scale_${process.pid}_${workers}`;
  const url = await freshDatabase(server, name);
  const db: Db = createPrisma(url);
  const children: ChildProcess[] = [];
  const pb = await startPgBossEngine({ connectionString: url, names: registeredJobNames(), supervise: false });
  setJobEngine(pb.engine);
  try {
    const conns: { organizationId: string; connectionId: string }[] = [];
    // Organizations 1 and 2 are timed; one more per worker warms that worker up first (see below).
    for (const i of [1, 2, ...Array.from({ length: workers }, (_, w) => 100 + w)]) {
      const org = await db.organization.create({ data: { name: `Bench org ${i}`, slug: `bench-${i}-${Date.now()}` } });
      const c = await configureStripe(db, { organizationId: org.id, body: { api_key: secretKey } });
      await db.connection.update({ where: { id: c.connectionId }, data: { settings: { requestsPerSecond: Number(values.rps) } } });
      conns.push({ organizationId: org.id, connectionId: c.connectionId });
    }
    await db.job.updateMany({ where: { status: "queued" }, data: { status: "cancelled" } }); // connect's own first syncs
    const peakRss: number[] = [];
    for (let i = 0; i < workers; i++) {
      const child = fork("scripts/worker.ts", ["--concurrency", "1", "--no-schedules", "--dotenv", "/dev/null"], {
        execArgv: ["--import", "tsx"],
        env: { ...process.env, DATABASE_URL: url, CHURNWATCH_QUEUE: "pg-boss", LOG_LEVEL: "warn", STRIPE_API_BASE_URL: stripeUrl },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      peakRss.push(0);
    }
    // every worker up (scripts/worker.ts answers {type: "ready"} over IPC once its pg-boss loops run)
    await Promise.all(children.map((c) => new Promise((r) => c.once("message", r))));
    const rssTimer = setInterval(() => {
      children.forEach((c, i) => {
        try {
          const kb = Number(execFileSync("ps", ["-o", "rss=", "-p", String(c.pid)]).toString().trim());
          peakRss[i] = Math.max(peakRss[i], kb * 1024);
        } catch { /* exited */ }
      });
    }, 1_000);
    // Warm-up, untimed: a worker's FIRST sync pays for loading the connector, the Stripe SDK and Prisma's query plans
    // (measured: 25.9 s for the first sync in a process at load 15 vs 9.9 s for the same sync right after it), which a
    // long-running worker pays once. One sync per worker at once (each worker has one slot, so each takes one).
    const warm = [];
    for (const c of conns.slice(2)) {
      warm.push((await enqueueJob(db, "sync-connection-job", { connectionId: c.connectionId, full: true, trigger: "bench-warm-up", skipPostProcessing: true }, {
        organizationId: c.organizationId, dedupeKey: `sync:${c.connectionId}`,
      })).job.id);
    }
    while ((await db.job.count({ where: { id: { in: warm }, status: { in: ["queued", "running"] } } })) > 0) await new Promise((r) => setTimeout(r, 250));
    const warmedBy = new Set((await db.job.findMany({ where: { id: { in: warm } }, select: { lockedBy: true } })).map((j) => j.lockedBy));
    say(`${workers} worker(s): warmed up (${warmedBy.size} worker(s) ran a warm-up sync)`);
    const timedOrgs = new Set(conns.slice(0, 2).map((c) => c.organizationId));
    const cpu0 = children.map((c) => cpuSecondsOf(c.pid));
    const own0 = ownCpuSeconds();
    const load0 = os.loadavg()[0]!;
    const t0 = performance.now();
    const ids = [];
    for (const c of conns.slice(0, 2)) {
      const { job } = await enqueueJob(db, "sync-connection-job", { connectionId: c.connectionId, full: true, trigger: "bench", skipPostProcessing: true }, {
        organizationId: c.organizationId, dedupeKey: `sync:${c.connectionId}`,
      });
      ids.push(job.id);
    }
    let rows;
    for (;;) {
      rows = await db.job.findMany({ where: { id: { in: ids } } });
      if (rows.every((r) => ["succeeded", "failed", "cancelled"].includes(r.status))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallS = (performance.now() - t0) / 1000;
    const workerCpuS = children.map((c, i) => round1(cpuSecondsOf(c.pid) - cpu0[i]!));
    const benchCpuS = round1(ownCpuSeconds() - own0);
    clearInterval(rssTimer);
    const inTimed = { organizationId: { in: [...timedOrgs] } };
    const records = await db.sourceRecord.count({ where: inTimed }) + await db.subscription.count({ where: inTimed }) + await db.invoice.count({ where: inTimed }) + await db.charge.count({ where: inTimed });
    say(`${workers} worker(s): ${wallS.toFixed(1)} s, ${records} records, statuses ${rows.map((r) => r.status).join(",")}`);
    return {
      workers, wallS: Number(wallS.toFixed(1)), records, recordsPerSecond: Number((records / wallS).toFixed(1)),
      // CPU seconds during the run: each worker process, and this process (sandbox for both organizations + poller)
      cpuSeconds: { workers: workerCpuS, benchAndSandbox: benchCpuS, total: round1(workerCpuS.reduce((a, b) => a + b, 0) + benchCpuS) },
      loadAverage1m: { start: round1(load0), end: round1(os.loadavg()[0]!) },
      statuses: rows.map((r) => r.status), peakRssMbPerWorker: peakRss.map((b) => Math.round(b / 1048576)),
      jobs: rows.map((r) => ({
        worker: r.lockedBy?.split("-").slice(-1)[0], attempts: r.attempts,
        startS: Number((((r.startedAt?.getTime() ?? 0) - rows.reduce((m, x) => Math.min(m, x.createdAt.getTime()), Infinity)) / 1000).toFixed(1)),
        runS: Number((((r.finishedAt?.getTime() ?? 0) - (r.startedAt?.getTime() ?? 0)) / 1000).toFixed(1)),
      })),
    };
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
    setJobEngine(null);
    await pb.stop({ timeoutMs: 1_000 });
    await db.$disconnect();
    await dropDatabase(server, name);
  }
}

async function main() {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 9).toString("base64");
  process.env.LOG_LEVEL ??= "warn";
  const customers = Number(values.customers);
  const portfolio = buildSyntheticPortfolio({ companies: 10, contacts: 0, deals: 0, engagements: 0, tickets: 0, customers, invoicesMonths: Number(values.months), anchor: todayUtc() });
  const latency = { fixedMs: Number(values["latency-ms"]), jitterMs: 0 };
  const sb = await startSandbox({ portfolio, ports: { hubspot: 0, stripe: 0 }, limits: false, latency });
  process.env.STRIPE_API_BASE_URL = sb.stripeUrl;
  resetEnvCache();
  const server = postgresServer(values.pg ?? process.env.TEST_DATABASE_URL);
  try {
    const secretKey = (sb.info.stripe as { secretKey: string }).secretKey;
    const one = await run(server.url, 1, sb.stripeUrl, secretKey);
    const two = await run(server.url, 2, sb.stripeUrl, secretKey);
    const out = {
      benchmark: "scale",
      size: { organizations: 2, customersEach: customers, invoiceMonths: Number(values.months), rpsPerConnection: Number(values.rps), latencyMs: latency.fixedMs },
      oneWorker: one, twoWorkers: two,
      wallS: two.wallS,
      ratio: Number((two.recordsPerSecond / one.recordsPerSecond).toFixed(2)),
      target: "≥ 1.8× throughput with 2 workers",
      loadAverage1m: Number(os.loadavg()[0]!.toFixed(1)),
      cpus: os.cpus().length,
    };
    mkdirSync("bench/results", { recursive: true });
    const file = `bench/results/scale-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    say(`wrote ${file}`);
    console.log(`scale: 1 worker ${one.recordsPerSecond} records/s (${one.wallS} s, CPU ${one.cpuSeconds.total} s), 2 workers ${two.recordsPerSecond} records/s (${two.wallS} s, CPU ${two.cpuSeconds.total} s) → ${out.ratio}× (target ≥ 1.8×); ${out.cpus} cores, load ${one.loadAverage1m.start} / ${two.loadAverage1m.end}`);
    console.log(JSON.stringify(out, null, 2)); // npm run bench (scripts/bench/all.ts) reads the last JSON object
  } finally {
    await sb.close();
    server.stop();
  }
}

main().then(() => process.exit(0)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
