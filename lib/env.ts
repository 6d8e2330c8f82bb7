/**
 * The only module that reads process.env for app configuration. Validated with zod at first use
 * (server start: instrumentation.ts calls `loadEnv()`; scripts call it too), so bad config fails
 * fast with a message that says how to fix it.
 *
 * Variables (documented in .env.example):
 * - DATABASE_URL          file:./data/churnwatch.db (SQLite, default) or postgresql://…
 * - APP_ENCRYPTION_KEY    32 random bytes, base64 — encrypts credentials at rest (AES-256-GCM). Required.
 * - BETTER_AUTH_SECRET    ≥ 32 chars — signs session cookies. Required in production.
 * - BETTER_AUTH_URL       public base URL of the app (default http://localhost:$PORT).
 * - CRON_SECRET           bearer secret for cron calls of the sync/score endpoints (optional; unset = cron disabled).
 * - PORT                  default 3000.
 * - HUBSPOT_API_BASE_URL  default https://api.hubapi.com (the demo/tests point it at the sandbox).
 * - HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET / HUBSPOT_OAUTH_AUTHORIZE_URL — OAuth app (all-or-none of id+secret).
 * - STRIPE_API_BASE_URL   default https://api.stripe.com.
 * - STRIPE_CONNECT_CLIENT_ID / STRIPE_CONNECT_SECRET_KEY / STRIPE_CONNECT_BASE_URL — Connect OAuth (optional).
 * - TRUSTED_PROXY_HOPS    how many reverse proxies in front of the app append to X-Forwarded-For (default 0: the
 *                         header is the client's own word and is only used as a per-client hint; see lib/auth/client-ip.ts).
 * - LOG_LEVEL             pino level, default info (silent in tests unless set).
 * - SMTP_URL              smtp://user:pass@host:port (smtps:// for TLS) for alert e-mails and digests (optional; issue 16).
 * - ALERTS_EMAIL_FROM     From of alert e-mails, default "Churnwatch <alerts@churnwatch.local>".
 * - CHURNWATCH_WORKER     where the job worker runs: process (default: a child process of the web server,
 *                         scripts/worker.ts), inline (inside the web process), off (none: run `npm run worker`).
 * - CHURNWATCH_QUEUE      job engine: auto (default: pg-boss on PostgreSQL, the Job table on SQLite), table, pg-boss.
 */
import { z } from "zod";

const optionalString = z.string().trim().min(1).optional().or(z.literal("").transform(() => undefined));

export const ZEnv = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z
      .string()
      .default("file:./data/churnwatch.db")
      .refine((v) => v.startsWith("file:") || /^postgres(ql)?:\/\//.test(v), {
        message: "must start with file: (SQLite) or postgresql:// (PostgreSQL)",
      }),
    APP_ENCRYPTION_KEY: z
      .string({ error: "is required: generate one with `openssl rand -base64 32` (npm run demo writes one into .env.local)" })
      .refine((v) => Buffer.from(v, "base64").length === 32, {
        message: "must be 32 bytes encoded as base64: generate one with `openssl rand -base64 32`",
      }),
    BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters: generate one with `openssl rand -base64 32`").optional(),
    BETTER_AUTH_URL: optionalString,
    CRON_SECRET: optionalString,
    PORT: z.coerce.number().int().positive().default(3000),
    HUBSPOT_API_BASE_URL: z.string().url().default("https://api.hubapi.com"),
    HUBSPOT_CLIENT_ID: optionalString,
    HUBSPOT_CLIENT_SECRET: optionalString,
    HUBSPOT_OAUTH_AUTHORIZE_URL: z.string().url().default("https://app.hubspot.com/oauth/authorize"),
    STRIPE_API_BASE_URL: z.string().url().default("https://api.stripe.com"),
    STRIPE_CONNECT_CLIENT_ID: optionalString,
    /** Platform secret key (sk_…) that authenticates Connect OAuth token exchange / deauthorize. */
    STRIPE_CONNECT_SECRET_KEY: optionalString,
    STRIPE_CONNECT_BASE_URL: z.string().url().default("https://connect.stripe.com"),
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /** Sign-in attempts per client address per minute (better-auth's limiter, lib/auth/auth.ts). The browser tests
     * sign in once per test from one address and raise it; production keeps the default. */
    AUTH_SIGN_IN_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(5),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
    SMTP_URL: z.string().trim().regex(/^smtps?:\/\//, "must start with smtp:// or smtps://").optional().or(z.literal("").transform(() => undefined)),
    ALERTS_EMAIL_FROM: z.string().trim().min(3).default("Churnwatch <alerts@churnwatch.local>"),
    CHURNWATCH_WORKER: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z.enum(["process", "inline", "off"], { error: "must be process (default), inline or off" }).default("process"),
    ),
    /** Which engine runs jobs (docs/deploy.md): auto = pg-boss when DATABASE_URL is PostgreSQL, else the Job table. */
    CHURNWATCH_QUEUE: z.preprocess(
      (v) => (v === "" ? undefined : v),
      z.enum(["auto", "table", "pg-boss"], { error: "must be auto (default), table or pg-boss" }).default("auto"),
    ),
  })
  .superRefine((e, ctx) => {
    if (Boolean(e.HUBSPOT_CLIENT_ID) !== Boolean(e.HUBSPOT_CLIENT_SECRET)) {
      ctx.addIssue({ code: "custom", path: ["HUBSPOT_CLIENT_SECRET"], message: "HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET must be set together (HubSpot OAuth app)" });
    }
    if (e.NODE_ENV === "production" && !e.BETTER_AUTH_SECRET) {
      ctx.addIssue({ code: "custom", path: ["BETTER_AUTH_SECRET"], message: "is required in production: generate one with `openssl rand -base64 32`" });
    }
  });

export type Env = z.infer<typeof ZEnv>;

export class EnvError extends Error {}

let cached: Env | undefined;

/** Parse `source` (default process.env). @throws EnvError listing every bad variable and how to fix it. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const r = ZEnv.safeParse(source);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  - ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new EnvError(`Invalid environment configuration:\n${lines.join("\n")}\nSee .env.example.`);
  }
  return r.data;
}

/** The validated environment (cached after the first call). */
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/** Re-read process.env (tests and the demo bootstrap change it). */
export function resetEnvCache(): void {
  cached = undefined;
}

/** Base URL of the app itself (for OAuth redirect URIs and webhooks). */
export function appBaseUrl(): string {
  const e = env();
  return (e.BETTER_AUTH_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
}
