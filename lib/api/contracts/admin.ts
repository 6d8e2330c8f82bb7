/** Contracts of identity review, scoring configuration, models and user management. */
import { z } from "zod";
import { defineRoute } from "../contract";

export const listMatchesRoute = defineRoute({
  method: "GET", path: "/api/accounts/matches", summary: "Ambiguous identity matches awaiting review (or decided ones)", tags: ["identity"],
  auth: { role: "admin" },
  query: z.object({
    status: z.enum(["pending", "confirmed", "rejected"]).default("pending"),
    limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().optional(),
  }).strict(),
});
export const ZLinkParams = z.object({ id: z.string().min(1) });
export const createLinkRoute = defineRoute({
  method: "POST", path: "/api/accounts/{id}/links", summary: "Confirm a candidate or link a source record to this account (a manual decision that survives re-syncs)", tags: ["identity"],
  auth: { role: "admin" }, params: ZLinkParams,
  body: z.union([
    z.object({ candidate_id: z.string().min(1) }).strict(),
    z.object({ source_record_id: z.string().min(1) }).strict(),
  ], { error: "send {candidate_id} to confirm a review candidate, or {source_record_id} to link a record" }),
});
export const rejectMatchRoute = defineRoute({
  method: "POST", path: "/api/accounts/matches/{id}/reject", summary: "Reject a review candidate (never proposed again)", tags: ["identity"],
  auth: { role: "admin" }, params: ZLinkParams,
});
export const deleteLinkRoute = defineRoute({
  method: "DELETE", path: "/api/accounts/{id}/links/{linkId}", summary: "Unlink a source record from the account (it becomes its own account; manual)", tags: ["identity"],
  auth: { role: "admin" }, params: z.object({ id: z.string().min(1), linkId: z.string().min(1) }),
});

export const getScoringConfigRoute = defineRoute({
  method: "GET", path: "/api/scoring/config", summary: "The active scoring configuration (weights, penalties, thresholds) and its version", tags: ["scoring"],
  auth: { role: "csm", cron: true },
});
export const putScoringConfigRoute = defineRoute({
  method: "PUT", path: "/api/scoring/config", summary: "Save a new scoring configuration version (weights total 100; thresholds ordered)", tags: ["scoring"],
  auth: { role: "admin" },
  body: z.object({
    weights: z.record(z.string(), z.number()).describe("factor key → weight; non-negative, total 100"),
    penalties: z.array(z.object({ key: z.string(), points: z.number(), enabled: z.boolean() })).optional(),
    thresholds: z.object({ healthy: z.number(), at_risk: z.number() }),
    rescore: z.boolean().default(true).describe("Re-score today's accounts with the new version"),
  }).strict(),
});
export const previewScoringConfigRoute = defineRoute({
  method: "POST", path: "/api/scoring/preview", summary: "How accounts would redistribute across risk levels under a candidate configuration (nothing saved)", tags: ["scoring"],
  auth: { role: "admin" }, body: putScoringConfigRoute.body,
});
export const backtestRoute = defineRoute({
  method: "GET", path: "/api/scoring/backtest", summary: "How well the current health score and model ranked accounts that churned in the last 90/180 days (ROC AUC, lift, ROC curve)", tags: ["scoring"],
  auth: { role: "csm", cron: true },
});
export const fitScoringRoute = defineRoute({
  method: "POST", path: "/api/scoring/fit", summary: "Fit to our history: fit factor weights, penalties and thresholds to the organization's churn outcomes in the background (fit-scoring-job; nothing is saved). Poll GET /api/jobs/{id}; the result has the candidate config and the backtest before and after", tags: ["scoring"],
  auth: { role: "admin" },
});
export const applyFitRoute = defineRoute({
  method: "POST", path: "/api/scoring/fit/{id}/apply", summary: "Save the candidate of a finished fit-scoring-job as a new scoring config version (admin) and re-score today", tags: ["scoring"],
  auth: { role: "admin" }, params: z.object({ id: z.string().min(1) }),
});
export const trainModelRoute = defineRoute({
  method: "POST", path: "/api/models/train", summary: "Train the churn model on the organization's history (admin or cron)", tags: ["scoring"],
  auth: { role: "admin", cron: true }, query: z.object({ organization: z.string().optional() }).strict(),
});
export const listModelsRoute = defineRoute({
  method: "GET", path: "/api/models", summary: "Trained churn models with their metrics (newest first)", tags: ["scoring"],
  auth: { role: "csm", cron: true },
});

const ZRole = z.enum(["owner", "admin", "csm"]);
export const listUsersRoute = defineRoute({
  method: "GET", path: "/api/users", summary: "Members of the organization with their roles", tags: ["users"], auth: { role: "admin" },
});
export const createUserRoute = defineRoute({
  method: "POST", path: "/api/users", summary: "Add a user with a role; the one-time password is returned once", tags: ["users"], auth: { role: "admin" },
  body: z.object({ email: z.string().max(254, "must be at most 254 characters (RFC 5321)").email(), name: z.string().trim().min(1).max(120), role: ZRole }).strict(),
});
export const updateUserRoute = defineRoute({
  method: "PATCH", path: "/api/users/{id}", summary: "Change a member's role (the last owner cannot be demoted)", tags: ["users"], auth: { role: "admin" },
  params: z.object({ id: z.string().min(1) }), body: z.object({ role: ZRole }).strict(),
});
export const deleteUserRoute = defineRoute({
  method: "DELETE", path: "/api/users/{id}", summary: "Remove a member (the last owner cannot be removed)", tags: ["users"], auth: { role: "admin" },
  params: z.object({ id: z.string().min(1) }),
});

export const adminRoutes = [
  listMatchesRoute, createLinkRoute, rejectMatchRoute, deleteLinkRoute,
  getScoringConfigRoute, putScoringConfigRoute, previewScoringConfigRoute, backtestRoute, fitScoringRoute, applyFitRoute, trainModelRoute, listModelsRoute,
  listUsersRoute, createUserRoute, updateUserRoute, deleteUserRoute,
];
