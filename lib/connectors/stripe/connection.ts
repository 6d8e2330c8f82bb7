/**
 * Stripe connection settings and credentials (the JSON stored on Connection).
 *
 * credentialsEnc (AES-256-GCM via lib/crypto.ts) decrypts to {@link StripeCredentials}:
 *   `{kind: "key", apiKey}` (restricted rk_… or secret sk_… key) or
 *   `{kind: "oauth", accessToken, refreshToken, stripeUserId, scope, livemode}` (Connect OAuth).
 * settings (plain JSON, other keys such as writeBack are kept): {@link StripeSettings}.
 */
import { z } from "zod";
import type { Connection } from "@/lib/generated/sqlite/client";
import { decryptJson, decryptSecret } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { createStripeClient, type Pacer, type RequestStats, type StripeClient } from "./client";

export const ZStripeCredentials = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("key"), apiKey: z.string().min(8) }),
  z.object({
    kind: z.literal("oauth"),
    accessToken: z.string().min(8),
    refreshToken: z.string().nullish(),
    stripeUserId: z.string(),
    scope: z.string().nullish(),
    livemode: z.boolean().optional(),
  }),
]);
export type StripeCredentials = z.infer<typeof ZStripeCredentials>;

/** Days of charges a full sync lists (see StripeSettings.chargesLookbackDays). */
export const DEFAULT_CHARGES_LOOKBACK_DAYS = 395;

export const ZStripeSettings = z.looseObject({
  /** Request budget per second (default 25 test / 100 live). */
  requestsPerSecond: z.number().positive().max(1000).optional(),
  /**
   * Charges created in the last N days are listed by a full sync (default 395: the 365-day signal backfill plus
   * its 30-day failed-payment window, so payment signals exist for every backfilled day). Later changes of any
   * charge arrive through events.
   */
  chargesLookbackDays: z.number().int().positive().max(3650).default(DEFAULT_CHARGES_LOOKBACK_DAYS),
  /** A full reconciliation runs when the last one is older than this many days (default 7). */
  fullReconcileDays: z.number().positive().default(7),
  /** Apply once/repeating coupons to MRR too (default false: only forever coupons). */
  applyNonForeverDiscounts: z.boolean().default(false),
});
export type StripeSettings = z.infer<typeof ZStripeSettings>;

/** Settings with defaults; malformed settings fall back to the defaults. */
export function stripeSettings(json: unknown): StripeSettings {
  const r = ZStripeSettings.safeParse(json ?? {});
  return r.success ? r.data : ZStripeSettings.parse({});
}

/** @throws AppError not_configured when the connection has no usable credentials (disconnected). */
export function stripeCredentials(conn: Pick<Connection, "credentialsEnc" | "id">): StripeCredentials {
  if (!conn.credentialsEnc) throw new AppError("not_configured", `Stripe connection ${conn.id} has no credentials (disconnected): reconnect it in Settings → Integrations`);
  return ZStripeCredentials.parse(decryptJson(conn.credentialsEnc));
}

/** The key/token requests use. */
export function apiKeyOf(c: StripeCredentials): string {
  return c.kind === "key" ? c.apiKey : c.accessToken;
}

/** The decrypted webhook signing secret (whsec_…), or null. */
export function webhookSecretOf(conn: Pick<Connection, "webhookSecretEnc">): string | null {
  return conn.webhookSecretEnc ? decryptSecret(conn.webhookSecretEnc) : null;
}

/** A paced client for a stored connection. */
export function clientForConnection(
  conn: Pick<Connection, "credentialsEnc" | "id" | "mode" | "settings">,
  extra: { pacer?: Pacer; stats?: RequestStats } = {},
): StripeClient {
  const creds = stripeCredentials(conn);
  const settings = stripeSettings(conn.settings);
  return createStripeClient({ apiKey: apiKeyOf(creds), mode: conn.mode, requestsPerSecond: settings.requestsPerSecond, ...extra });
}
