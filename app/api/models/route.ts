// GET /api/models – the organization's trained churn models with their metrics, newest first (parameters omitted).
import { listModelsRoute } from "@/lib/api/contracts/admin";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listModelsRoute, async ({ caller, req }) => {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, new URL(req.url).searchParams.get("organization"));
  const rows = await db.churnModel.findMany({
    where: { organizationId }, orderBy: { version: "desc" }, take: 20,
    select: { id: true, version: true, status: true, algorithm: true, horizonDays: true, features: true, metrics: true, trainingRows: true, positives: true, isActive: true, notes: true, trainedAt: true },
  });
  const data = rows.map(({ features, ...m }) => ({ ...m, featureCount: Array.isArray(features) ? features.length : 0 }));
  return { data, total: data.length, active: data.find((m) => m.isActive) ?? null };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
