//! Exact evaluation against values derived by hand: a two-state MDP with
//! closed-form `V`, `Q`, `d`, `J` and gradient (with and without entropy and
//! mixing), the paper world's deterministic policies, and identities that
//! hold for every policy.

use policy_landscape::mdp::{Chain, DOWN, LEFT, RIGHT, RewardCell, TabularMdp, UP};
use policy_landscape::paper;
use policy_landscape::policy::OneHotBias;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::{ExactWorkspace, Gridworld, Softmax};

const LN4: f64 = core::f64::consts::LN_2 * 2.0;

fn uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    lo + (hi - lo) * u
}

#[track_caller]
fn close(what: &str, got: f64, want: f64, rel: f64) {
    let tol = rel * want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, expected {want:e} (|diff| {:e} > {tol:e})",
        (got - want).abs()
    );
}

#[track_caller]
fn close_abs(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, expected {want:e} (|diff| {:e} > {tol:e})",
        (got - want).abs()
    );
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn binary_entropy(p: f64) -> f64 {
    -p * p.ln() - (1.0 - p) * (1.0 - p).ln()
}

/// State 0: action 0 stays (reward `r0`), action 1 moves to the absorbing
/// state 1 (reward `r1`). State 1 loops with reward 0. Start in state 0.
fn two_state(r0: f64, r1: f64, gamma: f64) -> TabularMdp<f64, 2, 2> {
    TabularMdp::try_new(
        [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]],
        [[r0, r1], [0.0, 0.0]],
        gamma,
        [1.0, 0.0],
    )
    .unwrap()
}

/// The hand-derived quantities of [`two_state`] under a tabular softmax
/// with logits `z` in state 0 and `y` in state 1, mixed with `mix`.
struct TwoStateClosedForm {
    v: [f64; 2],
    q: [[f64; 2]; 2],
    d: [f64; 2],
    j_tau: f64,
    j_true: f64,
    j_entropy: f64,
    /// `∂J_τ/∂θ[s][a]`.
    grad: [[f64; 2]; 2],
}

fn closed_form(
    r0: f64,
    r1: f64,
    g: f64,
    tau: f64,
    mix: f64,
    z: [f64; 2],
    y: [f64; 2],
) -> TwoStateClosedForm {
    // Unmixed and mixed probabilities of action 0.
    let p_raw = sigmoid(z[0] - z[1]);
    let q_raw = sigmoid(y[0] - y[1]);
    let p = (1.0 - mix) * p_raw + mix / 2.0;
    let q = (1.0 - mix) * q_raw + mix / 2.0;
    let h0 = binary_entropy(p);
    let h1 = binary_entropy(q);
    // State 1 earns τ H1 forever.
    let v1 = tau * h1 / (1.0 - g);
    // V0 = p (r0 + γ V0) + (1 - p) (r1 + γ V1) + τ H0.
    let num = p * r0 + (1.0 - p) * r1 + tau * h0 + g * (1.0 - p) * v1;
    let den = 1.0 - g * p;
    let v0 = num / den;
    let q00 = r0 + tau * h0 + g * v0;
    let q01 = r1 + tau * h0 + g * v1;
    let q1 = tau * h1 + g * v1; // = V1 for both actions
    // d = p0ᵀ (I - γ P_π)⁻¹ with P_π = [[p, 1 - p], [0, 1]].
    let d0 = 1.0 / den;
    let d1 = g * (1.0 - p) / (den * (1.0 - g));
    // dV0/dp, with H0'(p) = ln((1 - p) / p).
    let dnum = r0 - r1 + tau * ((1.0 - p) / p).ln() - g * v1;
    let dv0_dp = (dnum * den + g * num) / (den * den);
    // dV0/dq through V1: V0 depends on V1 via γ (1 - p) V1 / (1 - γ p).
    let dv1_dq = tau * ((1.0 - q) / q).ln() / (1.0 - g);
    let dv0_dq = g * (1.0 - p) / den * dv1_dq;
    // dp/dz0 = (1 - mix) p_raw (1 - p_raw) = -dp/dz1.
    let dp = (1.0 - mix) * p_raw * (1.0 - p_raw);
    let dq = (1.0 - mix) * q_raw * (1.0 - q_raw);
    let j_true = d0 * (p * r0 + (1.0 - p) * r1);
    TwoStateClosedForm {
        v: [v0, v1],
        q: [[q00, q01], [q1, q1]],
        d: [d0, d1],
        j_tau: v0,
        j_true,
        j_entropy: d0 * h0 + d1 * h1,
        grad: [[dv0_dp * dp, -dv0_dp * dp], [dv0_dq * dq, -dv0_dq * dq]],
    }
}

