/*
 * trace.c - -d in_asm, -d exec and -d int: blocks as they are translated
 * (disassembled by capstone), blocks as they run, and every interrupt and
 * exception with its vector, error code and CS:EIP.
 */
#include "frontend/trace.h"

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"

static void trace_translated(void *opaque, Cpu *c, const Block *b, const uint8_t *bytes)
{
    Tracer *t = opaque;
    fprintf(t->out, "IN: %04x:%08x (phys %08x, %s)\n", c->seg[SEG_CS].sel, c->eip, b->phys,
            (b->mode & BLOCK_MODE_CODE32) ? "32-bit" : "16-bit");
    uint32_t eip = c->eip;
    int pos = 0;
    for (int i = 0; i < b->ninsn; i++) {
        const Insn *in = &b->insn[i];
        cs_insn *insn = NULL;
        size_t n = cs_disasm(t->cs[(b->mode & BLOCK_MODE_CODE32) ? 1 : 0], bytes + pos, in->len,
                             eip, 1, &insn);
        fprintf(t->out, "  %08x: ", eip);
        for (int k = 0; k < 8; k++)
            fprintf(t->out, k < in->len ? "%02x" : "  ", bytes[pos + k]);
        if (n == 1)
            fprintf(t->out, "  %s %s\n", insn->mnemonic, insn->op_str);
        else {
            char name[32];
            fprintf(t->out, "  %s (capstone: invalid)\n", decode_mnemonic(in, name, sizeof(name)));
        }
        if (insn)
            cs_free(insn, n);
        pos += in->len;
        eip += in->len;
    }
    fputc('\n', t->out);
}

static void trace_executing(void *opaque, Cpu *c, const Block *b)
{
    Tracer *t = opaque;
    fprintf(t->out,
            "Trace %04x:%08x [%08x] icount=%llu eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x "
            "edi=%08x ebp=%08x esp=%08x fl=%08x\n",
            c->seg[SEG_CS].sel, c->eip, b->phys, (unsigned long long)c->icount, c->r[R_EAX],
            c->r[R_EBX], c->r[R_ECX], c->r[R_EDX], c->r[R_ESI], c->r[R_EDI], c->r[R_EBP],
            c->r[R_ESP], c->eflags);
}

static Tracer *active; /* for the CPU's exception hook, which has no opaque */

static void trace_exc(Cpu *c, int vector, uint32_t err, bool has_err)
{
    Tracer *t = active;
    if (!t)
        return;
    t->int_counts[vector & 0xff]++;
    fprintf(t->out, "INT 0x%02x at %04x:%08x (cpl %d)", vector, c->seg[SEG_CS].sel, c->insn_eip, c->cpl);
    if (has_err)
        fprintf(t->out, " error %08x", err);
    fputc('\n', t->out);
}

bool tracer_init(Tracer *t, const char *flags, const char *file, Cpu *c, TCache *tc, const char **err)
{
    memset(t, 0, sizeof(*t));
    t->out = stderr;
    if (!flags)
        return true;
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", flags);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "in_asm"))
            t->in_asm = true;
        else if (!strcmp(tok, "exec"))
            t->exec = true;
        else if (!strcmp(tok, "int"))
            t->ints = true;
        else {
            *err = "-d: unknown trace flag (in_asm, exec and int exist)";
            return false;
        }
    }
    if (file) {
        t->out = fopen(file, "w");
        if (!t->out) {
            *err = "-D: cannot open the trace file for writing";
            return false;
        }
        t->own_out = true;
    }
    if (cs_open(CS_ARCH_X86, CS_MODE_16, &t->cs[0]) != CS_ERR_OK ||
        cs_open(CS_ARCH_X86, CS_MODE_32, &t->cs[1]) != CS_ERR_OK) {
        *err = "capstone failed to initialise";
        return false;
    }
    t->cs_open = true;
    tc->trace.opaque = t;
    if (t->in_asm)
        tc->trace.translated = trace_translated;
    if (t->exec)
        tc->trace.executing = trace_executing;
    if (t->ints) {
        active = t;
        c->trace_exc = trace_exc;
    }
    return true;
}

void tracer_finish(Tracer *t)
{
    if (t->ints) {
        fprintf(t->out, "Interrupt and exception totals:\n");
        for (int v = 0; v < 256; v++)
            if (t->int_counts[v])
                fprintf(t->out, "  0x%02x: %llu\n", v, (unsigned long long)t->int_counts[v]);
    }
    if (t->cs_open) {
        cs_close(&t->cs[0]);
        cs_close(&t->cs[1]);
    }
    if (t->own_out)
        fclose(t->out);
    else if (t->out)
        fflush(t->out);
    if (active == t)
        active = NULL;
}
