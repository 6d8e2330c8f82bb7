/**
 * Shared parts of the CLI scripts (`npm run sync`, `npm run score`): bootstrap (env, database, exit
 * codes), job progress observation, and the scoring step both scripts run (`refreshWithProgress`) with its
 * summary (`summarizeScores`, `formatScoreSummary`):
 *
 *   const args = parseCli(process.argv.slice(2), OPTIONS, USAGE);       // exit 2 on a bad flag
 *   await runCli(async () => {
 *     const { db } = await openCliDb({ envFile: args.values.dotenv, verbose: args.values.verbose });
 *     …; return exitCode;                                                // 0 | 1
 *   });
 *
 * Configuration comes from the environment first, then `.env.local` (read-only here: the CLI never
 * generates secrets; `npm run demo` writes that file). Exit codes: 0 success, 1 a sync/score failed,
 * 2 bad usage or configuration (a {@link CliError} with `exitCode: 2`).
 */
import { existsSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Db } from "@/lib/db";
import { env, EnvError, resetEnvCache } from "@/lib/env";
import type { JobView } from "@/lib/jobs/queue";
import type { RefreshResult } from "@/lib/pipeline/refresh-organization";
import "./app-jobs"; // the job kinds (lib/app/register-jobs.ts) for every CLI script that runs jobs
import { readEnvFile } from "./env-file";
import { formatCount, formatDuration, type Progress } from "./progress";

/** Exit codes shared by the CLI scripts. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An error the CLI prints as-is (no stack) before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.usage) {
    super(message);
    this.name = "CliError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `node:util` parseArgs in strict mode; prints `usage` and exits 0 on `--help`/`-h`.
 * @throws CliError (exit 2) for unknown flags, missing values or positional arguments, naming the flag.
 */
export function parseCli<O extends Options>(argv: string[], options: O, usage: string) {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage.endsWith("\n") ? usage : `${usage}\n`);
    process.exit(EXIT.ok);
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)} (see --help)`);
  }
}

/** What {@link openCliDb} returns. */
export type CliDb = { db: Db; databaseUrl: string; provider: "sqlite" | "postgresql" };

/** Where the SQLite file of a `file:` URL lives (relative to the working directory). */
function sqlitePath(url: string): string {
  return url.replace(/^file:(\/\/)?/, "").split("?")[0];
}

/**
 * Load configuration and open the database the app uses (also installed as the process-wide client via
 * `setDb`, so lib code that calls `getDb()` shares it).
 * - `envFile` (default `.env.local`; the scripts' `--dotenv <path>`): KEY=VALUE lines, never overriding variables already set.
 * - `verbose`: app logs (pino JSON) at info level; otherwise LOG_LEVEL defaults to `silent` so logs
 *   do not interleave with the progress bars (an explicit LOG_LEVEL always wins).
 * @throws CliError (exit 2) when APP_ENCRYPTION_KEY is missing, the environment is invalid (lists each
 *   variable and how to fix it), the SQLite file does not exist, or the database cannot be queried.
 */
export async function openCliDb(opts: { envFile?: string; verbose?: boolean } = {}): Promise<CliDb> {
  const envFile = opts.envFile ?? ".env.local";
  for (const [k, v] of Object.entries(readEnvFile(envFile))) if (process.env[k] === undefined) process.env[k] = v;
  process.env.LOG_LEVEL ??= opts.verbose ? "info" : "silent";
  if (!process.env.APP_ENCRYPTION_KEY) {
    throw new CliError(
      "APP_ENCRYPTION_KEY is not set, so the stored HubSpot/Stripe credentials cannot be decrypted.\n" +
        `  Run \`npm run demo\` once (it writes .env.local with generated secrets), or set APP_ENCRYPTION_KEY ` +
        `(the same value the app server uses; a new one: \`openssl rand -base64 32\`) in the environment or in ${envFile}.`,
    );
  }
  resetEnvCache();
  let databaseUrl: string;
  try {
    databaseUrl = env().DATABASE_URL;
  } catch (err) {
    if (err instanceof EnvError) throw new CliError(err.message);
    throw err;
  }
  // Imported here, not at the top: loading the Prisma clients takes a while, and --help / usage errors should not wait for it.
  const { createPrisma, isPostgresUrl } = await import("@/lib/db/prisma");
  const { setDb } = await import("@/lib/db");
  const provider = isPostgresUrl(databaseUrl) ? "postgresql" : "sqlite";
  if (provider === "sqlite" && !existsSync(sqlitePath(databaseUrl))) {
    throw new CliError(
      `the database ${sqlitePath(databaseUrl)} does not exist: run \`npm run demo\` (or \`npm run db:deploy\` and connect HubSpot/Stripe in the app) first, or set DATABASE_URL.`,
    );
  }
  const db = createPrisma(databaseUrl);
  try {
    await db.organization.count();
  } catch (err) {
    await db.$disconnect().catch(() => undefined);
    const msg = err instanceof Error ? err.message.split("\n").filter(Boolean).slice(-1)[0] : String(err);
    throw new CliError(`cannot read the database (${provider}): ${msg}\n  Check DATABASE_URL and run \`npm run db:deploy\` to apply the migrations.`);
  }
  setDb(db);
  return { db, databaseUrl, provider };
}

