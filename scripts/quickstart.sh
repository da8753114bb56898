#!/usr/bin/env bash
# The main job: bring examples/quickstart up on the embedded SQLite backend with a local file
# Pulumi backend, and print what was created. Installs/builds what is missing (scripts/bootstrap.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
bash "$SECGROUPS_ROOT/scripts/build.sh"

cd "$SECGROUPS_ROOT/examples/quickstart"
# The state directory holds the stack's secrets: only its owner may read it (mode 0700, as the backend's).
(umask 077 && mkdir -p .secgroups/pulumi-state)
export PULUMI_BACKEND_URL="file://$PWD/.secgroups/pulumi-state"
# The passphrase examples/quickstart/README.md uses, so its steps work on the stack this script made.
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-dev}
pulumi stack select --create --non-interactive dev >/dev/null
pulumi up --yes --non-interactive --skip-preview
echo
echo "Stack outputs:"
pulumi stack output --json
echo
echo "In the backend ($(pwd)/.secgroups/cloud.db):"
# The `secgroups` CLI (docs/cli.md), reading the stack's settings here: the group with its rules and
# revision number, as `openstack security group show` prints it; then the server and its groups.
secgroups=(node "$SECGROUPS_ROOT/dist/provider/cli/main.js")
"${secgroups[@]}" group show allow-ssh-from-anywhere
"${secgroups[@]}" server list
