/**
 * Portfolio benchmark (issue 13, "history that survives large portfolios"): a synthetic portfolio of N accounts with a
 * year of billing history through the demo's data path, with no error, then a check that every account has its history.
 *
 *   npm run bench -- --only pipeline [--full-size]                  # 1,000 / 10,000 accounts
 *   npx tsx scripts/bench/pipeline.ts --accounts 10000 [--days 365] [--keep]
 *
 * Steps (the same code as `npm run demo`, scripts/demo/prepare-demo.ts): a fresh migrated SQLite database
 * (data/bench/pipeline-<pid>.db, removed at the end unless --keep; or a new organization in DATABASE_URL when it is PostgreSQL) → the sandbox in a child
 * process (a vendor's CPU is not ours) serving `buildSyntheticPortfolio({companies: N, customers: N})` (12 months of
 * invoices per customer, anchored today) with every rate limit off → an organization, HubSpot and Stripe connected
 * through `configureConnection` → first full sync of both (`sync-connection-job`) → the post-sync pipeline
 * `refreshOrganization({backfill: true})`: identity resolution, the 365-day signal backfill, model training, scoring of
 * every backfilled day.
 *
 * Then the next pipeline run, as after the next sync (`refreshOrganization` without backfill: today's signals, the
 * history-gap check of lib/pipeline/history-gaps.ts — which must find nothing to rebuild — and today's scores), and
 * the gap check alone ("gap check").
 *
 * Prints per stage: wall seconds, CPU seconds of this process, peak RSS sampled during the stage (MB); the whole run's
 * peak RSS (this process; the sandbox child's separately). Then the history check, per non-archived account: signal
 * rows and score rows in the backfill window. Fails (exit 1) when any account has no signal rows, or any signal day has
 * no score (or a score has no signal day). Last, one JSON object with every figure (read by scripts/bench/all.ts).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { createPrisma, isPostgresUrl, type Db } from "@/lib/db/prisma";
import { setDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { configureConnection } from "@/lib/integrations/manage-connections";
import { runJobInline } from "@/lib/jobs/run-job";
import "../lib/app-jobs"; // the job kinds run below
import { BACKFILL_DAYS, refreshOrganization, type RefreshProgress } from "@/lib/pipeline/refresh-organization";
import { findHistoryGaps } from "@/lib/pipeline/history-gaps";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";
import { startSandbox } from "@/sandbox/index";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { todayUtc } from "@/sandbox/portfolio/util";

const { values } = parseArgs({
  options: {
    accounts: { type: "string", default: "1000" },
    keep: { type: "boolean", default: false },
    "serve-sandbox": { type: "boolean", default: false },
  },
});
const N = Number(values.accounts);
if (!Number.isInteger(N) || N < 1 || N > 100_000) {
  console.error(`--accounts must be a whole number 1..100000, got ${values.accounts}`);
  process.exit(2);
}

const mb = (b: number) => Math.round(b / 1048576);
const secs = (ms: number) => Number((ms / 1000).toFixed(1));
const say = (s: string) => process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${s}\n`);

type ChildInfo = { hubspotUrl: string; stripeUrl: string; token: string; stripeKey: string; counts: Record<string, number> };

/** Child mode: build the portfolio, serve it with limits off, print one JSON line (ChildInfo), serve until killed. */
async function serveSandbox() {
  const portfolio = buildSyntheticPortfolio({ companies: N, customers: N, anchor: todayUtc() });
  const sb = await startSandbox({ portfolio, ports: { hubspot: 0, stripe: 0 }, limits: false });
  const info = sb.info as unknown as { hubspot: { privateAppToken: string }; stripe: { secretKey: string; restrictedKeys?: Record<string, string> } };
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(portfolio.hubspot)) if (Array.isArray(v)) counts[`hubspot.${k}`] = v.length;
  for (const [k, v] of Object.entries(portfolio.stripe)) if (Array.isArray(v)) counts[`stripe.${k}`] = v.length;
  const out: ChildInfo = {
    hubspotUrl: sb.hubspotUrl, stripeUrl: sb.stripeUrl, token: info.hubspot.privateAppToken,
    stripeKey: info.stripe.restrictedKeys?.readAll ?? info.stripe.secretKey, counts,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

type Stage = { wallS: number; cpuS: number; peakRssMb: number };

/** Stage timer: wall, CPU (this process, user + system) and peak RSS sampled every 200 ms. */
function stages() {
  const figures: Record<string, Stage> = {};
  let current: { name: string; t0: number; cpu0: NodeJS.CpuUsage; peak: number } | null = null;
  let runPeak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    runPeak = Math.max(runPeak, rss);
    if (current) current.peak = Math.max(current.peak, rss);
  }, 200);
  const end = () => {
    if (!current) return;
    const cpu = process.cpuUsage(current.cpu0);
    figures[current.name] = { wallS: secs(performance.now() - current.t0), cpuS: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)), peakRssMb: mb(Math.max(current.peak, process.memoryUsage.rss())) };
    say(`${current.name}: ${figures[current.name].wallS} s wall, ${figures[current.name].cpuS} s CPU, peak RSS ${figures[current.name].peakRssMb} MB`);
    current = null;
  };
  return {
    figures,
    start(name: string) {
      end();
      say(`${name}…`);
      current = { name, t0: performance.now(), cpu0: process.cpuUsage(), peak: process.memoryUsage.rss() };
    },
    end,
    stop() {
      end();
      clearInterval(timer);
      return mb(Math.max(runPeak, process.resourceUsage().maxRSS * 1024));
    },
  };
}

