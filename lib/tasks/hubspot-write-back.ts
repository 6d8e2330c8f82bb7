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
 * No duplicates: a row is sent only while `hubspotId` is NULL, and the id is stored as soon as the batch answers.
 * No echo loop: the HubSpot sync never turns HubSpot tasks or notes into Churnwatch tasks or notes (notes come back
 * only as engagements, which count toward the engagement factor like any other HubSpot note).
 */
import type { Db } from "@/lib/db";
import { openClient, type OpenClientOptions } from "@/lib/connectors/hubspot/connection";

export const TASK_TO_COMPANY = 192;
export const NOTE_TO_COMPANY = 190;
const BATCH = 100;
const MAX_ROWS_PER_RUN = 2_000;

export type WriteBackResult = { connections: number; tasksCreated: number; notesCreated: number; failed: number; skippedNoCompany: number };

type Created = { id: string; objectWriteTraceId?: string };
type BatchAnswer = { results?: Created[]; errors?: { message?: string; context?: Record<string, string[]> }[] };

/**
 * Write the organization's unsent tasks and notes to HubSpot, each to the HubSpot company linked to its account
 * (the first connected HubSpot connection with a company for it). Returns counts; per-row errors are stored.
 */
export async function writeBackTasksAndNotes(db: Db, p: { organizationId: string; clientOptions?: OpenClientOptions }): Promise<WriteBackResult> {
  const { organizationId } = p;
  const out: WriteBackResult = { connections: 0, tasksCreated: 0, notesCreated: 0, failed: 0, skippedNoCompany: 0 };
  const settings = await db.alertSettings.findUnique({ where: { organizationId } });
  if (!settings?.hubspotWriteBack) return out;
  const conns = await db.connection.findMany({ where: { organizationId, provider: "hubspot", status: { in: ["connected", "error"] } }, orderBy: { createdAt: "asc" } });
  if (!conns.length) return out;
  const tasks = await db.task.findMany({ where: { organizationId, hubspotId: null }, orderBy: { createdAt: "asc" }, take: MAX_ROWS_PER_RUN });
  const notes = await db.note.findMany({ where: { organizationId, hubspotId: null }, orderBy: { createdAt: "asc" }, take: MAX_ROWS_PER_RUN });
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
          hs_task_status: t.done ? "COMPLETED" : "NOT_STARTED",
          hs_task_body: "Created in Churnwatch",
        },
        associations: [{ to: { id: companyOf.get(t.accountId)!.externalId }, types: [{ associationCategory: "HUBSPOT_DEFINED" as const, associationTypeId: TASK_TO_COMPANY }] }],
      }));
      const r = await sendBatch(client, "tasks", inputs);
      out.tasksCreated += await store(db, "task", chunk.map((t) => t.id), r);
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

async function store(db: Db, kind: "task" | "note", ids: string[], r: SendResult): Promise<number> {
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
    if (kind === "task") await db.task.update({ where: { id }, data: { hubspotId: String(res.id), hubspotError: null } });
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
