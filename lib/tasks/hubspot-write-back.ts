/**
 * HubSpot write-back of tasks and notes (issue 16), optional per organization (AlertSettings.hubspotWriteBack).
 *
 * Vendor behaviour (HubSpot CRM v3 objects API; @hubspot/api-client `crm.objects.tasks.batchApi.create` /
 * `crm.objects.notes.batchApi.create`, i.e. POST /crm/v3/objects/{tasks|notes}/batch/create, at most 100 inputs):
 * - Each input is `{properties, associations: [{to: {id}, types: [{associationCategory: "HUBSPOT_DEFINED",
 *   associationTypeId}]}], objectWriteTraceId}`; task → company is association type 192, note → company 190
 *   (https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide, "Association type ID values").
 * - Tasks need `hs_timestamp` (the due date) and take `hs_task_subject`, `hs_task_status` (NOT_STARTED | COMPLETED);
 *   notes need `hs_timestamp` and take `hs_note_body` (https://developers.hubspot.com/docs/api-reference/crm-tasks-v3/guide,
 *   .../crm-notes-v3/guide).
 * - A batch answers 201 when every input was created, 207 (multi-status) when some failed: `results` hold the
 *   created objects (with the `objectWriteTraceId` of their input — results are not in input order), `errors` the
 *   failures. The SDK resolves on 207, so both lists are read here: created rows get their HubSpot id, failed
 *   rows keep the error (shown on the account page) and are tried again on the next run.
 *
 * - Completing or re-opening a task that HubSpot already has updates that HubSpot task: `hs_task_status` COMPLETED /
 *   NOT_STARTED with `crm.objects.tasks.batchApi.update` (POST /crm/v3/objects/tasks/batch/update, `{inputs: [{id,
 *   properties}]}`, ≤ 100; https://developers.hubspot.com/docs/api-reference/legacy/crm/activities/tasks/batch/update-tasks).
 *   Task.hubspotStatus keeps the status last written, so only a task whose done state differs is sent, once; ids
 *   HubSpot cannot update (207 `errors`, e.g. a task deleted in HubSpot) keep the error and are tried on the next run.
 * - The association type ids are HubSpot-defined and confirmed in the SDK's own enum (@hubspot/api-client 14.0.1
 *   lib/src/enums/AssociationTypes.d.ts: `noteToCompany = 190`, `taskToCompany = 192`).
 *
 * No duplicates: a row is sent only while `hubspotId` is NULL, and the id is stored as soon as the batch answers.
 * No echo loop: the HubSpot sync never turns HubSpot tasks or notes into Churnwatch tasks or notes (notes come back
 * only as engagements, which count toward the engagement factor like any other HubSpot note), and a status update is
 * sent only when the done state differs from the status last written: the next sync or run changes nothing.
 */
import type { Db } from "@/lib/db";
import { AssociationTypes } from "@hubspot/api-client";
import { openClient, type OpenClientOptions } from "@/lib/connectors/hubspot/connection";

export const TASK_TO_COMPANY: number = AssociationTypes.taskToCompany; // 192
export const NOTE_TO_COMPANY: number = AssociationTypes.noteToCompany; // 190
const BATCH = 100;
const MAX_ROWS_PER_RUN = 2_000;

export type WriteBackResult = { connections: number; tasksCreated: number; notesCreated: number; tasksUpdated: number; failed: number; skippedNoCompany: number };

/** The hs_task_status of a Churnwatch task's done state. */
export const taskStatus = (done: boolean): "COMPLETED" | "NOT_STARTED" => (done ? "COMPLETED" : "NOT_STARTED");

type Created = { id: string; objectWriteTraceId?: string };
type BatchAnswer = { results?: Created[]; errors?: { message?: string; context?: Record<string, string[]> }[] };

/**
 * Write the organization's unsent tasks and notes to HubSpot, each to the HubSpot company linked to its account
 * (the first connected HubSpot connection with a company for it). Returns counts; per-row errors are stored.
 */
