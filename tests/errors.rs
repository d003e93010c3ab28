//! Every bad input yields the documented [`Error`] variant with the right
//! context, leaves outputs and state untouched, and never produces a NaN; a
//! workspace that saw an error still evaluates the next valid input exactly.

use policy_landscape::linalg::Lu;
use policy_landscape::mdp::{Chain, RIGHT, RewardCell, TabularMdp};
use policy_landscape::paper;
use policy_landscape::policy::{DenseFeatures, OneHot, OneHotBias};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::train::{TrainConfig, Trainer};
use policy_landscape::{Error, ExactWorkspace, Gridworld, Softmax};

type P2 = [[[f64; 2]; 2]; 2];

/// A valid 2-state, 2-action MDP's parts.
fn parts() -> (P2, [[f64; 2]; 2], f64, [f64; 2]) {
    (
        [[[1.0, 0.0], [0.25, 0.75]], [[0.5, 0.5], [0.0, 1.0]]],
        [[1.0, -1.0], [0.5, 0.0]],
        0.9,
        [0.5, 0.5],
    )
}

fn flat(p: &P2) -> Vec<f64> {
    p.as_flattened().as_flattened().to_vec()
}

// ---------------------------------------------------------------- MDPs

#[test]
fn valid_parts_are_accepted_both_ways() {
    let (p, r, g, p0) = parts();
    let a = TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0).unwrap();
    let b = TabularMdp::<f64, 2, 2>::from_slices(&flat(&p), r.as_flattened(), g, &p0).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.transitions(), &p);
    assert_eq!(a.rewards(), &r);
    assert_eq!(a.start(), &p0);
}

#[test]
fn nan_transition_names_state_action_next() {
    let (mut p, r, g, p0) = parts();
    p[1][0][1] = f64::NAN;
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0),
        Err(Error::NonFiniteTransition {
            state: 1,
            action: 0,
            next: 1
        })
    );
}

#[test]
fn infinite_transition_from_slices_names_state_action_next() {
    let (p, r, g, p0) = parts();
    let mut pf = flat(&p);
    // [s][a][s'] row-major: s = 0, a = 1, s' = 0.
    pf[2] = f64::INFINITY;
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&pf, r.as_flattened(), g, &p0),
        Err(Error::NonFiniteTransition {
            state: 0,
            action: 1,
            next: 0
        })
    );
    pf[2] = f64::NEG_INFINITY;
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&pf, r.as_flattened(), g, &p0),
        Err(Error::NonFiniteTransition {
            state: 0,
            action: 1,
            next: 0
        })
    );
}

#[test]
fn row_not_summing_to_one_names_state_action() {
    let (mut p, r, g, p0) = parts();
    p[1][1] = [0.5, 0.4];
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0),
        Err(Error::NotStochastic {
            state: 1,
            action: 1
        })
    );
    // Beyond the tolerance (4.6e-14 for f64 here) but tiny.
    p[1][1] = [0.5, 0.5 + 1e-12];
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0),
        Err(Error::NotStochastic {
            state: 1,
            action: 1
        })
    );
    // Within the tolerance: accepted.
    p[1][1] = [0.5, 0.5 + 1e-15];
    assert!(TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0).is_ok());
    // An all-zero row.
    p[0][0] = [0.0, 0.0];
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0),
        Err(Error::NotStochastic {
            state: 0,
            action: 0
        })
    );
}

#[test]
fn negative_probability_names_state_action_next() {
    let (mut p, r, g, p0) = parts();
    // Sums to 1, but has a negative entry.
    p[1][0] = [1.5, -0.5];
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0),
        Err(Error::NegativeProbability {
            state: 1,
            action: 0,
            next: 1
        })
    );
}

#[test]
fn nan_and_infinite_rewards_name_state_action() {
    let (p, mut r, g, p0) = parts();
    r[1][0] = f64::NAN;
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0),
        Err(Error::NonFiniteReward {
            state: 1,
            action: 0
        })
    );
    let (p, mut r, g, p0) = parts();
    r[0][1] = f64::NEG_INFINITY;
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&flat(&p), r.as_flattened(), g, &p0),
        Err(Error::NonFiniteReward {
            state: 0,
            action: 1
        })
    );
}

#[test]
fn discount_outside_unit_interval_is_rejected() {
    let (p, r, _, p0) = parts();
    for g in [1.0, -0.1, f64::NAN, f64::INFINITY, 1.5, -0.0 - 1e-300] {
        assert_eq!(
            TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0),
            Err(Error::InvalidDiscount {
                rule: "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)"
            }),
            "gamma = {g}"
        );
    }
    // 0 is allowed (myopic); the largest value is just below 1 - 4 S eps
    // (here 1 - 8 eps: the exact solver's limit), which is refused.
    assert!(TabularMdp::<f64, 2, 2>::try_new(p, r, 0.0, p0).is_ok());
    let max = TabularMdp::<f64, 2, 2>::max_discount();
    assert_eq!(max, 1.0 - 8.0 * f64::EPSILON);
    assert!(TabularMdp::<f64, 2, 2>::try_new(p, r, max.next_down(), p0).is_ok());
    for g in [max, 1.0 - f64::EPSILON / 2.0] {
        assert!(TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0).is_err());
    }
}

#[test]
fn set_gamma_rejects_and_leaves_mdp_unchanged() {
    let (p, r, g, p0) = parts();
    let mut mdp = TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0).unwrap();
    for bad in [1.0, -0.1, f64::NAN] {
        assert_eq!(
            mdp.set_gamma(bad),
            Err(Error::InvalidDiscount {
                rule: "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)"
            })
        );
        assert_eq!(mdp.gamma(), 0.9);
    }
    mdp.set_gamma(0.5).unwrap();
    assert_eq!(mdp.gamma(), 0.5);
}

