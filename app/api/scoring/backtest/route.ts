// GET /api/scoring/backtest – how well the current health-score config and the active churn model ranked the accounts that churned in the last 90/180 days (ROC AUC, top-decile lift, ROC curve ≤ 50 points).
import { backtestRoute } from "@/lib/api/contracts/admin";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { withApi } from "@/lib/http/with-api";
import { backtest } from "@/lib/scoring/backtest";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";
export const maxDuration = 120;

export const GET = withApi(backtestRoute, async ({ caller, req }) => {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, new URL(req.url).searchParams.get("organization"));
  return backtest(db, { organizationId, now: new Date() });
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
