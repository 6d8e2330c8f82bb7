/** Shared steps for the browser tests. */
import { readFileSync } from "node:fs";
import { expect, type Page } from "@playwright/test";
import { E2E_USERS } from "./users";

export async function signIn(page: Page, who: keyof typeof E2E_USERS) {
  const u = E2E_USERS[who];
  await page.goto("/sign-in");
  await page.getByLabel("E-mail").fill(u.email);
  await page.getByLabel("Password").fill(u.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("role-badge")).toHaveText(u.role);
}

/** The sandbox's /__sandbox/info as written by serve.ts (tokens, keys). */
export function sandboxInfo(): { hubspot: { privateAppToken: string }; stripe: { secretKey: string; restrictedKeys: Record<string, string> } } {
  return JSON.parse(readFileSync("data/e2e-sandbox.json", "utf8"));
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}
