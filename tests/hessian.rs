//! The exact Hessian of `J_τ` (`ExactWorkspace::hessian_into`): closed form
//! on a one-state world, second differences of `J_τ` on the paper's world,
//! Rayleigh quotients, symmetry, the stated error, bad input.

use policy_landscape::exact::{HessianAccuracy, default_hessian_step, hessian_len};
use policy_landscape::linalg::symmetric_eigen;
use policy_landscape::policy::OneHotBias;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{Error, ExactWorkspace, Real, Softmax, TabularMdp, paper};

const GAMMA: f64 = 0.9;
const REWARDS: [f64; 4] = [1.0, -0.5, 2.0, 0.25];

/// One state that loops to itself: `J_τ = (Σ_a π_a r_a + τ H(π)) / (1 − γ)`.
fn bandit<T: Real>() -> TabularMdp<T, 1, 4> {
    TabularMdp::try_new(
        [[[T::ONE]; 4]],
        [REWARDS.map(T::from_f64)],
        T::from_f64(GAMMA),
        [T::ONE],
    )
    .unwrap()
}

/// The closed-form Hessian of `(E_π[f] ) / (1 − γ)` for `π = softmax(θ)`
/// and a fixed `f`: `δ_bc π_b (f_b − f̄) − π_b π_c (f_b − f̄) − π_b π_c (f_c − f̄)`;
/// the entropy `H = E_π[−ln π]` adds, since `−ln π` depends on `θ`,
/// `−δ_bc π_b + π_b π_c` to that form with `f = −ln π`.
fn closed_form(theta: &[f64; 4], tau: f64) -> [f64; 16] {
    let m = theta.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    let z: f64 = theta.iter().map(|&x| (x - m).exp()).sum();
    let pi = theta.map(|x| (x - m).exp() / z);
    let neg_log = pi.map(|p| -p.ln());
    let form = |f: &[f64; 4], b: usize, c: usize| {
        let mean: f64 = (0..4).map(|a| pi[a] * f[a]).sum();
        let delta = f64::from(u8::from(b == c));
        delta * pi[b] * (f[b] - mean)
            - pi[b] * pi[c] * (f[b] - mean)
            - pi[b] * pi[c] * (f[c] - mean)
    };
    let mut h = [0.0; 16];
    for b in 0..4 {
        for c in 0..4 {
            let delta = f64::from(u8::from(b == c));
            let entropy = form(&neg_log, b, c) - delta * pi[b] + pi[b] * pi[c];
            h[b * 4 + c] = (form(&REWARDS, b, c) + tau * entropy) / (1.0 - GAMMA);
        }
    }
    h
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
}

#[test]
fn closed_form_on_a_one_state_world() {
    let mdp = bandit::<f64>();
    let mut ws = ExactWorkspace::new();
    for (theta, tau) in [
        ([0.0; 4], 0.0),
        ([0.3, -1.2, 0.8, 2.0], 0.0),
        ([0.3, -1.2, 0.8, 2.0], 0.5),
        ([-2.0, 1.0, 3.5, 0.1], 0.01),
    ] {
        let mut policy = Softmax::<f64, 1, 4>::tabular();
        policy.set_params(&theta).unwrap();
        let before = policy.clone();
        let mut h = [0.0; hessian_len(4)];
        let acc = ws.hessian_into(&mdp, &policy, tau, &mut h).unwrap();
        assert_eq!(policy, before, "the caller's policy is not touched");
        let exact = closed_form(&theta, tau);
        let err = max_abs_diff(&h, &exact);
        let scale = exact.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        assert!(err <= acc.bound(), "{theta:?} tau {tau}: {err:e} > {acc:?}");
        // The statement is honest but not vacuous: within 1e-8 of the scale.
        assert!(acc.bound() < 1e-8 * scale, "{acc:?} vs scale {scale}");
        assert_eq!(acc.step, default_hessian_step::<f64>());
        assert_eq!(acc.gradients, 16);
        for b in 0..4 {
            for c in 0..4 {
                assert_eq!(h[b * 4 + c], h[c * 4 + b]);
            }
        }
    }
}

