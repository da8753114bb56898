#!/usr/bin/env bash
# Every test: unit, backend contract and end-to-end (real Pulumi CLI, real SQLite and PostgreSQL). Installs/builds what is
# missing first (scripts/bootstrap.sh). Ends with the plain line `tests: N passed, M failed`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$SECGROUPS_ROOT"
bash scripts/build.sh

rm -rf test-output
mkdir -p test-output
set +e
node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@"
status=$?

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
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;
JS
summary=$?
set -e
if [ "$status" -ne 0 ] && [ "$summary" -eq 0 ]; then exit "$status"; fi
exit "$summary"
