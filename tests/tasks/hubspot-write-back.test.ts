/**
 * HubSpot write-back of tasks and notes through the official SDK's batch API, against the HubSpot sandbox over HTTP:
 * with write-back on, every Churnwatch task becomes one HubSpot task associated with the account's company and a
 * second run creates none twice; a task whose company HubSpot does not have fails alone (207) and keeps the error;
 * with write-back off nothing is sent; another organization's tasks are never written with this one's connection.
 * Completing a task updates the HubSpot task (hs_task_status COMPLETED through the batch update API), re-opening sets
 * NOT_STARTED, each once: a further run (the next sync's job) sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@hubspot/api-client";
import { startHubspotHarness, type HubspotHarness } from "@/tests/connectors/hubspot-harness";
import { encryptJson } from "@/lib/crypto";
import { writeBackTasksAndNotes } from "@/lib/tasks/hubspot-write-back";
import { createNote, createTask, updateTask } from "@/lib/tasks/tasks";

let h: HubspotHarness;
beforeAll(async () => { h = await startHubspotHarness(); }, 120_000);
afterAll(async () => h?.close());

async function listSandboxTasks(): Promise<{ id: string; properties: Record<string, string | null> }[]> {
  const sdk = new Client({ accessToken: h.token, basePath: h.sb.hubspotUrl });
  const out: { id: string; properties: Record<string, string | null> }[] = [];
  let after: string | undefined;
  do {
    const page = await sdk.crm.objects.tasks.basicApi.getPage(100, after);
    out.push(...page.results);
    after = page.paging?.next?.after;
  } while (after);
  return out;
}

describe("HubSpot task and note write-back", () => {
  it("creates one HubSpot task per Churnwatch task, none twice, and keeps a 207 failure on its row", async () => {
    const db = h.t.db;
    const org = h.organizationId;
    const conn = await db.connection.create({ data: { organizationId: org, provider: "hubspot", externalAccountId: String(h.sb.info.hubspot.portalId), displayName: "HubSpot", credentialsEnc: encryptJson({ token: h.token }) } });
    const companyIds = [...h.sb.hubspot.store.types.companies.ids()].slice(0, 2).map(String);
    const acc1 = await db.account.create({ data: { organizationId: org, name: "One" } });
    const acc2 = await db.account.create({ data: { organizationId: org, name: "Two" } });
    const gone = await db.account.create({ data: { organizationId: org, name: "Gone in HubSpot" } });
    await db.sourceRecord.create({ data: { organizationId: org, connectionId: conn.id, objectType: "company", externalId: companyIds[0], accountId: acc1.id } });
    await db.sourceRecord.create({ data: { organizationId: org, connectionId: conn.id, objectType: "company", externalId: companyIds[1], accountId: acc2.id } });
    await db.sourceRecord.create({ data: { organizationId: org, connectionId: conn.id, objectType: "company", externalId: "999999999", accountId: gone.id } });
    // Another organization with its own task: never written with this connection.
    const other = await db.organization.create({ data: { name: "Other", slug: `other-${Date.now()}` } });
    const otherAcc = await db.account.create({ data: { organizationId: other.id, name: "Other acc" } });
    await db.alertSettings.create({ data: { organizationId: other.id, hubspotWriteBack: true } });
    await db.task.create({ data: { organizationId: other.id, accountId: otherAcc.id, title: "Not ours" } });

    const t1 = await createTask(db, { organizationId: org, accountId: acc1.id, userId: null, input: { title: "Call the champion", due_at: "2026-12-05" } });
    await createTask(db, { organizationId: org, accountId: acc2.id, userId: null, input: { title: "Send QBR deck" } });
    const tGone = await createTask(db, { organizationId: org, accountId: gone.id, userId: null, input: { title: "Orphan" } });
    await createNote(db, { organizationId: org, accountId: acc1.id, userId: null, input: { body: "Champion left." } });

    // Off: nothing is sent.
    expect(await writeBackTasksAndNotes(db, { organizationId: org })).toMatchObject({ tasksCreated: 0, notesCreated: 0 });
    expect(await listSandboxTasks()).toEqual([]);

    await db.alertSettings.create({ data: { organizationId: org, hubspotWriteBack: true } });
    const r1 = await writeBackTasksAndNotes(db, { organizationId: org, clientOptions: { pacer: { disabled: true } } });
    expect(r1).toMatchObject({ tasksCreated: 2, notesCreated: 1, failed: 1 });
    const hsTasks = await listSandboxTasks();
    expect(hsTasks.map((x) => x.properties.hs_task_subject).sort()).toEqual(["Call the champion", "Send QBR deck"]);
    const created1 = h.sb.hubspot.activityWrites.items.find((x) => x.properties.hs_task_subject === "Call the champion")!;
    expect(created1.companyIds).toEqual([companyIds[0]]);
    expect(created1.properties.hs_timestamp).toBe("2026-12-05T23:59:59.000Z");
    expect((await db.task.findUniqueOrThrow({ where: { id: t1.id } })).hubspotId).toBe(created1.id);
    const orphan = await db.task.findUniqueOrThrow({ where: { id: tGone.id } });
    expect(orphan.hubspotId).toBeNull();
    expect(orphan.hubspotError).toContain("999999999");

    // A second run (the next job, a retry) creates nothing twice; only the failed one is tried again.
    const r2 = await writeBackTasksAndNotes(db, { organizationId: org, clientOptions: { pacer: { disabled: true } } });
    expect(r2).toMatchObject({ tasksCreated: 0, notesCreated: 0, failed: 1 });
    expect(await listSandboxTasks()).toHaveLength(2);
    expect(h.sb.hubspot.activityWrites.items.filter((x) => x.type === "notes")).toHaveLength(1);
    expect(h.sb.hubspot.activityWrites.items.some((x) => x.properties.hs_task_subject === "Not ours")).toBe(false);

    // Completing the task in Churnwatch: HubSpot's task becomes COMPLETED, once; a further run sends nothing.
    const hsStatus = async () => (await listSandboxTasks()).find((x) => x.id === created1.id)!.properties.hs_task_status;
    expect(await hsStatus()).toBe("NOT_STARTED");
    await updateTask(db, { organizationId: org, taskId: t1.id, input: { done: true } });
    expect(await db.job.count({ where: { name: "hubspot-task-write-back-job", organizationId: org } })).toBeGreaterThan(0);
    const r3 = await writeBackTasksAndNotes(db, { organizationId: org, clientOptions: { pacer: { disabled: true } } });
    expect(r3).toMatchObject({ tasksCreated: 0, tasksUpdated: 1 });
    expect(await hsStatus()).toBe("COMPLETED");
    const updates = () => h.sb.hubspot.activityWrites.updates.filter((u) => u.id === created1.id).map((u) => u.properties.hs_task_status);
    expect(updates()).toEqual(["COMPLETED"]);
    expect(await writeBackTasksAndNotes(db, { organizationId: org, clientOptions: { pacer: { disabled: true } } })).toMatchObject({ tasksUpdated: 0, tasksCreated: 0 });
    expect(updates()).toEqual(["COMPLETED"]);
    // Re-opening: NOT_STARTED, once.
    await updateTask(db, { organizationId: org, taskId: t1.id, input: { done: false } });
    expect(await writeBackTasksAndNotes(db, { organizationId: org, clientOptions: { pacer: { disabled: true } } })).toMatchObject({ tasksUpdated: 1 });
    expect(await hsStatus()).toBe("NOT_STARTED");
    expect(await writeBackTasksAndNotes(db, { organizationId: org, clientOptions: { pacer: { disabled: true } } })).toMatchObject({ tasksUpdated: 0 });
    expect(updates()).toEqual(["COMPLETED", "NOT_STARTED"]);
    expect(await listSandboxTasks()).toHaveLength(2);
    // A task deleted in HubSpot meanwhile: the update fails alone (207) and keeps HubSpot's message on the row.
    const t2 = await db.task.findFirstOrThrow({ where: { organizationId: org, title: "Send QBR deck" } });
    h.sb.hubspot.activityWrites.items.splice(h.sb.hubspot.activityWrites.items.findIndex((x) => x.id === t2.hubspotId), 1);
    await updateTask(db, { organizationId: org, taskId: t2.id, input: { done: true } });
    await updateTask(db, { organizationId: org, taskId: t1.id, input: { done: true } });
    expect(await writeBackTasksAndNotes(db, { organizationId: org, clientOptions: { pacer: { disabled: true } } })).toMatchObject({ tasksUpdated: 1 });
    expect(await hsStatus()).toBe("COMPLETED");
    expect((await db.task.findUniqueOrThrow({ where: { id: t2.id } })).hubspotError).toContain("Object not found");
  });
});
