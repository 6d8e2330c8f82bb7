/**
 * Sales-activity scorecard benchmark (issue 17: "answers < 500 ms with 50,000 accounts"), SQLite and PostgreSQL:
 *
 *   npm run bench:sales-activity                                   # 50,000 accounts, SQLite then PostgreSQL
 *   npx tsx scripts/bench/sales-activity.ts --accounts 50000 [--db sqlite|postgres|both] [--pg URL] [--runs 20] [--reuse]
 *
 * Seeds ONE organization as the HubSpot sync leaves it: one connection, 40 owners, N accounts × 3 contacts (one
 * with a decision-maker title), 2 deals per account (half closed-won, amount + hs_mrr), and 21 engagements per
 * account over the 395 days a first sync reads, inserted in time order as the sync's hs_timestamp-sorted search
 * lands them: 12 calls (70 % outbound, half connected, each with a contact; 1 in 8 bodies names a decision maker),
 * 3 meetings (booked 1-14 days ahead; 80 % completed), 6 notes (1 in 5 with a keyword). Seeding is not timed.
 * SQLite: a file data/bench/sales-activity-<N>.db (`--reuse` keeps it between runs). PostgreSQL: `--pg URL` (or a
 * postgresql:// DATABASE_URL), else a throwaway cluster (scripts/lib/throwaway-postgres.ts) that is removed at the
 * end; migrations applied, a fresh organization each run (removed at the end).
 *
 * Times the full build of the pre-aggregates (what the first sync's refresh does, or a settings change's job), the
 * background refresh after a sync touched 7 days, then `--runs` times each (after a warm-up) what a reader waits
 * for: the 12-week scorecard (the page and GET /api/sales-activity), the 12-month scorecard, the CSV of the
 * 12-week one, and the drill-down of the busiest owner's decision-maker conversations and dials.
 * Per target: p50 / p95 wall ms, CPU ms per request = this process (user + system; on SQLite the query runs here)
 * + the PostgreSQL server's processes (from /proc, when the server runs on this machine: its postmaster found by
 * port; includes its background processes), and the 1-minute load average (a busy machine queues for a core:
 * wall − CPU is mostly that wait).
 * Prints one summary line per target and database, writes bench/results/sales-activity-<db>-<N>-<time>.json,
 * and last a JSON summary (scripts/bench/all.ts). Target: every read < 500 ms p50 at 50,000 accounts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import Database from "libsql";
import { createPrisma, isPostgresUrl, type Db } from "@/lib/db/prisma";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { toSearchText } from "@/lib/connectors/hubspot/mappers";
import { scorecardCsv } from "@/lib/sales-activity/csv";
import { getSalesActivityConfig } from "@/lib/sales-activity/config";
import { ensureSalesActivityRollup, markSalesActivityDays, salesActivityPeriodsSql } from "@/lib/sales-activity/rollup";
import { periodsEndingAt } from "@/lib/sales-activity/periods";
import { providerOf } from "@/lib/db/prisma";
import { salesActivityRecords, salesActivityScorecard } from "@/lib/sales-activity/scorecard";
import { mulberry32 } from "@/sandbox/core/prng";
import { postgresServer } from "../lib/throwaway-postgres";

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "50000" }, runs: { type: "string", default: "20" }, reuse: { type: "boolean", default: false },
    db: { type: "string", default: "both" }, pg: { type: "string" },
  },
});
const N = Number(args.accounts);
const RUNS = Math.max(5, Number(args.runs));
const DAY = 86_400_000;
const NOW = new Date();
const DM_TITLES = ["CEO", "Founder", "VP Sales", "Head of Operations", "Director of IT", "COO"];
const OTHER_TITLES = ["Office Manager", "Data Analyst", "Engineer", "Accountant", "Administrator"];

type Row = unknown[];
type Sink = { insert(table: string, cols: string[], rows: Row[]): Promise<void>; done(): Promise<void> };

function sqliteSink(file: string): Sink {
  const d = new Database(file);
  d.prepare("PRAGMA journal_mode=WAL").get();
  d.exec("PRAGMA synchronous=OFF");
  const stmts = new Map<string, Database.Statement>();
  return {
    async insert(table, cols, rows) {
      const key = `${table}:${cols.join(",")}`;
      let s = stmts.get(key);
      if (!s) stmts.set(key, (s = d.prepare(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`)));
      d.exec("BEGIN");
      for (const r of rows) s.run(r.map((v) => (v instanceof Date ? sqliteDateText(v) : typeof v === "boolean" ? (v ? 1 : 0) : v)));
      d.exec("COMMIT");
    },
    async done() { d.exec("ANALYZE"); d.close(); },
  };
}

function pgSink(db: Db, types: Record<string, string>): Sink {
  return {
    async insert(table, cols, rows) {
      const sql = `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) SELECT ${cols.map((c) => `x."${c}"`).join(", ")} FROM jsonb_to_recordset($1::jsonb) AS x(${cols.map((c) => `"${c}" ${types[c] ?? "text"}`).join(", ")})`;
      for (let i = 0; i < rows.length; i += 2000) {
        const payload = rows.slice(i, i + 2000).map((r) => Object.fromEntries(cols.map((c, k) => [c, r[k] instanceof Date ? (r[k] as Date).toISOString() : r[k]])));
        await db.$executeRawUnsafe(sql, JSON.stringify(payload));
      }
    },
    async done() { for (const t of ["Engagement", "Deal", "Contact"]) await db.$executeRawUnsafe(`ANALYZE "${t}"`); },
  };
}

async function seed(db: Db, sink: Sink): Promise<{ orgId: string; counts: Record<string, number> }> {
  const rnd = mulberry32(17);
  const org = await db.organization.create({ data: { name: `Sales bench ${N}`, slug: `sales-bench-${N}-${Date.now().toString(36)}` } });
  const conn = await db.connection.create({ data: { organizationId: org.id, provider: "hubspot", externalAccountId: "777", displayName: "bench", scopes: ["crm.objects.owners.read", "crm.objects.contacts.read", "crm.objects.deals.read"] } });
  for (let o = 0; o < 40; o++) await db.owner.create({ data: { organizationId: org.id, connectionId: conn.id, externalId: String(1000 + o), firstName: `Rep${o}`, lastName: "Bench", email: `rep${o}@bench.io` } });
  const counts = { contacts: 0, engagements: 0, deals: 0 };
  const upd = new Date();
  const ENG = ["id", "organizationId", "connectionId", "type", "externalId", "ownerExternalId", "occurredAt", "sourceCreatedAt", "title", "outcome", "durationMs", "direction", "contactExternalId", "searchText", "updatedAt"];
  const CON = ["id", "organizationId", "connectionId", "externalId", "firstName", "jobTitle", "updatedAt"];
  const DEAL = ["id", "organizationId", "connectionId", "externalId", "name", "amountCents", "mrrCents", "currency", "closeDate", "isClosed", "isWon", "ownerExternalId", "updatedAt"];
  // Contacts and deals per account; engagements in time order (a first sync reads them by a search sorted on
  // hs_timestamp, so they land in the table in that order), each for a random account.
  for (let start = 0; start < N; start += 2000) {
    const contacts: Row[] = [], deals: Row[] = [];
    for (let a = start; a < Math.min(N, start + 2000); a++) {
      for (let c = 0; c < 3; c++) contacts.push([`ct${a}_${c}`, org.id, conn.id, `${a * 3 + c}`, `C${a}`, c === 0 ? DM_TITLES[a % DM_TITLES.length] : OTHER_TITLES[(a + c) % OTHER_TITLES.length], upd]);
      for (let k = 0; k < 2; k++) {
        const won = rnd() < 0.5;
        const amount = 100_000 + Math.floor(rnd() * 5_000_000);
        deals.push([`d${a}_${k}`, org.id, conn.id, `${a * 2 + k}`, `Deal ${a}-${k}`, amount, Math.round(amount / 12), "usd", new Date(NOW.getTime() - rnd() * 395 * DAY), true, won, String(1000 + (a % 40)), upd]);
      }
    }
    await sink.insert("Contact", CON, contacts);
    await sink.insert("Deal", DEAL, deals);
    counts.contacts += contacts.length;
    counts.deals += deals.length;
  }
  const total = 21 * N; // per account and year: 12 calls, 3 meetings, 6 notes
  const t0 = NOW.getTime() - 395 * DAY;
  let engs: Row[] = [];
  for (let i = 0; i < total; i++) {
    const a = Math.floor(rnd() * N);
    const owner = String(1000 + (a % 40));
    const at = t0 + (i / total) * 395 * DAY;
    const contact = String(a * 3 + Math.floor(rnd() * 3));
    const kind = rnd() * 21;
    const add = (type: string, created: number, outcome: string | null, dir: string | null, c: string | null, text: string) =>
      engs.push([`e${i}`, org.id, conn.id, type, String(i + 1), owner, new Date(at), new Date(created), text.slice(0, 60), outcome, type === "call" ? 60_000 : null, dir, c, toSearchText(text), upd]);
    if (kind < 12) add("call", at, rnd() < 0.5 ? "connected" : "no_answer", rnd() < 0.7 ? "OUTBOUND" : "INBOUND", contact, rnd() < 0.125 ? "Call with the decision maker" : "Follow-up call");
    else if (kind < 15) add("meeting", at - (1 + Math.floor(rnd() * 14)) * DAY, rnd() < 0.8 ? "completed" : "no_show", null, contact, "Review meeting");
    else add("note", at, null, null, null, rnd() < 0.2 ? "Spoke with the CEO about renewal" : "Usage review notes");
    if (engs.length === 5000 || i === total - 1) {
      await sink.insert("Engagement", ENG, engs);
      counts.engagements += engs.length;
      engs = [];
    }
  }
  await sink.done();
  return { orgId: org.id, counts };
}

/** CPU ms used so far by the PostgreSQL server listening on `port` on this machine (postmaster + its children), or null. */
function pgServerCpu(port: number | null): (() => number) | null {
  if (!port || process.platform !== "linux") return null;
  const stat = (pid: string) => {
    try {
      const t = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = t.slice(t.lastIndexOf(")") + 2).split(" "); // fields from 3 on: state, ppid, …
      return { ppid: f[1], ticks: Number(f[11]) + Number(f[12]) }; // utime + stime
    } catch { return null; }
  };
  const pids = () => readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  let postmaster: string | null = null;
  for (const pid of pids()) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const i = cmd.indexOf("-p");
      if (/postgres$/.test(cmd[0]) && ((i >= 0 && cmd[i + 1] === String(port)) || cmd.some((c) => c === `-p ${port}` || c.includes(`port=${port}`)))) { postmaster = pid; break; }
    } catch { /* gone */ }
  }
  if (!postmaster) return null;
  const pm = postmaster;
  // A running total of the deltas per process: a backend that exits (a pool connection closed) takes its CPU time
  // with it, so summing the current processes' totals could go down; counting only what each process added since
  // it was last seen cannot (a backend's last moments before it exits are missed).
  const seen = new Map<string, number>();
  let total = 0;
  return () => {
    const now = new Map<string, number>();
    for (const pid of pids()) {
      const s = stat(pid);
      if (s && (pid === pm || s.ppid === pm)) now.set(pid, s.ticks);
    }
    for (const [pid, ticks] of now) total += ticks - (seen.get(pid) ?? 0);
    seen.clear();
    for (const [pid, ticks] of now) seen.set(pid, ticks);
    return (total * 1000) / 100; // CLK_TCK = 100 on Linux
  };
}

