/**
 * `npm run sync` — sync every enabled HubSpot/Stripe connection now, then score, through the same jobs
 * the API and the UI's buttons use, run in this process and awaited:
 *   1. `sync-connection-job` per live connection (`{connectionId, full, trigger: "cli", skipPostProcessing: true}`,
 *      dedupe key `sync:<connectionId>` like `POST /api/integrations/{provider}/sync`: a sync already running in
 *      the app server is waited for instead of started twice), `--concurrency` at a time (default 2);
 *   2. one `refresh-organization-job` per organization that received data (identity → signals, with the
 *      365-day backfill after a connection's first full sync → model → scores → write-back), unless `--no-score`.
 *
 *   npm run sync                                   # incremental sync of all connections, then score
 *   npm run sync -- --full                         # re-read everything (full reconciliation)
 *   npm run sync -- --organization acme --provider hubspot --no-score
 *
 * Progress bars per connection and object type on a TTY (one line per phase otherwise), then a summary:
 * records per object type, requests, duration, and for each failure the error and what to do (SyncRun
 * `errorGuidance`). Connections that need reconnecting (revoked token) are reported as failed without syncing.
 * Exit codes: 0 all synced (and scored), 1 a sync or scoring failed, 2 bad usage/configuration.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import type { JobView } from "@/lib/jobs/queue";
import {
  CliError, EXIT, formatScoreSummary, openCliDb, parseCli, observeJobs, refreshWithProgress, resolveOrganizations, runCli, type RefreshOutcome,
} from "./lib/cli-db";
import { createProgress, formatCount, formatDuration, type Progress } from "./lib/progress";

const USAGE = `Usage: npm run sync -- [options]

Sync every connected HubSpot portal and Stripe account now (the same sync as the Integrations page's
"Sync now"), then run the scoring pipeline once per organization.

Options:
      --full                    full re-sync: re-read every record and reconcile (default: incremental)
  -o, --organization <id|slug>  only this organization's connections
      --provider <name>         only hubspot or only stripe connections
      --no-score                skip identity resolution, signals and scoring after the sync
      --concurrency <n>         connections synced at the same time, 1-4 (default 2)
      --dotenv <path>           configuration file read after the environment (default .env.local)
  -v, --verbose                 app logs (JSON) at info level and error stacks
  -h, --help                    this help

Exit codes: 0 all synced and scored · 1 a sync or scoring failed (the error and what to do are printed)
· 2 bad usage or configuration.
Needs APP_ENCRYPTION_KEY (run \`npm run demo\` once, or set it) and DATABASE_URL (default file:./data/churnwatch.db).`;

const OPTIONS = {
  full: { type: "boolean", default: false },
  organization: { type: "string", short: "o" },
  provider: { type: "string" },
  "no-score": { type: "boolean", default: false },
  concurrency: { type: "string", default: "2" },
  dotenv: { type: "string", default: ".env.local" },
  verbose: { type: "boolean", short: "v", default: false },
  help: { type: "boolean", short: "h" },
} as const;

const ZProvider = z.enum(["hubspot", "stripe"]);
const ZConcurrency = z.coerce.number().int().min(1).max(4);

const PROVIDER_LABEL = { hubspot: "HubSpot", stripe: "Stripe" } as const;

/** Object types in sync order (PostgreSQL's jsonb does not keep the key order of the stored job result). */
const OBJECT_ORDER = ["connection", "owners", "companies", "contacts", "deals", "calls", "meetings", "notes", "tickets", "customers", "subscriptions", "invoices", "charges"];
const objectRank = (name: string) => {
  const i = OBJECT_ORDER.indexOf(name);
  return i < 0 ? OBJECT_ORDER.length : i;
};

type Conn = {
  id: string;
  organizationId: string;
  provider: "hubspot" | "stripe";
  displayName: string;
  status: string;
  lastFullSyncAt: Date | null;
  lastError: string | null;
  /** Vendor API base URL stored at connect time (sandbox or vendor); null = the environment's. */
  apiBaseUrl: string | null;
};

type Problem = { where: string; message: string; guidance: string | null };

/** How one connection's sync ended: failed = nothing usable; incomplete = some object types failed. */
type ConnOutcome = {
  conn: Conn;
  label: string;
  status: "succeeded" | "incomplete" | "failed" | "skipped";
  mode: string | null;
  objects: Record<string, { processed: number; skipped: number; status: string }>;
  requests: number;
  durationMs: number;
  problems: Problem[];
  jobId: string | null;
};

