//! Peak stack by painting: fill the free RAM between the statics and the
//! stack pointer with a pattern, run, then find the lowest word the stack
//! overwrote. No interrupt is enabled in the firmware, so nothing else
//! writes below the stack pointer.

use core::ptr::{addr_of, read_volatile, write_volatile};

const PAINT: u32 = 0x5AC1_5AC1;

unsafe extern "C" {
    /// End of `.data`, `.bss` and `.uninit` (cortex-m-rt's `link.x`).
    static __sheap: u32;
    /// Initial stack pointer: the top of RAM.
    static _stack_start: u32;
    /// Start of RAM's statics.
    static __sdata: u32;
}

fn heap_start() -> usize {
    addr_of!(__sheap) as usize
}

fn stack_top() -> usize {
    addr_of!(_stack_start) as usize
}

/// Bytes of RAM the statics use: `.data`, `.bss` and `.uninit`.
pub fn static_ram() -> usize {
    heap_start() - addr_of!(__sdata) as usize
}

/// Paints the RAM below the current stack pointer. Call first in `main`.
#[inline(never)]
pub fn paint() {
    let sp = cortex_m::register::msp::read() as usize;
    let mut p = heap_start();
    // Stay a little below this frame.
    let end = (sp - 64) & !3;
    while p < end {
        // SAFETY: `[__sheap, sp - 64)` is RAM that holds no object: it is
        // above every static and below the deepest live stack frame.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// The deepest the stack has been since [`paint`], in bytes.
pub fn peak() -> usize {
    let mut p = heap_start();
    let top = stack_top();
    // SAFETY: every address in `[__sheap, _stack_start)` is mapped RAM.
    while p < top && unsafe { read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    top - p
}
