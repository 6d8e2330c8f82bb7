/**
 * HubSpot sandbox: tasks and notes created through the batch API (issue 16's write-back), kept apart from the
 * portfolio's engagement store.
 *
 * What HubSpot documents:
 * - POST /crm/v3/objects/{tasks|notes}/batch/create takes `{inputs: [{properties, associations?, objectWriteTraceId?}]}`,
 *   at most 100 inputs (https://developers.hubspot.com/docs/api-reference/crm-tasks-v3/guide,
 *   .../crm-notes-v3/guide: "hs_timestamp" is required for both; tasks take hs_task_subject, hs_task_body,
 *   hs_task_status NOT_STARTED | COMPLETED …; notes take hs_note_body).
 * - `associations[].types[]` are `{associationCategory: "HUBSPOT_DEFINED", associationTypeId}`; task → company is
 *   192, note → company 190 (https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide,
 *   "Association type ID values"); an association to a record that does not exist fails that input.
 * - The answer is 201 when every input was created, 207 Multi-Status when some failed: `results` (the created
 *   objects, each with the `objectWriteTraceId` of its input) and `errors` (`{status:"error", category, message,
 *   context}`), `numErrors`; the SDK's BatchResponseSimplePublicObject / ...WithErrors models
 *   (node_modules/@hubspot/api-client/lib/codegen/crm/objects/tasks/models).
 * - GET /crm/v3/objects/tasks lists tasks (`results`, `paging.next.after`).
 * - POST /crm/v3/objects/tasks/batch/update takes `{inputs: [{id, properties}]}` (≤ 100) and answers the updated
 *   objects; ids it cannot update come back in `errors` with `numErrors` (the multi-status shape of
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/activities/tasks/batch/update-tasks; the SDK's
 *   `crm.objects.tasks.batchApi.update`, BatchInputSimplePublicObjectBatchInput). Updating sets hs_lastmodifieddate.
 */
import { z } from "zod";

export type ActivityType = "tasks" | "notes";
export type CreatedActivity = { id: string; type: ActivityType; properties: Record<string, string>; companyIds: string[]; createdAt: number; objectWriteTraceId?: string };

export const TASK_TO_COMPANY = 192;
export const NOTE_TO_COMPANY = 190;

export const ZActivityBatchCreate = z.object({
  inputs: z.array(z.object({
    properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    associations: z.array(z.object({
      to: z.object({ id: z.union([z.string(), z.number()]) }),
      types: z.array(z.object({ associationCategory: z.enum(["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED"]), associationTypeId: z.number().int() })).min(1),
    })).optional(),
    objectWriteTraceId: z.string().max(200).optional(),
  })),
});

export const ZActivityBatchUpdate = z.object({
  inputs: z.array(z.object({
    id: z.union([z.string(), z.number()]),
    properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    objectWriteTraceId: z.string().max(200).optional(),
  })),
});

/** Created tasks and notes, in creation order. */
export class ActivityWrites {
  readonly items: CreatedActivity[] = [];
  /** Every applied update, in order (tests count them: one per change, none on an unchanged task). */
  readonly updates: { id: string; type: ActivityType; properties: Record<string, string>; at: number }[] = [];
  private nextId = 90_000_000_001;

