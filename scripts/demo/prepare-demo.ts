/**
 * The demo's data path, shared by `npm run demo` and the automated demo test:
 * migrate → start the sandbox (RavenStack by default) → seed an organization with an admin and a CSM →
 * connect HubSpot and Stripe through the same code as the Integrations page (connector.configure) →
 * first full sync of both → the post-sync pipeline (identity, 365-day backfill, model, scores).
 * Re-running on an existing database reuses the data (no sync unless `resync`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, mkdirSync } from "node:fs";
import type { Db } from "@/lib/db";
import { createPrisma, isPostgresUrl } from "@/lib/db/prisma";
import { setDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { resetAuth } from "@/lib/auth/auth";
import { createUserWithRole, setPassword } from "@/lib/auth/users";
import { configureConnection, updateConnectionSettings } from "@/lib/integrations/manage-connections";
import { runJobInline } from "@/lib/jobs/run-job";
import "../lib/app-jobs"; // the job kinds run below
import { applyFittedConfig, type FitReport } from "@/lib/scoring/fit-history";
import { startSandbox, type Sandbox, type SandboxOptions } from "@/sandbox/index";
import { seedDemoAlerts } from "@/lib/alerts/seed";
import { observeJobs } from "../lib/cli-db";
import { demoProgressLines } from "./progress-lines";

export type DemoOptions = {
  databaseUrl: string;
  portfolio: SandboxOptions["portfolio"];
  reset?: boolean;
  /** Sandbox ports (0 = any free port). */
  ports?: { hubspot?: number; stripe?: number };
  /** Vendor rate limits in the sandbox (the demo keeps the real ones; tests turn them off). */
  limits?: SandboxOptions["limits"];
  /** Where the sandbox delivers webhooks (the app's URL), e.g. http://127.0.0.1:3000 */
  appUrl?: string;
  users: { adminEmail: string; adminPassword: string; csmEmail: string; csmPassword: string };
  log?: (line: string) => void;
};

export type DemoResult = {
  db: Db;
  sandbox: Sandbox;
  organizationId: string;
  freshData: boolean;
  summary: Record<string, unknown>;
  timings: Record<string, number>;
};

function migrate(databaseUrl: string) {
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "pipe" });
}

