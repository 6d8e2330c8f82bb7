/**
 * Failed sign-ins throttled per account (the e-mail signed in to), on top of better-auth's per-address limit
 * (lib/auth/auth.ts): rotating X-Forwarded-For or spreading a password-guessing run over many addresses
 * does not give more tries at one account. After {@link MAX_FAILURES} failures within {@link WINDOW_MS}
 * for an e-mail, further attempts for it are answered 429 until the oldest failure leaves the window; a
 * successful sign-in clears the count. Kept in memory per web process (like better-auth's own limiter here);
 * with several web processes each keeps its own count.
 */

/** Failures allowed per e-mail within the window. */
export const MAX_FAILURES = 10;
/** The window (ms): 15 minutes. */
export const WINDOW_MS = 15 * 60_000;
/** E-mails tracked at most (oldest dropped first), so a flood of made-up e-mails cannot grow memory without bound. */
const MAX_TRACKED = 50_000;

const g = globalThis as unknown as { __cwSignInFailures?: Map<string, number[]> };
const failures: Map<string, number[]> = (g.__cwSignInFailures ??= new Map<string, number[]>());

const key = (email: string) => email.trim().toLowerCase();

/** Milliseconds until `email` may try again; 0 when it may now. */
export function signInRetryAfterMs(email: string, now = Date.now()): number {
  const list = (failures.get(key(email)) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length < MAX_FAILURES) return 0;
  return WINDOW_MS - (now - list[list.length - MAX_FAILURES]!);
}

/** Record the outcome of a sign-in attempt for `email`. */
export function recordSignIn(email: string, ok: boolean, now = Date.now()): void {
  const k = key(email);
  if (ok) { failures.delete(k); return; }
  const list = (failures.get(k) ?? []).filter((t) => now - t < WINDOW_MS);
  list.push(now);
  failures.delete(k); // re-insert: Map order = least recently failed first
  failures.set(k, list.slice(-MAX_FAILURES));
  if (failures.size > MAX_TRACKED) failures.delete(failures.keys().next().value!);
}

/** Forget every count (tests). */
export function resetSignInThrottle(): void {
  failures.clear();
}
