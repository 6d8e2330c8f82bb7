/**
 * Builds the OpenAPI 3.1 document from the route contracts (lib/api/contracts) with zod 4's JSON Schema
 * export — generated, not hand-written, so it matches what withApi validates.
 */
import { z } from "zod";
import type { RouteContract } from "./contract";
import { ALL_ROUTES } from "./contracts";

function schema(s: z.ZodType | undefined, io: "input" | "output") {
  if (!s) return undefined;
  try {
    return z.toJSONSchema(s, { io, unrepresentable: "any" });
  } catch {
    return {};
  }
}

function parameters(c: RouteContract) {
  const out: object[] = [];
  for (const [where, s] of [["path", c.params], ["query", c.query]] as const) {
    const js = schema(s, "input") as { properties?: Record<string, { description?: string }>; required?: string[] } | undefined;
    for (const [name, p] of Object.entries(js?.properties ?? {})) {
      out.push({ name, in: where, required: where === "path" || (js?.required ?? []).includes(name), schema: p, description: p.description });
    }
  }
  return out;
}

export function buildOpenApiDocument(routes: RouteContract[] = ALL_ROUTES) {
  const paths: Record<string, Record<string, object>> = {};
  for (const c of routes) {
    const security = c.auth === "public" ? [] : c.auth.cron ? [{ session: [] }, { cronBearer: [] }] : [{ session: [] }];
    const role = c.auth === "public" ? "public (signature-verified)" : `role ≥ ${c.auth.role}${c.auth.cron ? " or cron bearer" : ""}`;
    (paths[c.path] ??= {})[c.method.toLowerCase()] = {
      summary: c.summary,
      description: `Access: ${role}.`,
      tags: c.tags,
      security,
      parameters: parameters(c),
      ...(c.body ? { requestBody: { required: true, content: { "application/json": { schema: schema(c.body, "input") } } } } : {}),
      responses: {
        "200": {
          description: "OK",
          content: {
            "application/json": { schema: schema(c.response, "output") ?? {} },
            ...Object.fromEntries((c.produces ?? []).map((t) => [t, { schema: { type: "string" } }])),
          },
        },
        "400": { $ref: "#/components/responses/Error" },
        "401": { $ref: "#/components/responses/Error" },
        "403": { $ref: "#/components/responses/Error" },
        "404": { $ref: "#/components/responses/Error" },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Churnwatch API", version: "0.1.0", description: "JSON, snake_case. Lists answer {data, total, next_cursor} with ?limit= (≤ 200) and ?cursor=. Errors answer {error: {code, message, fields?}}." },
    paths,
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "better-auth.session_token" },
        cronBearer: { type: "http", scheme: "bearer", description: "CRON_SECRET" },
      },
      responses: {
        Error: {
          description: "Error",
          content: { "application/json": { schema: { type: "object", properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, fields: { type: "object", additionalProperties: { type: "string" } } }, required: ["code", "message"] } } } } },
        },
      },
    },
  };
}