/** Peak RSS (VmHWM) of another process of ours, MB, or null where /proc is not readable. */
function peakRssOf(pid: number | undefined): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Per non-archived account of the organization: signal rows and score rows with day in [from, to], and signal days
 * without a score / scores without a signal day (both should be 0).
 */
async function historyCheck(db: Db, organizationId: string, from: Date, to: Date) {
  const accounts = await db.account.findMany({ where: { organizationId, archivedAt: null }, select: { id: true }, orderBy: { id: "asc" } });
  const sig = await db.accountSignalDaily.groupBy({ by: ["accountId"], where: { organizationId, day: { gte: from, lte: to } }, _count: { _all: true } });
  const scr = await db.churnScoreDaily.groupBy({ by: ["accountId"], where: { organizationId, day: { gte: from, lte: to } }, _count: { _all: true } });
  const sigOf = new Map(sig.map((r) => [r.accountId, r._count._all]));
  const scrOf = new Map(scr.map((r) => [r.accountId, r._count._all]));
  const counts = accounts.map((a) => ({ id: a.id, signals: sigOf.get(a.id) ?? 0, scores: scrOf.get(a.id) ?? 0 }));
  const sorted = counts.map((c) => c.signals).sort((x, y) => x - y);
  const days = Math.round((to.getTime() - from.getTime()) / 86_400_000) + 1;
  return {
    accounts: accounts.length,
    withoutSignals: counts.filter((c) => c.signals === 0).length,
    withoutScores: counts.filter((c) => c.scores === 0).length,
    scoreCountMismatch: counts.filter((c) => c.scores !== c.signals).length,
    withFullYear: counts.filter((c) => c.signals === days).length,
    signalRowsPerAccount: { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 },
    signalRows: counts.reduce((s, c) => s + c.signals, 0),
    scoreRows: counts.reduce((s, c) => s + c.scores, 0),
    examples: counts.filter((c) => c.signals === 0 || c.scores !== c.signals).slice(0, 5),
  };
}