#[test]
fn gridworld_and_chain_reject_bad_gamma() {
    let cells = [RewardCell::new(0, 1, 1.0)];
    let grid = Gridworld::new(2, &cells).gamma(1.0).build::<5, 4>();
    assert_eq!(
        grid,
        Err(Error::InvalidDiscount {
            rule: "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)"
        })
    );
    let chain = Chain::new(&[(1, RIGHT, 1.0)], &[])
        .gamma(f64::NAN)
        .build::<3, 2>();
    assert_eq!(
        chain,
        Err(Error::InvalidDiscount {
            rule: "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)"
        })
    );
}

#[test]
fn negative_start_probability_names_the_state() {
    let (p, r, g, _) = parts();
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, [1.5, -0.5]),
        Err(Error::InvalidStartDistribution { index: 1 })
    );
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, [-0.5, 1.5]),
        Err(Error::InvalidStartDistribution { index: 0 })
    );
}

#[test]
fn non_finite_start_probability_names_the_state() {
    let (p, r, g, _) = parts();
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&flat(&p), r.as_flattened(), g, &[0.0, f64::NAN]),
        Err(Error::InvalidStartDistribution { index: 1 })
    );
}

#[test]
fn start_distribution_not_summing_to_one_names_the_length() {
    let (p, r, g, _) = parts();
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, [0.5, 0.4]),
        Err(Error::InvalidStartDistribution { index: 2 })
    );
    assert_eq!(
        TabularMdp::<f64, 2, 2>::try_new(p, r, g, [0.0, 0.0]),
        Err(Error::InvalidStartDistribution { index: 2 })
    );
}

#[test]
fn from_slices_wrong_lengths() {
    let (p, r, g, p0) = parts();
    let pf = flat(&p);
    let rf = r.as_flattened();
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&pf[..7], rf, g, &p0),
        Err(Error::LengthMismatch {
            what: "P",
            expected: 8,
            found: 7
        })
    );
    let mut long = pf.clone();
    long.push(0.0);
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&long, rf, g, &p0),
        Err(Error::LengthMismatch {
            what: "P",
            expected: 8,
            found: 9
        })
    );
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&pf, &rf[..3], g, &p0),
        Err(Error::LengthMismatch {
            what: "R",
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        TabularMdp::<f64, 2, 2>::from_slices(&pf, rf, g, &[1.0]),
        Err(Error::LengthMismatch {
            what: "p0",
            expected: 2,
            found: 1
        })
    );
}

#[test]
fn set_start_state_out_of_range() {
    let (p, r, g, p0) = parts();
    let mut mdp = TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0).unwrap();
    assert_eq!(
        mdp.set_start_state(2),
        Err(Error::StateOutOfRange {
            state: 2,
            states: 2
        })
    );
    assert_eq!(mdp.start(), &[0.5, 0.5]);
    mdp.set_start_state(1).unwrap();
    assert_eq!(mdp.start(), &[0.0, 1.0]);
}

// ---------------------------------------------------------- builders

#[test]
fn p_success_outside_unit_interval() {
    let cells = [RewardCell::new(0, 3, 1.0)];
    for bad in [-0.1, 1.1, f64::NAN] {
        assert_eq!(
            Gridworld::new(4, &cells).p_success(bad).build::<17, 4>(),
            Err(Error::InvalidProbability { what: "p_success" }),
            "p_success = {bad}"
        );
        assert_eq!(
            Chain::new(&[(1, RIGHT, 1.0)], &[2])
                .p_success(bad)
                .build::<3, 2>(),
            Err(Error::InvalidProbability { what: "p_success" }),
            "p_success = {bad}"
        );
    }
    // The edges are valid.
    assert!(
        Gridworld::new(4, &cells)
            .p_success(0.0)
            .build::<17, 4>()
            .is_ok()
    );
    assert!(
        Gridworld::new(4, &cells)
            .p_success(1.0)
            .build::<17, 4>()
            .is_ok()
    );
}

#[test]
fn gridworld_wrong_number_of_states() {
    let cells = [RewardCell::new(0, 3, 1.0)];
    assert_eq!(
        Gridworld::new(4, &cells).build::<26, 4>(),
        Err(Error::ShapeMismatch {
            what: "gridworld states (size² + 1)",
            expected: 17,
            found: 26
        })
    );
    assert_eq!(
        Gridworld::new(4, &cells).build::<16, 4>(),
        Err(Error::ShapeMismatch {
            what: "gridworld states (size² + 1)",
            expected: 17,
            found: 16
        })
    );
    // size 0 can never fit.
    assert!(matches!(
        Gridworld::<f64>::new(0, &[]).build::<1, 4>(),
        Err(Error::ShapeMismatch {
            what: "gridworld size (at least 1)",
            expected: 1,
            found: 0,
        })
    ));
    // An overflowing size is reported, not wrapped.
    assert!(matches!(
        Gridworld::<f64>::new(usize::MAX, &[]).build::<5, 4>(),
        Err(Error::ShapeMismatch { found: 5, .. })
    ));
}

#[test]
fn gridworld_and_chain_wrong_number_of_actions() {
    let cells = [RewardCell::new(0, 3, 1.0)];
    assert_eq!(
        Gridworld::new(4, &cells).build::<17, 5>(),
        Err(Error::ShapeMismatch {
            what: "gridworld actions",
            expected: 4,
            found: 5
        })
    );
    assert_eq!(
        Chain::new(&[(1, RIGHT, 1.0)], &[2]).build::<3, 4>(),
        Err(Error::ShapeMismatch {
            what: "chain actions",
            expected: 2,
            found: 4
        })
    );
}

