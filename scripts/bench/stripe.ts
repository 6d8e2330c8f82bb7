/**
 * Stripe full-sync benchmark: starts the sandbox in a child process (synthetic portfolio, REAL rate limits:
 * 25 req/s in test mode — Stripe is a remote service: its CPU is not ours, and a sandbox inside this process
 * would stamp requests late whenever a synchronous SQLite write blocks the event loop, turning correctly paced
 * requests into 429s), connects with the test secret key, runs one full sync into a fresh SQLite
 * database (data/bench/stripe.db, copied from data/test-template.db), and prints requests made, the
 * lower bound (minimum requests ÷ 25 req/s), wall time, their ratio (target ≤ 1.25) and peak RSS.
 *
 *   npm run bench:stripe -- --customers 20000 [--months 12] [--latency-ms 20] [--jitter-ms 20] [--rps 25]
 *
 * Minimum requests: each list needs ⌈N/100⌉ pages (at least 1): customers, subscriptions (status=all,
 * product/price expanded inline, so no separate product/price listing), invoices, charges of the last
 * 395 days (DEFAULT_CHARGES_LOOKBACK_DAYS); plus 1 events request (the cursor the full sync starts from). The sync's closing events
 * read (1 request) is counted in "requests made" but not in the minimum. Peak RSS is this process's (the
 * sync); the sandbox child's is printed separately.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { startSandbox } from "@/sandbox";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { todayUtc } from "@/sandbox/portfolio/util";
import { createPrisma } from "@/lib/db/prisma";
import { resetEnvCache } from "@/lib/env";
import { logger } from "@/lib/logger";
import { configureStripe } from "@/lib/connectors/stripe/connect";
import { runStripeSync } from "@/lib/connectors/stripe/sync";
import { DEFAULT_CHARGES_LOOKBACK_DAYS } from "@/lib/connectors/stripe/connection";

const { values } = parseArgs({
  options: {
    customers: { type: "string", default: "20000" },
    months: { type: "string", default: "12" },
    "latency-ms": { type: "string", default: "20" },
    "jitter-ms": { type: "string", default: "20" },
    rps: { type: "string", default: "25" },
    "serve-sandbox": { type: "boolean", default: false },
  },
});

function freshDb(file: string) {
  mkdirSync("data/bench", { recursive: true });
  rmSync(file, { force: true });
  if (existsSync("data/test-template.db")) copyFileSync("data/test-template.db", file);
  else execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: `file:./${file}` }, stdio: "pipe" });
  return createPrisma(`file:./${file}`);
}

type ChildInfo = {
  stripeUrl: string;
  secretKey: string;
  counts: { customers: number; subscriptions: number; invoices: number; charges: number; chargesInWindow: number };
};

/** Child mode: build the portfolio, serve the sandbox, print one JSON line (ChildInfo), serve until killed. */
async function serveSandbox() {
  const customers = Number(values.customers);
  const portfolio = buildSyntheticPortfolio({ companies: 10, contacts: 0, deals: 0, engagements: 0, tickets: 0, customers, invoicesMonths: Number(values.months), anchor: todayUtc() });
  const latency = { fixedMs: Number(values["latency-ms"]), jitterMs: Number(values["jitter-ms"]) };
  const sb = await startSandbox({ portfolio, ports: { hubspot: 0, stripe: 0 }, limits: { stripe: { enabled: true, testRps: Number(values.rps) } }, latency });
  const s = portfolio.stripe;
  const chargesSince = Math.floor(Date.now() / 1000) - DEFAULT_CHARGES_LOOKBACK_DAYS * 86_400;
  const info: ChildInfo = {
    stripeUrl: sb.stripeUrl,
    secretKey: (sb.info.stripe as { secretKey: string }).secretKey,
    counts: {
      customers: s.customers.length, subscriptions: s.subscriptions.length, invoices: s.invoices.length, charges: s.charges.length,
      chargesInWindow: s.charges.filter((c) => c.created >= chargesSince).length,
    },
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

async function main() {
  if (values["serve-sandbox"]) return serveSandbox();
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 9).toString("base64");
  process.env.LOG_LEVEL ??= "warn";
  const rps = Number(values.rps);
  const latency = { fixedMs: Number(values["latency-ms"]), jitterMs: Number(values["jitter-ms"]) };
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), "--serve-sandbox"], { stdio: ["ignore", "pipe", "inherit"] });
  const sbInfo = await new Promise<ChildInfo>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sandbox child exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(JSON.parse(line) as ChildInfo));
  });
  const stats = async () => ((await (await fetch(`${sbInfo.stripeUrl}/__sandbox/stats`)).json()) as { stripe: { rateLimited?: number } }).stripe.rateLimited ?? 0;
  process.env.STRIPE_API_BASE_URL = sbInfo.stripeUrl;
  resetEnvCache();
  const db = freshDb("data/bench/stripe.db");
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 200);
  try {
    const org = await db.organization.create({ data: { name: "Bench", slug: `bench-${Date.now()}` } });
    const conn = await configureStripe(db, { organizationId: org.id, body: { api_key: sbInfo.secretKey } });
    await db.connection.update({ where: { id: conn.connectionId }, data: { settings: { requestsPerSecond: rps } } });
    await new Promise((r) => setTimeout(r, 1100)); // the connect calls' window passes
    const before429 = await stats();
    let lastLog = 0;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const summary = await runStripeSync(db, { connectionId: conn.connectionId, full: true, trigger: "cli" }, {
      jobId: "bench", db, log: logger, signal: new AbortController().signal,
      progress: async (p) => {
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          process.stderr.write(`  ${Math.round((performance.now() - started) / 1000)} s ${JSON.stringify((p as { streams?: unknown }).streams)}\n`);
        }
      },
    });
    const wallS = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const c = sbInfo.counts;
    const pages = (k: number) => Math.max(1, Math.ceil(k / 100));
    const minimum = pages(c.customers) + pages(c.subscriptions) + pages(c.invoices) + pages(c.chargesInWindow) + 1;
    const lowerBoundS = minimum / rps;
    const out = {
      portfolio: c,
      rateLimit: `${rps} req/s (test mode)`, latency,
      requestsMade: summary.requestCount,
      minimumRequests: minimum,
      lowerBoundS: Number(lowerBoundS.toFixed(1)), wallS: Number(wallS.toFixed(1)), ratio: Number((wallS / lowerBoundS).toFixed(3)),
      requestRatio: Number((summary.requestCount / minimum).toFixed(3)),
      syncCpuS: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      loadAverage1m: Number(os.loadavg()[0]!.toFixed(1)),
      sandbox429s: (await stats()) - before429,
      objects: summary.objects,
    };
    console.log(JSON.stringify(out, null, 2));
  } finally {
    clearInterval(timer);
    await db.$disconnect();
    child.kill();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
