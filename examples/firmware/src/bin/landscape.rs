//! The landscape check on a Cortex-M, reporting through semihosting: prints
//! the objective, the verdict, the case counts and the memory it used, and
//! exits with status 0 only when the result is the host's, bit for bit.
//!
//! ```text
//! cargo run --release --target thumbv7m-none-eabi      # LM3S6965, Cortex-M3
//! cargo run --release --target thumbv7em-none-eabihf   # MPS2 AN386, Cortex-M4F
//! ```

#![no_std]
#![no_main]

use core::panic::PanicInfo;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape_firmware::out::Out;
use policy_landscape_firmware::{
    check, expected, matches_host, paper_gridworld, stack, timing::Ticks,
};

#[entry]
fn main() -> ! {
    stack::paint();
    let mut out = Out::stdout();
    let mut storage = check::Storage::new();
    let Ok(mdp) = paper_gridworld() else {
        out.str("error: the gridworld in flash is invalid\n");
        fail()
    };
    let Ok(report) = check::run(mdp, &mut storage) else {
        out.str("error: the library returned an error; `cargo test --test firmware` on the host shows it\n");
        fail()
    };
    let peak = stack::peak();
    print_report(&mut out, &report);
    let ok = matches_host(&report);
    if !ok {
        out.str("expected (the host's result):\n");
        print_report(&mut out, &expected::REPORT);
    }
    out.str("memory: static RAM ")
        .u32(stack::static_ram() as u32)
        .str(" B, peak stack ")
        .u32(peak as u32)
        .str(" B\n");

    // SysTick ticks of one exact evaluation with its gradient (meaningful
    // under `qemu -icount`, see `timing`).
    let check::Storage {
        indices,
        scalars,
        rows,
        q,
    } = &mut storage;
    let ws = SparsePlan::new(mdp, Ordering::Natural, indices);
    if let (Some(p), Ok(plan)) = (cortex_m::Peripherals::take(), ws) {
        let Ok(mut ws) = SparseWorkspace::new(&plan, scalars, rows, q) else {
            fail()
        };
        let mut clock = Ticks::start(p.SYST);
        let mut theta = [[0.0_f32; 4]; check::STATES];
        for (i, t) in theta.as_flattened_mut().iter_mut().enumerate() {
            *t = (i % 7) as f32 * 0.25 - 0.75;
        }
        let mut grad = [[0.0_f32; 4]; check::STATES];
        let (_, evaluate) = clock.measure(|| {
            ws.evaluate(&theta, 0.0, check::TAU)
                .and_then(|e| e.gradient_into(&mut grad))
        });
        let (_, calibration) = clock.measure(|| cortex_m::asm::delay(100_000));
        out.str("systick (meaningful under qemu -icount): evaluate+gradient ")
            .u32(evaluate)
            .str(" ticks, delay(100000) ")
            .u32(calibration)
            .str(" ticks\n");
    }
    if ok {
        out.str("result: matches the host\n");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        out.str("result: DIFFERS from the host\n");
    }
    fail()
}

fn print_report(out: &mut Out, r: &check::Report) {
    out.str("J: initial ")
        .f32(r.j_initial)
        .str(" -> trained ")
        .f32(r.j_final)
        .str(", J_tau ")
        .f32(r.j_tau_final)
        .str(", after ")
        .u32(check::UPDATES as u32)
        .str(" updates\n");
    out.str("probe: ")
        .count(check::DIRECTIONS)
        .str(" directions, mean gradient ")
        .f32(r.gradient_mean)
        .str(", mean curvature ")
        .f32(r.curvature_mean)
        .str("\n");
    let v = &r.verdict;
    out.str("verdict: ")
        .str(v.kind.name())
        .str(", ")
        .count(v.support)
        .str("/")
        .count(v.directions)
        .str(" directions\n");
    let c = &r.cases;
    out.str("cases: both- ")
        .count(c.both_negative)
        .str(", both+ ")
        .count(c.both_positive)
        .str(", opposite ")
        .count(c.opposite)
        .str(", both0 ")
        .count(c.both_zero)
        .str(", 0/- ")
        .count(c.zero_and_negative)
        .str(", 0/+ ")
        .count(c.zero_and_positive)
        .str(", curvature- ")
        .count(c.curvature_negative)
        .str(", curvature+ ")
        .count(c.curvature_positive)
        .str("\n");
}

fn fail() -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::bkpt();
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    let mut out = Out::stdout();
    out.str("panic");
    if let Some(l) = info.location() {
        out.str(" at ").str(l.file()).str(":").u32(l.line());
    }
    out.str("\n");
    fail()
}
