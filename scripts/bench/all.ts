/**
 * `npm run bench` — run every benchmark in scripts/bench/ (except this file) one after another and print
 * each one's figures, then a summary table. Not part of `npm test`.
 *
 *   npm run bench                          # modest sizes: a few minutes on a 2-core machine
 *   npm run bench -- --full-size           # the sizes of issues 4/5/6 (HubSpot 5k/50k/10k, Stripe 20k, score 100k)
 *   npm run bench -- --only hubspot,score  # a subset (names = file names without .ts)
 *
 * Sizes per benchmark (modest → --full-size):
 *   hubspot  --companies 1000 --contacts 10000 --deals 2000   →  5000 / 50000 / 10000  (100 requests / 10 s)
 *   stripe   --customers 2000                                 →  20000                 (25 req/s test mode)
 *   score    --accounts 20000                                 →  100000                (SQLite, or DATABASE_URL's PostgreSQL)
 *   console  --accounts 10000                                 →  50000                 (30 days of scores each; seeding not timed)
 *   pipeline --accounts 1000                                  →  10000                 (sync + identity + 365-day backfill + model + scoring, history checked)
 *   webhooks --seconds 20                                     →  60                    (50 signed Stripe events/s into the route, SQLite then PostgreSQL/pg-boss)
 *   score-million --accounts 100000                           →  1000000               (sharded scoring, 2 pg-boss workers, PostgreSQL)
 * A benchmark file without an entry here runs with its own defaults in both modes.
 *
 * Each benchmark runs in its own process (`tsx scripts/bench/<name>.ts …`, so peak-memory figures are its
 * own); its output streams through prefixed with `[name]`, and the JSON object it prints last is parsed
 * for the summary. Exit code 1 when any benchmark failed, 2 for bad usage.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const USAGE = `Usage: npm run bench -- [--full-size] [--only name,name] [--skip name,name]

Runs the benchmarks in scripts/bench/ one after another (modest sizes by default; --full-size uses the
issues' sizes: HubSpot 5,000 companies / 50,000 contacts / 10,000 deals, Stripe 20,000 customers,
scoring 100,000 accounts, the demo pipeline on 10,000 accounts with a year of history) and prints each one's figures and a summary.`;

/** Arguments per benchmark: [modest, full-size]. */
const SIZES: Record<string, { modest: string[]; full: string[] }> = {
  hubspot: { modest: ["--companies", "1000", "--contacts", "10000", "--deals", "2000"], full: ["--companies", "5000", "--contacts", "50000", "--deals", "10000"] },
  stripe: { modest: ["--customers", "2000"], full: ["--customers", "20000"] },
  score: { modest: ["--accounts", "20000"], full: ["--accounts", "100000"] },
  console: { modest: ["--accounts", "10000"], full: ["--accounts", "50000"] },
  pipeline: { modest: ["--accounts", "1000"], full: ["--accounts", "10000"] },
  webhooks: { modest: ["--seconds", "20"], full: ["--seconds", "60"] },
  "score-million": { modest: ["--accounts", "100000"], full: ["--accounts", "1000000"] },
};
/** Run order: the sync benchmarks first, then scoring, then anything else alphabetically. */
const ORDER = ["hubspot", "stripe", "score"];

/** Top-level figures shown in the summary table, when a benchmark prints them. */
const HEADLINE = ["requestsMade", "lowerBoundS", "wallS", "wallSeconds", "ratio", "requestRatio", "accounts", "accountsPerSecond", "peakRssMb", "sandbox429s"];

type BenchResult = { name: string; args: string[]; code: number | null; wallMs: number; figures: Record<string, unknown> | null };

function discover(dir: string): string[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts") && f !== "all.ts")
    .map((f) => f.slice(0, -3));
  return names.sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib) || a.localeCompare(b);
  });
}

/** The last top-level JSON object in `stdout` (a line that is exactly "{" up to the end), or null. */
function lastJsonObject(stdout: string): Record<string, unknown> | null {
  const lines = stdout.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i] !== "{") continue;
    try {
      const v: unknown = JSON.parse(lines.slice(i).join("\n"));
      return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      // Not a complete object from here: keep looking further up.
    }
  }
  return null;
}

