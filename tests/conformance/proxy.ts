/**
 * A recording HTTP proxy for the conformance suite: the connectors' SDKs talk HTTP to it (their base
 * URL points here), it forwards every request unchanged to the sandbox and records the exchange
 * (method, path, query, request body, status, response headers, response body). It also receives
 * webhook deliveries (`POST /api/webhooks/<vendor>`, the app's own path, so the URL HubSpot signs is the public one) and hands them to a handler (the app's route).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Exchange = {
  vendor: "hubspot" | "stripe";
  /** "request" = a call the connector made; "webhook" = a delivery the vendor made to us. */
  direction: "request" | "webhook";
  method: string;
  path: string;
  query: URLSearchParams;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
};

export type RecordingProxy = {
  url(vendor: "hubspot" | "stripe"): string;
  webhookUrl(vendor: "hubspot" | "stripe"): string;
  exchanges: Exchange[];
  close(): Promise<void>;
};

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

const flat = (h: IncomingMessage["headers"] | Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
};

const HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

/**
 * Starts one proxy server per vendor (so each SDK's base URL is a plain origin).
 * @param targets vendor → sandbox base URL.
 * @param onWebhook called with each webhook delivery (vendor, raw body, headers); its status is answered.
 */
export async function startRecordingProxy(
  targets: { hubspot: string; stripe: string },
  onWebhook: (vendor: "hubspot" | "stripe", body: string, headers: Record<string, string>) => Promise<number>,
): Promise<RecordingProxy> {
  const exchanges: Exchange[] = [];
  const servers: Record<string, { server: Server; url: string }> = {};
  for (const vendor of ["hubspot", "stripe"] as const) {
    const server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const u = new URL(req.url ?? "/", "http://proxy");
        if (u.pathname.startsWith("/api/webhooks/")) {
          const headers = flat(req.headers);
          const status = await onWebhook(vendor, body.toString("utf8"), headers).catch(() => 500);
          exchanges.push({ vendor, direction: "webhook", method: req.method ?? "POST", path: u.pathname, query: u.searchParams, requestHeaders: headers, requestBody: body.toString("utf8"), status, responseHeaders: {}, responseBody: "" });
          res.writeHead(status).end();
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(flat(req.headers))) if (!HOP.has(k)) headers[k] = v;
        const r = await fetch(`${targets[vendor]}${u.pathname}${u.search}`, {
          method: req.method, headers, body: body.length && req.method !== "GET" && req.method !== "HEAD" ? new Uint8Array(body) : undefined, redirect: "manual",
        });
        const out = Buffer.from(await r.arrayBuffer());
        const rh = flat(r.headers);
        exchanges.push({ vendor, direction: "request", method: req.method ?? "GET", path: u.pathname, query: u.searchParams, requestHeaders: flat(req.headers), requestBody: body.toString("utf8"), status: r.status, responseHeaders: rh, responseBody: out.toString("utf8") });
        const pass: Record<string, string> = {};
        for (const [k, v] of Object.entries(rh)) if (!HOP.has(k) && k !== "content-encoding") pass[k] = v;
        res.writeHead(r.status, pass).end(out);
      })().catch((e: unknown) => {
        res.writeHead(502, { "content-type": "text/plain" }).end(String(e));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers[vendor] = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }
  return {
    url: (v) => servers[v]!.url,
    webhookUrl: (v) => `${servers[v]!.url}/api/webhooks/${v}`,
    exchanges,
    close: async () => {
      for (const s of Object.values(servers)) {
        s.server.closeAllConnections();
        await new Promise<void>((resolve) => s.server.close(() => resolve()));
      }
    },
  };
}
