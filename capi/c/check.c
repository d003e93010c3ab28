/* The firmware check (check.h) on the host, through the C interface: every
 * object in check.h's static arena, lines on stdout.
 *
 *   gcc -std=c99 -I capi/include -I capi/c capi/c/check.c \
 *       capi/target/release/libpolicy_landscape_c.a -lpthread -ldl -lm
 *
 * (add -DPL_REAL_F32 for a library built with feature f32). An optional
 * argument is the directions per probe advance (default 0: all at once).
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

static void emit(const char *line) {
    fputs(line, stdout);
    fputc('\n', stdout);
}

int main(int argc, char **argv) {
    uint64_t per_call = 0;
    int rc;
    if (argc > 1) {
        per_call = (uint64_t)strtoull(argv[1], NULL, 10);
    }
    rc = pl_check_run(per_call, emit);
    if (getenv("PL_CHECK_ARENA") != NULL) {
        fprintf(stderr, "arena: %lu of %lu bytes used\n", (unsigned long)*pl_check_arena_used(),
                (unsigned long)PL_CHECK_ARENA_BYTES);
    }
    if (fflush(stdout) != 0) {
        return 2;
    }
    return rc;
}
