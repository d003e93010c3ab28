//! The exact gradient (paper eq. 3) against central finite differences of the
//! exact objective, on several worlds and parameterisations, and the policy's
//! score and entropy gradients against finite differences of
//! `log_probabilities` and `entropy`.

use policy_landscape::mdp::{Chain, LEFT, RIGHT, RewardCell, TabularMdp};
use policy_landscape::paper;
use policy_landscape::policy::{DenseFeatures, FeatureMap, OneHotBias};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::{ExactWorkspace, Gridworld, Softmax};

const TAUS: [f64; 3] = [0.0, 0.01, 1.0];
const MIXES: [f64; 2] = [0.0, 0.3];

/// Uniform in `[lo, hi)`.
fn uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    lo + (hi - lo) * u
}

fn norm(xs: &[f64]) -> f64 {
    xs.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Central difference of `f` at every parameter of `policy`, with step
/// `1e-5 * max(1, |θ_i|)`.
fn central_differences<const S: usize, const F: usize, const A: usize, M>(
    policy: &Softmax<f64, S, A, F, M>,
    mut f: impl FnMut(&Softmax<f64, S, A, F, M>) -> f64,
) -> Vec<f64>
where
    M: FeatureMap<f64, S, F> + Clone,
{
    let mut probe = policy.clone();
    (0..F * A)
        .map(|i| {
            let x = policy.params()[i];
            let h = 1e-5 * x.abs().max(1.0);
            probe.params_mut()[i] = x + h;
            let up = f(&probe);
            probe.params_mut()[i] = x - h;
            let down = f(&probe);
            probe.params_mut()[i] = x;
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// `max_i |got_i - want_i| <= rel * ‖got‖₂`, and the gradient is not
/// trivially zero.
#[track_caller]
fn assert_grad_close(what: &str, got: &[f64], want: &[f64], rel: f64, min_norm: f64) {
    assert_eq!(got.len(), want.len());
    let n = norm(got);
    assert!(
        n > min_norm,
        "{what}: gradient norm {n:e} is too small to test"
    );
    let tol = rel * n;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}: component {i}: exact {g:e}, finite difference {w:e} \
             (|diff| {:e} > {tol:e}, ‖grad‖ {n:e})",
            (g - w).abs()
        );
    }
}

/// Randomises the parameters and checks `gradient_into` against central
/// differences of `objective` for every `tau` in [`TAUS`] and `mix` in
/// [`MIXES`].
fn check_exact_gradient<const S: usize, const F: usize, const A: usize, M>(
    name: &str,
    mdp: &TabularMdp<f64, S, A>,
    mut policy: Softmax<f64, S, A, F, M>,
    seed: u64,
) where
    M: FeatureMap<f64, S, F> + Clone,
{
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut ws = ExactWorkspace::<f64, S, A>::new();
    for &mix in &MIXES {
        for &tau in &TAUS {
            for x in policy.params_mut() {
                *x = uniform(&mut rng, -1.5, 1.5);
            }
            policy.set_mix(mix).unwrap();
            let mut grad = vec![0.0; F * A];
            let mut torch = vec![0.0; F * A];
            let j_eval = {
                let eval = ws.evaluate(mdp, &policy, tau).unwrap();
                eval.gradient_into(&mut grad).unwrap();
                eval.gradient_torch_into(&mut torch).unwrap();
                eval.j_tau()
            };
            let j = ws.objective(mdp, &policy, tau).unwrap();
            assert_eq!(j, j_eval, "{name}: objective and evaluate disagree");
            let fd = central_differences(&policy, |p| ws.objective(mdp, p, tau).unwrap());
            let what = format!("{name} (tau = {tau}, mix = {mix})");
            assert_grad_close(&what, &grad, &fd, 1e-6, 1e-4);

            // The torch-layout gradient is the same numbers, rearranged.
            let mut expected_torch = vec![0.0; F * A];
            Softmax::<f64, S, A, F, M>::to_torch_layout(&grad, &mut expected_torch).unwrap();
            assert_eq!(torch, expected_torch, "{what}: torch-layout gradient");
        }
    }
}

fn paper() -> TabularMdp<f64, 26, 4> {
    paper::mdp()
}

fn slippery() -> TabularMdp<f64, 17, 4> {
    let cells = [RewardCell::new(0, 3, 1.0), RewardCell::new(3, 0, 0.5)];
    Gridworld::new(4, &cells)
        .p_success(0.7)
        .gamma(0.9)
        .build()
        .unwrap()
}

fn chain() -> TabularMdp<f64, 6, 2> {
    let rewards = [(4, RIGHT, 1.0), (0, LEFT, 0.2), (2, LEFT, -0.3)];
    Chain::new(&rewards, &[5])
        .p_success(0.8)
        .gamma(0.9)
        .build()
        .unwrap()
}

fn dense<const S: usize, const F: usize>(seed: u64) -> DenseFeatures<f64, S, F> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut phi = [[0.0; F]; S];
    for row in phi.iter_mut() {
        for x in row.iter_mut() {
            *x = uniform(&mut rng, -1.0, 1.0);
        }
        // A constant feature, as a bias.
        row[F - 1] = 1.0;
    }
    DenseFeatures::try_new(phi).unwrap()
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (finite differences over 104 parameters)"
)]
#[test]
fn paper_world_tabular_gradient_matches_finite_differences() {
    check_exact_gradient(
        "paper, tabular",
        &paper(),
        Softmax::<f64, 26, 4>::tabular(),
        1,
    );
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (finite differences over 108 parameters)"
)]
#[test]
fn paper_world_tabular_with_bias_gradient_matches_finite_differences() {
    check_exact_gradient(
        "paper, tabular + bias",
        &paper(),
        Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias(),
        2,
    );
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (finite differences over 140 parameters)"
)]
#[test]
fn slippery_gridworld_gradient_matches_finite_differences() {
    let mdp = slippery();
    check_exact_gradient(
        "slippery 4x4, tabular",
        &mdp,
        Softmax::<f64, 17, 4>::tabular(),
        3,
    );
    check_exact_gradient(
        "slippery 4x4, tabular + bias",
        &mdp,
        Softmax::<f64, 17, 4, 18, OneHotBias>::tabular_with_bias(),
        4,
    );
}

