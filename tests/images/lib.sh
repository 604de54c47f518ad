#!/bin/bash
# lib.sh - shared helpers for the scripts that build guest images from
# Debian packages (DESIGN.md section 7, layer 4). Source it.
#
#   image_cache            the cache directory (RINGSIDE_IMAGE_CACHE, default
#                          ~/.cache/ringside/images); images survive between runs
#   need_i386              make apt see i386 packages (dpkg --add-architecture)
#   need_tools PKG...      apt-get install host packages that are missing
#   fetch_deb PKG[:ARCH]   download the package (newest version apt knows) and
#                          unpack it under $(image_cache)/debs/NAME_ARCH; prints
#                          that directory. Cached: a second call is free.
#
# Everything prints progress to stderr; stdout carries only results.
set -o pipefail

image_cache() {
    local d=${RINGSIDE_IMAGE_CACHE:-${HOME:-/root}/.cache/ringside/images}
    mkdir -p "$d"
    echo "$d"
}

_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

_apt_updated=
_apt_update() {
    [ -n "$_apt_updated" ] && return 0
    echo "images: apt-get update" >&2
    # One mirror's index failing (e.g. "File has unexpected size" on a
    # security index mid-sync) must not stop us: go on with the lists that
    # were fetched; a package still missing fails later with its own name.
    if ! _as_root apt-get update -qq >&2; then
        echo "images: apt-get update reported errors; going on with the package lists it fetched" >&2
    fi
    _apt_updated=1
}

need_i386() {
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        echo "images: enabling i386 packages (dpkg --add-architecture i386)" >&2
        _as_root dpkg --add-architecture i386 || return 1
        _apt_updated=
    fi
    # The i386 package lists must exist.
    if ! ls /var/lib/apt/lists/*_binary-i386_Packages* >/dev/null 2>&1; then
        _apt_update || return 1
    fi
}

need_tools() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    _apt_update || return 1
    echo "images: apt-get install ${missing[*]}" >&2
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

fetch_deb() {
    local spec=$1 name arch
    name=${spec%%:*}
    arch=${spec#*:}
    [ "$arch" = "$spec" ] && arch=$(dpkg --print-architecture)
    local cache dir
    cache=$(image_cache)
    dir=$cache/debs/${name}_$arch
    if [ -f "$dir/.done" ]; then
        echo "$dir"
        return 0
    fi
    [ "$arch" = i386 ] && { need_i386 || return 1; }
    if ! apt-cache show "$name:$arch" >/dev/null 2>&1; then
        _apt_update || return 1
    fi
    local tmp
    tmp=$(mktemp -d)
    echo "images: downloading $name:$arch" >&2
    if ! (cd "$tmp" && apt-get download -qq "$name:$arch" >&2); then
        echo "images: apt-get download $name:$arch failed" >&2
        rm -rf "$tmp"
        return 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$tmp"/*.deb "$dir" || { rm -rf "$tmp" "$dir"; return 1; }
    rm -rf "$tmp"
    touch "$dir/.done"
    echo "$dir"
}