/** The `sync-connection-job` result: the connector's SyncSummary, or `{skipped, reason}`. */
const ZSyncResult = z.object({
  skipped: z.boolean().optional(),
  reason: z.string().optional(),
  mode: z.string().optional(),
  requestCount: z.number().optional(),
  objects: z.record(z.string(), z.object({
    processed: z.number().default(0),
    skipped: z.number().default(0),
    status: z.string(),
    error: z.string().nullish(),
    guidance: z.string().nullish(),
  }).loose()).optional(),
}).loose();

/** Stream progress as the connectors write it: `job.progress.streams[name] = {processed, total, ratePerSec, etaMs}`. */
const ZStreams = z.record(z.string(), z.object({
  processed: z.number(), total: z.number().nullish(), ratePerSec: z.number().nullish(), etaMs: z.number().nullish(),
}).loose());

const reconnectGuidance = (c: Conn) =>
  c.provider === "hubspot"
    ? "reconnect HubSpot on the Integrations page (paste a new private-app token, or click Reconnect for OAuth), then run `npm run sync` again"
    : "reconnect Stripe on the Integrations page with a current key (or Connect again), then run `npm run sync` again";

/** Read the failure details of a finished sync job: failed SyncRuns (error + errorGuidance), summary entries, the job error. */
async function collectProblems(db: Db, job: JobView, result: z.infer<typeof ZSyncResult> | null): Promise<Problem[]> {
  const problems: Problem[] = [];
  const runs = await db.syncRun.findMany({ where: { jobId: job.id, status: "failed" }, orderBy: { startedAt: "asc" } });
  for (const r of runs) problems.push({ where: r.objectType, message: r.error ?? "failed", guidance: r.errorGuidance });
  for (const [name, o] of Object.entries(result?.objects ?? {})) {
    if (o.status !== "failed" || problems.some((p) => p.where === name)) continue;
    problems.push({ where: name, message: o.error ?? "failed", guidance: o.guidance ?? null });
  }
  if (job.status !== "succeeded" && job.error && !problems.some((p) => job.error!.includes(p.message))) {
    problems.push({ where: "sync", message: job.error, guidance: null });
  }
  return problems;
}

