/*
 * x64_thunk.c - the x86-64 backend's fold of a CALL to an i386 PIC thunk
 * (docs/jit.md, "CALL to a PIC thunk").
 *
 * Debian's i386 code calls `__x86.get_pc_thunk.REG` (`mov REG, [esp];
 * ret`: bytes 8b MODRM 24 c3, MODRM = 00 REG 100) all the time. Run as
 * blocks, its RET is a jump-cache probe and an indirect `jmp` the host
 * mispredicts (the thunk returns to many callers). A CALL rel32 that ends
 * a block gets, in front of the plain CALL, code that does the three
 * instructions' work at once: [ESP-4] = REG = EIP = the return address,
 * icount += 3, then the block's chained exit to the fall-through.
 *
 * The compiler cannot see the target's bytes (it has no CPU at hand, and
 * the bytes may change), so each such CALL site learns at run time: its
 * first jump points at a helper that looks the target up in the jump
 * cache, as the dispatcher would, and repoints the jump at the fold (the
 * target is a thunk block) or at the plain CALL (anything else). The fold
 * itself decides nothing from what was learned: at every run it takes the
 * block the threaded dispatcher would run next (the jump cache's entry
 * for the target: the same key checks as tc_find's hit, current for the
 * memory map) and folds only if that block is a valid thunk block of two
 * instructions, by the bytes it was translated from (a valid block's
 * bytes are the memory's: code writes invalidate it). So a rewritten
 * thunk, a remapped or unmapped page, NX or a privilege change take the
 * plain path, exactly as the threaded backend would run them.
 */
#include <stddef.h>
#include <string.h>

#include "mmu/mem.h"
#include "translate/x64_jit.h"

#define OFF_TC(f) ((int32_t)offsetof(TCache, f))
#define OFF_B(f) ((int32_t)offsetof(Block, f))
/* cache.c keeps the bytes a block was translated from right after its
 * instructions (block_src): for a thunk block, after insn[2] */
#define OFF_SRC2 ((int32_t)(offsetof(Block, insn) + 2 * sizeof(Insn)))

/* The thunk's bytes as a little-endian dword, ModRM.reg masked out. */
#define THUNK_MASK 0xffffc7ffu
#define THUNK_BYTES 0xc324048bu

/* A site whose target is not in the jump cache after this many runs gives
 * up learning (a thunk reached only through a different linear address
 * would otherwise send it through the dispatcher for ever). */
#define THUNK_TRIES 16

/* What the learning helper needs, stored in the code buffer after the
 * site's code (writable view). */
typedef struct ThunkSite {
    uint8_t *rel;         /* the site's jump (rel32) */
    uint8_t *fold;        /* the fold */
    uint32_t lin, cs_base, mode;
    uint32_t tries;
    int32_t norm;         /* the plain CALL, as a rel32 from the next field */
    uint32_t pad;
} ThunkSite;

/* The plain CALL (patched into norm as the compiler patches its jumps) */
static uint8_t *site_norm(ThunkSite *ts)
{
    return (uint8_t *)&ts->norm + 4 + ts->norm;
}


/* Called from a learning site (the CALL not made yet): repoint its jump
 * once the jump cache says what the target is. */
void x64_thunk_learn(Cpu *c, ThunkSite *ts);
void x64_thunk_learn(Cpu *c, ThunkSite *ts)
{
    TCache *tc = c->tcache;
    Block *b = tc->jc[tc_jc_index(ts->lin)];
    if (tc->jc_gen != c->mem->tlb_flushes || !b || b->lin != ts->lin || b->cs_base != ts->cs_base ||
        b->mode != ts->mode || !b->valid) {
        if (++ts->tries >= THUNK_TRIES)
            em_patch(ts->rel, site_norm(ts));
        return;
    }
    uint32_t v = 0;
    if (b->ninsn == 2 && b->bytes == 4)
        memcpy(&v, &b->insn[2], 4);
    bool thunk = (v & THUNK_MASK) == THUNK_BYTES && ((v >> 11) & 7) != R_ESP;
    em_patch(ts->rel, thunk ? ts->fold : site_norm(ts));
}

/* mov dword [rbx + disp32], imm32 */
static void em_st_imm(Emit *e, int32_t disp, uint32_t v)
{
    em8(e, 0xc7);
    em8(e, 0x83);
    em32(e, (uint32_t)disp);
    em32(e, v);
}

static void to_normal(uint8_t **tn, int *n, uint8_t *rel)
{
    tn[(*n)++] = rel;
}

/* In emit_call_ret (x64.c), for a CALL rel32 ending the block, after the
 * stack-size check and before the plain CALL: returns how many rel32s in
 * tn (room for 12) must jump to the plain CALL, which follows
 * the chained exit the caller emits next; 0: nothing emitted. s: the
 * CALL's stub (its handler from the instruction's start). */
