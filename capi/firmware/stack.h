/* Peak stack by painting, as examples/firmware/src/stack.rs: fill the free
 * RAM between the statics and the stack pointer with a pattern, run, then
 * find the lowest word the stack overwrote. No interrupt is enabled, so
 * nothing else writes below the stack pointer. */
#ifndef PL_FW_STACK_H
#define PL_FW_STACK_H

#include <stddef.h>

/* Paints the RAM below the current stack pointer. Call first in main. */
void stack_paint(void);
/* The deepest the stack has been since stack_paint, in bytes. */
size_t stack_peak(void);
/* Bytes of RAM the statics use: .data and .bss. */
size_t static_ram(void);

#endif