#[test]
fn corners_and_diagonal_gridworld_wrong_size() {
    assert_eq!(
        TabularMdp::<f64, 26, 4>::corners_gridworld(4, 5.0, 0.9, 1.0, 0.99),
        Err(Error::ShapeMismatch {
            what: "gridworld states (size² + 1)",
            expected: 17,
            found: 26
        })
    );
    assert_eq!(
        TabularMdp::<f64, 10, 4>::diagonal_gridworld(4, 1.0, 1.0, 0.9),
        Err(Error::ShapeMismatch {
            what: "gridworld states (size² + 1)",
            expected: 17,
            found: 10
        })
    );
    assert!(TabularMdp::<f64, 10, 4>::diagonal_gridworld(3, 1.0, 1.0, 0.9).is_ok());
}

#[test]
fn reward_cell_row_outside_grid() {
    let cells = [RewardCell::new(0, 3, 1.0), RewardCell::new(4, 1, 1.0)];
    assert_eq!(
        Gridworld::new(4, &cells).build::<17, 4>(),
        Err(Error::CellOutOfRange {
            row: 4,
            col: 1,
            size: 4
        })
    );
}

/// A reward cell whose *column* is outside the grid is named by its cell,
/// not by a flat index that would wrap into the next row.
#[test]
fn reward_cell_column_outside_grid_names_the_cell() {
    let cells = [RewardCell::new(0, 4, 1.0)];
    assert_eq!(
        Gridworld::new(4, &cells).build::<17, 4>().err(),
        Some(Error::CellOutOfRange {
            row: 0,
            col: 4,
            size: 4
        })
    );
}

#[test]
fn gridworld_nan_reward_names_the_cell() {
    let cells = [RewardCell::new(0, 3, 1.0), RewardCell::new(2, 1, f64::NAN)];
    assert_eq!(
        Gridworld::new(4, &cells).build::<17, 4>(),
        Err(Error::NonFiniteReward {
            state: 9,
            action: 0
        })
    );
}

#[test]
fn start_state_out_of_range() {
    let cells = [RewardCell::new(0, 3, 1.0)];
    // The absorbing state (16) is not a valid start.
    assert_eq!(
        Gridworld::new(4, &cells).start(16).build::<17, 4>(),
        Err(Error::StateOutOfRange {
            state: 16,
            states: 16
        })
    );
    assert_eq!(
        Chain::new(&[(1, RIGHT, 1.0)], &[2])
            .start(3)
            .build::<3, 2>(),
        Err(Error::StateOutOfRange {
            state: 3,
            states: 3
        })
    );
}

#[test]
fn chain_bad_indices() {
    assert_eq!(
        Chain::new(&[(1, RIGHT, 1.0)], &[7]).build::<3, 2>(),
        Err(Error::StateOutOfRange {
            state: 7,
            states: 3
        })
    );
    assert_eq!(
        Chain::new(&[(5, RIGHT, 1.0)], &[2]).build::<3, 2>(),
        Err(Error::StateOutOfRange {
            state: 5,
            states: 3
        })
    );
    assert_eq!(
        Chain::new(&[(1, 2, 1.0)], &[2]).build::<3, 2>(),
        Err(Error::ActionOutOfRange {
            action: 2,
            actions: 2
        })
    );
    assert_eq!(
        Chain::new(&[(1, RIGHT, f64::INFINITY)], &[2]).build::<3, 2>(),
        Err(Error::NonFiniteReward {
            state: 1,
            action: RIGHT
        })
    );
}

// ---------------------------------------------------------- policies

