/**
 * Browser-side JSON calls to the console's own API (same-origin session cookie).
 *
 * Every API error body is `{error:{code, message, fields?}}` (lib/http/with-api.ts); `apiFetch` turns it
 * into an `ApiError` whose `message` is the server's text, ready to show inline. Network failures and
 * non-JSON answers become an ApiError with code "network_error" / "bad_response".
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields?: Record<string, string>;

  constructor(code: string, message: string, status: number, fields?: Record<string, string>) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
}

type ErrorBody = { error?: { code?: string; message?: string; fields?: Record<string, string> } };

/**
 * `fetch` + JSON in/out. `body` (any JSON value) is sent as application/json.
 * @returns the parsed JSON response (typed by the caller: `apiFetch<{data: X[]}>(…)`).
 * @throws ApiError with the server's message on a non-2xx status.
 */
export async function apiFetch<T>(url: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? "GET",
      headers: init.body !== undefined ? { "content-type": "application/json" } : undefined,
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
      signal: init.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError("network_error", "Could not reach the server. Check your connection and try again.", 0);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    if (!res.ok) throw new ApiError("bad_response", `The server answered ${res.status} ${res.statusText}.`, res.status);
    throw new ApiError("bad_response", "The server sent an answer that is not JSON.", res.status);
  }
  if (!res.ok) {
    const err = (json as ErrorBody | null)?.error;
    const message = err?.message ?? (res.status === 404 ? "This feature is not available on the server yet (404)." : `The server answered ${res.status}.`);
    throw new ApiError(err?.code ?? "http_error", message, res.status, err?.fields);
  }
  return json as T;
}

/** The message to show for anything thrown by `apiFetch` (or other code). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
