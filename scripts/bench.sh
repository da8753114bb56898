#!/usr/bin/env bash
# `npm run bench`: bootstraps, builds, compiles the benchmark (bench/tsconfig.json, into
# test-output/bench/build) and runs it. Options go to bench/run.ts (--quick, --only=engine,backend).
# Takes several minutes; not part of the test command. See bench/README.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
bash scripts/build.sh
node node_modules/typescript/bin/tsc -p bench/tsconfig.json
exec node test-output/bench/build/bench/run.js "$@"
