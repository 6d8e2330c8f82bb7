/**
 * One error type for the whole app. Codes are a closed set; each maps to an HTTP status (the map is
 * exhaustive: a new code without a status does not compile). `message` is safe to show to the caller
 * and should say what was wrong AND how to fix it; `cause` stays internal (logged, never returned).
 *
 * API error body (lib/http/with-api.ts): `{ error: { code, message, fields? } }`.
 */
export const APP_ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  /** A vendor (HubSpot/Stripe) rejected our credentials or is unreachable. */
  upstream_error: 502,
  internal_error: 500,
  not_configured: 503,
} as const satisfies Record<string, number>;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

/** `fields`: field path → what is wrong with it, e.g. {"weights.engagement": "must be ≥ 0"}. */
export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly fields?: FieldErrors;

  constructor(code: AppErrorCode, message: string, opts: { fields?: FieldErrors; cause?: unknown; status?: number } = {}) {
    super(message, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.status = opts.status ?? APP_ERROR_STATUS[code];
    this.fields = opts.fields;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) } };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Shorthand for the common not-found case: "<what> <id> not found". */
export function notFound(what: string, id?: string): AppError {
  return new AppError("not_found", `${what}${id ? ` ${id}` : ""} not found`);
}
