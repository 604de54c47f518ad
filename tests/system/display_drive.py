#!/usr/bin/env python3
"""display_drive.py - drives one ringside run through its monitor for the
display tests (tests/system/boot_display_*.sh, issue 6 items 3 and 4).

    display_drive.py RINGSIDE ACTION... -- RINGSIDE-ARGS...

ringside runs with `-monitor stdio`; the actions run in order:

  step TEXT [MAX]   run the guest in small slices (cont, stop, screentext)
                    until TEXT is on the text screen, and leave it paused.
                    Headless a guest that halts runs far ahead of wall time,
                    so a timed prompt (SeaBIOS's 2.5 s "Press ESC") is caught
                    only by stepping; the guest is paused when we look.
  wait TEXT [SECS]  let the guest run until TEXT is on the text screen (or,
                    with serial:TEXT, in the file given by --serial-log),
                    then pause it. Default 60 s of wall time.
  cont | stop       resume or pause the guest
  key KEYS          monitor sendkey (e.g. esc, f12, ctrl-alt-delete)
  xkey KEYS...      xdotool key into the window (focused first)
  xtype TEXT        TEXT's keys (US layout, Shift where needed) typed into
                    the window with xdotool key, --key-delay ms apart (150
                    unless given; the PS/2 keyboard holds back what the
                    guest has not taken yet, so 20 works even for GRUB)
  xmouse ARGS...    xdotool ARGS verbatim (mousemove_relative, click...)
  sleep SECS        wall time
  shot FILE         the monitor's screendump (PNG)
  xwd FILE          the window's pixels as shown (xwd -id), as a PPM
  title TEXT        the window's title contains TEXT (within 5 s)
  notitle TEXT      the window's title does not contain TEXT (within 5 s)
  size W H          the window is W x H (within 5 s)
  xunfocus          the X input focus moves to the root window (the
                    window sees focus lost, as when the user clicks away)
  xfocus            the focus comes back to the window
  wmwatch           from now on, stand in for a window manager: take the
                    requests windows send it (no WM runs under Xvfb)
  wmfull 1|0        the window has asked the window manager (wmwatch) for
                    full screen (1) or to leave it (0), last, within 5 s
  xclose            the window manager's close request (WM_DELETE_WINDOW);
                    ringside must then end by itself with status 0
  ---               nothing (separates groups for readability)

At the end the guest is quit through the monitor (unless xclose ended it);
the exit status is 0 when every action succeeded. Progress goes to stderr.
"""
import ctypes
import os
import select
import subprocess
import sys
import threading
import time

PROMPT = b'(ringside) '
key_delay = 150


class Run:
    def __init__(self, argv, serial_log):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.buf = b''
        self.serial_log = serial_log
        self.wid = None
        self.closed = False
        self.cmd(None)  # the greeting and its prompt

    def cmd(self, c, timeout=60):
        if c is not None:
            self.p.stdin.write(c.encode() + b'\n')
        end = time.time() + timeout
        while True:
            i = self.buf.find(PROMPT)
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(PROMPT):]
                return out.decode('latin-1')
            left = end - time.time()
            if left <= 0:
                raise RuntimeError('no answer from the monitor to %r' % c)
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                data = os.read(self.p.stdout.fileno(), 65536)
                if not data:
                    raise RuntimeError('ringside ended (status %s) during %r' % (self.p.wait(), c))
                self.buf += data

    def screen_has(self, text):
        return text in self.cmd('screentext')

    def serial_has(self, text):
        try:
            with open(self.serial_log, 'rb') as f:
                return text.encode() in f.read()
        except OSError:
            return False

    def window(self):
        if self.wid is None:
            end = time.time() + 20
            while time.time() < end:
                r = subprocess.run(['xdotool', 'search', '--name', '^Ringside'], capture_output=True, text=True)
                ids = r.stdout.split()
                if ids:
                    self.wid = ids[0]
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError('no Ringside window on $DISPLAY')
            subprocess.run(['xdotool', 'windowfocus', '--sync', self.wid], check=False)
        return self.wid


