/* Semihosting (ARM "Angel" interface, bkpt 0xAB on M-profile) for the C
 * firmware under QEMU (-semihosting-config enable=on,target=native). */
#ifndef PL_FW_SEMIHOST_H
#define PL_FW_SEMIHOST_H

#include <stdint.h>

/* Writes the NUL-terminated string s to the host's console (SYS_WRITE0). */
void sh_write0(const char *s);
/* Writes one character (SYS_WRITEC). */
void sh_writec(char c);
/* Ends the emulation with exit status `code` (0 = success): SYS_EXIT with
 * ADP_Stopped_ApplicationExit for 0, else SYS_EXIT_EXTENDED with the code
 * (falls back to a plain run-time-error exit, status 1). Never returns. */
void sh_exit(int code) __attribute__((noreturn));

#endif
