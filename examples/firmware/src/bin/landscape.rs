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

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use policy_landscape::probe::Cases;
use policy_landscape_firmware::{
    Fixed, PAPER_GRIDWORLD, check, expected, matches_host, stack, timing::Ticks,
};

#[entry]
fn main() -> ! {
    stack::paint();
    let mut ws = check::Workspace::new();
    let report = match check::run(&PAPER_GRIDWORLD, &mut ws) {
        Ok(report) => report,
        Err(e) => {
            hprintln!("error: {}", e);
            debug::exit(debug::EXIT_FAILURE);
            loop {}
        }
    };
    let peak = stack::peak();
    print_report(&report);
    let ok = matches_host(&report);
    if !ok {
        hprintln!("expected (host):");
        print_report(&expected::REPORT);
    }

    // The cost of one exact evaluation (J_τ, V, Q, d and the gradient).
    let ticks = cortex_m::Peripherals::take().map(|p| {
        let mut clock = Ticks::start(p.SYST);
        let mut policy = check::Policy::tabular();
        let mut grad = [0.0_f32; 104];
        // Trained-like parameters: the host's final policy is not kept, so
        // use a fixed non-uniform point.
        for (i, t) in policy.params_mut().iter_mut().enumerate() {
            *t = (i % 7) as f32 * 0.25 - 0.75;
        }
        let (_, evaluate) = clock.measure(|| {
            ws.evaluate(&PAPER_GRIDWORLD, &policy, check::TAU)
                .and_then(|e| e.gradient_into(&mut grad))
        });
        let (_, calibration) = clock.measure(|| cortex_m::asm::delay(100_000));
        (evaluate, calibration)
    });
    hprintln!(
        "memory: static RAM {} B, peak stack {} B",
        stack::static_ram(),
        peak
    );
    if let Some((evaluate, calibration)) = ticks {
        hprintln!(
            "systick: evaluate+gradient {} ticks, delay(100000) {} ticks",
            evaluate,
            calibration
        );
    }
    hprintln!(
        "result: {}",
        if ok { "matches the host" } else { "DIFFERS from the host" }
    );
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {}
}

fn print_report(r: &check::Report) {
    hprintln!(
        "J: initial {} -> trained {} (J_tau {}) after {} updates",
        Fixed(r.j_initial),
        Fixed(r.j_final),
        Fixed(r.j_tau_final),
        check::UPDATES
    );
    hprintln!(
        "probe: {} directions, alpha {}, mean gradient {}, mean curvature {}",
        check::DIRECTIONS,
        Fixed(check::ALPHA),
        Fixed(r.gradient_mean),
        Fixed(r.curvature_mean)
    );
    let v = &r.verdict;
    hprintln!(
        "verdict: {:?}, {}/{} directions",
        v.kind,
        v.support,
        v.directions
    );
    let Cases {
        total,
        both_negative,
        both_positive,
        opposite,
        both_zero,
        zero_and_negative,
        zero_and_positive,
        curvature_negative,
        curvature_positive,
    } = r.cases;
    hprintln!(
        "cases: total {} both- {} both+ {} opposite {} both0 {} 0/- {} 0/+ {} curv- {} curv+ {}",
        total,
        both_negative,
        both_positive,
        opposite,
        both_zero,
        zero_and_negative,
        zero_and_positive,
        curvature_negative,
        curvature_positive
    );
}