type Timing = { p50: number; p95: number; max: number; cpuMsPerRequest: number; clientCpuMs: number; serverCpuMs: number | null; load1m: number };

/**
 * p50/p95/max wall time over RUNS runs (after one warm-up) and the mean CPU ms per request: this process (user +
 * system; SQLite runs the query here) + the PostgreSQL server's processes when measurable.
 */
async function time<T>(label: string, fn: () => Promise<T>, serverCpu: (() => number) | null): Promise<Timing & { result: T }> {
  const ms: number[] = [];
  let result!: T;
  await fn(); // warm-up (query plans, JIT)
  const c0 = process.cpuUsage();
  const s0 = serverCpu?.() ?? 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    ms.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  const server = serverCpu ? (serverCpu() - s0) / RUNS : null;
  const client = (c.user + c.system) / 1000 / RUNS;
  ms.sort((a, b) => a - b);
  const at = (q: number) => +ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)].toFixed(1);
  const out = { p50: at(0.5), p95: at(0.95), max: +ms[ms.length - 1].toFixed(1), clientCpuMs: +client.toFixed(1), serverCpuMs: server === null ? null : +server.toFixed(1), cpuMsPerRequest: +(client + (server ?? 0)).toFixed(1), load1m: +os.loadavg()[0].toFixed(1), result };
  console.log(`  ${label.padEnd(44)} p50 ${String(out.p50).padStart(7)} ms  p95 ${String(out.p95).padStart(7)} ms  cpu ${String(out.cpuMsPerRequest).padStart(6)} ms/request${server === null ? "" : ` (server ${out.serverCpuMs})`}  load ${out.load1m}`);
  return out;
}

