/**
 * List conventions for every API route: `?limit=` (1-200, default 50) and `?cursor=` (opaque),
 * answer `{ data: [...], total, next_cursor }` (next_cursor null on the last page).
 * Cursors are base64url JSON, e.g. an offset or a keyset position; clients must treat them as opaque.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";

export const MAX_LIMIT = 200;
/** Largest offset an offset cursor may carry (far past any list this API serves). */
export const MAX_OFFSET = 10_000_000;

export const ZListQuery = z.object({
  limit: z.coerce.number().int().min(1, "must be between 1 and 200").max(MAX_LIMIT, "must be between 1 and 200").default(50)
    .describe("Page size, 1-200 (default 50)."),
  cursor: z.string().min(1).optional().describe("Opaque cursor from the previous page's next_cursor."),
});

export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** @throws AppError validation_failed when the cursor was not made by encodeCursor. */
export function decodeCursor<T extends Record<string, unknown>>(cursor: string | undefined): T | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (v && typeof v === "object") return v as T;
  } catch {
    /* fall through */
  }
  throw new AppError("validation_failed", "cursor is not valid: pass the next_cursor value from the previous page unchanged", {
    fields: { cursor: "invalid cursor" },
  });
}

/** Offset-based cursor helpers for simple lists. */
export function offsetFromCursor(cursor: string | undefined): number {
  const c = decodeCursor<{ o?: number }>(cursor);
  const o = c?.o ?? 0;
  // Bounded: a crafted cursor ({"o":1e20}) is a 400, never a database error.
  if (!Number.isSafeInteger(o) || o < 0 || o > MAX_OFFSET) throw new AppError("validation_failed", "cursor is not valid", { fields: { cursor: "invalid cursor" } });
  return o;
}

export type ListResponse<T> = { data: T[]; total: number; next_cursor: string | null };

export function listResponse<T>(data: T[], total: number, nextCursor: string | null): ListResponse<T> {
  return { data, total, next_cursor: nextCursor };
}

/** Build a list response from an offset page: next cursor present while offset + page < total. */
export function offsetPage<T>(data: T[], total: number, offset: number): ListResponse<T> {
  const next = offset + data.length < total && data.length > 0 ? encodeCursor({ o: offset + data.length }) : null;
  return listResponse(data, total, next);
}