#[test]
fn chain_gradient_matches_finite_differences() {
    let mdp = chain();
    check_exact_gradient("chain, tabular", &mdp, Softmax::<f64, 6, 2>::tabular(), 5);
    check_exact_gradient(
        "chain, tabular + bias",
        &mdp,
        Softmax::<f64, 6, 2, 7, OneHotBias>::tabular_with_bias(),
        6,
    );
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (finite differences on three worlds)"
)]
#[test]
fn dense_features_gradient_matches_finite_differences() {
    let policy = Softmax::<f64, 26, 4, 6, _>::with_features(dense::<26, 6>(7)).unwrap();
    check_exact_gradient("paper, dense features", &paper(), policy, 8);
    let policy = Softmax::<f64, 17, 4, 5, _>::with_features(dense::<17, 5>(9)).unwrap();
    check_exact_gradient("slippery 4x4, dense features", &slippery(), policy, 10);
    let policy = Softmax::<f64, 6, 2, 3, _>::with_features(dense::<6, 3>(11)).unwrap();
    check_exact_gradient("chain, dense features", &chain(), policy, 12);
}

#[test]
fn logit_gradient_is_the_tabular_gradient() {
    // For one-hot features, θ[s][a] is the logit itself, so the two must be
    // the same numbers.
    let mdp = slippery();
    let mut policy = Softmax::<f64, 17, 4>::tabular();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
    for x in policy.params_mut() {
        *x = uniform(&mut rng, -2.0, 2.0);
    }
    policy.set_mix(0.3).unwrap();
    let mut ws = ExactWorkspace::new();
    let eval = ws.evaluate(&mdp, &policy, 0.5).unwrap();
    let mut logit = [[0.0; 4]; 17];
    eval.logit_gradient_into(&mut logit).unwrap();
    let mut grad = [[0.0; 4]; 17];
    eval.gradient_array(&mut grad).unwrap();
    assert!(norm(grad.as_flattened()) > 1e-3);
    for s in 0..17 {
        for a in 0..4 {
            let (x, y) = (logit[s][a], grad[s][a]);
            assert!(
                (x - y).abs() <= 1e-14 * y.abs().max(1e-3),
                "[{s}][{a}]: {x:e} vs {y:e}"
            );
        }
    }
}

