#!/usr/bin/env bash
# Prints the bin folder of a copy of the node in <bin> that runs on Debian <suite>'s glibc instead of
# the machine's (its loader and library path patched with patchelf), for a line whose
# uWebSockets.js binary needs a newer glibc than this machine has (Node 24's needs 2.38; Debian 12
# has 2.36). Only node moves: the processes it starts through process.execPath follow it, redis-server
# and Chromium stay on the machine's libraries. libc6 comes from Debian's archive with apt-get
# download (signature checked against the machine's keyring), into .cache/glibc/<suite>.
set -euo pipefail
bin=${1:?usage: scripts/node-newer-glibc.sh <node bin folder> [debian suite]}
suite=${2:-trixie}
root="$(cd "$(dirname "$0")/.." && pwd)"
glibc="$root/.cache/glibc/$suite"
lib="$glibc/root/usr/lib/x86_64-linux-gnu"

if ! command -v patchelf >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null
  else
    echo "needs patchelf: install with 'sudo apt-get install patchelf'" >&2
    exit 1
  fi
fi

if [ ! -x "$lib/ld-linux-x86-64.so.2" ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "needs apt-get to fetch Debian $suite's libc6" >&2; exit 1; }
  work="$glibc.tmp"
  rm -rf "$work" && mkdir -p "$work/etc" "$work/lists/partial" "$work/archives/partial"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$suite" >"$work/etc/$suite.sources"
  apt=(-q -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$work/etc" -o "Dir::State::lists=$work/lists"
    -o "Dir::Cache=$work" -o "Dir::Cache::archives=$work/archives" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${apt[@]}" update >/dev/null
  (cd "$work" && apt-get "${apt[@]}" download libc6 >/dev/null)
  dpkg-deb -x "$work"/libc6_*.deb "$work/root"
  rm -rf "$glibc" && mkdir -p "$glibc" && mv "$work/root" "$glibc/root" && rm -rf "$work"
fi

version=$("$bin/node" --version)
out="$root/.cache/node/${version#v}-glibc-$suite/bin"
if [ ! -x "$out/node" ]; then
  mkdir -p "$out"
  cp "$bin/node" "$out/node.tmp"
  patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --set-rpath "$lib" "$out/node.tmp"
  mv "$out/node.tmp" "$out/node"
fi
"$out/node" -e 'process.exit(0)' || { echo "node on Debian $suite's glibc does not start" >&2; exit 1; }
echo "$out"
