/**
 * Request hardening (issue 14 items 4 and 9): bodies above a route's limit are refused with 413 JSON before
 * they are read in full or parsed (webhooks included, signed or not); crafted offset cursors are a 400.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { POST as hubspotWebhook } from "@/app/api/webhooks/hubspot/route";
import { POST as stripeWebhook } from "@/app/api/webhooks/stripe/route";
import { POST as configure } from "@/app/api/integrations/[name]/configure/route";
import { GET as listAccounts } from "@/app/api/accounts/route";
import { readBodyText } from "@/lib/http/with-api";

let app: ApiHarness;
let admin: Session;
beforeAll(async () => {
  app = await createApiHarness();
  admin = await app.signIn("admin");
});
afterAll(() => app.cleanup());

/** A body streamed in 64 KB chunks without Content-Length; counts how many chunks the server pulled. */
function streamed(totalBytes: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  const stats = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= totalBytes) return c.close();
      stats.pulled++;
      sent += chunk.byteLength;
      c.enqueue(chunk);
    },
  });
  return { body, stats };
}

describe("request size limits", () => {
  it("a 10 MB unsigned webhook body is refused with 413 JSON, on both webhook routes", async () => {
    const big = "[" + " ".repeat(10 * 1024 * 1024) + "]";
    for (const [handler, path] of [[hubspotWebhook, "/api/webhooks/hubspot"], [stripeWebhook, "/api/webhooks/stripe"]] as const) {
      const r = await app.call(handler, path, { method: "POST", rawBody: big, headers: { "content-type": "application/json", "content-length": String(big.length) } });
      expect(r.status).toBe(413);
      expect(r.json.error).toMatchObject({ code: "payload_too_large", message: expect.stringMatching(/larger than 1048576 bytes/) });
    }
  });

  it("a chunked body without Content-Length is cut off as soon as it passes the limit", async () => {
    const { body, stats } = streamed(10 * 1024 * 1024);
    const init = { method: "POST", body, duplex: "half" }; // duplex: a streamed request body (fetch spec)
    const req = new NextRequest("http://localhost:3000/api/webhooks/hubspot", init as ConstructorParameters<typeof NextRequest>[1]);
    const res = await hubspotWebhook(req, { params: Promise.resolve({}) });
    expect(res.status).toBe(413);
    expect(stats.pulled).toBeLessThan(40); // ~17 chunks of 64 KB pass 1 MiB; 160 would be the whole body
  });

  it("an ordinary JSON route refuses a body above 256 KB with 413 and still answers normal bodies", async () => {
    const r = await app.call(configure, "/api/integrations/hubspot/configure", { as: admin, params: { name: "hubspot" }, body: { token: "x".repeat(300 * 1024) } });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe("payload_too_large");
    const small = await app.call(configure, "/api/integrations/hubspot/configure", { as: admin, params: { name: "hubspot" }, body: { nope: 1 } });
    expect(small.status).toBe(400);
  });

  it("readBodyText returns the exact text of a body within the limit", async () => {
    const text = JSON.stringify([{ a: "é✓" }]);
    expect(await readBodyText(new Request("http://x/", { method: "POST", body: text }), 1024)).toBe(text);
  });
});

describe("crafted cursors", () => {
  it("an offset cursor of 1e20 is a 400 naming the cursor, not a 500", async () => {
    const cursor = Buffer.from(JSON.stringify({ o: 1e20 })).toString("base64url");
    const r = await app.call(listAccounts, `/api/accounts?cursor=${cursor}`, { as: admin });
    expect(r.status).toBe(400);
    expect(r.json.error.fields).toMatchObject({ cursor: expect.any(String) });
  });
});

describe("credentials", () => {
  it("a token with a control character is a 400 naming the field, and the token is never echoed", async () => {
    const token = "pat-na1-secret\u0001value-0123456789";
    const r = await app.call(configure, "/api/integrations/hubspot/configure", { as: admin, params: { name: "hubspot" }, body: { token } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields).toHaveProperty("token");
    expect(r.text).not.toContain("secret");
    const k = await app.call(configure, "/api/integrations/stripe/configure", { as: admin, params: { name: "stripe" }, body: { api_key: "rk_test_abc def" } });
    expect(k.status).toBe(400);
    expect(k.json.error.fields).toHaveProperty("api_key");
    expect(k.text).not.toContain("abc def");
  });
});

describe("OAuth redirect targets", () => {
  it("redirect_to that a browser would resolve to another host is a 400 on both connect routes", async () => {
    const { POST: stripeConnect } = await import("@/app/api/integrations/stripe/connect/route");
    const { POST: hubspotConnect } = await import("@/app/api/integrations/hubspot/connect/route");
    for (const bad of ["/\\evil.example", "//evil.example", "https://evil.example/", "/\\/evil.example"]) {
      for (const [handler, path] of [[stripeConnect, "/api/integrations/stripe/connect"], [hubspotConnect, "/api/integrations/hubspot/connect"]] as const) {
        const r = await app.call(handler, path, { as: admin, body: { redirect_to: bad } });
        expect(r.status, `${path} ${bad}`).toBe(400);
        expect(r.json.error.fields).toHaveProperty("redirect_to");
      }
    }
  });
});
