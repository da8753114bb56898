#!/usr/bin/env bash
# Makes sure a Python venv with the Pulumi Python SDK of the same release as our Pulumi CLI (the
# version tools/pulumi-cli/go.mod pins, e.g. 3.276.0) exists in the project cache, then prints that
# venv's python path on stdout (nothing else goes to stdout; logs go to stderr). Python programs
# name this venv as their `virtualenv` runtime option; our language host
# (tools/pulumi-cli/language-python) runs them with its interpreter.
#
#   venv:  ${SECGROUPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secgroups}/python-venv
#          (same cache root as scripts/bootstrap.sh)
#   env:   PYTHON_VENV_PYTHON  interpreter to build the venv with (default: python3.11, else python3; >= 3.10)
#
# Where the SDK comes from: PyPI's `pulumi==<major>.<minor>.*` (the newest patch release PyPI serves
# of the CLI's minor version). When PyPI does not serve that release (at the time of writing the
# index reachable here stops at 3.272.0 while the CLI is 3.276.0), the SDK is built from its own
# source: the Go module github.com/pulumi/pulumi/sdk/v3 at the CLI's version, which the CLI build
# already downloads from the Go module proxy, carries the Python SDK's source (python/, with
# pyproject.toml at that exact version); pip builds it with hatchling and installs its dependencies
# from PyPI. The SDK must match the CLI's minor version: the CLI and the SDK speak one protocol
# release, and the Node SDK in package-lock.json is pinned the same way.
#
# Idempotent: when `import pulumi` works in the venv and its version is the CLI's minor release it
# does nothing (well under a second). A venv with another SDK version (a CLI upgrade) gets the new
# SDK installed into it; one that still fails the check after that is rebuilt from scratch. A cold
# install takes about 15 seconds on a 2-core machine. Concurrent runs are serialised with flock(1)
# when it is available.

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SECGROUPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secgroups}
venv="$cache/python-venv"
py="$venv/bin/python"

log() { printf '[python-venv] %s\n' "$*" >&2; }
die() { printf '[python-venv] error: %s\n' "$*" >&2; exit 1; }

# The CLI's version, read as scripts/bootstrap.sh reads it.
version=$(sed -n 's#^\s*github.com/pulumi/pulumi/pkg/v3 v\([0-9.]*\)$#\1#p' "$root/tools/pulumi-cli/go.mod")
[ -n "$version" ] || die "cannot read the Pulumi version from tools/pulumi-cli/go.mod"
minor=${version%.*} # 3.276.0 -> 3.276

# Prints nothing; succeeds when the SDK imports and its version is the CLI's minor release.
venv_ok() {
  [ -x "$py" ] || return 1
  "$py" - "$minor" >/dev/null 2>&1 <<'PY'
import sys
import pulumi, pulumi.runtime  # noqa: F401
from importlib.metadata import version
v = version("pulumi")
sys.exit(0 if v == sys.argv[1] or v.startswith(sys.argv[1] + ".") else 1)
PY
}

if venv_ok; then
  printf '%s\n' "$py"
  exit 0
fi

mkdir -p "$cache"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/python-venv.lock"
  flock 9
  # Another run may have finished the install while we waited for the lock.
  if venv_ok; then
    printf '%s\n' "$py"
    exit 0
  fi
fi

if [ -n "${PYTHON_VENV_PYTHON:-}" ]; then
  base_python=$PYTHON_VENV_PYTHON
elif command -v python3.11 >/dev/null 2>&1; then
  base_python=python3.11
else
  base_python=python3
fi
command -v "$base_python" >/dev/null 2>&1 || die "$base_python not found on PATH (set PYTHON_VENV_PYTHON)"
"$base_python" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 10))' ||
  die "$base_python is older than Python 3.10, the oldest the Pulumi SDK $version supports"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pip() { "$py" -m pip --disable-pip-version-check --no-input "$@"; }

# The SDK's source in the Go module cache the CLI build uses (downloaded there if missing).
sdk_source() {
  local gomodcache="$cache/go/mod" dir
  dir="$gomodcache/github.com/pulumi/pulumi/sdk/v3@v$version/python"
  if [ ! -f "$dir/pyproject.toml" ]; then
    command -v go >/dev/null 2>&1 || die "PyPI serves no pulumi $minor.x and Go is missing to fetch the SDK's source module; install Go >= 1.26"
    log "downloading the Go module github.com/pulumi/pulumi/sdk/v3@v$version (it holds the Python SDK's source)"
    (cd "$root/tools/pulumi-cli" && GOMODCACHE="$gomodcache" GOFLAGS=-mod=mod go mod download "github.com/pulumi/pulumi/sdk/v3@v$version") >&2
  fi
  [ -f "$dir/pyproject.toml" ] || die "no Python SDK source at $dir"
  grep -q "^version = \"$version\"$" "$dir/pyproject.toml" || die "$dir/pyproject.toml is not version $version"
  printf '%s\n' "$dir"
}

# Installs the SDK into the venv. Called where `set -e` does not apply, so each step checks itself.
install_sdk() {
  local out src
  # PyPI first. Its answer is kept: shown only when it is not the expected "no such version".
  if out=$(pip install --quiet "pulumi==$minor.*" 2>&1); then
    log "installed pulumi $minor.x from PyPI"
    return 0
  fi
  if ! grep -q "No matching distribution found for pulumi==" <<<"$out"; then
    printf '%s\n' "$out" >&2
    return 1
  fi
  log "PyPI serves no pulumi $minor.x; building the SDK $version from the source in the Go module github.com/pulumi/pulumi/sdk/v3@v$version"
  src=$(sdk_source) || return 1
  # The module cache is read-only; pip builds from a writable copy of what the wheel needs.
  rm -rf "$tmp/python" && mkdir -p "$tmp/python/lib" &&
    cp -r "$src/pyproject.toml" "$src/README.md" "$src/LICENSE" "$tmp/python/" &&
    cp -r "$src/lib/pulumi" "$tmp/python/lib/" &&
    chmod -R u+w "$tmp/python" || return 1
  pip install --quiet "$tmp/python" >&2
}

start=$(date +%s)
# A venv with another SDK version (a CLI upgrade): install into it in place, so whatever else was
# installed into it (SDKs that `pulumi package add` generated) stays. A failure is rebuilt below.
if [ -x "$py" ] && "$py" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 10))' 2>/dev/null; then
  log "installing the Pulumi SDK $minor.x into the existing $venv"
  if install_sdk && venv_ok; then
    log "done in $(( $(date +%s) - start ))s"
    printf '%s\n' "$py"
    exit 0
  fi
fi

if [ -e "$venv" ]; then
  log "rebuilding $venv (the import or version check failed)"
  rm -rf "$venv"
fi

log "creating venv $venv with $base_python"
"$base_python" -m venv "$venv" >&2
log "installing the Pulumi SDK $minor.x (about 15 seconds)"
install_sdk || die "installing the Pulumi SDK $minor.x into $venv failed (see above)"
venv_ok || die "the Pulumi SDK was installed but \`import pulumi\` or its version ($minor.x) fails in $venv"
log "done in $(( $(date +%s) - start ))s"

printf '%s\n' "$py"