fn check_two_state(r0: f64, r1: f64, g: f64, tau: f64, mix: f64, z: [f64; 2], y: [f64; 2]) {
    let mdp = two_state(r0, r1, g);
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_params(&[z[0], z[1], y[0], y[1]]).unwrap();
    policy.set_mix(mix).unwrap();
    let want = closed_form(r0, r1, g, tau, mix, z, y);
    let ctx = format!("r = ({r0}, {r1}), γ = {g}, τ = {tau}, mix = {mix}, z = {z:?}, y = {y:?}");
    let rel = 1e-12;

    let mut ws = ExactWorkspace::new();
    let j_fast = ws.objective(&mdp, &policy, tau).unwrap();
    close(&format!("{ctx}: objective"), j_fast, want.j_tau, rel);
    let eval = ws.evaluate(&mdp, &policy, tau).unwrap();
    close(&format!("{ctx}: J_tau"), eval.j_tau(), want.j_tau, rel);
    close(&format!("{ctx}: J_true"), eval.j_true(), want.j_true, rel);
    close(
        &format!("{ctx}: J_entropy"),
        eval.j_entropy(),
        want.j_entropy,
        rel,
    );
    for s in 0..2 {
        close_abs(
            &format!("{ctx}: V[{s}]"),
            eval.value()[s],
            want.v[s],
            rel * want.v[0].abs().max(1.0),
        );
        close(
            &format!("{ctx}: d[{s}]"),
            eval.occupancy()[s],
            want.d[s],
            rel,
        );
        for a in 0..2 {
            close_abs(
                &format!("{ctx}: Q[{s}][{a}]"),
                eval.q()[s][a],
                want.q[s][a],
                rel * want.v[0].abs().max(1.0),
            );
        }
    }
    let mut grad = [0.0; 4];
    eval.gradient_into(&mut grad).unwrap();
    let scale = want
        .grad
        .as_flattened()
        .iter()
        .fold(0.0_f64, |m, x| m.max(x.abs()));
    assert!(scale > 1e-3, "{ctx}: degenerate case");
    for (i, (&x, &w)) in grad.iter().zip(want.grad.as_flattened()).enumerate() {
        close_abs(&format!("{ctx}: grad[{i}]"), x, w, 1e-10 * scale);
    }
}

#[test]
fn two_state_closed_form_without_entropy() {
    for (r0, r1, g) in [(1.0, 2.0, 0.9), (0.5, 3.0, 0.5), (-1.0, 1.0, 0.99)] {
        for z in [[0.0, 0.0], [1.3, -0.4], [-2.0, 0.5]] {
            check_two_state(r0, r1, g, 0.0, 0.0, z, [0.0, 0.0]);
        }
    }
}

