/**
 * The CSM's day (runs after 1-admin-journey, which connected and synced the sandbox data):
 * sees the dashboard and the Latest Churn Scores table, opens an account, and never sees admin controls —
 * the server refuses the admin pages and routes anyway.
 */
import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./helpers";

test("a CSM reviews at-risk accounts but cannot reach integrations", async ({ page }) => {
  await signIn(page, "csm");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" })).toHaveCount(0);
  await expect(page.getByTestId("stat-accounts")).not.toHaveText("0");
  await screenshot(page, "csm-dashboard");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Accounts", exact: true }).click();
  await expect(page.getByTestId("account-row").first()).toBeVisible();
  await page.getByTestId("account-row").first().getByRole("link").first().click();
  await expect(page.getByTestId("account-name")).toBeVisible();
  await expect(page.getByTestId("factor-breakdown")).toBeVisible();
  await expect(page.getByRole("button", { name: "Unlink" })).toHaveCount(0);
  await screenshot(page, "csm-account");

  await page.goto("/integrations");
  await expect(page.getByTestId("not-allowed")).toContainText("needs the admin role");
  await expect(page.getByRole("button", { name: /Test & Save|Sync Now/ })).toHaveCount(0);

  const res = await page.request.post("/api/integrations/hubspot/sync");
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe("forbidden");
});

test("a wrong password shows a clear message without saying whether the e-mail exists", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("E-mail").fill("csm@e2e.local");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("Wrong e-mail or password.");
});
