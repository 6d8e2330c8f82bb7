/**
 * The Stripe sandbox's credentials: secret keys (test/live), restricted keys with per-resource read
 * permissions, the Connect client id, the webhook signing secret. All are derived
 * deterministically from a seed (the portfolio account id) so the same portfolio always prints
 * the same keys, unless overridden by the caller.
 */
import { createHash } from "node:crypto";

/** Read permissions of restricted keys, named as Stripe names them in its 403 messages. */
export const PERMISSIONS = [
  "rak_customer_read",
  "rak_subscription_read",
  "rak_invoice_read",
  "rak_charge_read",
  "rak_event_read",
  "rak_product_read",
  "rak_price_read",
  "rak_payment_method_read",
  "rak_balance_read",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a key may do. `permissions` null = a secret key (everything). */
export type KeyInfo = {
  key: string;
  mode: "test" | "live";
  kind: "secret" | "restricted" | "oauth" | "publishable";
  permissions: ReadonlySet<Permission> | null;
  /** For OAuth access tokens: the connected account and the granted scope. */
  accountId?: string;
  scope?: "read_only" | "read_write";
};

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `len` base62 characters derived from sha256(seed + "/" + label). */
export function derive(seed: string, label: string, len: number): string {
  let out = "";
  let counter = 0;
  while (out.length < len) {
    const h = createHash("sha256").update(`${seed}/${label}/${counter++}`).digest();
    for (const b of h) if (out.length < len && b < 248) out += ALPHABET[b % 62];
  }
  return out;
}

/** Credentials the sandbox prints in /__sandbox/info. */
export type StripeCredentials = {
  secretKey: string;
  liveSecretKey: string;
  publishableKey: string;
  restrictedKeys: Record<string, string>;
  connectClientId: string;
  webhookSecret: string;
};

/** The restricted keys the sandbox issues: name → permissions missing from "read everything". */
export const RESTRICTED_KEY_SPECS: Record<string, Permission[]> = {
  readAll: [],
  noCharges: ["rak_charge_read"],
  noEvents: ["rak_event_read"],
  noCustomers: ["rak_customer_read"],
  noSubscriptions: ["rak_subscription_read"],
  noInvoices: ["rak_invoice_read"],
};

/** Builds the deterministic credentials for `seed`, with caller overrides. */
export function makeCredentials(
  seed: string,
  overrides: Partial<{ secretKey: string; liveSecretKey: string; connectClientId: string; webhookSecret: string }> = {},
): StripeCredentials {
  const restrictedKeys: Record<string, string> = {};
  for (const name of Object.keys(RESTRICTED_KEY_SPECS)) restrictedKeys[name] = `rk_test_51${derive(seed, `rk/${name}`, 96)}`;
  return {
    secretKey: overrides.secretKey ?? `sk_test_51${derive(seed, "sk_test", 96)}`,
    liveSecretKey: overrides.liveSecretKey ?? `sk_live_51${derive(seed, "sk_live", 96)}`,
    publishableKey: `pk_test_51${derive(seed, "pk_test", 96)}`,
    restrictedKeys,
    connectClientId: overrides.connectClientId ?? `ca_${derive(seed, "ca", 32)}`,
    webhookSecret: overrides.webhookSecret ?? `whsec_${derive(seed, "whsec", 32)}`,
  };
}

/** The key table for authentication (OAuth tokens are added at runtime). */
export function keyTable(c: StripeCredentials): Map<string, KeyInfo> {
  const t = new Map<string, KeyInfo>();
  t.set(c.secretKey, { key: c.secretKey, mode: "test", kind: "secret", permissions: null });
  t.set(c.liveSecretKey, { key: c.liveSecretKey, mode: "live", kind: "secret", permissions: null });
  t.set(c.publishableKey, { key: c.publishableKey, mode: "test", kind: "publishable", permissions: new Set() });
  for (const [name, key] of Object.entries(c.restrictedKeys)) {
    const missing = new Set(RESTRICTED_KEY_SPECS[name]);
    t.set(key, { key, mode: "test", kind: "restricted", permissions: new Set(PERMISSIONS.filter((p) => !missing.has(p))) });
  }
  return t;
}
