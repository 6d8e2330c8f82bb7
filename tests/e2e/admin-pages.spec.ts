/**
 * The admin pages in Chromium (issue 7: Integrations, Scoring settings, Match review, Users) against the
 * e2e server (tests/e2e/serve.ts: fresh DB, seeded owner + CSM, RavenStack sandbox without rate limits).
 * Independent of the other specs: connects HubSpot/Stripe itself when they are not connected yet.
 * Screenshots of every page at 1280 px and 390 px go to test-results/screens/admin-*.png.
 *
 * Env: E2E_SANDBOX_INFO — path of the sandbox info JSON (default data/e2e-sandbox.json, written by serve.ts).
 */
import { readFileSync } from "node:fs";
import { expect, test, type Cookie, type Page } from "@playwright/test";
import { screenshot } from "./helpers";
import { E2E_USERS } from "./users";

type SandboxInfo = { hubspot: { privateAppToken: string }; stripe: { secretKey: string; restrictedKeys?: Record<string, string> } };
const sandbox = (): SandboxInfo => JSON.parse(readFileSync(process.env.E2E_SANDBOX_INFO ?? "data/e2e-sandbox.json", "utf8"));

const sessions = new Map<string, Cookie[]>();

/**
 * Sign in (once per role and worker: the session cookie is reused, sign-in is rate limited) and open
 * `path` directly, without waiting for the dashboard the sign-in form lands on.
 */
async function signIn(page: Page, who: keyof typeof E2E_USERS, path: string) {
  const u = E2E_USERS[who];
  const saved = sessions.get(who);
  if (saved) {
    await page.context().addCookies(saved);
  } else {
    await page.goto("/sign-in");
    await page.getByLabel("E-mail").fill(u.email);
    await page.getByLabel("Password").fill(u.password);
    const signedIn = page.waitForResponse((r) => r.url().includes("/api/auth/sign-in/email") && r.ok());
    await page.getByRole("button", { name: "Sign in" }).click();
    await signedIn;
    await page.waitForURL((url) => url.pathname === "/", { waitUntil: "commit" });
    sessions.set(who, await page.context().cookies());
  }
  await page.goto(path);
  await expect(page.getByTestId("role-badge")).toHaveText(u.role);
}

