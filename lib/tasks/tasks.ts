/**
 * Tasks and notes on accounts (issue 16). A CSM adds them on the account page; playbooks (alert rules' actions,
 * lib/alerts/evaluate.ts) create tasks too. Every read and write is scoped to one organization; an account, an
 * assignee or a task of another organization is "not found". When the organization turned HubSpot write-back on
 * (AlertSettings.hubspotWriteBack), each new task/note queues `hubspot-task-write-back-job` (lib/tasks/hubspot-write-back.ts).
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { enqueueJob } from "@/lib/jobs/queue";

export const ZTaskInput = z.object({
  title: z.string().trim().min(1).max(200),
  /** ISO date (YYYY-MM-DD, due at the end of that day UTC) or date-time. */
  due_at: z.string().trim().max(40).refine((s) => !Number.isNaN(Date.parse(s)), "must be a date (YYYY-MM-DD)").nullable().optional(),
  assignee_user_id: z.string().min(1).max(64).nullable().optional(),
});
export const ZTaskPatch = z.object({
  title: z.string().trim().min(1).max(200).optional(),
  due_at: ZTaskInput.shape.due_at,
  assignee_user_id: ZTaskInput.shape.assignee_user_id,
  done: z.boolean().optional(),
});
export const ZNoteInput = z.object({ body: z.string().trim().min(1).max(10_000) });

export type TaskView = {
  id: string; accountId: string; accountName?: string; title: string; dueAt: Date | null; assigneeUserId: string | null; assigneeName: string | null;
  done: boolean; doneAt: Date | null; fromPlaybook: boolean; hubspotId: string | null; hubspotError: string | null; createdAt: Date;
};
export type NoteView = { id: string; accountId: string; body: string; authorName: string | null; hubspotId: string | null; hubspotError: string | null; createdAt: Date };

