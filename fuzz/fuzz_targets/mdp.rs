//! MDP construction and validation from arbitrary numbers, then an exact
//! evaluation of the uniform policy: never a panic; on success the MDP is
//! valid and the evaluation finite, with the occupancy summing to 1/(1-γ).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use policy_landscape::mdp::{Gridworld, RewardCell, TabularMdp};
use policy_landscape::{ExactWorkspace, Softmax};

#[derive(Arbitrary, Debug)]
struct Input {
    p: [f64; 4 * 2 * 4],
    r: [f64; 4 * 2],
    gamma: f64,
    p0: [f64; 4],
    size: u8,
    cells: [(u8, u8, f64); 3],
    p_success: f64,
    start: u8,
}

fuzz_target!(|input: Input| {
    if let Ok(mdp) =
        TabularMdp::<f64, 4, 2>::from_slices(&input.p, &input.r, input.gamma, &input.p0)
    {
        let tol = 64.0 * f64::EPSILON;
        for rows in mdp.transitions() {
            for row in rows {
                assert!(row.iter().all(|&x| x.is_finite() && x >= 0.0));
                assert!((row.iter().sum::<f64>() - 1.0).abs() <= tol);
            }
        }
        assert!((0.0..1.0).contains(&mdp.gamma()));
        let policy = Softmax::<f64, 4, 2>::tabular();
        let mut ws = ExactWorkspace::new();
        if let Ok(eval) = ws.evaluate(&mdp, &policy, 0.0) {
            assert!(eval.j_tau().is_finite());
            let d: f64 = eval.occupancy().iter().sum();
            let want = 1.0 / (1.0 - mdp.gamma());
            assert!(
                (d - want).abs() <= 1e-6 * want,
                "Σd = {d}, 1/(1-γ) = {want}"
            );
        }
    }
    let cells = input
        .cells
        .map(|(r, c, x)| RewardCell::new(r as usize, c as usize, x));
    let world = Gridworld::new(input.size as usize, &cells)
        .p_success(input.p_success)
        .gamma(input.gamma)
        .start(input.start as usize);
    if let Ok(mdp) = world.build::<10, 4>() {
        assert_eq!(input.size, 3);
        let policy = Softmax::<f64, 10, 4>::tabular();
        let mut ws = ExactWorkspace::new();
        if let Ok(j) = ws.objective(&mdp, &policy, 0.0) {
            assert!(j.is_finite());
        }
    }
});