async function main() {
  if (values["serve-sandbox"]) return serveSandbox();
  process.env.APP_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
  process.env.LOG_LEVEL ??= "warn";
  const st = stages();
  const load0 = os.loadavg()[0];
  const started = performance.now();

  st.start("migrate");
  const envUrl = process.env.DATABASE_URL;
  const pgMode = !!envUrl && isPostgresUrl(envUrl);
  // One file per run: a second run must never remove the file a running one opens by path (the scoring store does).
  const file = `data/bench/pipeline-${process.pid}.db`;
  const url = pgMode ? envUrl : `file:./${file}`;
  if (!pgMode) {
    mkdirSync("data/bench", { recursive: true });
    for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  }
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  process.env.DATABASE_URL = url;
  resetEnvCache();
  const db = createPrisma(url);
  setDb(db);

  st.start("sandbox");
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "--accounts", String(N), "--serve-sandbox"], { stdio: ["ignore", "pipe", "inherit"] });
  let out: Record<string, unknown> = {};
  let failed = false;
  try {
    const sb = await new Promise<ChildInfo>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`sandbox child exited (${code}) before it was ready`)));
      createInterface({ input: child.stdout! }).once("line", (line) => resolve(JSON.parse(line) as ChildInfo));
    });
    process.env.HUBSPOT_API_BASE_URL = sb.hubspotUrl;
    process.env.STRIPE_API_BASE_URL = sb.stripeUrl;
    resetEnvCache();
    say(`portfolio ${JSON.stringify(sb.counts)}`);

    st.start("connect");
    const org = await db.organization.create({ data: { name: `Bench ${N}`, slug: `bench-pipeline-${Date.now()}` } });
    const organizationId = org.id;
    const hs = await configureConnection(db, { provider: "hubspot", organizationId, body: { token: sb.token } });
    const stc = await configureConnection(db, { provider: "stripe", organizationId, body: { api_key: sb.stripeKey } });

    st.start("sync");
    const syncs = await Promise.all([hs, stc].map((c) =>
      runJobInline(db, "sync-connection-job", { connectionId: c.connectionId, full: true, trigger: "connect", skipPostProcessing: true }, { organizationId }),
    ));
    for (const s of syncs) if (s.status !== "succeeded") throw new Error(`sync failed: ${s.error}`);

    let phase: RefreshProgress["phase"] | null = null;
    let lastLog = 0;
    const now = new Date();
    const refresh = await refreshOrganization(db, {
      organizationId, now, backfill: true,
      onProgress: (p) => {
        if (p.phase !== phase && p.phase !== "done") {
          phase = p.phase;
          st.start(p.phase);
        }
        if (p.total && performance.now() - lastLog > 30_000) {
          lastLog = performance.now();
          say(`  ${p.phase} ${p.processed ?? 0}/${p.total}`);
        }
      },
    });
    st.end();

    st.start("history check");
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const from = new Date(to.getTime() - (BACKFILL_DAYS - 1) * 86_400_000);
    const check = await historyCheck(db, organizationId, from, to);
    st.end();

    st.start("gap check");
    const config = await getActiveScoringConfig(db, organizationId);
    const gaps = await findHistoryGaps(db, { organizationId, day: to, fromDay: from, configVersion: config.version, sourcesSince: null });
    st.start("next run");
    const next = await refreshOrganization(db, { organizationId, now: new Date(now.getTime() + 60_000) });
    st.end();
    const gapCounts = { missingSignals: gaps.missingSignals.length, unscored: gaps.unscored.length, staleConfig: gaps.staleConfig.length };
    const rebuilt = next.history ?? { signals: 0, scored: 0, rescored: 0, scores: 0 };
    failed = check.accounts === 0 || check.withoutSignals > 0 || check.scoreCountMismatch > 0 ||
      gapCounts.missingSignals + gapCounts.unscored + gapCounts.staleConfig > 0 || rebuilt.signals + rebuilt.scored + rebuilt.rescored > 0;
    if (failed) say(`HISTORY MISSING: ${JSON.stringify({ check, gapCounts, rebuilt })}`);
    out = {
      accounts: check.accounts,
      portfolio: sb.counts,
      wallS: secs(performance.now() - started),
      stages: st.figures,
      refresh: { identity: refresh.identity, signals: refresh.signals, model: refresh.model, scoring: refresh.scoring },
      history: { ...check, gapsFound: gapCounts, nextRunRebuilt: rebuilt, ok: !failed },
      loadAverage1m: { start: Number(load0.toFixed(1)), end: Number(os.loadavg()[0].toFixed(1)) },
      cores: os.cpus().length,
    };
  } finally {
    out.peakRssMb = st.stop();
    out.sandboxPeakRssMb = peakRssOf(child.pid);
    child.kill();
    await db.$disconnect();
    if (!pgMode && !values.keep) for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  }
  console.log(JSON.stringify(out, null, 2));
  if (failed) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
