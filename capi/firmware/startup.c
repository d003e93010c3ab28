/* Minimal Cortex-M4F startup: the vector table, Reset_Handler (FPU on, .data
 * copied from flash, .bss zeroed, main called) and fault handlers that
 * report through semihosting and exit with a failure status. */
#include <stdint.h>
#include "semihost.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top;
extern int main(void);

void Reset_Handler(void);
static void reset_c(void);
static void fault(void);

/* Exceptions 1..15; no interrupt is enabled, so no IRQ entries. */
__attribute__((section(".vector_table"), used))
static void (*const vector_table[16])(void) = {
    (void (*)(void))(&_stack_top), /* initial MSP */
    Reset_Handler,
    fault, /* NMI */
    fault, /* HardFault */
    fault, /* MemManage */
    fault, /* BusFault */
    fault, /* UsageFault */
    0, 0, 0, 0,
    fault, /* SVCall */
    fault, /* DebugMonitor */
    0,
    fault, /* PendSV */
    fault, /* SysTick */
};

/* Naked so that nothing, not even a spilled register, can touch the FPU
 * before CPACR grants CP10/CP11 full access. */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
    __asm__ volatile(
        "ldr r0, =0xE000ED88\n" /* CPACR */
        "ldr r1, [r0]\n"
        "orr r1, r1, #(0xF << 20)\n"
        "str r1, [r0]\n"
        "dsb\n"
        "isb\n"
        "b %0\n"
        :
        : "i"(reset_c));
}

static __attribute__((noreturn, used)) void reset_c(void)
{
    volatile uint32_t *src = &_sidata;
    volatile uint32_t *dst = &_sdata;
    while (dst < &_edata) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss; dst++) {
        *dst = 0;
    }
    sh_exit(main());
}

static void fault(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    static const char digits[] = "0123456789";
    char msg[] = "fault: exception 00\n";
    msg[17] = digits[(ipsr / 10) % 10];
    msg[18] = digits[ipsr % 10];
    sh_write0(msg);
    sh_exit(3);
}
