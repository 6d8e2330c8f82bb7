// POST /api/scoring/preview – how accounts would redistribute across risk levels under a candidate configuration (nothing saved).
import { previewScoringConfigRoute } from "@/lib/api/contracts/admin";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { previewScoringConfig } from "@/lib/queries/scoring-config-api";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(previewScoringConfigRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  return previewScoringConfig(getDb(), caller.organizationId, body);
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