#[test]
fn closed_form_in_f32_and_with_a_bias_feature() {
    let theta = [0.3, -1.2, 0.8, 2.0];
    let tau = 0.1;
    let exact = closed_form(&theta, tau);
    // f32: the default step 2^-8; the bound still holds.
    let mdp = bandit::<f32>();
    let mut policy = Softmax::<f32, 1, 4>::tabular();
    policy.set_params(&theta.map(|x| x as f32)).unwrap();
    let mut h = [0.0_f32; 16];
    let acc = ExactWorkspace::new()
        .hessian_into(&mdp, &policy, tau as f32, &mut h)
        .unwrap();
    let h64 = h.map(f64::from);
    let err = max_abs_diff(&h64, &exact);
    assert!(f64::from(acc.bound()) >= err, "{err:e} > {acc:?}");
    assert!(f64::from(acc.bound()) < 1e-2, "{acc:?}");
    assert_eq!(acc.step, 1.0 / 256.0);

    // With a bias, the state feature and the bias are both 1 in the one
    // state: the Hessian is [[H, H], [H, H]] in the flat order
    // (feature 0's four parameters, then the bias's).
    let mdp = bandit::<f64>();
    let mut policy = Softmax::<f64, 1, 4, 2, OneHotBias>::tabular_with_bias();
    policy
        .set_params(&[0.1, -0.7, 0.4, 1.0, 0.2, -0.5, 0.4, 1.0])
        .unwrap();
    let mut h = [0.0; hessian_len(8)];
    let acc = ExactWorkspace::new()
        .hessian_into(&mdp, &policy, tau, &mut h)
        .unwrap();
    let exact = closed_form(&theta, tau);
    for i in 0..8 {
        for j in 0..8 {
            let e = exact[(i % 4) * 4 + j % 4];
            assert!((h[i * 8 + j] - e).abs() <= acc.bound(), "({i}, {j})");
        }
    }
}

/// The paper's policy at a random point, with `mix`.
fn paper_policy(seed: u64, mix: f64) -> paper::Policy {
    let mut policy = paper::Policy::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    // Spread the logits beyond the torch initialisation's ±0.2.
    for x in policy.params_mut() {
        *x *= 8.0;
    }
    policy.set_mix(mix).unwrap();
    policy
}

