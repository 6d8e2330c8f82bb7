// GET /api/openapi.json – the OpenAPI 3.1 document of every route, generated from the zod contracts.
import { NextResponse } from "next/server";
import { buildOpenApiDocument } from "@/lib/api/openapi";

export const dynamic = "force-dynamic";

export async function GET() {
  return NextResponse.json(buildOpenApiDocument());
}
