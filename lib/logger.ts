/**
 * Structured JSON logs (pino). Every API request logs one line with its request id (lib/http/with-api.ts).
 * Secrets are redacted by key name wherever they appear in a logged object; never log a credential value
 * on purpose either.
 */
import pino from "pino";

const REDACT = [
  "token", "accessToken", "refreshToken", "access_token", "refresh_token", "apiKey", "api_key", "secret", "password",
  "authorization", "credentials", "clientSecret", "client_secret", "webhookSecret", "privateAppToken",
].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `req.headers.${k}`]);

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" || process.env.VITEST ? "silent" : "info"),
  base: { app: "churnwatch" },
  redact: { paths: REDACT, censor: "[redacted]" },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = typeof logger;
