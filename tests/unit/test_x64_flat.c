/*
 * test_x64_flat.c - the x64 backend's flat blocks (BLOCK_MODE_FLAT): code
 * compiled while CS, DS, ES and SS are flat skips their checks, so a
 * segment load that makes them non-flat (a small limit, a base, a
 * read-only segment) must end the block right after it and keep chained
 * exits from reaching the flat code; the threaded backend is the
 * reference, fault for fault.
 */
#include "x64_rig.h"

#define CODE 0x1000
#define GDT 0x500
#define IDT 0x600
#define SEL_TABLES 0x4000

/* nasm, bits 32, org 0x1000; every round reads and writes DS and reads
 * SS, then loads DS (MOV, ending the block), SS (POP SS) and DS again
 * (POP DS, which does not end the block: the accesses right after it
 * share its block) with the selectors of phase (EBP >> 4) & 15 from the
 * three tables at 0x4000, 0x4020 and 0x4040. */
static const uint8_t prog[] = {
    0x45,                                     /* top: inc ebp */
    0xa1, 0x00, 0x30, 0x00, 0x00,             /* mov eax, [0x3000] */
    0xa3, 0x04, 0x30, 0x00, 0x00,             /* mov [0x3004], eax */
    0x03, 0x84, 0x24, 0x00, 0x10, 0x00, 0x00, /* add eax, [esp+0x1000] */
    0xa3, 0x08, 0x30, 0x00, 0x00,             /* mov [0x3008], eax */
    0x89, 0xe9,                               /* mov ecx, ebp */
    0xc1, 0xe9, 0x04,                         /* shr ecx, 4 */
    0x83, 0xe1, 0x0f,                         /* and ecx, 15 */
    0x2e, 0x0f, 0xb7, 0x94, 0x09, 0x00, 0x40, 0x00, 0x00, /* movzx edx, word [cs:0x4000+ecx*2] */
    0x8e, 0xda,                               /* mov ds, dx */
    0xa1, 0x0c, 0x30, 0x00, 0x00,             /* mov eax, [0x300c] */
    0x01, 0x05, 0x10, 0x30, 0x00, 0x00,       /* add [0x3010], eax */
    0x2e, 0x0f, 0xb7, 0x94, 0x09, 0x20, 0x40, 0x00, 0x00, /* movzx edx, word [cs:0x4020+ecx*2] */
    0x52,                                     /* push edx */
    0x17,                                     /* pop ss */
    0x90,                                     /* nop */
    0x8b, 0x84, 0x24, 0x00, 0x10, 0x00, 0x00, /* mov eax, [esp+0x1000] */
    0x01, 0x05, 0x14, 0x30, 0x00, 0x00,       /* add [0x3014], eax */
    0x2e, 0x0f, 0xb7, 0x94, 0x09, 0x40, 0x40, 0x00, 0x00, /* movzx edx, word [cs:0x4040+ecx*2] */
    0x52,                                     /* push edx */
    0x1f,                                     /* pop ds */
    0xa1, 0x18, 0x30, 0x00, 0x00,             /* mov eax, [0x3018] */
    0xa3, 0x1c, 0x30, 0x00, 0x00,             /* mov [0x301c], eax */
    0xeb, 0x9b,                               /* jmp top */
};

/* At 0x1100: #SS and #GP handlers. EDI = the vector, EBX = the faulting
 * EIP, ESI counts faults; flat DS, ES and SS again, back to top. */
static const uint8_t handlers[] = {
    0xbf, 0x0c, 0x00, 0x00, 0x00,             /* mov edi, 12 */
    0xeb, 0x05,                               /* jmp handler */
    0xbf, 0x0d, 0x00, 0x00, 0x00,             /* mov edi, 13 */
    0x58,                                     /* handler: pop eax (the error code) */
    0x5b,                                     /* pop ebx */
    0x83, 0xc4, 0x08,                         /* add esp, 8 */
    0x66, 0xba, 0x10, 0x00,                   /* mov dx, 0x10 */
    0x8e, 0xda,                               /* mov ds, dx */
    0x8e, 0xc2,                               /* mov es, dx */
    0x8e, 0xd2,                               /* mov ss, dx */
    0xbc, 0x00, 0x88, 0x00, 0x00,             /* mov esp, 0x8800 */
    0x46,                                     /* inc esi */
    0xe9, 0xda, 0xfe, 0xff, 0xff,             /* jmp top */
};

/* The GDT's data selectors: 0x10 flat, 0x18 limit 0xfff, 0x20 base
 * 0x100, 0x28 flat but read-only, 0x30 limit 0x8fff (a stack below the
 * reads at ESP + 0x1000), 0x38 base 0 and limit 4 GiB but 16-bit (B). */
enum { FLAT = 0x10, SMALL = 0x18, BASED = 0x20, RDONLY = 0x28, SHORT_SS = 0x30, SS16 = 0x38 };

static void wr32(Rig *r, uint32_t a, uint32_t v)
{
    memcpy(r->mem->ram + a, &v, 4);
}

