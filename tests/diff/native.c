/*
 * native.c - the differential test's host side: a 32-bit Linux program
 * (gcc -m32) that runs the generated sequences on the host CPU at CPL 3.
 *
 *   diff_native [--seed S] [--first N] [--count N]     one line per sequence
 *   diff_native ... --names                            "N start.off:name/width ..." per
 *                                                      sequence (hex offsets of each template
 *                                                      and of its main instruction)
 *   diff_native --seed S --dump N [--raw FILE]         sequence N's initial state
 *                                                      and templates; FILE gets its code
 *
 *   diff_native ... --shift B                         move the scratch and code buffers by B
 *                                                      bytes (a multiple of 64, <= 65536):
 *                                                      the output must not change
 *
 * S is a 64-bit number (decimal or 0x-hex); the guest ROM takes the same
 * parameters patched into its image (run-diff.sh).
 */
#define _GNU_SOURCE
#include "gen.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

uint8_t *plat_code;
uint8_t *plat_scratch;
uint16_t plat_cs;
static uint8_t scratch_mem[DIFF_BUF_SIZE + 65536] __attribute__((aligned(64)));

static sigjmp_buf fault_jmp;
static SeqState *fault_st;

void plat_write(const char *s, unsigned n)
{
    fwrite(s, 1, n, stdout);
}

/* A signal during a sequence: a fault the sequence ends with on purpose
 * (t_fault.c), or one the generator did not mean. Record what the guest
 * records at an exception: the registers, EFLAGS and ESP at the fault, the
 * vector, the error code and EIP. */
extern uint32_t rs_esp;
static void on_fault(int sig, siginfo_t *si, void *uc_)
{
    static const int greg[8] = { REG_EAX, REG_ECX, REG_EDX, REG_EBX,
                                 REG_ESP, REG_EBP, REG_ESI, REG_EDI };
    const greg_t *gr = ((ucontext_t *)uc_)->uc_mcontext.gregs;
    (void)sig;
    (void)si;
    for (int i = 0; i < 8; i++)
        fault_st->r[i] = (uint32_t)gr[greg[i]];
    fault_st->eflags = (uint32_t)gr[REG_EFL] & ~0x10000u; /* RF, as runner.S */
    fault_st->esp_delta = (uint32_t)gr[REG_ESP] - rs_esp;
    fault_st->fault = (uint32_t)gr[REG_TRAPNO] + 1;
    fault_st->fault_err = (uint32_t)gr[REG_ERR];
    fault_st->fault_eip = (uint32_t)gr[REG_EIP];
    siglongjmp(fault_jmp, 1);
}

int plat_exec(SeqState *st, uint8_t *code)
{
    fault_st = st;
    if (sigsetjmp(fault_jmp, 1))
        return 1;
    run_seq(st, code);
    return 0;
}

static void dump(const DiffParams *p, uint32_t n, const char *raw)
{
    static const char *const rn[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    Seq s;
    SeqInfo info;
    uint8_t scratch[DIFF_BUF_SIZE];
    diff_build(p, n, &s, plat_code, scratch, 0, &info);
    printf("sequence %u: %u code bytes, base register %s, flags compared %03x\n", n, s.len,
           rn[s.base], s.mask);
    printf("initial:");
    for (int i = 0; i < 8; i++)
        if (i != 4 && i != s.base)
            printf(" %s=%08x", rn[i], s.st.r[i]);
    printf(" eflags=%08x\n", s.st.eflags);
    printf("templates (offset of the main instruction: name/width):\n");
    for (unsigned i = 0; i < info.n; i++)
        printf("  +%04x %s/%u\n", info.off[i], info.name[i], info.width[i]);
    printf("code:");
    for (unsigned i = 0; i < s.len; i++)
        printf(" %02x", plat_code[i]);
    printf("\n");
    if (raw) {
        FILE *f = fopen(raw, "wb");
        if (!f || fwrite(plat_code, 1, s.len, f) != s.len || fclose(f)) {
            perror(raw);
            exit(1);
        }
    }
}

static void names(const DiffParams *p)
{
    static uint8_t scratch[DIFF_BUF_SIZE];
    for (uint32_t n = p->first; n - p->first < p->count; n++) {
        Seq s;
        SeqInfo info;
        diff_build(p, n, &s, plat_code, scratch, 0, &info);
        printf("%u", n);
        for (unsigned i = 0; i < info.n; i++)
            printf(" %x.%x:%s/%u", info.start[i], info.off[i], info.name[i], info.width[i]);
        printf("\n");
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: diff_native [--seed S] [--first N] [--count N] [--names | --dump N [--raw FILE]]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    DiffParams p = { 1, 0, 0, 100000 };
    long dump_n = -1;
    const char *raw = NULL;
    unsigned long shift = 0;
    int want_names = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--names")) {
            want_names = 1;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        char *end;
        unsigned long long x = strtoull(v, &end, 0);
        if (*end && strcmp(a, "--raw"))
            usage();
        if (!strcmp(a, "--seed")) {
            p.seed_lo = (uint32_t)x;
            p.seed_hi = (uint32_t)(x >> 32);
        } else if (!strcmp(a, "--first")) {
            p.first = (uint32_t)x;
        } else if (!strcmp(a, "--count")) {
            p.count = (uint32_t)x;
        } else if (!strcmp(a, "--dump")) {
            dump_n = (long)x;
        } else if (!strcmp(a, "--raw")) {
            raw = v;
        } else if (!strcmp(a, "--shift")) {
            shift = (unsigned long)x & ~63ul;
            if (shift > 65536)
                usage();
        } else {
            usage();
        }
    }

    plat_code = mmap(NULL, DIFF_CODE_SIZE + 65536, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (plat_code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    plat_scratch = scratch_mem + shift;
    plat_code += shift;
    __asm__("movw %%cs, %0" : "=r"(plat_cs));
    if (dump_n >= 0) {
        dump(&p, (uint32_t)dump_n, raw);
        return 0;
    }
    if (want_names) {
        names(&p);
        return 0;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    int sigs[] = { SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    diff_run(&p);
    return fflush(stdout) ? 1 : 0;
}
