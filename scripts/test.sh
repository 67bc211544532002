#!/usr/bin/env bash
# The full test suite: what CI runs and what the README tells a newcomer to run.
# Starts Ceph RGW (installing it from Debian's packages when missing) and stops it again if this
# script started it, then typechecks, builds, checks the package's exports and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/s3-server.sh status; then
  bash scripts/s3-server.sh start
  trap 'bash scripts/s3-server.sh stop' EXIT
fi

npm run typecheck
npm run build
npm run check:pkg
npx vitest run