  /**
   * Apply one batch create. `companyExists` says whether an association target is a live company.
   * Returns the HTTP status (201 / 207 / 400) and body.
   */
  batchCreate(type: ActivityType, b: z.infer<typeof ZActivityBatchCreate>, now: number, companyExists: (id: string) => boolean): { status: number; body: unknown } {
    if (b.inputs.length > 100) return { status: 400, body: { status: "error", category: "VALIDATION_ERROR", message: `inputs: at most 100 inputs per batch, got ${b.inputs.length}` } };
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const startedAt = new Date(now).toISOString();
    const wantType = type === "tasks" ? TASK_TO_COMPANY : NOTE_TO_COMPANY;
    for (const inp of b.inputs) {
      const props = Object.fromEntries(Object.entries(inp.properties).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]));
      const fail = (message: string, category = "VALIDATION_ERROR") => errors.push({ status: "error", category, message, context: { objectWriteTraceId: [inp.objectWriteTraceId ?? ""] } });
      if (!props.hs_timestamp || Number.isNaN(Date.parse(props.hs_timestamp))) { fail(`Property "hs_timestamp" is required and must be a date-time`); continue; }
      if (type === "tasks" && props.hs_task_status && !["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"].includes(props.hs_task_status)) { fail(`${props.hs_task_status} was not a valid hs_task_status`); continue; }
      const companyIds: string[] = [];
      let bad: string | null = null;
      for (const a of inp.associations ?? []) {
        const id = String(a.to.id);
        if (!a.types.some((t) => t.associationTypeId === wantType)) { bad = `association type ${a.types.map((t) => t.associationTypeId).join(",")} is not ${type}→companies (${wantType})`; break; }
        if (!companyExists(id)) { bad = `No company with id ${id} exists`; break; }
        companyIds.push(id);
      }
      if (bad) { fail(bad, bad.startsWith("No ") ? "OBJECT_NOT_FOUND" : "VALIDATION_ERROR"); continue; }
      const rec: CreatedActivity = { id: String(this.nextId++), type, properties: { ...props, hs_createdate: new Date(now).toISOString() }, companyIds, createdAt: now, objectWriteTraceId: inp.objectWriteTraceId };
      this.items.push(rec);
      results.push(render(rec));
    }
    const body: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: new Date(now).toISOString() };
    if (errors.length) { body.numErrors = errors.length; body.errors = errors; }
    return { status: errors.length ? 207 : 201, body };
  }

  /** Apply one batch update. Returns the HTTP status (200 / 207 / 400) and body. */
  batchUpdate(type: ActivityType, b: z.infer<typeof ZActivityBatchUpdate>, now: number): { status: number; body: unknown } {
    if (b.inputs.length > 100) return { status: 400, body: { status: "error", category: "VALIDATION_ERROR", message: `inputs: at most 100 inputs per batch, got ${b.inputs.length}` } };
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const startedAt = new Date(now).toISOString();
    for (const inp of b.inputs) {
      const id = String(inp.id);
      const props = Object.fromEntries(Object.entries(inp.properties).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]));
      const rec = this.items.find((x) => x.id === id && x.type === type);
      if (!rec) { errors.push({ status: "error", category: "OBJECT_NOT_FOUND", message: `Object not found. objectId are usually numeric. (${id})`, context: { ids: [id] } }); continue; }
      if (type === "tasks" && props.hs_task_status && !["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"].includes(props.hs_task_status)) {
        errors.push({ status: "error", category: "VALIDATION_ERROR", message: `${props.hs_task_status} was not a valid hs_task_status`, context: { ids: [id] } });
        continue;
      }
      Object.assign(rec.properties, props, { hs_lastmodifieddate: new Date(now).toISOString() });
      this.updates.push({ id, type, properties: props, at: now });
      results.push(render(rec));
    }
    const body: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: new Date(now).toISOString() };
    if (errors.length) { body.numErrors = errors.length; body.errors = errors; }
    return { status: errors.length ? 207 : 200, body };
  }

  /** GET /crm/v3/objects/tasks: a page of created tasks. */
  list(type: ActivityType, limit: number, after: number): { results: unknown[]; paging?: { next: { after: string } } } {
    const all = this.items.filter((x) => x.type === type);
    const page = all.slice(after, after + limit).map(render);
    return after + limit < all.length ? { results: page, paging: { next: { after: String(after + limit) } } } : { results: page };
  }
}

function render(r: CreatedActivity) {
  const iso = new Date(r.createdAt).toISOString();
  return { id: r.id, properties: { ...r.properties, hs_object_id: r.id }, createdAt: iso, updatedAt: iso, archived: false, ...(r.objectWriteTraceId ? { objectWriteTraceId: r.objectWriteTraceId } : {}) };
}
