#!/usr/bin/env bash
# Makes sure a Python 3.11 venv with OpenStack Neutron 29.0.0 (and so neutron-lib 5.x) and Keystone
# 30.0.0 from PyPI, served by gunicorn with psycopg2 for PostgreSQL, exists in the project cache,
# then prints that venv's python path on stdout (nothing else goes to stdout; logs go to stderr).
# Used by the differential-test oracle test/oracle/neutron_rules.py and by tools/neutron.ts, which
# runs the real Neutron and Keystone APIs for the tests.
#
#   venv:  ${SECGROUPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secgroups}/neutron-venv
#          (same cache root as scripts/bootstrap.sh)
#   env:   NEUTRON_VENV_PYTHON  interpreter to build the venv with (default: python3.11)
#
# Idempotent: when `import neutron, neutron_lib, keystone, gunicorn, psycopg2` works in the venv
# and the six pinned distributions below have exactly their versions it does nothing (about a
# second). A venv that has some of them (an older run of this script) gets the missing ones
# installed into it; one that still fails the check after that is rebuilt from scratch. A cold
# install takes one to two minutes on a 2-core machine. Concurrent runs are serialised with
# flock(1) when it is available.

set -euo pipefail

# neutron and keystone pin none of their dependencies: the ones whose behaviour the oracle reports
# (neutron-lib, netaddr) and the ones the harness runs them with (gunicorn, psycopg2) are pinned here.
PINS=(
  "neutron==29.0.0"
  "neutron-lib==5.0.1"
  "netaddr==1.3.0"
  "keystone==30.0.0"
  "gunicorn==27.0.1"
  "psycopg2-binary==2.9.13"
)
cache=${SECGROUPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secgroups}
venv="$cache/neutron-venv"
py="$venv/bin/python"
base_python=${NEUTRON_VENV_PYTHON:-python3.11}

log() { printf '[neutron-venv] %s\n' "$*" >&2; }
die() { printf '[neutron-venv] error: %s\n' "$*" >&2; exit 1; }

# Prints nothing; succeeds when every module imports and every pin is installed at its version.
venv_ok() {
  [ -x "$py" ] || return 1
  "$py" - "${PINS[@]}" >/dev/null 2>&1 <<'PY'
import sys
import neutron, neutron_lib, keystone, gunicorn, psycopg2  # noqa: F401
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    if version(name) != wanted:
        sys.exit(1)
PY
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

pip_install() {
  "$py" -m pip install --disable-pip-version-check --no-input --quiet "${PINS[@]}" >&2
}

start=$(date +%s)
# A venv from an older version of this script (neutron only): add what is missing in place, so a
# test using it meanwhile keeps its interpreter. Whatever still fails the check is rebuilt below.
if [ -x "$py" ] && "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  log "installing into the existing $venv: ${PINS[*]}"
  if pip_install && venv_ok; then
    log "done in $(( $(date +%s) - start ))s"
    printf '%s\n' "$py"
    exit 0
  fi
fi

# A venv that exists but fails the check is rebuilt from scratch (a half-finished or other-version install).
if [ -e "$venv" ]; then
  log "rebuilding $venv (the import or version check failed)"
  rm -rf "$venv"
fi

log "creating venv $venv with $base_python"
"$base_python" -m venv "$venv" >&2
log "installing ${PINS[*]} from PyPI (one to two minutes)"
pip_install
venv_ok || die "${PINS[*]} installed but the import or version check fails in $venv"
log "done in $(( $(date +%s) - start ))s"

printf '%s\n' "$py"
