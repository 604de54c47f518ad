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
        Xvfb ":$n" -screen 0 1280x1024x24 -nolisten tcp -noreset >"/tmp/xvfb-rs-$n.log" 2>&1 &
        xvfb_pid=$!
        local i
        for i in $(seq 1 100); do
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