#[test]
fn two_state_closed_form_gradient_formula() {
    // Without entropy, dJ/dp simplifies to (r0 - (1 - γ) r1) / (1 - γ p)².
    let (r0, r1, g) = (1.0, 4.0, 0.8);
    let z = [0.7, -0.2];
    let p = sigmoid(z[0] - z[1]);
    let dj_dp = (r0 - (1.0 - g) * r1) / (1.0 - g * p).powi(2);
    let mdp = two_state(r0, r1, g);
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_params(&[z[0], z[1], 3.0, -1.0]).unwrap();
    let mut ws = ExactWorkspace::new();
    let eval = ws.evaluate(&mdp, &policy, 0.0).unwrap();
    let mut grad = [0.0; 4];
    eval.gradient_into(&mut grad).unwrap();
    let want = dj_dp * p * (1.0 - p);
    close("dJ/dz0", grad[0], want, 1e-12);
    close("dJ/dz1", grad[1], -want, 1e-12);
    // State 1 is worth nothing without entropy: its logits do not matter.
    assert_eq!(grad[2], 0.0);
    assert_eq!(grad[3], 0.0);
    close(
        "V0",
        eval.value()[0],
        (p * r0 + (1.0 - p) * r1) / (1.0 - g * p),
        1e-14,
    );
    assert_eq!(eval.value()[1], 0.0);
}

#[test]
fn two_state_closed_form_with_entropy() {
    // τ > 0: the absorbing state earns the entropy of its own policy row.
    for tau in [0.01, 0.5, 2.0] {
        for (z, y) in [
            ([0.0, 0.0], [0.0, 0.0]),
            ([1.3, -0.4], [0.8, -1.1]),
            ([-2.0, 0.5], [-0.3, 2.2]),
        ] {
            check_two_state(1.0, 2.0, 0.9, tau, 0.0, z, y);
            check_two_state(-0.5, 3.0, 0.7, tau, 0.0, z, y);
        }
    }
}

#[test]
fn two_state_closed_form_with_mixing() {
    for mix in [0.1, 0.5, 0.9] {
        for tau in [0.0, 0.3] {
            check_two_state(1.0, 2.0, 0.9, tau, mix, [1.3, -0.4], [0.8, -1.1]);
            check_two_state(2.0, -1.0, 0.6, tau, mix, [-2.0, 0.5], [-0.3, 2.2]);
        }
    }
}

#[test]
fn absorbing_state_earns_entropy_of_its_own_row() {
    // With uniform state-0 row and a skewed absorbing row, V[1] = τ H1 / (1 - γ).
    let mdp = two_state(0.0, 0.0, 0.5);
    let mut policy = Softmax::<f64, 2, 2>::tabular();
    policy.set_params(&[0.0, 0.0, 2.0, 0.0]).unwrap();
    let mut ws = ExactWorkspace::new();
    let eval = ws.evaluate(&mdp, &policy, 1.0).unwrap();
    let h1 = binary_entropy(sigmoid(2.0));
    close("V[1]", eval.value()[1], h1 / 0.5, 1e-14);
    let mut h = [0.0; 2];
    eval.entropy_into(&mut h);
    close("H[0]", h[0], core::f64::consts::LN_2, 1e-15);
    close("H[1]", h[1], h1, 1e-14);
    close("r_tau[1]", eval.reward()[1], h1, 1e-14);
}

#[test]
fn one_state_geometric_series() {
    // V = r / (1 - γ) with r = Σ π R + τ H.
    let mdp =
        TabularMdp::<f64, 1, 3>::try_new([[[1.0], [1.0], [1.0]]], [[1.0, 2.0, 4.0]], 0.75, [1.0])
            .unwrap();
    let mut policy = Softmax::<f64, 1, 3>::tabular();
    policy.set_params(&[0.5, -1.0, 0.25]).unwrap();
    let z: [f64; 3] = [0.5, -1.0, 0.25];
    let sum: f64 = z.iter().map(|x| x.exp()).sum();
    let pi: Vec<f64> = z.iter().map(|x| x.exp() / sum).collect();
    let h: f64 = -pi.iter().map(|p| p * p.ln()).sum::<f64>();
    let r_pi = pi[0] + 2.0 * pi[1] + 4.0 * pi[2];
    let mut ws = ExactWorkspace::new();
    for tau in [0.0, 0.1, 3.0] {
        let j = ws.objective(&mdp, &policy, tau).unwrap();
        close(&format!("tau {tau}"), j, (r_pi + tau * h) / 0.25, 1e-14);
    }
}

