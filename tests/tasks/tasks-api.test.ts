/**
 * The customer-success API as users call it (real sign-in, route handlers in-process), with two organizations:
 * a CSM adds a task and a note on an account and sees their open tasks; another organization's CSM gets 404 on that
 * account and task and sees none of it; an admin creates an alert rule with a Slack webhook that is never returned
 * (only its hint), a CSM cannot (403); saved views are private unless shared; an admin reassigns an account's CSM.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness } from "@/tests/helpers/api";
import * as tasksRoute from "@/app/api/tasks/route";
import * as taskRoute from "@/app/api/tasks/[id]/route";
import * as notesRoute from "@/app/api/tasks/notes/route";
import * as rulesRoute from "@/app/api/alerts/rules/route";
import * as viewsRoute from "@/app/api/views/route";
import * as csmRoute from "@/app/api/views/accounts/[id]/csm/route";

let app: ApiHarness;
beforeAll(async () => { app = await createApiHarness(); }, 120_000);
afterAll(async () => app?.cleanup());

describe("tasks, notes, rules and views over the API", () => {
  it("scopes every path to the caller's organization", async () => {
    const csm = await app.signIn("csm");
    const admin = await app.signIn("admin");
    const other = await app.db.organization.create({ data: { name: "Other", slug: `other-${Date.now()}` } });
    const outsider = await app.signIn("csm", other.id);
    const acc = await app.db.account.create({ data: { organizationId: app.org.id, name: "Acme" } });

    const created = await app.call(tasksRoute.POST, "/api/tasks", { as: csm, body: { account_id: acc.id, title: "Call the champion", due_at: "2026-12-05" } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ title: "Call the champion", done: false, assignee_user_id: csm.userId, due_at: "2026-12-05T23:59:59.000Z" });
    const note = await app.call(notesRoute.POST, "/api/tasks/notes", { as: csm, body: { account_id: acc.id, body: "Champion left; new VP of Ops is Dana." } });
    expect(note.status).toBe(200);

    const listed = await app.call(tasksRoute.GET, `/api/tasks?account_id=${acc.id}`, { as: csm });
    expect(listed.json.data.map((x: { title: string }) => x.title)).toEqual(["Call the champion"]);
    const mine = await app.call(tasksRoute.GET, "/api/tasks", { as: csm });
    expect(mine.json.data.map((x: { account_name: string }) => x.account_name)).toEqual(["Acme"]);

    // The other organization: the account and the task do not exist for it.
    expect((await app.call(tasksRoute.GET, `/api/tasks?account_id=${acc.id}`, { as: outsider })).status).toBe(404);
    expect((await app.call(tasksRoute.POST, "/api/tasks", { as: outsider, body: { account_id: acc.id, title: "x" } })).status).toBe(404);
    expect((await app.call(notesRoute.GET, `/api/tasks/notes?account_id=${acc.id}`, { as: outsider })).status).toBe(404);
    expect((await app.call(taskRoute.PATCH, `/api/tasks/${created.json.id}`, { as: outsider, method: "PATCH", params: { id: created.json.id }, body: { done: true } })).status).toBe(404);
    expect((await app.call(tasksRoute.GET, "/api/tasks", { as: outsider })).json.data).toEqual([]);
    // Assigning to someone outside the organization is refused.
    expect((await app.call(tasksRoute.POST, "/api/tasks", { as: csm, body: { account_id: acc.id, title: "x", assignee_user_id: outsider.userId } })).status).toBe(400);

    const done = await app.call(taskRoute.PATCH, `/api/tasks/${created.json.id}`, { as: csm, method: "PATCH", params: { id: created.json.id }, body: { done: true } });
    expect(done.json).toMatchObject({ done: true });
    expect((await app.call(tasksRoute.GET, "/api/tasks", { as: csm })).json.data).toEqual([]);

    // Rules: admin only; the webhook URL is write-only.
    const rule = { name: "Critical", kind: "risk_level_changed", params: { levels: ["critical"] }, slack_enabled: true, slack_webhook_url: "https://hooks.slack.com/services/T000/B000/verysecretvalue1234" };
    expect((await app.call(rulesRoute.POST, "/api/alerts/rules", { as: csm, body: rule })).status).toBe(403);
    const r = await app.call(rulesRoute.POST, "/api/alerts/rules", { as: admin, body: rule });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain("verysecretvalue");
    expect(r.json.slack_webhook_hint).toBe("••••1234");
    expect((await app.call(rulesRoute.POST, "/api/alerts/rules", { as: admin, body: { ...rule, slack_webhook_url: "http://evil.example/hook" } })).status).toBe(400);
    expect((await app.call(rulesRoute.GET, "/api/alerts/rules", { as: outsider })).json.data).toEqual([]);

    // Saved views: private unless shared.
    await app.call(viewsRoute.POST, "/api/views", { as: admin, body: { name: "Enterprise renewing in 90 days", filters: { renewal_within_days: 90, level: "at_risk" }, shared: true } });
    await app.call(viewsRoute.POST, "/api/views", { as: admin, body: { name: "My scratch", filters: { q: "acme" } } });
    expect((await app.call(viewsRoute.GET, "/api/views", { as: csm })).json.data.map((v: { name: string }) => v.name)).toEqual(["Enterprise renewing in 90 days"]);
    expect((await app.call(viewsRoute.GET, "/api/views", { as: outsider })).json.data).toEqual([]);

    // Reassigning the CSM: admin only, members only, own organization only.
    expect((await app.call(csmRoute.PUT, `/api/views/accounts/${acc.id}/csm`, { as: admin, method: "PUT", params: { id: acc.id }, body: { user_id: csm.userId } })).status).toBe(200);
    expect((await app.db.account.findUniqueOrThrow({ where: { id: acc.id } })).csmUserId).toBe(csm.userId);
    expect((await app.call(csmRoute.PUT, `/api/views/accounts/${acc.id}/csm`, { as: csm, method: "PUT", params: { id: acc.id }, body: { user_id: csm.userId } })).status).toBe(403);
    expect((await app.call(csmRoute.PUT, `/api/views/accounts/${acc.id}/csm`, { as: admin, method: "PUT", params: { id: acc.id }, body: { user_id: outsider.userId } })).status).toBe(400);
  });
});