type DbResult = Record<string, unknown> & { provider: string; targets: Record<string, Timing> };

/** Seed (or reuse) and measure one database. */
async function benchOne(kind: "sqlite" | "postgresql"): Promise<DbResult> {
  let url: string;
  let stopPg = () => undefined as void;
  if (kind === "postgresql") {
    const given = args.pg ?? (process.env.DATABASE_URL && isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined);
    const server = postgresServer(given);
    url = server.url;
    stopPg = server.stop;
    console.log(`PostgreSQL: ${given ? "the given server" : "a throwaway cluster"}`);
  } else {
    mkdirSync("data/bench", { recursive: true });
    url = `file:./data/bench/sales-activity-${N}.db`;
  }
  const file = `data/bench/sales-activity-${N}.db`;
  try {
    let orgId: string | undefined;
    let counts: Record<string, number> = {};
    if (kind === "sqlite" && args.reuse && existsSync(file)) {
      const probe = createPrisma(url);
      orgId = (await probe.organization.findFirst({ where: { slug: { startsWith: `sales-bench-${N}-` } } }))?.id;
      counts = { engagements: await probe.engagement.count(), deals: await probe.deal.count(), contacts: await probe.contact.count() };
      await probe.$disconnect();
    }
    if (!orgId && kind === "sqlite") for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    // A reused file or a given server gets the migrations it lacks.
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
    const db = createPrisma(url);
    const serverCpu = kind === "postgresql" ? pgServerCpu(Number(new URL(url).port) || 5432) : null;
    if (!orgId) {
      const t0 = performance.now();
      const sink = kind === "postgresql"
        ? pgSink(db, { occurredAt: "timestamp(3)", sourceCreatedAt: "timestamp(3)", updatedAt: "timestamp(3)", closeDate: "timestamp(3)", durationMs: "integer", amountCents: "integer", mrrCents: "integer", isClosed: "boolean", isWon: "boolean" })
        : sqliteSink(file);
      ({ orgId, counts } = await seed(db, sink));
      console.log(`seeded ${N} accounts (${counts.engagements} engagements, ${counts.deals} deals, ${counts.contacts} contacts) in ${((performance.now() - t0) / 1000).toFixed(1)} s (${kind})`);
    }
    const org = orgId;
    const config = await getSalesActivityConfig(db, org);
    // The pre-aggregates: a full build (the first sync's refresh, or a settings change's job), then the refresh a
    // sync does after touching 7 days (background work, not a read).
    const c0 = process.cpuUsage();
    const s0 = serverCpu?.() ?? 0;
    const fullBuild = await ensureSalesActivityRollup(db, org, config, { full: true });
    const fullCpu = process.cpuUsage(c0);
    const fullServer = serverCpu ? serverCpu() - s0 : null;
    if (kind === "postgresql") for (const t of ["SalesActivityDay", "SalesActivityPeriod"]) await db.$executeRawUnsafe(`ANALYZE "${t}"`);
    console.log(`  pre-aggregate full build: ${fullBuild.ms} ms (cpu ${Math.round((fullCpu.user + fullCpu.system) / 1000)} ms${fullServer === null ? "" : ` + server ${Math.round(fullServer)} ms`}), load ${os.loadavg()[0].toFixed(1)}`);
    const recent = Array.from({ length: 7 }, (_, i) => new Date(NOW.getTime() - i * DAY).toISOString().slice(0, 10));
    const refresh7 = await time("refresh after a sync touched 7 days (job)", async () => {
      await markSalesActivityDays(db, org, recent);
      return ensureSalesActivityRollup(db, org, config);
    }, serverCpu);
    const week = await time("scorecard, 12 weeks", () => salesActivityScorecard(db, org, { granularity: "week", periods: 12 }), serverCpu);
    const month = await time("scorecard, 12 months", () => salesActivityScorecard(db, org, { granularity: "month", periods: 12 }), serverCpu);
    const csv = await time("CSV, 12 weeks", async () => scorecardCsv(await salesActivityScorecard(db, org, { granularity: "week", periods: 12 })), serverCpu);
    const busiest = [...week.result.owners].sort((a, b) => b.totals.dials - a.totals.dials)[0];
    const lastWeek = new Date(week.result.periods[10].start);
    const drillDm = await time("records: DM conversations, one owner-week", () => salesActivityRecords(db, org, { ownerKey: busiest.key, metric: "dm_conversations", granularity: "week", periodStart: lastWeek }), serverCpu);
    const drillDials = await time("records: dials, one owner-week", () => salesActivityRecords(db, org, { ownerKey: busiest.key, metric: "dials", granularity: "week", periodStart: lastWeek }), serverCpu);
    // The plan of the one statement the scorecard's figures come from (12 months).
    const starts = periodsEndingAt(new Date(), "month", 12).map((p) => p.start.toISOString().slice(0, 10));
    const { sql: periodSql, args: periodArgs } = salesActivityPeriodsSql(providerOf(db), org, "month", starts);
    const plan = (await db.$queryRawUnsafe(`${kind === "postgresql" ? "EXPLAIN (ANALYZE, BUFFERS)" : "EXPLAIN QUERY PLAN"} ${periodSql}`, ...periodArgs)) as Record<string, unknown>[];
    const planText = plan.map((r) => String(r["QUERY PLAN"] ?? r.detail ?? JSON.stringify(r)));
    console.log(`  plan of the 12-month read:\n    ${planText.join("\n    ")}`);
    const inWindow = week.result.totals.reduce((x, t) => x + t.dials, 0);
    const mrrYear = month.result.totals.reduce((x, t) => x + t.mrr_closed_cents, 0);
    if (kind === "postgresql") {
      for (const t of ["SalesActivityDay", "SalesActivityPeriod", "SalesActivityDirtyDay", "SalesActivityRollupState", "Engagement", "Deal", "Contact", "Owner", "Connection"]) {
        await db.$executeRawUnsafe(`DELETE FROM "${t}" WHERE "organizationId" = $1`, org);
      }
      await db.organization.delete({ where: { id: org } });
    }
    await db.$disconnect();
    const strip = <T extends { result: unknown }>(t: T): Timing => { const { result: _r, ...rest } = t; return rest as unknown as Timing; };
    return {
      provider: kind, accounts: N, ...counts, owners: week.result.owners.length, dialsIn12Weeks: inWindow, mrrClosedCents12Months: mrrYear,
      preAggregateFullBuildMs: fullBuild.ms, preAggregateFullBuildCpuMs: Math.round((fullCpu.user + fullCpu.system) / 1000), preAggregateFullBuildServerCpuMs: fullServer === null ? null : Math.round(fullServer),
      targets: { scorecardWeek: strip(week), scorecardMonth: strip(month), csvWeek: strip(csv), recordsDm: strip(drillDm), recordsDials: strip(drillDials), refreshAfter7Days: strip(refresh7) },
      csvBytes: csv.result.length, drillDmRecords: drillDm.result.total, periodReadPlan: planText,
    };
  } finally {
    stopPg();
  }
}

