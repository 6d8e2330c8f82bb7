/**
 * Sign-in (better-auth, e-mail + password) with sessions stored in our database (Session table).
 * Public sign-up is disabled: owners/admins create users (lib/auth/users.ts, /settings/users).
 * Repeated failed sign-ins are throttled: 5 per minute per address on /sign-in/email (the address trusted as
 * lib/auth/client-ip.ts says) and 10 failures per 15 minutes per account (lib/auth/sign-in-throttle.ts) → 429.
 * The error for wrong credentials never says whether the e-mail exists.
 */
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { getDb } from "@/lib/db";
import { isPostgresUrl } from "@/lib/db/prisma";
import { env, appBaseUrl } from "@/lib/env";
import { CLIENT_IP_HEADER } from "./client-ip";

function createAuth() {
  const e = env();
  return betterAuth({
    appName: "Churnwatch",
    baseURL: appBaseUrl(),
    // Dev/test fallback derived from the encryption key so sessions survive restarts; production requires its own.
    secret: e.BETTER_AUTH_SECRET ?? `dev-only-${e.APP_ENCRYPTION_KEY}`,
    database: prismaAdapter(getDb(), { provider: isPostgresUrl(e.DATABASE_URL) ? "postgresql" : "sqlite" }),
    account: { modelName: "authAccount" },
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    trustedOrigins: (request) => {
      const origin = request?.headers.get("origin");
      return origin ? [appBaseUrl(), origin].filter((o) => /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(o) || o === appBaseUrl()) : [appBaseUrl()];
    },
    rateLimit: {
      enabled: true,
      storage: "memory",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: e.AUTH_SIGN_IN_PER_MINUTE } },
    },
    // The address our /api/auth route derived from the trusted part of X-Forwarded-For (lib/auth/client-ip.ts);
    // the raw headers are the client's own word.
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] } },
    telemetry: { enabled: false },
    plugins: [nextCookies()],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const g = globalThis as unknown as { __churnwatchAuth?: Auth };

/** The process-wide better-auth instance (created lazily: importing never touches env or the DB). */
export function getAuth(): Auth {
  g.__churnwatchAuth ??= createAuth();
  return g.__churnwatchAuth;
}

/** Forget the instance (tests that swap the database call this). */
export function resetAuth(): void {
  g.__churnwatchAuth = undefined;
}
