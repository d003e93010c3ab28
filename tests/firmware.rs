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
use policy_landscape::ExactWorkspace;
use policy_landscape::exact::{Ordering, SparsePlan};
use policy_landscape::mdp::{Gridworld, RewardCell, SparseStorage};
use policy_landscape::paper;
use policy_landscape::probe::VerdictKind;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;

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

/// The paper's world as next-state lists, on the host.
struct Sparse {
    offsets: Vec<u32>,
    next: Vec<u32>,
    prob: Vec<f32>,
    rewards: Vec<[f32; 4]>,
    start: Vec<f32>,
}

impl Sparse {
    fn view(&self) -> policy_landscape::mdp::SparseMdp<'_, f32, 4> {
        policy_landscape::mdp::SparseMdp::try_new(
            &self.offsets,
            &self.next,
            &self.prob,
            &self.rewards,
            paper::mdp::<f32>().gamma(),
            &self.start,
        )
        .unwrap()
    }
}

fn paper_sparse() -> Sparse {
    let cells = [RewardCell::new(0, 4, 5.0), RewardCell::new(4, 0, 4.5)];
    let world = Gridworld::new(5, &cells);
    let m = world.sparse_transitions().unwrap();
    let mut s = Sparse {
        offsets: vec![0; 26 * 4 + 1],
        next: vec![0; m],
        prob: vec![0.0; m],
        rewards: vec![[0.0; 4]; 26],
        start: vec![0.0; 26],
    };
    world
        .build_sparse(SparseStorage {
            offsets: &mut s.offsets,
            next: &mut s.next,
            prob: &mut s.prob,
            rewards: &mut s.rewards,
            start: &mut s.start,
        })
        .unwrap();
    s
}

fn host_report() -> Report {
    let s = paper_sparse();
    let mdp = s.view();
    let mut storage = Box::new(check::Storage::new());
    check::run(mdp, &mut storage).expect("the check's inputs are valid")
}

/// The storage sizes of the check are exactly what the plan needs.
#[test]
fn firmware_storage_is_sized_exactly() {
    let s = paper_sparse();
    let mdp = s.view();
    let mut indices = vec![0; check::INDEX_LEN - 1];
    let needed = match SparsePlan::new(mdp, Ordering::Natural, &mut indices) {
        Err(policy_landscape::Error::LengthMismatch { expected, .. }) => expected,
        other => panic!("expected a length report, got {other:?}"),
    };
    assert_eq!(needed, check::INDEX_LEN, "INDEX_LEN in check.rs");
    let mut indices = vec![0; check::INDEX_LEN];
    let plan = SparsePlan::new(mdp, Ordering::Natural, &mut indices).unwrap();
    assert_eq!(
        plan.scalar_len(),
        check::SCALAR_LEN,
        "SCALAR_LEN in check.rs"
    );
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

#[cfg_attr(miri, ignore = "too slow under Miri (the firmware check)")]
#[test]
fn the_sparse_world_is_the_dense_one() {
    // The firmware keeps the gridworld's next-state lists in flash (see
    // `examples/firmware/build.rs`); they are the dense world's transitions,
    // and the check's initial objective is the fixed-size evaluator's, bit
    // for bit.
    let dense = paper::mdp::<f32>();
    let s = paper_sparse();
    for st in 0..26 {
        for a in 0..4 {
            let mut row = [0.0_f32; 26];
            for k in s.offsets[st * 4 + a] as usize..s.offsets[st * 4 + a + 1] as usize {
                row[s.next[k] as usize] = s.prob[k];
            }
            assert_eq!(
                row.map(f32::to_bits),
                dense.transitions()[st][a].map(f32::to_bits)
            );
        }
    }
    let mut policy = check::Policy::tabular();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(check::SEED));
    let j = ExactWorkspace::new()
        .objective(&dense, &policy, 0.0)
        .unwrap();
    assert_eq!(j.to_bits(), host_report().j_initial.to_bits());
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