async function main(): Promise<void> {
  const which = args.db === "both" ? (["sqlite", "postgresql"] as const) : args.db === "postgres" || args.db === "postgresql" ? (["postgresql"] as const) : (["sqlite"] as const);
  const results: DbResult[] = [];
  for (const kind of which) {
    console.log(`\n== ${kind}, ${N} accounts, ${RUNS} runs per target (load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}) ==`);
    const r = await benchOne(kind);
    r.loadAverage = os.loadavg().map((x) => +x.toFixed(1));
    const measuredAt = new Date().toISOString();
    r.measuredAt = measuredAt;
    mkdirSync("bench/results", { recursive: true });
    const out = `bench/results/sales-activity-${kind}-${N}-${measuredAt.replace(/[:.]/g, "-")}.json`;
    writeFileSync(out, JSON.stringify(r, null, 2) + "\n");
    console.log(`  → ${out}`);
    results.push(r);
  }
  console.log("\nSummary (reads: target < 500 ms p50):");
  const reads = ["scorecardWeek", "scorecardMonth", "csvWeek", "recordsDm", "recordsDials"];
  for (const r of results) {
    for (const [name, t] of Object.entries(r.targets)) {
      const verdict = reads.includes(name) ? (t.p50 < 500 ? "PASS" : "FAIL") : "background";
      console.log(`sales-activity ${r.provider} ${N} accounts ${name}: p50 ${t.p50} ms, p95 ${t.p95} ms, CPU ${t.cpuMsPerRequest} ms/request${t.serverCpuMs === null ? "" : ` (server ${t.serverCpuMs})`}, load ${t.load1m} — ${verdict}`);
    }
  }
  const worst = Math.max(...results.flatMap((r) => reads.map((k) => r.targets[k].p50)));
  console.log(JSON.stringify({
    accounts: N, databases: results.map((r) => r.provider),
    ...Object.fromEntries(results.flatMap((r) => [
      [`${r.provider}WeekP50Ms`, r.targets.scorecardWeek.p50], [`${r.provider}WeekP95Ms`, r.targets.scorecardWeek.p95], [`${r.provider}WeekCpuMs`, r.targets.scorecardWeek.cpuMsPerRequest],
      [`${r.provider}MonthP50Ms`, r.targets.scorecardMonth.p50], [`${r.provider}MonthP95Ms`, r.targets.scorecardMonth.p95], [`${r.provider}MonthCpuMs`, r.targets.scorecardMonth.cpuMsPerRequest],
      [`${r.provider}CsvP50Ms`, r.targets.csvWeek.p50], [`${r.provider}FullBuildMs`, r.preAggregateFullBuildMs],
    ])),
    worstP50Ms: worst, targetMs: 500, pass: worst < 500, loadAverage1m: +os.loadavg()[0].toFixed(1), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