# Characters as US-layout keys for xdotool key: unshifted keysym, and
# whether Shift is needed. (xdotool type may remap a spare keycode for a
# character, which a window reading key positions, as ours does, cannot
# see; naming the key and the Shift keeps every press positional.)
US_KEYS = {' ': ('space', 0), '-': ('minus', 0), '_': ('minus', 1), '=': ('equal', 0), '+': ('equal', 1),
           '[': ('bracketleft', 0), '{': ('bracketleft', 1), ']': ('bracketright', 0), '}': ('bracketright', 1),
           ';': ('semicolon', 0), ':': ('semicolon', 1), "'": ('apostrophe', 0), '"': ('apostrophe', 1),
           '`': ('grave', 0), '~': ('grave', 1), '\\': ('backslash', 0), '|': ('backslash', 1),
           ',': ('comma', 0), '<': ('comma', 1), '.': ('period', 0), '>': ('period', 1),
           '/': ('slash', 0), '?': ('slash', 1), '!': ('1', 1), '@': ('2', 1), '#': ('3', 1), '$': ('4', 1),
           '%': ('5', 1), '^': ('6', 1), '&': ('7', 1), '*': ('8', 1), '(': ('9', 1), ')': ('0', 1)}


def text_keys(text):
    keys = []
    for ch in text:
        if ch.isalpha() and ch.isascii():
            name, shift = ch.lower(), ch.isupper()
        elif ch.isdigit():
            name, shift = ch, 0
        else:
            name, shift = US_KEYS[ch]
        keys.append(('shift+' if shift else '') + name)
    return keys


class XClientMessage(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('serial', ctypes.c_ulong), ('send_event', ctypes.c_int),
                ('display', ctypes.c_void_p), ('window', ctypes.c_ulong), ('message_type', ctypes.c_ulong),
                ('format', ctypes.c_int), ('data', ctypes.c_long * 5), ('pad', ctypes.c_long * 12)]


def libx11():
    """libX11 with the prototypes both of its users need (ctypes would
    otherwise pass and return pointers and atoms as 32-bit ints)."""
    x = ctypes.CDLL('libX11.so.6')
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    return x


def xlib_call(fn):
    """fn(libX11, display) on a connection of our own (no window manager
    runs under Xvfb, so what a WM would do is done by hand)."""
    x = libx11()
    x.XSetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_ulong]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    d = x.XOpenDisplay(None)
    if not d:
        raise RuntimeError('cannot open $DISPLAY through libX11')
    try:
        fn(x, d)
        x.XFlush(d)
    finally:
        x.XCloseDisplay(d)


class WmWatch(threading.Thread):
    """A stand-in window manager on a connection of its own: redirects the
    root window's substructure (so requests come to it), maps windows that
    ask, and records the _NET_WM_STATE full-screen requests (1 add, 0
    remove) that SDL sends for SDL_WINDOW_FULLSCREEN_DESKTOP."""

    def __init__(self):
        super().__init__(daemon=True)
        x = self.x = libx11()
        x.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XPending.argtypes = [ctypes.c_void_p]
        x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        x.XMapWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.d = x.XOpenDisplay(None)
        if not self.d:
            raise RuntimeError('wmwatch: cannot open $DISPLAY')
        self.state = x.XInternAtom(self.d, b'_NET_WM_STATE', 0)
        self.full = x.XInternAtom(self.d, b'_NET_WM_STATE_FULLSCREEN', 0)
        x.XSelectInput(self.d, x.XDefaultRootWindow(self.d), 1 << 20)  # SubstructureRedirectMask
        x.XSync(self.d, 0)
        self.requests = []

    def run(self):
        ev = XClientMessage()
        while True:
            if not self.x.XPending(self.d):
                time.sleep(0.02)
                continue
            self.x.XNextEvent(self.d, ctypes.byref(ev))
            if ev.type == 33 and ev.message_type == self.state and self.full in (ev.data[1], ev.data[2]):
                self.requests.append(int(ev.data[0]))
            elif ev.type == 20:  # MapRequest (parent, window where a client message has window, type)
                self.x.XMapWindow(self.d, ev.message_type)
                self.x.XSync(self.d, 0)