#[test]
fn paper_world_deterministic_returns() {
    let mdp = paper::mdp::<f64>();
    let mut ws = ExactWorkspace::new();
    let g4 = 0.99_f64.powi(4);
    let right = ws.deterministic_return(&mdp, &[RIGHT; 26]).unwrap();
    close_abs("all RIGHT", right, 5.0 * g4, 1e-12);
    let down = ws.deterministic_return(&mdp, &[DOWN; 26]).unwrap();
    close_abs("all DOWN", down, 4.5 * g4, 1e-12);
    // Bumping into the walls forever earns nothing.
    assert_eq!(ws.deterministic_return(&mdp, &[LEFT; 26]).unwrap(), 0.0);
    assert_eq!(ws.deterministic_return(&mdp, &[UP; 26]).unwrap(), 0.0);
    // Right twice, then down to the bottom row, then left: reaches (4, 0)
    // after 2 + 4 + 2 = 8 moves.
    let mut zigzag = [LEFT; 26];
    zigzag[0] = RIGHT;
    zigzag[1] = RIGHT;
    for row in 0..4 {
        zigzag[5 * row + 2] = DOWN;
    }
    let zz = ws.deterministic_return(&mdp, &zigzag).unwrap();
    close_abs("zigzag", zz, 4.5 * 0.99_f64.powi(8), 1e-12);
}

#[test]
fn near_deterministic_softmax_approaches_deterministic_returns() {
    let mdp = paper::mdp::<f64>();
    let g4 = 0.99_f64.powi(4);
    let mut ws = ExactWorkspace::new();
    for (action, target) in [(RIGHT, 5.0 * g4), (DOWN, 4.5 * g4)] {
        let mut last_gap = f64::INFINITY;
        for c in [1.0, 3.0, 6.0, 12.0, 30.0] {
            let mut policy = Softmax::<f64, 26, 4>::tabular();
            for row in policy.params_mut().chunks_mut(4) {
                for (a, x) in row.iter_mut().enumerate() {
                    *x = if a == action { c } else { -c };
                }
            }
            let eval = ws.evaluate(&mdp, &policy, 0.0).unwrap();
            let gap = target - eval.j_true();
            assert!(
                gap >= -1e-12,
                "action {action}, c = {c}: J above the optimum"
            );
            assert!(gap < last_gap, "action {action}, c = {c}: not approaching");
            last_gap = gap;
            if c == 30.0 {
                close_abs(
                    &format!("action {action}, c = 30"),
                    eval.j_tau(),
                    target,
                    1e-12,
                );
            }
        }
    }
}

#[test]
fn occupancy_sums_to_horizon_when_nothing_terminates() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let paper = paper::mdp::<f64>();
    let cells = [RewardCell::new(1, 2, 1.0)];
    let slippery: TabularMdp<f64, 17, 4> = Gridworld::new(4, &cells)
        .p_success(0.6)
        .gamma(0.95)
        .start(5)
        .build()
        .unwrap();
    let chain: TabularMdp<f64, 5, 2> = Chain::new(&[(3, RIGHT, 1.0)], &[4])
        .p_success(0.9)
        .gamma(0.8)
        .build()
        .unwrap();
    let mut ws26 = ExactWorkspace::new();
    let mut ws17 = ExactWorkspace::new();
    let mut ws5 = ExactWorkspace::new();
    for _ in 0..5 {
        let mut p26 = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
        let mut p17 = Softmax::<f64, 17, 4>::tabular();
        let mut p5 = Softmax::<f64, 5, 2>::tabular();
        for x in p26
            .params_mut()
            .iter_mut()
            .chain(p17.params_mut())
            .chain(p5.params_mut())
        {
            *x = uniform(&mut rng, -3.0, 3.0);
        }
        p17.set_mix(0.2).unwrap();
        let d: f64 = ws26
            .evaluate(&paper, &p26, 0.3)
            .unwrap()
            .occupancy()
            .iter()
            .sum();
        close("paper Σd", d, 100.0, 1e-11);
        let d: f64 = ws17
            .evaluate(&slippery, &p17, 0.0)
            .unwrap()
            .occupancy()
            .iter()
            .sum();
        close("slippery Σd", d, 20.0, 1e-12);
        let d: f64 = ws5
            .evaluate(&chain, &p5, 1.0)
            .unwrap()
            .occupancy()
            .iter()
            .sum();
        close("chain Σd", d, 5.0, 1e-13);
        let occ = *ws5.evaluate(&chain, &p5, 1.0).unwrap().occupancy();
        assert!(occ.iter().all(|&x| x >= 0.0), "negative occupancy {occ:?}");
    }
}

