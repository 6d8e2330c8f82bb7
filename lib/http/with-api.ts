/**
 * The one wrapper every /api route handler goes through:
 *   export const GET = withApi(contract, async ({ caller, query }) => result);
 * It assigns a request id (header x-request-id, echoed), authenticates per `contract.auth` (session
 * cookie with a minimum role, optionally the cron bearer), parses params/query/body with the contract's
 * zod schemas, runs the handler, converts the result to snake_case JSON, and maps errors to
 * `{error:{code,message,fields?}}` with the right status. Unknown errors become a generic 500 whose
 * message names the request id — internals are logged, never returned. One log line per request.
 */
import { randomUUID } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { DEFAULT_MAX_BODY_BYTES, type RouteContract } from "@/lib/api/contract";
import { authenticate, type CallerContext } from "@/lib/auth/context";
import { AppError, isAppError, type FieldErrors } from "@/lib/errors";
import { logger, type Logger } from "@/lib/logger";
import { toSnakeCase } from "./case";

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export type ApiContext<C extends RouteContract> = {
  req: NextRequest;
  requestId: string;
  log: Logger;
  /** null only for `auth: "public"` routes. */
  caller: C["auth"] extends "public" ? null : CallerContext;
  params: Infer<C["params"]>;
  query: Infer<C["query"]>;
  body: Infer<C["body"]>;
};

/** zod issues → {"a.b": "message"} */
export function zodFields(err: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const i of err.issues) {
    const key = i.path.length ? i.path.join(".") : "(root)";
    out[key] ??= i.message;
  }
  return out;
}

function describeFields(fields: FieldErrors): string {
  return Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; ");
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const fields = zodFields(r.error);
    throw new AppError("validation_failed", `invalid ${where} — ${describeFields(fields)}`, { fields });
  }
  return r.data;
}

/**
 * The request body as text, read at most `maxBytes` bytes (UTF-8): a `Content-Length` above the limit is
 * refused before anything is read, and a chunked body is cut off as soon as it passes the limit — an
 * oversized body is never buffered or parsed in full.
 * @throws AppError payload_too_large (413) naming the limit.
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new AppError("payload_too_large", `request body is larger than ${maxBytes} bytes, the limit of this endpoint: send a smaller body`);
  const declared = Number(req.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!req.body) return "";
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString("utf8");
}

/** searchParams → object; repeated keys become arrays. */
export function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function errorResponse(err: unknown, requestId: string, log: Logger): NextResponse {
  if (isAppError(err)) {
    if (err.status >= 500) log.error({ err, code: err.code }, "request failed");
    return NextResponse.json(err.toJSON(), { status: err.status, headers: { "x-request-id": requestId } });
  }
  log.error({ err }, "unhandled error");
  return NextResponse.json(
    { error: { code: "internal_error", message: `something went wrong on our side; retry, and if it persists report request id ${requestId}` } },
    { status: 500, headers: { "x-request-id": requestId } },
  );
}

export function withApi<C extends RouteContract>(
  contract: C,
  handler: (ctx: ApiContext<C>) => Promise<unknown>,
) {
  return async (req: NextRequest, routeCtx?: { params?: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    const requestId = req.headers.get("x-request-id")?.slice(0, 64) || randomUUID();
    const log = logger.child({ requestId, method: req.method, route: contract.path });
    const started = performance.now();
    let status = 500;
    try {
      const caller = contract.auth === "public"
        ? null
        : await authenticate(req.headers, { role: contract.auth.role, allowCron: contract.auth.cron });
      const params = contract.params ? parseWith(contract.params, (await routeCtx?.params) ?? {}, "path parameters") : undefined;
      const query = contract.query ? parseWith(contract.query, queryObject(new URL(req.url)), "query parameters") : undefined;
      let body: unknown;
      if (contract.body) {
        const text = await readBodyText(req, contract.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
        let json: unknown;
        try {
          json = text.trim() === "" ? {} : JSON.parse(text);
        } catch {
          throw new AppError("invalid_json", "request body is not valid JSON: send Content-Type: application/json with a JSON object");
        }
        body = parseWith(contract.body, json, "request body");
      }
      const result = await handler({ req, requestId, log, caller, params, query, body } as ApiContext<C>);
      let res: Response;
      if (result instanceof Response) res = result;
      else if (result === undefined) res = new NextResponse(null, { status: 204 });
      else res = NextResponse.json(toSnakeCase(result));
      res.headers.set("x-request-id", requestId);
      status = res.status;
      return res;
    } catch (err) {
      const res = errorResponse(err, requestId, log);
      status = res.status;
      return res;
    } finally {
      log.info({ status, ms: Math.round(performance.now() - started), caller: undefined }, "request");
    }
  };
}
