#!/bin/bash
# --screenshot of SeaBIOS's text screen, headless: the PNG is 720x400 (80x25
# text, 9x16 cells), its pixels are only the BIOS's black and light grey,
# and the rows of the first text line hold the "SeaBIOS" banner's ink. The
# frame -> PNG path itself is checked pixel for pixel against vga_render by
# tests/unit/test_screenshot.c; this checks the option end to end.
set -u
rs=$1
command -v python3 >/dev/null || { echo "no python3 to read the PNG"; exit 77; }
[ -r /usr/share/seabios/bios-256k.bin ] || { echo "no Debian seabios package"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$rs" -display none -m 16 --max-insns 2000000000 --wait-text "No bootable device" \
    --screenshot "$tmp/exit.png" --screenshot "$tmp/early.png@1000" >"$tmp/out" 2>"$tmp/err"
st=$?
cat "$tmp/err"
[ "$st" -eq 0 ] || { echo "FAIL: ringside exited with $st"; exit 1; }
python3 - "$tmp/exit.png" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n', "not a PNG"
pos, idat, w = 8, b'', 0
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8])
    body = d[pos + 8:pos + 8 + n]
    if t == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif t == b'IDAT':
        idat += body
    pos += 12 + n
print("screenshot: %dx%d, depth %d, colour type %d" % (w, h, depth, ctype))
if (w, h, depth, ctype) != (720, 400, 8, 2):
    sys.exit("FAIL: want a 720x400 8-bit RGB PNG")
raw = zlib.decompress(idat)
stride = w * 3
rows, prev = [], bytearray(stride)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - 3] if i >= 3 else 0
        b, c = prev[i], prev[i - 3] if i >= 3 else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colours = set()
for r in rows:
    for x in range(0, stride, 3):
        colours.add(r[x:x + 3])
print("colours:", sorted(c.hex() for c in colours))
if not colours <= {b'\x00\x00\x00', b'\xaa\xaa\xaa'}:
    sys.exit("FAIL: colours other than black and light grey")
ink = sum(r.count(b'\xaa') for r in rows[0:16])
print("ink in the first text row:", ink)
if ink < 100:
    sys.exit("FAIL: the first text row (SeaBIOS banner) is empty")
PY
[ $? -eq 0 ] || exit 1
[ -s "$tmp/early.png" ] || grep -q "early.png" "$tmp/err" || { echo "FAIL: no early screenshot nor a reason"; exit 1; }
echo "PASS"
