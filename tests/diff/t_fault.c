/*
 * t_fault.c - a sequence may end in an exception on purpose (t_fault runs
 * after its last template). Both sides then report the vector, the error
 * code, the EIP the exception reports (the faulting instruction for a
 * fault, the next one for a trap) and the registers, flags, ESP and memory
 * at that point: an emulator's fault must leave the state exactly as at
 * the start of the faulting instruction (DESIGN.md section 3, invariant 2).
 *
 * Only exceptions the two sides raise alike (the guest runs at CPL 0, the
 * host at CPL 3 under Linux, whose signal context gives vector and error
 * code): #DE, #BP (INT3, INT 3), #OF (INTO), #BR (BOUND), #UD (UD0/1/2,
 * LOCK where it is not allowed, opcodes that do not exist, LEA or
 * CMPXCHG8B with a register operand, MOV CS), #GP (a write through CS, a
 * segment load of the null selector into SS or of a selector past both
 * GDTs or in the missing LDT). Not C4/C5/62/8F with a register operand
 * (VEX, EVEX and XOP prefixes on the host), nor C6/C7 F8 (TSX).
 */
#include "genlib.h"

static void fault_note(Gen *g, const char *name, unsigned start)
{
    note(g, name, 0, start);
    g->fault_mask = g->defd;
}

