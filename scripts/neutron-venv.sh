#!/usr/bin/env bash
# Makes sure a Python 3.11 venv with OpenStack Neutron 29.0.0 (and so neutron-lib 5.x) from PyPI
# exists in the project cache, then prints that venv's python path on stdout (nothing else goes to
# stdout; logs go to stderr). Used by the differential-test oracle test/oracle/neutron_rules.py.
#
#   venv:  ${SECGROUPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secgroups}/neutron-venv
#          (same cache root as scripts/bootstrap.sh)
#   env:   NEUTRON_VENV_PYTHON  interpreter to build the venv with (default: python3.11)
#
# Idempotent: when `import neutron, neutron_lib` works in the venv and neutron's version is 29.0.0
# it does nothing. A cold install takes about a minute on a 2-core machine. Concurrent runs are
# serialised with flock(1) when it is available.

set -euo pipefail

NEUTRON_VERSION=29.0.0
NEUTRON_LIB_VERSION=5.0.1
NETADDR_VERSION=1.3.0
cache=${SECGROUPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secgroups}
venv="$cache/neutron-venv"
py="$venv/bin/python"
base_python=${NEUTRON_VENV_PYTHON:-python3.11}

log() { printf '[neutron-venv] %s\n' "$*" >&2; }
die() { printf '[neutron-venv] error: %s\n' "$*" >&2; exit 1; }

venv_ok() {
  [ -x "$py" ] || return 1
  local v
  v=$("$py" -c 'import neutron, neutron_lib
from importlib.metadata import version
print(version("neutron"), version("neutron-lib"), version("netaddr"))' 2>/dev/null) || return 1
  [ "$v" = "$NEUTRON_VERSION $NEUTRON_LIB_VERSION $NETADDR_VERSION" ]
}

if venv_ok; then
  printf '%s\n' "$py"
  exit 0
fi

mkdir -p "$cache"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/neutron-venv.lock"
  flock 9
  # Another run may have finished the install while we waited for the lock.
  if venv_ok; then
    printf '%s\n' "$py"
    exit 0
  fi
fi

command -v "$base_python" >/dev/null 2>&1 || die "$base_python not found on PATH (set NEUTRON_VENV_PYTHON)"
case "$("$base_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
  3.11) ;;
  *) die "$base_python is not Python 3.11" ;;
esac

# A venv that exists but fails the check is rebuilt from scratch (a half-finished or other-version install).
if [ -e "$venv" ]; then
  log "rebuilding $venv (import check failed or neutron is not $NEUTRON_VERSION)"
  rm -rf "$venv"
fi

start=$(date +%s)
log "creating venv $venv with $base_python"
"$base_python" -m venv "$venv" >&2
log "installing neutron==$NEUTRON_VERSION from PyPI (about a minute)"
# neutron pins none of its dependencies: the ones whose behaviour the oracle reports are pinned here.
"$py" -m pip install --disable-pip-version-check --no-input --quiet "neutron==$NEUTRON_VERSION" "neutron-lib==$NEUTRON_LIB_VERSION" "netaddr==$NETADDR_VERSION" >&2
venv_ok || die "neutron==$NEUTRON_VERSION installed but 'import neutron, neutron_lib' fails in $venv"
log "done in $(( $(date +%s) - start ))s"

printf '%s\n' "$py"
