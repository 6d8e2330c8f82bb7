/**
 * Types shared by the HubSpot and Stripe sandbox servers (sandbox/hubspot, sandbox/stripe).
 * Nothing in app/ or lib/ imports the sandbox.
 */

/** Fault injection, settable by flags/env at start and by POST /__sandbox/faults while running. */
export type FaultConfig = {
  /** Fraction 0-1 of API requests answered with a 5xx (HubSpot 502/503 JSON, Stripe 500 api_error). */
  errorRate5xx: number;
  /** Fraction 0-1 of API requests whose socket is destroyed without a response. */
  dropRate: number;
  /** While > now (sandbox ms), every API request gets a vendor-shaped 429. */
  rateLimitStormUntil: number | null;
  /** Extra delay added to every API response, ms (on top of `latency`). */
  slowMs: number;
  /** Inject one malformed record into list/search pages of this object type (e.g. "companies", "customers"). */
  malformedRecordIn: string[];
  /** After this many more authenticated API requests, the token/key used is revoked (401). null = never. */
  revokeTokenAfter: number | null;
  /** After this many more requests, OAuth access tokens are treated as expired (401). null = never. */
  expireTokenAfter: number | null;
};

export const NO_FAULTS: FaultConfig = {
  errorRate5xx: 0,
  dropRate: 0,
  rateLimitStormUntil: null,
  slowMs: 0,
  malformedRecordIn: [],
  revokeTokenAfter: null,
  expireTokenAfter: null,
};

/** Per-request latency for realistic benchmarks (ms). jitterMs adds uniform 0..jitterMs. */
export type LatencyConfig = { fixedMs: number; jitterMs: number };

/** Where and how the sandbox delivers webhooks for record changes. */
export type WebhookDelivery = {
  /** Absolute URL of the app's webhook route, e.g. http://127.0.0.1:3000/api/webhooks/stripe. null = no delivery. */
  url: string | null;
  /** Deliver every event twice. */
  duplicate: boolean;
  /** Hold events and deliver each batch in reverse order. */
  outOfOrder: boolean;
};
