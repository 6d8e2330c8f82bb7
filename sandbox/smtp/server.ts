/**
 * SMTP sink (issue 16): an SMTP server (the `smtp-server` package) that accepts every message, keeps it in memory
 * and shows the messages over HTTP, so alert e-mails and digests can be tested and demoed without a mail provider.
 * Accepts plain SMTP without TLS and any (or no) AUTH PLAIN/LOGIN credentials, like a development catcher.
 *
 * HTTP: GET /__smtp/messages → {messages:[{from, to, subject, text, receivedAt}]}; POST /__smtp/reset; GET / → HTML.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export type SmtpReceived = { from: string; to: string[]; subject: string; text: string; raw: string; receivedAt: string };

export type SmtpSandbox = {
  /** SMTP_URL for the app, e.g. smtp://127.0.0.1:2525. */
  smtpUrl: string;
  smtpPort: number;
  /** Base URL of the HTTP viewer. */
  httpUrl: string;
  messages: () => SmtpReceived[];
  reset: () => void;
  close: () => Promise<void>;
};

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0];
  const m = head.match(new RegExp(`^${name}:([^\\r\\n]*(?:\\r?\\n[ \\t][^\\r\\n]*)*)`, "im"));
  if (!m) return "";
  const v = m[1].replace(/\r?\n[ \t]/g, " ").trim();
  // RFC 2047 encoded words (nodemailer encodes non-ASCII subjects).
  // White space between adjacent encoded words is not part of the text (RFC 2047 §6.2).
  return v.replace(/\?=\s+=\?/g, "?==?").replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, s: string) =>
    enc.toLowerCase() === "b" ? Buffer.from(s, "base64").toString("utf8") : decodeQ(s.replaceAll("_", " ")));
}

function decodeQ(s: string): string {
  return Buffer.from(s.replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
}

/** The text/plain part of a message (quoted-printable or base64 decoded, as nodemailer may send either), or the body. */
function textPart(raw: string): string {
  const i = raw.search(/content-type:\s*text\/plain/i);
  const part = i >= 0 ? raw.slice(i) : raw;
  const body = part.split(/\r?\n\r?\n/).slice(1).join("\n\n");
  const end = body.search(/\r?\n--[^\r\n]+/);
  const t = end >= 0 ? body.slice(0, end) : body;
  const head = part.slice(0, 400);
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(t.replace(/\s+/g, ""), "base64").toString("utf8");
  return /content-transfer-encoding:\s*quoted-printable/i.test(head) ? decodeQ(t.replace(/=\r?\n/g, "")) : t;
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Start the SMTP sink on `smtpPort` and its viewer on `httpPort` (0 = any free port). */
export async function startSmtpSandbox(opts: { smtpPort?: number; httpPort?: number; host?: string } = {}): Promise<SmtpSandbox> {
  const host = opts.host ?? "127.0.0.1";
  const received: SmtpReceived[] = [];
  const smtp = new SMTPServer({
    secure: false, disabledCommands: ["STARTTLS"], authOptional: true, logger: false, banner: "Churnwatch SMTP sandbox",
    onAuth(_auth, _session, cb) { cb(null, { user: "sandbox" }); },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, "Subject"),
          text: textPart(raw),
          raw,
          receivedAt: new Date().toISOString(),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(opts.smtpPort ?? 0, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    if (req.method === "GET" && url.pathname === "/__smtp/messages") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ messages: received.map(({ raw: _raw, ...m }) => m) }));
    }
    if (req.method === "POST" && url.pathname === "/__smtp/reset") {
      received.length = 0;
      res.writeHead(200, { "content-type": "application/json" });
      return res.end("{}");
    }
    if (req.method === "GET" && url.pathname === "/") {
      const rows = received.map((m) => `<li><b>${escapeHtml(m.subject)}</b> → ${escapeHtml(m.to.join(", "))} <small>${m.receivedAt}</small><pre>${escapeHtml(m.text)}</pre></li>`).join("");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(`<!doctype html><title>SMTP sandbox</title><h1>SMTP sandbox: ${received.length} messages</h1><ul>${rows}</ul>`);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.httpPort ?? 0, host, () => resolve());
  });
  const httpPort = (http.address() as AddressInfo).port;
  return {
    smtpUrl: `smtp://${host}:${smtpPort}`, smtpPort, httpUrl: `http://${host}:${httpPort}`,
    messages: () => [...received],
    reset: () => { received.length = 0; },
    close: async () => {
      http.closeAllConnections?.();
      await Promise.all([new Promise<void>((r) => http.close(() => r())), new Promise<void>((r) => smtp.close(() => r()))]);
    },
  };
}
