// POST /api/accounts/{id}/links – confirm a review candidate ({candidate_id}) or link a record ({source_record_id}) to this account.
import { createLinkRoute } from "@/lib/api/contracts/admin";
import { confirmMatch } from "@/lib/accounts/confirm-match";
import { linkSourceRecord } from "@/lib/accounts/link-source-record";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(createLinkRoute, async ({ caller, params, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const db = getDb();
  if ("candidate_id" in body) {
    const cand = await db.matchCandidate.findFirst({ where: { id: body.candidate_id, organizationId: caller.organizationId } });
    if (!cand) throw new AppError("not_found", `match candidate ${body.candidate_id} not found`);
    if (cand.accountId !== params.id) throw new AppError("bad_request", `candidate ${body.candidate_id} proposes account ${cand.accountId}, not ${params.id}`, { fields: { candidate_id: "belongs to another account" } });
    const r = await confirmMatch(db, { organizationId: caller.organizationId, candidateId: cand.id, userId: caller.userId });
    return { candidateId: r.candidateId, accountId: r.accountId, sourceRecordId: r.sourceRecordId, previousAccountId: r.previousAccountId, previousAccountDeleted: r.previousAccountDeleted };
  }
  const r = await linkSourceRecord(db, { organizationId: caller.organizationId, accountId: params.id, sourceRecordId: body.source_record_id, userId: caller.userId });
  return { candidateId: r.candidateId, accountId: r.accountId, sourceRecordId: r.sourceRecordId, previousAccountId: r.previousAccountId, previousAccountDeleted: r.previousAccountDeleted };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
