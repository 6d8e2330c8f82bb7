/**
 * Times the post-sync pipeline (lib/pipeline/refresh-organization.ts) phase by phase on RavenStack,
 * without re-syncing each time:
 *
 *   npx tsx scripts/dev/time-pipeline.ts [--resync] [--template data/dev/ravenstack-synced.db]
 *                                        [--save-fingerprint f.json] [--compare f.json] [--keep]
 *
 * 1. Template (built once, or with --resync): a fresh migrated SQLite file, the sandbox serving the
 *    RavenStack portfolio (limits off, ports 0), the demo organization, HubSpot + Stripe connected
 *    through `configureConnection` and fully synced (`sync-connection-job`, no post-processing) —
 *    the same steps as scripts/demo/prepare-demo.ts up to the pipeline. The sync's wall time is printed.
 * 2. A copy of the template (data/dev/pipeline-run.db) gets the pipeline's phases one after another,
 *    exactly as refreshOrganization(…, {backfill: true}) runs them: resolveIdentities →
 *    backfillSignals (365 days) → trainAndStoreModel → scoreHistory (365 days).
 *    Per phase: wall seconds, CPU seconds (user + system of this process), and RSS (peak sampled
 *    every 100 ms during the phase, and the process-wide max RSS so far), plus the load average.
 * 3. A fingerprint of the results (row counts, sums of scores/probabilities, level and trend counts,
 *    the model's metrics, the Account latest-score columns) is printed; `--save-fingerprint` stores it,
 *    `--compare` fails (exit 1) when the new run differs — the "without changing results" check.
 *
 * Uses the time the template was synced as "now" (the backfill's asOf), so runs are comparable.
 * SQLite only (the fingerprint uses SQLite SQL). Measured figures: see the perf report / docs/scoring.md.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import { createPrisma, type Db } from "@/lib/db/prisma";
import { setDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { configureConnection } from "@/lib/integrations/manage-connections";
import { runJobInline } from "@/lib/jobs/run-job";
import "../lib/app-jobs"; // the job kinds run below
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { backfillSignals } from "@/lib/signals/backfill-signals";
import { trainAndStoreModel } from "@/lib/model/train-from-db";
import { scoreHistory } from "@/lib/scoring/run-scoring";
import { BACKFILL_DAYS } from "@/lib/pipeline/refresh-organization";
import { startSandbox } from "@/sandbox/index";

const args = process.argv.slice(2);
const flag = (n: string) => args.includes(`--${n}`);
const opt = (n: string) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : undefined; };

const template = opt("template") ?? "data/dev/ravenstack-synced.db";
const runFile = "data/dev/pipeline-run.db";
const mb = (b: number) => Math.round(b / 1048576);

process.env.APP_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
process.env.LOG_LEVEL ??= "warn";

function removeDb(file: string) {
  for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

/** Build the synced template (see module doc). Returns the sync wall time (ms). */
async function buildTemplate(): Promise<number> {
  mkdirSync("data/dev", { recursive: true });
  removeDb(template);
  const url = `file:./${template}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  process.env.DATABASE_URL = url;
  resetEnvCache();
  const db = createPrisma(url);
  setDb(db);
  const sandbox = await startSandbox({ portfolio: "ravenstack", ports: { hubspot: 0, stripe: 0 }, limits: false });
  try {
    const info = sandbox.info as unknown as { hubspot: { privateAppToken: string }; stripe: { secretKey: string; restrictedKeys?: Record<string, string> } };
    process.env.HUBSPOT_API_BASE_URL = sandbox.hubspotUrl;
    process.env.STRIPE_API_BASE_URL = sandbox.stripeUrl;
    resetEnvCache();
    const org = await db.organization.create({ data: { name: "Demo Co (RavenStack)", slug: "demo" } });
    const hs = await configureConnection(db, { provider: "hubspot", organizationId: org.id, body: { token: info.hubspot.privateAppToken } });
    const st = await configureConnection(db, { provider: "stripe", organizationId: org.id, body: { api_key: info.stripe.restrictedKeys?.readAll ?? info.stripe.secretKey } });
    const t = Date.now();
    const syncs = await Promise.all([hs, st].map((c) =>
      runJobInline(db, "sync-connection-job", { connectionId: c.connectionId, full: true, trigger: "connect", skipPostProcessing: true }, { organizationId: org.id }),
    ));
    for (const s of syncs) if (s.status !== "succeeded") throw new Error(`sync failed: ${s.error}`);
    const ms = Date.now() - t;
    await db.$executeRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)").catch(() => undefined);
    return ms;
  } finally {
    await sandbox.close();
    await db.$disconnect();
  }
}

type PhaseFigures = { wallS: number; cpuS: number; peakRssMb: number; maxRssSoFarMb: number; load1: number };

/** Run `fn`, measuring wall, CPU and RSS. */
async function phase<T>(name: string, figures: Record<string, PhaseFigures>, fn: () => Promise<T>): Promise<T> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 100);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    const cpu = process.cpuUsage(cpu0);
    figures[name] = {
      wallS: +((performance.now() - t0) / 1000).toFixed(1),
      cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(1),
      peakRssMb: mb(peak),
      maxRssSoFarMb: Math.round(process.resourceUsage().maxRSS / 1024),
      load1: +os.loadavg()[0].toFixed(1),
    };
    console.log(`${name.padEnd(18)} ${JSON.stringify(figures[name])}`);
  }
}

const round = (n: number, d = 4) => Math.round(n * 10 ** d) / 10 ** d;

/** Order-independent summary of everything the pipeline wrote. */
async function fingerprint(db: Db, organizationId: string) {
  const q = <T>(sql: string) => db.$queryRawUnsafe(sql, organizationId) as Promise<T[]>;
  const num = (v: unknown) => (v === null ? null : round(Number(v)));
  const [sig] = await q<Record<string, unknown>>(
    `SELECT COUNT(*) AS n, COUNT(DISTINCT "accountId") AS accounts, SUM("mrrCents") AS mrr, SUM("isBackfill") AS backfill, MIN("day") AS first, MAX("day") AS last FROM "AccountSignalDaily" WHERE "organizationId" = ?`,
  );
  const [sc] = await q<Record<string, unknown>>(
    `SELECT COUNT(*) AS n, SUM("healthScore") AS hs, SUM("churnProbability") AS p, SUM(length("factors")) AS lf, SUM(length("inputs")) AS li, SUM(length("drivers")) AS ld, SUM(length("penalties")) AS lp, SUM(length("missingFactors")) AS lm FROM "ChurnScoreDaily" WHERE "organizationId" = ?`,
  );
  const levels = await q<{ k: string; n: unknown }>(`SELECT "riskLevel" AS k, COUNT(*) AS n FROM "ChurnScoreDaily" WHERE "organizationId" = ? GROUP BY 1 ORDER BY 1`);
  const trends = await q<{ k: string | null; n: unknown }>(`SELECT "trend" AS k, COUNT(*) AS n FROM "ChurnScoreDaily" WHERE "organizationId" = ? GROUP BY 1 ORDER BY 1`);
  const sources = await q<{ k: string | null; n: unknown }>(`SELECT "probabilitySource" AS k, COUNT(*) AS n FROM "ChurnScoreDaily" WHERE "organizationId" = ? GROUP BY 1 ORDER BY 1`);
  const [acc] = await q<Record<string, unknown>>(
    `SELECT COUNT(*) AS n, SUM("healthScore") AS hs, SUM("churnProbability") AS p, SUM("mrrCents") AS mrr, COUNT("scoredAt") AS scored, COUNT("renewalDate") AS renewals, SUM(length("topReason")) AS lr, SUM(CASE WHEN "trend" IS NULL THEN 0 ELSE 1 END) AS trends FROM "Account" WHERE "organizationId" = ?`,
  );
  // Per account (keyed by name + domain: account ids are new cuids each run), a hash of its daily
  // score rows without the probability (compared with a tolerance: the model's float sums depend on
  // the id order) and without inputs.modelDrivers (hashed apart: equal coefficients may swap order).
  const accounts = await q<{ id: string; name: string; domain: string | null }>(`SELECT "id", "name", "domain" FROM "Account" WHERE "organizationId" = ? ORDER BY "name", "domain"`);
  const perAccount: Record<string, { rows: string; drivers: string; p: number }> = {};
  for (const a of accounts) {
    const [r] = (await db.$queryRawUnsafe(
      `SELECT group_concat("day" || '|' || "healthScore" || '|' || "riskLevel" || '|' || coalesce("trend", '-') || '|' || coalesce("probabilitySource", '-') || '|' || "factors" || '|' || "penalties" || '|' || "missingFactors" || '|' || "drivers" || '|' || json_remove("inputs", '$.modelDrivers'), char(10)) AS "rows", ` +
        `group_concat(coalesce(json_extract("inputs", '$.modelDrivers'), '-'), char(10)) AS "drivers", SUM("churnProbability") AS "p" FROM (SELECT * FROM "ChurnScoreDaily" WHERE "accountId" = ? ORDER BY "day")`,
      a.id,
    )) as { rows: string | null; drivers: string | null; p: number | null }[];
    const h = (t: string | null) => createHash("sha256").update(t ?? "").digest("hex").slice(0, 16);
    let key = `${a.name}|${a.domain ?? ""}`;
    while (perAccount[key]) key += "'";
    perAccount[key] = { rows: h(r.rows), drivers: h(r.drivers), p: round(Number(r.p ?? 0)) };
  }
  const model = await db.churnModel.findFirst({ where: { organizationId, isActive: true }, select: { status: true, trainingRows: true, positives: true, metrics: true, parameters: true } });
  const counts = (rows: { k: string | null; n: unknown }[]) => Object.fromEntries(rows.map((r) => [r.k ?? "null", Number(r.n)]));
  const mapNums = (o: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : num(v)]));
  return {
    signals: mapNums(sig),
    scores: { ...mapNums(sc), levels: counts(levels), trends: counts(trends), sources: counts(sources) },
    accounts: mapNums(acc),
    perAccount,
    model: model ? { status: model.status, trainingRows: model.trainingRows, positives: model.positives, metrics: model.metrics, parameters: model.parameters } : null,
  };
}

async function main() {
  let syncMs: number | null = null;
  if (flag("resync") || !existsSync(template)) {
    console.log(`building the synced template ${template} (migrate, sandbox, full sync)…`);
    syncMs = await buildTemplate();
    console.log(`sync wall ${(syncMs / 1000).toFixed(1)} s`);
  }
  removeDb(runFile);
  copyFileSync(template, runFile);
  const url = `file:./${runFile}`;
  process.env.DATABASE_URL = url;
  resetEnvCache();
  const db = createPrisma(url);
  setDb(db);
  const org = await db.organization.findUniqueOrThrow({ where: { slug: "demo" } });
  const conn = await db.connection.findFirst({ where: { organizationId: org.id }, orderBy: { lastSyncAt: "desc" }, select: { lastSyncAt: true } });
  const now = conn?.lastSyncAt ?? new Date();
  const organizationId = org.id;
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  console.log(`pipeline on ${runFile} (now = ${now.toISOString()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}, ${os.cpus().length} cores)`);

  const figures: Record<string, PhaseFigures> = {};
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const identity = await phase("resolveIdentities", figures, () => resolveIdentities(db, { organizationId, now }));
  const signals = await phase("backfillSignals", figures, () => backfillSignals(db, { organizationId, asOf: now, days: BACKFILL_DAYS }));
  const model = await phase("trainAndStoreModel", figures, () => trainAndStoreModel(db, { organizationId, now }));
  const scores = await phase("scoreHistory", figures, () =>
    scoreHistory(db, { organizationId, from: new Date(day.getTime() - (BACKFILL_DAYS - 1) * 86_400_000), to: day, now }));
  const cpu = process.cpuUsage(cpu0);
  console.log(`pipeline total      wall ${((performance.now() - t0) / 1000).toFixed(1)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, max RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  console.log(JSON.stringify({ identity: { created: identity.created, linked: identity.linked, pendingReview: identity.pendingReview }, signals: { accounts: signals.accounts, rows: signals.rows }, model: { status: model.status, trainingRows: model.trainingRows, positives: model.positives }, scores: { accounts: scores.accounts, scores: scores.scores } }));

  const fp = await fingerprint(db, organizationId);
  const fpText = JSON.stringify(fp);
  console.log(`fingerprint: ${JSON.stringify({ signals: fp.signals, scores: fp.scores, accounts: fp.accounts })}`);
  const save = opt("save-fingerprint");
  if (save) writeFileSync(save, fpText);
  await db.$disconnect();
  if (!flag("keep")) removeDb(runFile);
  const cmp = opt("compare");
  if (cmp && !compare(JSON.parse(readFileSync(cmp, "utf8")) as Fingerprint, fp)) process.exitCode = 1;
  else if (cmp) console.log(`results identical to ${cmp} (model floats within 1e-9 relative, probabilities within 1e-4 per row)`);
}

type Fingerprint = Awaited<ReturnType<typeof fingerprint>>;

/** Numbers equal within `rel` relative tolerance (recursively); everything else exactly. */
function close(a: unknown, b: unknown, rel: number): boolean {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], rel));
  }
  return a === b;
}

