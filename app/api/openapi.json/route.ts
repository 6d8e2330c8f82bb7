// GET /api/openapi.json – the OpenAPI 3.1 document of every route, generated from the zod contracts.
import { NextResponse } from "next/server";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export async function GET() {
  return NextResponse.json(buildOpenApiDocument());
}

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
