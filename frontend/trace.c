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

static const char *const vector_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS", "#NP", "#SS", "#GP",
    "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#21", "#22", "#23", "#24", "#25", "#26", "#27",
    "#28", "#29", "#30", "#31",
};

/* Disassemble the instruction at CS:EIP without faulting: the bytes are read
 * from physical memory, so a trace never changes what the guest sees. */
static void print_insn(Tracer *t, Cpu *c, uint32_t eip)
{
    /* The instruction ran in the running block's code segment and mode,
     * which a far transfer may just have replaced. */
    const Block *b = c->cur_block;
    uint32_t cs_base = b ? b->cs_base : c->seg[SEG_CS].base;
    bool code32 = b ? (b->mode & BLOCK_MODE_CODE32) != 0 : c->code32;
    uint8_t bytes[15];
    uint32_t lin = cs_base + eip;
    for (int i = 0; i < 15; i++)
        bytes[i] = (uint8_t)mem_phys_read(c->mem, mem_lin_to_phys(c->mem, lin + (uint32_t)i), 1);
    cs_insn *insn = NULL;
    size_t n = cs_disasm(t->cs[code32 ? 1 : 0], bytes, sizeof(bytes), eip, 1, &insn);
    if (n == 1)
        fprintf(t->out, "%s %s", insn->mnemonic, insn->op_str);
    else
        fprintf(t->out, "(bytes %02x %02x %02x %02x)", bytes[0], bytes[1], bytes[2], bytes[3]);
    if (insn)
        cs_free(insn, n);
}

/* One line per interrupt or exception: what, the error code, where from
 * (CS:EIP, ring and the instruction), and - once delivered - where to. */
static void trace_interrupt(void *opaque, Cpu *c, int vector, int soft, bool has_err, uint32_t err)
{
    Tracer *t = opaque;
    if (t->pending)
        fprintf(t->out, " -> delivery faulted\n");
    t->int_counts[vector & 0xff]++;
    const char *kind = soft ? "int" : c->fault_depth ? "exception" : "interrupt";
    fprintf(t->out, "%s 0x%02x", kind, vector);
    if (!soft && c->fault_depth && vector < 32)
        fprintf(t->out, " %s", vector_names[vector]);
    if (has_err)
        fprintf(t->out, " error 0x%04x", err);
    fprintf(t->out, " at %04x:%08x cpl %d: ", c->seg[SEG_CS].sel, c->insn_eip, c->cpl);
    print_insn(t, c, c->insn_eip);
    t->pending = true;
}

static void trace_delivered(void *opaque, Cpu *c)
{
    Tracer *t = opaque;
    if (!t->pending)
        return;
    fprintf(t->out, " -> %04x:%08x cpl %d\n", c->seg[SEG_CS].sel, c->eip, c->cpl);
    t->pending = false;
}

static void trace_cpl(void *opaque, Cpu *c, int old_cpl)
{
    Tracer *t = opaque;
    if (!t->cpl || t->pending)
        return; /* a change inside interrupt delivery is on the interrupt's line */
    fprintf(t->out, "cpl %d -> %d at %04x:%08x by ", old_cpl, c->cpl, c->seg[SEG_CS].sel, c->eip);
    print_insn(t, c, c->insn_eip);
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
        else if (!strcmp(tok, "cpl"))
            t->cpl = true;
        else if (!strcmp(tok, "tlb"))
            t->tlb = true;
        else {
            *err = "-d: unknown trace flag (in_asm, exec, int, cpl and tlb exist)";
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
    c->trace.opaque = t;
    if (t->ints) {
        c->trace.interrupt = trace_interrupt;
        c->trace.delivered = trace_delivered;
    }
    if (t->cpl)
        c->trace.cpl_change = trace_cpl;
    return true;
}

void tracer_finish(Tracer *t)
{
    if (t->pending)
        fputc('\n', t->out);
    if (t->ints) {
        fprintf(t->out, "Interrupt and exception totals:\n");
        for (int v = 0; v < 256; v++)
            if (t->int_counts[v])
                fprintf(t->out, "  0x%02x %-4s %llu\n", v, v < 32 ? vector_names[v] : "",
                        (unsigned long long)t->int_counts[v]);
    }
    if (t->cs_open) {
        cs_close(&t->cs[0]);
        cs_close(&t->cs[1]);
    }
    if (t->own_out)
        fclose(t->out);
    else if (t->out)
        fflush(t->out);
}
