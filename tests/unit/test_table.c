/*
 * test_table.c - every instruction the opcode table names has a handler:
 * no row that is an instruction of this CPU still resolves to the weak
 * op_unimpl stub. Rows flagged F_UD (encodings a Pentium II does not have)
 * are #UD by design and are skipped. Prints the rows it checked.
 */
#include <stdio.h>

#include "cpu/decode.h"

int main(void)
{
    decode_init();
    int checked = 0, missing = 0;
    for (int code = 0; code < 0x200; code++) {
        const OpRow *prim = decode_table_row(code, -1);
        if (!prim || (prim->flags & F_PREFIX))
            continue;
        for (int reg = (prim->flags & F_GRP) ? 0 : -1; reg < ((prim->flags & F_GRP) ? 8 : 0); reg++) {
            const OpRow *r = decode_table_row(code, reg);
            if (!r || (r->flags & F_UD) || code == 0x0f)
                continue;
            checked++;
            if (r->fn16 == op_unimpl || r->fn32 == op_unimpl) {
                char sub[8] = "";
                if (reg >= 0)
                    snprintf(sub, sizeof(sub), " /%d", reg);
                printf("no handler: %s%02x%s %s %s\n", code >= 0x100 ? "0f " : "", code & 0xff, sub,
                       r->mnemonic, r->operands);
                missing++;
            }
        }
    }
    printf("%d table rows checked, %d without a handler\n", checked, missing);
    printf("%d passed, %d failed\n", checked - missing, missing);
    return missing ? 1 : 0;
}
