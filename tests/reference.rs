//! Every public reference case (computed independently in float64 from the
//! authors' MDP library, numpy and JAX) must match: `π`, `H`, `V`, `Q`, `d`,
//! `J_τ`, `J` and the gradient, to 1e-9 relative in `f64` and 1e-4 in `f32`.

#![allow(clippy::needless_range_loop)]

mod common;

use common::{Case, assert_all_close, assert_close, exact_cases};
use policy_landscape::mdp::{RewardCell, TabularMdp};
use policy_landscape::{ExactWorkspace, Gridworld, Real, Softmax};

const S: usize = 26;
const A: usize = 4;
const F: usize = S + 1;

fn build<T: Real>(
    case: &Case,
) -> (
    TabularMdp<T, S, A>,
    Softmax<T, S, A, F, policy_landscape::policy::OneHotBias>,
) {
    let c = &case.config;
    assert_eq!((c.n_states, c.n_actions), (S, A));
    let cells = [
        RewardCell::new(0, c.size - 1, T::from_f64(c.best_reward)),
        RewardCell::new(c.size - 1, 0, T::from_f64(c.eps * c.best_reward)),
    ];
    let mdp = Gridworld::new(c.size, &cells)
        .p_success(T::from_f64(c.p_success))
        .gamma(T::from_f64(c.gamma))
        .start(c.start_state)
        .build()
        .unwrap();
    let mut policy = Softmax::tabular_with_bias();
    let theta: Vec<T> = case.theta.iter().map(|&x| T::from_f64(x)).collect();
    policy.set_params_from_torch(&theta).unwrap();
    policy.set_mix(T::from_f64(c.mix)).unwrap();
    (mdp, policy)
}

fn to64<T: Real>(xs: &[T]) -> Vec<f64> {
    xs.iter().map(|x| x.to_f64()).collect()
}

#[test]
fn gridworld_builder_matches_reference_dynamics_bit_for_bit() {
    for case in exact_cases() {
        let (mdp, _) = build::<f64>(&case);
        let mut dense = vec![[[0.0; S]; A]; S];
        for &(s, a, n, p) in &case.mdp.p_sparse {
            dense[s][a][n] = p;
        }
        for s in 0..S {
            for a in 0..A {
                for n in 0..S {
                    assert_eq!(
                        mdp.transitions()[s][a][n].to_bits(),
                        dense[s][a][n].to_bits(),
                        "{}: P[{s}][{a}][{n}]",
                        case.name
                    );
                }
                assert_eq!(
                    mdp.rewards()[s][a],
                    case.mdp.r[s][a],
                    "{}: R[{s}][{a}]",
                    case.name
                );
            }
        }
        assert_eq!(mdp.start().as_slice(), case.mdp.p0.as_slice());
    }
}

/// `rel` is the relative tolerance; element-wise comparisons use a floor of
/// `floor` times the vector's largest magnitude (so `floor = 1` is a
/// norm-wise comparison, the meaningful one for `f32`, where a component
/// 1e-5 times smaller than the largest carries no significant digits).
fn check_case<T: Real>(case: &Case, rel: f64, floor: f64) {
    let (mdp, policy) = build::<T>(case);
    let tau = T::from_f64(case.config.tau);
    let mut ws = ExactWorkspace::<T, S, A>::new();
    let j_fast = ws.objective(&mdp, &policy, tau).unwrap();
    let eval = ws.evaluate(&mdp, &policy, tau).unwrap();
    let name = &case.name;
    assert_close(
        &format!("{name} J_tau"),
        eval.j_tau().to_f64(),
        case.j_tau,
        rel,
        0.0,
    );
    assert_close(
        &format!("{name} J_tau (fast path)"),
        j_fast.to_f64(),
        case.j_tau,
        rel,
        0.0,
    );
    assert_close(
        &format!("{name} J_true"),
        eval.j_true().to_f64(),
        case.j_true,
        rel,
        0.0,
    );
    let j_split = eval.j_true().to_f64() + case.config.tau * eval.j_entropy().to_f64();
    assert_close(
        &format!("{name} J_true + tau J_H"),
        j_split,
        case.j_tau,
        rel,
        0.0,
    );

    let mut pi = [[T::ZERO; A]; S];
    eval.policy_into(&mut pi);
    let pi_ref: Vec<f64> = case.pi.concat();
    assert_all_close(
        &format!("{name} pi"),
        &to64(pi.as_flattened()),
        &pi_ref,
        rel,
        floor.max(1e-12),
    );
    let mut h = [T::ZERO; S];
    eval.entropy_into(&mut h);
    assert_all_close(
        &format!("{name} H"),
        &to64(&h),
        &case.entropy,
        rel,
        floor.max(1e-6),
    );
    assert_all_close(
        &format!("{name} V"),
        &to64(eval.value()),
        &case.v,
        rel,
        floor.max(1e-9),
    );
    assert_all_close(
        &format!("{name} Q"),
        &to64(eval.q().as_flattened()),
        &case.q.concat(),
        rel,
        floor.max(1e-9),
    );
    assert_all_close(
        &format!("{name} d"),
        &to64(eval.occupancy()),
        &case.d,
        rel,
        floor.max(1e-9),
    );

    let mut grad = vec![T::ZERO; F * A];
    eval.gradient_torch_into(&mut grad).unwrap();
    assert_all_close(
        &format!("{name} grad (autodiff)"),
        &to64(&grad),
        &case.grad_j_autodiff,
        rel,
        floor.max(1e-6),
    );
    assert_all_close(
        &format!("{name} grad (notebook surrogate)"),
        &to64(&grad),
        &case.grad_surrogate_notebook,
        rel,
        floor.max(1e-6),
    );
}

#[cfg_attr(miri, ignore = "minutes under Miri (every public exact case)")]
#[test]
fn every_public_case_matches_in_f64_to_1e_9() {
    let cases = exact_cases();
    assert!(cases.len() >= 3);
    for case in &cases {
        check_case::<f64>(case, 1e-9, 0.0);
    }
}

#[cfg_attr(miri, ignore = "minutes under Miri (every public exact case)")]
#[test]
fn every_public_case_matches_in_f32_to_1e_4() {
    for case in &exact_cases() {
        check_case::<f32>(case, 1e-4, 1.0);
    }
}
