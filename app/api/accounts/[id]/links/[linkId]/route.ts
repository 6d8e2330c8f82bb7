// DELETE /api/accounts/{id}/links/{linkId} – detach a source record from the account (a manual decision that survives re-syncs).
import { deleteLinkRoute } from "@/lib/api/contracts/admin";
import { unlinkSourceRecord } from "@/lib/accounts/unlink-source-record";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const DELETE = withApi(deleteLinkRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const r = await unlinkSourceRecord(getDb(), { organizationId: caller.organizationId, accountId: params.id, sourceRecordId: params.linkId, userId: caller.userId });
  return { sourceRecordId: r.sourceRecordId, previousAccountId: r.previousAccountId, accountId: r.accountId };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, POST, PUT, PATCH } = methodsNotAllowed(["DELETE"]);
