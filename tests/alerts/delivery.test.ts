/**
 * Alerts end to end on the real database (SQLite; PostgreSQL with CHURNWATCH_TEST_DB=postgres) with the sandbox's
 * Slack receiver and SMTP sink over the network:
 * - an account turning critical fires the rule once: one Slack message (after a 5xx and a 429 + Retry-After, retried
 *   by deliver-alert-job with backoff) and one e-mail to the account's CSM; the failure is visible on the alerts
 *   page's query while the delivery is retried; the playbook creates the CSM's task;
 * - re-evaluating the same scores (a re-sync) and a weight change (history re-scored with a new config version) inside
 *   the cooldown send nothing more; after the cooldown the new change fires;
 * - a second organization sees none of it and cannot touch the first one's rules or deliveries.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { registerJob } from "@/lib/jobs/registry";
import type { JobDefinition } from "@/lib/jobs/define-job";
import { startWorker, type Worker } from "@/lib/jobs/worker";
import { createRule, updateRule } from "@/lib/alerts/rules";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { listDeliveries } from "@/lib/alerts/queries";
import { resendDelivery } from "@/lib/alerts/deliver";
import { startSlackSandbox, type SlackSandbox } from "@/sandbox/slack/server";
import { startSmtpSandbox, type SmtpSandbox } from "@/sandbox/smtp/server";
import { DAY, makeAccount, makeOrg, makeOwner, rescore, waitFor } from "./fixtures";

let t: TestDb;
let slack: SlackSandbox;
let smtp: SmtpSandbox;
let worker: Worker | undefined;
const today = new Date("2026-12-03T10:00:00.000Z");

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.BETTER_AUTH_URL = "http://localhost:3000";
  slack = await startSlackSandbox();
  smtp = await startSmtpSandbox();
  process.env.SMTP_URL = smtp.smtpUrl;
  resetEnvCache();
  registerJob("deliver-alert-job", async () => (await import("@/lib/alerts/jobs")).deliverAlertJob as JobDefinition);
  registerJob("alert-digest-job", async () => (await import("@/lib/alerts/jobs")).alertDigestJob as JobDefinition);
  t = await createTestDb();
}, 120_000);

afterAll(async () => {
  await worker?.stop({ graceMs: 2_000 });
  await slack?.close();
  await smtp?.close();
  await t?.cleanup();
});

describe("alert delivery", () => {
  it("delivers once through a 5xx and a 429, shows the failure meanwhile, and stays quiet in the cooldown", async () => {
    const db = t.db;
    const A = await makeOrg(db, "a", [{ email: "admin@x.test", name: "Ada Admin", role: "admin" }, { email: "csm1@x.test", name: "Cleo CSM", role: "csm" }]);
    const B = await makeOrg(db, "b", [{ email: "csm@x.test", name: "Bo CSM", role: "csm" }]);
    const ownerA = await makeOwner(db, A.org.id, A.connectionId, "501", "A.CSM1@x.test", ["Cleo", "CSM"]);
    const accA = await makeAccount(db, { organizationId: A.org.id, name: "Acme Corp", ownerId: ownerA.id, today, scores: [{ daysAgo: 1, score: 55, level: "at_risk" }, { daysAgo: 0, score: 31, level: "critical" }] });
    const accB = await makeAccount(db, { organizationId: B.org.id, name: "Bravo Ltd", today, scores: [{ daysAgo: 1, score: 55, level: "at_risk" }, { daysAgo: 0, score: 31, level: "critical" }] });

    const rule = await createRule(db, A.org.id, {
      name: "Turned at risk or critical", kind: "risk_level_changed", params: { levels: ["at_risk", "critical"] },
      slack_enabled: true, slack_webhook_url: slack.webhookUrl("BALERTS"), email_enabled: true, email_to: "csm", cooldown_hours: 24,
      playbook: [{ title: "Critical: call the champion", due_in_days: 2 }],
    });
    expect(rule.slackWebhookHint).toBe("••••0001");
    expect(JSON.stringify(rule)).not.toContain("sandboxsecret");

    slack.fail({ status: 500, times: 1 });
    slack.fail({ status: 429, times: 1, retryAfterSeconds: 1 });
    const r = await evaluateAlerts(db, { organizationId: A.org.id, now: today });
    expect(r).toMatchObject({ fired: 1, deliveries: 2, tasks: 1 });

    // Book of business: the owner's e-mail matched the CSM, so the account is theirs and so is the playbook task.
    expect((await db.account.findUniqueOrThrow({ where: { id: accA.id } })).csmUserId).toBe(A.users["csm1@x.test"]);
    const tasks = await db.task.findMany({ where: { accountId: accA.id } });
    expect(tasks.map((x) => [x.title, x.assigneeUserId, x.dueAt?.toISOString()])).toEqual([["Critical: call the champion", A.users["csm1@x.test"], new Date(today.getTime() + 2 * DAY).toISOString()]]);

    worker ??= startWorker(db, { pollMs: 100, maintenanceMs: 0 });
    const errorsSeen = new Set<string>();
    const sent = await waitFor(async () => {
      const ds = await listDeliveries(db, A.org.id);
      const s = ds.find((d) => d.channel === "slack")!;
      if (s.status === "retrying" && s.lastError) errorsSeen.add(s.lastError.includes("429") ? "429" : s.lastError.includes("HTTP 500") ? "500" : s.lastError);
      return ds.every((d) => d.status === "sent") ? ds : null;
    }, 30_000, 50);
    expect([...errorsSeen].sort()).toEqual(["429", "500"]);
    expect(sent.find((d) => d.channel === "slack")!.attempts).toBe(3);
    expect(slack.failures()).toBe(2);
    expect(slack.messages()).toHaveLength(1);
    const msg = slack.messages()[0].body;
    expect(msg.text).toBe("Acme Corp: Risk level at risk → critical");
    expect(JSON.stringify(msg.blocks)).toContain("http://localhost:3000/accounts/" + accA.id);
    expect(JSON.stringify(msg.blocks)).toContain("2 failed payments in 30 days");
    // The sandbox's page shows the message as Slack would (UTF-8, the blocks' reasons and the link).
    const page = await fetch(`${slack.url}/`);
    expect(page.headers.get("content-type")).toContain("charset=utf-8");
    const html = await page.text();
    expect(html).toContain("Acme Corp: Risk level at risk → critical");
    expect(html).toContain("• 2 failed payments in 30 days");
    expect(html).toContain(`[Open account] http://localhost:3000/accounts/${accA.id}`);
    const mails = smtp.messages();
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(["a.csm1@x.test"]);
    expect(mails[0].subject).toBe("[Churnwatch] Acme Corp: Risk level at risk → critical");

    // A re-sync re-scores the same day: same change, nothing new.
    const again = await evaluateAlerts(db, { organizationId: A.org.id, now: new Date(today.getTime() + 3_600_000) });
    expect(again).toMatchObject({ fired: 0, duplicates: 1 });
    // A weight change re-scores history with config version 2: a different day-over-day change, inside the cooldown.
    await rescore(db, accA.id, today, 2, [{ daysAgo: 1, score: 72, level: "healthy" }, { daysAgo: 0, score: 48, level: "at_risk" }]);
    const weights = await evaluateAlerts(db, { organizationId: A.org.id, now: new Date(today.getTime() + 2 * 3_600_000) });
    expect(weights).toMatchObject({ fired: 0, suppressedByCooldown: 1 });
    await new Promise((res) => setTimeout(res, 1_500));
    expect(slack.messages()).toHaveLength(1);
    expect(smtp.messages()).toHaveLength(1);
    // After the cooldown the same change does fire (the cooldown, not a bug, kept it quiet).
    const later = await evaluateAlerts(db, { organizationId: A.org.id, now: new Date(today.getTime() + 25 * 3_600_000) });
    expect(later).toMatchObject({ fired: 1 });
    await waitFor(async () => slack.messages().length === 2, 15_000);

    // The other organization: no rules, no events, no deliveries, and it cannot reach A's rule or deliveries.
    expect(await evaluateAlerts(db, { organizationId: B.org.id, now: today })).toMatchObject({ rules: 0, fired: 0 });
    expect(await db.alertEvent.count({ where: { accountId: accB.id } })).toBe(0);
    expect(await listDeliveries(db, B.org.id)).toEqual([]);
    await expect(resendDelivery(db, B.org.id, sent[0].id)).rejects.toMatchObject({ code: "not_found" });
    await expect(updateRule(db, B.org.id, rule.id, { name: "x", kind: "payment_failed" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("a failed delivery can be sent again from the alerts page and goes out once", async () => {
    const db = t.db;
    worker ??= startWorker(db, { pollMs: 100, maintenanceMs: 0 });
    const C = await makeOrg(db, "c", [{ email: "csm@x.test", name: "Cy CSM", role: "csm" }]);
    await makeAccount(db, { organizationId: C.org.id, name: "Gamma Inc", today, scores: [{ daysAgo: 1, score: 80, level: "healthy" }, { daysAgo: 0, score: 35, level: "critical" }] });
    await createRule(db, C.org.id, { name: "Critical", kind: "risk_level_changed", params: { levels: ["critical"] }, slack_enabled: true, slack_webhook_url: slack.webhookUrl("BGAMMA") });
    const before = slack.messages().length;
    slack.fail({ status: 404, times: 1 }); // permanent (no_service): no automatic retry
    await evaluateAlerts(db, { organizationId: C.org.id, now: today });
    const failed = await waitFor(async () => (await listDeliveries(db, C.org.id, { status: "problems" })).find((d) => d.status === "failed"));
    expect(failed.lastError).toContain("HTTP 404");
    await resendDelivery(db, C.org.id, failed.id);
    await waitFor(async () => (await listDeliveries(db, C.org.id))[0].status === "sent");
    await expect(resendDelivery(db, C.org.id, failed.id)).rejects.toMatchObject({ code: "conflict" });
    expect(slack.messages().length - before).toBe(1);
  });
});
