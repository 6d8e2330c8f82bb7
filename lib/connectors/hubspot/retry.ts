/**
 * The HubSpot retry policy, as a pure function so it can be unit-tested case by case.
 * We never use the SDK's process-wide retry decorator (it is shared by every `Client` in the
 * process, waits 10 s × n for TEN_SECONDLY and ignores other 429s): the client calls
 * `decideRetry` after each failed attempt and sleeps `waitMs` itself.
 *
 * Policy (https://developers.hubspot.com/docs/api/usage-details#rate-limits):
 * - 429 TEN_SECONDLY_ROLLING → wait for the rolling window (X-HubSpot-RateLimit-Interval-Milliseconds,
 *   default 10 s) — up to `MAX_RATE_LIMIT_ATTEMPTS`.
 * - 429 SECONDLY (search) → wait 1 s.
 * - 429 DAILY → do not retry; the error says when it resets and how to raise the limit.
 * - 5xx, ECONNRESET / socket hang up / fetch failed → jittered exponential backoff
 *   (500 ms · 2^(attempt-1), capped at 16 s, 50-100 % jitter), at most `MAX_TRANSIENT_ATTEMPTS` attempts.
 * - 401 → refresh the OAuth access token once and retry; otherwise auth_revoked (reconnect needed).
 * - 403 → missing scope (named), 404 → not_found, 400/409/other → invalid_response: never retried.
 */
import type { FailureInfo, HubspotErrorKind } from "./errors";

/** Attempts (not retries) for 5xx / network failures. */
export const MAX_TRANSIENT_ATTEMPTS = 5;
/** Attempts for 429 TEN_SECONDLY / SECONDLY (a 429 storm can last a while; each wait is a window). */
export const MAX_RATE_LIMIT_ATTEMPTS = 12;
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 16_000;
const DEFAULT_INTERVAL_MS = 10_000;

export type RetryDecision = {
  retry: boolean;
  /** How long to wait before the next attempt (ms, real time before any test time-scaling). */
  waitMs: number;
  /** Human-readable reason (logged; for failures also the error message). */
  reason: string;
  /** When not retrying: the error kind to throw. When retrying: what kind of failure it was. */
  kind: HubspotErrorKind;
  /** Retry only after refreshing the OAuth access token. */
  refresh?: boolean;
  /** The missing scope for kind missing_scope. */
  scope?: string;
  /** What the user should do (when not retrying). */
  guidance?: string;
};

export type RetryContext = {
  /** The connection uses OAuth (a 401 may be fixed by a refresh). */
  isOAuth?: boolean;
  /** A refresh was already tried for this call. */
  refreshed?: boolean;
  /** The scope the endpoint needs, to name it when a 403 does not. */
  requiredScope?: string;
  /** Random number source in [0,1) for the jitter (tests pass a constant). */
  random?: () => number;
};

const SCOPE_RE = /\b(crm\.(?:objects|schemas)\.[a-z_]+\.(?:read|write)|tickets|oauth|e-commerce|sales-email-read)\b/;

/** The guidance shown for a missing scope. */
export function scopeGuidance(scope: string | undefined): string {
  return scope
    ? `token lacks ${scope} — add the scope to the Service Key or app in HubSpot (Settings > Integrations > Service Keys, or the app's scopes; or reconnect the OAuth app with it), then sync again`
    : "the token lacks a required scope — check the scopes of the Service Key or app in HubSpot (Settings > Integrations > Service Keys, or the app's scopes)";
}

/**
 * Decide what to do after attempt number `attempt` (1-based) failed with `f`.
 * Pure: no clock, no I/O (randomness only through `ctx.random`).
 */
