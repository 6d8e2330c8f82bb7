/**
 * Sign-in throttling that holds (issue 14 item 5): rotating X-Forwarded-For does not give more tries at one
 * account; forwarded headers are trusted only as far as TRUSTED_PROXY_HOPS says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { clientAddress } from "@/lib/auth/client-ip";
import { MAX_FAILURES, resetSignInThrottle } from "@/lib/auth/sign-in-throttle";

let app: ApiHarness;
let admin: Session;
beforeAll(async () => {
  app = await createApiHarness();
  admin = await app.signIn("admin");
  resetSignInThrottle();
});
afterAll(() => app.cleanup());

async function attempt(email: string, password: string, forwardedFor: string) {
  const { POST } = await import("@/app/api/auth/[...all]/route");
  const res = await POST(new Request("http://localhost:3000/api/auth/sign-in/email", {
    method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor, origin: "http://localhost:3000" },
    body: JSON.stringify({ email, password }),
  }));
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

describe("sign-in throttle", () => {
  it("20 wrong passwords from 20 rotated X-Forwarded-For addresses: throttled per account after the limit, even the right password", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await attempt(admin.email, "wrong-password", `198.51.100.${i + 1}`)).status);
    expect(statuses.slice(0, MAX_FAILURES).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(MAX_FAILURES).every((s) => s === 429)).toBe(true);
    const right = await attempt(admin.email, "correct horse battery", "198.51.100.250");
    expect(right.status).toBe(429);
    expect(Number(right.retryAfter)).toBeGreaterThan(0);
  });

  it("another account is not affected by the first one's lock", async () => {
    const other = await app.signIn("csm");
    expect((await attempt(other.email, "correct horse battery", "198.51.100.251")).status).toBe(200);
  });
});

describe("which address is trusted", () => {
  const h = (xff: string) => new Headers({ "x-forwarded-for": xff, "x-real-ip": "10.9.9.9" });
  it("with no proxy the rightmost entry (what Next.js fills from the socket when the client sent none)", () => {
    expect(clientAddress(h("203.0.113.7"), 0)).toBe("203.0.113.7");
    expect(clientAddress(h("1.1.1.1, 203.0.113.7"), 0)).toBe("203.0.113.7");
  });
  it("with one proxy that appends, the entry it appended; the client's own prefix is ignored", () => {
    expect(clientAddress(h("6.6.6.6, 7.7.7.7, 203.0.113.7"), 1)).toBe("203.0.113.7");
    expect(clientAddress(h("6.6.6.6, 203.0.113.7, 10.0.0.2"), 2)).toBe("203.0.113.7");
  });
  it("X-Real-IP alone is never trusted", () => {
    expect(clientAddress(new Headers({ "x-real-ip": "10.9.9.9" }), 0)).toBeNull();
  });
});
