/**
 * Stripe API error bodies, as the real API answers them:
 * `{ error: { type, code?, message, param?, doc_url?, request_log_url?, request_id } }`.
 *
 * stripe-node picks its error class from the HTTP status (Error.js `generateV1Error`): 400/404 →
 * StripeInvalidRequestError, 401 → StripeAuthenticationError, 403 → StripePermissionError,
 * 429 → StripeRateLimitError, 5xx → StripeAPIError. The `type` in the body follows the real API
 * (which answers `invalid_request_error` for 401/403/429 too); `code` carries the detail.
 */

/** A Stripe error ready to be sent. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: "invalid_request_error" | "api_error" | "card_error" | "idempotency_error",
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body (without request_id, added by the server). */
  body(requestId: string): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = {};
    if (this.code) {
      error.code = this.code;
      error.doc_url = `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, "-")}`;
    }
    error.message = this.message;
    if (this.param) error.param = this.param;
    error.request_log_url = `https://dashboard.stripe.com/test/logs/${requestId}`;
    error.request_id = requestId;
    error.type = this.type;
    return { error };
  }
}

/** 400 `parameter_unknown` naming the parameter. */
export const unknownParam = (param: string) =>
  new StripeApiError(400, "invalid_request_error", `Received unknown parameter: ${param}`, "parameter_unknown", param);

/** 400 `parameter_invalid_integer` naming the parameter. */
export const invalidInteger = (param: string, value: string) =>
  new StripeApiError(400, "invalid_request_error", `Invalid integer: ${value}`, "parameter_invalid_integer", param);

/** 400/404 `resource_missing`, e.g. "No such customer: 'cus_x'". */
export const noSuch = (object: string, id: string, param: string, status = 404) =>
  new StripeApiError(status, "invalid_request_error", `No such ${object}: '${id}'`, "resource_missing", param);

/** 400 for a bad value of a known parameter. */
export const invalidParam = (param: string, message: string, code = "parameter_invalid_string") =>
  new StripeApiError(400, "invalid_request_error", message, code, param);

/** 404 for a path the API does not know. */
export const unrecognizedUrl = (method: string, path: string) =>
  new StripeApiError(
    404,
    "invalid_request_error",
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  );

/** Masks a key the way Stripe prints it: `sk_test_********************1234`. */
export function maskKey(key: string): string {
  const m = /^((?:sk|rk|pk)_(?:test|live)_)(.*)$/.exec(key);
  const prefix = m ? m[1] : "";
  const rest = m ? m[2] : key;
  if (rest.length <= 4) return prefix + "*".repeat(rest.length);
  return prefix + "*".repeat(rest.length - 4) + rest.slice(-4);
}