def x_unfocus(x, d):
    x.XSetInputFocus(d, x.XDefaultRootWindow(d), 1, 0)  # RevertToPointerRoot, CurrentTime


def x_close(wid):
    def send(x, d):
        ev = XClientMessage()
        ev.type = 33  # ClientMessage
        ev.window = int(wid)
        ev.message_type = x.XInternAtom(d, b'WM_PROTOCOLS', 0)
        ev.format = 32
        ev.data[0] = x.XInternAtom(d, b'WM_DELETE_WINDOW', 0)
        x.XSendEvent(d, int(wid), 0, 0, ctypes.byref(ev))
    xlib_call(send)


def wait_window(wid, what, ok):
    """Polls xdotool's view of the window until ok(value) (5 s)."""
    end = time.time() + 5
    while True:
        if what == 'name':
            r = subprocess.run(['xdotool', 'getwindowname', wid], capture_output=True, text=True)
            v = r.stdout.strip()
        else:
            r = subprocess.run(['xdotool', 'getwindowgeometry', '--shell', wid], capture_output=True, text=True)
            kv = dict(l.split('=', 1) for l in r.stdout.split() if '=' in l)
            v = (int(kv.get('WIDTH', -1)), int(kv.get('HEIGHT', -1)))
        if ok(v):
            return v
        if time.time() > end:
            raise RuntimeError('window %s: %r' % (what, v))
        time.sleep(0.1)


def xwd_to_ppm(wid, path):
    """The window's pixels through xwd (ZPixmap, 24/32 bpp TrueColor)."""
    d = subprocess.run(['xwd', '-silent', '-id', wid], capture_output=True, check=True).stdout
    f = [int.from_bytes(d[i:i + 4], 'big') for i in range(0, 100, 4)]
    hsize, fmt, depth, w, h = f[0], f[2], f[3], f[4], f[5]
    order, bpp, bpl, ncolors = f[7], f[11], f[12], f[19]
    rmask, gmask, bmask = f[14], f[15], f[16]
    if fmt != 2 or bpp != 32:
        raise RuntimeError('xwd: want a 32-bit ZPixmap, got format %d, %d bpp' % (fmt, bpp))
    off = hsize + ncolors * 12
    shift = lambda m: (m & -m).bit_length() - 1
    rs, gs, bs = shift(rmask), shift(gmask), shift(bmask)
    out = bytearray()
    for y in range(h):
        row = d[off + y * bpl:off + y * bpl + w * 4]
        for x in range(w):
            v = int.from_bytes(row[x * 4:x * 4 + 4], 'little' if order == 0 else 'big')
            out += bytes(((v >> rs) & 255, (v >> gs) & 255, (v >> bs) & 255))
    with open(path, 'wb') as fo:
        fo.write(b'P6\n%d %d\n255\n' % (w, h))
        fo.write(out)
    return w, h