export async function prepareDemo(opts: DemoOptions): Promise<DemoResult> {
  const log = opts.log ?? (() => {});
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const lap = (k: string, since: number) => { timings[k] = Date.now() - since; };

  if (opts.reset && !isPostgresUrl(opts.databaseUrl)) {
    const file = opts.databaseUrl.replace(/^file:/, "");
    for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    log(`reset: removed ${file}`);
  }
  if (!isPostgresUrl(opts.databaseUrl)) mkdirSync("data", { recursive: true });
  let t = Date.now();
  migrate(opts.databaseUrl);
  lap("migrate", t);
  process.env.DATABASE_URL = opts.databaseUrl;
  resetEnvCache();
  const db = createPrisma(opts.databaseUrl);
  setDb(db);
  resetAuth();

  t = Date.now();
  const sandbox = await startSandbox({
    portfolio: opts.portfolio,
    ports: opts.ports ?? { hubspot: 4010, stripe: 4020 },
    limits: opts.limits,
    // Alert stand-ins (issue 16): Slack receiver and SMTP sink; any free port when the test asked for ephemeral ports.
    slackPort: opts.ports?.hubspot === 0 ? 0 : 4030,
    smtpPorts: opts.ports?.hubspot === 0 ? { smtp: 0, http: 0 } : { smtp: 2525, http: 4031 },
    webhooks: opts.appUrl
      ? { stripe: { url: `${opts.appUrl}/api/webhooks/stripe` }, hubspot: { url: `${opts.appUrl}/api/webhooks/hubspot` } }
      : undefined,
  });
  lap("sandbox", t);
  const info = sandbox.info as unknown as {
    hubspot: { baseUrl: string; privateAppToken: string; oauth?: { clientId?: string; clientSecret?: string; authorizeUrl?: string }; webhook?: { clientSecret?: string } };
    stripe: { baseUrl: string; secretKey: string; restrictedKeys?: Record<string, string>; webhook?: { secret?: string }; connect?: { clientId?: string; authorizeUrl?: string } };
  };
  // The app talks to the sandbox exactly as to the real vendors: only the base URLs differ.
  process.env.HUBSPOT_API_BASE_URL = sandbox.hubspotUrl;
  process.env.STRIPE_API_BASE_URL = sandbox.stripeUrl;
  if (info.hubspot.oauth?.clientId && info.hubspot.oauth.clientSecret) {
    process.env.HUBSPOT_CLIENT_ID = info.hubspot.oauth.clientId;
    process.env.HUBSPOT_CLIENT_SECRET = info.hubspot.oauth.clientSecret;
    if (info.hubspot.oauth.authorizeUrl) process.env.HUBSPOT_OAUTH_AUTHORIZE_URL = info.hubspot.oauth.authorizeUrl;
  }
  if (info.stripe.connect?.clientId) {
    process.env.STRIPE_CONNECT_CLIENT_ID = info.stripe.connect.clientId;
    process.env.STRIPE_CONNECT_BASE_URL = sandbox.stripeUrl;
  }
  resetEnvCache();

  // Organization and users (passwords re-applied each run so the printed ones always work).
  let org = await db.organization.findUnique({ where: { slug: "demo" } });
  org ??= await db.organization.create({ data: { name: "Demo Co (RavenStack)", slug: "demo" } });
  for (const [email, password, role] of [
    [opts.users.adminEmail, opts.users.adminPassword, "owner"],
    [opts.users.csmEmail, opts.users.csmPassword, "csm"],
  ] as const) {
    const u = await db.user.findUnique({ where: { email } });
    if (!u) await createUserWithRole(db, { organizationId: org.id, email, name: role === "csm" ? "Casey CSM" : "Alex Admin", role, password });
    else await setPassword(db, u.id, password);
  }

  // Alert e-mails go to the sandbox's SMTP sink (the console inherits this process's environment).
  if (sandbox.smtp) { process.env.SMTP_URL = sandbox.smtp.smtpUrl; resetEnvCache(); }
  const existing = await db.connection.count({ where: { organizationId: org.id, status: { not: "disconnected" } } });
  // Connections of an earlier demo run point at this run's sandbox: `npm run sync` syncs a connection where it
  // was connected (Connection.apiBaseUrl, lib/integrations/api-target.ts), and demo databases from before the
  // column existed have none.
  await db.connection.updateMany({ where: { organizationId: org.id, provider: "hubspot" }, data: { apiBaseUrl: sandbox.hubspotUrl } });
  await db.connection.updateMany({ where: { organizationId: org.id, provider: "stripe" }, data: { apiBaseUrl: sandbox.stripeUrl } });
  const summary: Record<string, unknown> = {};
  if (existing === 0) {
    t = Date.now();
    const hs = await configureConnection(db, { provider: "hubspot", organizationId: org.id, body: { token: info.hubspot.privateAppToken } });
    const stripeKey = info.stripe.restrictedKeys?.readAll ?? info.stripe.secretKey;
    const st = await configureConnection(db, { provider: "stripe", organizationId: org.id, body: { api_key: stripeKey } });
    if (info.stripe.webhook?.secret) await updateConnectionSettings(db, { organizationId: org.id, provider: "stripe", connectionId: st.connectionId, webhookSecret: info.stripe.webhook.secret });
    if (info.hubspot.webhook?.clientSecret) await updateConnectionSettings(db, { organizationId: org.id, provider: "hubspot", connectionId: hs.connectionId, webhookSecret: info.hubspot.webhook.clientSecret });
    log(`connected HubSpot portal "${hs.displayName}" and Stripe account "${st.displayName}"`);
    lap("connect", t);

    t = Date.now();
    log("first full sync of HubSpot and Stripe (real SDKs over HTTP to the sandbox)…");
    // A progress line per phase with counts, at most every 5 s per job, instead of minutes of silence (issue 18).
    const watched = observeJobs(db, demoProgressLines(log));
    const syncs = await Promise.all([hs, st].map((c) =>
      runJobInline(watched, "sync-connection-job", { connectionId: c.connectionId, full: true, trigger: "connect", skipPostProcessing: true }, { organizationId: org!.id }),
    ));
    for (const s of syncs) {
      if (s.status !== "succeeded") throw new Error(`sync failed: ${s.error}`);
    }
    summary.sync = syncs.map((s) => s.result);
    for (const [i, s] of syncs.entries()) {
      const objects = Object.entries((s.result as { objects?: Record<string, { processed?: number }> } | null)?.objects ?? {}).filter(([k]) => k !== "connection");
      log(`synced ${i === 0 ? "HubSpot" : "Stripe"}: ${objects.map(([k, o]) => `${k} ${(o.processed ?? 0).toLocaleString("en-US")}`).join(" · ")}`);
    }
    lap("sync", t);

    t = Date.now();
    log("identity resolution, 365-day signal backfill, model training, scoring…");
    const refresh = await runJobInline(watched, "refresh-organization-job", { organizationId: org.id, backfill: true, trigger: "demo" }, { organizationId: org.id });
    if (refresh.status !== "succeeded") throw new Error(`scoring pipeline failed: ${refresh.error}`);
    summary.pipeline = refresh.result;
    lap("pipeline", t);

    // Step "fit to history (as an admin would)": an admin's first visit to Scoring settings would click
    // "Fit to our history" and save the result; the demo does the same, so its default score is the
    // fitted one (docs/scoring.md, "Fit to our history"). Printed with the backtest before and after.
    t = Date.now();
    log("fit to history (as an admin would): fitting weights and thresholds to the portfolio's churn…");
    const fit = await runJobInline(watched, "fit-scoring-job", { organizationId: org.id }, { organizationId: org.id });
    const report = fit.result as FitReport | null;
    if (fit.status === "succeeded" && report?.status === "fitted" && report.candidate) {
      const admin = await db.user.findUnique({ where: { email: opts.users.adminEmail }, select: { id: true } });
      const saved = await applyFittedConfig(db, org.id, report.candidate, admin?.id ?? null);
      const w90 = (e: FitReport["before"]) => e?.backtest.find((w) => w.days === 90);
      const f = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toFixed(2));
      const b = w90(report.before), a = w90(report.after);
      log(`fit to history: saved as config v${saved.version}; 90-day backtest ROC AUC ${f(b?.healthScore.rocAuc)} → ${f(a?.healthScore.rocAuc)} (model ${f(a?.model?.rocAuc)}), top-decile lift ${f(b?.healthScore.topDecileLift)} → ${f(a?.healthScore.topDecileLift)}; held-out days ROC AUC ${f(report.before?.heldOut.rocAuc)} → ${f(report.after?.heldOut.rocAuc)}`);
      const rescore = await runJobInline(watched, "refresh-organization-job", { organizationId: org.id, trigger: "config" }, { organizationId: org.id });
      if (rescore.status !== "succeeded") throw new Error(`re-scoring with the fitted config failed: ${rescore.error}`);
      summary.fit = { configVersion: saved.version, before: b?.healthScore.rocAuc ?? null, after: a?.healthScore.rocAuc ?? null };
    } else {
      log(`fit to history: kept the default weights (${fit.status === "succeeded" ? report?.notes ?? "nothing fitted" : fit.error})`);
    }
    lap("fit", t);
  }
  const alerts = await seedDemoAlerts(db, { organizationId: org.id, slackWebhookUrl: sandbox.slack?.webhookUrl() ?? null, csmEmail: opts.users.csmEmail });
  log(`alerts: ${alerts.rules} rule(s); Slack messages at ${sandbox.slack?.url ?? "—"}/, e-mails at ${sandbox.smtp?.httpUrl ?? "—"}/`);
  timings.total = Date.now() - t0;
  return { db, sandbox, organizationId: org.id, freshData: existing === 0, summary, timings };
}

export function demoDbExists(databaseUrl: string): boolean {
  return isPostgresUrl(databaseUrl) || existsSync(databaseUrl.replace(/^file:/, ""));
}
