//! Sparse MDPs from arbitrary lists, their plans (both orderings, with too
//! short and exact index buffers) and an exact evaluation with the gradient:
//! never a panic; on success the evaluation is finite, the occupancy sums to
//! 1/(1-γ), and the two orderings agree to rounding. Also sparse gridworld
//! and chain builders with arbitrary specifications.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Chain, Gridworld, RewardCell, SparseMdp};
use policy_landscape::policy::SoftmaxRow;

#[derive(Arbitrary, Debug)]
struct Input {
    states: u8,
    offsets: Vec<u32>,
    next: Vec<u32>,
    prob: Vec<f64>,
    rewards: Vec<[f64; 2]>,
    start: Vec<f64>,
    gamma: f64,
    theta: Vec<[f64; 2]>,
    mix: f64,
    tau: f64,
    short_by: u8,
    size: u8,
    cells: [(u8, u8, f64); 2],
    p_success: f64,
}

fn evaluate(mdp: SparseMdp<'_, f64, 2>, input: &Input) -> Option<(f64, Vec<f64>)> {
    let mut results = Vec::new();
    for ordering in [Ordering::Natural, Ordering::NestedDissection] {
        let planning = SparsePlan::planning_len(&mdp, ordering);
        let mut indices = vec![0u32; planning.saturating_sub(usize::from(input.short_by))];
        let needed = match SparsePlan::new(mdp, ordering, &mut indices) {
            Ok(_) => indices.len(),
            Err(policy_landscape::Error::LengthMismatch {
                expected, found, ..
            }) => {
                assert!(expected > found, "a length report asks for more");
                expected
            }
            Err(e) => panic!("a valid MDP's plan failed: {e}"),
        };
        // The documented protocol: a buffer shorter than the planning
        // length is told the planning length; one of at least the planning
        // length is told the exact length, which then suffices.
        let mut indices = vec![0u32; needed];
        let needed = match SparsePlan::new(mdp, ordering, &mut indices) {
            Ok(_) => needed,
            Err(policy_landscape::Error::LengthMismatch {
                expected, found, ..
            }) => {
                assert!(
                    found >= planning,
                    "a planning-length buffer is told the exact length"
                );
                assert!(expected > found);
                expected
            }
            Err(e) => panic!("a valid MDP's plan failed: {e}"),
        };
        let mut indices = vec![0u32; needed];
        let plan = SparsePlan::new(mdp, ordering, &mut indices).expect("the exact length");
        let n = mdp.states();
        let mut scalars = vec![0.0; plan.scalar_len()];
        let mut rows = vec![SoftmaxRow::default(); n];
        let mut q = vec![[0.0; 2]; n];
        let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q).unwrap();
        let Ok(e) = ws.evaluate(&input.theta, input.mix, input.tau) else {
            return None;
        };
        let j = e.j_tau();
        assert!(j.is_finite());
        let d: f64 = e.occupancy().iter().sum();
        let want = 1.0 / (1.0 - mdp.gamma());
        assert!(
            (d - want).abs() <= 1e-6 * want,
            "Σd = {d}, 1/(1-γ) = {want}"
        );
        let mut grad = vec![[0.0; 2]; n];
        if e.gradient_into(&mut grad).is_ok() {
            assert!(grad.as_flattened().iter().all(|g| g.is_finite()));
        }
        results.push((j, e.value().to_vec()));
    }
    let (a, b) = (&results[0], &results[1]);
    let scale = a.1.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
    assert!((a.0 - b.0).abs() <= 1e-8 * scale, "J: {} vs {}", a.0, b.0);
    Some(results.swap_remove(0))
}

fuzz_target!(|input: Input| {
    let n = usize::from(input.states % 24);
    let rewards = &input.rewards[..input.rewards.len().min(n)];
    if let Ok(mdp) = SparseMdp::<f64, 2>::try_new(
        &input.offsets,
        &input.next,
        &input.prob,
        rewards,
        input.gamma,
        &input.start,
    ) {
        let _ = evaluate(mdp, &input);
    }
    let cells = input
        .cells
        .map(|(r, c, x)| RewardCell::new(usize::from(r % 16), usize::from(c % 16), x));
    let world = Gridworld::new(usize::from(input.size % 16), &cells).p_success(input.p_success);
    if let Ok(owned) = world.build_sparse_owned::<4>() {
        assert_eq!(owned.view().states(), world.states());
    }
    let chain = Chain::new(&[(1, 1, 1.0)], &[0]).p_success(input.p_success);
    if let Ok(owned) = chain.build_sparse_owned::<2>(usize::from(input.states % 40)) {
        let mdp = owned.view();
        let theta = vec![[0.0; 2]; mdp.states()];
        let input = Input { theta, ..input };
        let _ = evaluate(mdp, &input);
    }
});
