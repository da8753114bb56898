#!/usr/bin/env bash
# Compiles the package to dist/ (after the bootstrap has put Node >= 22 on PATH).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node node_modules/typescript/bin/tsc -p tsconfig.json
# The `secgroups` command (package.json "bin") runs as a program when called by its path.
chmod +x dist/provider/cli/main.js
