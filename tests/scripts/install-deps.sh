#!/bin/sh
# Install the Debian packages Ringside needs to build, run and test, if any
# are missing. Safe to run again: it does nothing when all are present.
set -e
pkgs="gcc make cmake pkg-config binutils libcapstone-dev libsdl2-dev libpng-dev libslirp-dev libcmocka-dev seabios gcc-multilib qemu-system-x86 python3 python3-mpmath"
# The SDL window's tests (tests/system/display-lib.sh): X server, typing, capture.
pkgs="$pkgs xvfb xdotool x11-apps"
# Watching the image flush when the window closes (boot_display_input.sh).
pkgs="$pkgs strace"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing missing packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "install-deps: need root (or sudo) to apt-get install:$missing" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
# One index failing to download (a mirror mid-sync) must not stop the
# install: go on with the lists that were fetched.
$SUDO apt-get update -qq || echo "install-deps: apt-get update reported errors; going on with the lists it fetched" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
