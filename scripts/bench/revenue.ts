/**
 * Revenue analytics benchmark (issue 17: "the revenue endpoints answer < 500 ms with 50,000 accounts"):
 *
 *   npx tsx scripts/bench/revenue.ts [--accounts 50000] [--runs 20] [--reuse] [--db sqlite|postgres] [--pg URL]
 *   npm run bench -- --only revenue
 *
 * Seeds ONE organization with direct inserts (the bench only; the correctness test goes through the sandbox and the
 * connector) into a fresh SQLite file data/bench/revenue-<N>.db, or (`--db postgres`) a fresh database on the server
 * `--pg` / TEST_DATABASE_URL names, else on a throwaway cluster (scripts/lib/throwaway-postgres.ts): N accounts,
 * each with a Stripe subscription started 1-24 months ago (10 % in eur, 15 % annual, 20 % on a 2-seat plan), a
 * version history as the connector records it (30 % upgraded or downgraded once, 10 % canceled, 5 % paused), 5 % of
 * accounts with a second subscription, and a churn score per account.
 *
 * Times the builds (revenue-movements-job's work, never a read's): the full build, then an incremental build after
 * 1 % of the subscriptions changed (a new version each). Then times each endpoint's function `--runs` times — wall
 * p50 / p95 and the process CPU per request (process.cpuUsage), with the load average — GET /api/revenue (12 and 24
 * months), the bridge CSV, /cohorts, /forecast (default page, and the second page of 200), /movements (first page of
 * 100) and one account's movements. Prints
 * one summary line per target and a JSON summary last (scripts/bench/all.ts), also written to
 * bench/results/revenue-<db>-<N>-<time>.json. Target: every endpoint < 500 ms p50.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import Database from "libsql";
import pg from "pg";
import { postgresServer } from "../lib/throwaway-postgres";
import { createPrisma } from "@/lib/db/prisma";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { stateHash } from "@/lib/revenue/subscription-versions";
import { rebuildRevenueMovements, updateRevenueMovements } from "@/lib/revenue/build-movements";
import { getCohorts, getRenewalForecast, getRevenueOverview, listMovements } from "@/lib/revenue/report";
import { bridgeCsv } from "@/lib/revenue/api";
import { mulberry32 } from "@/sandbox/core/prng";

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "50000" }, runs: { type: "string", default: "20" }, reuse: { type: "boolean", default: false },
    db: { type: "string", default: "sqlite" }, pg: { type: "string" },
  },
});
const N = Number(args.accounts);
const RUNS = Math.max(3, Number(args.runs));
const DAY = 86_400_000;
const NOW = Date.now();

type Row = unknown[];

function insertAll(d: Database.Database, table: string, cols: string[], rows: Row[]) {
  const s = d.prepare(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
  d.exec("BEGIN");
  for (const r of rows) s.run(r.map((v) => (v instanceof Date ? sqliteDateText(v) : typeof v === "boolean" ? (v ? 1 : 0) : v)));
  d.exec("COMMIT");
}

type Table = { table: string; cols: string[]; rows: Row[] };

/** Multi-row INSERTs on PostgreSQL (booleans and dates as they are; JSON text is cast by the column). */
async function insertAllPg(url: string, tables: Table[]) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const t of tables) {
      const per = Math.max(1, Math.floor(30_000 / t.cols.length));
      for (let i = 0; i < t.rows.length; i += per) {
        const part = t.rows.slice(i, i + per);
        const values: unknown[] = [];
        const tuples = part.map((r) => `(${r.map((v) => { values.push(v); return `$${values.length}`; }).join(", ")})`);
        await c.query(`INSERT INTO "${t.table}" (${t.cols.map((x) => `"${x}"`).join(", ")}) VALUES ${tuples.join(", ")}`, values);
      }
    }
    await c.query("ANALYZE");
  } finally {
    await c.end();
  }
}

