//! The softmax policy: probabilities, log-probabilities and entropies stay
//! valid for extreme logits (f64 and f32, with and without mixing), sampling
//! follows π, and the torch `nn.Linear` layout round-trips and means what it
//! says.

use policy_landscape::policy::{DenseFeatures, OneHotBias};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{Real, Softmax};
use proptest::prelude::{Just, ProptestConfig, Strategy, prop_assert, prop_assert_eq, prop_oneof};
use proptest::proptest;

/// Checks every invariant of one state's policy; `rel` is the scalar's
/// rounding scale.
fn check_row<T: Real, const S: usize, const F: usize, const A: usize, M>(
    policy: &Softmax<T, S, A, F, M>,
    s: usize,
    rel: f64,
) -> Result<(), String>
where
    M: policy_landscape::policy::FeatureMap<T, S, F>,
{
    let ctx = || {
        format!(
            "state {s}, θ = {:?}, mix = {}",
            policy.params(),
            policy.mix()
        )
    };
    // micromath's f32 `ln` is off by up to ~0.12: only the structural
    // invariants (ranges, finiteness, normalisation) hold then.
    let approximate = rel > 1e-4;
    let row = policy.row(s).map_err(|e| format!("{}: {e}", ctx()))?;
    let mut pi = [T::ZERO; A];
    policy.probabilities(s, &mut pi).unwrap();
    let mut log_pi = [T::ZERO; A];
    policy.log_probabilities(s, &mut log_pi).unwrap();
    let h = policy.entropy(s).unwrap().to_f64();
    if pi != row.pi {
        return Err(format!("{}: probabilities differ from row", ctx()));
    }
    let mut sum = 0.0;
    let mix = policy.mix().to_f64();
    for a in 0..A {
        let p = pi[a].to_f64();
        let l = log_pi[a].to_f64();
        if !(0.0..=1.0).contains(&p) {
            return Err(format!("{}: π[{a}] = {p}", ctx()));
        }
        sum += p;
        if !row.log_pi[a].is_finite() {
            return Err(format!("{}: row ln π[{a}] = {}", ctx(), row.log_pi[a]));
        }
        if p > 0.0 {
            if !l.is_finite() {
                return Err(format!("{}: ln π[{a}] = {l} with π = {p}", ctx()));
            }
            if !approximate {
                // exp(ln π) = π. ln π carries an absolute error of a few
                // ulp(|ln π|), so exp of it a relative error of about
                // |ln π| ε; subnormal π has an absolute error of a few of
                // the smallest subnormals.
                let back = if T::MANTISSA_BITS == 24 {
                    (l as f32).exp() as f64
                } else {
                    l.exp()
                };
                let floor = 4.0 * T::MIN_POSITIVE.to_f64() * rel;
                if (back - p).abs() > (16.0 + 4.0 * l.abs()) * rel * p + floor {
                    return Err(format!("{}: exp(ln π[{a}]) = {back:e} vs π = {p:e}", ctx()));
                }
            }
        } else if l != f64::NEG_INFINITY {
            return Err(format!("{}: π[{a}] = 0 but ln π = {l}", ctx()));
        }
        if mix > 0.0 && p < (mix / A as f64) * (1.0 - 4.0 * rel) {
            return Err(format!("{}: π[{a}] = {p:e} below mix / A", ctx()));
        }
    }
    if (sum - 1.0).abs() > 4.0 * A as f64 * rel {
        return Err(format!("{}: Σπ = {sum}", ctx()));
    }
    let ln_a = (A as f64).ln();
    let in_range = (0.0..=ln_a * (1.0 + 4.0 * rel)).contains(&h);
    if !h.is_finite() || (!approximate && !in_range) {
        return Err(format!("{}: H = {h} outside [0, ln {A}]", ctx()));
    }
    if row.entropy.to_f64() != h {
        return Err(format!("{}: entropy differs from row", ctx()));
    }
    Ok(())
}

/// The rounding scale of `f32` results: machine epsilon with the default
/// math; with the `micromath` feature only the structural checks apply.
const F32_REL: f64 = if cfg!(feature = "micromath") {
    2e-3
} else {
    f32::EPSILON as f64
};

