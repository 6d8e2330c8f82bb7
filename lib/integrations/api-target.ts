/**
 * Where a connection's vendor API lives (issue 18): the base URL stored on the connection at connect time
 * (Connection.apiBaseUrl: the real vendor, or a local sandbox for the demo and tests), else the environment's
 * HUBSPOT_API_BASE_URL / STRIPE_API_BASE_URL (connections made before the URL was recorded).
 *
 * `npm run sync` runs each connection against its own target and, for a local target (a sandbox), first
 * checks that something answers there: a stopped sandbox is reported as such and the connection is not
 * touched (before, the CLI talked to the real vendors with sandbox credentials and marked both demo
 * connections as errored).
 */
import { env } from "@/lib/env";

export type ApiProvider = "hubspot" | "stripe";

/** The environment variable that sets a provider's API base URL. */
export const API_BASE_URL_VAR = { hubspot: "HUBSPOT_API_BASE_URL", stripe: "STRIPE_API_BASE_URL" } as const;

/** The base URL a connection talks to: its stored one, else the environment's (no trailing slash). */
export function connectionApiTarget(provider: ApiProvider, stored: string | null | undefined): string {
  const url = stored || (provider === "hubspot" ? env().HUBSPOT_API_BASE_URL : env().STRIPE_API_BASE_URL);
  return url.replace(/\/+$/, "");
}

/** True for loopback / localhost URLs (a sandbox on this machine), which are probed before a sync. */
export function isLocalTarget(url: string): boolean {
  try {
    const h = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\./.test(h) || h === "0.0.0.0";
  } catch {
    return false;
  }
}

/**
 * Whether anything answers HTTP at `url` within `timeoutMs` (any status counts: only "nothing listening" or a
 * timeout is down). Never throws.
 * @returns `{up: true}` or `{up: false, reason}` with the network error in words (e.g. "connection refused").
 */
export async function probeApiTarget(url: string, timeoutMs = 2_000): Promise<{ up: true } | { up: false; reason: string }> {
  try {
    const res = await fetch(url, { method: "GET", signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await res.body?.cancel().catch(() => undefined);
    return { up: true };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    if (cause === "ECONNREFUSED") return { up: false, reason: "connection refused: nothing is listening there" };
    if ((e as Error).name === "TimeoutError") return { up: false, reason: `no answer within ${timeoutMs / 1000} s` };
    return { up: false, reason: cause ?? (e instanceof Error ? e.message : String(e)) };
  }
}