function seedSqlite(file: string, tables: Table[]) {
  const d = new Database(file);
  d.prepare("PRAGMA journal_mode=WAL").get();
  d.exec("PRAGMA synchronous=OFF");
  for (const t of tables) insertAll(d, t.table, t.cols, t.rows);
  d.exec("ANALYZE");
  d.close();
}

function generate(orgId: string): { tables: Table[]; counts: Record<string, number> } {
  const rnd = mulberry32(17);
  const now = new Date(NOW);
  const accounts: Row[] = [];
  const subs: Row[] = [];
  const items: Row[] = [];
  const versions: Row[] = [];
  const scores: Row[] = [];
  let n = 0;
  const addSub = (accountId: string, i: number, k: number) => {
    const id = `sub-${i}-${k}`;
    const eur = rnd() < 0.1;
    const currency = eur ? "eur" : "usd";
    const annual = rnd() < 0.15;
    const unit = annual ? 120_000 + Math.floor(rnd() * 10) * 12_000 : 5_000 + Math.floor(rnd() * 20) * 1_000;
    const qty = rnd() < 0.2 ? 2 : 1;
    const start = NOW - Math.floor(rnd() * 720 + 5) * DAY;
    const canceled = rnd() < 0.1;
    const paused = !canceled && rnd() < 0.05;
    const ended = canceled ? start + Math.floor(rnd() * (NOW - start)) : null;
    const periodEnd = NOW + Math.floor(rnd() * (annual ? 365 : 30)) * DAY;
    const item = (q: number, u: number) => [{ id: `si-${id}`, priceId: `price-${u}`, productId: "prod-1", productName: "Platform", unitAmountCents: u, quantity: q, interval: annual ? "year" : "month", intervalCount: 1, usageType: "licensed", currency }];
    const status = canceled ? "canceled" : paused ? "paused" : "active";
    const first = { status: "active", currency, items: item(qty, unit), discounts: [] };
    versions.push([`v-${id}-0`, orgId, id, new Date(start), new Date(start), "active", currency, JSON.stringify(first.items), "[]", stateHash(first)]);
    let finalQty = qty;
    let finalUnit = unit;
    if (rnd() < 0.3) {
      const at = start + Math.floor(rnd() * ((ended ?? NOW) - start));
      finalQty = rnd() < 0.6 ? qty + 1 + Math.floor(rnd() * 3) : Math.max(1, qty - 1);
      finalUnit = rnd() < 0.5 ? unit : Math.round(unit * 1.5);
      const v = { status: "active", currency, items: item(finalQty, finalUnit), discounts: [] };
      versions.push([`v-${id}-1`, orgId, id, new Date(at), new Date(at), "active", currency, JSON.stringify(v.items), "[]", stateHash(v)]);
    }
    if (status !== "active") {
      const at = ended ?? NOW - Math.floor(rnd() * 60) * DAY;
      const v = { status, currency, items: item(finalQty, finalUnit), discounts: [] };
      versions.push([`v-${id}-2`, orgId, id, new Date(at), new Date(at), status, currency, JSON.stringify(v.items), "[]", stateHash(v)]);
    }
    const mrr = status === "active" ? (annual ? Math.round((finalUnit * finalQty) / 12) : finalUnit * finalQty) : 0;
    subs.push([id, orgId, "conn-bench", id, accountId, `cus-${i}`, status, currency, mrr, false, ended ? new Date(ended) : null, new Date(start), new Date(start),
      new Date(NOW - DAY), new Date(periodEnd), "[]", new Date(start), now]);
    items.push([`si-row-${id}`, id, `si-${id}`, `price-${finalUnit}`, "prod-1", "Platform", finalUnit, currency, finalQty, annual ? "year" : "month", 1, "licensed"]);
  };
  for (let i = 0; i < N; i++) {
    const accountId = `acc-${i}`;
    accounts.push([accountId, orgId, `Account ${i}`, now, now]);
    addSub(accountId, i, 0);
    if (rnd() < 0.05) addSub(accountId, i, 1);
    scores.push([`sc-${i}`, orgId, accountId, new Date(Math.floor(NOW / DAY) * DAY), 40 + rnd() * 60, Math.round(rnd() * 1000) / 1000, "[]", 1, now]);
    n++;
  }
  const tables: Table[] = [
    { table: "Organization", cols: ["id", "name", "slug", "createdAt", "updatedAt"], rows: [[orgId, "Revenue bench", `revenue-bench-${N}-${NOW}`, now, now]] },
    { table: "Account", cols: ["id", "organizationId", "name", "createdAt", "updatedAt"], rows: accounts },
    { table: "Subscription", cols: ["id", "organizationId", "connectionId", "externalId", "accountId", "customerExternalId", "status", "currency", "mrrCents", "cancelAtPeriodEnd",
      "endedAt", "startDate", "sourceCreatedAt", "currentPeriodStart", "currentPeriodEnd", "discounts", "sourceVersionAt", "updatedAt"], rows: subs },
    { table: "SubscriptionItem", cols: ["id", "subscriptionId", "externalId", "priceId", "productId", "productName", "unitAmountCents", "currency", "quantity", "interval", "intervalCount", "usageType"], rows: items },
    { table: "SubscriptionVersion", cols: ["id", "organizationId", "subscriptionId", "effectiveAt", "observedAt", "status", "currency", "items", "discounts", "stateHash"], rows: versions },
    { table: "ChurnScoreDaily", cols: ["id", "organizationId", "accountId", "day", "healthScore", "churnProbability", "factors", "scoringConfigVersion", "createdAt"], rows: scores },
  ];
  return { tables, counts: { accounts: n, subscriptions: subs.length, versions: versions.length } };
}