async function syncOne(db: Db, conn: Conn, label: string, opts: { index: number; full: boolean; signal: AbortSignal; progress: Progress }): Promise<ConnOutcome> {
  const { runJobInline } = await import("@/lib/jobs/run-job");
  // Keys sort as: connection header, then its object types in the order they started (renderer `sort: true`).
  const key = `conn:${String(opts.index).padStart(3, "0")}`;
  const streamKeys = new Map<string, string>();
  const streamKey = (name: string) => {
    let k = streamKeys.get(name);
    if (!k) streamKeys.set(name, (k = `${key}:${String(streamKeys.size).padStart(3, "0")}`));
    return k;
  };
  const streamLabel = (name: string) => `  ${PROVIDER_LABEL[conn.provider]} ${name}`;
  opts.progress.update(key, { label, phase: "starting" });
  const observed = observeJobs(db, (e) => {
    // A job queued earlier by the app (deduplicated onto, then run here) was not created through this client:
    // recognise it by the connectionId the sync job puts in its progress.
    const connectionId = e.payload?.connectionId ?? e.progress.connectionId;
    if ((e.name ?? "sync-connection-job") !== "sync-connection-job" || connectionId !== conn.id) return;
    const p = e.progress;
    const requests = typeof p.requestCount === "number" ? p.requestCount : typeof p.requests === "number" ? p.requests : undefined;
    opts.progress.update(key, { label, phase: "syncing", detail: requests !== undefined ? `${formatCount(requests)} requests` : undefined });
    const streams = ZStreams.safeParse(p.streams ?? {});
    if (!streams.success) return;
    for (const [name, st] of Object.entries(streams.data)) {
      opts.progress.update(streamKey(name), {
        label: streamLabel(name), phase: "syncing",
        processed: st.processed, total: st.total ?? null, ratePerSec: st.ratePerSec ?? undefined, etaMs: st.etaMs ?? null,
      });
    }
  });
  const started = Date.now();
  let job: JobView;
  try {
    job = await runJobInline(observed, "sync-connection-job", { connectionId: conn.id, full: opts.full, trigger: "cli", skipPostProcessing: true }, {
      organizationId: conn.organizationId, dedupeKey: `sync:${conn.id}`, signal: opts.signal,
    });
  } catch (err) {
    // Bookkeeping failed outside the job (e.g. the database went away): report it as this connection's failure.
    opts.progress.update(key, { label, state: "failed", detail: err instanceof Error ? err.message : String(err) });
    return { conn, label, status: "failed", mode: null, objects: {}, requests: 0, durationMs: Date.now() - started, jobId: null,
      problems: [{ where: "sync", message: err instanceof Error ? err.message : String(err), guidance: null }] };
  }
  const parsed = job.status === "succeeded" ? ZSyncResult.safeParse(job.result) : null;
  const result = parsed?.success ? parsed.data : null;
  const objects: ConnOutcome["objects"] = {};
  const entries = Object.entries(result?.objects ?? {}).sort(([a], [b]) => objectRank(a) - objectRank(b) || a.localeCompare(b));
  for (const [name, o] of entries) objects[name] = { processed: o.processed, skipped: o.skipped, status: o.status };
  const problems = await collectProblems(db, job, result);
  let status: ConnOutcome["status"];
  if (job.status !== "succeeded") status = "failed";
  else if (result?.skipped) {
    status = "skipped";
    problems.push({ where: "sync", message: result.reason ?? "skipped", guidance: null });
  } else {
    const list = Object.values(objects);
    const failed = list.filter((o) => o.status === "failed").length;
    status = failed === 0 ? "succeeded" : failed === list.length ? "failed" : "incomplete";
  }
  const after = await db.connection.findUnique({ where: { id: conn.id }, select: { status: true } });
  if (after?.status === "reconnect_needed" && !problems.some((p) => p.guidance)) {
    problems.push({ where: "connection", message: "access was revoked or expired", guidance: reconnectGuidance(conn) });
  }
  for (const [name, o] of Object.entries(objects)) {
    if (name === "connection") continue;
    opts.progress.update(streamKey(name), { label: streamLabel(name), state: o.status === "failed" ? "failed" : "done", processed: o.processed });
  }
  const durationMs = Date.now() - started;
  opts.progress.update(key, {
    label, state: status === "succeeded" ? "done" : "failed",
    detail: `${status === "succeeded" ? "" : `${status} · `}${formatDuration(durationMs)}`,
  });
  return { conn, label, status, mode: result?.mode ?? null, objects, requests: result?.requestCount ?? 0, durationMs, problems, jobId: job.id };
}

