import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Unit + integration tests (not the browser tests: those are Playwright, see playwright.config.ts).
 * - `*.test.ts` next to code in lib/ and sandbox/: pure logic.
 * - `tests/**\/*.test.ts`: real SQLite (and PostgreSQL when TEST_DATABASE_URL is set), the sandbox over HTTP.
 */
export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // "server-only" throws outside React Server Components; neutralise it in tests.
      "server-only": fileURLToPath(new URL("./tests/helpers/empty.ts", import.meta.url)),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "sandbox/**/*.test.ts", "tests/**/*.test.ts", "scripts/**/*.test.ts"],
    exclude: ["node_modules", "tests/e2e/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["tests/global-setup.ts"],
    // The application's job kinds, registered as the entry points do (lib/app/register-jobs.ts).
    setupFiles: ["tests/helpers/register-jobs.ts"],
  },
});