function parseDue(s: string | null | undefined): Date | null | undefined {
  if (s === undefined) return undefined;
  if (s === null) return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T23:59:59.000Z`) : new Date(s);
}

async function accountOr404(db: Db, organizationId: string, accountId: string) {
  const a = await db.account.findFirst({ where: { id: accountId, organizationId }, select: { id: true, name: true } });
  if (!a) throw new AppError("not_found", "no such account");
  return a;
}

async function memberOrError(db: Db, organizationId: string, userId: string) {
  const m = await db.membership.findUnique({ where: { organizationId_userId: { organizationId, userId } } });
  if (!m) throw new AppError("validation_failed", "the assignee is not a member of this organization", { fields: { assignee_user_id: "not a member" } });
}

async function names(db: Db, organizationId: string, ids: (string | null)[]): Promise<Map<string, string>> {
  const want = [...new Set(ids.filter((x): x is string => Boolean(x)))];
  if (!want.length) return new Map();
  const ms = await db.membership.findMany({ where: { organizationId, userId: { in: want } }, select: { userId: true, user: { select: { name: true } } } });
  return new Map(ms.map((m) => [m.userId, m.user.name]));
}

type TaskRow = { id: string; accountId: string; title: string; dueAt: Date | null; assigneeUserId: string | null; done: boolean; doneAt: Date | null; alertEventId: string | null; hubspotId: string | null; hubspotError: string | null; createdAt: Date };

function toTaskView(t: TaskRow, n: Map<string, string>): TaskView {
  return {
    id: t.id, accountId: t.accountId, title: t.title, dueAt: t.dueAt, assigneeUserId: t.assigneeUserId, assigneeName: t.assigneeUserId ? n.get(t.assigneeUserId) ?? null : null,
    done: t.done, doneAt: t.doneAt, fromPlaybook: Boolean(t.alertEventId), hubspotId: t.hubspotId, hubspotError: t.hubspotError, createdAt: t.createdAt,
  };
}

/** Queue the HubSpot write-back when the organization has it on (one coalescing job per organization). */
export async function queueTaskWriteBack(db: Db, organizationId: string): Promise<boolean> {
  const s = await db.alertSettings.findUnique({ where: { organizationId } });
  if (!s?.hubspotWriteBack) return false;
  await enqueueJob(db, "hubspot-task-write-back-job", { organizationId }, { organizationId, dedupeKey: `task-write-back:${organizationId}`, coalesce: (q) => q });
  return true;
}

/** An account's tasks: open first (by due date), then done. @throws AppError not_found. */
export async function listAccountTasks(db: Db, organizationId: string, accountId: string): Promise<TaskView[]> {
  await accountOr404(db, organizationId, accountId);
  const rows = await db.task.findMany({ where: { organizationId, accountId }, orderBy: [{ done: "asc" }, { dueAt: "asc" }, { createdAt: "asc" }] });
  const n = await names(db, organizationId, rows.map((r) => r.assigneeUserId));
  return rows.map((r) => toTaskView(r, n));
}

/** Open tasks assigned to a user (their to-do list), soonest due first. */
export async function listMyOpenTasks(db: Db, organizationId: string, userId: string, limit = 50): Promise<TaskView[]> {
  const rows = await db.task.findMany({ where: { organizationId, assigneeUserId: userId, done: false }, orderBy: [{ dueAt: "asc" }, { createdAt: "asc" }], take: limit });
  const accs = await db.account.findMany({ where: { organizationId, id: { in: rows.map((r) => r.accountId) } }, select: { id: true, name: true } });
  const an = new Map(accs.map((a) => [a.id, a.name]));
  const n = await names(db, organizationId, rows.map((r) => r.assigneeUserId));
  return rows.map((r) => ({ ...toTaskView(r, n), accountName: an.get(r.accountId) }));
}

/** Add a task (assignee defaults to the author). @throws AppError not_found / validation_failed. */
export async function createTask(db: Db, p: { organizationId: string; accountId: string; userId: string | null; input: z.input<typeof ZTaskInput> }): Promise<TaskView> {
  const input = ZTaskInput.parse(p.input);
  await accountOr404(db, p.organizationId, p.accountId);
  const assignee = input.assignee_user_id === undefined ? p.userId : input.assignee_user_id;
  if (assignee) await memberOrError(db, p.organizationId, assignee);
  const row = await db.task.create({
    data: { organizationId: p.organizationId, accountId: p.accountId, title: input.title, dueAt: parseDue(input.due_at) ?? null, assigneeUserId: assignee ?? null, createdByUserId: p.userId },
  });
  await queueTaskWriteBack(db, p.organizationId);
  return toTaskView(row, await names(db, p.organizationId, [row.assigneeUserId]));
}

/** Change a task (title, due date, assignee, done). @throws AppError not_found / validation_failed. */
export async function updateTask(db: Db, p: { organizationId: string; taskId: string; input: z.input<typeof ZTaskPatch> }): Promise<TaskView> {
  const input = ZTaskPatch.parse(p.input);
  const t = await db.task.findFirst({ where: { id: p.taskId, organizationId: p.organizationId } });
  if (!t) throw new AppError("not_found", "no such task");
  if (input.assignee_user_id) await memberOrError(db, p.organizationId, input.assignee_user_id);
  const due = parseDue(input.due_at);
  const row = await db.task.update({
    where: { id: t.id },
    data: {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(due !== undefined ? { dueAt: due } : {}),
      ...(input.assignee_user_id !== undefined ? { assigneeUserId: input.assignee_user_id } : {}),
      ...(input.done !== undefined ? { done: input.done, doneAt: input.done ? (t.doneAt ?? new Date()) : null } : {}),
    },
  });
  // Completing / re-opening a task HubSpot has: its hs_task_status is updated by the write-back job.
  if (input.done !== undefined && input.done !== t.done && row.hubspotId) await queueTaskWriteBack(db, p.organizationId);
  return toTaskView(row, await names(db, p.organizationId, [row.assigneeUserId]));
}

/** Delete a task. @throws AppError not_found. */
export async function deleteTask(db: Db, organizationId: string, taskId: string): Promise<void> {
  const r = await db.task.deleteMany({ where: { id: taskId, organizationId } });
  if (!r.count) throw new AppError("not_found", "no such task");
}

/** An account's notes, newest first. @throws AppError not_found. */
export async function listAccountNotes(db: Db, organizationId: string, accountId: string): Promise<NoteView[]> {
  await accountOr404(db, organizationId, accountId);
  const rows = await db.note.findMany({ where: { organizationId, accountId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 200 });
  const n = await names(db, organizationId, rows.map((r) => r.authorUserId));
  return rows.map((r) => ({ id: r.id, accountId: r.accountId, body: r.body, authorName: r.authorUserId ? n.get(r.authorUserId) ?? null : null, hubspotId: r.hubspotId, hubspotError: r.hubspotError, createdAt: r.createdAt }));
}

/** Add a note. @throws AppError not_found. */
export async function createNote(db: Db, p: { organizationId: string; accountId: string; userId: string | null; input: z.input<typeof ZNoteInput> }): Promise<NoteView> {
  const input = ZNoteInput.parse(p.input);
  await accountOr404(db, p.organizationId, p.accountId);
  const r = await db.note.create({ data: { organizationId: p.organizationId, accountId: p.accountId, body: input.body, authorUserId: p.userId } });
  await queueTaskWriteBack(db, p.organizationId);
  const n = await names(db, p.organizationId, [r.authorUserId]);
  return { id: r.id, accountId: r.accountId, body: r.body, authorName: r.authorUserId ? n.get(r.authorUserId) ?? null : null, hubspotId: null, hubspotError: null, createdAt: r.createdAt };
}

/** Open tasks per account (for the accounts table's column): accountId → count. */
export async function openTaskCounts(db: Db, organizationId: string, accountIds: string[]): Promise<Map<string, number>> {
  if (!accountIds.length) return new Map();
  const g = await db.task.groupBy({ by: ["accountId"], where: { organizationId, accountId: { in: accountIds }, done: false }, _count: { _all: true } });
  return new Map(g.map((x) => [x.accountId, x._count._all]));
}
