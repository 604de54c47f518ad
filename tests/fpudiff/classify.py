#!/usr/bin/env python3
"""
classify.py - sorts the x87 differential test's differences (run-fpudiff.sh)
into the accepted classes, against the exact value computed with mpmath.

    classify.py NATIVE_DETAIL GUEST_DETAIL

Both files hold the per-operation detail lines of the failing batches
("B.K name cw=... -> sw=... st0=..."), in the same order. Every operation
whose lines differ is classified:

  trans-host-misrounded  a transcendental whose guest result is the
        correctly rounded value of the x87's function (SDM vol. 2 FSIN etc.;
        FSIN/FCOS/FSINCOS/FPTAN reduce by the 66-bit pi the x87 uses) under
        the operation's rounding control, while the host's result is 1 ulp
        away from it; the status words may differ only in C1 (the round-up
        indicator, SDM vol. 1 8.1.3.1), PE and UE, and the guest's C1, PE
        and UE are the right ones for its correctly rounded result;
  trans-host-c1          the same result on both sides, the correctly
        rounded one, but the host's C1 does not say which way it rounded
        while the guest's does;
  f2xm1-exact            F2XM1 of +1 or -1: the guest returns the exact 1 or
        -0.5 without PE; the host raises PE (and rounds +1 to 1 - ulp under
        RC down or chop);
  c1-set-to-0            FCMOVcc, FCOMI, FCOMIP, FUCOMI, FUCOMIP: everything
        equal but C1, which the guest clears (SDM vol. 2: "C1 Set to 0")
        and the host leaves as it was;
  fld-overflow-c1        FLD ST(i) with ST(i) empty and ST(7) full (SF set):
        the guest reports the stack overflow (C1 1, SDM vol. 2 FLD), the
        host the underflow (C1 0); all else equal;
  unexplained            anything else: a failure.

Prints one line per instruction and class, and "unexplained N" last; the
exit status is 0 iff N is 0. The transcendentals' rules need python3-mpmath;
without it their differences are unexplained.
"""
import sys

try:  # only the transcendentals' rules need it
    import mpmath
    from mpmath import mp, mpf

    mp.prec = 400
except ImportError:
    mpmath = None

TRANS = {"f2xm1", "fyl2x", "fyl2xp1", "fptan", "fpatan", "fsin", "fcos", "fsincos"}
PE, UE, C1 = 0x20, 0x10, 0x200
# pi/2 to 66 bits, the x87's reduction constant (SDM vol. 1 8.3.10), in
# units of 2^-65
PIO2_66 = mpf(0x3243F6A8885A308D3) / mpf(2) ** 65 if mpmath else None


def parse(line):
    """-> (id, name, cw, continued, inputs {i: hex}, outputs {key: str})"""
    head, _, tail = line.partition(" -> ")
    h = head.split()
    d = {"id": h[0], "name": h[1], "cw": int(h[2][3:], 16), "cont": "(continued)" in head}
    d["in"] = {}
    for t in h[3:]:
        if t.startswith("in") and "=" in t:
            d["in"][int(t[2])] = t[4:]
    out = {}
    for t in tail.split():
        k, _, v = t.partition("=")
        out[k] = v
    d["out"] = out
    return d


def f80_val(hexs):
    """-> (kind, mpf value or None) for the 20-hex-digit register image."""
    se, m = int(hexs[:4], 16), int(hexs[4:], 16)
    s, e = se >> 15, se & 0x7FFF
    if e == 0x7FFF or (e != 0 and not m >> 63):
        return "special", None
    if m == 0:
        return "zero", None
    v = mpf(m) * mpf(2) ** ((e if e else 1) - 16383 - 63)
    return "num", -v if s else v


def f80_round(x, rc):
    """The exact x (nonzero, irrational) rounded to 64 bits under rc:
    -> (hex image, rounded up in magnitude, tiny)."""
    s = 1 if x < 0 else 0
    a = abs(x)
    e = int(mpmath.frexp(a)[1]) - 1  # 2^e <= a < 2^(e+1)
    q = max(e, -16382) - 63
    n = a / mpf(2) ** q
    lo = int(mpmath.floor(n))
    # An irrational value is never exact or a tie, but it can lie closer to
    # a rounding boundary than the reference's error: FYL2XP1 of x = 2^e
    # with e large is y * (e + 2^-e / ln 2 + ...), where y * e is often
    # exact in 64 bits and the tail decides the directed roundings, and
    # mpmath's log1p at 400 bits puts the value a few units of 2^-400 to
    # either side of y * e. Then the rounding cannot be read from this
    # precision (reference() widens it). The bound on n's error: mpmath's
    # few roundings, 2^-(prec-20) relative (reference()'s series for tiny
    # arguments are truncated far below that); n < 2^64.
    frac = n - lo
    margin = mpf(2) ** (84 - mp.prec)
    if min(frac, abs(frac - mpf(1) / 2), 1 - frac) <= margin:
        raise ValueError("reference not precise enough")
    up = (rc == 0 and n - lo > mpf(1) / 2) or (rc == 1 and s) or (rc == 2 and not s)
    r = lo + 1 if up else lo
    be = q + 63 + 16383
    if r >> 64:
        r >>= 1
        be += 1
    if be <= 0 or not r >> 63:  # denormal (or rounded up to the smallest normal)
        be = 0 if not r >> 63 else 1
    if be >= 0x7FFF:
        return None, up, False
    return "%04x%016x" % (s << 15 | be, r), up, e < -16382