def main():
    argv = sys.argv[1:]
    serial_log = None
    global key_delay
    while argv and argv[0].startswith('--'):
        if argv[0] == '--serial-log':
            serial_log = argv[1]
        elif argv[0] == '--key-delay':
            key_delay = int(argv[1])
        argv = argv[2:]
    rs = argv[0]
    sep = argv.index('--')
    actions, rargs = argv[1:sep], argv[sep + 1:]
    run = Run([rs, '-monitor', 'stdio'] + rargs, serial_log)
    t0 = time.time()
    status = 0
    try:
        i = 0
        while i < len(actions):
            a = actions[i]
            i += 1

            def arg():
                nonlocal i
                i += 1
                return actions[i - 1]

            def opt_num(default):
                nonlocal i
                if i < len(actions):
                    try:
                        v = float(actions[i])
                        i += 1
                        return v
                    except ValueError:
                        pass
                return default

            stamp = '%6.2f s' % (time.time() - t0)
            if a == 'step':
                text, limit = arg(), int(opt_num(20000))
                run.cmd('stop')
                for n in range(limit):
                    if run.screen_has(text):
                        break
                    run.cmd('cont')
                    run.cmd('stop')
                else:
                    raise RuntimeError('"%s" not on the screen after %d steps' % (text, limit))
                print('%s: step: "%s" after %d steps' % (stamp, text, n), file=sys.stderr)
            elif a == 'wait':
                text, secs = arg(), opt_num(60)
                serial = text.startswith('serial:')
                if serial:
                    text = text[7:]
                run.cmd('cont')
                end = time.time() + secs
                while not (run.serial_has(text) if serial else run.screen_has(text)):
                    if time.time() > end:
                        run.cmd('stop')
                        raise RuntimeError('"%s" did not show within %g s' % (text, secs))
                    time.sleep(0.05)
                run.cmd('stop')
                print('%s: wait: "%s" (%.2f s)' % (stamp, text, time.time() - t0), file=sys.stderr)
            elif a in ('cont', 'stop'):
                run.cmd(a)
            elif a == 'key':
                out = run.cmd('sendkey ' + arg())
                if out.strip():
                    raise RuntimeError('sendkey: ' + out.strip())
                # sendkey releases on the guest clock: let that happen
                # before the next combination (a Shift still held from
                # the last one would swallow the next one's press)
                time.sleep(0.05)
            elif a == 'xkey':
                keys = arg().split()
                run.window()
                subprocess.run(['xdotool', 'key', '--delay', str(key_delay)] + keys, check=True)
            elif a == 'xtype':
                run.window()
                subprocess.run(['xdotool', 'key', '--delay', str(key_delay)] + text_keys(arg()), check=True)
            elif a == 'xmouse':
                run.window()
                subprocess.run(['xdotool'] + arg().split(), check=True)
            elif a == 'sleep':
                time.sleep(float(arg()))
            elif a == 'shot':
                out = run.cmd('screendump ' + arg())
                if out.strip():
                    raise RuntimeError('screendump: ' + out.strip())
            elif a == 'xwd':
                path = arg()
                w, h = xwd_to_ppm(run.window(), path)
                print('%s: xwd: the window is %dx%d' % (stamp, w, h), file=sys.stderr)
            elif a in ('title', 'notitle'):
                text, want = arg(), a == 'title'
                v = wait_window(run.window(), 'name', lambda v: (text in v) == want)
                print('%s: %s: "%s"' % (stamp, a, v), file=sys.stderr)
            elif a == 'size':
                w, h = int(arg()), int(arg())
                wait_window(run.window(), 'size', lambda v: v == (w, h))
                print('%s: size: %dx%d' % (stamp, w, h), file=sys.stderr)
            elif a == 'xunfocus':
                run.window()
                xlib_call(x_unfocus)
            elif a == 'wmwatch':
                run.window()
                run.wm = WmWatch()
                run.wm.start()
            elif a == 'wmfull':
                want = int(arg())
                end = time.time() + 5
                while not (run.wm.requests and run.wm.requests[-1] == want):
                    if time.time() > end:
                        raise RuntimeError('wmfull: full-screen requests %s, want the last %d' %
                                           (run.wm.requests, want))
                    time.sleep(0.05)
                print('%s: wmfull: %s' % (stamp, run.wm.requests), file=sys.stderr)
            elif a == 'xfocus':
                subprocess.run(['xdotool', 'windowfocus', '--sync', run.window()], check=True)
            elif a == 'xclose':
                x_close(run.window())
                try:
                    st = run.p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    raise RuntimeError('ringside still runs 20 s after the window was closed')
                run.closed = True
                print('%s: xclose: ringside ended with status %d' % (stamp, st), file=sys.stderr)
                if st != 0:
                    raise RuntimeError('ringside ended with status %d after the window was closed' % st)
            elif a == '---':
                pass
            else:
                raise RuntimeError('unknown action ' + a)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print('display_drive: ' + str(e), file=sys.stderr)
        try:
            print(run.cmd('screentext', timeout=5), file=sys.stderr)
        except (RuntimeError, OSError):
            pass
        status = 1
    if run.closed:
        return status
    try:
        run.p.stdin.write(b'quit\n')
        run.p.stdin.close()
    except OSError:
        pass
    try:
        run.p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        run.p.kill()
        status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())