/**
 * The organizations to work on: the one named by `ref` (id or slug), or all of them (oldest first).
 * @throws CliError (exit 2) when `ref` matches none (lists the known slugs).
 */
export async function resolveOrganizations(db: Db, ref?: string): Promise<{ id: string; slug: string; name: string }[]> {
  const select = { id: true, slug: true, name: true } as const;
  if (ref) {
    const org = await db.organization.findFirst({ where: { OR: [{ id: ref }, { slug: ref }] }, select });
    if (!org) {
      const known = await db.organization.findMany({ select: { slug: true }, orderBy: { createdAt: "asc" }, take: 20 });
      throw new CliError(`organization "${ref}" not found (give its id or slug); known: ${known.map((o) => o.slug).join(", ") || "none"}`);
    }
    return [org];
  }
  return db.organization.findMany({ select, orderBy: { createdAt: "asc" } });
}

/**
 * Run a CLI main function and exit with its code. CliError → its message on stderr and its exit code;
 * any other error → the message (stack with --verbose) and exit 1. `cleanup` runs in both cases.
 */
export function runCli(main: () => Promise<number>, opts: { cleanup?: () => Promise<void>; verbose?: boolean } = {}): void {
  main()
    .then(async (code) => {
      await opts.cleanup?.().catch(() => undefined);
      process.exit(code);
    })
    .catch(async (err: unknown) => {
      await opts.cleanup?.().catch(() => undefined);
      if (err instanceof CliError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(err.exitCode);
      }
      const text = err instanceof Error ? (opts.verbose ? err.stack ?? err.message : err.message) : String(err);
      process.stderr.write(`error: ${text}\n`);
      process.exit(EXIT.failed);
    });
}

/** A progress write of a job run by this process (the `Job.progress` JSON written through ctx.progress). */
export type JobProgressEvent = { jobId: string; name: string | null; payload: Record<string, unknown> | null; progress: Record<string, unknown> };

/**
 * A client that reports every progress write of the jobs it runs to `listener`, synchronously, as the
 * job code writes it (ctx.progress → `db.job.update({data: {progress}})`, at most every ~500 ms per job).
 * Pass it to `runJobInline` instead of polling the Job table: on SQLite the scoring pipeline keeps the
 * event loop busy for minutes (libsql calls complete as microtasks), so timers — and pollers — never run.
 * Only `job.create` and `job.update` are observed; every other query goes straight through.
 */
export function observeJobs(db: Db, listener: (e: JobProgressEvent) => void): Db {
  const known = new Map<string, { name: string; payload: Record<string, unknown> | null }>();
  const extended = db.$extends({
    query: {
      job: {
        async create({ args, query }) {
          const row = await query(args);
          const r = row as { id?: string; name?: string; payload?: unknown };
          if (r.id && r.name) known.set(r.id, { name: r.name, payload: (r.payload as Record<string, unknown> | null) ?? null });
          return row;
        },
        async update({ args, query }) {
          const progress = (args.data as { progress?: unknown }).progress;
          const jobId = (args.where as { id?: string }).id;
          if (jobId && progress && typeof progress === "object") {
            const k = known.get(jobId);
            try {
              listener({ jobId, name: k?.name ?? null, payload: k?.payload ?? null, progress: progress as Record<string, unknown> });
            } catch {
              // Progress display must never fail the job.
            }
          }
          return query(args);
        },
      },
    },
  });
  return extended as unknown as Db;
}

/** Counts of the newest scored day of an organization, for the summaries. */
export type ScoreSummary = {
  /** The newest day with ChurnScoreDaily rows (midnight UTC), null when nothing is scored yet. */
  day: Date | null;
  accounts: number;
  byRisk: { healthy: number; at_risk: number; critical: number };
  /** probabilitySource ("model" | "fallback" | "none") → accounts. */
  byProbabilitySource: Record<string, number>;
  /** The active churn model (status "trained" | "insufficient_data" | "failed"), if any. */
  model: { version: number; status: string; rocAuc: number | null } | null;
  /** Identity matches awaiting an admin's decision. */
  pendingReview: number;
};