#[test]
fn value_is_policy_average_of_q_and_j_splits() {
    // V(s) = Σ_a π(a|s) Q(s, a), J_τ = p0 · V = d · r_τ = J + τ J_H, and
    // V = r_τ + γ P_π V (the Bellman equation).
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mdp = TabularMdp::<f64, 26, 4>::corners_gridworld(5, 5.0, 0.9, 0.8, 0.95).unwrap();
    let mut ws = ExactWorkspace::new();
    for (tau, mix) in [(0.0, 0.0), (0.2, 0.0), (1.0, 0.5), (0.05, 0.1)] {
        let mut policy = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
        for x in policy.params_mut() {
            *x = uniform(&mut rng, -2.0, 2.0);
        }
        policy.set_mix(mix).unwrap();
        let eval = ws.evaluate(&mdp, &policy, tau).unwrap();
        let ctx = format!("tau {tau}, mix {mix}");
        let v = eval.value();
        let scale = v.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        let mut pi = [[0.0; 4]; 26];
        eval.policy_into(&mut pi);
        let mut p_pi = [[0.0; 26]; 26];
        eval.p_pi_into(&mut p_pi);
        for s in 0..26 {
            let avg: f64 = (0..4).map(|a| pi[s][a] * eval.q()[s][a]).sum();
            close_abs(&format!("{ctx}: V[{s}] = π·Q"), v[s], avg, 1e-12 * scale);
            let bellman: f64 =
                eval.reward()[s] + 0.95 * (0..26).map(|n| p_pi[s][n] * v[n]).sum::<f64>();
            close_abs(
                &format!("{ctx}: Bellman at {s}"),
                v[s],
                bellman,
                1e-12 * scale,
            );
            assert_eq!(eval.policy_row(s).unwrap(), &pi[s]);
        }
        let d_r: f64 = (0..26)
            .map(|s| eval.occupancy()[s] * eval.reward()[s])
            .sum();
        close(&format!("{ctx}: d·r_τ"), d_r, eval.j_tau(), 1e-12);
        close(
            &format!("{ctx}: J + τ J_H"),
            eval.j_true() + tau * eval.j_entropy(),
            eval.j_tau(),
            1e-12,
        );
        assert_eq!(eval.tau(), tau);
        // The true objective is J_τ at τ = 0 of the same policy.
        let j_true = eval.j_true();
        let j0 = ws.objective(&mdp, &policy, 0.0).unwrap();
        close(&format!("{ctx}: J_true = J_0"), j_true, j0, 1e-12);
    }
}

