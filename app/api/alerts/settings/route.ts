// GET /api/alerts/settings · PUT (admin) – Slack webhook (write-only), digest time, HubSpot write-back.
import { getAlertSettingsRoute, putAlertSettingsRoute } from "@/lib/api/contracts/alerts";
import { getAlertSettings, saveAlertSettings } from "@/lib/alerts/rules";
import { scheduleNextDigest } from "@/lib/alerts/digest";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(getAlertSettingsRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  return getAlertSettings(getDb(), caller.organizationId);
});

export const PUT = withApi(putAlertSettingsRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const s = await saveAlertSettings(getDb(), caller.organizationId, body);
  await scheduleNextDigest(getDb(), caller.organizationId);
  return s;
});

export const { POST, PATCH, DELETE } = methodsNotAllowed(["GET", "PUT"]);