export async function writeBackTasksAndNotes(db: Db, p: { organizationId: string; clientOptions?: OpenClientOptions }): Promise<WriteBackResult> {
  const { organizationId } = p;
  const out: WriteBackResult = { connections: 0, tasksCreated: 0, notesCreated: 0, tasksUpdated: 0, failed: 0, skippedNoCompany: 0 };
  const settings = await db.alertSettings.findUnique({ where: { organizationId } });
  if (!settings?.hubspotWriteBack) return out;
  const conns = await db.connection.findMany({ where: { organizationId, provider: "hubspot", status: { in: ["connected", "error"] } }, orderBy: { createdAt: "asc" } });
  if (!conns.length) return out;
  const tasks = await db.task.findMany({ where: { organizationId, hubspotId: null }, orderBy: { createdAt: "asc" }, take: MAX_ROWS_PER_RUN });
  const notes = await db.note.findMany({ where: { organizationId, hubspotId: null }, orderBy: { createdAt: "asc" }, take: MAX_ROWS_PER_RUN });
  // Tasks HubSpot has whose done state differs from the status last written (NULL: unknown, send once).
  const changed = await db.task.findMany({
    where: {
      organizationId, hubspotId: { not: null },
      OR: [{ hubspotStatus: null }, { done: true, hubspotStatus: { not: "COMPLETED" } }, { done: false, hubspotStatus: { not: "NOT_STARTED" } }],
    },
    orderBy: { updatedAt: "asc" }, take: MAX_ROWS_PER_RUN,
  });
  if (changed.length) await updateTaskStatuses(db, organizationId, conns, changed, out, p.clientOptions);
  if (!tasks.length && !notes.length) return out;
  const accountIds = [...new Set([...tasks, ...notes].map((r) => r.accountId))];
  const companies = await db.sourceRecord.findMany({
    where: { organizationId, objectType: "company", accountId: { in: accountIds }, connectionId: { in: conns.map((c) => c.id) }, archivedAt: null },
    select: { accountId: true, connectionId: true, externalId: true },
    orderBy: { createdAt: "asc" },
  });
  const companyOf = new Map<string, { connectionId: string; externalId: string }>();
  for (const c of companies) if (c.accountId && !companyOf.has(c.accountId)) companyOf.set(c.accountId, c);

  for (const conn of conns) {
    const myTasks = tasks.filter((t) => companyOf.get(t.accountId)?.connectionId === conn.id);
    const myNotes = notes.filter((n) => companyOf.get(n.accountId)?.connectionId === conn.id);
    if (!myTasks.length && !myNotes.length) continue;
    out.connections++;
    const { client } = await openClient(db, conn.id, p.clientOptions);
    for (let i = 0; i < myTasks.length; i += BATCH) {
      const chunk = myTasks.slice(i, i + BATCH);
      const inputs = chunk.map((t) => ({
        objectWriteTraceId: t.id,
        properties: {
          hs_timestamp: (t.dueAt ?? t.createdAt).toISOString(),
          hs_task_subject: t.title,
          hs_task_status: taskStatus(t.done),
          hs_task_body: "Created in Churnwatch",
        },
        associations: [{ to: { id: companyOf.get(t.accountId)!.externalId }, types: [{ associationCategory: "HUBSPOT_DEFINED" as const, associationTypeId: TASK_TO_COMPANY }] }],
      }));
      const r = await sendBatch(client, "tasks", inputs);
      out.tasksCreated += await store(db, "task", chunk.map((t) => t.id), r, new Map(chunk.map((t) => [t.id, taskStatus(t.done)])));
      out.failed += chunk.length - (r.ok ? (r.answer.results?.length ?? 0) : 0);
    }
    for (let i = 0; i < myNotes.length; i += BATCH) {
      const chunk = myNotes.slice(i, i + BATCH);
      const inputs = chunk.map((n) => ({
        objectWriteTraceId: n.id,
        properties: { hs_timestamp: n.createdAt.toISOString(), hs_note_body: n.body },
        associations: [{ to: { id: companyOf.get(n.accountId)!.externalId }, types: [{ associationCategory: "HUBSPOT_DEFINED" as const, associationTypeId: NOTE_TO_COMPANY }] }],
      }));
      const r = await sendBatch(client, "notes", inputs);
      out.notesCreated += await store(db, "note", chunk.map((n) => n.id), r);
      out.failed += chunk.length - (r.ok ? (r.answer.results?.length ?? 0) : 0);
    }
  }
  out.skippedNoCompany = tasks.length + notes.length - [...tasks, ...notes].filter((r) => companyOf.has(r.accountId)).length;
  return out;
}

type SendResult = { ok: true; answer: BatchAnswer } | { ok: false; error: string };

async function sendBatch(client: Awaited<ReturnType<typeof openClient>>["client"], type: "tasks" | "notes", inputs: unknown[]): Promise<SendResult> {
  try {
    const answer = await client.call<BatchAnswer>(`batch-create:${type}`, (sdk) =>
      type === "tasks"
        ? sdk.crm.objects.tasks.batchApi.createWithHttpInfo({ inputs } as never) as never
        : sdk.crm.objects.notes.batchApi.createWithHttpInfo({ inputs } as never) as never,
    );
    return { ok: true, answer };
  } catch (err) {
    return { ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, 300) };
  }
}

