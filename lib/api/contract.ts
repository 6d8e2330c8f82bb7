/**
 * A route contract: method, path, who may call it, and its zod schemas. Route handlers pass their
 * contract to `withApi` (lib/http/with-api.ts), and /api/openapi.json is generated from the same
 * contracts (lib/api/openapi.ts), so the document can't drift from what the handlers validate.
 */
import type { z } from "zod";

/** public: no auth (webhooks verify signatures themselves) · csm/admin/owner: minimum role · cron: also accepts the CRON_SECRET bearer. */
export type RouteAuth = "public" | { role: "csm" | "admin" | "owner"; cron?: boolean };

export type RouteContract = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI-style path, e.g. "/api/accounts/{id}". */
  path: string;
  summary: string;
  tags?: string[];
  auth: RouteAuth;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Schema of the JSON success response (documentation). */
  response?: z.ZodType;
  /** Extra response content types, e.g. "text/csv". */
  produces?: string[];
  /** Largest request body read (bytes); default {@link DEFAULT_MAX_BODY_BYTES}. Larger → 413 before parsing. */
  maxBodyBytes?: number;
};

/** Default request body limit (bytes): far above any form or JSON body this API takes. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export function defineRoute<C extends RouteContract>(c: C): C {
  return c;
}
