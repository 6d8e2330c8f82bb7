/**
 * Sales-activity scorecard benchmark (issue 17: "answers < 500 ms with 50,000 accounts"):
 *
 *   npx tsx scripts/bench/sales-activity.ts --accounts 50000 [--runs 5] [--reuse]
 *   npm run bench -- --only sales-activity [--full-size]          # 10,000 / 50,000 accounts
 *
 * Seeds ONE organization into a fresh SQLite file data/bench/sales-activity-<N>.db (or DATABASE_URL when it is
 * postgresql://…, a fresh organization each run) as the HubSpot sync leaves it: one connection, 40 owners,
 * N accounts × 3 contacts (one with a decision-maker title), 2 deals per account (half closed-won, amount +
 * hs_mrr), and 21 engagements per account over the 395 days a first sync reads, inserted in time order as the
 * sync's hs_timestamp-sorted search lands them: 12 calls (70 % outbound, half connected, each with a contact; 1 in
 * 8 bodies names a decision maker), 3 meetings (booked 1-14 days ahead; 80 % completed), 6 notes (1 in 5 with a
 * keyword). Seeding is not timed.
 *
 * Times the full build of the daily pre-aggregate (lib/sales-activity/rollup.ts: first view after the first
 * sync, or after the settings changed), then, `--runs` times each (p50 / max ms, CPU ms): the 12-week scorecard
 * (what the page and GET /api/sales-activity run), the same right after a sync marked 7 days, the 12-month
 * scorecard, the CSV of the 12-week one, and the drill-down of the busiest owner's decision-maker conversations
 * and dials. Prints the row counts and, last, a JSON summary (scripts/bench/all.ts).
 * Target: every one < 500 ms p50 at 50,000 accounts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import Database from "libsql";
import { createPrisma, isPostgresUrl, type Db } from "@/lib/db/prisma";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { toSearchText } from "@/lib/connectors/hubspot/mappers";
import { scorecardCsv } from "@/lib/sales-activity/csv";
import { getSalesActivityConfig } from "@/lib/sales-activity/config";
import { ensureSalesActivityRollup, markSalesActivityDays } from "@/lib/sales-activity/rollup";
import { salesActivityRecords, salesActivityScorecard } from "@/lib/sales-activity/scorecard";
import { mulberry32 } from "@/sandbox/core/prng";

const { values: args } = parseArgs({ options: { accounts: { type: "string", default: "50000" }, runs: { type: "string", default: "5" }, reuse: { type: "boolean", default: false } } });
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
    async done() { await db.$executeRawUnsafe(`ANALYZE "Engagement"; ANALYZE "Deal"; ANALYZE "Contact"`); },
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

/**
 * p50/max wall time over RUNS runs (after one warm-up), and the p50 CPU time of this process (user + system): on
 * SQLite the query runs in this process (libsql, main thread), so CPU time is what the wall time would be on an
 * idle machine — on a shared 2-core machine the wall time mostly measures waiting for a core (load average
 * printed). On PostgreSQL the query runs in the server: CPU here is only the client's part.
 */
async function time<T>(label: string, fn: () => Promise<T>): Promise<{ p50: number; max: number; cpuP50: number; result: T }> {
  const ms: number[] = [];
  const cpu: number[] = [];
  let result!: T;
  await fn(); // warm-up (query plans, JIT)
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = await fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const out = { p50: +ms[Math.floor(ms.length / 2)].toFixed(1), max: +ms[ms.length - 1].toFixed(1), cpuP50: +cpu[Math.floor(cpu.length / 2)].toFixed(1), result };
  console.log(`${label.padEnd(44)} p50 ${String(out.p50).padStart(7)} ms   max ${String(out.max).padStart(7)} ms   cpu p50 ${String(out.cpuP50).padStart(7)} ms   (load ${os.loadavg()[0].toFixed(1)})`);
  return out;
}

