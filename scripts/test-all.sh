#!/usr/bin/env bash
# The whole suite (README: `npm install && npm test`): type check, lint, unit + integration tests on
# SQLite, the database tests again on PostgreSQL when TEST_DATABASE_URL is set (not the sandbox contract tests
# nor the RavenStack demo path, which run once on SQLite), then the browser tests in Chromium against the
# built app. Ends with one line "tests: N passed, N failed" (test cases of vitest and Playwright; a failing
# type check, lint or build counts as one failure).
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT
passed=0; failed=0; steps_failed=0
strip() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }
count() { # log file, kind (vitest|playwright): add its passed/failed test counts
  local p f
  if [ "$2" = vitest ]; then
    p=$(strip "$1" | grep -E '^\s+Tests\s' | tail -1 | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
    f=$(strip "$1" | grep -E '^\s+Tests\s' | tail -1 | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
  else
    p=$(strip "$1" | grep -E '^\s+[0-9]+ passed' | tail -1 | grep -oE '[0-9]+' | head -1 || true)
    f=$(strip "$1" | grep -E '^\s+[0-9]+ failed' | tail -1 | grep -oE '[0-9]+' | head -1 || true)
  fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}
step() { # name, kind (check|vitest|playwright), command...
  local name="$1" kind="$2"; shift 2
  local log="$LOG_DIR/step.log" t0=$SECONDS rc
  echo; echo "══ $name"
  "$@" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
  [ "$kind" != check ] && count "$log" "$kind"
  if [ "$rc" -eq 0 ]; then echo "── $name: ok ($((SECONDS-t0)) s)"
  else
    echo "── $name: FAILED ($((SECONDS-t0)) s)"; steps_failed=$((steps_failed+1))
    # a step that failed without reporting failed tests (type errors, lint, a crash) counts as one failure
    if [ "$kind" = check ] || ! strip "$log" | grep -qE '[0-9]+ failed'; then failed=$((failed+1)); fi
  fi
}
step "type check" check npx tsc --noEmit -p .
step "lint" check npx eslint . --max-warnings=0
step "import cycles (madge, lib/)" check npm run --silent check:cycles
step "unit + integration tests (SQLite)" vitest npx vitest run
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  step "database tests (PostgreSQL)" vitest env CHURNWATCH_TEST_DB=postgres npx vitest run tests/ --exclude "tests/sandbox/**" --exclude "tests/demo/**"
else
  echo; echo "(TEST_DATABASE_URL not set: skipping the PostgreSQL pass; .ci/run sets it)"
fi
if [ "${SKIP_E2E:-0}" != "1" ]; then
  step "build" check npx next build
  step "browser tests (Chromium)" playwright npx playwright test
fi
echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$steps_failed" -eq 0 ]
