/**
 * The customer-success workflow (issue 16), after 1-admin-journey connected and synced the sandbox:
 * - the admin maps the HubSpot owner with the most paying accounts to the CSM; the CSM signs in and the accounts
 *   table opens on "My accounts" (exactly their book), then adds a task on one of their accounts;
 * - the admin creates an alert rule with Slack (the sandbox receiver) and e-mail (the SMTP sink) on /alerts and
 *   saves Stripe's webhook secret; a failed payment in the sandbox (a signed charge.failed webhook) re-scores the
 *   account and within seconds the receiver and the sink hold one message each;
 * - a re-sync and a weight change inside the cooldown send nothing more.
 */
import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signIn } from "./helpers";

type Info = { stripe: { baseUrl: string; webhook: { secret: string } }; alerts: { slackWebhookUrl: string; slackUrl: string; smtpHttpUrl: string } };
const info = (): Info => JSON.parse(readFileSync("data/e2e-sandbox.json", "utf8"));

async function slackCount(req: APIRequestContext) {
  return ((await (await req.get(`${info().alerts.slackUrl}/__slack/messages`)).json()) as { messages: unknown[] }).messages.length;
}
async function mailCount(req: APIRequestContext) {
  return ((await (await req.get(`${info().alerts.smtpHttpUrl}/__smtp/messages`)).json()) as { messages: unknown[] }).messages.length;
}
async function signOut(page: Page) {
  await page.context().clearCookies();
}

test("a CSM works their book; an alert reaches Slack and e-mail once", async ({ page }) => {
  test.setTimeout(240_000);
  // Admin: map the busiest HubSpot owner to the CSM.
  await signIn(page, "admin");
  const users = (await (await page.request.get("/api/users")).json()).data as { user_id: string; email: string }[];
  const csm = users.find((u) => u.email === "csm@e2e.local")!;
  const owners = (await (await page.request.get("/api/views/owners")).json()).data as { owner_id: string; accounts: number }[];
  const top = owners.sort((a, b) => b.accounts - a.accounts)[0];
  expect((await page.request.put(`/api/views/owners/${top.owner_id}`, { data: { user_id: csm.user_id } })).status()).toBe(200);
  const all = (await (await page.request.get("/api/accounts?limit=1")).json()).total as number;
  await signOut(page);

  // CSM: "My accounts" by default, exactly their book; add a task.
  await signIn(page, "csm");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Accounts", exact: true }).click();
  await expect(page.getByTestId("book-switch").getByRole("link", { name: "My accounts" })).toHaveAttribute("aria-current", "true");
  const mine = (await (await page.request.get("/api/accounts?csm=me&limit=100")).json()) as { total: number; data: { account_id: string; risk_level: string | null }[] };
  expect(mine.total).toBeGreaterThan(0);
  expect(mine.total).toBeLessThan(all);
  await expect(page.getByTestId("account-row")).toHaveCount(Math.min(mine.total, 50));
  await page.getByTestId("account-row").first().getByRole("link").first().click();
  await page.getByLabel("Task title").fill("Call the champion");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByTestId("task-list")).toContainText("Call the champion");
  await signOut(page);

  // Admin: Stripe webhook secret, an alert rule with Slack + e-mail to the CSM.
  await signIn(page, "admin");
  expect((await page.request.patch("/api/integrations/stripe/settings", { data: { webhook_secret: info().stripe.webhook.secret } })).status()).toBe(200);
  await page.goto("/alerts");
  await page.getByLabel("Rule name").fill("Payment failed");
  await page.getByLabel("Rule kind").selectOption("payment_failed");
  await page.getByLabel("Rule Slack webhook URL").fill(info().alerts.slackWebhookUrl);
  await page.getByRole("button", { name: "Create rule" }).click();
  await expect(page.getByTestId("rules")).toContainText("Payment failed");
  const before = { slack: await slackCount(page.request), mail: await mailCount(page.request) };

  // The sandbox change: a failed payment on one of the CSM's paying accounts (Stripe sends charge.failed).
  const target = mine.data.find((a) => a.risk_level !== null) ?? mine.data[0];
  const detail = (await (await page.request.get(`/api/accounts/${target.account_id}`)).json()) as { sources: { provider: string; object_type: string; external_id: string }[] };
  const customer = detail.sources.find((s) => s.provider === "stripe" && s.object_type === "customer")!.external_id;
  const mutate = await page.request.post(`${info().stripe.baseUrl}/__sandbox/records`, {
    data: { vendor: "stripe", type: "charges", op: "create", data: { customer, amount: 9900, currency: "usd", status: "failed", failure_code: "card_declined" } },
  });
  expect(mutate.ok()).toBeTruthy();
  await expect.poll(async () => [await slackCount(page.request), await mailCount(page.request)], { timeout: 90_000, intervals: [1_000] })
    .toEqual([before.slack + 1, before.mail + 1]);
  await page.goto("/alerts");
  await expect(page.getByTestId("delivery-row").first()).toHaveAttribute("data-status", "sent");

  // A re-sync and a weight change inside the cooldown: nothing more.
  const sync = await page.request.post("/api/integrations/stripe/sync");
  expect(sync.ok()).toBeTruthy();
  const cfg = (await (await page.request.get("/api/scoring/config")).json()) as { weights: Record<string, number>; thresholds: { healthy: number; at_risk: number } };
  const keys = Object.keys(cfg.weights);
  const weights = { ...cfg.weights };
  if (keys.length >= 2 && weights[keys[0]] >= 5) { weights[keys[0]] -= 5; weights[keys[1]] += 5; }
  const put = await page.request.put("/api/scoring/config", { data: { weights, thresholds: cfg.thresholds, rescore: true } });
  expect(put.status()).toBeLessThan(300);
  await page.waitForTimeout(20_000);
  expect([await slackCount(page.request), await mailCount(page.request)]).toEqual([before.slack + 1, before.mail + 1]);
});