/** Run one benchmark, streaming its output with a `[name]` prefix; resolves with its exit code and figures. */
function runBench(name: string, args: string[]): Promise<BenchResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(path.join("node_modules", ".bin", "tsx"), [path.join("scripts", "bench", `${name}.ts`), ...args], {
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    const prefixer = (write: (s: string) => void) => {
      let partial = "";
      return (chunk: Buffer) => {
        const text = partial + chunk.toString("utf8");
        const lines = text.split("\n");
        partial = lines.pop() ?? "";
        for (const l of lines) write(`[${name}] ${l}\n`);
      };
    };
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString("utf8"); });
    child.stdout.on("data", prefixer((s) => process.stdout.write(s)));
    child.stderr.on("data", prefixer((s) => process.stderr.write(s)));
    child.on("error", (err) => {
      process.stderr.write(`[${name}] could not start: ${err.message}\n`);
      resolve({ name, args, code: 1, wallMs: Date.now() - started, figures: null });
    });
    child.on("close", (code) => resolve({ name, args, code, wallMs: Date.now() - started, figures: lastJsonObject(stdout) }));
  });
}

function formatValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : String(v);
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

function listArg(v: string | undefined): string[] | null {
  return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : null;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { "full-size": { type: "boolean", default: false }, only: { type: "string" }, skip: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const available = discover(path.join("scripts", "bench"));
  const only = listArg(values.only);
  const skip = listArg(values.skip) ?? [];
  const unknown = [...(only ?? []), ...skip].filter((n) => !available.includes(n));
  if (unknown.length) {
    process.stderr.write(`error: unknown benchmark ${unknown.map((n) => `"${n}"`).join(", ")}; available: ${available.join(", ")}\n`);
    return 2;
  }
  const selected = available.filter((n) => (!only || only.includes(n)) && !skip.includes(n));
  const full = values["full-size"];

  // The sync benchmarks copy data/test-template.db (a migrated empty SQLite database): create it when missing.
  if (!existsSync("data/test-template.db")) {
    mkdirSync("data", { recursive: true });
    console.log("creating data/test-template.db (prisma migrate deploy)…");
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: "file:./data/test-template.db" }, stdio: "pipe" });
  }

  const [load1] = os.loadavg();
  console.log(`Benchmarks (${full ? "full size" : "modest sizes; --full-size for the issues' sizes"}): ${selected.join(", ")}`);
  console.log(`Machine: ${os.cpus().length} cores, load average ${load1.toFixed(1)} (figures are slower on a busy machine), node ${process.version}\n`);
  const results: BenchResult[] = [];
  for (const name of selected) {
    const sizes = SIZES[name];
    const args = sizes ? (full ? sizes.full : sizes.modest) : [];
    console.log(`── ${name}: tsx scripts/bench/${name}.ts ${args.join(" ")}`.trimEnd());
    const r = await runBench(name, args);
    results.push(r);
    console.log(`── ${name}: ${r.code === 0 ? "finished" : `FAILED (exit ${r.code})`} in ${(r.wallMs / 1000).toFixed(1)} s\n`);
  }

  console.log("Summary");
  for (const r of results) {
    const head = `  ${r.code === 0 ? "✓" : "✗"} ${r.name} ${r.args.join(" ")}`.trimEnd();
    console.log(`${head}  (${(r.wallMs / 1000).toFixed(1)} s including setup)`);
    if (!r.figures) {
      console.log(`      ${r.code === 0 ? "no JSON figures printed" : "failed: see its output above"}`);
      continue;
    }
    const shown = HEADLINE.filter((k) => k in r.figures!).map((k) => `${k} ${formatValue(r.figures![k])}`);
    const rest = Object.entries(r.figures).filter(([k, v]) => !HEADLINE.includes(k) && (typeof v !== "object" || v === null || k === "counts")).map(([k, v]) => `${k} ${formatValue(v)}`);
    if (shown.length) console.log(`      ${shown.join(" · ")}`);
    if (rest.length) console.log(`      ${rest.join(" · ")}`);
  }
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length) console.log(`\n${failed.length} benchmark${failed.length === 1 ? "" : "s"} failed: ${failed.map((r) => r.name).join(", ")}`);
  return failed.length ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
