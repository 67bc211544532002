#!/usr/bin/env bash
# The full test suite: what CI runs and what the README tells a newcomer to run.
# Installs Chromium from Debian's packages when missing, starts Ceph RGW (installing it too) and
# stops it again if this script started it, then typechecks, builds, checks the package's exports
# and runs every vitest project: unit, integration (RGW) and browser (Chromium).
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

npm run typecheck
npm run build
npm run check:pkg
npx vitest run
