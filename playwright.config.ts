/**
 * Browser tests: Debian's Chromium (never a downloaded browser) against the built app (`next build`
 * first; scripts/test-all.sh does it) with the sandbox. `webServer` runs tests/e2e/serve.ts: a fresh SQLite
 * database with seeded users, the sandbox on loopback, and `next start`.
 */
import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3111);
export const E2E_DB = "file:./data/e2e.db";

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: "chromium",
    headless: true,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  webServer: {
    command: `npx tsx tests/e2e/serve.ts`,
    env: {
      DATABASE_URL: E2E_DB,
      E2E_PORT: String(PORT),
      NEXT_TELEMETRY_DISABLED: "1",
      APP_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
      BETTER_AUTH_SECRET: "e2e-auth-secret-e2e-auth-secret-1234567",
      BETTER_AUTH_URL: `http://127.0.0.1:${PORT}`,
      CRON_SECRET: "e2e-cron",
      HUBSPOT_API_BASE_URL: process.env.E2E_HUBSPOT_URL ?? "http://127.0.0.1:4710",
      STRIPE_API_BASE_URL: process.env.E2E_STRIPE_URL ?? "http://127.0.0.1:4720",
      LOG_LEVEL: "warn",
    },
    url: `http://127.0.0.1:${PORT}/sign-in`,
    reuseExistingServer: false,
    timeout: 180_000,
  },
});
