# shellcheck shell=bash
# display-lib.sh - sourced by tests/system/boot_display_*.sh (issue 6,
# items 3 and 4): an Xvfb server for the SDL window, and the two helpers
# display_drive.py (runs ringside through its monitor, types with
# xdotool, captures the window) and display_check.py (checks images).
#
#   start_xvfb     starts Xvfb on a free display number, exports DISPLAY;
#                  returns 1 (with the reason on stdout) when Xvfb cannot
#                  start here; stopped by stop_xvfb (also on EXIT if the
#                  caller's trap calls it)
#   drive ARGS...  python3 display_drive.py ARGS...
#   check ARGS...  python3 display_check.py ARGS...
dl_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
xvfb_pid=

drive() { python3 "$dl_here/display_drive.py" "$@"; }
check() { python3 "$dl_here/display_check.py" "$@"; }

# The X tools: installed when missing (need_tools), or the test skips.
need_x_tools() {
    # shellcheck source=../images/lib.sh
    source "$dl_here/../images/lib.sh"
    local missing=
    command -v Xvfb >/dev/null || missing="$missing xvfb"
    command -v xdotool >/dev/null || missing="$missing xdotool"
    command -v xwd >/dev/null || missing="$missing x11-apps"
    # shellcheck disable=SC2086
    [ -z "$missing" ] || need_tools $missing >/dev/null 2>&1 || true
    command -v Xvfb >/dev/null && command -v xdotool >/dev/null && command -v xwd >/dev/null
}

start_xvfb() {
    need_x_tools || { echo "Xvfb, xdotool or xwd missing and not installable"; return 1; }
    local n tries=0
    for n in $(seq 91 140); do
        [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] && continue
        Xvfb ":$n" -screen 0 2560x1600x24 -nolisten tcp -noreset >"/tmp/xvfb-rs-$n.log" 2>&1 &
        xvfb_pid=$!
        for _ in $(seq 1 100); do
            [ -e "/tmp/.X11-unix/X$n" ] && break
            kill -0 "$xvfb_pid" 2>/dev/null || break
            sleep 0.05
        done
        if [ -e "/tmp/.X11-unix/X$n" ] && kill -0 "$xvfb_pid" 2>/dev/null &&
            DISPLAY=:$n xdotool getmouselocation >/dev/null 2>&1; then
            export DISPLAY=:$n
            rm -f "/tmp/xvfb-rs-$n.log"
            return 0
        fi
        kill "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
        xvfb_pid=
        tries=$((tries + 1))
        [ $tries -ge 3 ] && break
    done
    echo "Xvfb did not start: $(cat "/tmp/xvfb-rs-$n.log" 2>/dev/null | tail -3)"
    rm -f "/tmp/xvfb-rs-$n.log"
    return 1
}

stop_xvfb() {
    if [ -n "$xvfb_pid" ]; then
        kill "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
        xvfb_pid=
    fi
}

# linux_kernel: the Debian 686 kernel (tests/images/linux.sh's, or the
# unpacked package it fetched). Prints its path.
linux_kernel() {
    source "$dl_here/../images/lib.sh"
    local k
    k=$(ls "$(image_cache)"/debs/linux-image-*-686_i386/boot/vmlinuz-* 2>/dev/null | head -1)
    [ -n "$k" ] || k=$(bash "$dl_here/../images/linux.sh" vmlinuz-686) || return 1
    [ -f "$k" ] && echo "$k"
}

