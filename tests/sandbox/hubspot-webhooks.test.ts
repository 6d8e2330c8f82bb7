/**
 * HubSpot webhooks from the sandbox: record changes made through the control API are POSTed to
 * the configured target as HubSpot's v3 event arrays, with signatures the SDK's
 * `Signature.isValid` accepts; duplicate and out-of-order delivery on request.
 */
import { Client } from "@hubspot/api-client";
import { Signature } from "@hubspot/api-client/lib/src/utils/signature";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/sandbox";
import { makeTinyPortfolio } from "./fixtures/tiny-portfolio";

type Received = { headers: Record<string, string | string[] | undefined>; body: string; url: string };
let sb: Sandbox;
let receiver: Server;
let target: string;
let received: Received[] = [];
let answer = 200;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), url: req.url ?? "" });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/hubspot?src=sandbox`;
  sb = await startSandbox({ portfolio: makeTinyPortfolio(), ports: { hubspot: 0, stripe: 0 }, limits: false, webhooks: { hubspot: { url: target } } });
});
afterAll(async () => {
  await sb?.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  received = [];
  answer = 200;
  sb.control.setWebhook("hubspot", { url: target, duplicate: false, outOfOrder: false });
});

type HsEvent = { eventId: number; subscriptionType: string; objectId: number; propertyName?: string; propertyValue?: string; portalId: number; occurredAt: number; attemptNumber: number; subscriptionId: number };

describe("HubSpot webhooks", () => {
  it("signs a propertyChange delivery so Signature.isValid (v3) accepts it", async () => {
    const r = (await sb.control.mutate("hubspot", { type: "companies", op: "update", id: "105", properties: { name: "Renamed Co", industry: "SaaS" } })) as { deliveries: { status: number }[] };
    expect(r.deliveries).toEqual([expect.objectContaining({ status: 200 })]);
    expect(received).toHaveLength(1);
    const [d] = received;
    const events = JSON.parse(d.body) as HsEvent[];
    expect(events).toHaveLength(2); // name and industry changed (industry was EdTech)
    expect(events[0]).toMatchObject({ subscriptionType: "company.propertyChange", objectId: 105, propertyName: "name", propertyValue: "Renamed Co", portalId: 4242, attemptNumber: 0 });
    expect(events[0].occurredAt).toBeLessThan(Date.now() - 86_400_000); // sandbox clock (Jan 2026 portfolio)
    const secret = (sb.info.hubspot.webhook as { clientSecret: string }).clientSecret;
    expect(secret).toBe((sb.info.hubspot.oauth as { clientSecret: string }).clientSecret);
    const valid = Signature.isValid({
      signatureVersion: "v3", method: "POST", clientSecret: secret, requestBody: d.body, url: target,
      signature: String(d.headers["x-hubspot-signature-v3"]), timestamp: Number(d.headers["x-hubspot-request-timestamp"]),
    });
    expect(valid).toBe(true);
    // a tampered body does not validate
    expect(Signature.isValid({
      signatureVersion: "v3", method: "POST", clientSecret: secret, requestBody: d.body.replace("Renamed", "Hacked"), url: target,
      signature: String(d.headers["x-hubspot-signature-v3"]), timestamp: Number(d.headers["x-hubspot-request-timestamp"]),
    })).toBe(false);
  });

  it("sends creation and deletion events, and the changes are visible through the API", async () => {
    const created = (await sb.control.mutate("hubspot", { type: "companies", op: "create", properties: { name: "Brand New", domain: "brandnew.example.com" } })) as { id: string };
    await sb.control.mutate("hubspot", { type: "companies", op: "delete", id: "110" });
    const types = received.flatMap((d) => (JSON.parse(d.body) as HsEvent[]).map((e) => `${e.subscriptionType}:${e.objectId}`));
    expect(types).toEqual([`company.creation:${created.id}`, "company.deletion:110"]);
    const hs = new Client({ accessToken: sb.info.hubspot.privateAppToken, basePath: sb.hubspotUrl });
    const got = await hs.crm.companies.basicApi.getById(created.id, ["name"]);
    expect(got.properties.name).toBe("Brand New");
    await expect(hs.crm.companies.basicApi.getById("110")).rejects.toMatchObject({ code: 404 });
    const archived = await hs.crm.companies.basicApi.getPage(100, undefined, undefined, undefined, undefined, true);
    expect(archived.results.map((c) => c.id)).toEqual(["110"]);
  });

  it("delivers twice when duplicate is on and reverses batches when outOfOrder is on", async () => {
    sb.control.setWebhook("hubspot", { duplicate: true, outOfOrder: true });
    await sb.control.mutate("hubspot", { type: "contacts", op: "update", id: "1001", properties: { firstname: "A", lastname: "B" } });
    expect(received).toHaveLength(2);
    expect(received[0].body).toBe(received[1].body);
    const evs = JSON.parse(received[0].body) as HsEvent[];
    expect(evs.map((e) => e.propertyName)).toEqual(["lastname", "firstname"]);
    expect(evs[0].eventId).toBeGreaterThan(evs[1].eventId);
    expect(evs[0].subscriptionType).toBe("contact.propertyChange");
  });

  it("reports a failing target without failing the change", async () => {
    answer = 500;
    const r = (await sb.control.mutate("hubspot", { type: "companies", op: "update", id: "106", properties: { name: "Still Saved" } })) as { deliveries: { status: number }[] };
    expect(r.deliveries[0].status).toBe(500);
    expect(sb.control.stats().hubspot["webhook.failed"]).toBeGreaterThan(0);
    const hs = new Client({ accessToken: sb.info.hubspot.privateAppToken, basePath: sb.hubspotUrl });
    expect((await hs.crm.companies.basicApi.getById("106", ["name"])).properties.name).toBe("Still Saved");
  });
});
