/**
 * Issue 14 item 9: a method a route does not support is answered 405 in the API's JSON error shape with an
 * `Allow` header — never Next.js's own empty 405 (next/dist/server/route-modules/app-route/helpers/
 * auto-implement-methods.js answers `new Response(null, {status: 405})` for a method a route file does not
 * export). Walks EVERY app/api/**\/route.ts, so a route added later without the
 * `methodsNotAllowed([...])` line (lib/http/method-not-allowed.ts) fails here; and checks each route file
 * implements the methods its contracts (lib/api/contracts, the OpenAPI document) promise.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness } from "../helpers/api";
import { ALL_ROUTES } from "@/lib/api/contracts";
import { allowHeader, NOT_ALLOWED_HANDLER, ROUTE_METHODS, type RouteMethod } from "@/lib/http/method-not-allowed";
import { GET as scoresLatest, POST as scoresLatestPost, DELETE as scoresLatestDelete } from "@/app/api/integrations/scores/latest/route";

const ROOT = path.resolve(__dirname, "../..");
const API_DIR = path.join(ROOT, "app/api");

function routeFiles(dir = API_DIR): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...routeFiles(p));
    else if (name === "route.ts") out.push(p);
  }
  return out.sort();
}

/** app/api/accounts/[id]/route.ts → /api/accounts/{id} (the contracts' path style). */
function contractPath(file: string): string {
  const rel = path.relative(path.join(ROOT, "app"), path.dirname(file)).split(path.sep);
  return "/" + rel.map((s) => s.replace(/^\[(?:\.\.\.)?(.+)\]$/, "{$1}")).join("/");
}

/** A concrete URL for a route path ({id} → "x"). */
function concreteUrl(p: string): string {
  return new URL(p.replace(/\{[^}]+\}/g, "x"), "http://localhost:3000").toString();
}

type Handler = (req: Request, ctx?: unknown) => Response | Promise<Response>;

let app: ApiHarness;
beforeAll(async () => { app = await createApiHarness(); });
afterAll(() => app.cleanup());

describe("405 Method Not Allowed", () => {
  it("POST and DELETE on GET /api/integrations/scores/latest answer 405 JSON naming the allowed methods, with Allow", async () => {
    const admin = await app.signIn("admin");
    for (const [handler, method] of [[scoresLatestPost, "POST"], [scoresLatestDelete, "DELETE"]] as const) {
      const res = await app.call(handler, "/api/integrations/scores/latest", { as: admin, method, body: method === "POST" ? {} : undefined });
      expect(res.status).toBe(405);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
      expect(res.json).toEqual({ error: { code: "method_not_allowed", message: `${method} is not supported on /api/integrations/scores/latest; allowed: GET` } });
    }
    // The route's own method still works.
    expect((await app.call(scoresLatest, "/api/integrations/scores/latest", { as: admin })).status).toBe(200);
  });

  const files = routeFiles();
  it("finds the route files", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  for (const file of files) {
    const rel = path.relative(ROOT, file);
    it(`${rel}: every method it does not implement answers 405 JSON with Allow`, async () => {
      const mod = (await import(file)) as Partial<Record<RouteMethod, Handler & { [NOT_ALLOWED_HANDLER]?: readonly RouteMethod[] }>>;
      const missing = ROUTE_METHODS.filter((m) => typeof mod[m] !== "function");
      expect(missing, `${rel} leaves ${missing.join(", ")} to Next.js's empty 405: add export const { ${missing.join(", ")} } = methodsNotAllowed([...its methods]) (lib/http/method-not-allowed.ts)`).toEqual([]);
      const real = ROUTE_METHODS.filter((m) => !mod[m]![NOT_ALLOWED_HANDLER]);
      expect(real.length, `${rel} implements no method`).toBeGreaterThan(0);
      // What the contracts promise for this path is implemented by a real handler.
      const promised = ALL_ROUTES.filter((c) => c.path === contractPath(file)).map((c) => c.method);
      for (const m of promised) expect(real, `${rel}: contract ${m} ${contractPath(file)} has no handler`).toContain(m);
      for (const m of ROUTE_METHODS.filter((x) => !real.includes(x))) {
        const h = mod[m]!;
        expect([...h[NOT_ALLOWED_HANDLER]!].sort(), `${rel}: ${m}'s 405 names the wrong methods`).toEqual([...real].sort());
        const res = await h(new Request(concreteUrl(contractPath(file)), { method: m }));
        expect(res.status).toBe(405);
        expect(res.headers.get("allow")).toBe(allowHeader(real));
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("method_not_allowed");
        expect(body.error.message).toContain(`allowed: ${real.join(", ")}`);
      }
    });
  }
});
