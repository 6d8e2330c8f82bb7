/**
 * Slack-compatible incoming-webhook receiver (issue 16): records every message posted to
 * `POST /services/<T…>/<B…>/<secret>` and answers like Slack does, so alert delivery can be tested and demoed.
 *
 * What Slack documents (https://api.slack.com/messaging/webhooks, "Handling errors"; https://api.slack.com/docs/rate-limits):
 * - success: HTTP 200, `Content-Type: text/html`, body `ok`;
 * - a bad body: 400 `invalid_payload`; a message without `text` and without `blocks`: 400 `no_text`;
 *   an unknown webhook: 404 `no_service`; a server problem: 500 `rollup_error`;
 * - "Posting messages: 1 per second" per webhook (short bursts allowed); beyond it HTTP 429 with a `Retry-After`
 *   header giving the seconds to wait.
 * The sandbox can be told to fail the next N posts with 5xx or 429 + Retry-After (the control API below), which
 * is how the tests check that a message is delivered exactly once through failures.
 *
 * Control (JSON): GET /__slack/messages → {messages:[{webhook, receivedAt, body}]}; POST /__slack/fail
 * {status: 500|503|429, times: N, retryAfterSeconds?}; POST /__slack/reset; GET / → an HTML page of the messages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type SlackReceived = { webhook: string; receivedAt: string; body: { text?: string; blocks?: unknown[] } };
export type SlackFailure = { status: number; times: number; retryAfterSeconds?: number };

export type SlackSandbox = {
  url: string;
  port: number;
  /** A webhook URL this receiver accepts (`/services/TSANDBOX/B<n>/<secret>`). */
  webhookUrl: (name?: string) => string;
  messages: () => SlackReceived[];
  /** Fail the next `times` posts with `status` (429 adds Retry-After). */
  fail: (f: SlackFailure) => void;
  /** Attempts answered with an error so far. */
  failures: () => number;
  reset: () => void;
  close: () => Promise<void>;
};

const PATH = /^\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/;

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

async function readBody(req: IncomingMessage, max = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new Error("too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Start the receiver on `port` (0 = any free port). */
export async function startSlackSandbox(opts: { port?: number; host?: string } = {}): Promise<SlackSandbox> {
  const host = opts.host ?? "127.0.0.1";
  const received: SlackReceived[] = [];
  const queue: SlackFailure[] = [];
  let failures = 0;

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": body.startsWith("{") ? "application/json; charset=utf-8" : "text/html; charset=utf-8", ...headers });
    res.end(body);
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://sandbox");
      if (req.method === "GET" && url.pathname === "/__slack/messages") return send(res, 200, JSON.stringify({ messages: received }));
      if (req.method === "POST" && url.pathname === "/__slack/reset") { received.length = 0; queue.length = 0; failures = 0; return send(res, 200, "{}"); }
      if (req.method === "POST" && url.pathname === "/__slack/fail") {
        const b = JSON.parse((await readBody(req)) || "{}") as Partial<SlackFailure>;
        queue.push({ status: Number(b.status ?? 500), times: Number(b.times ?? 1), retryAfterSeconds: b.retryAfterSeconds });
        return send(res, 200, "{}");
      }
      if (req.method === "GET" && url.pathname === "/") {
        const rows = received.map((m) => `<li><b>${escapeHtml(m.receivedAt)}</b> ${escapeHtml(m.webhook)}<pre>${escapeHtml(blocksText(m.body))}</pre></li>`).join("");
        return send(res, 200, `<!doctype html><meta charset="utf-8"><title>Slack sandbox</title><h1>Slack sandbox: ${received.length} messages</h1><ul>${rows}</ul>`);
      }
      const m = url.pathname.match(PATH);
      if (req.method !== "POST" || !m) return send(res, 404, "no_service");
      const raw = await readBody(req);
      const head = queue[0];
      if (head) {
        head.times--;
        if (head.times <= 0) queue.shift();
        failures++;
        if (head.status === 429) return send(res, 429, "rate_limited", { "retry-after": String(head.retryAfterSeconds ?? 1) });
        return send(res, head.status, "rollup_error");
      }
      let body: SlackReceived["body"];
      try {
        body = JSON.parse(raw) as SlackReceived["body"];
        if (!body || typeof body !== "object") throw new Error("not an object");
      } catch {
        return send(res, 400, "invalid_payload");
      }
      if (!body.text && !(Array.isArray(body.blocks) && body.blocks.length)) return send(res, 400, "no_text");
      received.push({ webhook: `${m[1]}/${m[2]}`, receivedAt: new Date().toISOString(), body });
      return send(res, 200, "ok");
    })().catch(() => send(res, 400, "invalid_payload"));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    url, port,
    webhookUrl: (name = "B0ALERTS") => `${url}/services/TSANDBOX/${name.toUpperCase().replace(/[^A-Z0-9]/g, "")}/sandboxsecret0001`,
    messages: () => [...received],
    fail: (f) => { queue.push({ ...f }); },
    failures: () => failures,
    reset: () => { received.length = 0; queue.length = 0; failures = 0; },
    close: () => new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

/**
 * A message as a reader sees it in Slack, in plain text: each Block Kit block's text (header, section text and
 * fields, context elements) and each button's label and URL; the top-level `text` when there are no blocks.
 */
export function blocksText(body: { text?: string; blocks?: unknown[] }): string {
  type B = { type?: string; text?: { text?: string } | string; fields?: { text?: string }[]; elements?: { text?: { text?: string } | string; url?: string }[] };
  const t = (x: { text?: string } | string | undefined) => (typeof x === "string" ? x : x?.text ?? "");
  const lines: string[] = [];
  for (const b of (body.blocks ?? []) as B[]) {
    if (b.text) lines.push(t(b.text));
    if (b.fields) lines.push(b.fields.map((f) => t(f.text)).join(" · "));
    for (const e of b.elements ?? []) lines.push(e.url ? `[${t(e.text)}] ${e.url}` : t(e.text));
  }
  return lines.length ? lines.filter(Boolean).join("\n") : body.text ?? "";
}