#[test]
fn set_params_wrong_length_leaves_policy_unchanged() {
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_params(&[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(
        policy.set_params(&[0.0; 3]),
        Err(Error::LengthMismatch {
            what: "theta",
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        policy.set_params(&[0.0; 5]),
        Err(Error::LengthMismatch {
            what: "theta",
            expected: 4,
            found: 5
        })
    );
    assert_eq!(policy.params(), &[1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn set_params_non_finite_names_index_and_leaves_policy_unchanged() {
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_params(&[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(
        policy.set_params(&[0.0, 0.0, f64::NAN, f64::INFINITY]),
        Err(Error::NonFinite {
            what: "theta",
            index: 2
        })
    );
    assert_eq!(policy.params(), &[1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn set_params_from_torch_wrong_length_or_non_finite() {
    let mut policy = Softmax::<f64, 2, 2, 3, OneHotBias>::tabular_with_bias();
    let good = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    policy.set_params_from_torch(&good).unwrap();
    let before = policy.clone();
    assert_eq!(
        policy.set_params_from_torch(&good[..5]),
        Err(Error::LengthMismatch {
            what: "torch parameters",
            expected: 6,
            found: 5
        })
    );
    let mut bad = good;
    bad[4] = f64::NEG_INFINITY;
    assert_eq!(
        policy.set_params_from_torch(&bad),
        Err(Error::NonFinite {
            what: "torch parameters",
            index: 4
        })
    );
    assert_eq!(policy, before);
}

#[test]
fn torch_conversions_wrong_length_leave_output_untouched() {
    let policy = Softmax::<f64, 2, 2, 3, OneHotBias>::tabular_with_bias();
    let mut out = [7.0; 5];
    assert_eq!(
        policy.params_to_torch(&mut out),
        Err(Error::LengthMismatch {
            what: "torch",
            expected: 6,
            found: 5
        })
    );
    assert_eq!(out, [7.0; 5]);
    type B = Softmax<f64, 2, 2, 3, OneHotBias>;
    let mut out6 = [7.0; 6];
    assert_eq!(
        B::to_torch_layout(&[0.0; 7], &mut out6),
        Err(Error::LengthMismatch {
            what: "flat",
            expected: 6,
            found: 7
        })
    );
    assert_eq!(
        B::from_torch_layout(&[0.0; 6], &mut out),
        Err(Error::LengthMismatch {
            what: "flat",
            expected: 6,
            found: 5
        })
    );
    assert_eq!(
        B::from_torch_layout(&[0.0; 4], &mut out6),
        Err(Error::LengthMismatch {
            what: "torch",
            expected: 6,
            found: 4
        })
    );
    assert_eq!(out6, [7.0; 6]);
    assert_eq!(out, [7.0; 5]);
}

#[test]
fn mix_outside_unit_interval_leaves_policy_unchanged() {
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_mix(0.25).unwrap();
    for bad in [-0.1, 1.0 + 1e-12, f64::NAN, f64::INFINITY] {
        assert_eq!(
            policy.set_mix(bad),
            Err(Error::InvalidProbability { what: "mix" }),
            "mix = {bad}"
        );
        assert_eq!(policy.mix(), 0.25);
    }
    policy.set_mix(0.0).unwrap();
    policy.set_mix(1.0).unwrap();
    assert_eq!(policy.mix(), 1.0);
}

#[test]
fn policy_methods_reject_out_of_range_state() {
    let policy = Softmax::<f64, 3, 2>::tabular();
    let e = Error::StateOutOfRange {
        state: 3,
        states: 3,
    };
    let err = Err(e);
    let mut z = [9.0; 2];
    assert_eq!(policy.logits(3, &mut z), err);
    assert_eq!(policy.probabilities(3, &mut z), err);
    assert_eq!(policy.log_probabilities(3, &mut z), err);
    assert_eq!(z, [9.0; 2], "output written on error");
    assert_eq!(policy.entropy(3), Err(e));
    assert_eq!(policy.row(3).map(|_| ()), err);
    let mut g = [9.0; 6];
    assert_eq!(policy.score_into(3, 0, &mut g), err);
    assert_eq!(policy.entropy_gradient_into(3, &mut g), err);
    assert_eq!(g, [9.0; 6], "gradient written on error");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    assert_eq!(policy.sample(3, &mut rng), Err(e));
    assert_eq!(
        policy.sample(usize::MAX, &mut rng),
        Err(Error::StateOutOfRange {
            state: usize::MAX,
            states: 3
        })
    );
}

#[test]
fn score_rejects_out_of_range_action_and_wrong_length() {
    let policy = Softmax::<f64, 3, 2>::tabular();
    let mut g = [9.0; 6];
    assert_eq!(
        policy.score_into(0, 2, &mut g),
        Err(Error::ActionOutOfRange {
            action: 2,
            actions: 2
        })
    );
    let mut short = [9.0; 5];
    assert_eq!(
        policy.score_into(0, 1, &mut short),
        Err(Error::LengthMismatch {
            what: "grad",
            expected: 6,
            found: 5
        })
    );
    assert_eq!(
        policy.entropy_gradient_into(0, &mut short),
        Err(Error::LengthMismatch {
            what: "grad",
            expected: 6,
            found: 5
        })
    );
    assert_eq!(g, [9.0; 6]);
    assert_eq!(short, [9.0; 5]);
}

#[test]
fn policy_methods_reject_nan_parameters_with_index() {
    let mut policy = Softmax::<f64, 3, 2>::tabular();
    policy.params_mut()[5] = f64::NAN;
    let err = Error::NonFinite {
        what: "theta",
        index: 5,
    };
    assert_eq!(policy.check(), Err(err));
    // Even for a state whose own logits are fine.
    let mut z = [0.0; 2];
    assert_eq!(policy.probabilities(0, &mut z), Err(err));
    assert_eq!(policy.entropy(0), Err(err));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    assert_eq!(policy.sample(0, &mut rng), Err(err));
}

#[test]
fn feature_shape_mismatch() {
    assert_eq!(
        Softmax::<f64, 3, 2, 4>::with_features(OneHot).map(|_| ()),
        Err(Error::ShapeMismatch {
            what: "one-hot features (F = S)",
            expected: 3,
            found: 4
        })
    );
    assert_eq!(
        Softmax::<f64, 3, 2, 3, OneHotBias>::with_features(OneHotBias).map(|_| ()),
        Err(Error::ShapeMismatch {
            what: "one-hot features with bias (F = S + 1)",
            expected: 4,
            found: 3
        })
    );
}

#[test]
fn dense_features_reject_non_finite_entries() {
    let mut phi = [[0.5; 3]; 2];
    phi[1][2] = f64::NAN;
    assert_eq!(
        DenseFeatures::<f64, 2, 3>::try_new(phi).map(|_| ()),
        Err(Error::NonFinite {
            what: "features",
            index: 5
        })
    );
}

#[test]
fn logit_overflow_names_the_state() {
    // f64: 1e308 + 1e308 overflows the logit of state 2 only.
    let mut policy = Softmax::<f64, 4, 2, 5, OneHotBias>::tabular_with_bias();
    policy.params_mut()[2 * 2] = 1e308; // θ[2][0]
    policy.params_mut()[4 * 2] = 1e308; // bias[0]
    let mut z = [0.0; 2];
    assert_eq!(policy.logits(0, &mut z), Ok(()));
    assert_eq!(z, [1e308, 0.0]);
    assert_eq!(
        policy.logits(2, &mut z),
        Err(Error::LogitOverflow { state: 2 })
    );
    assert_eq!(policy.entropy(2), Err(Error::LogitOverflow { state: 2 }));
    // The first overflowing state is reported by evaluation.
    policy.params_mut()[3 * 2] = 1e308; // θ[3][0]
    let mdp = Chain::new(&[(1, RIGHT, 1.0)], &[3])
        .build::<4, 2>()
        .unwrap();
    let mut ws = ExactWorkspace::new();
    assert_eq!(
        ws.objective(&mdp, &policy, 0.0),
        Err(Error::LogitOverflow { state: 2 })
    );
    assert_eq!(
        ws.evaluate(&mdp, &policy, 0.0).map(|e| e.j_tau()),
        Err(Error::LogitOverflow { state: 2 })
    );
    // f32: 3e38 + 3e38.
    let mut p32 = Softmax::<f32, 2, 2, 3, OneHotBias>::tabular_with_bias();
    p32.set_params(&[0.0, 0.0, 0.0, -3e38, 0.0, -3e38]).unwrap();
    let mut z32 = [0.0_f32; 2];
    assert_eq!(p32.logits(0, &mut z32), Ok(()));
    assert_eq!(
        p32.logits(1, &mut z32),
        Err(Error::LogitOverflow { state: 1 })
    );
}

#[test]
fn dense_feature_logit_overflow() {
    let phi = [[1e200, 1.0], [1.0, 1.0]];
    let mut policy =
        Softmax::<f64, 2, 2, 2, _>::with_features(DenseFeatures::try_new(phi).unwrap()).unwrap();
    policy.set_params(&[1e200, 0.0, 0.0, 0.0]).unwrap();
    assert_eq!(policy.entropy(0), Err(Error::LogitOverflow { state: 0 }));
    assert!(policy.entropy(1).unwrap().is_finite());
}

// --------------------------------------------------------- evaluation

fn mdp2() -> TabularMdp<f64, 2, 2> {
    let (p, r, g, p0) = parts();
    TabularMdp::try_new(p, r, g, p0).unwrap()
}

#[test]
fn tau_negative_or_non_finite() {
    let mdp = mdp2();
    let policy = Softmax::<f64, 2, 2>::tabular();
    let mut ws = ExactWorkspace::new();
    for tau in [-1e-300, -1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            ws.objective(&mdp, &policy, tau),
            Err(Error::InvalidParameter {
                what: "tau",
                rule: "be finite and non-negative"
            }),
            "tau = {tau}"
        );
        assert_eq!(
            ws.evaluate(&mdp, &policy, tau).map(|e| e.j_tau()),
            Err(Error::InvalidParameter {
                what: "tau",
                rule: "be finite and non-negative"
            }),
            "tau = {tau}"
        );
    }
}

#[test]
fn nan_parameter_via_params_mut_is_caught_by_evaluation() {
    let mdp = mdp2();
    let mut policy = Softmax::<f64, 2, 2, 3, OneHotBias>::tabular_with_bias();
    policy.params_mut()[3] = f64::NAN;
    policy.params_mut()[5] = f64::INFINITY;
    let err = Err(Error::NonFinite {
        what: "theta",
        index: 3,
    });
    let mut ws = ExactWorkspace::new();
    assert_eq!(ws.objective(&mdp, &policy, 0.1), err);
    assert_eq!(ws.evaluate(&mdp, &policy, 0.1).map(|e| e.j_tau()), err);
    // -inf in the bias row, alone.
    let mut policy = Softmax::<f64, 2, 2, 3, OneHotBias>::tabular_with_bias();
    policy.params_mut()[4] = f64::NEG_INFINITY;
    assert_eq!(
        ws.objective(&mdp, &policy, 0.0),
        Err(Error::NonFinite {
            what: "theta",
            index: 4
        })
    );
}

#[test]
fn gradient_into_wrong_length_leaves_buffer_untouched() {
    let mdp = mdp2();
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_params(&[0.3, -0.2, 0.1, 0.4]).unwrap();
    let mut ws = ExactWorkspace::new();
    let eval = ws.evaluate(&mdp, &policy, 0.1).unwrap();
    for len in [0, 3, 5] {
        let mut g = vec![7.0; len];
        assert_eq!(
            eval.gradient_into(&mut g),
            Err(Error::LengthMismatch {
                what: "grad",
                expected: 4,
                found: len
            })
        );
        assert!(g.iter().all(|&x| x == 7.0));
        assert_eq!(
            eval.gradient_torch_into(&mut g),
            Err(Error::LengthMismatch {
                what: "grad",
                expected: 4,
                found: len
            })
        );
        assert!(g.iter().all(|&x| x == 7.0));
    }
    // The right length works and writes every component.
    let mut g = [f64::NAN; 4];
    eval.gradient_into(&mut g).unwrap();
    assert!(g.iter().all(|x| x.is_finite()));
    assert!(g.iter().any(|&x| x != 0.0));
}

#[test]
fn policy_row_out_of_range() {
    let mdp = mdp2();
    let policy = Softmax::<f64, 2, 2>::tabular();
    let mut ws = ExactWorkspace::new();
    let eval = ws.evaluate(&mdp, &policy, 0.0).unwrap();
    assert_eq!(eval.policy_row(1), Ok(&[0.5, 0.5]));
    assert_eq!(
        eval.policy_row(2),
        Err(Error::StateOutOfRange {
            state: 2,
            states: 2
        })
    );
}

#[test]
fn deterministic_return_rejects_out_of_range_action() {
    let mdp = mdp2();
    let mut ws = ExactWorkspace::new();
    assert_eq!(
        ws.deterministic_return(&mdp, &[0, 2]),
        Err(Error::ActionOutOfRange {
            action: 2,
            actions: 2
        })
    );
}

#[test]
fn overflowing_values_are_reported_not_returned() {
    // R = 1e308 with γ = 0.99: V = 1e310 overflows.
    let mdp =
        TabularMdp::<f64, 1, 2>::try_new([[[1.0], [1.0]]], [[1e308, 1e308]], 0.99, [1.0]).unwrap();
    let policy = Softmax::<f64, 1, 2>::tabular();
    let mut ws = ExactWorkspace::new();
    assert_eq!(
        ws.objective(&mdp, &policy, 0.0),
        Err(Error::NumericalOverflow { what: "J_tau" })
    );
    assert_eq!(
        ws.evaluate(&mdp, &policy, 0.0).map(|e| e.j_tau()),
        Err(Error::NumericalOverflow { what: "J_tau" })
    );
    assert_eq!(
        ws.deterministic_return(&mdp, &[1]),
        Err(Error::NumericalOverflow { what: "J" })
    );
    // A finite reward but an overflowing entropy bonus: τ H = 1e308 ln 2,
    // then V = τ H / (1 - 0.9).
    let mdp = TabularMdp::<f64, 1, 2>::try_new([[[1.0], [1.0]]], [[0.0, 0.0]], 0.9, [1.0]).unwrap();
    assert_eq!(
        ws.objective(&mdp, &policy, 1e308),
        Err(Error::NumericalOverflow { what: "J_tau" })
    );
}

// ------------------------------------------------------------ trainer

#[test]
fn train_config_rejects_bad_hyper_parameters() {
    let base = TrainConfig::new(0.1, 10);
    assert!(base.check().is_ok());
    let cases = [
        (TrainConfig::new(-0.1, 10), "step_size"),
        (TrainConfig::new(f64::NAN, 10), "step_size"),
        (base.tau(-1.0), "tau"),
        (base.tau(f64::INFINITY), "tau"),
        (base.tau_decay(f64::NAN), "tau_decay"),
        (base.tau_decay(-0.5), "tau_decay"),
    ];
    for (config, what) in cases {
        let rule = "be finite and non-negative";
        assert_eq!(config.check(), Err(Error::InvalidParameter { what, rule }));
        assert_eq!(
            Trainer::<f64, 2, 2>::new(config).map(|_| ()),
            Err(Error::InvalidParameter { what, rule })
        );
        assert_eq!(
            config.check().unwrap_err().to_string(),
            format!("{what} must be finite and non-negative")
        );
    }
}

#[test]
fn trainer_step_that_would_overflow_leaves_policy_unchanged() {
    // One state, rewards (0, 1000): the gradient at uniform is ±500, so a
    // step of f64::MAX overflows.
    let mdp =
        TabularMdp::<f64, 1, 2>::try_new([[[1.0], [1.0]]], [[0.0, 1000.0]], 0.5, [1.0]).unwrap();
    let mut policy = Softmax::<f64, 1, 2>::tabular();
    let mut ws = ExactWorkspace::new();
    let mut trainer = Trainer::new(TrainConfig::new(f64::MAX, 3)).unwrap();
    assert_eq!(
        trainer.step(&mdp, &mut policy, &mut ws).map(|_| ()),
        Err(Error::NumericalOverflow { what: "parameters" })
    );
    assert_eq!(policy.params(), &[0.0, 0.0]);
    assert_eq!(trainer.updates(), 0);
    // The gradient it saw: d = 2, p = 1/2, Q - mean = ∓500.
    assert_eq!(trainer.gradient(), &[[-500.0, 500.0]]);
}

// ---------------------------------------------------------- linalg

#[test]
fn lu_singular_matrix_names_the_pivot() {
    let mut lu = Lu::<f64, 2>::new();
    assert_eq!(
        lu.factor(&[[1.0, 2.0], [2.0, 4.0]]),
        Err(Error::Singular { pivot: 1 })
    );
    assert!(!lu.is_factored());
    assert_eq!(
        lu.factor(&[[0.0, 1.0], [0.0, 3.0]]),
        Err(Error::Singular { pivot: 0 })
    );
    let mut lu3 = Lu::<f64, 3>::new();
    assert_eq!(
        lu3.factor(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
        Err(Error::Singular { pivot: 2 })
    );
    // Singular relative to the matrix's scale.
    assert_eq!(
        lu.factor(&[[1.0, 1.0], [1.0, 1.0 + 1e-17]]),
        Err(Error::Singular { pivot: 1 })
    );
    assert_eq!(
        lu.factor(&[[0.0, 0.0], [0.0, 0.0]]),
        Err(Error::Singular { pivot: 0 })
    );
}

#[test]
fn lu_non_finite_matrix_names_the_index() {
    let mut lu = Lu::<f64, 3>::new();
    let mut a = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    a[1][2] = f64::NAN;
    assert_eq!(
        lu.factor(&a),
        Err(Error::NonFinite {
            what: "matrix",
            index: 5
        })
    );
    a[1][2] = 0.0;
    a[2][0] = f64::NEG_INFINITY;
    assert_eq!(
        lu.factor(&a),
        Err(Error::NonFinite {
            what: "matrix",
            index: 6
        })
    );
    assert!(!lu.is_factored());
}

#[test]
fn lu_solve_before_factor_is_not_factored() {
    let lu = Lu::<f64, 2>::new();
    let mut x = [7.0; 2];
    assert!(!lu.is_factored());
    assert_eq!(lu.solve(&[1.0, 2.0], &mut x), Err(Error::NotFactored));
    assert_eq!(
        lu.solve_transpose(&[1.0, 2.0], &mut x),
        Err(Error::NotFactored)
    );
    assert_eq!(x, [7.0; 2]);
}

#[test]
fn lu_failed_factor_unfactors_a_factored_workspace() {
    let mut lu = Lu::<f64, 2>::new();
    lu.factor(&[[2.0, 0.0], [0.0, 4.0]]).unwrap();
    assert!(lu.is_factored());
    assert_eq!(
        lu.factor(&[[1.0, 2.0], [2.0, 4.0]]),
        Err(Error::Singular { pivot: 1 })
    );
    let mut x = [7.0; 2];
    assert_eq!(lu.solve(&[1.0, 2.0], &mut x), Err(Error::NotFactored));
    assert_eq!(
        lu.factor(&[[f64::NAN, 0.0], [0.0, 1.0]]),
        Err(Error::NonFinite {
            what: "matrix",
            index: 0
        })
    );
    assert_eq!(lu.solve(&[1.0, 2.0], &mut x), Err(Error::NotFactored));
    assert_eq!(x, [7.0; 2]);
    // And it recovers.
    lu.factor(&[[2.0, 0.0], [0.0, 4.0]]).unwrap();
    lu.solve(&[1.0, 2.0], &mut x).unwrap();
    assert_eq!(x, [0.5, 0.5]);
}

#[test]
fn lu_non_finite_right_hand_side_leaves_output_untouched() {
    let mut lu = Lu::<f64, 2>::new();
    lu.factor(&[[2.0, 1.0], [1.0, 3.0]]).unwrap();
    let mut x = [7.0; 2];
    assert_eq!(
        lu.solve(&[1.0, f64::NAN], &mut x),
        Err(Error::NonFinite {
            what: "b",
            index: 1
        })
    );
    assert_eq!(
        lu.solve_transpose(&[f64::INFINITY, 0.0], &mut x),
        Err(Error::NonFinite {
            what: "c",
            index: 0
        })
    );
    assert_eq!(x, [7.0; 2]);
    assert!(lu.is_factored());
}

// ------------------------------------------------- Display messages

#[test]
fn display_messages_are_lowercase_and_name_the_indices() {
    let cases: [(Error, &[&str]); 25] = [
        (
            Error::LengthMismatch {
                what: "theta",
                expected: 108,
                found: 104,
            },
            &["theta", "108", "104"],
        ),
        (
            Error::NonFinite {
                what: "theta",
                index: 17,
            },
            &["theta[17]"],
        ),
        (
            Error::NonFiniteTransition {
                state: 3,
                action: 1,
                next: 12,
            },
            &["P[3][1][12]"],
        ),
        (
            Error::NegativeProbability {
                state: 4,
                action: 2,
                next: 9,
            },
            &["P[4][2][9]", "negative"],
        ),
        (
            Error::NotStochastic {
                state: 5,
                action: 3,
            },
            &["P[5][3]", "sum to 1"],
        ),
        (
            Error::NonFiniteReward {
                state: 6,
                action: 0,
            },
            &["R[6][0]"],
        ),
        (
            Error::InvalidStartDistribution { index: 11 },
            &["start", "11"],
        ),
        (
            Error::InvalidDiscount {
                rule: "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)",
            },
            &["discount gamma must lie in [0, 1 - 4 S eps)", "precision"],
        ),
        (
            Error::InvalidDiscount {
                rule: "lie in [0, 1]",
            },
            &["discount gamma must lie in [0, 1]"],
        ),
        (
            Error::InvalidProbability { what: "mix" },
            &["mix", "[0, 1]"],
        ),
        (
            Error::InvalidParameter {
                what: "tau",
                rule: "be finite and non-negative",
            },
            &["tau must be finite and non-negative"],
        ),
        (
            Error::InvalidParameter {
                what: "episodes",
                rule: "be at least 1",
            },
            &["episodes must be at least 1"],
        ),
        (
            Error::CountOverflow { what: "direction" },
            &["direction count", "18446744073709551615"],
        ),
        (
            Error::InvalidSnapshot { what: "moments" },
            &["restored moments", "inconsistent"],
        ),
        (
            Error::DuplicateRewardCell { row: 2, col: 3 },
            &["cell (2, 3)", "twice"],
        ),
        (
            Error::StateOutOfRange {
                state: 30,
                states: 26,
            },
            &["state 30", "26 states"],
        ),
        (
            Error::ActionOutOfRange {
                action: 7,
                actions: 4,
            },
            &["action 7", "4 actions"],
        ),
        (
            Error::ShapeMismatch {
                what: "gridworld actions",
                expected: 4,
                found: 5,
            },
            &["gridworld actions", "4", "5"],
        ),
        (Error::Singular { pivot: 13 }, &["singular", "pivot 13"]),
        (Error::NotFactored, &["factor"]),
        (
            Error::NotSymmetric { row: 2, col: 7 },
            &["not symmetric", "[2][7]", "[7][2]", "tolerance"],
        ),
        (
            Error::NoConvergence {
                what: "symmetric eigensolver (Jacobi sweeps)",
                iterations: 50,
            },
            &[
                "symmetric eigensolver (Jacobi sweeps) did not converge",
                "50 iterations",
            ],
        ),
        (Error::LogitOverflow { state: 21 }, &["logit", "state 21"]),
        (
            Error::NumericalOverflow { what: "gradient" },
            &["gradient", "overflow"],
        ),
        (
            Error::NonFinite {
                what: "matrix",
                index: 5,
            },
            &["matrix[5]"],
        ),
    ];
    for (err, needles) in cases {
        let msg = err.to_string();
        let first = msg.chars().next().unwrap();
        assert!(
            !first.is_uppercase(),
            "{err:?}: message {msg:?} starts with a capital"
        );
        assert!(
            !msg.ends_with('.'),
            "{err:?}: message {msg:?} ends with a period"
        );
        for needle in needles {
            assert!(msg.contains(needle), "{err:?}: {msg:?} lacks {needle:?}");
        }
        // Usable as a `core::error::Error`.
        let dynamic: &dyn core::error::Error = &err;
        assert_eq!(dynamic.to_string(), msg);
    }
}

#[test]
fn display_messages_of_real_errors() {
    let (mut p, r, g, p0) = parts();
    p[1][0][1] = f64::NAN;
    let err = TabularMdp::<f64, 2, 2>::try_new(p, r, g, p0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "transition probability P[1][0][1] is not finite"
    );
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    let err = policy.set_params(&[0.0; 3]).unwrap_err();
    assert_eq!(err.to_string(), "theta has length 3, expected 4");
    let err = policy.set_mix(2.0).unwrap_err();
    assert_eq!(err.to_string(), "mix must lie in [0, 1]");
}

// ------------------------------------------ recovery after an error

/// Evaluates `policy` on `mdp` in a fresh workspace: `(J_τ, V, d, Q, grad)`.
type Snapshot = (f64, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn snapshot<const S: usize, const F: usize>(
    ws: &mut ExactWorkspace<f64, S, 4>,
    mdp: &TabularMdp<f64, S, 4>,
    policy: &Softmax<f64, S, 4, F, OneHotBias>,
    tau: f64,
) -> Snapshot {
    let eval = ws.evaluate(mdp, policy, tau).unwrap();
    let mut grad = vec![0.0; F * 4];
    eval.gradient_into(&mut grad).unwrap();
    let out = (
        eval.j_tau(),
        eval.value().to_vec(),
        eval.occupancy().to_vec(),
        eval.q().as_flattened().to_vec(),
        grad,
    );
    let all = [&out.1, &out.2, &out.3, &out.4];
    assert!(out.0.is_finite() && all.iter().all(|v| v.iter().all(|x| x.is_finite())));
    out
}

#[test]
fn workspace_recovers_exactly_after_every_kind_of_error() {
    let mdp = paper::mdp::<f64>();
    let mut good = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
    for (i, x) in good.params_mut().iter_mut().enumerate() {
        *x = ((i * 37 % 11) as f64 - 5.0) * 0.2;
    }
    good.set_mix(0.1).unwrap();
    let tau = 0.05;
    let reference = snapshot(&mut ExactWorkspace::new(), &mdp, &good, tau);

    let mut ws = ExactWorkspace::new();
    // A NaN parameter.
    let mut nan = good.clone();
    nan.params_mut()[40] = f64::NAN;
    assert_eq!(
        ws.evaluate(&mdp, &nan, tau).map(|e| e.j_tau()),
        Err(Error::NonFinite {
            what: "theta",
            index: 40
        })
    );
    assert_eq!(snapshot(&mut ws, &mdp, &good, tau), reference);
    // A logit overflow half-way through the states (rows 0..13 rewritten
    // before it is found).
    let mut overflow = good.clone();
    overflow.params_mut()[13 * 4 + 2] = 1e308;
    overflow.params_mut()[26 * 4 + 2] = 1e308;
    assert_eq!(
        ws.evaluate(&mdp, &overflow, tau).map(|e| e.j_tau()),
        Err(Error::LogitOverflow { state: 13 })
    );
    assert_eq!(snapshot(&mut ws, &mdp, &good, tau), reference);
    assert_eq!(
        ws.objective(&mdp, &overflow, tau),
        Err(Error::LogitOverflow { state: 13 })
    );
    assert_eq!(snapshot(&mut ws, &mdp, &good, tau), reference);
    // A bad tau.
    assert_eq!(
        ws.objective(&mdp, &good, f64::NAN),
        Err(Error::InvalidParameter {
            what: "tau",
            rule: "be finite and non-negative"
        })
    );
    assert_eq!(snapshot(&mut ws, &mdp, &good, tau), reference);
    // An overflowing objective (huge entropy weight).
    assert_eq!(
        ws.objective(&mdp, &good, 1e307),
        Err(Error::NumericalOverflow { what: "J_tau" })
    );
    assert_eq!(snapshot(&mut ws, &mdp, &good, tau), reference);
    // A bad deterministic policy.
    assert!(ws.deterministic_return(&mdp, &[9; 26]).is_err());
    assert_eq!(snapshot(&mut ws, &mdp, &good, tau), reference);
    // deterministic_return shares the factorisation storage: evaluation
    // after it must not reuse its matrix.
    ws.deterministic_return(&mdp, &[1; 26]).unwrap();
    assert_eq!(snapshot(&mut ws, &mdp, &good, tau), reference);
}

/// With finite, valid inputs whose `Q` overflows (a reward near `f64::MAX`
/// on a rarely taken action), `evaluate` succeeds and `gradient_into`
/// correctly reports `NumericalOverflow`, but the infallible
/// `logit_gradient_into` / `gradient_array` write NaN and `q()` holds +inf.
#[test]
fn overflowing_q_is_an_error_and_gradients_never_hold_nan() {
    // R[0][1] = 1.7e308 is finite, but Q[0][1] = R + γ P V overflows.
    let mdp = TabularMdp::<f64, 2, 2>::try_new(
        [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]],
        [[0.0, 1.7e308], [1e305, 1e305]],
        0.99,
        [1.0, 0.0],
    )
    .unwrap();
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_params(&[0.0, -700.0, 0.0, 0.0]).unwrap();
    let mut ws = ExactWorkspace::new();
    assert_eq!(
        ws.evaluate(&mdp, &policy, 0.0).err(),
        Some(Error::NumericalOverflow { what: "Q" })
    );
    // A gradient that overflows although Q is finite: with π ≈ (1, 2e-22)
    // the mean of Q is ≈ -1.7e308, so Q[1] - mean overflows.
    let mdp = TabularMdp::<f64, 1, 2>::try_new([[[1.0], [1.0]]], [[-1.7e308, 1.7e308]], 0.0, [1.0])
        .unwrap();
    let mut policy = Softmax::<f64, 1, 2>::tabular();
    policy.set_params(&[0.0, -50.0]).unwrap();
    let mut ws = ExactWorkspace::new();
    let eval = ws.evaluate(&mdp, &policy, 0.0).unwrap();
    assert!(eval.j_tau().is_finite());
    let mut g = [7.0; 2];
    let mut logit = [[7.0; 2]; 1];
    let mut array = [[7.0; 2]; 1];
    let expected = Some(Error::NumericalOverflow { what: "gradient" });
    assert_eq!(eval.gradient_into(&mut g).err(), expected);
    assert_eq!(g, [7.0; 2], "untouched on error");
    assert_eq!(eval.logit_gradient_into(&mut logit).err(), expected);
    assert_eq!(logit, [[7.0; 2]; 1], "untouched on error");
    assert_eq!(eval.gradient_array(&mut array).err(), expected);
    assert_eq!(array, [[0.0; 2]; 1], "zeroed on error, never NaN");
}
