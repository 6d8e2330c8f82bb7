/**
 * The browser tests' server (Playwright `webServer.command`): a fresh SQLite database with an
 * organization, an admin and a CSM (credentials in tests/e2e/users.ts), the sandbox on fixed loopback ports
 * serving RavenStack without rate limits (tokens written to data/e2e-sandbox.json for the specs), and
 * `next start` of the built app pointed at it. Nothing is connected: the admin journey connects HubSpot and
 * Stripe through the UI like a user.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createPrisma } from "@/lib/db/prisma";
import { setDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { resetAuth } from "@/lib/auth/auth";
import { createUserWithRole } from "@/lib/auth/users";
import { startSandbox } from "@/sandbox/index";
import { E2E_USERS } from "./users";

async function main() {
  const url = process.env.DATABASE_URL ?? "file:./data/e2e.db";
  const port = Number(process.env.E2E_PORT ?? 3111);
  mkdirSync("data", { recursive: true });
  const file = url.replace(/^file:/, "");
  for (const f of [file, `${file}-journal`]) rmSync(f, { force: true });
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  resetEnvCache();
  const db = createPrisma(url);
  setDb(db);
  resetAuth();
  const org = await db.organization.create({ data: { name: "E2E Co", slug: "e2e" } });
  for (const u of Object.values(E2E_USERS)) await createUserWithRole(db, { organizationId: org.id, ...u });
  await db.$disconnect();

  const hs = new URL(process.env.HUBSPOT_API_BASE_URL ?? "http://127.0.0.1:4710");
  const st = new URL(process.env.STRIPE_API_BASE_URL ?? "http://127.0.0.1:4720");
  const sandbox = await startSandbox({
    portfolio: process.env.E2E_PORTFOLIO ?? "ravenstack",
    ports: { hubspot: Number(hs.port), stripe: Number(st.port) },
    limits: false,
    // Issue 16: Slack receiver and SMTP sink; Stripe events delivered to the app (4-cs-workflow's failed payment).
    slackPort: 4730,
    smtpPorts: { smtp: 4725, http: 4731 },
    webhooks: { stripe: { url: `http://127.0.0.1:${port}/api/webhooks/stripe` } },
  });
  if (sandbox.smtp) process.env.SMTP_URL = sandbox.smtp.smtpUrl;
  writeFileSync("data/e2e-sandbox.json", JSON.stringify({
    ...sandbox.info,
    alerts: { slackWebhookUrl: sandbox.slack?.webhookUrl(), slackUrl: sandbox.slack?.url, smtpHttpUrl: sandbox.smtp?.httpUrl },
  }, null, 2));

  // Every test signs in from 127.0.0.1: more than the production default of 5 sign-ins a minute per address.
  const next = spawn("npx", ["next", "start", "-H", "127.0.0.1", "-p", String(port)], { stdio: "inherit", env: { ...process.env, AUTH_SIGN_IN_PER_MINUTE: "1000" } });
  const stop = async () => {
    next.kill("SIGTERM");
    await sandbox.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  next.on("exit", async (code) => {
    await sandbox.close();
    process.exit(code ?? 0);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
