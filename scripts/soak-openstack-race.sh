#!/usr/bin/env bash
# Issue 16's soak: 50 concurrent attachments to one rackspace PublicNet port on a real Neutron, 10 runs
# in one process and 10 across four processes (test/integration/openstackRace.test.ts with
# RACE_RUNS=10; the test command runs 2 of each). Not part of the test command: about 30 minutes on
# the 2-core development machine. Further arguments go to vitest. RACE_RUNS=N runs N of each instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$SECGROUPS_ROOT"
export RACE_RUNS="${RACE_RUNS:-10}"
exec node node_modules/vitest/vitest.mjs run test/integration/openstackRace.test.ts "$@"
