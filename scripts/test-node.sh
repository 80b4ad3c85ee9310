#!/usr/bin/env bash
# `make test-node`: the jest suite again on each Node.js line in NODE_TEST_VERSIONS (exact versions,
# taken by scripts/node-line.sh), that node first on PATH so every process the tests start runs on
# it too. Extra arguments go to jest (a path to run part of the suite). Prints
# "node<major>: N passed, N failed" per line.
#
# node_modules is installed once, by whatever node ran `npm ci`: its only per-ABI native code is
# uWebSockets.js, which ships one prebuilt binary per Node ABI and picks it when loaded (the rest
# is N-API or plain executables). A binary may need a newer glibc than the machine's (Node 24's
# needs 2.38, Debian 12 has 2.36): that line then runs on a node patched onto Debian trixie's glibc
# (scripts/node-newer-glibc.sh), as it would on a machine of that glibc.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
for version in ${NODE_TEST_VERSIONS:?set NODE_TEST_VERSIONS, e.g. 22.23.5 24.22.3}; do
  bin=$(scripts/node-line.sh "$version")
  major=${version%%.*}
  note=""
  if ! err=$(PATH="$bin:$PATH" node -e 'require("uWebSockets.js")' 2>&1); then
    if [[ ! $err =~ GLIBC_([0-9.]+)\'\ not\ found ]]; then
      echo "node$major: uWebSockets.js does not load on Node $version:" >&2
      echo "$err" >&2
      status=1
      continue
    fi
    need=${BASH_REMATCH[1]}
    have=$(getconf GNU_LIBC_VERSION)
    bin=$(scripts/node-newer-glibc.sh "$bin")
    note=" on Debian trixie's glibc (uWebSockets.js's binary needs $need; this machine has ${have#glibc })"
    PATH="$bin:$PATH" node -e 'require("uWebSockets.js")'
  fi
  out=.jest-results-node$major.json
  rm -f "$out"
  echo "node$major: jest on $("$bin/node" --version)$note"
  PATH="$bin:$PATH" npx --no-install jest --runInBand --json --outputFile="$out" "$@" || status=1
  node -e 'const r=require(process.argv[1]); console.log(`node${process.argv[2]}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' \
    "./$out" "$major" || status=1
done
exit $status