/// `J_τ` at `θ + Σ_k c_k e_{i_k}`.
fn j_at(
    ws: &mut paper::Workspace,
    mdp: &paper::Mdp,
    policy: &paper::Policy,
    tau: f64,
    moves: &[(usize, f64)],
) -> f64 {
    let mut p = policy.clone();
    for &(i, c) in moves {
        p.params_mut()[i] += c;
    }
    ws.objective(mdp, &p, tau).unwrap()
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (432 exact gradients and 3000 objectives)"
)]
#[test]
fn second_differences_and_rayleigh_quotients_on_the_paper_world() {
    let mdp = paper::mdp::<f64>();
    let mut ws = paper::Workspace::new();
    let n = <paper::Policy>::PARAMS;
    let mut h = vec![0.0; hessian_len(n)];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    for (seed, tau, mix) in [(1, 0.0, 0.0), (2, 0.01, 0.0), (3, 0.01, 0.1), (4, 0.0, 0.1)] {
        let policy = paper_policy(seed, mix);
        let acc: HessianAccuracy<f64> = ws.hessian_into(&mdp, &policy, tau, &mut h).unwrap();
        let scale = h.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        assert!(scale > 1e-3, "a Hessian worth testing: {scale}");
        assert!(acc.bound() < 1e-7 * scale.max(1.0), "{acc:?}");
        // Symmetric exactly, after symmetrising an estimate that was
        // symmetric within the stated error.
        for i in 0..n {
            for j in 0..i {
                assert_eq!(h[i * n + j], h[j * n + i]);
            }
        }
        assert!(acc.asymmetry <= acc.truncation + acc.rounding, "{acc:?}");

        // Second differences of J_τ itself, step e = 2^-8, Richardson over
        // e and 2e: their own error is a few 1e-9 here, so they check the
        // Hessian to that level.
        let e = 1.0 / 256.0;
        let j0 = j_at(&mut ws, &mdp, &policy, tau, &[]);
        let mut second = |i: usize, j: usize, e: f64| {
            if i == j {
                (j_at(&mut ws, &mdp, &policy, tau, &[(i, e)]) - 2.0 * j0
                    + j_at(&mut ws, &mdp, &policy, tau, &[(i, -e)]))
                    / (e * e)
            } else {
                (j_at(&mut ws, &mdp, &policy, tau, &[(i, e), (j, e)])
                    - j_at(&mut ws, &mdp, &policy, tau, &[(i, e), (j, -e)])
                    - j_at(&mut ws, &mdp, &policy, tau, &[(i, -e), (j, e)])
                    + j_at(&mut ws, &mdp, &policy, tau, &[(i, -e), (j, -e)]))
                    / (4.0 * e * e)
            }
        };
        let mut worst = 0.0_f64;
        let pairs = (0..n)
            .map(|i| (i, i))
            .chain((0..200).map(|k| ((k * 37) % n, (k * 53 + 5) % n)));
        for (i, j) in pairs {
            let d = (4.0 * second(i, j, e) - second(i, j, 2.0 * e)) / 3.0;
            worst = worst.max((d - h[i * n + j]).abs());
        }
        assert!(
            worst < 1e-8 * scale.max(1.0),
            "seed {seed}: {worst:e} ({acc:?})"
        );
        println!(
            "paper world seed {seed} tau {tau} mix {mix}: max|H| {scale:.3e}, \
             vs second differences {worst:.2e}, stated {:.2e} ({acc:?})",
            acc.bound()
        );

        // Rayleigh quotients along random unit directions.
        for _ in 0..3 {
            let mut d: Vec<f64> = (0..n)
                .map(|_| policy_landscape::random::standard_normal(&mut rng))
                .collect();
            let norm = d.iter().map(|x| x * x).sum::<f64>().sqrt();
            d.iter_mut().for_each(|x| *x /= norm);
            let quad: f64 = (0..n)
                .map(|i| d[i] * (0..n).map(|j| h[i * n + j] * d[j]).sum::<f64>())
                .sum();
            let along = |ws: &mut paper::Workspace, a: f64| {
                let mut p = policy.clone();
                for (x, di) in p.params_mut().iter_mut().zip(&d) {
                    *x += a * di;
                }
                ws.objective(&mdp, &p, tau).unwrap()
            };
            let curv = |ws: &mut paper::Workspace, a: f64| {
                (along(ws, a) + along(ws, -a) - 2.0 * j0) / (a * a)
            };
            let a = 1.0 / 512.0;
            let rich = (4.0 * curv(&mut ws, a) - curv(&mut ws, 2.0 * a)) / 3.0;
            assert!(
                (rich - quad).abs() < 1e-7 * scale.max(1.0),
                "dᵀHd {quad} vs {rich}"
            );
        }

        // The spectrum: sorted, and its sum is the trace.
        let trace: f64 = (0..n).map(|i| h[i * n + i]).sum();
        let mut values = vec![0.0; n];
        symmetric_eigen(&mut h, n, &mut values, None).unwrap();
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
        assert!((values.iter().sum::<f64>() - trace).abs() < 1e-12 * scale * n as f64);
    }
}

#[test]
fn bad_input_is_an_error() {
    let mdp = bandit::<f64>();
    let mut ws = ExactWorkspace::new();
    let mut policy = Softmax::<f64, 1, 4>::tabular();
    let mut h = [7.0; 16];
    assert_eq!(
        ws.hessian_into(&mdp, &policy, 0.0, &mut h[..15]),
        Err(Error::LengthMismatch {
            what: "hessian",
            expected: 16,
            found: 15
        })
    );
    assert_eq!(
        ws.hessian_into(&mdp, &policy, -1.0, &mut h),
        Err(Error::InvalidParameter {
            what: "tau",
            rule: "be finite and non-negative"
        })
    );
    for step in [0.0, -1e-3, f64::NAN, f64::INFINITY] {
        assert_eq!(
            ws.hessian_with_step_into(&mdp, &policy, 0.0, step, &mut h),
            Err(Error::InvalidParameter {
                what: "step",
                rule: "be finite and positive"
            })
        );
    }
    assert_eq!(h, [7.0; 16], "untouched by the input checks");
    // θ ± 2h beyond the largest float.
    policy.params_mut()[2] = f64::MAX;
    assert_eq!(
        ws.hessian_with_step_into(&mdp, &policy, 0.0, 1e308, &mut h),
        Err(Error::NumericalOverflow {
            what: "perturbed parameter"
        })
    );
    assert_eq!(h, [0.0; 16], "zeroed after a later error");
    policy.params_mut()[2] = f64::NAN;
    assert_eq!(
        ws.hessian_into(&mdp, &policy, 0.0, &mut h),
        Err(Error::NonFinite {
            what: "theta",
            index: 2
        })
    );
}
