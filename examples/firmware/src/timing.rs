//! Counting with SysTick on the core clock. Under QEMU with
//! `-icount shift=0` every instruction advances virtual time by 1 ns, so on
//! the MPS2 AN386 (a 25 MHz core clock) one SysTick tick is 40 instructions.
//! Without `-icount`, ticks follow the host's wall clock and mean nothing.

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;

/// The 24-bit SysTick counter, free-running from its largest value.
pub struct Ticks(SYST);

impl Ticks {
    /// Takes SysTick over.
    pub fn start(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(0x00FF_FFFF);
        syst.clear_current();
        syst.enable_counter();
        Self(syst)
    }

    /// Ticks `f` takes (it must take fewer than 2^24).
    pub fn measure<R>(&mut self, f: impl FnOnce() -> R) -> (R, u32) {
        self.0.clear_current();
        let start = SYST::get_current();
        let r = f();
        let end = SYST::get_current();
        (r, start.wrapping_sub(end) & 0x00FF_FFFF)
    }
}
