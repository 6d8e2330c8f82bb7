/**
 * Score write-back (seed 02 FR-5): Churnwatch's health score, risk level, trend, churn probability
 * and last-scored time as HubSpot company properties in the group `churnwatch`.
 *
 * - Schema, once per connection: `POST /crm/v3/properties/companies/groups` and
 *   `POST /crm/v3/properties/companies` ×5; 409 "already exists" counts as done; success is remembered
 *   in Connection.settings.writeBackSchema so later pushes skip it.
 * - Values: companies linked to a scored account (Account.healthScore/riskLevel/trend/churnProbability/
 *   scoredAt). Only companies whose values differ from SourceRecord.pushedValues are sent, with
 *   `POST /crm/v3/objects/companies/batch/update` in batches of 100. The SDK resolves on 207: failed ids
 *   are retried once, the rest recorded with HubSpot's reason (SyncRun direction outbound, mode write_back).
 * - No echo loop: our update bumps hs_lastmodifieddate, so the next incremental search returns these
 *   companies; write.ts compares their properties without hs_lastmodifieddate and churnwatch_* and
 *   counts them `unchanged` (not a user change; nothing rewritten, nothing rescored).
 * Toggle: Connection.settings.writeBack.
 */
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isPayingAccount } from "@/lib/signals/types";
import { startSyncRun } from "@/lib/sync/sync-runs";
import { PropertyCreateFieldTypeEnum as FieldType, PropertyCreateTypeEnum as PropType, type PropertyCreate } from "@hubspot/api-client/lib/codegen/crm/properties";
import type { HubspotClient } from "./client";
import { openClient, parseSettings, type OpenClientOptions } from "./connection";
import { isHubspotError } from "./errors";

export const PROPERTY_GROUP = { name: "churnwatch", label: "Churnwatch" };
const SCHEMA_VERSION = 1;

/**
 * The company properties write-back creates, as complete `PropertyCreate` bodies (less `groupName`).
 * Every enumeration option carries `label`, `value`, `hidden` and `displayOrder`: `hidden` is REQUIRED by
 * HubSpot's OptionInput (@hubspot/api-client 14.0.1 OptionInput.d.ts: `'hidden': boolean`; HubSpot answers
 * 400 "some of required attributes are not set [hidden]" without it) — shown in HubSpot's pickers: false.
 */
export const WRITE_BACK_PROPERTIES: Omit<PropertyCreate, "groupName">[] = [
  { name: "churnwatch_health_score", label: "Churnwatch health score", type: PropType.Number, fieldType: FieldType.Number, description: "0-100, higher is healthier" },
  { name: "churnwatch_risk_level", label: "Churnwatch risk level", type: PropType.Enumeration, fieldType: FieldType.Select,
    options: [{ label: "Healthy", value: "healthy", displayOrder: 0, hidden: false }, { label: "At risk", value: "at_risk", displayOrder: 1, hidden: false }, { label: "Critical", value: "critical", displayOrder: 2, hidden: false }] },
  { name: "churnwatch_trend", label: "Churnwatch trend", type: PropType.Enumeration, fieldType: FieldType.Select,
    options: [{ label: "Improving", value: "improving", displayOrder: 0, hidden: false }, { label: "Stable", value: "stable", displayOrder: 1, hidden: false }, { label: "Declining", value: "declining", displayOrder: 2, hidden: false }] },
  { name: "churnwatch_churn_probability", label: "Churnwatch churn probability", type: PropType.Number, fieldType: FieldType.Number, description: "0-1, probability of churn in the next 90 days" },
  { name: "churnwatch_last_scored", label: "Churnwatch last scored", type: PropType.Datetime, fieldType: FieldType.Date },
];

export type PushValues = { healthScore: string; riskLevel: string; trend: string; churnProbability: string };

export type PushResult = { runId: string; candidates: number; pushed: number; unchanged: number; failed: { id: string; reason: string }[]; schemaCreated: boolean; requests: number; retries: number; requestsByOp: Record<string, number> };

/** Create the group and properties unless done before. @returns true when anything was created now. */
export async function ensureWriteBackSchema(db: Db, client: HubspotClient, connectionId: string): Promise<boolean> {
  const conn = await db.connection.findUniqueOrThrow({ where: { id: connectionId } });
  const settings = parseSettings(conn.settings) as Record<string, unknown>;
  if (settings.writeBackSchema === SCHEMA_VERSION) return false;
  let created = await client.createCompanyPropertyGroup(PROPERTY_GROUP.name, PROPERTY_GROUP.label);
  for (const p of WRITE_BACK_PROPERTIES) created = (await client.createCompanyProperty({ ...p, groupName: PROPERTY_GROUP.name })) || created;
  await db.connection.update({ where: { id: connectionId }, data: { settings: { ...(conn.settings as object | null ?? {}), writeBackSchema: SCHEMA_VERSION } } });
  return created;
}

