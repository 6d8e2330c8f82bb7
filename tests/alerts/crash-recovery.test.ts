/**
 * A crash between sending a message and recording it (issue 16): the delivery is recorded "sending" before the
 * message leaves and "sent" right after, so a delivery found "sending" has an unknown outcome. Against the sandbox's
 * Slack receiver and SMTP sink over the network: a delivery left "sending" a moment ago is not sent at once (a worker
 * may be sending it right now) but its job comes back when it is stale; once stale it is sent again exactly once,
 * marked as possibly repeated, and recorded; a second organization's stuck delivery is never touched by the first's sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { encryptSecret } from "@/lib/crypto";
import { deliver, requeueStuckDeliveries, RESENT_NOTE, STUCK_SENDING_MS } from "@/lib/alerts/deliver";
import { startSlackSandbox, type SlackSandbox } from "@/sandbox/slack/server";
import { startSmtpSandbox, type SmtpSandbox } from "@/sandbox/smtp/server";
import { makeOrg } from "./fixtures";

let t: TestDb;
let slack: SlackSandbox;
let smtp: SmtpSandbox;

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
  slack = await startSlackSandbox();
  smtp = await startSmtpSandbox();
  process.env.SMTP_URL = smtp.smtpUrl;
  resetEnvCache();
  t = await createTestDb();
}, 120_000);

afterAll(async () => {
  await slack?.close();
  await smtp?.close();
  await t?.cleanup();
});

describe("delivery after a crash mid-send", () => {
  it("waits while a send may be in flight, then sends a stale 'sending' delivery again once, marked, at-least-once", async () => {
    const db = t.db;
    const A = await makeOrg(db, "crash-a", [{ email: "csm@x.test", name: "Cleo", role: "csm" }]);
    const B = await makeOrg(db, "crash-b", [{ email: "csm@x.test", name: "Bo", role: "csm" }]);
    await db.alertSettings.create({ data: { organizationId: A.org.id, slackWebhookEnc: encryptSecret(slack.webhookUrl()), slackWebhookHint: "x" } });
    const slackMsg = { text: "Acme: Risk level at risk → critical", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Why*\n• 1 failed payment in 30 days" } }] };
    const mailMsg = { to: ["cleo@x.test"], subject: "[Churnwatch] Acme: Risk level at risk → critical", text: "Acme: Risk level at risk → critical", html: "<h2>Acme</h2>" };
    // Worker 1 claimed both (status sending, attempt 1) and stopped before recording the outcome.
    const mk = (organizationId: string, channel: "slack" | "email", key: string) => db.alertDelivery.create({
      data: { organizationId, channel, target: channel, idempotencyKey: key, status: "sending", attempts: 1, payload: { message: channel === "slack" ? slackMsg : mailMsg } },
    });
    const s = await mk(A.org.id, "slack", "crash:slack");
    const e = await mk(A.org.id, "email", "crash:email");
    const other = await mk(B.org.id, "slack", "crash-b:slack");

    // Just now: a send may be in flight. Nothing is sent; the job comes back when the delivery would be stale.
    const early = await deliver(db, s.id);
    expect(early.status).toBe("skipped");
    expect(slack.messages()).toHaveLength(0);
    const followUp = await db.job.findFirst({ where: { name: "deliver-alert-job", payload: { equals: { deliveryId: s.id } } } });
    expect(followUp).not.toBeNull();
    expect(followUp!.runAfter.getTime()).toBeGreaterThanOrEqual(s.updatedAt.getTime() + STUCK_SENDING_MS);

    // Stale (the clock past the window): the sweep queues A's two, never B's; each is sent again once, marked.
    const later = new Date(Date.now() + STUCK_SENDING_MS + 5_000);
    expect(await requeueStuckDeliveries(db, A.org.id, later)).toBe(2);
    const jobsForB = await db.job.count({ where: { name: "deliver-alert-job", payload: { equals: { deliveryId: other.id } } } });
    expect(jobsForB).toBe(0);
    expect((await deliver(db, s.id, { now: () => later })).status).toBe("sent");
    expect((await deliver(db, e.id, { now: () => later })).status).toBe("sent");
    // A duplicated job after the record: nothing more.
    expect((await deliver(db, s.id, { now: () => later })).status).toBe("skipped");
    expect(slack.messages()).toHaveLength(1);
    expect(JSON.stringify(slack.messages()[0].body)).toContain(RESENT_NOTE);
    expect(smtp.messages()).toHaveLength(1);
    expect(smtp.messages()[0].text).toContain("Sent again");
    const row = await db.alertDelivery.findUniqueOrThrow({ where: { id: s.id } });
    expect(row).toMatchObject({ status: "sent", attempts: 2 });
    expect(row.lastError).toContain("outcome unknown");
    expect((await db.alertDelivery.findUniqueOrThrow({ where: { id: other.id } })).status).toBe("sending");
  });
});
