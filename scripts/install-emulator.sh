#!/bin/sh
# Installs what runs the other architecture's Bun on this Debian machine: qemu-user and that
# architecture's C library (its sysroot). `bun run build` and `npm run test:arm64` need them.
# Does nothing when they are there; fails, saying why, when it cannot install them.
set -eu
case $(uname -m) in
  x86_64) qemu=qemu-aarch64 sysroot=/usr/aarch64-linux-gnu libc=libc6-arm64-cross ;;
  aarch64) qemu=qemu-x86_64 sysroot=/usr/x86_64-linux-gnu libc=libc6-amd64-cross ;;
  *) echo "install-emulator: no qemu-user set-up for a $(uname -m) machine" >&2; exit 1 ;;
esac
if command -v "$qemu" >/dev/null 2>&1 && [ -d "$sysroot/lib" ]; then exit 0; fi
fail() {
  echo "install-emulator: $qemu or $sysroot is missing and could not be installed ($1)." >&2
  echo "install-emulator: on Debian, as root: apt-get update && apt-get install -y qemu-user $libc" >&2
  exit 1
}
command -v apt-get >/dev/null 2>&1 || fail "no apt-get"
[ "$(id -u)" = 0 ] || fail "not root"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends qemu-user "$libc" >/dev/null 2>&1 ||
  { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends qemu-user "$libc" >/dev/null; } ||
  fail "apt-get install failed"
command -v "$qemu" >/dev/null 2>&1 && [ -d "$sysroot/lib" ] || fail "installed, but still not found"
echo "install-emulator: installed qemu-user and $libc"
