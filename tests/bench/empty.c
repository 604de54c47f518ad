/* empty.c - boots and exits at once: the emulator's startup and exit cost,
 * which the runner prints as "startup" so readers can subtract it. */
#include "bench.h"

void guest_main(void)
{
    print("empty: nothing");
    bench_checksum(0);
}
