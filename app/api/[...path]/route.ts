// Any unknown /api route – 404 JSON (never an HTML page).
import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

function notFound(req: Request) {
  const path = new URL(req.url).pathname;
  return NextResponse.json(
    { error: { code: "not_found", message: `no API route ${req.method} ${path}; see /api/openapi.json for the list of routes` } },
    { status: 404 },
  );
}
export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
