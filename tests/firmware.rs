//! The firmware's expected values (`tests/firmware/expected.rs`) are what
//! the host computes: the firmware (`examples/firmware`) exits with status 0
//! on a Cortex-M only when its own run of the same check
//! (`tests/firmware/check.rs`, included here and there) gives these values
//! bit for bit. Both files are in this package, so the published crate's
//! tests find them (the firmware crate is not published).

#[path = "firmware/check.rs"]
mod check;
#[path = "firmware/expected.rs"]
mod expected;

use check::Report;
use policy_landscape::paper;
use policy_landscape::probe::VerdictKind;
use policy_landscape::{ExactWorkspace, TabularMdp};

/// `expected.rs`'s constant for `r`, to paste when the check changes.
fn render(r: &Report) -> String {
    let c = &r.cases;
    let v = &r.verdict;
    format!(
        "pub const REPORT: Report = Report {{
    j_initial: f32::from_bits({:#010x}), // {:?}
    j_final: f32::from_bits({:#010x}), // {:?}
    j_tau_final: f32::from_bits({:#010x}), // {:?}
    gradient_mean: f32::from_bits({:#010x}), // {:?}
    curvature_mean: f32::from_bits({:#010x}), // {:?}
    cases: Cases {{
        total: {},
        both_negative: {},
        both_positive: {},
        opposite: {},
        both_zero: {},
        zero_and_negative: {},
        zero_and_positive: {},
        curvature_negative: {},
        curvature_positive: {},
    }},
    verdict: Verdict {{
        kind: VerdictKind::{:?},
        support: {},
        directions: {},
    }},
}};",
        r.j_initial.to_bits(),
        r.j_initial,
        r.j_final.to_bits(),
        r.j_final,
        r.j_tau_final.to_bits(),
        r.j_tau_final,
        r.gradient_mean.to_bits(),
        r.gradient_mean,
        r.curvature_mean.to_bits(),
        r.curvature_mean,
        c.total,
        c.both_negative,
        c.both_positive,
        c.opposite,
        c.both_zero,
        c.zero_and_negative,
        c.zero_and_positive,
        c.curvature_negative,
        c.curvature_positive,
        v.kind,
        v.support,
        v.directions,
    )
}

fn host_report() -> Report {
    let mdp = paper::mdp::<f32>();
    let mut ws = ExactWorkspace::new();
    check::run(&mdp, &mut ws).expect("the check's inputs are valid")
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (the firmware check: 300 training updates)"
)]
#[test]
fn firmware_expectation_is_the_host_result_bit_for_bit() {
    let got = host_report();
    let want = expected::REPORT;
    assert!(
        got.same_bits(&want),
        "tests/firmware/expected.rs is stale; the host computes\n{}",
        render(&got)
    );
}

#[cfg_attr(miri, ignore = "too slow under Miri (the firmware check, twice)")]
#[test]
fn the_compile_time_mdp_is_the_runtime_one() {
    // The firmware keeps the gridworld in flash, built by `try_new_const`
    // from the builder's numbers (see `examples/firmware/build.rs`).
    let runtime = paper::mdp::<f32>();
    let constant = TabularMdp::<f32, 26, 4>::try_new_const(
        *runtime.transitions(),
        *runtime.rewards(),
        runtime.gamma(),
        *runtime.start(),
    )
    .unwrap();
    assert_eq!(constant, runtime);
    let mut ws = ExactWorkspace::new();
    assert_eq!(check::run(&constant, &mut ws).unwrap(), host_report());
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (the firmware check: 300 training updates)"
)]
#[test]
fn the_check_reports_what_the_paper_predicts() {
    let r = host_report();
    // Entropy-regularised exact ascent improves the true objective.
    assert!(r.j_final > r.j_initial + 0.5, "{r:?}");
    // Every direction falls in exactly one case.
    let c = r.cases;
    assert_eq!(c.total, check::DIRECTIONS);
    assert_eq!(
        c.both_negative
            + c.both_positive
            + c.opposite
            + c.both_zero
            + c.zero_and_negative
            + c.zero_and_positive,
        c.total
    );
    assert_eq!(r.verdict.directions, check::DIRECTIONS);
    assert_ne!(r.verdict.kind, VerdictKind::Undetermined);
}
