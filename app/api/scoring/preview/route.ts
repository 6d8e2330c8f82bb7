// POST /api/scoring/preview – how accounts would redistribute across risk levels under a candidate configuration (nothing saved).
import { previewScoringConfigRoute } from "@/lib/api/contracts/admin";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { previewScoringConfig } from "@/lib/queries/scoring-config-api";
import { withApi } from "@/lib/http/with-api";

export const dynamic = "force-dynamic";

export const POST = withApi(previewScoringConfigRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  return previewScoringConfig(getDb(), caller.organizationId, body);
});