static void setup(Rig *r, const uint16_t ds[16], const uint16_t ss[16], const uint16_t ds2[16])
{
    Cpu *c = &r->cpu;
    rig_set_pm32(r, true);
    static const uint32_t gdt[] = {
        0, 0,
        0x0000ffff, 0x00cf9b00, /* 0x08 code, flat */
        0x0000ffff, 0x00cf9300, /* 0x10 data, flat */
        0x00000fff, 0x00409300, /* 0x18 data, limit 0xfff */
        0x0100ffff, 0x00cf9300, /* 0x20 data, base 0x100 */
        0x0000ffff, 0x00cf9100, /* 0x28 data, flat, read-only */
        0x00008fff, 0x00409300, /* 0x30 data, limit 0x8fff */
        0x0000ffff, 0x008f9300, /* 0x38 data, limit 4 GiB, 16-bit (B clear) */
    };
    memcpy(r->mem->ram + GDT, gdt, sizeof(gdt));
    c->gdtr.base = GDT;
    c->gdtr.limit = sizeof(gdt) - 1;
    /* 32-bit interrupt gates: #SS at 0x1100, #GP at 0x1107 */
    wr32(r, IDT + 8 * 12, (0x08u << 16) | 0x1100);
    wr32(r, IDT + 8 * 12 + 4, 0x8e00);
    wr32(r, IDT + 8 * 13, (0x08u << 16) | 0x1107);
    wr32(r, IDT + 8 * 13 + 4, 0x8e00);
    c->idtr.base = IDT;
    c->idtr.limit = 8 * 14 - 1;
    memcpy(r->mem->ram + SEL_TABLES, ds, 32);
    memcpy(r->mem->ram + SEL_TABLES + 0x20, ss, 32);
    memcpy(r->mem->ram + SEL_TABLES + 0x40, ds2, 32);
    for (uint32_t a = 0x3000; a < 0x3200; a += 4)
        wr32(r, a, a * 0x9e3779b9u);
    for (uint32_t a = 0x9000; a < 0xa000; a += 4)
        wr32(r, a, a ^ 0x5a5a5a5au);
    memcpy(r->mem->ram + 0x1100, handlers, sizeof(handlers));
    rig_load(r, CODE, prog, sizeof(prog));
    c->r[R_ESP] = 0x8800;
    c->r[R_EBP] = c->r[R_ESI] = c->r[R_EDI] = 0;
}

/* Which modes the x64 rig compiled the block at lin in (any: all
 * blocks): bit 0 a flat block, bit 1 another one. */
static int block_modes(const Rig *r, uint32_t lin, bool any)
{
    int m = 0;
    for (uint32_t i = 0; i < (1u << TC_HASH_BITS); i++)
        for (const Block *b = r->tc->hash[i]; b; b = b->hash_next)
            if ((any || b->lin == lin) && b->code)
                m |= (b->mode & BLOCK_MODE_FLAT) ? 1 : 2;
    return m;
}

/* Both backends run the program in slices long enough for chaining;
 * after each the registers, EIP, EFLAGS, icount, the data and the
 * segment registers must agree. Returns the faults taken. */
static uint32_t run_pair(Rig *a, Rig *b, int slices)
{
    for (int i = 0; i < slices; i++) {
        rig_run(a, 997);
        rig_run(b, 997);
        rig_pair_same_cpu(a, b);
        assert_memory_equal(a->mem->ram + 0x3000, b->mem->ram + 0x3000, 0x200);
        for (int s = 0; s < SEG_COUNT; s++) {
            assert_int_equal(a->cpu.seg[s].sel, b->cpu.seg[s].sel);
            assert_int_equal(a->cpu.seg[s].base, b->cpu.seg[s].base);
        }
    }
    return b->cpu.r[R_ESI];
}

/* Flat to non-flat mid-chain: every kind of non-flat DS and SS, loaded
 * by a block's last instruction (MOV DS, POP SS: the chained exit after
 * it was linked to a flat block in the flat rounds before) and in the
 * middle of a block (POP DS). The accesses after each load must fault
 * exactly where the threaded backend faults. */
static void test_flat_to_nonflat(void **state)
{
    (void)state;
    static const uint16_t ds[16] = { FLAT, FLAT, SMALL, FLAT, RDONLY, FLAT, BASED, FLAT,
                                     FLAT, SMALL, FLAT, FLAT, RDONLY, BASED, FLAT, FLAT };
    static const uint16_t ss[16] = { FLAT, FLAT, FLAT, SHORT_SS, FLAT, FLAT, FLAT, SHORT_SS,
                                     FLAT, FLAT, FLAT, FLAT, FLAT, SHORT_SS, FLAT, FLAT };
    static const uint16_t ds2[16] = { FLAT, FLAT, FLAT, FLAT, FLAT, SMALL, FLAT, RDONLY,
                                      FLAT, BASED, FLAT, FLAT, SMALL, FLAT, FLAT, FLAT };
    Rig a, b;
    rig_pair_init(&a, &b);
    setup(&a, ds, ss, ds2);
    setup(&b, ds, ss, ds2);
    uint32_t faults = run_pair(&a, &b, 40);
    assert_true(faults > 20);
    assert_true(b.tc->xbuf->links > 0);
    assert_int_equal(block_modes(&b, 0, true), 3);
    rig_pair_free(&a, &b);
}

