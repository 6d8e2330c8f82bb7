/**
 * Small HTTP helpers shared by the sandbox servers (node:http, no framework).
 * Nothing here knows a vendor's error shape: each vendor module builds its own bodies.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest request body the sandbox accepts (bytes); larger bodies are answered 413 by the caller. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Thrown by readBody when the body exceeds MAX_BODY_BYTES. */
export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body larger than ${MAX_BODY_BYTES} bytes`);
  }
}

/** Reads the raw request body as UTF-8. @throws BodyTooLargeError past MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Writes a JSON response with `Content-Type: application/json;charset=utf-8` and the given extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json;charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A fresh request/correlation id (UUID v4). */
export function requestId(): string {
  return randomUUID();
}

/** Resolves after `ms` milliseconds of real time (0 or less resolves on the next tick). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** Parses a request URL (path + query) relative to a dummy origin. */
export function parseUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? "/", "http://sandbox.local");
}