int xj_emit_thunk_fold(Jit *j, const Insn *in, uint32_t next, uint32_t ic, Stub *s, uint8_t **tn)
{
    Emit *e = &j->e;
    const Block *b = j->b;
    /* 32-bit code (no operand-size prefix, a 32-bit stack: checked by
     * the caller), the thunk's four bytes on one page, within 4 GiB */
    if ((b->mode & (BLOCK_MODE_PE | BLOCK_MODE_CODE32 | BLOCK_MODE_VM)) != (BLOCK_MODE_PE | BLOCK_MODE_CODE32) ||
        ic + 2 > 127)
        return 0;
    /* the constants hold while EIP is what the block was translated at */
    uint32_t eip0 = b->lin - b->cs_base + j->start_delta;
    uint32_t ret = eip0 + next;
    uint32_t target = ret + in->imm;
    uint32_t lin = b->cs_base + target;
    if (target > 0xfffffffcu || (lin & PAGE_MASK) > PAGE_SIZE - 4)
        return 0;
    int n = 0;

    /* the site's jump: to LEARN first, then to FOLD or the plain CALL */
    uint8_t *site = em_jmp32(e);

    /* LEARN: at the site's address (else the constants are wrong) */
    em_patch(site, e->p);
    em_op_mem(e, 0, 0, 0x81, 7, OFF(eip));                 /* cmp dword [eip], eip0 */
    em32(e, eip0);
    to_normal(tn, &n, em_jcc32(e, HCC_NE));
    em_op_rr(e, 0, 0x48, 0x89, HR_BX, HR_DI);              /* mov rdi, rbx */
    uint8_t *rec_imm = e->p + 2;
    em_mov64_imm(e, HR_SI, 0);                             /* rsi = the ThunkSite (below) */
    em_call_abs(e, (const void *)x64_thunk_learn);

    /* DISPATCH: the CALL, then the dispatcher, which finds the target
     * (and puts it in the jump cache) as the threaded backend does */
    uint8_t *dispatch = e->p;
    Stub miss = *s; /* what must run the CALL's handler, through one jump to s */
    miss.nfrom = 0;
    em_op_mem(e, 0, 0, 0x81, 7, OFF_SEG(SEG_CS, limit));   /* cmp dword [cs.limit], target */
    em32(e, target);
    xj_stub_from(j, &miss, em_jcc32(e, HCC_B));            /* #GP at the CALL */
    em_mov32_load(e, HR_AX, OFF_R(R_ESP));
    em_alu32_imm(e, 5, HR_AX, 4);
    xj_emit_fast_x(j, &miss, SEG_SS, 4, true, false);
    em_mov32_imm(e, HR_CX, ret);
    xj_st_mem(j, 32, HR_CX);
    em_mov32_store(e, HR_AX, OFF_R(R_ESP));
    em_st_imm(e, OFF(eip), target);
    em_add64_mem_imm(e, OFF(icount), (int32_t)ic);
    xj_to_exit(j, em_jmp32(e));
    uint8_t *to_handler = e->p;
    for (int k = 0; k < miss.nfrom; k++)
        em_patch(miss.from[k], to_handler);
    xj_stub_from(j, s, em_jmp32(e));

    /* the ThunkSite, 8-byte aligned, never executed */
    while ((uintptr_t)e->p & 7)
        em8(e, 0xcc);
    uint8_t *rec = e->p;
    ThunkSite ts = { site, rec + sizeof(ThunkSite), lin, b->cs_base, b->mode, 0, 0, 0 };
    em_bytes(e, &ts, sizeof(ts));
    if (!e->overflow) {
        memcpy(rec_imm, &rec, sizeof(rec));
        to_normal(tn, &n, rec + offsetof(ThunkSite, norm));
    }

    /* FOLD: the checks of the chained exits with the thunk's three
     * instructions counted (the deadline lands after them; no exit
     * request, interrupt, debug event, single step or trace) */
    em_op_mem(e, 0, 0, 0x81, 7, OFF(eip));                 /* cmp dword [eip], eip0 */
    em32(e, eip0);
    to_normal(tn, &n, em_jcc32(e, HCC_NE));
    em_mov64_load(e, HR_AX, OFF(icount));
    em_op_rr(e, 0, 0x48, 0x83, 0, HR_AX);                  /* add rax, ic + 2 */
    em8(e, (uint8_t)(ic + 2));
    em_op_mem(e, 0, 0x48, 0x3b, HR_AX, OFF(chain_limit));
    to_normal(tn, &n, em_jcc32(e, HCC_A));
    em_op_mem(e, 0, 0x48, 0x83, 7, OFF(exit_req));         /* and exit_reason, chain_stop */
    em8(e, 0);
    to_normal(tn, &n, em_jcc32(e, HCC_NE));
    /* the thunk's bytes and the return address within CS */
    uint32_t need = target + 3 > ret ? target + 3 : ret;
    em_op_mem(e, 0, 0, 0x81, 7, OFF_SEG(SEG_CS, limit));   /* cmp dword [cs.limit], need */
    em32(e, need);
    to_normal(tn, &n, em_jcc32(e, HCC_B));
    /* the block the dispatcher would run at the target: the jump cache
     * current for the map, its entry keyed as tc_find checks it; else the
     * dispatcher (which fills the entry) */
    em_mov64_load(e, HR_SI, OFF(tcache));
    em_mov64_load(e, HR_DX, OFF(mem));
    em8(e, 0x48); em8(e, 0x8b); em_base_disp(e, HR_AX, HR_SI, OFF_TC(jc_gen));
    em8(e, 0x48); em8(e, 0x3b); em_base_disp(e, HR_AX, HR_DX, (int32_t)offsetof(PhysMem, tlb_flushes));
    uint8_t *disp_from[6];
    int nd = 0;
    disp_from[nd++] = em_jcc32(e, HCC_NE);
    em8(e, 0x48); em8(e, 0x8b);                            /* mov rdi, [rsi + jc[slot]] */
    em_base_disp(e, HR_DI, HR_SI, OFF_TC(jc) + (int32_t)(tc_jc_index(lin) * sizeof(Block *)));
    em_op_rr(e, 0, 0x48, 0x85, HR_DI, HR_DI);              /* test rdi, rdi */
    disp_from[nd++] = em_jcc32(e, HCC_E);
    em8(e, 0x81); em_base_disp(e, 7, HR_DI, OFF_B(lin)); em32(e, lin);
    disp_from[nd++] = em_jcc32(e, HCC_NE);
    em8(e, 0x81); em_base_disp(e, 7, HR_DI, OFF_B(cs_base)); em32(e, b->cs_base);
    disp_from[nd++] = em_jcc32(e, HCC_NE);
    em8(e, 0x81); em_base_disp(e, 7, HR_DI, OFF_B(mode)); em32(e, b->mode);
    disp_from[nd++] = em_jcc32(e, HCC_NE);
    em8(e, 0x80); em_base_disp(e, 7, HR_DI, OFF_B(valid)); em8(e, 0);
    disp_from[nd++] = em_jcc32(e, HCC_E);
    for (int k = 0; k < nd; k++)
        em_patch(disp_from[k], dispatch);
    /* a thunk block: two instructions from the four bytes 8b MODRM 24
     * c3, REG not ESP (ninsn and bytes: one compare) */
    _Static_assert(offsetof(Block, bytes) == offsetof(Block, ninsn) + 2, "Block: bytes follows ninsn");
    em8(e, 0x81); em_base_disp(e, 7, HR_DI, OFF_B(ninsn)); em32(e, 2u | 4u << 16);
    to_normal(tn, &n, em_jcc32(e, HCC_NE));
    em8(e, 0x8b); em_base_disp(e, HR_AX, HR_DI, OFF_SRC2);  /* mov eax, [rdi + src] */
    em_op_rr(e, 0, 0, 0x89, HR_AX, HR_CX);
    em_alu32_imm(e, 4, HR_CX, THUNK_MASK);
    em_alu32_imm(e, 7, HR_CX, THUNK_BYTES);
    to_normal(tn, &n, em_jcc32(e, HCC_NE));
    em_op_rr(e, 0, 0, 0xc1, 5, HR_AX);                     /* shr eax, 11 */
    em8(e, 11);
    em_alu32_imm(e, 4, HR_AX, 7);
    em_alu32_imm(e, 7, HR_AX, R_ESP);
    to_normal(tn, &n, em_jcc32(e, HCC_E));
    em_op_rr(e, 0, 0, 0x89, HR_AX, HR_DI);                 /* edi = REG */
    /* the CALL's push (a miss: the CALL's handler); the thunk's RET pops
     * it again, so ESP stays */
    em_mov32_load(e, HR_AX, OFF_R(R_ESP));
    em_alu32_imm(e, 5, HR_AX, 4);
    miss.nfrom = 0;
    xj_emit_fast_x(j, &miss, SEG_SS, 4, true, false);
    for (int k = 0; k < miss.nfrom; k++)
        em_patch(miss.from[k], to_handler);
    em_mov32_imm(e, HR_CX, ret);
    xj_st_mem(j, 32, HR_CX);
    em8(e, 0xc7); em8(e, 0x84); em8(e, 0xbb);              /* mov dword [rbx + rdi*4 + r], ret */
    em32(e, (uint32_t)OFF_R(0));
    em32(e, ret);
    em_st_imm(e, OFF(eip), ret);
    /* the caller's chained exit follows (ic + 2 instructions) */
    return n;
}