def x87_trig(x):
    """(sin, cos) of x as the x87 computes them: reduction by pi66/2."""
    a = abs(x)
    k = int(mpmath.nint(a / PIO2_66))
    r = a - k * PIO2_66
    s, c = mpmath.sin(r), mpmath.cos(r)
    s, c = [(s, c), (c, -s), (-s, -c), (-c, s)][k & 3]
    return (-s if x < 0 else s), c


def reference(name, ins):
    """The exact results, in output-register order (st0, st1), or None."""
    vals = [f80_val(ins[i]) if i in ins else ("empty", None) for i in (0, 1)]
    k0, x = vals[0]
    k1, y = vals[1]
    if k0 != "num":
        return None
    # tiny arguments (|x| = 2^-k, k > 100): a few series terms, much
    # cheaper than the functions at the wide precision; the first term left
    # out is |x|^8 (2^-8k) relative or less, below f80_round's margin at
    # 400 bits and at the 400 + 2k bits of the second try
    tiny = abs(x) < mpf(2) ** -100
    if name == "f2xm1":
        if tiny:
            u = x * mpmath.log(2)
            return [sum(u ** n / mpmath.factorial(n) for n in range(1, 9))]
        return [mpmath.expm1(x * mpmath.log(2))]
    if name in ("fsin", "fcos", "fsincos", "fptan"):
        if abs(x) >= mpf(2) ** 63:
            return None
        if tiny:
            s = x - x ** 3 / 6 + x ** 5 / 120 - x ** 7 / 5040 + x ** 9 / 362880
            c = 1 - x * x / 2 + x ** 4 / 24 - x ** 6 / 720 + x ** 8 / 40320
            t = x + x ** 3 / 3 + 2 * x ** 5 / 15 + 17 * x ** 7 / 315 + 62 * x ** 9 / 2835
            return {"fsin": [s], "fcos": [c], "fsincos": [c, s], "fptan": [None, t]}[name]
        s, c = x87_trig(x)
        return {"fsin": [s], "fcos": [c], "fsincos": [c, s], "fptan": [None, s / c]}[name]
    if k1 != "num":
        return None
    if name == "fyl2x":
        return [y * mpmath.log(x, 2)] if x > 0 else None
    if name == "fyl2xp1":
        if tiny:
            return [y * sum((-1) ** (n + 1) * x ** n / n for n in range(1, 9)) / mpmath.log(2)]
        return [y * mpmath.log1p(x) / mpmath.log(2)] if x > -1 else None
    if name == "fpatan":
        t = y / x
        if x > 0 and abs(t) < mpf(2) ** -100:
            return [sum((-1) ** n * t ** (2 * n + 1) / (2 * n + 1) for n in range(5))]
        return [mpmath.atan2(y, x)]
    return None


def ulp_apart(a, b):
    """True when the two register images are adjacent values of one sign."""
    if a[:1] != b[:1] or len(a) != 20 or len(b) != 20:
        return False
    ea, eb = int(a[:4], 16) & 0x7FFF, int(b[:4], 16) & 0x7FFF
    va = (ea << 63) | (int(a[4:], 16) & ((1 << 63) - 1)) if ea else int(a[4:], 16)
    vb = (eb << 63) | (int(b[4:], 16) & ((1 << 63) - 1)) if eb else int(b[4:], 16)
    return abs(va - vb) == 1


# C1 "set to 0" (SDM vol. 2 FCOMI/FUCOMI; FCMOVcc: C1 is the round-up
# indicator, 0 for a move, vol. 1 table 8-3); the host keeps it
C1_ZERO = {"fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu",
           "fcomi_st1", "fcomip_st1", "fucomi_st1", "fucomip_st1"}
SF = 0x40


def classify_c1(nat, gst):
    no, go = nat["out"], gst["out"]
    if any(no.get(k) != go.get(k) for k in set(no) | set(go) if k != "sw"):
        return "unexplained"
    nsw, gsw = int(no["sw"], 16), int(go["sw"], 16)
    if nsw ^ gsw != C1:
        return "unexplained"
    if nat["name"] in C1_ZERO and not gsw & C1:
        return "c1-set-to-0"
    # FLD ST(i) with ST(i) empty and ST(7) full: both a stack underflow
    # and an overflow; the SDM's C1 is 1 on overflow, the host reports
    # the underflow (C1 0)
    if nat["name"] == "fld_st1" and gsw & SF and gsw & C1:
        return "fld-overflow-c1"
    return "unexplained"


