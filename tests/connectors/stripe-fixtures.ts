/**
 * Shared setup for the Stripe connector tests: a sandbox over HTTP (limits off unless asked), a fresh
 * migrated database, an organization, env pointing the connector at the sandbox, and helpers to
 * connect and sync without the HTTP layer.
 */
import { startSandbox, type Sandbox, type SandboxOptions } from "@/sandbox/index";
import { resetEnvCache } from "@/lib/env";
import { logger } from "@/lib/logger";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import type { JobContext } from "@/lib/jobs";
import type { Db } from "@/lib/db";
import { configureStripe } from "@/lib/connectors/stripe/connect";
import { runStripeSync } from "@/lib/connectors/stripe/sync";
import { DEFAULT_CHARGES_LOOKBACK_DAYS } from "@/lib/connectors/stripe/connection";

export type StripeInfo = {
  secretKey: string;
  liveSecretKey: string;
  restrictedKeys: Record<string, string>;
  accountId: string;
  accountName: string;
  connect: { clientId: string };
  webhook: { secret: string };
};

export type StripeTestEnv = {
  sb: Sandbox;
  t: TestDb;
  db: Db;
  orgId: string;
  info: StripeInfo;
  close(): Promise<void>;
};

/** Small synthetic portfolio: 150 customers (2 pages), 1 subscription each, 3 months of invoices. */
export const SMALL = { synthetic: { companies: 20, customers: 150, subscriptionsPerCustomer: 1, invoicesMonths: 3, seed: 3 } } as const;

export async function setupStripe(opts: Partial<SandboxOptions> = {}): Promise<StripeTestEnv> {
  process.env.APP_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
  const sb = await startSandbox({ portfolio: SMALL, ports: { hubspot: 0, stripe: 0 }, limits: false, ...opts });
  const info = sb.info.stripe as unknown as StripeInfo;
  process.env.STRIPE_API_BASE_URL = sb.stripeUrl;
  process.env.STRIPE_CONNECT_BASE_URL = sb.stripeUrl;
  process.env.STRIPE_CONNECT_CLIENT_ID = info.connect.clientId;
  process.env.STRIPE_CONNECT_SECRET_KEY = info.secretKey;
  process.env.BETTER_AUTH_URL = "http://localhost:3000";
  resetEnvCache();
  const t = await privateTestDb();
  const org = await t.db.organization.create({ data: { name: "Stripe Test Org", slug: `stripe-${Date.now()}-${Math.random().toString(36).slice(2, 7)}` } });
  return {
    sb, t, db: t.db, orgId: org.id, info,
    close: async () => {
      await sb.close();
      await t.cleanup();
    },
  };
}

/**
 * Like createTestDb, but SQLite files live in data/stripe-tests/ (not data/test/, which a parallel
 * vitest run's global teardown deletes), and a template being rebuilt by another run is waited for.
 */
async function privateTestDb(): Promise<TestDb> {
  // createTestDb now uses a per-run directory (tests/global-setup.ts), safe against parallel runs.
  return createTestDb();
}

/** A JobContext for calling runSync directly. `abortAfterProgress` aborts after N progress calls (a "kill"). */
export function jobCtx(db: Db, opts: { abortAfterProgress?: number } = {}): JobContext & { controller: AbortController } {
  const controller = new AbortController();
  let calls = 0;
  return {
    jobId: `test-${Math.random().toString(36).slice(2)}`,
    db,
    log: logger,
    signal: controller.signal,
    controller,
    progress: async () => {
      calls++;
      if (opts.abortAfterProgress !== undefined && calls >= opts.abortAfterProgress) controller.abort();
    },
  };
}

/** Connect with a key (Test & Save) and return the connection id. */
export async function connectKey(env: StripeTestEnv, apiKey = env.info.secretKey, webhookSecret?: string): Promise<string> {
  const r = await configureStripe(env.db, { organizationId: env.orgId, body: { api_key: apiKey, ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) } });
  return r.connectionId;
}

/** Run a sync the way sync-connection-job does (including lastFullSyncAt bookkeeping). */
export async function sync(env: StripeTestEnv, connectionId: string, opts: { full?: boolean; ctx?: JobContext } = {}) {
  const summary = await runStripeSync(env.db, { connectionId, full: opts.full ?? false, trigger: "test" }, opts.ctx ?? jobCtx(env.db));
  const failed = Object.values(summary.objects).some((o) => o.status === "failed");
  await env.db.connection.update({
    where: { id: connectionId },
    data: { lastSyncAt: new Date(), ...(summary.mode === "full" && !failed ? { lastFullSyncAt: new Date() } : {}) },
  });
  return summary;
}

/** Row counts of everything the connector writes for a connection. */
export async function counts(db: Db, connectionId: string) {
  const [customers, subscriptions, items, invoices, charges] = await Promise.all([
    db.sourceRecord.count({ where: { connectionId, objectType: "customer" } }),
    db.subscription.count({ where: { connectionId } }),
    db.subscriptionItem.count({ where: { subscription: { connectionId } } }),
    db.invoice.count({ where: { connectionId } }),
    db.charge.count({ where: { connectionId } }),
  ]);
  return { customers, subscriptions, items, invoices, charges };
}

/** Counts the sandbox serves: customers, subscriptions (all statuses), invoices, charges of the synced window (395 days) with a customer. */
export async function sandboxCounts(env: StripeTestEnv) {
  const { default: Stripe } = await import("stripe");
  const u = new URL(env.sb.stripeUrl);
  const s = new Stripe(env.info.secretKey, { host: u.hostname, port: u.port, protocol: "http" });
  const all = async <T,>(it: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  };
  const since = Math.floor(Date.now() / 1000) - DEFAULT_CHARGES_LOOKBACK_DAYS * 86_400;
  const [customers, subscriptions, invoices, charges] = await Promise.all([
    all(s.customers.list({ limit: 100 })),
    all(s.subscriptions.list({ limit: 100, status: "all" })),
    all(s.invoices.list({ limit: 100 })),
    all(s.charges.list({ limit: 100, created: { gte: since } })),
  ]);
  return {
    customers: customers.length,
    subscriptions: subscriptions.length,
    items: subscriptions.reduce((n, x) => n + x.items.data.length, 0),
    invoices: invoices.length,
    charges: charges.filter((c) => c.customer).length,
    anonymousCharges: charges.filter((c) => !c.customer).length,
  };
}