/* Non-flat to flat: the first phases run with a based DS (no flat block
 * can run), then DS becomes flat and the loop's head is compiled flat;
 * the data read through the based DS must match the reference. */
static void test_nonflat_to_flat(void **state)
{
    (void)state;
    static const uint16_t ds[16] = { BASED, BASED, BASED, BASED, FLAT, FLAT, FLAT, FLAT,
                                     BASED, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT };
    static const uint16_t ss[16] = { FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT,
                                     FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT };
    static const uint16_t ds2[16] = { BASED, BASED, BASED, BASED, FLAT, FLAT, FLAT, FLAT,
                                      BASED, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT };
    Rig a, b;
    rig_pair_init(&a, &b);
    setup(&a, ds, ss, ds2);
    setup(&b, ds, ss, ds2);
    /* DS based from the start: only non-flat code until phase 4 */
    Rig *rigs[] = { &a, &b };
    for (int i = 0; i < 2; i++) {
        Cpu *c = &rigs[i]->cpu;
        c->seg[SEG_DS] = (SegReg){ .sel = BASED, .attr = 0xc093, .base = 0x100, .limit = 0xffffffffu };
        seg_update_access(c, SEG_DS);
        assert_false(c->flat);
    }
    run_pair(&a, &b, 1);
    assert_false(b.cpu.flat);
    assert_int_equal(block_modes(&b, CODE, false), 2);
    run_pair(&a, &b, 40);
    assert_int_equal(block_modes(&b, CODE, false), 3);
    rig_pair_free(&a, &b);
}

/* Cpu.flat follows every way a segment cache changes, and a change
 * asks the running block to stop. */
static void test_flat_state(void **state)
{
    (void)state;
    Rig r;
    rig_init(&r);
    Cpu *c = &r.cpu;
    assert_false(c->flat); /* real mode after reset: limits 64 KiB */
    rig_set_pm32(&r, true);
    assert_true(c->flat);
    c->exit_req = 0;
    c->seg[SEG_ES].limit = 0xfffff;
    seg_update_access(c, SEG_ES);
    assert_false(c->flat);
    assert_int_equal(c->exit_req, 1);
    c->exit_req = 0;
    c->seg[SEG_ES].limit = 0xffffffffu;
    seg_update_access(c, SEG_ES);
    assert_true(c->flat);
    assert_int_equal(c->exit_req, 1);
    c->exit_req = 0;
    seg_update_access(c, SEG_FS); /* no change: no request */
    assert_int_equal(c->exit_req, 0);
    c->seg[SEG_SS].attr = (uint16_t)(c->seg[SEG_SS].attr & ~0x2u); /* read-only */
    seg_update_access(c, SEG_SS);
    assert_false(c->flat);
    c->seg[SEG_SS].attr |= 0x2u;
    seg_update_access(c, SEG_SS);
    assert_true(c->flat);
    c->seg[SEG_CS].base = 0x10; /* written directly, then the mode updated */
    cpu_update_mode(c);
    assert_false(c->flat);
    rig_free(&r);
}

/* An SS with base 0 and limit 4 GiB but B clear is not flat: a flat
 * block's PUSH, POP, CALL and RET skip the 32-bit stack test, and here
 * SP wraps at 64 KiB while ESP's upper half stays (ESP 0x10000, PUSH
 * twice: 0x1fff8, not 0xfff8; the pushes stay on one page, which a
 * page-crossing access would not: it takes the handler). */
static void test_flat_stack16(void **state)
{
    (void)state;
    static const uint8_t code[] = {
        0x66, 0xb8, SS16, 0x00,       /* mov ax, SS16 */
        0x8e, 0xd0,                   /* mov ss, ax */
        0xbc, 0x00, 0x00, 0x01, 0x00, /* mov esp, 0x10000 */
        0x41,                         /* top: inc ecx */
        0x51,                         /* push ecx */
        0x50,                         /* push eax */
        0x89, 0xe6,                   /* mov esi, esp */
        0x5a,                         /* pop edx */
        0x5b,                         /* pop ebx */
        0xeb, 0xf7,                   /* jmp top */
    };
    static const uint16_t flat[16] = { FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT,
                                       FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT, FLAT };
    Rig a, b;
    rig_pair_init(&a, &b);
    setup(&a, flat, flat, flat);
    setup(&b, flat, flat, flat);
    rig_load(&a, CODE, code, sizeof(code));
    rig_load(&b, CODE, code, sizeof(code));
    for (int i = 0; i < 30; i++) {
        rig_run(&a, 97);
        rig_run(&b, 97);
        rig_pair_same_cpu(&a, &b);
    }
    assert_int_equal(b.cpu.r[R_ESI], 0x1fff8u);
    assert_false(b.cpu.flat);
    rig_pair_free(&a, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_to_nonflat),
        cmocka_unit_test(test_nonflat_to_flat),
        cmocka_unit_test(test_flat_state),
        cmocka_unit_test(test_flat_stack16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
