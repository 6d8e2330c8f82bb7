// /api/auth/* – better-auth: sign-in (POST /api/auth/sign-in/email), sign-out, session.
// Sign-in is throttled per address (better-auth, from the address lib/auth/client-ip.ts trusts) and per account
// (lib/auth/sign-in-throttle.ts).
import { NextResponse } from "next/server";
import { toNextJsHandler } from "better-auth/next-js";
import { getAuth } from "@/lib/auth/auth";
import { clientAddress, CLIENT_IP_HEADER } from "@/lib/auth/client-ip";
import { recordSignIn, signInRetryAfterMs } from "@/lib/auth/sign-in-throttle";
import { env } from "@/lib/env";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

/** The request with our client-address header set from the trusted part of X-Forwarded-For (any incoming one dropped). */
function withClientAddress(req: Request, body?: string): Request {
  const headers = new Headers(req.headers);
  headers.delete(CLIENT_IP_HEADER);
  const ip = clientAddress(req.headers, env().TRUSTED_PROXY_HOPS);
  if (ip) headers.set(CLIENT_IP_HEADER, ip);
  return new Request(req.url, { method: req.method, headers, body: body ?? (req.method === "GET" || req.method === "HEAD" ? undefined : req.body), duplex: "half" } as RequestInit);
}

export async function GET(req: Request) {
  return toNextJsHandler(getAuth()).GET(withClientAddress(req));
}

export async function POST(req: Request) {
  if (!new URL(req.url).pathname.endsWith("/sign-in/email")) return toNextJsHandler(getAuth()).POST(withClientAddress(req));
  const text = await req.text();
  let email: string | null = null;
  try {
    const v = JSON.parse(text) as { email?: unknown };
    if (typeof v?.email === "string" && v.email.length <= 254) email = v.email;
  } catch { /* better-auth answers the malformed body */ }
  if (email) {
    const wait = signInRetryAfterMs(email);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return NextResponse.json(
        { error: { code: "rate_limited", message: `too many failed sign-ins for this account: try again in ${Math.ceil(seconds / 60)} minute(s), or ask an admin to reset the password` } },
        { status: 429, headers: { "retry-after": String(seconds) } },
      );
    }
  }
  const res = await toNextJsHandler(getAuth()).POST(withClientAddress(req, text));
  if (email && (res.ok || res.status === 401)) recordSignIn(email, res.ok);
  return res;
}

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { PUT, PATCH, DELETE } = methodsNotAllowed(["GET", "POST"]);