async function main(): Promise<void> {
  const envUrl = process.env.DATABASE_URL;
  const pgMode = !!envUrl && isPostgresUrl(envUrl);
  let url = envUrl ?? "";
  const file = `data/bench/sales-activity-${N}.db`;
  if (!pgMode) {
    mkdirSync("data/bench", { recursive: true });
    url = `file:./${file}`;
  }
  let orgId: string | undefined;
  let counts: Record<string, number> = {};
  if (!pgMode && args.reuse && existsSync(file)) {
    const probe = createPrisma(url);
    orgId = (await probe.organization.findFirst({ where: { slug: { startsWith: `sales-bench-${N}-` } } }))?.id;
    counts = { engagements: await probe.engagement.count(), deals: await probe.deal.count(), contacts: await probe.contact.count() };
    await probe.$disconnect();
  }
  if (!orgId && !pgMode) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  if (!pgMode) execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" }); // a reused file gets new migrations
  const db = createPrisma(url);
  if (!orgId) {
    const t0 = performance.now();
    const sink = pgMode
      ? pgSink(db, { occurredAt: "timestamp(3)", sourceCreatedAt: "timestamp(3)", updatedAt: "timestamp(3)", closeDate: "timestamp(3)", durationMs: "integer", amountCents: "integer", mrrCents: "integer", isClosed: "boolean", isWon: "boolean" })
      : sqliteSink(file);
    ({ orgId, counts } = await seed(db, sink));
    console.log(`seeded ${N} accounts (${counts.engagements} engagements, ${counts.deals} deals, ${counts.contacts} contacts) in ${((performance.now() - t0) / 1000).toFixed(1)} s (${pgMode ? "postgresql" : "sqlite"})`);
  }
  // The daily pre-aggregate: a full build (first view after the first sync, or after the decision-maker settings
  // changed), then the page's queries on an up-to-date one, then a view after a sync touched 7 days.
  await db.salesActivityRollupState.deleteMany({ where: { organizationId: orgId } });
  const c0 = process.cpuUsage();
  const fullBuild = await ensureSalesActivityRollup(db, orgId, await getSalesActivityConfig(db, orgId));
  const fullCpu = process.cpuUsage(c0);
  console.log(`pre-aggregate full build: ${fullBuild.ms} ms (cpu ${Math.round((fullCpu.user + fullCpu.system) / 1000)} ms)`);
  const week = await time("scorecard, 12 weeks", () => salesActivityScorecard(db, orgId!, { granularity: "week", periods: 12 }));
  const recent = Array.from({ length: 7 }, (_, i) => new Date(NOW.getTime() - i * DAY).toISOString().slice(0, 10));
  const afterSync = await time("scorecard, 12 weeks, after a sync touched 7 days", async () => {
    await markSalesActivityDays(db, orgId!, recent);
    return salesActivityScorecard(db, orgId!, { granularity: "week", periods: 12 });
  });
  const month = await time("scorecard, 12 months", () => salesActivityScorecard(db, orgId!, { granularity: "month", periods: 12 }));
  const csv = await time("CSV, 12 weeks", async () => scorecardCsv(await salesActivityScorecard(db, orgId!, { granularity: "week", periods: 12 })));
  const busiest = [...week.result.owners].sort((a, b) => b.totals.dials - a.totals.dials)[0];
  const lastWeek = new Date(week.result.periods[10].start);
  const drillDm = await time("records: DM conversations, one owner-week", () => salesActivityRecords(db, orgId!, { ownerKey: busiest.key, metric: "dm_conversations", granularity: "week", periodStart: lastWeek }));
  const drillDials = await time("records: dials, one owner-week", () => salesActivityRecords(db, orgId!, { ownerKey: busiest.key, metric: "dials", granularity: "week", periodStart: lastWeek }));
  const inWindow = week.result.totals.reduce((s, t) => s + t.dials, 0);
  if (pgMode) {
    await db.salesActivityDay.deleteMany({ where: { organizationId: orgId } });
    await db.salesActivityDirtyDay.deleteMany({ where: { organizationId: orgId } });
    await db.salesActivityRollupState.deleteMany({ where: { organizationId: orgId } });
    await db.engagement.deleteMany({ where: { organizationId: orgId } });
    await db.deal.deleteMany({ where: { organizationId: orgId } });
    await db.contact.deleteMany({ where: { organizationId: orgId } });
    await db.owner.deleteMany({ where: { organizationId: orgId } });
    await db.connection.deleteMany({ where: { organizationId: orgId } });
    await db.organization.delete({ where: { id: orgId } });
  }
  await db.$disconnect();
  const worst = Math.max(week.p50, month.p50, csv.p50, drillDm.p50, drillDials.p50, afterSync.p50);
  console.log(JSON.stringify({
    provider: pgMode ? "postgresql" : "sqlite", accounts: N, ...counts, owners: week.result.owners.length, dialsIn12Weeks: inWindow,
    preAggregateFullBuildMs: fullBuild.ms, preAggregateFullBuildCpuMs: Math.round((fullCpu.user + fullCpu.system) / 1000),
    afterSyncOf7DaysP50Ms: afterSync.p50, afterSyncOf7DaysCpuP50Ms: afterSync.cpuP50,
    scorecardWeekP50Ms: week.p50, scorecardWeekMaxMs: week.max, scorecardWeekCpuP50Ms: week.cpuP50, scorecardMonthP50Ms: month.p50, scorecardMonthCpuP50Ms: month.cpuP50,
    csvP50Ms: csv.p50, csvBytes: csv.result.length, drillDmP50Ms: drillDm.p50, drillDmRecords: drillDm.result.total, drillDialsP50Ms: drillDials.p50,
    worstP50Ms: worst, targetMs: 500, pass: worst < 500, loadAverage1m: +os.loadavg()[0].toFixed(1),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