/** Screenshot at desktop and phone width; asserts the page itself never scrolls sideways on a phone. */
async function shots(page: Page, name: string) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshot(page, `admin-${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  // Polled: charts re-measure their container a moment after the resize.
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    { message: `${name}: the page scrolls horizontally at 390 px`, timeout: 5_000 }).toBeLessThanOrEqual(0);
  await screenshot(page, `admin-${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Connect a provider through the form unless a connection card already exists. */
async function ensureConnected(page: Page, provider: "hubspot" | "stripe") {
  const section = page.getByTestId(`provider-${provider}`);
  if (await section.getByTestId(`connection-${provider}`).count()) return;
  const info = sandbox();
  const credential = provider === "hubspot" ? info.hubspot.privateAppToken : (info.stripe.restrictedKeys?.readAll ?? info.stripe.secretKey);
  await section.getByLabel(provider === "hubspot" ? "Private-app access token" : "API key").fill(credential);
  await section.getByRole("button", { name: "Test & Save" }).click();
  await expect(section.getByTestId(`saved-${provider}`)).toContainText("Connected");
  await expect(section.getByTestId(`connection-${provider}`)).toBeVisible();
}

test.describe.configure({ mode: "serial" });

test("a CSM gets a notice instead of any admin page, and the API refuses them", async ({ page }) => {
  await signIn(page, "csm", "/integrations");
  for (const path of ["/integrations", "/settings/scoring", "/settings/users", "/accounts/matches"]) {
    await page.goto(path);
    await expect(page.getByRole("alert").filter({ hasText: "needs the admin role" })).toBeVisible();
    await expect(page.getByRole("button", { name: /Test & Save|Sync Now|Save and re-score|Add user|Confirm|Retrain|Score All/ })).toHaveCount(0);
  }
  expect((await page.request.put("/api/scoring/config", { data: { weights: {}, thresholds: { healthy: 70, at_risk: 40 } } })).status()).toBe(403);
  expect((await page.request.post("/api/users", { data: { email: "x@y.z", name: "X", role: "admin" } })).status()).toBe(403);
});

test("Integrations: a bad token shows the server's message; connect, sync with live progress that survives a reload", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "admin", "/integrations");
  await expect(page.getByRole("heading", { name: "Integrations", level: 1 })).toBeVisible();

  // A wrong HubSpot token: the server's guidance appears inline, nothing is stored.
  const hubspot = page.getByTestId("provider-hubspot");
  if (!(await hubspot.getByTestId("connection-hubspot").count())) {
    await hubspot.getByLabel("Private-app access token").fill("pat-na1-00000000-0000-0000-0000-000000000000");
    await hubspot.getByRole("button", { name: "Test & Save" }).click();
    await expect(hubspot.getByTestId("connect-error")).toBeVisible();
    await expect(hubspot.getByTestId("connect-error")).not.toBeEmpty();
    await expect(hubspot.getByTestId("connection-hubspot")).toHaveCount(0);
    await shots(page, "integrations-bad-token");
  }

  await ensureConnected(page, "hubspot");
  await ensureConnected(page, "stripe");
  const stripeCard = page.getByTestId("connection-stripe");
  await expect(stripeCard.getByTestId("test-mode")).toHaveText("(test)");
  await expect(stripeCard).toContainText("ending in");

  // Sync Stripe: progress appears, is still there after a reload while the job runs, then finishes.
  if (!(await stripeCard.getByTestId("sync-progress").count())) await stripeCard.getByRole("button", { name: "Sync Now" }).click();
  await expect(stripeCard.getByTestId("sync-progress").or(stripeCard.getByText("Sync complete"))).toBeVisible();
  if (await stripeCard.getByTestId("sync-progress").isVisible()) {
    await page.reload();
    const api = await (await page.request.get("/api/integrations")).json() as { data: { name: string; connections: { current_job: { status: string } | null }[] }[] };
    const running = api.data.find((p) => p.name === "stripe")?.connections[0]?.current_job?.status;
    if (running === "running" || running === "queued") {
      await expect(page.getByTestId("connection-stripe").getByTestId("sync-progress")).toBeVisible();
    }
  }
  await expect(page.getByTestId("connection-stripe").getByTestId("sync-progress")).toHaveCount(0, { timeout: 200_000 });
  await expect(page.getByTestId("connection-stripe").getByTestId("last-sync")).not.toHaveText("never");
  await expect(page.getByTestId("connection-stripe").getByTestId("sync-counts")).toContainText("Customers");

  // Settings: the disconnect dialog says the data is kept (cancelled here: other specs use the connection).
  const card = page.getByTestId("connection-stripe");
  await card.getByText("Settings").click();
  await card.getByRole("button", { name: "Disconnect" }).click();
  const dialog = page.getByTestId("disconnect-dialog").filter({ visible: true });
  await expect(dialog).toContainText("Your synced data is kept");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await shots(page, "integrations");
});

test("Integrations: Score All Accounts shows the run's summary", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, "admin", "/integrations");
  const pipeline = page.getByTestId("scoring-pipeline");
  await pipeline.getByRole("button", { name: "Score All Accounts" }).click();
  await expect(pipeline.getByRole("button", { name: "Scoring…" })).toBeDisabled();
  await expect(pipeline.getByTestId("pipeline-summary")).toContainText("Accounts scored", { timeout: 150_000 });
  await expect(pipeline.getByRole("button", { name: "Score All Accounts" })).toBeEnabled();
});

