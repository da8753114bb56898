#!/usr/bin/env bash
# Every test: unit, backend contract and end-to-end (real Pulumi CLI, real SQLite and PostgreSQL). Installs/builds what is
# missing first (scripts/bootstrap.sh). Ends with the plain line `tests: N passed, M failed`.
set -euo pipefail
# What git shows before anything runs: the run (bootstrap, build, tests) must add nothing to it.
status_before=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && git status --porcelain 2>/dev/null || true)
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$SECGROUPS_ROOT"
bash scripts/build.sh
# The benchmark's peer (OpenTofu and terraform-provider-openstack, from Go modules into the cache):
# the quick benchmark run among the tests needs it; built here so that its first build (minutes)
# is not a test's time.
bash scripts/tofu.sh >/dev/null

rm -rf test-output
mkdir -p test-output
set +e
node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@"
status=$?

# A file the run left in the tree that git would show (a rewritten lock, an unignored output) is a failure.
status_after=$(git status --porcelain 2>/dev/null || true)
dirtied=$(comm -13 <(printf '%s\n' "$status_before" | sort) <(printf '%s\n' "$status_after" | sort) | sed '/^$/d')
if [ -n "$dirtied" ]; then
  printf 'the test run left the working tree changed (git status --porcelain):\n%s\n' "$dirtied" >&2
fi
export SECGROUPS_TREE_DIRTIED=${dirtied:+1}

node - <<'JS'
const fs = require("node:fs");
let passed = 0, failed = 0, skipped = 0;
try {
  const r = JSON.parse(fs.readFileSync("test-output/vitest.json", "utf8"));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
  // A test file that failed to load has no test results of its own: count it as one failure.
  for (const f of r.testResults) if (f.status === "failed" && f.assertionResults.length === 0) failed += 1;
} catch (e) {
  console.error(`could not read the test results: ${e.message}`);
  failed += 1;
}
// The run dirtying the working tree counts as one failed test (scripts/test.sh compares git status).
if (process.env.SECGROUPS_TREE_DIRTIED) failed += 1;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;
JS
summary=$?
set -e
if [ "$status" -ne 0 ] && [ "$summary" -eq 0 ]; then exit "$status"; fi
exit "$summary"