function valuesOf(a: { healthScore: number | null; riskLevel: string | null; trend: string | null; churnProbability: number | null; lifecycleState: string | null; mrrCents: number | null }): PushValues {
  return {
    healthScore: a.healthScore === null ? "" : String(Math.round(a.healthScore * 10) / 10),
    // Risk levels are for paying customers only (issue 13): a prospect's or churned account's level is cleared.
    riskLevel: isPayingAccount(a) ? (a.riskLevel ?? "") : "",
    trend: a.trend ?? "",
    churnProbability: a.churnProbability === null ? "" : a.churnProbability.toFixed(4),
  };
}

const same = (a: unknown, b: PushValues) => {
  const x = a as Partial<PushValues> | null;
  return !!x && x.healthScore === b.healthScore && x.riskLevel === b.riskLevel && x.trend === b.trend && x.churnProbability === b.churnProbability;
};

/**
 * Push changed scores of one connection's companies to HubSpot.
 * @throws AppError conflict when write-back is off for the connection; not_found for an unknown one.
 *   HubSpot failures (missing scope, revoked token) end the SyncRun as failed and are rethrown as AppError upstream_error.
 */
export async function pushScores(db: Db, input: { connectionId: string; clientOptions?: OpenClientOptions; jobId?: string }): Promise<PushResult> {
  const { client, settings, organizationId } = await openClient(db, input.connectionId, input.clientOptions);
  if (!settings.writeBack) throw new AppError("conflict", "write-back is off for this HubSpot connection: turn it on in Integrations > HubSpot (needs crm.objects.companies.write and crm.schemas.companies.write)");
  const run = await startSyncRun(db, { organizationId, connectionId: input.connectionId, objectType: "companies", mode: "write_back", direction: "outbound", jobId: input.jobId });
  try {
    const schemaCreated = await ensureWriteBackSchema(db, client, input.connectionId);
    const rows = await db.sourceRecord.findMany({
      where: { connectionId: input.connectionId, objectType: "company", archivedAt: null, account: { is: { scoredAt: { not: null } } } },
      select: { id: true, externalId: true, pushedValues: true, account: { select: { healthScore: true, riskLevel: true, trend: true, churnProbability: true, scoredAt: true, lifecycleState: true, mrrCents: true } } },
      orderBy: { externalId: "asc" },
    });
    const todo: { id: string; externalId: string; values: PushValues; scoredAt: Date }[] = [];
    let unchanged = 0;
    for (const r of rows) {
      if (!r.account?.scoredAt) continue;
      const v = valuesOf(r.account);
      if (same(r.pushedValues, v)) unchanged++;
      else todo.push({ id: r.id, externalId: r.externalId, values: v, scoredAt: r.account.scoredAt });
    }
    const failed: { id: string; reason: string }[] = [];
    let pushed = 0;
    const byExt = new Map(todo.map((t) => [t.externalId, t]));
    const send = async (batch: typeof todo) => client.batchUpdateCompanies(batch.map((t) => ({
      id: t.externalId,
      properties: {
        churnwatch_health_score: t.values.healthScore, churnwatch_risk_level: t.values.riskLevel, churnwatch_trend: t.values.trend,
        churnwatch_churn_probability: t.values.churnProbability, churnwatch_last_scored: String(t.scoredAt.getTime()),
      },
    })));
    for (let i = 0; i < todo.length; i += 100) {
      const batch = todo.slice(i, i + 100);
      let res = await send(batch);
      if (res.failed.length) {
        // 207: retry the failed ids once, then record the rest with HubSpot's reason.
        const retry = await send(res.failed.map((f) => byExt.get(f.id)!).filter(Boolean));
        res = { updated: [...res.updated, ...retry.updated], failed: retry.failed };
      }
      const ok = res.updated.map((id) => byExt.get(id)).filter((t): t is (typeof todo)[number] => !!t);
      const now = new Date();
      await db.$transaction(ok.map((t) => db.sourceRecord.update({ where: { id: t.id }, data: { pushedValues: t.values, pushedAt: now } })));
      pushed += ok.length;
      for (const f of res.failed) { failed.push(f); run.skip(f.id, f.reason); }
      run.addProcessed(ok.length);
      run.requests = client.requestCount;
      await run.flush();
    }
    run.requests = client.requestCount;
    await run.finish(failed.length ? "partial" : "succeeded");
    return { runId: run.id, candidates: rows.length, pushed, unchanged, failed, schemaCreated, requests: client.requestCount, retries: client.retries, requestsByOp: { ...client.requestsByOp } };
  } catch (e) {
    run.requests = client.requestCount;
    const msg = isHubspotError(e) && e.kind === "missing_scope" && e.scope ? `token lacks ${e.scope}` : e instanceof Error ? e.message : String(e);
    await run.finish("failed", { message: msg, guidance: isHubspotError(e) ? e.guidance : undefined });
    if (isHubspotError(e)) throw new AppError("upstream_error", `write-back failed: ${msg}${e.guidance ? ` — ${e.guidance}` : ""}`, { cause: e });
    throw e;
  }
}
