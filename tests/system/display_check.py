#!/usr/bin/env python3
"""display_check.py - checks on screenshots for the display tests
(tests/system/boot_display_*.sh). Reads 8-bit RGB PNGs (ringside's
screenshots) and binary PPMs (display_drive.py's window captures).

  size IMAGE W H              the image is W x H
  ink IMAGE X0 Y0 X1 Y1 MIN   at least MIN (a fraction) of the pixels in
                              [X0,X1) x [Y0,Y1) are not black
  dark IMAGE X0 Y0 X1 Y1      every pixel there is black
  window SHOT WINDOW          WINDOW (the SDL window as shown) holds SHOT
                              scaled by display.c's rule: VGA modes 4:3,
                              VBE modes square, centred; same size frames
                              must be equal pixel for pixel, scaled ones
                              agree block by block (mean of each colour channel)
Prints what it measured; exits 1 on a failed check.
"""
import struct
import sys
import zlib


def read_png(path):
    d = open(path, 'rb').read()
    if d[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit('%s: not a PNG' % path)
    pos, idat = 8, b''
    while pos < len(d):
        n, t = struct.unpack('>I4s', d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if t == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        elif t == b'IDAT':
            idat += body
        pos += 12 + n
    if (depth, ctype) != (8, 2):
        raise SystemExit('%s: want 8-bit RGB, got depth %d type %d' % (path, depth, ctype))
    raw = zlib.decompress(idat)
    stride = w * 3
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(3, stride):
                line[i] = (line[i] + line[i - 3]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                a = line[i - 3] if i >= 3 else 0
                line[i] = (line[i] + (a + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - 3] if i >= 3 else 0
                b, c = prev[i], prev[i - 3] if i >= 3 else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return w, h, bytes(out)


def read_ppm(path):
    d = open(path, 'rb').read()
    parts = d.split(b'\n', 3)
    w, h = map(int, parts[1].split())
    return w, h, parts[3][:w * h * 3]


def read(path):
    return read_ppm(path) if path.endswith('.ppm') else read_png(path)


def region(img, x0, y0, x1, y1):
    w, h, px = img
    for y in range(max(0, y0), min(h, y1)):
        row = px[y * w * 3:(y + 1) * w * 3]
        for x in range(max(0, x0), min(w, x1)):
            yield row[x * 3:x * 3 + 3]


def dest_rect(fw, fh, ow, oh, vbe):
    num, den = (fw, fh) if vbe else (4, 3)
    rw, rh = ow, ow * den // num
    if rh > oh:
        rh, rw = oh, oh * num // den
    return (ow - rw) // 2, (oh - rh) // 2, rw, rh


def main():
    a = sys.argv[1:]
    what = a[0]
    if what == 'size':
        w, h, _ = read(a[1])
        print('%s: %dx%d' % (a[1], w, h))
        if (w, h) != (int(a[2]), int(a[3])):
            sys.exit('FAIL: want %sx%s' % (a[2], a[3]))
    elif what in ('ink', 'dark'):
        img = read(a[1])
        x0, y0, x1, y1 = map(int, a[2:6])
        px = list(region(img, x0, y0, x1, y1))
        lit = sum(1 for p in px if p != b'\0\0\0')
        frac = lit / max(1, len(px))
        print('%s: %d of %d pixels lit in (%d,%d)-(%d,%d) (%.3f)' % (a[1], lit, len(px), x0, y0, x1, y1, frac))
        if what == 'ink' and frac < float(a[6]):
            sys.exit('FAIL: want at least %s lit' % a[6])
        if what == 'dark' and lit:
            sys.exit('FAIL: want all black')
    elif what == 'window':
        shot, win = read(a[1]), read(a[2])
        fw, fh, fpx = shot
        ow, oh, opx = win
        # VBE modes are the ones that are not 720x400, 640x480-or-smaller VGA
        vbe = (fw, fh) not in ((720, 400), (640, 400), (640, 350), (640, 480), (640, 200), (320, 200),
                               (360, 400), (320, 240), (720, 350))
        x, y, rw, rh = dest_rect(fw, fh, ow, oh, vbe)
        print('frame %dx%d shown at (%d,%d) %dx%d in a %dx%d window' % (fw, fh, x, y, rw, rh, ow, oh))
        if (rw, rh) == (fw, fh):
            bad = 0
            for yy in range(fh):
                if fpx[yy * fw * 3:(yy + 1) * fw * 3] != opx[((y + yy) * ow + x) * 3:((y + yy) * ow + x + fw) * 3]:
                    bad += 1
            print('rows that differ: %d of %d' % (bad, fh))
            if bad:
                sys.exit('FAIL: the window does not show the frame exactly')
            return
        # Scaled (and filtered): blocks of the frame against the same blocks
        # of the window, by mean brightness.
        bx, by = 40, 25
        worst, total = 0.0, 0.0
        for j in range(by):
            for i in range(bx):
                fs = list(region(shot, fw * i // bx, fh * j // by, fw * (i + 1) // bx, fh * (j + 1) // by))
                os_ = list(region(win, x + rw * i // bx + 1, y + rh * j // by + 1,
                                  x + rw * (i + 1) // bx - 1, y + rh * (j + 1) // by - 1))
                # per channel, so a red/blue swap shows
                d = max(abs(sum(p[c] for p in fs) / max(1, len(fs)) - sum(p[c] for p in os_) / max(1, len(os_)))
                        for c in range(3))
                worst = max(worst, d)
                total += d
        mean = total / (bx * by)
        print('block colour difference (worst channel): mean %.2f, worst %.2f (of 255)' % (mean, worst))
        if mean > 6 or worst > 60:
            sys.exit('FAIL: the window does not show the frame')
        outside = [p for p in region(win, 0, 0, ow, y)] + [p for p in region(win, 0, y + rh, ow, oh)]
        if any(p != b'\0\0\0' for p in outside):
            sys.exit('FAIL: the borders around the frame are not black')
    else:
        sys.exit('unknown check ' + what)


if __name__ == '__main__':
    main()
