/**
 * `npm run score` — score every organization now, through the same job as `POST /api/integrations/score`
 * (refresh-organization-job, run in this process): identity resolution → today's signals (or the
 * 365-day backfill) → the churn model when due → health scores and churn probabilities → HubSpot write-back.
 *
 *   npm run score                              # all organizations
 *   npm run score -- --organization acme       # one organization (id or slug)
 *   npm run score -- --backfill                # rebuild 365 days of signals and scores (retrains the model)
 *
 * Prints a progress bar per organization on a TTY (one line per phase otherwise), then per organization
 * the counts by risk level, by probability source (model | fallback), the model version and the duration.
 * Exit codes: 0 all scored, 1 a pipeline failed (its error is printed), 2 bad usage/configuration.
 * Configuration: environment, then .env.local (`--dotenv`); see docs/cli.md.
 */
import { CliError, EXIT, formatScoreSummary, openCliDb, parseCli, refreshWithProgress, resolveOrganizations, runCli, type RefreshOutcome } from "./lib/cli-db";
import { createProgress, formatDuration } from "./lib/progress";
import type { Db } from "@/lib/db";

const USAGE = `Usage: npm run score -- [options]

Score all accounts now (identity → signals → model → scores → write-back), the same pipeline as
"Score All" and POST /api/integrations/score.

Options:
  -o, --organization <id|slug>  only this organization (default: every organization)
      --backfill                rebuild the 365-day signal history and scores (and retrain the model)
      --dotenv <path>           configuration file read after the environment (default .env.local)
  -v, --verbose                 app logs (JSON) at info level and error stacks
  -h, --help                    this help

Exit codes: 0 all scored · 1 scoring failed for an organization · 2 bad usage or configuration.
Needs APP_ENCRYPTION_KEY (run \`npm run demo\` once, or set it) and DATABASE_URL (default file:./data/churnwatch.db).`;

const OPTIONS = {
  organization: { type: "string", short: "o" },
  backfill: { type: "boolean", default: false },
  dotenv: { type: "string", default: ".env.local" },
  verbose: { type: "boolean", short: "v", default: false },
  help: { type: "boolean", short: "h" },
} as const;

let db: Db | null = null;
const verbose = process.argv.includes("--verbose") || process.argv.includes("-v");

runCli(async () => {
  const { values } = parseCli(process.argv.slice(2), OPTIONS, USAGE);
  const opened = await openCliDb({ envFile: values.dotenv, verbose: values.verbose });
  db = opened.db;
  const orgs = await resolveOrganizations(db, values.organization);
  if (orgs.length === 0) throw new CliError("no organizations in this database: run `npm run demo`, or sign up in the app and connect HubSpot/Stripe first");

  const controller = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write("\ninterrupted: stopping after the current step…\n");
    controller.abort(new Error("interrupted"));
    process.once("SIGINT", () => process.exit(130));
  });

  const tty = process.stdout.isTTY === true;
  const progress = createProgress(process.stdout, { tty });
  progress.log(`Scoring ${orgs.length} organization${orgs.length === 1 ? "" : "s"} (${opened.provider})${values.backfill ? " with a 365-day backfill" : ""}…`);
  const started = Date.now();
  const outcomes: RefreshOutcome[] = [];
  for (const org of orgs) {
    if (controller.signal.aborted) break;
    outcomes.push(await refreshWithProgress(db, org, { backfill: values.backfill, signal: controller.signal, progress, label: `scoring ${org.slug}` }));
  }
  progress.stop();

  console.log(`\nScore summary (${formatDuration(Date.now() - started)})`);
  for (const o of outcomes) for (const line of formatScoreSummary(o)) console.log(`  ${line}`);
  const failed = outcomes.filter((o) => !o.ok);
  const skipped = orgs.length - outcomes.length;
  const total = outcomes.reduce((n, o) => n + o.summary.accounts, 0);
  console.log(
    failed.length || skipped
      ? `Done with failures: ${failed.length} of ${orgs.length} organizations failed${skipped ? `, ${skipped} not run (interrupted)` : ""}.`
      : `Done: ${outcomes.length} organization${outcomes.length === 1 ? "" : "s"} scored, ${total.toLocaleString("en-US")} accounts.`,
  );
  return failed.length || skipped ? EXIT.failed : EXIT.ok;
}, { cleanup: async () => { await db?.$disconnect(); }, verbose });