# display_initrd OUT [MODULE.ko...]: a small initramfs (newc, gzip) for the
# display tests: static busybox, the kernel modules given (loaded in that
# order; "RS-INSMOD-FAILED NAME" on the serial port when one fails) and an
# /init that does what rs.mode= on the kernel command line says:
#   fb      waits up to 10 s for fb0 (a module's driver probes it later),
#           prints /proc/fb and the framebuffer's size on the serial port,
#           "RS-FB-READY", and fills the console with text
#   shell   an interactive busybox sh on tty1 (the screen and the PS/2
#           keyboard); "RS-SHELL-READY" on the serial port when it starts
display_initrd() {
    source "$dl_here/../images/lib.sh"
    local out=$1 bb st ko
    shift
    bb=$(fetch_deb busybox-static:i386)/bin/busybox || return 1
    st=$(mktemp -d)
    mkdir -p "$st/bin" "$st/dev" "$st/proc" "$st/sys" "$st/tmp" "$st/mod"
    cp "$bb" "$st/bin/busybox"
    ln -s busybox "$st/bin/sh"
    : >"$st/mod/order"
    for ko in "$@"; do
        cp "$ko" "$st/mod/"
        basename "$ko" .ko >>"$st/mod/order"
    done
    cat >"$st/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
    insmod /mod/$m.ko || echo "RS-INSMOD-FAILED $m" >/dev/ttyS0
done </mod/order
mode=
for a in $(cat /proc/cmdline); do
    case $a in rs.mode=*) mode=${a#rs.mode=} ;; esac
done
case $mode in
fb)
    i=0
    while [ ! -e /sys/class/graphics/fb0/virtual_size ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
    echo "RS-FB $(cat /proc/fb | tr '\n' ' ')" >/dev/ttyS0
    echo "RS-FB-SIZE $(cat /sys/class/graphics/fb0/virtual_size) $(cat /sys/class/graphics/fb0/bits_per_pixel)" >/dev/ttyS0
    i=0
    while [ $i -lt 60 ]; do echo "Ringside framebuffer console line $i" >/dev/tty1; i=$((i + 1)); done
    echo "RS-FB-READY" >/dev/ttyS0
    ;;
shell)
    # A session of its own with tty1 as the controlling terminal, so
    # Ctrl+C reaches what the shell runs; in the foreground, since a
    # command this (non-interactive) shell starts with & has SIGINT
    # ignored, and a shell started with SIGINT ignored keeps it ignored
    # for itself and every command it runs (POSIX), so Ctrl+C did nothing.
    (sleep 1; echo "RS-SHELL-READY" >/dev/ttyS0) &
    setsid sh -c 'exec sh -i </dev/tty1 >/dev/tty1 2>&1'
    ;;
esac
while true; do sleep 3600; done
INIT
    chmod 755 "$st/init"
    (cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1n >"$out"
    rm -rf "$st"
}

# fb_console_runs: boot "${common[@]}" until the guest prints RS-FB-READY
# on serial, headless (with --screenshot) and then in the SDL window under
# Xvfb (a screenshot and the window's own picture), and check each run
# with the caller's check_fb NAME (none, sdl), plus the window picture
# against the screenshot. Uses $ringside and $work; sets fail=1 on a
# failure; exits (77 or 1) when Xvfb cannot start.
fb_console_runs() {
    local t0 st
    t0=$(date +%s.%N)
    "$ringside" -display none "${common[@]}" -serial "file:$work/none.ser" --wait-text RS-FB-READY \
        --screenshot "$work/none.png" >"$work/none.out" 2>&1
    st=$?
    printf 'headless: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
    [ $st = 0 ] || { fail=1; tail -5 "$work/none.out"; tail -20 "$work/none.ser"; }
    check_fb none

    if ! start_xvfb >"$work/xvfb.why"; then
        echo "SKIP (window part): $(cat "$work/xvfb.why")"
        [ $fail = 0 ] && exit 77
        exit 1
    fi
    t0=$(date +%s.%N)
    drive --serial-log "$work/sdl.ser" "$ringside" wait serial:RS-FB-READY 120 sleep 0.5 \
        shot "$work/sdl.png" xwd "$work/sdl.ppm" \
        -- -display sdl "${common[@]}" -serial "file:$work/sdl.ser" 2>"$work/sdl.err"
    st=$?
    printf 'SDL window under Xvfb: status %d, %.2f s\n' $st "$(awk "BEGIN { print $(date +%s.%N) - $t0 }")"
    sed 's/^/  /' "$work/sdl.err"
    [ $st = 0 ] || fail=1
    check_fb sdl
    check size "$work/sdl.ppm" 1024 768 || fail=1
    check window "$work/sdl.png" "$work/sdl.ppm" || fail=1
}