async function store(db: Db, kind: "task" | "note", ids: string[], r: SendResult, statusOf?: Map<string, string>): Promise<number> {
  if (!r.ok) {
    if (kind === "task") await db.task.updateMany({ where: { id: { in: ids }, hubspotId: null }, data: { hubspotError: r.error } });
    else await db.note.updateMany({ where: { id: { in: ids }, hubspotId: null }, data: { hubspotError: r.error } });
    return 0;
  }
  let created = 0;
  const done = new Set<string>();
  for (const res of r.answer.results ?? []) {
    const id = res.objectWriteTraceId;
    if (!id || !ids.includes(id) || done.has(id)) continue;
    done.add(id);
    if (kind === "task") await db.task.update({ where: { id }, data: { hubspotId: String(res.id), hubspotError: null, hubspotStatus: statusOf?.get(id) ?? null } });
    else await db.note.update({ where: { id }, data: { hubspotId: String(res.id), hubspotError: null } });
    created++;
  }
  const failedIds = ids.filter((id) => !done.has(id));
  if (failedIds.length) {
    const msg = (r.answer.errors ?? []).map((e) => e.message).filter(Boolean).join("; ").slice(0, 300) || "HubSpot did not create it (207)";
    if (kind === "task") await db.task.updateMany({ where: { id: { in: failedIds }, hubspotId: null }, data: { hubspotError: msg } });
    else await db.note.updateMany({ where: { id: { in: failedIds }, hubspotId: null }, data: { hubspotError: msg } });
  }
  return created;
}

type TaskRow = { id: string; done: boolean; hubspotId: string | null; accountId: string };

/**
 * Send the done state of tasks HubSpot already has (`hs_task_status`), with the connection their company belongs
 * to, ≤ 100 per batch update; store the status written per task, or HubSpot's error for the ones it refused.
 */
async function updateTaskStatuses(db: Db, organizationId: string, conns: { id: string }[], rows: TaskRow[], out: WriteBackResult, clientOptions?: OpenClientOptions): Promise<void> {
  const companies = await db.sourceRecord.findMany({
    where: { organizationId, objectType: "company", accountId: { in: [...new Set(rows.map((r) => r.accountId))] }, connectionId: { in: conns.map((c) => c.id) }, archivedAt: null },
    select: { accountId: true, connectionId: true }, orderBy: { createdAt: "asc" },
  });
  const connOf = new Map<string, string>();
  for (const c of companies) if (c.accountId && !connOf.has(c.accountId)) connOf.set(c.accountId, c.connectionId);
  for (const conn of conns) {
    const mine = rows.filter((r) => connOf.get(r.accountId) === conn.id);
    if (!mine.length) continue;
    const { client } = await openClient(db, conn.id, clientOptions);
    for (let i = 0; i < mine.length; i += BATCH) {
      const chunk = mine.slice(i, i + BATCH);
      const sent = new Map(chunk.map((t) => [t.hubspotId!, { id: t.id, status: taskStatus(t.done) }]));
      const inputs = chunk.map((t) => ({ id: t.hubspotId!, properties: { hs_task_status: taskStatus(t.done) } }));
      let answer: BatchAnswer;
      try {
        answer = await client.call<BatchAnswer>("batch-update:tasks", (sdk) => sdk.crm.objects.tasks.batchApi.updateWithHttpInfo({ inputs } as never) as never);
      } catch (err) {
        const msg = (err instanceof Error ? err.message : String(err)).slice(0, 300);
        await db.task.updateMany({ where: { organizationId, id: { in: chunk.map((t) => t.id) } }, data: { hubspotError: msg } });
        out.failed += chunk.length;
        continue;
      }
      const ok = new Set<string>();
      for (const res of answer.results ?? []) {
        const s = sent.get(String(res.id));
        if (!s || ok.has(s.id)) continue;
        ok.add(s.id);
        // Only if the task still has that state: a toggle meanwhile is sent on the next run.
        await db.task.updateMany({ where: { organizationId, id: s.id, done: s.status === "COMPLETED" }, data: { hubspotStatus: s.status, hubspotError: null } });
        out.tasksUpdated++;
      }
      const failed = chunk.filter((t) => !ok.has(t.id));
      if (failed.length) {
        const msg = (answer.errors ?? []).map((e) => e.message).filter(Boolean).join("; ").slice(0, 300) || "HubSpot did not update it (207)";
        await db.task.updateMany({ where: { organizationId, id: { in: failed.map((t) => t.id) } }, data: { hubspotError: msg } });
        out.failed += failed.length;
      }
    }
  }
}