#[test]
fn uniform_policy_with_tau_one_earns_ln4_per_step() {
    let mdp = paper::mdp::<f64>();
    let policy = Softmax::<f64, 26, 4>::tabular();
    let mut ws = ExactWorkspace::new();
    let (j0, v0) = {
        let e = ws.evaluate(&mdp, &policy, 0.0).unwrap();
        (e.j_tau(), *e.value())
    };
    let eval = ws.evaluate(&mdp, &policy, 1.0).unwrap();
    let mut h = [0.0; 26];
    eval.entropy_into(&mut h);
    for (s, &x) in h.iter().enumerate() {
        close(&format!("H[{s}]"), x, LN4, 1e-15);
    }
    // Every state, the absorbing one included, earns ln 4 every step.
    let d_dot_h: f64 = eval.occupancy().iter().map(|d| d * LN4).sum();
    close("J_H = d·ln4", eval.j_entropy(), d_dot_h, 1e-13);
    close("J_H = ln4 / (1 - γ)", eval.j_entropy(), 100.0 * LN4, 1e-12);
    close("J_true", eval.j_true(), j0, 1e-12);
    close("J_1 - J_0", eval.j_tau() - j0, 100.0 * LN4, 1e-12);
    for (s, (&v1, &v0)) in eval.value().iter().zip(&v0).enumerate() {
        close(&format!("V_1[{s}] - V_0[{s}]"), v1 - v0, 100.0 * LN4, 1e-12);
    }
    // The uniform policy's J is strictly between 0 and the best return.
    assert!(j0 > 0.0 && j0 < 5.0 * 0.99_f64.powi(4), "J_0 = {j0}");
}

#[test]
fn mix_one_is_the_uniform_policy_with_zero_gradient() {
    let mdp = TabularMdp::<f64, 26, 4>::corners_gridworld(5, 5.0, 0.9, 0.9, 0.99).unwrap();
    let uniform_policy = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
    let mut ws = ExactWorkspace::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    for tau in [0.0, 0.5] {
        let (j_uniform, h_uniform) = {
            let e = ws.evaluate(&mdp, &uniform_policy, tau).unwrap();
            (e.j_tau(), e.j_entropy())
        };
        for _ in 0..3 {
            let mut policy = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
            for x in policy.params_mut() {
                *x = uniform(&mut rng, -5.0, 5.0);
            }
            let j_unmixed = ws.objective(&mdp, &policy, tau).unwrap();
            assert!(
                (j_unmixed - j_uniform).abs() > 1e-3,
                "parameters should matter"
            );
            policy.set_mix(1.0).unwrap();
            let eval = ws.evaluate(&mdp, &policy, tau).unwrap();
            let mut pi = [[0.0; 4]; 26];
            eval.policy_into(&mut pi);
            assert!(pi.as_flattened().iter().all(|&p| p == 0.25), "{pi:?}");
            close(&format!("tau {tau}: J"), eval.j_tau(), j_uniform, 1e-12);
            close(
                &format!("tau {tau}: J_H"),
                eval.j_entropy(),
                h_uniform,
                1e-12,
            );
            let mut grad = [1.0; 27 * 4];
            eval.gradient_into(&mut grad).unwrap();
            assert!(grad.iter().all(|&g| g == 0.0), "tau {tau}: {grad:?}");
        }
    }
}

#[test]
fn deterministic_return_matches_softmax_limit_on_slippery_world() {
    // On a slippery world the deterministic return is still exactly the
    // limit of the softmax policy that puts all its mass on those actions.
    let cells = [RewardCell::new(0, 3, 1.0), RewardCell::new(3, 0, 0.5)];
    let mdp: TabularMdp<f64, 17, 4> = Gridworld::new(4, &cells)
        .p_success(0.7)
        .gamma(0.9)
        .build()
        .unwrap();
    let mut actions = [RIGHT; 17];
    for (s, a) in actions.iter_mut().enumerate() {
        if s % 4 == 3 {
            *a = UP;
        }
    }
    let mut ws = ExactWorkspace::new();
    let det = ws.deterministic_return(&mdp, &actions).unwrap();
    let mut policy = Softmax::<f64, 17, 4>::tabular();
    for (s, row) in policy.params_mut().chunks_mut(4).enumerate() {
        row[actions[s]] = 40.0;
    }
    let j = ws.objective(&mdp, &policy, 0.0).unwrap();
    assert!(det > 0.1, "{det}");
    close("softmax limit", j, det, 1e-12);
}
