//! What the host computes for the check (see `check.rs`); asserted by the
//! library's host test `tests/firmware.rs`, which prints a fresh copy of this
//! constant when the check changes.

use crate::check::Report;
use policy_landscape::probe::{Cases, Verdict, VerdictKind};

pub const REPORT: Report = Report {
    j_initial: f32::from_bits(0x4055353c),      // 3.3313742
    j_final: f32::from_bits(0x409610df),        // 4.6895595
    j_tau_final: f32::from_bits(0x40ab5018),    // 5.353527
    gradient_mean: f32::from_bits(0xb9f26ae0),  // -0.00046237465
    curvature_mean: f32::from_bits(0xbb18d75c), // -0.0023321724
    cases: Cases {
        total: 100,
        both_negative: 0,
        both_positive: 0,
        opposite: 86,
        both_zero: 8,
        zero_and_negative: 6,
        zero_and_positive: 0,
        curvature_negative: 45,
        curvature_positive: 0,
    },
    verdict: Verdict {
        kind: VerdictKind::Linear,
        support: 86,
        directions: 100,
    },
};
