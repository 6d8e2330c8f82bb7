/**
 * HubSpot OAuth against the sandbox: authorize URL + single-use state, code exchange, refresh
 * before expiry (sandbox clock advanced), refresh once on a 401, revoked refresh token →
 * reconnect_needed; several portals' connections per organization are keyed by portal id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeHubspotOAuth, startHubspotOAuth } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync } from "@/lib/connectors/hubspot/sync";
import { decryptJson, sha256Hex } from "@/lib/crypto";
import { startHubspotHarness, type HubspotHarness } from "./hubspot-harness";

let h: HubspotHarness;
let connectionId: string;

async function authorize(writeBack = false): Promise<{ code: string; state: string }> {
  const { authorizeUrl, state } = await startHubspotOAuth(h.t.db, { organizationId: h.organizationId, writeBack });
  const res = await fetch(authorizeUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get("location")!);
  expect(back.pathname).toBe("/api/integrations/hubspot/callback");
  expect(back.searchParams.get("state")).toBe(state);
  return { code: back.searchParams.get("code")!, state };
}

const creds = async () => {
  const c = await h.t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
  return decryptJson<{ accessToken: string; refreshToken: string; expiresAt: number }>(c.credentialsEnc!);
};

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio: { synthetic: { companies: 30, contacts: 60, deals: 20, engagements: 20, tickets: 5, customers: 5 } } });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe("HubSpot OAuth", () => {
  it("builds the authorize URL from env with the required scopes and stores only the state's hash", async () => {
    const { authorizeUrl, state } = await startHubspotOAuth(h.t.db, { organizationId: h.organizationId });
    const u = new URL(authorizeUrl);
    expect(u.origin + u.pathname).toBe(`${h.sb.hubspotUrl}/oauth/authorize`);
    expect(u.searchParams.get("scope")!.split(" ")).toEqual(expect.arrayContaining(["crm.objects.companies.read", "crm.objects.owners.read"]));
    const row = await h.t.db.oAuthState.findUniqueOrThrow({ where: { stateHash: sha256Hex(state) } });
    expect(JSON.stringify(row)).not.toContain(state);
  });

  it("exchanges the code, stores access + refresh tokens encrypted, and the state is single-use", async () => {
    const { code, state } = await authorize(true);
    const r = await completeHubspotOAuth(h.t.db, { code, state });
    connectionId = r.connectionId;
    expect(r.externalAccountId).toBe(String(h.sb.info.hubspot.portalId));
    const conn = await h.t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(conn).toMatchObject({ authType: "oauth", status: "connected", organizationId: h.organizationId });
    const c = await creds();
    expect(c.accessToken).toBeTruthy();
    expect(conn.credentialsEnc).not.toContain(c.refreshToken);
    await expect(completeHubspotOAuth(h.t.db, { code, state })).rejects.toThrow(/already used or has expired/);
    await expect(completeHubspotOAuth(h.t.db, { code, state: "forged-state" })).rejects.toThrow(/unknown OAuth state/);
  });

  it("refreshes before expiry when HubSpot's clock says < 5 minutes are left (no 401 seen)", async () => {
    const before = await creds();
    h.sb.control.clock.advance(26 * 60 * 1000);
    const s = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "manual" }, h.ctx());
    expect(s.objects.companies.status).toBe("succeeded");
    expect(s.retries).toBe(0);
    const after = await creds();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBe(before.refreshToken);
  });

  it("refreshes once on a 401 in the middle of a sync and carries on", async () => {
    const before = await creds();
    h.sb.control.setFaults("hubspot", { expireTokenAfter: 3 });
    try {
      const s = await runHubspotSync(h.t.db, { connectionId, full: true, trigger: "manual" }, h.ctx());
      expect(Object.values(s.objects).every((o) => o.status === "succeeded")).toBe(true);
      expect(s.retries).toBeGreaterThanOrEqual(1);
      expect((await creds()).accessToken).not.toBe(before.accessToken);
      expect(await h.t.db.sourceRecord.count({ where: { connectionId } })).toBe(30);
    } finally {
      h.sb.control.setFaults("hubspot", { expireTokenAfter: null });
    }
  });

  it("a revoked refresh token marks the connection reconnect_needed with a clear message", async () => {
    h.sb.control.revokeRefreshTokens();
    h.sb.control.clock.advance(31 * 60 * 1000); // the current access token expires too
    const s = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "cron" }, h.ctx());
    expect(Object.values(s.objects).some((o) => o.status === "failed")).toBe(true);
    const conn = await h.t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(conn.status).toBe("reconnect_needed");
    expect(conn.lastError).toMatch(/^reconnect needed: /);
  });
});
