#!/usr/bin/env bash
# The whole suite (README: `npm install && npm test`): type check, lint, unit + integration tests on
# SQLite, the database tests again on PostgreSQL when TEST_DATABASE_URL is set (not the sandbox contract tests
# nor the RavenStack demo path, which run once on SQLite), then the browser tests
# in Chromium against the built app. Prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
failed=0; passed=0
step() { # name, command...
  local name="$1"; shift
  echo; echo "══ $name"
  local t0=$SECONDS
  if "$@"; then passed=$((passed+1)); echo "── $name: ok ($((SECONDS-t0)) s)"; else failed=$((failed+1)); echo "── $name: FAILED ($((SECONDS-t0)) s)"; fi
}
step "type check" npx tsc --noEmit -p .
step "lint" npx eslint . --max-warnings=0
step "unit + integration tests (SQLite)" npx vitest run
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  step "database tests (PostgreSQL)" env CHURNWATCH_TEST_DB=postgres npx vitest run tests/ --exclude "tests/sandbox/**" --exclude "tests/demo/**"
else
  echo; echo "(TEST_DATABASE_URL not set: skipping the PostgreSQL pass; .ci/run sets it)"
fi
if [ "${SKIP_E2E:-0}" != "1" ]; then
  step "build" npx next build
  step "browser tests (Chromium)" npx playwright test
fi
echo
echo "test steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
