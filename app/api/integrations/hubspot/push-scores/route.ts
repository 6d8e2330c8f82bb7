// POST /api/integrations/hubspot/push-scores – push changed health scores to HubSpot now (admin or cron), in the background.
import { hubspotPushScoresRoute } from "@/lib/api/contracts/hubspot";
import { enqueuePushScores } from "@/lib/connectors/hubspot/jobs";
import { getDb } from "@/lib/db";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(hubspotPushScoresRoute, async ({ caller, body }) => {
  const jobs = await enqueuePushScores(getDb(), { organizationId: caller.kind === "user" ? caller.organizationId : null, connectionId: body.connection_id });
  return { jobs: jobs.map((j) => ({ id: j.id, status: j.status })) };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
