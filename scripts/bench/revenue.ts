/**
 * Revenue analytics benchmark (issue 17: "the revenue endpoints answer < 500 ms with 50,000 accounts"):
 *
 *   npx tsx scripts/bench/revenue.ts [--accounts 50000] [--runs 5] [--reuse]
 *   npm run bench -- --only revenue
 *
 * Seeds ONE organization into a fresh SQLite file data/bench/revenue-<N>.db with direct inserts (the bench only; the
 * correctness test goes through the sandbox and the connector): N accounts, each with a Stripe subscription started
 * 1-24 months ago (10 % in eur, 15 % annual, 20 % on a 2-seat plan), a version history as the connector records it
 * (30 % upgraded or downgraded once, 10 % canceled, 5 % paused), 5 % of accounts with a second subscription, and a
 * churn score per account. Seeding and the one-off movement build are timed separately (the build runs after a sync,
 * not per request).
 *
 * Times, `--runs` times each (p50 / max ms) — the functions the routes call: GET /api/revenue (12 months),
 * /api/revenue?months=24, /cohorts, /forecast, /movements (first page of 100) and one account's movements, and the
 * bridge CSV. Prints row counts and a JSON summary last (scripts/bench/all.ts). Target: every one < 500 ms p50.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import Database from "libsql";
import { createPrisma } from "@/lib/db/prisma";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { stateHash } from "@/lib/revenue/subscription-versions";
import { rebuildRevenueMovements, updateRevenueMovements } from "@/lib/revenue/build-movements";
import { getCohorts, getRenewalForecast, getRevenueOverview, listMovements } from "@/lib/revenue/report";
import { bridgeCsv } from "@/lib/revenue/api";
import { mulberry32 } from "@/sandbox/core/prng";

const { values: args } = parseArgs({ options: { accounts: { type: "string", default: "50000" }, runs: { type: "string", default: "5" }, reuse: { type: "boolean", default: false } } });
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

function seed(file: string, orgId: string): Record<string, number> {
  const d = new Database(file);
  d.prepare("PRAGMA journal_mode=WAL").get();
  d.exec("PRAGMA synchronous=OFF");
  const rnd = mulberry32(17);
  const now = new Date(NOW);
  insertAll(d, "Organization", ["id", "name", "slug", "createdAt", "updatedAt"], [[orgId, "Revenue bench", `revenue-bench-${N}-${NOW}`, now, now]]);
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
  insertAll(d, "Account", ["id", "organizationId", "name", "createdAt", "updatedAt"], accounts);
  insertAll(d, "Subscription", ["id", "organizationId", "connectionId", "externalId", "accountId", "customerExternalId", "status", "currency", "mrrCents", "cancelAtPeriodEnd",
    "endedAt", "startDate", "sourceCreatedAt", "currentPeriodStart", "currentPeriodEnd", "discounts", "sourceVersionAt", "updatedAt"], subs);
  insertAll(d, "SubscriptionItem", ["id", "subscriptionId", "externalId", "priceId", "productId", "productName", "unitAmountCents", "currency", "quantity", "interval", "intervalCount", "usageType"], items);
  insertAll(d, "SubscriptionVersion", ["id", "organizationId", "subscriptionId", "effectiveAt", "observedAt", "status", "currency", "items", "discounts", "stateHash"], versions);
  insertAll(d, "ChurnScoreDaily", ["id", "organizationId", "accountId", "day", "healthScore", "churnProbability", "factors", "scoringConfigVersion", "createdAt"], scores);
  d.exec("ANALYZE");
  d.close();
  return { accounts: n, subscriptions: subs.length, versions: versions.length };
}

async function time<T>(label: string, fn: () => Promise<T>): Promise<{ p50: number; max: number; result: T }> {
  const ms: number[] = [];
  let result!: T;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const out = { p50: +ms[Math.floor(ms.length / 2)]!.toFixed(1), max: +ms[ms.length - 1]!.toFixed(1), result };
  console.log(`${label.padEnd(40)} p50 ${String(out.p50).padStart(7)} ms   max ${String(out.max).padStart(7)} ms   (load ${os.loadavg()[0]!.toFixed(1)})`);
  return out;
}

/** true when the stored build was stale and had to be rebuilt in full (an incremental update is not a rebuild). */
async function ensureMovementsRebuilt(db: ReturnType<typeof createPrisma>, orgId: string): Promise<boolean> {
  const before = (await db.revenueSettings.findUnique({ where: { organizationId: orgId }, select: { builtStamp: true } }))?.builtStamp;
  if (!before) return true;
  return (await updateRevenueMovements(db, { organizationId: orgId })).mode === "full";
}

