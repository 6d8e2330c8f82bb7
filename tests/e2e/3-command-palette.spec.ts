/**
 * The command palette (issue 18), on its own or after the admin journey: Ctrl-K finds an account by a partial
 * domain; "sync hubspot data" shows what it understood, runs after Run as an admin and puts the job in a toast
 * with a link; "show hubspot deals for <name>" opens that account's deals; a CSM is refused the sync with a
 * clear message. The spec connects HubSpot through the API (Test & Save with the sandbox token) and writes
 * one account with a deal straight into the e2e database, so it does not wait for a RavenStack sync.
 */
import { expect, test, type Page } from "@playwright/test";
import { createPrisma } from "@/lib/db/prisma";
import { sandboxInfo, screenshot, signIn } from "./helpers";
import { E2E_USERS } from "./users";

const NAME = "Palette Rocketry Works";
const DOMAIN = "palette-rocketry-works.example";
let accountId = "";

/** Ctrl-K until the palette shows: a key pressed before React has hydrated the page reaches no listener
 * (the shortcut toggles, so it is pressed again only while the palette is still closed). */
async function openPalette(page: Page) {
  const input = page.getByTestId("palette-input");
  await expect(async () => {
    if (!(await input.isVisible())) await page.keyboard.press("Control+k");
    await expect(input).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

test.beforeAll(async ({ request }, info) => {
  // Connect HubSpot (idempotent: Test & Save again updates the connection) as the admin.
  const origin = new URL(info.project.use.baseURL!).origin;
  const signInRes = await request.post("/api/auth/sign-in/email", { data: { email: E2E_USERS.admin.email, password: E2E_USERS.admin.password }, headers: { origin } });
  expect(signInRes.ok()).toBe(true);
  const conf = await request.post("/api/integrations/hubspot/configure", { data: { token: sandboxInfo().hubspot.privateAppToken }, headers: { origin } });
  expect(conf.ok()).toBe(true);
  const connectionId = (await conf.json()).connection.id as string;
  const db = createPrisma("file:./data/e2e.db"); // playwright.config.ts E2E_DB
  try {
    const m = await db.membership.findFirstOrThrow({ where: { user: { email: E2E_USERS.admin.email } } });
    const existing = await db.account.findFirst({ where: { organizationId: m.organizationId, name: NAME } });
    const a = existing ?? await db.account.create({ data: { organizationId: m.organizationId, name: NAME, domain: DOMAIN, lifecycleState: "customer", mrrCents: 120_000, mrrCurrency: "usd", healthScore: 35, riskLevel: "critical" } });
    accountId = a.id;
    await db.deal.upsert({
      where: { connectionId_externalId: { connectionId, externalId: "palette-deal-1" } },
      create: { organizationId: m.organizationId, connectionId, externalId: "palette-deal-1", accountId: a.id, name: "Palette renewal 2027", dealStage: "contractsent", amountCents: 1_440_000, currency: "usd" },
      update: { accountId: a.id },
    });
  } finally {
    await db.$disconnect();
  }
});

test("an admin finds an account by a partial domain, syncs HubSpot from the palette and opens an account's deals", async ({ page }) => {
  await signIn(page, "admin");
  await openPalette(page);
  await page.getByTestId("palette-input").fill("rocketry-works.ex");
  await expect(page.getByTestId("palette-account").filter({ hasText: NAME })).toBeVisible();
  await screenshot(page, "palette-search");
  await page.getByTestId("palette-account").filter({ hasText: NAME }).click();
  await expect(page).toHaveURL(new RegExp(`/accounts/${accountId}$`));
  await expect(page.getByTestId("account-name")).toHaveText(NAME);

  await openPalette(page);
  await page.getByTestId("palette-input").fill("sync hubspot data");
  await expect(page.getByTestId("palette-understood")).toContainText("Sync HubSpot (incremental");
  await page.getByTestId("palette-run").click();
  await expect(page.getByTestId("palette-confirm")).toContainText("Sync HubSpot");
  await screenshot(page, "palette-confirm");
  await page.getByTestId("palette-confirm-run").click();
  const toast = page.getByTestId("job-toast").first();
  await expect(toast).toBeVisible();
  await expect(toast.getByTestId("job-toast-link")).toHaveAttribute("href", /^\/api\/jobs\/[a-z0-9]+$/);
  await expect(toast.getByTestId("job-toast-status")).toHaveText(/queued|running|succeeded/);
  const job = await page.request.get((await toast.getByTestId("job-toast-link").getAttribute("href"))!);
  expect((await job.json()).name).toBe("sync-connection-job");
  await screenshot(page, "palette-job-toast");

  await openPalette(page);
  await page.getByTestId("palette-input").fill(`show hubspot deals for ${NAME}`);
  await expect(page.getByTestId("palette-understood")).toContainText("HubSpot deals");
  await page.getByTestId("palette-run").click();
  await expect(page).toHaveURL(new RegExp(`/accounts/${accountId}#deals$`));
  await expect(page.locator("#deals")).toContainText("Palette renewal 2027");
});

test("a CSM is refused 'sync hubspot data' with a clear message", async ({ page }) => {
  await signIn(page, "csm");
  await openPalette(page);
  await page.getByTestId("palette-input").fill("sync hubspot data");
  await page.getByTestId("palette-run").click();
  await expect(page.getByTestId("palette-message")).toContainText("needs the admin role");
  await expect(page.getByTestId("palette-message")).toContainText("signed in as a CSM");
  await expect(page.getByTestId("palette-confirm")).toHaveCount(0);
  await screenshot(page, "palette-csm-refused");
});