fn logit64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1e300),
        Just(-1e300),
        Just(1e30),
        Just(-1e30),
        Just(0.0),
        -1e300..1e300_f64,
        -1e30..1e30_f64,
        -800.0..800.0_f64,
        -5.0..5.0_f64,
    ]
}

fn logit32() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(1e30_f32),
        Just(-1e30_f32),
        Just(0.0_f32),
        -1e30..1e30_f32,
        -120.0..120.0_f32,
        -5.0..5.0_f32,
    ]
}

fn mix() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1.0),
        Just(1e-300),
        0.0..=1.0_f64,
        1e-20..1e-6_f64
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Tests may only add source files: keep failures out of the tree.
        failure_persistence: None,
        ..ProptestConfig::with_cases(512)
    })]

    #[cfg_attr(miri, ignore = "too slow under Miri (512 proptest cases)")]
    #[test]
    fn prop_f64_tabular_rows_are_valid(
        theta in proptest::collection::vec(logit64(), 12),
        mix in mix(),
    ) {
        let mut policy = Softmax::<f64, 3, 4>::tabular();
        policy.set_params(&theta).unwrap();
        policy.set_mix(mix).unwrap();
        for s in 0..3 {
            let r = check_row(&policy, s, f64::EPSILON);
            prop_assert!(r.is_ok(), "{}", r.unwrap_err());
        }
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (512 proptest cases)")]
    #[test]
    fn prop_f64_bias_rows_are_valid(
        // |w + b| <= 2e300: finite.
        theta in proptest::collection::vec(logit64(), 9),
        mix in mix(),
    ) {
        let mut policy = Softmax::<f64, 2, 3, 3, OneHotBias>::tabular_with_bias();
        policy.set_params(&theta).unwrap();
        policy.set_mix(mix).unwrap();
        for s in 0..2 {
            let r = check_row(&policy, s, f64::EPSILON);
            prop_assert!(r.is_ok(), "{}", r.unwrap_err());
        }
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (512 proptest cases)")]
    #[test]
    fn prop_f32_rows_are_valid(
        theta in proptest::collection::vec(logit32(), 10),
        mix in mix(),
    ) {
        let mut policy = Softmax::<f32, 2, 5>::tabular();
        policy.set_params(&theta).unwrap();
        policy.set_mix(mix as f32).unwrap();
        for s in 0..2 {
            let r = check_row(&policy, s, F32_REL);
            prop_assert!(r.is_ok(), "{}", r.unwrap_err());
        }
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (512 proptest cases)")]
    #[test]
    fn prop_f32_bias_rows_are_valid(
        // |w + b| <= 2e30: finite in f32.
        theta in proptest::collection::vec(logit32(), 6),
        mix in mix(),
    ) {
        let mut policy = Softmax::<f32, 2, 2, 3, OneHotBias>::tabular_with_bias();
        policy.set_params(&theta).unwrap();
        policy.set_mix(mix as f32).unwrap();
        for s in 0..2 {
            let r = check_row(&policy, s, F32_REL);
            prop_assert!(r.is_ok(), "{}", r.unwrap_err());
        }
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (512 proptest cases of 50 samples)")]
    #[test]
    fn prop_samples_only_actions_with_positive_probability(
        theta in proptest::collection::vec(logit64(), 4),
        mix in mix(),
        seed in 0u64..1000,
    ) {
        let mut policy = Softmax::<f64, 1, 4>::tabular();
        policy.set_params(&theta).unwrap();
        policy.set_mix(mix).unwrap();
        let mut pi = [0.0; 4];
        policy.probabilities(0, &mut pi).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for _ in 0..50 {
            let a = policy.sample(0, &mut rng).unwrap();
            prop_assert!(a < 4 && pi[a] > 0.0, "sampled {} with π = {:?}", a, pi);
        }
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (512 proptest cases)")]
    #[test]
    fn prop_torch_layout_round_trips(
        theta in proptest::collection::vec(-1e6..1e6_f64, 4 * 5),
    ) {
        type B = Softmax<f64, 4, 4, 5, OneHotBias>;
        type T = Softmax<f64, 5, 4>;
        let mut torch = vec![0.0; 20];
        let mut back = vec![0.0; 20];
        B::to_torch_layout(&theta, &mut torch).unwrap();
        B::from_torch_layout(&torch, &mut back).unwrap();
        prop_assert_eq!(&back, &theta);
        T::to_torch_layout(&theta, &mut torch).unwrap();
        T::from_torch_layout(&torch, &mut back).unwrap();
        prop_assert_eq!(&back, &theta);
        // Through a policy.
        let mut policy = B::tabular_with_bias();
        policy.set_params_from_torch(&theta).unwrap();
        policy.params_to_torch(&mut torch).unwrap();
        prop_assert_eq!(&torch, &theta);
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (512 proptest cases)")]
    #[test]
    fn prop_softmax_is_shift_invariant(
        z in proptest::collection::vec(-30.0..30.0_f64, 3),
        shift in -1e3..1e3_f64,
        mix in 0.0..=1.0_f64,
    ) {
        // Adding the same number to every logit of a state (here through the
        // bias) changes nothing.
        let mut a = Softmax::<f64, 1, 3, 2, OneHotBias>::tabular_with_bias();
        a.set_params(&[z[0], z[1], z[2], 0.0, 0.0, 0.0]).unwrap();
        a.set_mix(mix).unwrap();
        let mut b = a.clone();
        b.params_mut()[3..].copy_from_slice(&[shift; 3]);
        let (mut pa, mut pb) = ([0.0; 3], [0.0; 3]);
        a.probabilities(0, &mut pa).unwrap();
        b.probabilities(0, &mut pb).unwrap();
        for k in 0..3 {
            prop_assert!((pa[k] - pb[k]).abs() <= 1e-12 * pa[k].max(1e-300) + 1e-300,
                "{:?} vs {:?}", pa, pb);
        }
        let (ha, hb) = (a.entropy(0).unwrap(), b.entropy(0).unwrap());
        prop_assert!((ha - hb).abs() <= 1e-12, "{} vs {}", ha, hb);
    }
}

#[test]
fn extreme_logits_f64_without_and_with_mix() {
    for big in [1e30, 1e300, f64::MAX / 2.0] {
        let mut policy = Softmax::<f64, 2, 4>::tabular();
        policy
            .set_params(&[big, -big, -big, 0.0, big, big, -big, -big])
            .unwrap();
        let mut pi = [0.0; 4];
        policy.probabilities(0, &mut pi).unwrap();
        assert_eq!(pi, [1.0, 0.0, 0.0, 0.0], "logit {big}");
        assert_eq!(policy.entropy(0).unwrap(), 0.0);
        let mut l = [0.0; 4];
        policy.log_probabilities(0, &mut l).unwrap();
        assert_eq!(l[0], 0.0);
        assert!(l[1..].iter().all(|&x| x == f64::NEG_INFINITY), "{l:?}");
        // Two tied maxima: exactly one half each, entropy ln 2.
        policy.probabilities(1, &mut pi).unwrap();
        assert_eq!(pi, [0.5, 0.5, 0.0, 0.0]);
        let h = policy.entropy(1).unwrap();
        assert!((h - core::f64::consts::LN_2).abs() <= 1e-16, "{h}");
        // The row keeps finite logs even where π underflows.
        assert!(policy.row(0).unwrap().log_pi.iter().all(|x| x.is_finite()));

        policy.set_mix(0.2).unwrap();
        policy.probabilities(0, &mut pi).unwrap();
        assert_eq!(pi, [0.8 + 0.05, 0.05, 0.05, 0.05]);
        policy.log_probabilities(0, &mut l).unwrap();
        assert!((l[1] - 0.05_f64.ln()).abs() <= 1e-15);
        let h = policy.entropy(0).unwrap();
        let want = -(0.85 * 0.85_f64.ln() + 3.0 * 0.05 * 0.05_f64.ln());
        assert!((h - want).abs() <= 1e-15, "{h} vs {want}");
    }
}

#[test]
#[cfg_attr(feature = "micromath", ignore = "micromath's f32 math is approximate")]
fn extreme_logits_f32_without_and_with_mix() {
    let mut policy = Softmax::<f32, 1, 3>::tabular();
    policy.set_params(&[-1e30, 1e30, 0.0]).unwrap();
    let mut pi = [0.0_f32; 3];
    policy.probabilities(0, &mut pi).unwrap();
    assert_eq!(pi, [0.0, 1.0, 0.0]);
    assert_eq!(policy.entropy(0).unwrap(), 0.0);
    policy.set_mix(0.3).unwrap();
    policy.probabilities(0, &mut pi).unwrap();
    let (lo, hi) = (0.1_f32, 0.7_f32 + 0.1);
    assert!(
        (pi[0] - lo).abs() < 1e-7 && (pi[1] - hi).abs() < 1e-7,
        "{pi:?}"
    );
    let mut l = [0.0_f32; 3];
    policy.log_probabilities(0, &mut l).unwrap();
    assert!(l.iter().all(|x| x.is_finite()), "{l:?}");
    let h = policy.entropy(0).unwrap();
    let want = -(0.8_f32 * 0.8_f32.ln() + 0.2 * 0.1_f32.ln());
    assert!((h - want).abs() < 1e-6, "{h} vs {want}");
}

#[test]
fn probabilities_match_the_textbook_softmax() {
    let z = [0.3, -1.2, 2.5, 0.0];
    let e: Vec<f64> = z.iter().map(|x: &f64| x.exp()).collect();
    let sum: f64 = e.iter().sum();
    let p: Vec<f64> = e.iter().map(|x| x / sum).collect();
    let mut policy = Softmax::<f64, 1, 4>::tabular();
    policy.set_params(&z).unwrap();
    for mix in [0.0, 0.35, 1.0] {
        policy.set_mix(mix).unwrap();
        let want: Vec<f64> = p.iter().map(|x| (1.0 - mix) * x + mix / 4.0).collect();
        let mut pi = [0.0; 4];
        policy.probabilities(0, &mut pi).unwrap();
        let mut l = [0.0; 4];
        policy.log_probabilities(0, &mut l).unwrap();
        let mut h = 0.0;
        for a in 0..4 {
            assert!(
                (pi[a] - want[a]).abs() <= 1e-15,
                "mix {mix}: {pi:?} vs {want:?}"
            );
            assert!((l[a] - want[a].ln()).abs() <= 1e-14, "mix {mix}: ln π[{a}]");
            h -= want[a] * want[a].ln();
        }
        let got = policy.entropy(0).unwrap();
        assert!((got - h).abs() <= 1e-15, "mix {mix}: H = {got} vs {h}");
    }
}

#[test]
fn dense_feature_logits_are_the_linear_map() {
    let phi = [[1.0, 0.5, -2.0], [0.0, 3.0, 1.0]];
    let mut policy =
        Softmax::<f64, 2, 2, 3, _>::with_features(DenseFeatures::try_new(phi).unwrap()).unwrap();
    // θ[f][a], flat f * A + a.
    let theta = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
    policy.set_params(&theta).unwrap();
    for (s, phi_s) in phi.iter().enumerate() {
        let mut z = [0.0; 2];
        policy.logits(s, &mut z).unwrap();
        for (a, &za) in z.iter().enumerate() {
            let want: f64 = (0..3).map(|f| phi_s[f] * theta[f * 2 + a]).sum();
            assert!((za - want).abs() <= 1e-15, "z[{s}][{a}] = {za} vs {want}");
        }
    }
    assert_eq!(policy.features().table(), &phi);
    assert_eq!(Softmax::<f64, 2, 2, 3, DenseFeatures<f64, 2, 3>>::PARAMS, 6);
    assert_eq!(policy.theta(), &[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]);
}

/// Draws `n` samples in state `s` and checks every action's frequency is
/// within 4 standard errors of π (and exactly 0 where π = 0).
fn check_sampling<const S: usize, const F: usize, const A: usize, M>(
    policy: &Softmax<f64, S, A, F, M>,
    s: usize,
    seed: u64,
) where
    M: policy_landscape::policy::FeatureMap<f64, S, F>,
{
    let n = 100_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut counts = [0usize; A];
    for _ in 0..n {
        counts[policy.sample(s, &mut rng).unwrap()] += 1;
    }
    let mut pi = [0.0; A];
    policy.probabilities(s, &mut pi).unwrap();
    for a in 0..A {
        let freq = counts[a] as f64 / n as f64;
        if pi[a] == 0.0 {
            assert_eq!(counts[a], 0, "action {a} has π = 0");
            continue;
        }
        let se = (pi[a] * (1.0 - pi[a]) / n as f64).sqrt();
        assert!(
            (freq - pi[a]).abs() <= 4.0 * se,
            "state {s}, action {a}: frequency {freq} vs π = {} (4 se = {})",
            pi[a],
            4.0 * se
        );
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (100 000 samples per state)")]
#[test]
fn sample_frequencies_match_probabilities() {
    let mut policy = Softmax::<f64, 3, 4, 4, OneHotBias>::tabular_with_bias();
    policy
        .set_params(&[
            0.0, 1.0, 2.0, -1.0, // state 0
            -1e30, 1e30, -1e30, 0.0, // state 1: deterministic
            3.0, 3.0, -3.0, 0.5, // state 2
            0.1, 0.0, 0.0, -0.2, // bias
        ])
        .unwrap();
    for s in 0..3 {
        check_sampling(&policy, s, 100 + s as u64);
    }
    policy.set_mix(0.3).unwrap();
    for s in 0..3 {
        check_sampling(&policy, s, 200 + s as u64);
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (100 000 samples)")]
#[test]
fn sampling_with_f32_policy_and_rare_action() {
    let mut policy = Softmax::<f32, 1, 2>::tabular();
    // π(1) = σ(-4) ≈ 0.018.
    policy.set_params(&[0.0, -4.0]).unwrap();
    let n = 100_000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let ones = (0..n)
        .filter(|_| policy.sample(0, &mut rng).unwrap() == 1)
        .count();
    let p = 1.0 / (1.0 + 4.0_f64.exp());
    let se = (p * (1.0 - p) / n as f64).sqrt();
    let freq = ones as f64 / n as f64;
    assert!((freq - p).abs() <= 4.0 * se, "{freq} vs {p}");
}

#[test]
fn sampling_is_reproducible_from_the_seed() {
    let mut policy = Softmax::<f64, 1, 5>::tabular();
    policy.set_params(&[0.1, 0.2, 0.3, 0.4, 0.5]).unwrap();
    let draw = |seed| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..64)
            .map(|_| policy.sample(0, &mut rng).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(draw(5), draw(5));
    assert_ne!(draw(5), draw(6));
}

#[test]
fn torch_layout_meaning_with_bias() {
    // torch nn.Linear(S, A): weight W[a][s] row-major (A * S), then bias b[a].
    const S: usize = 3;
    const A: usize = 2;
    let torch: Vec<f64> = (0..(S + 1) * A).map(|i| (i * i) as f64 + 0.5).collect();
    let w = |a: usize, s: usize| torch[a * S + s];
    let b = |a: usize| torch[A * S + a];
    let mut policy = Softmax::<f64, S, A, { S + 1 }, OneHotBias>::tabular_with_bias();
    policy.set_params_from_torch(&torch).unwrap();
    for s in 0..S {
        let mut z = [0.0; A];
        policy.logits(s, &mut z).unwrap();
        for (a, &za) in z.iter().enumerate() {
            assert_eq!(za, w(a, s) + b(a), "logit of ({s}, {a})");
            // Our layout: θ[s][a] = W[a][s], θ[S][a] = b[a].
            assert_eq!(policy.theta()[s][a], w(a, s));
            assert_eq!(policy.params()[s * A + a], w(a, s));
        }
    }
    for a in 0..A {
        assert_eq!(policy.theta()[S][a], b(a));
    }
    let mut out = vec![0.0; (S + 1) * A];
    policy.params_to_torch(&mut out).unwrap();
    assert_eq!(out, torch);
    assert_eq!(policy.torch_len(), (S + 1) * A);
}

#[test]
fn torch_layout_meaning_without_bias() {
    const S: usize = 3;
    const A: usize = 4;
    let torch: Vec<f64> = (0..S * A).map(|i| i as f64).collect();
    let mut policy = Softmax::<f64, S, A>::tabular();
    policy.set_params_from_torch(&torch).unwrap();
    for s in 0..S {
        let mut z = [0.0; A];
        policy.logits(s, &mut z).unwrap();
        for a in 0..A {
            assert_eq!(z[a], torch[a * S + s], "logit of ({s}, {a})");
        }
    }
    let mut flat = vec![0.0; S * A];
    Softmax::<f64, S, A>::from_torch_layout(&torch, &mut flat).unwrap();
    assert_eq!(flat, policy.params());
    // Not the identity: the layouts genuinely differ.
    assert_ne!(flat, torch);
}
