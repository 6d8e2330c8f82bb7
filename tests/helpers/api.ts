/**
 * Call route handlers in-process, as a signed-in user (real better-auth sign-in → session cookie) or
 * as cron. Points the app's process-wide DB at a fresh test database.
 *
 *   const app = await createApiHarness();
 *   const admin = await app.signIn("admin");
 *   const res = await app.call(GET, "/api/integrations", { as: admin });
 */
import { NextRequest } from "next/server";
import { setDb } from "@/lib/db";
import { resetAuth, getAuth } from "@/lib/auth/auth";
import { createUserWithRole, type Role } from "@/lib/auth/users";
import { resetEnvCache } from "@/lib/env";
import { createTestDb, type TestDb } from "./db";

export const TEST_CRON_SECRET = "test-cron-secret-123";

export type Session = { cookie: string; role: Role; email: string; userId: string };
type Handler = (req: NextRequest, ctx?: { params?: Promise<Record<string, string | string[]>> }) => Promise<Response> | Response;

export async function createApiHarness(envOverrides: Record<string, string> = {}, existing?: { db: TestDb["db"]; url: string }) {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.BETTER_AUTH_SECRET ??= "test-auth-secret-test-auth-secret-123456";
  process.env.CRON_SECRET = TEST_CRON_SECRET;
  process.env.BETTER_AUTH_URL = "http://localhost:3000";
  Object.assign(process.env, envOverrides);
  const t: TestDb = existing ? { ...existing, provider: "sqlite", cleanup: async () => {} } : await createTestDb();
  process.env.DATABASE_URL = t.url;
  resetEnvCache();
  setDb(t.db);
  resetAuth();
  const org = await t.db.organization.create({ data: { name: "Test Org", slug: `test-${Date.now()}-${Math.random().toString(36).slice(2, 6)}` } });
  let n = 0;

  async function signIn(role: Role, organizationId = org.id): Promise<Session> {
    const email = `${role}-${++n}-${Date.now()}@example.com`;
    const password = "correct horse battery";
    const { userId } = await createUserWithRole(t.db, { organizationId, email, name: `${role} user`, role, password });
    const res = await getAuth().api.signInEmail({ body: { email, password }, asResponse: true });
    if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    return { cookie, role, email, userId };
  }

  async function call(
    handler: Handler,
    path: string,
    opts: { as?: Session | "cron" | { bearer: string }; method?: string; body?: unknown; rawBody?: string; params?: Record<string, string | string[]>; headers?: Record<string, string> } = {},
  ) {
    const headers = new Headers(opts.headers);
    if (opts.as === "cron") headers.set("authorization", `Bearer ${TEST_CRON_SECRET}`);
    else if (opts.as && "bearer" in opts.as) headers.set("authorization", `Bearer ${opts.as.bearer}`);
    else if (opts.as) headers.set("cookie", opts.as.cookie);
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers.set("content-type", "application/json"); }
    const req = new NextRequest(new URL(path, "http://localhost:3000"), { method: opts.method ?? (body ? "POST" : "GET"), headers, body });
    const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
    const text = await res.text();
    let json: any = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, json, text, headers: res.headers };
  }

  return { db: t.db, url: t.url, org, signIn, call, cleanup: () => t.cleanup() };
}

export type ApiHarness = Awaited<ReturnType<typeof createApiHarness>>;
