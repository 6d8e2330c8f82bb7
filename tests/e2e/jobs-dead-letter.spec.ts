/**
 * The failed-jobs page (issue 15, /settings/jobs) in Chromium: an admin finds it in the navigation, sees the
 * organization's failed jobs in words (kind, connection name, what went wrong, attempts, when) and retries one;
 * a CSM has no link and gets "needs the admin role". Writes its failed jobs into the e2e database itself (a real
 * failure would need a broken vendor), so it runs alone. Screenshot: test-results/screens/jobs-dead-letter-1280.png.
 */
import { expect, test } from "@playwright/test";
import { createPrisma } from "@/lib/db/prisma";
import { screenshot, signIn } from "./helpers";

test("an admin sees failed jobs in words and retries one; a CSM does not see the page", async ({ page }) => {
  const db = createPrisma("file:./data/e2e.db"); // playwright.config.ts E2E_DB
  const org = await db.organization.findFirstOrThrow({ where: { slug: "e2e" } });
  const conn = await db.connection.findFirst({ where: { organizationId: org.id, provider: "hubspot" } })
    ?? await db.connection.create({ data: { organizationId: org.id, provider: "hubspot", externalAccountId: "e2e-jobs", displayName: "Acme HubSpot portal", status: "error" } });
  const ago = (min: number) => new Date(Date.now() - min * 60_000);
  await db.job.create({ data: { organizationId: org.id, name: "sync-connection-job", payload: { connectionId: conn.id, full: true }, status: "failed", attempts: 5, maxAttempts: 5, createdAt: ago(50), finishedAt: ago(42),
    error: "HTTP-Code: 401\nMessage: Authentication credentials not found. This API supports OAuth 2.0 authentication\n    at SyncRunner.page (lib/sync/run.ts:120:11)" } });
  await db.job.create({ data: { organizationId: org.id, name: "score-shard-job", payload: { runId: "r1", shardId: "s7" }, status: "failed", attempts: 3, maxAttempts: 3, createdAt: ago(20), finishedAt: ago(18),
    error: "Error: connect ECONNREFUSED 10.0.0.5:5432" } });
  const retryable = await db.job.create({ data: { organizationId: org.id, name: "noop-job", payload: { steps: 1, stepMs: 10 }, status: "failed", attempts: 1, maxAttempts: 1, createdAt: ago(6), finishedAt: ago(5),
    error: "worker stopped while running (no heartbeat); resumed" } });
  await db.$disconnect();

  await signIn(page, "csm");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" })).toHaveCount(0);
  await page.goto("/settings/jobs");
  await expect(page.getByRole("alert").filter({ hasText: "needs the admin role" })).toBeVisible();
  await expect(page.getByTestId("failed-jobs")).toHaveCount(0);
  await page.context().clearCookies();

  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).click();
  await expect(page).toHaveURL(/\/settings\/jobs$/);
  const rows = page.getByTestId("failed-job-row");
  await expect(rows).toHaveCount(3);
  const sync = rows.filter({ hasText: "HubSpot sync" });
  await expect(sync).toContainText(conn.displayName);
  await expect(sync).toContainText("The vendor refused the connection's credentials: reconnect it on the Integrations page.");
  await expect(sync.getByTestId("failed-job-error")).not.toContainText("SyncRunner.page");
  await expect(rows.filter({ hasText: "Scoring run (one shard)" })).toContainText("could not be reached");
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(page, "jobs-dead-letter-1280");

  const row = page.locator(`[data-job-id="${retryable.id}"]`);
  await row.getByTestId("retry-job").click();
  await expect(row.getByTestId("retried")).toContainText("Queued again");
  const res = await page.request.get(`/api/jobs/${retryable.id}`);
  expect(res.ok()).toBe(true);
  expect(["queued", "running", "succeeded"]).toContain(((await res.json()) as { status: string }).status);
  await page.reload();
  await expect(page.getByTestId("failed-job-row")).toHaveCount(2);
});