test("Scoring settings: the weights must total 100 before saving; preview; backtest and model", async ({ page }) => {
  await signIn(page, "admin", "/settings/scoring");
  const form = page.getByTestId("scoring-form");
  // Move 5 points from the largest weight to the smallest: the total is 105 in between.
  const keys = ["paymentRecency", "failedPayments", "mrrTrend", "renewalRisk", "engagement", "stakeholderCoverage", "supportLoad", "tenure"];
  const values = await Promise.all(keys.map(async (k) => Number(await form.getByTestId(`weight-${k}`).inputValue())));
  const lo = keys[values.indexOf(Math.min(...values))];
  const hi = keys[values.indexOf(Math.max(...values))];
  await form.getByTestId(`weight-${lo}`).fill(String(Math.min(...values) + 5));
  await expect(form.getByTestId("weights-total")).toContainText("105 / 100");
  await expect(form.getByRole("button", { name: "Save and re-score" })).toBeDisabled();
  await expect(form.getByRole("button", { name: "Preview" })).toBeDisabled();
  await form.getByTestId(`weight-${hi}`).fill(String(Math.max(...values) - 5));
  await expect(form.getByTestId("weights-total")).toContainText("100 / 100");
  await expect(form.getByRole("button", { name: "Save and re-score" })).toBeEnabled();

  await form.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("preview-result")).toBeVisible();

  // Thresholds out of order: explained inline, Save disabled.
  await form.getByLabel("At risk from score").fill("80");
  await expect(form).toContainText("must be lower than");
  await expect(form.getByRole("button", { name: "Save and re-score" })).toBeDisabled();
  await form.getByLabel("At risk from score").fill("40");

  await form.getByRole("button", { name: "Save and re-score" }).click();
  await expect(page.getByTestId("scoring-message")).toContainText(/Saved as version \d+/);

  await expect(page.getByTestId("backtest").or(page.getByText("Not enough history to backtest"))).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("model-panel")).toBeVisible();
  await shots(page, "scoring");
});

test("Users: add a user (password shown once), change a role, the last owner cannot be removed", async ({ page }) => {
  await signIn(page, "admin", "/settings/users");
  const email = `new-${Date.now()}@e2e.local`;
  const form = page.getByTestId("add-user-form");
  await form.getByLabel("Name").fill("Nora New");
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Role").selectOption("csm");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByTestId("one-time-password")).toContainText(email);
  const otp = (await page.getByTestId("otp-value").textContent())?.trim() ?? "";
  expect(otp.length).toBeGreaterThanOrEqual(12);
  const row = page.getByTestId("member-row").filter({ hasText: email });
  await expect(row).toBeVisible();

  await row.getByLabel("Role of Nora New").selectOption("admin");
  await expect.poll(async () => ((await (await page.request.get("/api/users")).json()) as { data: { email: string; role: string }[] }).data.find((m) => m.email === email)?.role).toBe("admin");
  await shots(page, "users");

  // The password is not shown again after a reload.
  await page.reload();
  await expect(page.getByTestId("one-time-password")).toHaveCount(0);

  // The only owner (the signed-in admin) cannot be removed: the server's message is shown.
  const owner = page.getByTestId("member-row").filter({ hasText: "admin@e2e.local" });
  await owner.getByRole("button", { name: /Remove/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
  await expect(owner.getByTestId("member-error")).toContainText("last owner");

  // Remove the new user again.
  await page.getByTestId("member-row").filter({ hasText: email }).getByRole("button", { name: /Remove/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
  await expect(page.getByTestId("member-row").filter({ hasText: email })).toHaveCount(0);
});

test("Match review: candidates side by side with Confirm / Reject, or an empty state that says what happens", async ({ page }) => {
  await signIn(page, "admin", "/accounts/matches");
  await expect(page.getByRole("heading", { name: "Match review" })).toBeVisible();
  const first = page.getByTestId("match-candidate").first();
  if (await first.count()) {
    await expect(first.getByRole("button", { name: /Confirm/ })).toBeVisible();
    await expect(first.getByRole("button", { name: /Reject/ })).toBeVisible();
    const count = Number((await page.getByTestId("match-count").textContent())?.replace(/\D/g, "") ?? "0");
    await shots(page, "matches");
    await first.getByRole("button", { name: /Reject/ }).click();
    await expect(page.getByTestId("match-message")).toContainText("Rejected");
    await expect(page.getByTestId("match-count")).toContainText(String(count - 1));
  } else {
    await expect(page.getByText("Nothing to review")).toBeVisible();
    await shots(page, "matches");
  }
});