async function main(): Promise<void> {
  if (!Number.isInteger(N) || N < 1 || N > 200_000) throw new Error(`--accounts must be 1..200000, got ${args.accounts}`);
  mkdirSync("data/bench", { recursive: true });
  const file = `data/bench/revenue-${N}.db`;
  const url = `file:./${file}`;
  const orgId = `org-revenue-bench-${N}`;
  let counts: Record<string, number> = {};
  if (!(args.reuse && existsSync(file))) {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
    const t0 = performance.now();
    counts = seed(file, orgId);
    console.log(`seeded ${counts.accounts} accounts, ${counts.subscriptions} subscriptions, ${counts.versions} versions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const db = createPrisma(url);
  const t1 = performance.now();
  // --reuse with an up-to-date build: keep it (a build of 50,000 accounts takes minutes on a loaded machine).
  const fresh = args.reuse && !(await ensureMovementsRebuilt(db, orgId));
  const build = fresh
    ? { movements: await db.revenueMovement.count({ where: { organizationId: orgId } }), subscriptions: await db.subscription.count({ where: { organizationId: orgId } }) }
    : await rebuildRevenueMovements(db, { organizationId: orgId });
  await getRevenueOverview(db, { organizationId: orgId }); // warm: the first read after a build checks the stamp
  const buildMs = performance.now() - t1;
  console.log(`movement build${fresh ? " (reused, checked)" : ""}: ${build.movements} movements from ${build.subscriptions} subscriptions in ${(buildMs / 1000).toFixed(1)} s`);
  const someAccount = (await db.revenueMovement.findFirst({ where: { organizationId: orgId }, select: { accountId: true } }))!.accountId!;
  const r = {
    overview: await time("GET /api/revenue (12 months)", () => getRevenueOverview(db, { organizationId: orgId })),
    overview24: await time("GET /api/revenue?months=24", () => getRevenueOverview(db, { organizationId: orgId, months: 24 })),
    csv: await time("GET /api/revenue?format=csv", async () => bridgeCsv(await getRevenueOverview(db, { organizationId: orgId, months: 24 }))),
    cohorts: await time("GET /api/revenue/cohorts", () => getCohorts(db, { organizationId: orgId })),
    forecast: await time("GET /api/revenue/forecast (90 days)", () => getRenewalForecast(db, { organizationId: orgId })),
    movements: await time("GET /api/revenue/movements (page 1)", () => listMovements(db, { organizationId: orgId, limit: 100 })),
    account: await time("GET /api/revenue/movements?account_id", () => listMovements(db, { organizationId: orgId, accountId: someAccount })),
  };
  const usd = r.overview.result.series.find((s) => s.currency === "usd")!;
  console.log(`usd MRR ${usd.currentMrrCents} cents, NRR12 ${usd.trailing12.nrr}, GRR12 ${usd.trailing12.grr}; forecast renewals ${r.forecast.result.totals.map((t) => `${t.currency}:${t.renewals}`).join(" ")}`);
  const worst = Math.max(...Object.values(r).map((x) => x.p50));
  console.log(worst < 500 ? `OK: every endpoint < 500 ms p50 at ${N} accounts (slowest ${worst} ms)` : `SLOW: slowest endpoint ${worst} ms p50 at ${N} accounts`);
  await db.$disconnect();
  const figures = {
    accounts: N, ...counts, movements: build.movements, buildSeconds: +(buildMs / 1000).toFixed(1),
    ...Object.fromEntries(Object.entries(r).map(([k, v]) => [`${k}P50Ms`, v.p50])), slowestP50Ms: worst,
  };
  console.log(JSON.stringify(figures, null, 2));
  if (worst >= 500) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
