#!/usr/bin/env bash
# The full test suite: what CI runs and what the README tells a newcomer to run.
# Installs Chromium from Debian's packages when missing, starts Ceph RGW (installing it too) and
# stops it again if this script started it, then typechecks, builds, checks the package's exports,
# and finally runs every vitest project on this Node: unit, fuzz, readme, integration (RGW) and
# browser (Chromium). Node 22 and 24 are CI's: .ci/run runs `npm run test:nodes` first.
# Any failing step stops the run with a non-zero exit; the last lines are vitest's summary of the
# whole suite ("Tests  N passed").
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]]; then
  echo "Installing Chromium from Debian's packages..."
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

if ! bash scripts/s3-server.sh status; then
  bash scripts/s3-server.sh start
  trap 'bash scripts/s3-server.sh stop' EXIT
fi

# Uppy lives in its own fixture package (its dependencies declare Node >= 22); the typecheck needs it.
bash test/fixtures/uppy/install.sh
npm run format:check
npm run typecheck
# The API reference: typedoc.json turns every warning (a broken {@link}, a public type left out) into a failure.
npm run docs
npm run build
npm run check:pkg
npx vitest run