/** Run `tasks` with at most `limit` in flight; results in input order. Stops starting new ones once `signal` aborts. */
async function pool<T>(items: T[], limit: number, signal: AbortSignal, fn: (item: T) => Promise<ConnOutcome>, skip: (item: T) => ConnOutcome): Promise<ConnOutcome[]> {
  const out: ConnOutcome[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = signal.aborted ? skip(items[i]) : await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function describe(o: ConnOutcome): string[] {
  const mark = o.status === "succeeded" ? "✓" : o.status === "skipped" ? "–" : "✗";
  const objects = Object.entries(o.objects)
    .filter(([name]) => name !== "connection")
    .map(([name, x]) => `${name} ${formatCount(x.processed)}${x.skipped ? ` (${formatCount(x.skipped)} skipped)` : ""}${x.status === "failed" ? " ✗" : ""}`)
    .join(" · ");
  const head = o.status === "failed" && !objects
    ? `${mark} ${o.label}: sync failed`
    : `${mark} ${o.label}: ${o.status === "succeeded" ? "" : `${o.status} — `}${o.mode ? `${o.mode} sync` : "sync"}${objects ? ` · ${objects}` : ""} · ${formatCount(o.requests)} requests · ${formatDuration(o.durationMs)}`;
  const lines = [head];
  // Object types failing for the same reason (e.g. a revoked key) are listed once.
  const groups = new Map<string, { where: string[]; message: string; guidance: string | null }>();
  for (const p of o.problems) {
    const k = `${p.message}\u0000${p.guidance ?? ""}`;
    const g = groups.get(k);
    if (g) g.where.push(p.where);
    else groups.set(k, { where: [p.where], message: p.message, guidance: p.guidance });
  }
  for (const g of groups.values()) {
    lines.push(`    ${g.where.join(", ")}: ${g.message}`);
    if (g.guidance) lines.push(`      what to do: ${g.guidance}`);
  }
  return lines;
}

let db: Db | null = null;
const verbose = process.argv.includes("--verbose") || process.argv.includes("-v");

runCli(async () => {
  const { values } = parseCli(process.argv.slice(2), OPTIONS, USAGE);
  const provider = values.provider === undefined ? undefined : ZProvider.safeParse(values.provider);
  if (provider && !provider.success) throw new CliError(`--provider must be hubspot or stripe, got "${values.provider}"`);
  const concurrency = ZConcurrency.safeParse(values.concurrency);
  if (!concurrency.success) throw new CliError(`--concurrency must be a whole number from 1 to 4, got "${values.concurrency}"`);

  const opened = await openCliDb({ envFile: values.dotenv, verbose: values.verbose });
  db = opened.db;
  const orgs = await resolveOrganizations(db, values.organization);
  const orgById = new Map(orgs.map((o) => [o.id, o]));
  const conns: Conn[] = await db.connection.findMany({
    where: {
      organizationId: { in: orgs.map((o) => o.id) },
      ...(provider?.success ? { provider: provider.data } : {}),
      status: { not: "disconnected" },
      credentialsEnc: { not: null },
    },
    select: { id: true, organizationId: true, provider: true, displayName: true, status: true, lastFullSyncAt: true, lastError: true, apiBaseUrl: true },
    orderBy: [{ organizationId: "asc" }, { createdAt: "asc" }],
  });
  if (conns.length === 0) {
    throw new CliError(`no connected ${provider?.success ? PROVIDER_LABEL[provider.data] : "HubSpot or Stripe"} connections${values.organization ? ` in organization "${values.organization}"` : ""}: connect them on the Integrations page (or run \`npm run demo\`) first`);
  }
  // A sync job left "running" by a killed process would block its connection's dedupe key: resume it, as the worker does at start.
  const { requeueStaleJobs } = await import("@/lib/jobs/worker");
  await requeueStaleJobs(db);

  const multiOrg = new Set(conns.map((c) => c.organizationId)).size > 1;
  const labelOf = (c: Conn) => `${PROVIDER_LABEL[c.provider]} "${c.displayName}"${multiOrg ? ` [${orgById.get(c.organizationId)?.slug}]` : ""}`;
  // Same rule as the API path: a connection's first full sync triggers the 365-day backfill of its organization.
  const backfillOrgs = new Set(conns.filter((c) => c.lastFullSyncAt === null && c.status !== "reconnect_needed").map((c) => c.organizationId));

  const controller = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write("\ninterrupted: stopping after the current page (the next sync resumes from its checkpoint)…\n");
    controller.abort(new Error("interrupted"));
    process.once("SIGINT", () => process.exit(130));
  });

  const tty = process.stdout.isTTY === true;
  const progress = createProgress(process.stdout, { tty, sort: true });
  // Each connection talks to where it was connected (Connection.apiBaseUrl: vendor or sandbox). A provider's
  // base URL is process-wide, so one target per provider per run; a local target (a sandbox) that does not
  // answer is reported and its connections are left untouched (issue 18).
  const { API_BASE_URL_VAR, connectionApiTarget, isLocalTarget, probeApiTarget } = await import("@/lib/integrations/api-target");
  const { resetEnvCache } = await import("@/lib/env");
  const unreachable: ConnOutcome[] = [];
  const providerTarget = new Map<Conn["provider"], string>();
  const probes = new Map<string, Promise<{ up: true } | { up: false; reason: string }>>();
  const probe = (url: string) => {
    if (!probes.has(url)) probes.set(url, probeApiTarget(url));
    return probes.get(url)!;
  };
  const reachable: Conn[] = [];
  for (const c of conns.filter((x) => x.status !== "reconnect_needed")) {
    const target = connectionApiTarget(c.provider, c.apiBaseUrl);
    const chosen = providerTarget.get(c.provider);
    if (chosen && chosen !== target) {
      unreachable.push({ conn: c, label: labelOf(c), status: "skipped", mode: null, objects: {}, requests: 0, durationMs: 0, jobId: null,
        problems: [{ where: "connection", message: `not synced: it points at ${target}, and this run syncs ${PROVIDER_LABEL[c.provider]} at ${chosen}`, guidance: `sync it on its own: npm run sync -- --organization ${orgById.get(c.organizationId)?.slug} --provider ${c.provider}` }] });
      continue;
    }
    if (isLocalTarget(target)) {
      const p = await probe(target);
      if (!p.up) {
        unreachable.push({ conn: c, label: labelOf(c), status: "failed", mode: null, objects: {}, requests: 0, durationMs: 0, jobId: null,
          problems: [{ where: "connection", message: `not synced: it was connected to the sandbox at ${target}, which is not running (${p.reason})`, guidance: "start the sandbox (`npm run demo`, or `npm run sandbox -- --portfolio ravenstack` with the same ports), then run `npm run sync` again; the connection's state was left as it was" }] });
        continue;
      }
    }
    providerTarget.set(c.provider, target);
    reachable.push(c);
  }
  for (const [prov, target] of providerTarget) process.env[API_BASE_URL_VAR[prov]] = target;
  resetEnvCache();
  const live = reachable;
  const reconnect = conns.filter((c) => c.status === "reconnect_needed").length;
  progress.log(`Syncing ${live.length} connection${live.length === 1 ? "" : "s"} (${reconnect ? `${reconnect} need${reconnect === 1 ? "s" : ""} reconnecting, ` : ""}${values.full ? "full re-sync, " : ""}${opened.provider})…`);
  const started = Date.now();

  const needsReconnect: ConnOutcome[] = conns.filter((c) => c.status === "reconnect_needed").map((c) => ({
    conn: c, label: labelOf(c), status: "failed", mode: null, objects: {}, requests: 0, durationMs: 0, jobId: null,
    problems: [{ where: "connection", message: `not synced: ${c.lastError ?? "access was revoked or expired"}`, guidance: reconnectGuidance(c) }],
  }));
  const synced = await pool(live, concurrency.data, controller.signal,
    (c) => syncOne(db!, c, labelOf(c), { index: live.indexOf(c), full: values.full, signal: controller.signal, progress }),
    (c) => ({ conn: c, label: labelOf(c), status: "skipped", mode: null, objects: {}, requests: 0, durationMs: 0, jobId: null, problems: [{ where: "sync", message: "not started (interrupted)", guidance: null }] }),
  );
  const outcomes = [...synced, ...unreachable, ...needsReconnect];

  const scored: RefreshOutcome[] = [];
  if (!values["no-score"] && !controller.signal.aborted) {
    const orgIds = [...new Set(outcomes.filter((o) => o.status === "succeeded" || o.status === "incomplete").map((o) => o.conn.organizationId))];
    for (const id of orgIds) {
      if (controller.signal.aborted) break;
      const org = orgById.get(id)!;
      scored.push(await refreshWithProgress(db, org, { backfill: backfillOrgs.has(id), signal: controller.signal, progress, label: `scoring ${org.slug}` }));
    }
  }
  progress.stop();

  console.log(`\nSync summary (${formatDuration(Date.now() - started)})`);
  for (const o of outcomes) for (const line of describe(o)) console.log(`  ${line}`);
  if (scored.length) {
    console.log("Score summary");
    for (const s of scored) for (const line of formatScoreSummary(s)) console.log(`  ${line}`);
  } else if (values["no-score"]) {
    console.log("Scoring skipped (--no-score): run `npm run score` to refresh scores.");
  }

  const failedSyncs = outcomes.filter((o) => o.status !== "succeeded");
  const failedScores = scored.filter((s) => !s.ok);
  const okCount = outcomes.length - failedSyncs.length;
  if (failedSyncs.length || failedScores.length) {
    const parts = [];
    if (failedSyncs.length) parts.push(`${failedSyncs.length} of ${outcomes.length} connection${outcomes.length === 1 ? "" : "s"} failed (${failedSyncs.map((o) => o.label).join(", ")})`);
    if (failedScores.length) parts.push(`scoring failed for ${failedScores.map((s) => s.organization.slug).join(", ")}`);
    console.log(`Done with failures: ${parts.join("; ")}.`);
    return EXIT.failed;
  }
  console.log(`Done: ${okCount} connection${okCount === 1 ? "" : "s"} synced${scored.length ? `, ${scored.length} organization${scored.length === 1 ? "" : "s"} scored` : ""}.`);
  return EXIT.ok;
}, { cleanup: async () => { await db?.$disconnect(); }, verbose });
