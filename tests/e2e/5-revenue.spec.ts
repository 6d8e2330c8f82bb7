/**
 * The Revenue page in Chromium (issue 17) against the e2e server (tests/e2e/serve.ts: fresh DB, seeded owner + CSM,
 * RavenStack sandbox). Connects and syncs Stripe itself when no other spec did, waits for the MRR movements, then: the stats,
 * the bridge chart, retention chart and forecast chart render (recharts), the bridge table closes month by month, the
 * cohort heat map has cells, the movements CSV downloads, an admin sets a reporting currency, and a CSM sees the page
 * without the admin forms. Screenshots go to test-results/screens/revenue-*.png.
 */
import { expect, test } from "@playwright/test";
import { sandboxInfo, screenshot, signIn } from "./helpers";

test.describe.configure({ mode: "serial" });

type Month = { month: string; start_cents: number; new_cents: number; expansion_cents: number; contraction_cents: number; churn_cents: number; reactivation_cents: number; end_cents: number };

test("an admin reads the MRR bridge, retention, cohorts and forecast, and downloads the movements", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, "admin");
  await page.goto("/integrations");
  const section = page.getByTestId("provider-stripe");
  if (!(await page.getByTestId("connection-stripe").count())) {
    const info = sandboxInfo();
    await section.getByLabel("API key").fill(info.stripe.restrictedKeys.readAll ?? info.stripe.secretKey);
    await section.getByRole("button", { name: "Test & Save" }).click();
    await expect(page.getByTestId("connection-stripe")).toBeVisible();
  }
  // Sync Stripe unless another spec already did (Test & Save does not sync; a running sync is returned, not started
  // twice), then wait until movements exist.
  let series: { currency: string; months: Month[]; current_mrr_cents: number }[] = [];
  const mrr = async () => {
    const r = await page.request.get("/api/revenue?months=24");
    return r.ok() ? ((await r.json()) as { series: typeof series }).series.reduce((a, s) => a + s.current_mrr_cents, 0) : 0;
  };
  if ((await mrr()) === 0) expect((await page.request.post("/api/integrations/stripe/sync")).status()).toBeLessThan(300);
  await expect.poll(async () => {
    const r = await page.request.get("/api/revenue?months=24");
    if (!r.ok()) return 0;
    // The movements are built by revenue-movements-job after the sync: wait until no build is queued or running.
    const body = (await r.json()) as { series: typeof series; build?: { state: string } };
    if (body.build && body.build.state !== "idle") return 0;
    series = body.series;
    return series.reduce((a, s) => a + s.current_mrr_cents, 0);
  }, { timeout: 240_000, intervals: [3_000] }).toBeGreaterThan(0);
  // The bridge closes every month.
  for (const s of series) {
    let prev = s.months[0]!.start_cents;
    for (const m of s.months) {
      expect(m.start_cents).toBe(prev);
      expect(m.start_cents + m.new_cents + m.expansion_cents + m.contraction_cents + m.churn_cents + m.reactivation_cents).toBe(m.end_cents);
      prev = m.end_cents;
    }
  }

  await page.goto("/revenue");
  await expect(page.getByRole("heading", { name: "Revenue", exact: true })).toBeVisible();
  await expect(page.getByTestId("revenue-mrr")).not.toHaveText("—");
  await expect(page.getByTestId("revenue-bridge-chart").locator("svg.recharts-surface").first()).toBeVisible();
  await expect(page.getByTestId("revenue-retention-chart").locator("svg.recharts-surface").first()).toBeVisible();
  // One row per month of the last 12 that has history (the first series shown is the page's default currency).
  await expect(page.getByTestId("revenue-bridge-table").locator("tbody tr")).toHaveCount(Math.min(12, series[0]!.months.length));
  await expect(page.getByTestId("revenue-cohort-heatmap").locator("tbody tr").first()).toBeVisible();
  await expect(page.getByTestId("revenue-movements").locator("tbody tr").first()).toBeVisible();
  if (await page.getByTestId("revenue-forecast-summary").count()) await expect(page.getByTestId("revenue-forecast-chart").locator("svg.recharts-surface").first()).toBeVisible();
  await screenshot(page, "revenue-admin-1280");

  // Cohorts: switch the heat map to logos.
  await page.getByRole("button", { name: "Logos" }).click();
  await expect(page.getByRole("button", { name: "Logos" })).toHaveAttribute("aria-pressed", "true");

  // CSV of the movements: a header and one line per movement.
  const csv = await page.request.get("/api/revenue/movements?format=csv");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const lines = (await csv.text()).trim().split(/\r?\n/);
  expect(lines[0]).toBe("at,account_id,account,currency,kind,delta_cents,mrr_before_cents,mrr_after_cents,reporting_delta_cents,explanation");
  expect(lines.length).toBeGreaterThan(10);

  // Reporting currency: RavenStack bills in usd only, so usd needs no rate and the page says it converts.
  await page.getByTestId("revenue-reporting-currency").fill("usd");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Reporting currency set to USD.")).toBeVisible();
  await page.reload(); // the rebuild in the reporting currency happens on this read
  await expect(page.getByText("converted to USD at each day's rate")).toBeVisible({ timeout: 60_000 });
});

test("a CSM reads the Revenue page without the admin forms", async ({ page }) => {
  await signIn(page, "csm");
  await page.getByRole("link", { name: "Revenue" }).click();
  await expect(page.getByRole("heading", { name: "Revenue", exact: true })).toBeVisible();
  await expect(page.getByTestId("revenue-bridge-chart").locator("svg.recharts-surface").first()).toBeVisible();
  await expect(page.getByTestId("revenue-reporting-currency")).toHaveCount(0);
  await screenshot(page, "revenue-csm-1280");
});
