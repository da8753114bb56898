#!/usr/bin/env bash
# The soaks, outside the test command (which runs fewer of each): the crash runs — the provider
# SIGKILLed during `pulumi up`, then refresh + up, checked to leave exactly the program — 10 per
# backend on SQLite, PostgreSQL and a real Neutron (test/e2e/crash.*.e2e.test.ts with CRASH_RUNS=10;
# the test command runs 3), and the race of 50 concurrent attachments to one rackspace PublicNet port
# on a real Neutron, 10 runs in one process and 10 across four processes
# (test/integration/openstackRace.test.ts with RACE_RUNS=10; the test command runs 2 of each).
# About 45 minutes on the 2-core development machine. CRASH_RUNS=N / RACE_RUNS=N change the counts;
# further arguments go to vitest: a test file among them runs that soak only (e.g.
# test/e2e/crash.neutron.e2e.test.ts), other options (-t NAME) apply to all four.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$SECGROUPS_ROOT"
bash scripts/build.sh
export CRASH_RUNS="${CRASH_RUNS:-10}" RACE_RUNS="${RACE_RUNS:-10}"
files=(test/e2e/crash.sqlite.e2e.test.ts test/e2e/crash.postgres.e2e.test.ts test/e2e/crash.neutron.e2e.test.ts test/integration/openstackRace.test.ts)
for arg in "$@"; do
  if [ -f "$arg" ]; then files=(); fi
done
exec node node_modules/vitest/vitest.mjs run "${files[@]}" "$@"
