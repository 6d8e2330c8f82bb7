/**
 * Shared setup for the HubSpot connector tests: an in-process sandbox (limits off unless asked),
 * env pointed at it (API base URL, OAuth app, authorize URL), a fresh migrated database with an
 * organization, and a minimal JobContext for runSync.
 */
import { startSandbox, type Sandbox, type SandboxOptions } from "@/sandbox";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { logger } from "@/lib/logger";
import type { JobContext } from "@/lib/jobs";
import { setHubspotClientDefaults } from "@/lib/connectors/hubspot/sync";
import type { OpenClientOptions } from "@/lib/connectors/hubspot/connection";

export type HubspotHarness = {
  sb: Sandbox;
  t: TestDb;
  organizationId: string;
  token: string;
  ctx(opts?: { signal?: AbortSignal; onProgress?: (p: Record<string, unknown>) => void }): JobContext;
  close(): Promise<void>;
};

export async function startHubspotHarness(opts: Partial<SandboxOptions> & { client?: OpenClientOptions } = {}): Promise<HubspotHarness> {
  process.env.APP_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
  const sb = await startSandbox({ portfolio: { synthetic: { companies: 120, contacts: 400, deals: 150, customers: 10 } }, limits: false, ...opts, ports: { hubspot: 0, stripe: 0 } });
  process.env.HUBSPOT_API_BASE_URL = sb.hubspotUrl;
  const oauth = sb.info.hubspot.oauth as { clientId: string; clientSecret: string };
  process.env.HUBSPOT_CLIENT_ID = oauth.clientId;
  process.env.HUBSPOT_CLIENT_SECRET = oauth.clientSecret;
  process.env.HUBSPOT_OAUTH_AUTHORIZE_URL = `${sb.hubspotUrl}/oauth/authorize`;
  process.env.BETTER_AUTH_URL = "http://localhost:3000";
  resetEnvCache();
  setHubspotClientDefaults(opts.client ?? { pacer: { disabled: true } });
  const t = await createTestDb();
  const org = await t.db.organization.create({ data: { name: "Acme CS", slug: `acme-${Math.random().toString(36).slice(2, 8)}` } });
  return {
    sb, t, organizationId: org.id, token: sb.info.hubspot.privateAppToken,
    ctx: (o = {}) => ({
      jobId: "test-job", db: t.db, log: logger, signal: o.signal ?? new AbortController().signal,
      progress: async (p) => { o.onProgress?.(p); },
    }),
    close: async () => {
      await sb.close();
      await t.cleanup();
    },
  };
}