type Timing = { p50: number; p95: number; max: number; cpuMsPerRequest: number; load: number };

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Wall p50/p95/max (ms) and process CPU per request (ms, user + system) of `RUNS` sequential calls. */
async function time<T>(label: string, fn: () => Promise<T>): Promise<Timing & { result: T }> {
  const ms: number[] = [];
  let result!: T;
  await fn(); // warm (query plans, page cache)
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  const out = {
    p50: +pct(ms, 50).toFixed(1), p95: +pct(ms, 95).toFixed(1), max: +ms[ms.length - 1]!.toFixed(1),
    cpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / RUNS).toFixed(1), load: +os.loadavg()[0]!.toFixed(2), result,
  };
  console.log(`${label.padEnd(40)} p50 ${String(out.p50).padStart(7)} ms  p95 ${String(out.p95).padStart(7)} ms  CPU ${String(out.cpuMsPerRequest).padStart(6)} ms/request  (load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")})`);
  return out;
}

/** true when the stored build was stale and had to be rebuilt in full (an incremental update is not a rebuild). */
async function ensureMovementsRebuilt(db: ReturnType<typeof createPrisma>, orgId: string): Promise<boolean> {
  const before = (await db.revenueSettings.findUnique({ where: { organizationId: orgId }, select: { builtStamp: true } }))?.builtStamp;
  if (!before) return true;
  return (await updateRevenueMovements(db, { organizationId: orgId })).mode === "full";
}

