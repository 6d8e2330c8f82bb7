/**
 * HubSpot OAuth against the sandbox with the official SDK: auto-approving authorize (redirect
 * with code and state), code exchange, token introspection, 30-minute expiry on the SANDBOX
 * clock, refresh, revoked refresh tokens, and the errors of each step.
 */
import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/sandbox";
import { makeTinyPortfolio } from "./fixtures/tiny-portfolio";

let sb: Sandbox;
let oauth: { clientId: string; clientSecret: string; authorizeUrl: string };
const REDIRECT = "http://127.0.0.1:3000/api/integrations/hubspot/callback";

beforeAll(async () => {
  sb = await startSandbox({ portfolio: makeTinyPortfolio(), ports: { hubspot: 0, stripe: 0 }, limits: false });
  oauth = sb.info.hubspot.oauth as typeof oauth;
});
afterAll(async () => {
  await sb?.close();
});

/** Follows the SDK's authorize URL, rewritten from app.hubspot.com to the sandbox; returns the redirect Location. */
async function authorize(scopes: string, state = "st-123", clientId = oauth.clientId): Promise<Response> {
  const sdkUrl = new Client().oauth.getAuthorizationUrl(clientId, REDIRECT, scopes, undefined, state);
  const u = new URL(sdkUrl);
  expect(u.host).toBe("app.hubspot.com");
  return fetch(`${oauth.authorizeUrl}${u.search}`, { redirect: "manual" });
}

async function codeFor(scopes: string): Promise<string> {
  const r = await authorize(scopes);
  expect(r.status).toBe(302);
  const loc = new URL(r.headers.get("location")!);
  return loc.searchParams.get("code")!;
}

describe("OAuth", () => {
  it("authorize redirects back with code and state; the code buys working tokens once", async () => {
    const r = await authorize("crm.objects.companies.read crm.objects.owners.read");
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.get("location")!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get("state")).toBe("st-123");
    const code = loc.searchParams.get("code")!;
    const c = new Client({ basePath: sb.hubspotUrl });
    const tok = await c.oauth.tokensApi.create("authorization_code", code, REDIRECT, oauth.clientId, oauth.clientSecret);
    expect(tok.expiresIn).toBe(1800);
    expect(tok.refreshToken).toBeTruthy();
    const api = new Client({ accessToken: tok.accessToken, basePath: sb.hubspotUrl });
    expect((await api.crm.companies.basicApi.getPage(1)).results).toHaveLength(1);
    // not granted: deals
    await expect(api.crm.deals.basicApi.getPage(1)).rejects.toMatchObject({ code: 403 });
    const info = await c.oauth.accessTokensApi.get(tok.accessToken);
    expect(info.hubId).toBe(4242);
    expect(info.scopes).toEqual(expect.arrayContaining(["crm.objects.companies.read", "oauth"]));
    expect(info.expiresIn).toBeGreaterThan(1700);
    // a code is single-use
    await expect(c.oauth.tokensApi.create("authorization_code", code, REDIRECT, oauth.clientId, oauth.clientSecret)).rejects.toMatchObject({ code: 400 });
  });

  it("access tokens expire after 30 minutes of sandbox time; refresh issues a new one", async () => {
    const code = await codeFor("crm.objects.companies.read");
    const c = new Client({ basePath: sb.hubspotUrl });
    const tok = await c.oauth.tokensApi.create("authorization_code", code, REDIRECT, oauth.clientId, oauth.clientSecret);
    const api = new Client({ accessToken: tok.accessToken, basePath: sb.hubspotUrl });
    sb.control.clock.advance(29 * 60_000);
    expect((await api.crm.companies.basicApi.getPage(1)).results).toHaveLength(1);
    sb.control.clock.advance(2 * 60_000);
    const err = await api.crm.companies.basicApi.getPage(1).catch((e: { code: number; body: { category: string } }) => e);
    expect(err).toMatchObject({ code: 401, body: { category: "EXPIRED_AUTHENTICATION" } });
    const fresh = await c.oauth.tokensApi.create("refresh_token", undefined, undefined, oauth.clientId, oauth.clientSecret, tok.refreshToken);
    expect(fresh.accessToken).not.toBe(tok.accessToken);
    expect(fresh.refreshToken).toBe(tok.refreshToken);
    const api2 = new Client({ accessToken: fresh.accessToken, basePath: sb.hubspotUrl });
    expect((await api2.crm.companies.basicApi.getPage(1)).results).toHaveLength(1);
  });

  it("a revoked refresh token answers 400 BAD_REFRESH_TOKEN (control API)", async () => {
    const code = await codeFor("crm.objects.companies.read");
    const c = new Client({ basePath: sb.hubspotUrl });
    const tok = await c.oauth.tokensApi.create("authorization_code", code, REDIRECT, oauth.clientId, oauth.clientSecret);
    const res = await fetch(`${sb.hubspotUrl}/__sandbox/hubspot/revoke-refresh-tokens`, { method: "POST", body: JSON.stringify({ token: tok.refreshToken }) });
    expect(await res.json()).toEqual({ revoked: 1 });
    const r = await fetch(`${sb.hubspotUrl}/oauth/v1/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tok.refreshToken, client_id: oauth.clientId, client_secret: oauth.clientSecret }),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ status: "BAD_REFRESH_TOKEN" });
  });

  it("refuses unknown client ids, bad redirect URIs, unknown scopes and a wrong client secret", async () => {
    expect((await authorize("crm.objects.companies.read", "s", "not-the-client")).status).toBe(400);
    const badScope = await authorize("crm.objects.companies.read crm.objects.spaceships.read");
    expect(badScope.status).toBe(400);
    expect((await badScope.json()).message).toContain("crm.objects.spaceships.read");
    const badRedirect = await fetch(`${oauth.authorizeUrl}?client_id=${oauth.clientId}&redirect_uri=javascript:alert(1)&scope=oauth`, { redirect: "manual" });
    expect(badRedirect.status).toBe(400);
    const code = await codeFor("crm.objects.companies.read");
    const c = new Client({ basePath: sb.hubspotUrl });
    await expect(c.oauth.tokensApi.create("authorization_code", code, REDIRECT, oauth.clientId, "wrong-secret")).rejects.toMatchObject({ code: 400 });
    await expect(c.oauth.tokensApi.create("authorization_code", code, "http://elsewhere.example/cb", oauth.clientId, oauth.clientSecret)).rejects.toMatchObject({ code: 400 });
  });
});
