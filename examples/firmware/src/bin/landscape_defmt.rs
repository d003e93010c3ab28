//! The landscape check on a Cortex-M, logging with `defmt` through
//! semihosting (decode with `defmt-print -e <elf>`; `run.sh` holds the pipe).
//! Exits with status 0 only when the result is the host's, bit for bit.
//!
//! ```text
//! DEFMT_LOG=info cargo build --release --features defmt --bin landscape_defmt
//! qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
//!     -semihosting-config enable=on,target=native \
//!     -kernel target/thumbv7em-none-eabihf/release/landscape_defmt \
//!   | defmt-print -e target/thumbv7em-none-eabihf/release/landscape_defmt
//! ```

#![no_std]
#![no_main]

use core::panic::PanicInfo;

use cortex_m as _; // the critical section defmt-semihosting takes
use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use defmt_semihosting as _; // the global logger
use policy_landscape_firmware::{check, expected, matches_host, paper_gridworld, stack};

#[entry]
fn main() -> ! {
    stack::paint();
    let mdp = match paper_gridworld() {
        Ok(mdp) => mdp,
        Err(e) => {
            defmt::error!("the gridworld in flash is invalid: {}", e);
            fail()
        }
    };
    defmt::info!("{} in flash", mdp);
    let mut storage = check::Storage::new();
    let report = match check::run(mdp, &mut storage) {
        Ok(report) => report,
        Err(e) => {
            defmt::error!("the check failed: {}", e);
            fail()
        }
    };
    let peak = stack::peak();
    log(&report);
    defmt::info!(
        "memory: static RAM {=usize} B, peak stack {=usize} B",
        stack::static_ram(),
        peak
    );
    if matches_host(&report) {
        defmt::info!("result: matches the host");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        defmt::error!("result: DIFFERS from the host, which computes:");
        log(&expected::REPORT);
    }
    fail()
}

fn log(r: &check::Report) {
    defmt::info!(
        "J: initial {=f32} ({=u32:#x}) -> trained {=f32} ({=u32:#x}), J_tau {=f32}, after {=usize} updates",
        r.j_initial,
        r.j_initial.to_bits(),
        r.j_final,
        r.j_final.to_bits(),
        r.j_tau_final,
        check::UPDATES
    );
    defmt::info!(
        "probe: {=u64} directions, mean gradient {=f32}, mean curvature {=f32}",
        check::DIRECTIONS,
        r.gradient_mean,
        r.curvature_mean
    );
    defmt::info!("verdict: {}", r.verdict);
    defmt::info!("cases: {}", r.cases);
}

fn fail() -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::bkpt();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    defmt::error!("panic");
    fail()
}