def classify(nat, gst, prev):
    name = nat["name"]
    if name in C1_ZERO or name == "fld_st1":
        return classify_c1(nat, gst)
    if name not in TRANS or not mpmath:
        return "unexplained"
    ins = dict(nat["in"])
    if nat["cont"]:
        if prev is None:
            return "unexplained"
        ins = {i: prev["out"]["st%d" % i] for i in (0, 1) if "st%d" % i in prev["out"]}
    no, go = nat["out"], gst["out"]
    nsw, gsw = int(no["sw"], 16), int(go["sw"], 16)
    rc = (nat["cw"] >> 10) & 3
    # F2XM1 of +-1: exact result, no PE (ours); the host raises PE
    if name == "f2xm1" and ins.get(0, "")[1:] == "fff8000000000000000":
        exact = "3fff8000000000000000" if ins[0][0] == "3" else "bffe8000000000000000"
        if go.get("st0") == exact and ((nsw ^ gsw) & ~(PE | C1)) == 0:
            return "f2xm1-exact"
        return "unexplained"
    # 400 bits first; when that cannot tell the rounding (a tiny result
    # whose deciding tail, x^3/3 in tan x = x + x^3/3 and the like, lies
    # x^2 below it), again with twice the operands' binary exponents more.
    ex = [(int(ins[i][:4], 16) & 0x7FFF) - 16383 if i in ins else 0 for i in (0, 1)]
    wide = abs(ex[1] - ex[0]) if name == "fpatan" else abs(ex[0]) if name != "fyl2x" else 0
    rounded = None
    for prec in (400, 400 + 2 * wide):
        try:
            with mpmath.workprec(prec):
                ref = reference(name, ins)
                if not ref or any(e is not None and e == 0 for e in ref):
                    return "unexplained"
                rounded = [None if e is None else f80_round(e, rc) for e in ref]
            break
        except ZeroDivisionError:
            return "unexplained"
        except ValueError:
            continue
    if rounded is None:
        return "unexplained"
    # every key but the results and the status word must match
    keys = set(no) | set(go)
    regs = ["st0", "st1"][: len(ref)]
    if any(no.get(k) != go.get(k) for k in keys - set(regs) - {"sw"}):
        return "unexplained"
    if (nsw ^ gsw) & ~(C1 | PE | UE):
        return "unexplained"
    host_off = False
    for reg, exact, rnd in zip(regs, ref, rounded):
        if exact is None:  # FPTAN's 1.0
            if no.get(reg) != go.get(reg):
                return "unexplained"
            continue
        want, up, tiny = rnd
        if go.get(reg) != want:
            return "unexplained"
        if no.get(reg) != want:
            if not ulp_apart(no.get(reg, ""), want):
                return "unexplained"
            host_off = True
    # the guest's flags for its correctly rounded result: PE always (the
    # results are irrational); C1 the rounding direction of the last
    # register written (FSINCOS: the sine, as the host reports it); UE
    # when tiny
    want, up, tiny = [r for r in rounded if r is not None][-1]
    if not gsw & PE or bool(gsw & C1) != up or ((nsw ^ gsw) & UE and bool(gsw & UE) != tiny):
        return "unexplained"
    if host_off:
        return "trans-host-misrounded"
    return "trans-host-c1" if (nsw ^ gsw) == C1 else "unexplained"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: classify.py NATIVE_DETAIL GUEST_DETAIL")
    with open(sys.argv[1]) as f:
        nl = [l.rstrip("\n") for l in f if " -> " in l]
    with open(sys.argv[2]) as f:
        gl = [l.rstrip("\n") for l in f if " -> " in l]
    counts = {}
    unexplained = []
    prev = None
    prev_batch = None
    for a, b in zip(nl, gl):
        nat, gst = parse(a), parse(b)
        batch = nat["id"].split(".")[0]
        if batch != prev_batch:
            prev = None
            prev_batch = batch
        if a != b:
            c = classify(nat, gst, prev)
            counts[(nat["name"], c)] = counts.get((nat["name"], c), 0) + 1
            if c == "unexplained":
                unexplained.append((a, b))
        prev = nat
    if len(nl) != len(gl):
        counts[("(missing lines)", "unexplained")] = abs(len(nl) - len(gl))
    nun = sum(v for (n, c), v in counts.items() if c == "unexplained")
    for (n, c), v in sorted(counts.items(), key=lambda t: (t[0][1] == "unexplained", t[0])):
        print("  %-10s %-22s %d" % (n, c, v))
    for a, b in unexplained[:8]:
        print("  native: " + a)
        print("  guest:  " + b)
    print("unexplained %d" % nun)
    sys.exit(1 if nun else 0)


if __name__ == "__main__":
    main()