/** Print differences between two fingerprints; true when the results match. */
function compare(before: Fingerprint, now: Fingerprint): boolean {
  let ok = true;
  const report = (what: string, b: unknown, n: unknown) => {
    ok = false;
    console.log(`DIFFERS ${what}:\n  before ${JSON.stringify(b)}\n  now    ${JSON.stringify(n)}`);
  };
  const { p: pb, ...sb } = before.scores as Record<string, unknown>;
  const { p: pn, ...sn } = now.scores as Record<string, unknown>;
  if (JSON.stringify(sb) !== JSON.stringify(sn)) report("scores", sb, sn);
  if (!close(pb, pn, 1e-6)) report("scores.p (sum of probabilities)", pb, pn);
  if (JSON.stringify(before.signals) !== JSON.stringify(now.signals)) report("signals", before.signals, now.signals);
  if (!close(before.accounts, now.accounts, 1e-6)) report("accounts", before.accounts, now.accounts);
  if (!close(before.model, now.model, 1e-9)) report("model", before.model, now.model);
  let rowDiffs = 0;
  let driverDiffs = 0;
  for (const k of new Set([...Object.keys(before.perAccount), ...Object.keys(now.perAccount)])) {
    const b = before.perAccount[k];
    const n = now.perAccount[k];
    if (!b || !n || b.rows !== n.rows || Math.abs(b.p - n.p) > 1e-4 * 366) {
      if (rowDiffs++ < 5) report(`account ${k}`, b, n);
    } else if (b.drivers !== n.drivers) driverDiffs++;
  }
  if (rowDiffs) console.log(`${rowDiffs} accounts' score rows differ`);
  if (driverDiffs) console.log(`${driverDiffs} accounts' inputs.modelDrivers differ in order/words (model float noise?)`);
  return ok;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
