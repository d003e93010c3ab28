/* Semihosting calls: r0 = operation, r1 = argument, `bkpt 0xAB`, result in r0. */
#include "semihost.h"

#define SYS_WRITEC 0x03
#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18          /* angel_SWIreason_ReportException */
#define SYS_EXIT_EXTENDED 0x20

#define ADP_Stopped_ApplicationExit 0x20026
#define ADP_Stopped_RunTimeErrorUnknown 0x20023

static uintptr_t semihost(uintptr_t op, uintptr_t arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void sh_write0(const char *s)
{
    semihost(SYS_WRITE0, (uintptr_t)s);
}

void sh_writec(char c)
{
    semihost(SYS_WRITEC, (uintptr_t)&c);
}

void sh_exit(int code)
{
    if (code == 0) {
        /* On 32-bit ARM, SYS_EXIT takes the reason itself, not a block:
         * QEMU exits with status 0 for ApplicationExit, 1 for any other. */
        semihost(SYS_EXIT, ADP_Stopped_ApplicationExit);
    } else {
        /* SYS_EXIT_EXTENDED: a block {reason, subcode}; QEMU exits with the
         * subcode as the status. */
        volatile uintptr_t block[2] = {ADP_Stopped_ApplicationExit, (uintptr_t)code};
        semihost(SYS_EXIT_EXTENDED, (uintptr_t)block);
        semihost(SYS_EXIT, ADP_Stopped_RunTimeErrorUnknown);
    }
    for (;;) {
        __asm__ volatile("bkpt 0");
    }
}
