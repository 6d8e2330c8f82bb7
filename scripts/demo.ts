/**
 * `npm run demo` — the whole product on real input, on this machine:
 *   1. .env.local with generated secrets (if absent); migrations applied to the SQLite file
 *      (DATABASE_URL honoured, default file:./data/churnwatch.db);
 *   2. the sandbox (HubSpot + Stripe wire protocols) serving the RavenStack portfolio, webhooks pointed at the app;
 *   3. an organization with an admin and a CSM (printed), HubSpot and Stripe connected through the same code as
 *      the Integrations page, first full sync, identity resolution, 365-day backfill, model, scores;
 *   4. the console on http://localhost:$PORT (default 3000); Ctrl-C stops everything.
 * Flags: --reset (start over), --portfolio <file|ravenstack>, --no-limits (sandbox without vendor rate limits),
 *        --rebuild (force `next build`). Env: PORT, DATABASE_URL, CRON_SECRET, SANDBOX_HUBSPOT_PORT/SANDBOX_STRIPE_PORT (4010/4020).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, statSync, readdirSync } from "node:fs";
import path from "node:path";
import { ensureEnvFile, randomB64, randomWords } from "./lib/env-file";

const started = Date.now();
const args = process.argv.slice(2);
const flag = (n: string) => args.includes(`--${n}`);
const opt = (n: string) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : undefined; };
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const say = (s: string) => console.log(`[demo] ${s}`);

ensureEnvFile(".env.local", {
  APP_ENCRYPTION_KEY: randomB64(32),
  BETTER_AUTH_SECRET: randomB64(32),
  CRON_SECRET: randomWords,
  DEMO_ADMIN_PASSWORD: randomWords,
  DEMO_CSM_PASSWORD: randomWords,
});
process.env.NEXT_TELEMETRY_DISABLED = "1";
process.env.LOG_LEVEL ??= "warn";
const PORT = Number(process.env.PORT ?? 3000);
const appUrl = `http://localhost:${PORT}`;
process.env.BETTER_AUTH_URL ??= appUrl;
const databaseUrl = process.env.DATABASE_URL ?? "file:./data/churnwatch.db";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "generated" || e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild(): boolean {
  if (flag("rebuild") || !existsSync(".next/BUILD_ID")) return true;
  const built = statSync(".next/BUILD_ID").mtimeMs;
  return ["app", "components", "lib"].some((d) => existsSync(d) && newestMtime(d) > built);
}

function run(cmd: string, argv: string[], opts: { quiet?: boolean } = {}): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(cmd, argv, { stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit", env: process.env });
  let output = "";
  child.stdout?.on("data", (d) => { output += d; });
  child.stderr?.on("data", (d) => { output += d; });
  const done = new Promise<number>((resolve) => child.on("exit", (code) => {
    if (code && opts.quiet) process.stderr.write(output.slice(-4000));
    resolve(code ?? 1);
  }));
  return { child, done };
}

async function main() {
  const { prepareDemo } = await import("./demo/prepare-demo");
  // Build the console while the first sync runs (both are mostly waiting on each other's CPU/IO).
  const build = needsBuild() ? (say("building the console (next build)…"), run("npx", ["next", "build"], { quiet: true })) : null;

  const portfolioArg = opt("portfolio") ?? "ravenstack";
  const result = await prepareDemo({
    databaseUrl,
    reset: flag("reset"),
    portfolio: portfolioArg,
    limits: flag("no-limits") ? false : undefined,
    ports: { hubspot: Number(process.env.SANDBOX_HUBSPOT_PORT ?? 4010), stripe: Number(process.env.SANDBOX_STRIPE_PORT ?? 4020) },
    appUrl: `http://127.0.0.1:${PORT}`,
    users: {
      adminEmail: "admin@churnwatch.local", adminPassword: process.env.DEMO_ADMIN_PASSWORD!,
      csmEmail: "csm@churnwatch.local", csmPassword: process.env.DEMO_CSM_PASSWORD!,
    },
    log: say,
  });
  say(`data ready in ${secs(Date.now() - started)} ${result.freshData ? "(fresh sync)" : "(reused existing data; --reset to start over)"}`);
  if (result.freshData) printSummary(result.summary);

  if (build) {
    const code = await build.done;
    if (code !== 0) throw new Error("next build failed (output above)");
  }
  // The console (its own process; it runs the background worker). The sandbox keeps running here.
  await result.db.$disconnect();
  const server = run("npx", ["next", "start", "-p", String(PORT)], { quiet: false });
  const stop = async () => {
    server.child.kill("SIGTERM");
    await result.sandbox.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`${appUrl}/sign-in`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`
  Churnwatch is running: ${appUrl}
    admin  admin@churnwatch.local / ${process.env.DEMO_ADMIN_PASSWORD}
    CSM    csm@churnwatch.local   / ${process.env.DEMO_CSM_PASSWORD}
    cron   Authorization: Bearer ${process.env.CRON_SECRET}
    sandbox HubSpot ${result.sandbox.hubspotUrl} · Stripe ${result.sandbox.stripeUrl} (GET /__sandbox/info)
  Demo took ${secs(Date.now() - started)} (after npm install). Ctrl-C stops everything.
`);
  const code = await server.done;
  await result.sandbox.close();
  process.exit(code);
}

function printSummary(summary: Record<string, unknown>) {
  const p = summary.pipeline as { identity?: { created: number; linked: Record<string, number>; pendingReview: number }; scoring?: { accounts: number; scores: number }; model?: { status?: string; version?: number }; signals?: { rows: number } } | undefined;
  if (!p) return;
  say(`accounts: ${p.identity?.created ?? "?"} created · links by rule ${JSON.stringify(p.identity?.linked ?? {})} · ${p.identity?.pendingReview ?? 0} await review`);
  say(`signals: ${p.signals?.rows ?? 0} daily rows · scores: ${p.scoring?.scores ?? 0} for ${p.scoring?.accounts ?? 0} accounts · model: ${p.model?.status ?? "?"} v${p.model?.version ?? "?"}`);
}

main().catch((err) => {
  console.error(`[demo] failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
