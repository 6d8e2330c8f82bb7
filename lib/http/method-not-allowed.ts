/**
 * 405 answers in the API's JSON error shape for the methods a route file does not implement.
 *
 * Next.js (16.4, `next/dist/server/route-modules/app-route/helpers/auto-implement-methods.js`) answers a
 * method a route file does not export with `new Response(null, {status: 405})`: an empty body and no `Allow`
 * header (it only derives `Allow` for its automatic OPTIONS; HEAD runs GET). Every route file therefore also
 * exports the methods it does not implement, from this helper:
 *
 *   export const GET = withApi(contract, …);
 *   export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
 *
 * Each such handler answers 405 `{error:{code:"method_not_allowed",message:"… allowed: GET"}}` with
 * `Allow: GET, HEAD, OPTIONS` (HEAD when GET is allowed, OPTIONS always — what Next.js implements
 * for them). tests/security/method-not-allowed.test.ts walks every app/api/**\/route.ts and fails when a route
 * file (including one added later) leaves a method to Next.js's empty 405 or lists its methods wrongly.
 */
import { randomUUID } from "node:crypto";
import { NextResponse } from "next/server";

/** The methods a route file answers itself (HEAD and OPTIONS are implemented by Next.js from these). */
export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** Marks a handler made by {@link methodsNotAllowed} (the route-walking test tells them from real handlers by it). */
export const NOT_ALLOWED_HANDLER = Symbol.for("churnwatch.methodNotAllowed");

type NotAllowedHandler = ((req: Request) => Response) & { [NOT_ALLOWED_HANDLER]: readonly RouteMethod[] };

/** The `Allow` header value for a route implementing `allowed`: those, HEAD with GET, and OPTIONS (sorted, RFC 9110 §10.2.1). */
export function allowHeader(allowed: readonly RouteMethod[]): string {
  const all = new Set<string>([...allowed, "OPTIONS"]);
  if (all.has("GET")) all.add("HEAD");
  return [...all].sort().join(", ");
}

/**
 * One 405 handler for every method of {@link ROUTE_METHODS} that is not in `allowed` (the route file's own
 * handlers), to export from the route file by name.
 * @returns an object keyed by method (only the methods not in `allowed`); each answers 405 JSON with `Allow`.
 */
export function methodsNotAllowed<const A extends readonly RouteMethod[]>(allowed: A): Record<Exclude<RouteMethod, A[number]>, (req: Request) => Response> {
  const handler = Object.assign((req: Request): Response => {
    const path = new URL(req.url).pathname;
    return NextResponse.json(
      { error: { code: "method_not_allowed", message: `${req.method} is not supported on ${path}; allowed: ${allowed.join(", ")}` } },
      { status: 405, headers: { allow: allowHeader(allowed), "x-request-id": req.headers.get("x-request-id")?.slice(0, 64) || randomUUID() } },
    );
  }, { [NOT_ALLOWED_HANDLER]: allowed }) satisfies NotAllowedHandler;
  const out: Partial<Record<RouteMethod, (req: Request) => Response>> = {};
  for (const m of ROUTE_METHODS) if (!allowed.includes(m)) out[m] = handler;
  return out as Record<Exclude<RouteMethod, A[number]>, (req: Request) => Response>;
}
