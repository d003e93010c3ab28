/* The paper-gridworld check of the C API (capi/c/check.h) on a Cortex-M4F
 * (MPS2 AN386 under QEMU): each line of the check goes to the host through
 * semihosting between two marker lines, then the memory report. Exits with
 * status 0 only when the check returned 0.
 *
 * Every object lives in check.h's static arena (.bss): its size is
 * PL_CHECK_ARENA_BYTES (check.h's default unless defined here, as run.sh does
 * for its second, trimmed build); the report says how much of it was used. */
#define PL_REAL_F32 1
#define PL_NO_HEAP 1
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "semihost.h"
#include "stack.h"

/* run.sh takes the lines between these two markers and compares them byte
 * for byte with the host's output of the same check. */
#define BEGIN_MARK "=== check: begin"
#define END_MARK "=== check: end"

/* The peak stack when the check emits its second line: its objects have
 * done all their work then, and no number has been formatted yet (check.h
 * formats the report's numbers with big integers on the stack). */
static size_t lines_emitted;
static size_t peak_before_report;

static void emit(const char *line)
{
    if (++lines_emitted == 2u) {
        peak_before_report = stack_peak();
    }
    sh_write0(line);
    sh_writec('\n');
}

static void put_uint(uint32_t n)
{
    char buf[11];
    char *p = buf + sizeof buf - 1;
    *p = '\0';
    do {
        *--p = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    sh_write0(p);
}

static void put_int(int32_t n)
{
    if (n < 0) {
        sh_writec('-');
        put_uint((uint32_t)0 - (uint32_t)n);
    } else {
        put_uint((uint32_t)n);
    }
}

int main(void)
{
    stack_paint();
    sh_write0(BEGIN_MARK "\n");
    /* All the probe's directions in one advance, as the host's run. */
    int status = pl_check_run(0u, emit);
    size_t peak = stack_peak();
    sh_write0(END_MARK "\n");
    sh_write0("check status: ");
    put_int((int32_t)status);
    sh_write0("\nmemory: static RAM ");
    put_uint((uint32_t)static_ram());
    sh_write0(" B, peak stack ");
    put_uint((uint32_t)peak);
    sh_write0(" B (");
    put_uint((uint32_t)peak_before_report);
    sh_write0(" B before the report's formatting)\narena: ");
    put_uint((uint32_t)*pl_check_arena_used());
    sh_write0(" B used of ");
    put_uint((uint32_t)PL_CHECK_ARENA_BYTES);
    sh_write0(" B\n");
    sh_write0(status == 0 ? "result: the check passed\n" : "result: the check FAILED\n");
    return status == 0 ? 0 : 1;
}
