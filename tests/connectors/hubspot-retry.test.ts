/**
 * The HubSpot retry policy (decideRetry) case by case, the failure normaliser, and the pacer.
 */
import { describe, expect, it } from "vitest";
import { describeFailure, type FailureInfo } from "@/lib/connectors/hubspot/errors";
import { Pacer } from "@/lib/connectors/hubspot/pacer";
import { decideRetry, MAX_RATE_LIMIT_ATTEMPTS, MAX_TRANSIENT_ATTEMPTS } from "@/lib/connectors/hubspot/retry";

const f = (p: Partial<FailureInfo>): FailureInfo => ({ status: null, networkCode: null, message: "", policy: null, headers: {}, body: undefined, ...p });
const half = () => 0.5;

describe("decideRetry", () => {
  it("429 TEN_SECONDLY_ROLLING waits for the window named by the interval header", () => {
    const d = decideRetry(f({ status: 429, policy: "TEN_SECONDLY_ROLLING", headers: { "x-hubspot-ratelimit-interval-milliseconds": "10000" } }), 1, { random: () => 0 });
    expect(d).toMatchObject({ retry: true, waitMs: 10_000, kind: "rate_limited" });
  });

  it("429 SECONDLY (search) waits 1 s", () => {
    expect(decideRetry(f({ status: 429, policy: "SECONDLY" }), 1)).toMatchObject({ retry: true, waitMs: 1_000 });
  });

  it("429 DAILY is not retried and tells the user when it resets", () => {
    const d = decideRetry(f({ status: 429, policy: "DAILY", message: "You have reached your daily limit." }), 1);
    expect(d.retry).toBe(false);
    expect(d.kind).toBe("rate_limited");
    expect(d.guidance).toMatch(/midnight/);
  });

  it("gives up on a 429 storm after the bounded number of attempts", () => {
    expect(decideRetry(f({ status: 429, policy: "TEN_SECONDLY_ROLLING" }), MAX_RATE_LIMIT_ATTEMPTS - 1).retry).toBe(true);
    expect(decideRetry(f({ status: 429, policy: "TEN_SECONDLY_ROLLING" }), MAX_RATE_LIMIT_ATTEMPTS).retry).toBe(false);
  });

  it("5xx backs off exponentially with jitter and stops after 5 attempts", () => {
    const waits = [1, 2, 3, 4].map((a) => decideRetry(f({ status: 502 }), a, { random: half }).waitMs);
    expect(waits).toEqual([375, 750, 1500, 3000]);
    expect(decideRetry(f({ status: 503 }), 1, { random: () => 0 }).waitMs).toBe(250);
    expect(decideRetry(f({ status: 503 }), 1, { random: () => 0.999 }).waitMs).toBeLessThanOrEqual(500);
    const last = decideRetry(f({ status: 500 }), MAX_TRANSIENT_ATTEMPTS);
    expect(last).toMatchObject({ retry: false, kind: "transient" });
  });

  it("dropped connections are transient and retried", () => {
    const d = decideRetry(f({ networkCode: "ECONNRESET", message: "socket hang up" }), 2, { random: half });
    expect(d).toMatchObject({ retry: true, kind: "transient", waitMs: 750 });
    expect(decideRetry(f({ networkCode: "ECONNRESET" }), 5).retry).toBe(false);
  });

  it("401 refreshes once for OAuth, then reports auth_revoked", () => {
    expect(decideRetry(f({ status: 401 }), 1, { isOAuth: true })).toMatchObject({ retry: true, refresh: true, waitMs: 0 });
    const after = decideRetry(f({ status: 401 }), 1, { isOAuth: true, refreshed: true });
    expect(after).toMatchObject({ retry: false, kind: "auth_revoked" });
    expect(after.guidance).toMatch(/reconnect needed/);
  });

  it("401 with a private-app token is auth_revoked at once", () => {
    expect(decideRetry(f({ status: 401 }), 1)).toMatchObject({ retry: false, kind: "auth_revoked" });
  });

  it("403 names the missing scope from the message, else from the endpoint", () => {
    const named = decideRetry(f({ status: 403, message: "This app hasn't been granted all required scopes to make this call. Required: crm.objects.deals.read" }), 1);
    expect(named).toMatchObject({ retry: false, kind: "missing_scope", scope: "crm.objects.deals.read" });
    expect(named.guidance).toBe("token lacks crm.objects.deals.read — add the scope to the Service Key or app in HubSpot (Settings > Integrations > Service Keys, or the app's scopes; or reconnect the OAuth app with it), then sync again");
    expect(decideRetry(f({ status: 403, message: "forbidden" }), 1, { requiredScope: "crm.objects.owners.read" }).scope).toBe("crm.objects.owners.read");
  });

  it("404 and 400 are never retried", () => {
    expect(decideRetry(f({ status: 404 }), 1)).toMatchObject({ retry: false, kind: "not_found" });
    expect(decideRetry(f({ status: 400, message: "bad filter" }), 1)).toMatchObject({ retry: false, kind: "invalid_response" });
  });
});

describe("describeFailure", () => {
  it("reads status, headers and the policy from an SDK ApiException whose body lost policyName", () => {
    const err = Object.assign(new Error("HTTP-Code: 429"), {
      code: 429,
      body: { status: "error", message: "You have reached your ten_secondly_rolling limit.", category: "RATE_LIMITS" },
      headers: { "X-HubSpot-RateLimit-Interval-Milliseconds": "10000" },
    });
    const d = describeFailure(err);
    expect(d).toMatchObject({ status: 429, policy: "TEN_SECONDLY_ROLLING" });
    expect(d.headers["x-hubspot-ratelimit-interval-milliseconds"]).toBe("10000");
  });

  it("recognises fetch failures caused by a reset socket", () => {
    const err = new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    expect(describeFailure(err)).toMatchObject({ status: null, networkCode: "UND_ERR_SOCKET" });
  });
});

describe("Pacer", () => {
  it("never lets more than the capacity through in one window, and adapts to X-HubSpot-RateLimit-Max", async () => {
    let now = 0;
    const sent: number[] = [];
    const p = new Pacer({ max: 10, intervalMs: 1000, now: () => now, sleep: async (ms) => { now += ms; } });
    for (let i = 0; i < 30; i++) { await p.acquire(); sent.push(now); }
    const cap = Pacer.capacityFor(10);
    for (let i = cap; i < sent.length; i++) expect(sent[i] - sent[i - cap]).toBeGreaterThanOrEqual(1000);
    p.observe({ "x-hubspot-ratelimit-max": "190", "x-hubspot-ratelimit-interval-milliseconds": "10000", "x-hubspot-ratelimit-remaining": "189" });
    expect(p.limit).toMatchObject({ max: 190, intervalMs: 10_000, capacity: 186 });
  });

  it("limits search to 4 per second", async () => {
    let now = 0;
    const p = new Pacer({ now: () => now, sleep: async (ms) => { now += ms; } });
    for (let i = 0; i < 9; i++) await p.acquire("search");
    expect(now).toBeGreaterThanOrEqual(2000);
  });
});
