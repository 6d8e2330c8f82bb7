/**
 * Stripe SDK errors → messages a user can act on (modelled on seed 03's troubleshooting table).
 *
 * `describeStripeError(err)` returns `{kind, message, guidance, permission?}`:
 * - auth (401): the key/token is wrong, rolled or revoked → reconnect.
 * - permission (403): a restricted key lacks a read permission → names it (`rak_charge_read: give
 *   the restricted key Read access to Charges`).
 * - rate_limited (429 after our retries), unavailable (5xx / connection), invalid_request (400/404),
 *   oauth (Connect OAuth errors: invalid_grant, invalid_client, …), unknown.
 */
import Stripe from "stripe";

export type StripeErrorKind = "auth" | "permission" | "rate_limited" | "unavailable" | "invalid_request" | "oauth" | "unknown";

export type StripeErrorInfo = {
  kind: StripeErrorKind;
  /** What happened (safe to show; never contains the key). */
  message: string;
  /** What the user should do. */
  guidance: string;
  /** For kind "permission": Stripe's permission name, e.g. rak_charge_read. */
  permission?: string;
};

/** Stripe restricted-key permission name → the Dashboard resource label. */
export const PERMISSION_LABELS: Record<string, string> = {
  rak_customer_read: "Customers",
  rak_subscription_read: "Subscriptions",
  rak_invoice_read: "Invoices",
  rak_charge_read: "Charges",
  rak_event_read: "Events",
  rak_account_read: "Account",
  rak_balance_read: "Balance",
  rak_product_read: "Products",
  rak_price_read: "Prices",
  rak_plan_read: "Plans",
  rak_payment_method_read: "PaymentMethods",
};

export const RESTRICTED_KEY_ADVICE =
  "We recommend a restricted key (rk_…) with Read access to Customers, Subscriptions, Invoices, Charges and Events only (Stripe Dashboard → Developers → API keys → Create restricted key).";

/** "rak_charge_read: give the restricted key Read access to Charges". */
export function permissionHint(permission: string): string {
  const label = PERMISSION_LABELS[permission] ?? permission.replace(/^rak_|_read$/g, "").replace(/_/g, " ");
  return `${permission}: give the restricted key Read access to ${label}`;
}

/** Stripe's permission name from a 403 message ("… requires the 'rak_charge_read' permission"), if any. */
export function permissionFromMessage(message: string): string | undefined {
  return /\b(rak_[a-z_]+)\b/.exec(message)?.[1];
}

/** Classify any error thrown by the SDK (or our code) for users. */
export function describeStripeError(err: unknown): StripeErrorInfo {
  if (err instanceof Stripe.errors.StripeError) {
    const raw = err.message || "";
    if (err instanceof Stripe.errors.StripeAuthenticationError || err.statusCode === 401) {
      return {
        kind: "auth",
        message: "Stripe rejected the API key or access token (401 authentication_error): it is wrong, was rolled or revoked, or the Connect authorization was removed.",
        guidance: `Reconnect Stripe in Settings → Integrations → Stripe with a current key. ${RESTRICTED_KEY_ADVICE}`,
      };
    }
    if (err instanceof Stripe.errors.StripePermissionError || err.statusCode === 403) {
      const permission = permissionFromMessage(raw);
      return {
        kind: "permission",
        permission,
        message: `Stripe refused a read (403 permission_error)${permission ? `: the key lacks ${permission}` : ""}.`,
        guidance: permission
          ? `${permissionHint(permission)} (Stripe Dashboard → Developers → API keys → edit the key), then Test & Save again.`
          : `Give the restricted key Read access to Customers, Subscriptions, Invoices, Charges and Events, then Test & Save again.`,
      };
    }
    if (err instanceof Stripe.errors.StripeRateLimitError || err.statusCode === 429) {
      return {
        kind: "rate_limited",
        message: "Stripe kept answering 429 (rate limited) after repeated backoff.",
        guidance: "Another integration may be using the same account's request budget. Retry the sync later (Settings → Integrations → Stripe → Retry sync), or lower requestsPerSecond in the connection settings.",
      };
    }
    if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError || (err.statusCode ?? 0) >= 500) {
      return {
        kind: "unavailable",
        message: `Stripe is unreachable or answered with a server error (${err.statusCode ?? "no response"}).`,
        guidance: "This is usually temporary: retry the sync in a few minutes (Settings → Integrations → Stripe → Retry sync). Check https://status.stripe.com if it persists.",
      };
    }
    if (err instanceof Stripe.errors.StripeOAuthError) {
      return describeOAuthError(err.code ?? err.type, raw);
    }
    if (err instanceof Stripe.errors.StripeInvalidRequestError) {
      return {
        kind: "invalid_request",
        message: `Stripe refused the request: ${raw}`,
        guidance: "If this repeats, run a full re-sync (Retry sync with full=true); report the message to support if it persists.",
      };
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: "unknown", message, guidance: "Retry the sync; if it fails again, report this message to support." };
}

/** Messages for Connect OAuth errors (seed 03 "OAuth error after clicking Allow access"). */
export function describeOAuthError(code: string, description?: string): StripeErrorInfo {
  const detail = description ? ` (${description})` : "";
  switch (code) {
    case "access_denied":
      return { kind: "oauth", message: `Stripe access was denied${detail}.`, guidance: "Restart Connect Stripe and click Allow access." };
    case "invalid_client":
      return { kind: "oauth", message: `Stripe does not recognise our Connect client id${detail}.`, guidance: "The STRIPE_CONNECT_CLIENT_ID configured on the server is wrong: contact your Churnwatch administrator." };
    case "redirect_uri_mismatch":
      return { kind: "oauth", message: `Stripe refused the OAuth redirect URL${detail}.`, guidance: "The redirect URL registered in the Stripe Connect settings must match the server's callback URL: contact your Churnwatch administrator." };
    case "invalid_grant":
      return { kind: "oauth", message: `The Stripe authorization code is invalid or was already used${detail}.`, guidance: "Restart Connect Stripe from Settings → Integrations." };
    default:
      return { kind: "oauth", message: `Stripe OAuth failed: ${code}${detail}.`, guidance: "Restart Connect Stripe from Settings → Integrations; contact support if it persists." };
  }
}