int t_fault(Gen *g)
{
    unsigned start = g->len;
    Rm m;
    int r = pick_reg(g, 32);
    switch (below(g, 12)) {
    case 0: { /* UD2, UD1, UD0 */
        static const uint8_t op[3] = { 0x0b, 0xb9, 0xff };
        int k = (int)below(g, 3);
        fault_note(g, k == 0 ? "ud2" : k == 1 ? "ud1" : "ud0", start);
        b(g, 0x0f);
        b(g, op[k]);
        if (k) {
            pick_rm(g, &m, 32, 4, 50);
            modrm(g, (int)below(g, 8), &m);
        }
        break;
    }
    case 1: /* LOCK on MOV, or on a register destination */
        pick_rm(g, &m, 32, 4, 50);
        fault_note(g, m.mem ? "lock.mov" : "lock.reg", start);
        b(g, 0xf0);
        if (m.mem) {
            b(g, 0x89);
        } else {
            b(g, 8 * below(g, 7) + 1); /* ADD..XOR Ev,Gv */
        }
        modrm(g, r, &m);
        break;
    case 2: /* FE /2-/7, FF /7 */
        pick_rm(g, &m, 32, 4, 50);
        if (below(g, 2)) {
            fault_note(g, "fe.bad", start);
            b(g, 0xfe);
            modrm(g, 2 + (int)below(g, 6), &m);
        } else {
            fault_note(g, "ff.bad", start);
            b(g, 0xff);
            modrm(g, 7, &m);
        }
        break;
    case 3: /* LEA r, r; CMPXCHG8B r; MOV CS, r */
        reg_rm(&m, pick_reg(g, 32));
        switch (below(g, 3)) {
        case 0:
            fault_note(g, "lea.reg", start);
            b(g, 0x8d);
            modrm(g, r, &m);
            break;
        case 1:
            fault_note(g, "cmpxchg8b.reg", start);
            b(g, 0x0f);
            b(g, 0xc7);
            modrm(g, 1, &m);
            break;
        default:
            fault_note(g, "mov.cs", start);
            b(g, 0x8e);
            modrm(g, 1, &m);
            break;
        }
        break;
    case 4: { /* DIV or IDIV by zero, in a register or memory */
        int width = rand_width(g), sign = (int)below(g, 2);
        if (below(g, 2)) {
            pick_mem(g, &m, 0, DIFF_BUF_SIZE - width / 8);
            mov_rm_imm(g, width, &m, 0);
        } else {
            do
                r = pick_reg(g, width);
            while (width == 8 ? (r == 0 || r == 4) : (r == EAX || r == EDX));
            reg_rm(&m, r);
            mov_reg_imm(g, width, r, 0);
        }
        fault_note(g, sign ? "idiv.0" : "div.0", start);
        prefixes(g, width, &m, 0);
        b(g, 0xf6 + (width != 8));
        modrm(g, 6 + sign, &m);
        break;
    }
    case 5: { /* DIV whose quotient does not fit; IDIV of the most negative
               * dividend by -1 */
        int width = rand_width(g), sign = (int)below(g, 2), hi = width == 8 ? 4 : EDX;
        uint32_t wm = width_mask(width);
        do
            r = pick_reg(g, width);
        while (width == 8 ? (r == 0 || r == 4) : (r == EAX || r == EDX));
        reg_rm(&m, r);
        if (sign) { /* dividend -2^(2w-1): high half 1 << (w-1), low half 0 */
            mov_reg_imm(g, width, hi, 1u << (width - 1));
            mov_reg_imm(g, width, EAX, 0);
            mov_reg_imm(g, width, r, wm);
        } else { /* high half >= divisor */
            uint32_t d = 1 + below(g, wm);
            mov_reg_imm(g, width, r, d);
            mov_reg_imm(g, width, hi, d + below(g, wm - d + 1));
        }
        fault_note(g, sign ? "idiv.overflow" : "div.overflow", start);
        prefixes(g, width, &m, 0);
        b(g, 0xf6 + (width != 8));
        modrm(g, 6 + sign, &m);
        break;
    }
    case 6: /* AAM 0 */
        fault_note(g, "aam.0", start);
        b(g, 0xd4);
        b(g, 0);
        break;
    case 7: /* INTO with OF = 1 (MOV r, 0x7fffffff; INC r), a trap */
        mov_reg_imm(g, 32, r, 0x7fffffff);
        b(g, 0x40 + r);
        set_flags(g, F_ALL & ~F_CF, 0);
        fault_note(g, "into.of", start);
        b(g, 0xce);
        break;
    case 8: /* INT3, INT 3: traps */
        fault_note(g, "int3", start);
        if (below(g, 2)) {
            b(g, 0xcc);
        } else {
            b(g, 0xcd);
            b(g, 3);
        }
        break;
    case 9: { /* BOUND with the register outside the bounds */
        int width = rand_w1632(g), unit = width / 8;
        uint32_t lo = below(g, 1000), hi = lo + below(g, 1000);
        uint32_t v = below(g, 2) ? hi + 1 + below(g, 1000) : lo - 1 - below(g, 1000);
        Rm a, c;
        r = pick_reg(g, width);
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - 2 * unit);
        mem_at(g, &a, m.off);
        mem_at(g, &c, m.off + unit);
        mov_reg_imm(g, width, r, v);
        mov_rm_imm(g, width, &a, lo);
        mov_rm_imm(g, width, &c, hi);
        fault_note(g, "bound.out", start);
        prefixes(g, width, &m, 0);
        b(g, 0x62);
        modrm(g, r, &m);
        break;
    }
    case 10: { /* a write through CS: #GP(0) */
        int width = rand_width(g);
        pick_mem(g, &m, 0, DIFF_BUF_SIZE - width / 8);
        fault_note(g, "cs.write", start);
        if (width == 16)
            b(g, 0x66);
        b(g, 0x2e);
        if (below(g, 2)) {
            b(g, 0x88 + (width != 8));
            modrm(g, pick_reg(g, width), &m);
        } else {
            b(g, width == 8 ? 0xfe : 0xff); /* inc */
            modrm(g, 0, &m);
        }
        break;
    }
    default: { /* MOV sreg, r with a selector no descriptor table has:
                * #GP(selector); or null into SS: #GP(0) */
        static const uint16_t sels[4] = { 0x7ff8, 0xfff8, 0x0004, 0x0ffc };
        int s = (int)below(g, 5); /* ES SS DS FS GS */
        s = s == 0 ? 0 : s + 1;
        uint32_t sel = s == 2 && below(g, 2) ? below(g, 4) : sels[below(g, 4)] | below(g, 4);
        mov_reg_imm(g, 16, r, sel);
        fault_note(g, "mov.sreg.bad", start);
        b(g, 0x8e);
        b(g, 0xc0 | s << 3 | r);
        break;
    }
    }
    g->faulted = 1;
    return 1;
}
