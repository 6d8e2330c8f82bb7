/** CSV responses: `?format=csv` or `Accept: text/csv` on list routes. */
import type { NextRequest } from "next/server";

export function wantsCsv(req: NextRequest, format?: string): boolean {
  return format === "csv" || (format !== "json" && (req.headers.get("accept") ?? "").includes("text/csv"));
}

export function csvResponse(body: string | ReadableStream<Uint8Array>, filename: string): Response {
  return new Response(body, { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"` } });
}
