#include <stdint.h>
#include "stack.h"

#define PAINT 0x5AC15AC1u

/* From link.ld. */
extern uint32_t _sdata, _ebss, _stack_top;

size_t static_ram(void)
{
    return (size_t)((uintptr_t)&_ebss - (uintptr_t)&_sdata);
}

__attribute__((noinline)) void stack_paint(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    /* Stay a little below this frame. */
    uintptr_t end = (sp - 64) & ~(uintptr_t)3;
    for (volatile uint32_t *p = &_ebss; (uintptr_t)p < end; p++) {
        *p = PAINT;
    }
}

size_t stack_peak(void)
{
    const volatile uint32_t *p = &_ebss;
    uintptr_t top = (uintptr_t)&_stack_top;
    while ((uintptr_t)p < top && *p == PAINT) {
        p++;
    }
    return (size_t)(top - (uintptr_t)p);
}
