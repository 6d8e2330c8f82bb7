/**
 * Typed HubSpot failures. The client (client.ts) never returns null for a failure: it throws a
 * `HubspotError` whose `kind` tells the sync engine what to do (wait, refresh, stop and tell the user).
 *
 * Also: `describeFailure(err)` — a normaliser from whatever the SDK / fetch threw (ApiException with
 * `.code/.body/.headers`, `TypeError("fetch failed")` with an `ECONNRESET` cause, "socket hang up", …)
 * to a plain `FailureInfo` that the pure retry policy (retry.ts) reads.
 */

/** What went wrong, from the sync engine's point of view. */
export type HubspotErrorKind =
  /** 429 (TEN_SECONDLY / SECONDLY after retries were exhausted, or DAILY: not retried). */
  | "rate_limited"
  /** 401 that a refresh could not fix: token revoked/invalid → reconnect needed. */
  | "auth_revoked"
  /** 403: the token lacks a scope; `scope` names it when known. */
  | "missing_scope"
  | "not_found"
  /** 5xx, dropped connections, timeouts — after the bounded retries. */
  | "transient"
  /** 400 / 409 / unexpected status or a body we cannot read. */
  | "invalid_response";

export class HubspotError extends Error {
  readonly kind: HubspotErrorKind;
  readonly status: number | null;
  /** The missing scope (kind missing_scope), when HubSpot named it or the endpoint implies it. */
  readonly scope?: string;
  /** What the user should do about it (shown next to the error on the Integrations page). */
  readonly guidance?: string;
  /** Vendor body (parsed JSON) when there was one; never contains secrets. */
  readonly body?: unknown;

  constructor(kind: HubspotErrorKind, message: string, opts: { status?: number | null; scope?: string; guidance?: string; body?: unknown; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "HubspotError";
    this.kind = kind;
    this.status = opts.status ?? null;
    this.scope = opts.scope;
    this.guidance = opts.guidance;
    this.body = opts.body;
  }
}

export function isHubspotError(e: unknown): e is HubspotError {
  return e instanceof HubspotError;
}

/** HubSpot's rate-limit policies (429 body `policyName`, or inferred from the message). */
export type RatePolicy = "TEN_SECONDLY_ROLLING" | "SECONDLY" | "DAILY" | "UNKNOWN";

/** A failure reduced to what the retry policy needs. */
export type FailureInfo = {
  /** HTTP status, or null for network-level failures. */
  status: number | null;
  /** Network error code (ECONNRESET, UND_ERR_SOCKET, ETIMEDOUT, …) when there was no response. */
  networkCode: string | null;
  message: string;
  /** For 429s. */
  policy: RatePolicy | null;
  /** Lower-cased response headers (may be empty). */
  headers: Record<string, string>;
  body: unknown;
};

const NETWORK_CODES = new Set([
  "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED", "ECONNABORTED",
]);

function lowerHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h || typeof h !== "object") return out;
  if (typeof (h as Headers).forEach === "function" && typeof (h as Headers).get === "function") {
    (h as Headers).forEach((v, k) => { out[k.toLowerCase()] = v; });
    return out;
  }
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) if (typeof v === "string") out[k.toLowerCase()] = v;
  return out;
}

function policyOf(body: unknown, message: string): RatePolicy {
  const b = body as { policyName?: unknown; message?: unknown } | null;
  const p = typeof b?.policyName === "string" ? b.policyName.toUpperCase() : "";
  if (p.startsWith("TEN_SECONDLY")) return "TEN_SECONDLY_ROLLING";
  if (p === "SECONDLY") return "SECONDLY";
  if (p === "DAILY") return "DAILY";
  // The SDK deserialises error bodies into its `Error` model, which drops `policyName`: read the message.
  const m = `${typeof b?.message === "string" ? b.message : ""} ${message}`.toLowerCase();
  if (m.includes("ten_secondly") || m.includes("ten secondly")) return "TEN_SECONDLY_ROLLING";
  if (m.includes("daily")) return "DAILY";
  if (m.includes("secondly")) return "SECONDLY";
  return "UNKNOWN";
}

function networkCodeOf(err: unknown): string | null {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || code.startsWith("UND_ERR"))) return code;
    const msg = e instanceof Error ? e.message : "";
    if (/socket hang up|other side closed|ECONNRESET/i.test(msg)) return "ECONNRESET";
    if (/timeout|timed out/i.test(msg) && e instanceof Error && e.name !== "HubspotError") return "ETIMEDOUT";
    e = (e as { cause?: unknown }).cause;
  }
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) return "FETCH_FAILED";
  return null;
}

/** Normalise anything thrown by the SDK or fetch. Never throws. */
export function describeFailure(err: unknown): FailureInfo {
  const e = err as { code?: unknown; body?: unknown; headers?: unknown; message?: unknown } | null;
  const message = typeof e?.message === "string" ? e.message : String(err);
  const status = typeof e?.code === "number" ? e.code : (err instanceof HubspotError ? err.status : null);
  if (status !== null && status > 0) {
    let body = e?.body;
    if (typeof body === "string") {
      try { body = JSON.parse(body); } catch { /* keep the text */ }
    }
    const bodyMsg = (body as { message?: unknown } | null)?.message;
    return {
      status,
      networkCode: null,
      message: typeof bodyMsg === "string" ? bodyMsg : message,
      policy: status === 429 ? policyOf(body, message) : null,
      headers: lowerHeaders(e?.headers),
      body,
    };
  }
  return { status: null, networkCode: networkCodeOf(err), message, policy: null, headers: {}, body: undefined };
}
