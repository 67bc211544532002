#!/usr/bin/env bash
# The full test suite: what CI runs and what the README tells a newcomer to run.
# Installs Chromium from Debian's packages when missing, starts Ceph RGW (installing it too) and
# stops it again if this script started it, meanwhile checks the formatting, builds, typechecks while
# building the API reference, and checks the package's exports (side by side where one needs nothing of the
# other), and finally runs every vitest project on this Node, all files sharing the workers: unit,
# fuzz, readme, integration (RGW) and browser (Chromium). Node 22 and 24 are CI's: .ci/run runs
# `npm run test:nodes` first.
# Any failing step stops the run with a non-zero exit; the last lines are vitest's summary of the
# whole suite ("Tests  N passed").
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0

if [[ ! -x /usr/bin/chromium ]]; then
  echo "Installing Chromium from Debian's packages..."
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# RGW starts in the background while the checks below run (its ~12 s are mostly Ceph's daemons
# waiting on each other); vitest waits for it. Stopped again on exit if started here, pass or fail.
rgw_start=""
if ! bash scripts/s3-server.sh status; then
  rgw_log=$(mktemp)
  bash scripts/s3-server.sh start >"$rgw_log" 2>&1 &
  rgw_start=$!
  trap 'kill "$rgw_start" 2>/dev/null || true; bash scripts/s3-server.sh stop; rm -f "$rgw_log"' EXIT
fi

# Runs the given commands side by side (on 2 cores, about half the time of one after another), each
# one's output kept apart and printed whole, in the given order, once all have ended, with the time
# it took; fails if any did.
together() {
  local commands=("$@") logs pids=() failed=0 i
  logs=$(mktemp -d)
  for i in "${!commands[@]}"; do
    # shellcheck disable=SC2016 # expanded by the inner shell
    bash -c 'SECONDS=0; status=0; eval "$1" || status=$?; echo "scripts/test.sh: $1 took $SECONDS s"; exit $status' \
      _ "${commands[i]}" >"$logs/$i" 2>&1 &
    pids[i]=$!
  done
  for i in "${!commands[@]}"; do
    wait "${pids[i]}" || failed=1
    cat "$logs/$i"
  done
  rm -rf "$logs"
  return "$failed"
}

# Uppy lives in its own fixture package (its dependencies declare Node >= 22); the typecheck needs it.
together 'bash test/fixtures/uppy/install.sh' 'npm run format:check' 'npm run build'
# After the build: the typecheck resolves the package's own name (test/react/harness) to dist/'s
# types, and the package checks read dist/. The API reference is the typecheck: typedoc compiles
# tsconfig.json's program (src/, test/, scripts/), fails on any type error in it as `npm run
# typecheck` would, and turns every warning (a broken {@link}, a public type left out) into a failure.
together 'npm run docs' 'npm run check:pkg'
if [[ -n $rgw_start ]]; then
  rgw_status=0
  wait "$rgw_start" || rgw_status=$?
  cat "$rgw_log"
  ((rgw_status == 0)) || exit "$rgw_status"
fi
# What the steps before vitest took, so that a run's whole time can be told from its output.
echo "scripts/test.sh: setup and checks passed in ${SECONDS} s; now every vitest project"
npx vitest run
