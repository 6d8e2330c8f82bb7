/**
 * Which address a request came from, for throttling — trusting forwarded headers only as far as the
 * deployment's own proxies vouch for them.
 *
 * `X-Forwarded-For` is a list each proxy appends the address of its peer to; everything left of what our own
 * proxies appended was written by the client and can be anything. With `TRUSTED_PROXY_HOPS` = N (N reverse
 * proxies in front of the app, each appending), the client is the N-th entry from the right. With N = 0 (no
 * proxy) Next.js fills the header with the socket address only when the client sent none
 * (`req.headers['x-forwarded-for'] ??= socket.remoteAddress` in next/dist/server/base-server.js), so the
 * rightmost entry is the best hint we have, but a client can still choose it: that is why sign-in failures are
 * also throttled per account (lib/auth/sign-in-throttle.ts), which no header can rotate. `X-Real-IP` is never
 * trusted (a client can send it; a proxy that sets it also appends to X-Forwarded-For).
 */

/** The client address by the rules above; null when the header is missing or empty. */
export function clientAddress(headers: Headers, trustedProxyHops: number): string | null {
  const entries = (headers.get("x-forwarded-for") ?? "").split(",").map((x) => x.trim()).filter(Boolean);
  if (!entries.length) return null;
  const index = entries.length - Math.max(1, trustedProxyHops);
  return entries[Math.max(0, index)] ?? null;
}

/** The header better-auth reads the address from; set by our /api/auth route only (an incoming one is dropped). */
export const CLIENT_IP_HEADER = "x-churnwatch-client-ip";