#[test]
#[cfg_attr(feature = "micromath", ignore = "micromath's f32 math is approximate")]
fn f32_gradient_agrees_with_f64() {
    let mdp64 = paper();
    let mdp32 = paper::mdp::<f32>();
    let mut p64 = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
    let mut p32 = Softmax::<f32, 26, 4, 27, OneHotBias>::tabular_with_bias();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(14);
    let theta: Vec<f32> = (0..27 * 4)
        .map(|_| uniform(&mut rng, -1.0, 1.0) as f32)
        .collect();
    p32.set_params(&theta).unwrap();
    let theta64: Vec<f64> = theta.iter().map(|&x| f64::from(x)).collect();
    p64.set_params(&theta64).unwrap();
    p32.set_mix(0.25).unwrap();
    p64.set_mix(f64::from(0.25_f32)).unwrap();
    let mut g32 = [0.0_f32; 27 * 4];
    let mut g64 = [0.0_f64; 27 * 4];
    let mut ws32 = ExactWorkspace::new();
    let mut ws64 = ExactWorkspace::new();
    let j32 = ws32.evaluate(&mdp32, &p32, 0.1).unwrap();
    j32.gradient_into(&mut g32).unwrap();
    let j64 = ws64.evaluate(&mdp64, &p64, f64::from(0.1_f32)).unwrap();
    j64.gradient_into(&mut g64).unwrap();
    let j_rel = (f64::from(j32.j_tau()) - j64.j_tau()).abs() / j64.j_tau().abs();
    assert!(j_rel < 1e-4, "J_tau: f32 vs f64 relative error {j_rel:e}");
    let g32: Vec<f64> = g32.iter().map(|&x| f64::from(x)).collect();
    assert_grad_close("f32 vs f64 gradient", &g64, &g32, 1e-4, 1e-3);
}

/// `score_into` against central differences of `log_probabilities(s)[a]` and
/// `entropy_gradient_into` against central differences of `entropy(s)`, for
/// every state and action.
fn check_policy_gradients<const S: usize, const F: usize, const A: usize, M>(
    name: &str,
    mut policy: Softmax<f64, S, A, F, M>,
    seed: u64,
) where
    M: FeatureMap<f64, S, F> + Clone,
{
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for &mix in &MIXES {
        for x in policy.params_mut() {
            *x = uniform(&mut rng, -2.0, 2.0);
        }
        policy.set_mix(mix).unwrap();
        let mut grad = vec![0.0; F * A];
        for s in 0..S {
            for a in 0..A {
                policy.score_into(s, a, &mut grad).unwrap();
                let fd = central_differences(&policy, |p| {
                    let mut l = [0.0; A];
                    p.log_probabilities(s, &mut l).unwrap();
                    l[a]
                });
                let what = format!("{name}: score of ({s}, {a}), mix = {mix}");
                assert_grad_close(&what, &grad, &fd, 1e-7, 1e-3);
            }
            policy.entropy_gradient_into(s, &mut grad).unwrap();
            let fd = central_differences(&policy, |p| p.entropy(s).unwrap());
            let what = format!("{name}: entropy gradient of state {s}, mix = {mix}");
            assert_grad_close(&what, &grad, &fd, 1e-7, 1e-4);
        }
    }
}

#[cfg_attr(
    miri,
    ignore = "minutes under Miri (finite differences over every parameter)"
)]
#[test]
fn score_and_entropy_gradients_tabular() {
    check_policy_gradients("tabular", Softmax::<f64, 5, 4>::tabular(), 20);
    check_policy_gradients("tabular, 2 actions", Softmax::<f64, 3, 2>::tabular(), 21);
}

#[test]
fn score_and_entropy_gradients_with_bias() {
    check_policy_gradients(
        "tabular + bias",
        Softmax::<f64, 5, 4, 6, OneHotBias>::tabular_with_bias(),
        22,
    );
}

#[test]
fn score_and_entropy_gradients_dense_features() {
    let policy = Softmax::<f64, 7, 3, 4, _>::with_features(dense::<7, 4>(23)).unwrap();
    check_policy_gradients("dense", policy, 24);
}

#[test]
fn score_is_zero_mean_under_the_policy() {
    // E_{a ~ π}[∇ ln π(a|s)] = 0, with and without mixing.
    let mut policy = Softmax::<f64, 4, 3, 5, OneHotBias>::tabular_with_bias();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(25);
    for x in policy.params_mut() {
        *x = uniform(&mut rng, -3.0, 3.0);
    }
    for mix in [0.0, 0.4, 1.0] {
        policy.set_mix(mix).unwrap();
        for s in 0..4 {
            let mut pi = [0.0; 3];
            policy.probabilities(s, &mut pi).unwrap();
            let mut mean = [0.0; 15];
            let mut g = [0.0; 15];
            let mut scale = 0.0_f64;
            for (a, &p) in pi.iter().enumerate() {
                policy.score_into(s, a, &mut g).unwrap();
                for (m, &x) in mean.iter_mut().zip(&g) {
                    *m += p * x;
                    scale = scale.max(x.abs());
                }
            }
            if mix < 1.0 {
                assert!(scale > 0.01, "mix {mix}, state {s}: score vanished");
            } else {
                assert_eq!(scale, 0.0, "mix = 1: the policy ignores θ");
            }
            for (i, &m) in mean.iter().enumerate() {
                assert!(m.abs() <= 1e-15, "mix {mix}, state {s}, param {i}: {m:e}");
            }
        }
    }
}
