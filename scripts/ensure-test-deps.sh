#!/usr/bin/env bash
# What `make test` needs beyond Node and node_modules: redis-server (the harness starts private
# ones), openssl (test certificates), Debian's Chromium (the browser tests drive it with
# playwright-core; no browser download) and iproute2's ip, tc and bridge (testkit/netns.ts puts
# processes in network namespaces; those tests also need root, and fail saying so without it). Installs the missing ones with apt-get when run as root,
# otherwise names them in one line and fails.
set -euo pipefail

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 && command -v bridge >/dev/null 2>&1 || missing+=(iproute2)
[ -x "$chromium" ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "make test needs ${missing[*]}: install with 'sudo apt-get install ${missing[*]}' (Chromium elsewhere: set CHROMIUM_PATH)" >&2
    exit 1
  fi
  echo "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# One line of versions, for the log of a failed run.
echo "test deps: redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-), $("$chromium" --version 2>/dev/null | cut -d' ' -f1-2), $(openssl version | cut -d' ' -f1-2), $(ip -V | grep -o 'iproute2-[0-9.]*')"
