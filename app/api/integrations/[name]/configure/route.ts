// POST /api/integrations/{name}/configure – Test & Save a HubSpot token or Stripe key (JSON body only).
import { NextResponse } from "next/server";
import { configureRoute } from "@/lib/api/contracts/integrations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { summarizeConnections } from "@/lib/integrations/connection-summary";
import { configureConnection } from "@/lib/integrations/manage-connections";
import { toSnakeCase } from "@/lib/http/case";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

const SECRET_PARAMS = /^(api_?key|key|token|access_token|secret|private_app_token)$/i;

export const POST = withApi(configureRoute, async ({ caller, params, body, req }) => {
  const leaked = [...new URL(req.url).searchParams.keys()].find((k) => SECRET_PARAMS.test(k));
  if (leaked) {
    throw new AppError("bad_request",
      `do not send "${leaked}" in the query string: URLs are written to server and proxy logs. Send it in the JSON body instead, e.g. {"${params.name === "stripe" ? "api_key" : "token"}": "…"}, and rotate this credential since it may have been logged.`,
      { fields: { [leaked]: "credentials are accepted in the JSON body only" } });
  }
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin to connect an integration");
  const db = getDb();
  const r = await configureConnection(db, { provider: params.name, organizationId: caller.organizationId, userId: caller.userId, body });
  const [connection] = (await summarizeConnections(db, { organizationId: caller.organizationId })).filter((c) => c.id === r.connectionId);
  return NextResponse.json(
    { connection: toSnakeCase(connection), missing_scopes: r.missingScopes, warnings: r.warnings, created: r.created },
    { status: r.created ? 201 : 200 },
  );
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