/** A fresh migrated database for the run: SQLite file, or a PostgreSQL database (dropped by `stop`). */
async function database(): Promise<{ url: string; fresh: boolean; stop: () => Promise<void> }> {
  if (args.db === "postgres") {
    const server = postgresServer(args.pg ?? process.env.TEST_DATABASE_URL);
    const name = `cw_bench_revenue_${N}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      try { await c.query(sql); } finally { await c.end(); }
    };
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin(`CREATE DATABASE "${name}"`);
    const u = new URL(server.url);
    u.pathname = `/${name}`;
    execFileSync("npx", ["prisma", "migrate", "deploy", "--schema", "prisma/postgres"], { env: { ...process.env, DATABASE_URL: u.toString() }, stdio: "pipe" });
    return { url: u.toString(), fresh: true, stop: async () => { await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); server.stop(); } };
  }
  mkdirSync("data/bench", { recursive: true });
  const file = `data/bench/revenue-${N}.db`;
  if (args.reuse && existsSync(file)) return { url: `file:./${file}`, fresh: false, stop: async () => {} };
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  execFileSync("npx", ["prisma", "migrate", "deploy", "--schema", "prisma/sqlite"], { env: { ...process.env, DATABASE_URL: `file:./${file}` }, stdio: "pipe" });
  return { url: `file:./${file}`, fresh: true, stop: async () => {} };
}

async function main(): Promise<void> {
  if (!Number.isInteger(N) || N < 1 || N > 200_000) throw new Error(`--accounts must be 1..200000, got ${args.accounts}`);
  if (args.db !== "sqlite" && args.db !== "postgres") throw new Error(`--db must be sqlite or postgres, got ${args.db}`);
  const orgId = `org-revenue-bench-${N}`;
  const target = await database();
  let counts: Record<string, number> = {};
  if (target.fresh) {
    const t0 = performance.now();
    const g = generate(orgId);
    counts = g.counts;
    if (args.db === "postgres") await insertAllPg(target.url, g.tables);
    else seedSqlite(target.url.slice("file:./".length), g.tables);
    console.log(`${args.db}: seeded ${counts.accounts} accounts, ${counts.subscriptions} subscriptions, ${counts.versions} versions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const db = createPrisma(target.url);
  try {
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    // --reuse with an up-to-date build: keep it (a full build of 50,000 accounts takes minutes on a loaded machine).
    const reused = !target.fresh && !(await ensureMovementsRebuilt(db, orgId));
    const build = reused
      ? { movements: await db.revenueMovement.count({ where: { organizationId: orgId } }), subscriptions: await db.subscription.count({ where: { organizationId: orgId } }) }
      : await rebuildRevenueMovements(db, { organizationId: orgId });
    const buildMs = performance.now() - t1;
    const buildCpu = process.cpuUsage(c1);
    console.log(`full build${reused ? " (reused, checked)" : ""}: ${build.movements} movements from ${build.subscriptions} subscriptions in ${(buildMs / 1000).toFixed(1)} s, CPU ${((buildCpu.user + buildCpu.system) / 1e6).toFixed(1)} s (load ${os.loadavg()[0]!.toFixed(1)})`);
    // An incremental build after a sync that changed 1 % of the subscriptions (a new version each: one more seat).
    const changedSubs = await db.subscription.findMany({ where: { organizationId: orgId, status: "active" }, select: { id: true, currency: true }, take: Math.max(1, Math.round(N / 100)) });
    const at = new Date();
    await db.subscriptionVersion.createMany({
      data: await Promise.all(changedSubs.map(async (x) => {
        const it = await db.subscriptionItem.findFirstOrThrow({ where: { subscriptionId: x.id } });
        const items = [{ id: it.externalId, priceId: it.priceId, productId: it.productId, productName: it.productName, unitAmountCents: it.unitAmountCents, quantity: it.quantity + 1, interval: it.interval, intervalCount: it.intervalCount, usageType: it.usageType, currency: it.currency }];
        return { organizationId: orgId, subscriptionId: x.id, effectiveAt: at, observedAt: at, status: "active", currency: x.currency, items, discounts: [], stateHash: stateHash({ status: "active", currency: x.currency, items, discounts: [] }) };
      })),
    });
    const t2 = performance.now();
    const c2 = process.cpuUsage();
    const inc = await updateRevenueMovements(db, { organizationId: orgId });
    const incMs = performance.now() - t2;
    const incCpu = process.cpuUsage(c2);
    console.log(`incremental build (${changedSubs.length} subscriptions changed): mode ${inc.mode}, ${inc.accounts} accounts, ${inc.movements} movements in ${(incMs / 1000).toFixed(1)} s, CPU ${((incCpu.user + incCpu.system) / 1e6).toFixed(1)} s (load ${os.loadavg()[0]!.toFixed(1)})`);
    const someAccount = (await db.revenueMovement.findFirst({ where: { organizationId: orgId }, select: { accountId: true } }))!.accountId!;
    const r = {
      overview: await time("GET /api/revenue (12 months)", () => getRevenueOverview(db, { organizationId: orgId })),
      overview24: await time("GET /api/revenue?months=24", () => getRevenueOverview(db, { organizationId: orgId, months: 24 })),
      csv: await time("GET /api/revenue?format=csv", async () => bridgeCsv(await getRevenueOverview(db, { organizationId: orgId, months: 24 }))),
      cohorts: await time("GET /api/revenue/cohorts", () => getCohorts(db, { organizationId: orgId })),
      forecast: await time("GET /api/revenue/forecast (90 days)", () => getRenewalForecast(db, { organizationId: orgId })),
      forecastPage: await time("GET /api/revenue/forecast?limit=200&cursor=200", () => getRenewalForecast(db, { organizationId: orgId, limit: 200, cursor: "200" })),
      movements: await time("GET /api/revenue/movements (page 1)", () => listMovements(db, { organizationId: orgId, limit: 100 })),
      account: await time("GET /api/revenue/movements?account_id", () => listMovements(db, { organizationId: orgId, accountId: someAccount })),
    };
    const usd = r.overview.result.series.find((x) => x.currency === "usd")!;
    console.log(`usd MRR ${usd.currentMrrCents} cents, NRR12 ${usd.trailing12.nrr}, GRR12 ${usd.trailing12.grr}; build state on read: ${r.overview.result.build.state}; forecast renewals ${r.forecast.result.totals.map((t) => `${t.currency}:${t.renewals}`).join(" ")}`);
    const worst = Math.max(...Object.values(r).map((x) => x.p50));
    for (const [k, v] of Object.entries(r)) console.log(`revenue ${args.db} ${N} ${k}: p50 ${v.p50} ms, p95 ${v.p95} ms, CPU ${v.cpuMsPerRequest} ms/request, load ${v.load} — ${v.p50 < 500 ? "OK" : "SLOW"} (< 500 ms)`);
    console.log(worst < 500 ? `OK: every endpoint < 500 ms p50 at ${N} accounts on ${args.db} (slowest ${worst} ms)` : `SLOW: slowest endpoint ${worst} ms p50 at ${N} accounts on ${args.db}`);
    const figures = {
      db: args.db, accounts: N, ...counts, movements: build.movements, buildSeconds: +(buildMs / 1000).toFixed(1), buildCpuSeconds: +((buildCpu.user + buildCpu.system) / 1e6).toFixed(1),
      incrementalSubscriptions: changedSubs.length, incrementalMode: inc.mode, incrementalSeconds: +(incMs / 1000).toFixed(1), load: os.loadavg().map((x) => +x.toFixed(2)),
      ...Object.fromEntries(Object.entries(r).flatMap(([k, v]) => [[`${k}P50Ms`, v.p50], [`${k}P95Ms`, v.p95], [`${k}CpuMs`, v.cpuMsPerRequest]])), slowestP50Ms: worst,
    };
    console.log(JSON.stringify(figures, null, 2));
    mkdirSync("bench/results", { recursive: true });
    const out = `bench/results/revenue-${args.db}-${N}-${new Date().toISOString().replaceAll(":", "-").replace(".", "-")}.json`;
    writeFileSync(out, JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2) + "\n");
    console.log(`figures written to ${out}`);
    if (worst >= 500) process.exitCode = 1;
  } finally {
    await db.$disconnect();
    await target.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