/** Read the newest day's scores of `organizationId` (counts by risk level and probability source). */
export async function summarizeScores(db: Db, organizationId: string): Promise<ScoreSummary> {
  const latest = await db.churnScoreDaily.aggregate({ where: { organizationId }, _max: { day: true } });
  const day = latest._max.day ?? null;
  const byRisk = { healthy: 0, at_risk: 0, critical: 0 };
  const byProbabilitySource: Record<string, number> = {};
  let accounts = 0;
  if (day) {
    const groups = await db.churnScoreDaily.groupBy({ by: ["riskLevel", "probabilitySource"], where: { organizationId, day }, _count: { _all: true } });
    for (const g of groups) {
      const n = g._count._all;
      accounts += n;
      if (g.riskLevel) byRisk[g.riskLevel] += n; // NULL: not a paying account (no risk level)
      const src = g.probabilitySource ?? "none";
      byProbabilitySource[src] = (byProbabilitySource[src] ?? 0) + n;
    }
  }
  const m = await db.churnModel.findFirst({ where: { organizationId, isActive: true }, orderBy: { version: "desc" } });
  const metrics = (m?.metrics ?? null) as { rocAuc?: unknown } | null;
  const pendingReview = await db.matchCandidate.count({ where: { organizationId, status: "pending" } });
  return {
    day, accounts, byRisk, byProbabilitySource, pendingReview,
    model: m ? { version: m.version, status: m.status, rocAuc: typeof metrics?.rocAuc === "number" ? metrics.rocAuc : null } : null,
  };
}

/** Outcome of one organization's post-sync pipeline run by the CLI. */
export type RefreshOutcome = {
  organization: { id: string; slug: string; name: string };
  job: JobView;
  ok: boolean;
  result: RefreshResult | null;
  summary: ScoreSummary;
  durationMs: number;
};

/**
 * Run refresh-organization-job inline for one organization — identity → signals (365-day backfill when
 * `backfill`, or automatically when it has no history) → model → scores → write-back — exactly as
 * `POST /api/integrations/score` does, drawing its phases on `progress` under the key `score:<orgId>`.
 * Never throws for a failed pipeline: `ok: false` and the job's error instead.
 */
export async function refreshWithProgress(
  db: Db,
  organization: { id: string; slug: string; name: string },
  opts: { backfill?: boolean; signal?: AbortSignal; progress: Progress; label?: string },
): Promise<RefreshOutcome> {
  const { runJobInline } = await import("@/lib/jobs/run-job");
  const key = `score:${organization.id}`;
  const label = opts.label ?? `scoring ${organization.slug}`;
  opts.progress.update(key, { label, phase: "starting" });
  const observed = observeJobs(db, (e) => {
    if (e.name !== "refresh-organization-job") return;
    const p = e.progress as { phase?: string; processed?: number; total?: number; detail?: string };
    if (p.phase && p.phase !== "done") opts.progress.update(key, { label, phase: p.phase, processed: p.processed, total: p.total ?? null, detail: p.phase === "signals" ? p.detail : undefined });
  });
  const started = Date.now();
  const job = await runJobInline(observed, "refresh-organization-job", {
    organizationId: organization.id, trigger: "cli", ...(opts.backfill ? { backfill: true } : {}),
  }, { organizationId: organization.id, signal: opts.signal });
  const durationMs = Date.now() - started;
  const ok = job.status === "succeeded";
  const result = ok ? (job.result as RefreshResult) : null;
  const summary = await summarizeScores(db, organization.id);
  opts.progress.update(key, ok
    ? { label, state: "done", processed: summary.accounts, detail: `accounts · ${formatDuration(durationMs)}` }
    : { label, state: "failed", detail: job.error ?? job.status });
  return { organization, job, ok, result, summary, durationMs };
}

/**
 * The summary lines of one organization's scoring run, e.g.
 * `acme: 120 accounts scored for 2026-11-20 — healthy 80 · at_risk 30 · critical 10`, then the
 * probability source / model version, signals and identity lines and the duration.
 */
export function formatScoreSummary(o: RefreshOutcome): string[] {
  const name = `${o.organization.slug} (${o.organization.name})`;
  if (!o.ok) return [`✗ ${name}: scoring ${o.job.status}: ${o.job.error ?? "unknown error"} (job ${o.job.id})`];
  const s = o.summary;
  const r = o.result;
  const day = s.day ? s.day.toISOString().slice(0, 10) : "—";
  const lines = [
    `✓ ${name}: ${formatCount(s.accounts)} accounts scored for ${day} — healthy ${formatCount(s.byRisk.healthy)} · at_risk ${formatCount(s.byRisk.at_risk)} · critical ${formatCount(s.byRisk.critical)}`,
  ];
  const sources = Object.entries(s.byProbabilitySource).map(([k, n]) => `${k} ${formatCount(n)}`).join(" · ") || "none";
  const model = s.model
    ? `model v${s.model.version} (${s.model.status}${s.model.rocAuc !== null ? `, ROC AUC ${s.model.rocAuc.toFixed(3)}` : ""}${r?.model.trained ? ", trained in this run" : ""})`
    : "no model";
  lines.push(`    probability source: ${sources} · ${model}`);
  if (r) {
    const linked = Object.entries(r.identity.linked).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ");
    lines.push(
      `    signals: ${r.signals.mode === "backfill" ? "365-day backfill" : "today"}, ${formatCount(r.signals.rows)} rows · scores written: ${formatCount(r.scoring.scores)}` +
        ` · accounts created ${r.identity.created}${linked ? ` (links: ${linked})` : ""}` +
        (s.pendingReview ? ` · ${s.pendingReview} identity matches await review` : ""),
    );
  }
  lines.push(`    duration: ${formatDuration(o.durationMs)}`);
  return lines;
}