export function decideRetry(f: FailureInfo, attempt: number, ctx: RetryContext = {}): RetryDecision {
  const random = ctx.random ?? Math.random;
  const backoff = (): number => {
    const exp = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
    return Math.round(exp * (0.5 + 0.5 * random()));
  };
  const status = f.status;

  if (status === null) {
    const what = f.networkCode ?? "network error";
    if (attempt >= MAX_TRANSIENT_ATTEMPTS) {
      return { retry: false, waitMs: 0, kind: "transient", reason: `HubSpot unreachable after ${attempt} attempts (${what}: ${f.message})`, guidance: "HubSpot did not answer; the next sync resumes from the last checkpoint" };
    }
    return { retry: true, waitMs: backoff(), kind: "transient", reason: `${what}: retry ${attempt}/${MAX_TRANSIENT_ATTEMPTS - 1} with backoff` };
  }

  if (status === 429) {
    const policy = f.policy ?? "UNKNOWN";
    if (policy === "DAILY") {
      return {
        retry: false, waitMs: 0, kind: "rate_limited",
        reason: `HubSpot daily API limit reached (${f.message})`,
        guidance: "the portal used its daily API call budget (shared with its other integrations); syncing resumes after midnight in the portal's time zone — or raise the limit with HubSpot's API limit increase add-on",
      };
    }
    if (attempt >= MAX_RATE_LIMIT_ATTEMPTS) {
      return { retry: false, waitMs: 0, kind: "rate_limited", reason: `still rate-limited by HubSpot after ${attempt} attempts (${policy})`, guidance: "another integration is using this portal's API budget; the next sync resumes from the last checkpoint" };
    }
    if (policy === "SECONDLY") return { retry: true, waitMs: 1_000, kind: "rate_limited", reason: "429 SECONDLY (search limit): wait 1 s" };
    // Retry-After (seconds), when HubSpot sends one, says exactly when the window has room again.
    const retryAfter = Number(f.headers["retry-after"]);
    if (Number.isFinite(retryAfter) && retryAfter > 0) {
      return { retry: true, waitMs: Math.round(retryAfter * 1000 * (1 + 0.1 * random())), kind: "rate_limited", reason: `429 ${policy}: wait ${retryAfter} s (Retry-After)` };
    }
    const interval = Number(f.headers["x-hubspot-ratelimit-interval-milliseconds"]);
    const windowMs = Number.isFinite(interval) && interval > 0 ? interval : DEFAULT_INTERVAL_MS;
    // Spread concurrent waiters a little so they do not all hit the refilled window at once.
    return { retry: true, waitMs: Math.round(windowMs * (1 + 0.1 * random())), kind: "rate_limited", reason: `429 ${policy}: wait for the ${windowMs} ms window` };
  }

  if (status >= 500) {
    if (attempt >= MAX_TRANSIENT_ATTEMPTS) {
      return { retry: false, waitMs: 0, kind: "transient", reason: `HubSpot answered ${status} ${attempt} times (${f.message})`, guidance: "HubSpot is having trouble; the next sync resumes from the last checkpoint" };
    }
    return { retry: true, waitMs: backoff(), kind: "transient", reason: `HTTP ${status}: retry ${attempt}/${MAX_TRANSIENT_ATTEMPTS - 1} with backoff` };
  }

  if (status === 401) {
    if (ctx.isOAuth && !ctx.refreshed) {
      return { retry: true, waitMs: 0, kind: "auth_revoked", refresh: true, reason: "401: refresh the OAuth access token once and retry" };
    }
    return {
      retry: false, waitMs: 0, kind: "auth_revoked",
      reason: `HubSpot rejected the credentials (401: ${f.message})`,
      guidance: ctx.isOAuth
        ? "reconnect needed: the HubSpot app was uninstalled or its access revoked — click Reconnect on the Integrations page"
        : "reconnect needed: the private-app token was rotated or deleted — paste a new token in Integrations > HubSpot",
    };
  }

  if (status === 403) {
    const scope = SCOPE_RE.exec(f.message)?.[1] ?? ctx.requiredScope;
    return { retry: false, waitMs: 0, kind: "missing_scope", scope, reason: scope ? `token lacks ${scope} (403)` : `HubSpot refused access (403: ${f.message})`, guidance: scopeGuidance(scope) };
  }

  if (status === 404) return { retry: false, waitMs: 0, kind: "not_found", reason: `not found (404: ${f.message})` };

  return { retry: false, waitMs: 0, kind: "invalid_response", reason: `HubSpot answered ${status}: ${f.message}` };
}
