//! The probe driver: reproducible directions, sharding and merging,
//! zeroth-order gradient estimates on the paper's gridworld, interpolation,
//! and errors (never panics) on bad input.

use policy_landscape::paper::{self, Policy};
use policy_landscape::probe::{
    self, Accumulator, ExactObjective, ExactParts, Objective, PairErrors, Thresholds,
    direction_into, from_fn, interpolate, interpolate_exact,
};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::random::{direction_rng, standard_normal};
use policy_landscape::stats::{Estimate, Moments};
use policy_landscape::{Error, ExactWorkspace};
use proptest::prelude::*;

const N_PARAMS: usize = 27 * 4;

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn random_vec(seed: u64, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n).map(|_| lo + (hi - lo) * uniform(&mut rng)).collect()
}

/// Data of `O(θ) = a·θ + ½ Σ λ_i θ_i² + Σ κ_i θ_i³` (a cubic term so the
/// probe statistics are not trivially symmetric).
#[derive(Clone, Debug)]
struct Poly {
    a: Vec<f64>,
    lambda: Vec<f64>,
    kappa: Vec<f64>,
}

impl Poly {
    fn new(n: usize, seed: u64) -> Self {
        Self {
            a: random_vec(seed, n, -1.0, 1.0),
            lambda: random_vec(seed + 1, n, -2.0, 1.0),
            kappa: random_vec(seed + 2, n, -0.5, 0.5),
        }
    }

    fn value(&self, t: &[f64]) -> f64 {
        t.iter()
            .zip(&self.a)
            .zip(self.lambda.iter().zip(&self.kappa))
            .map(|((x, a), (l, k))| a * x + 0.5 * l * x * x + k * x * x * x)
            .sum()
    }
}

/// Runs consecutive ranges of `seed` on a fresh objective built from `poly` (so it can
/// run on any thread).
fn shard(poly: Poly, theta0: Vec<f64>, alpha: f64, seed: u64, cuts: &[u64]) -> Accumulator<f64> {
    let mut o = from_fn(move |t: &[f64]| Ok(poly.value(t)));
    let mut acc = probe::start(&mut o, &theta0, alpha, Thresholds::default()).unwrap();
    let mut scratch = vec![0.0; 2 * theta0.len()];
    // Consecutive ranges cuts[0]..cuts[1], cuts[1]..cuts[2], ...
    for w in cuts.windows(2) {
        probe::probe(&mut o, &theta0, seed, w[0]..w[1], &mut scratch, &mut acc).unwrap();
    }
    acc
}

/// A copy of a `Moments` whether the accessor returns it by reference or by
/// value.
fn own(m: &Moments<f64>) -> Moments<f64> {
    *m
}

#[track_caller]
fn assert_rel(what: &str, got: f64, want: f64, rel: f64, floor: f64) {
    let tol = rel * want.abs().max(floor);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, want {want:e} (|diff| {:e} > {tol:e})",
        (got - want).abs()
    );
}

#[cfg_attr(miri, ignore = "too slow under Miri (1000-direction probes, six ways)")]
#[test]
fn consecutive_ranges_equal_one_range_bit_for_bit() {
    let poly = Poly::new(30, 1);
    let theta0 = random_vec(4, 30, -0.5, 0.5);
    let whole = shard(poly.clone(), theta0.clone(), 0.1, 9, &[0, 1000]);
    for cuts in [
        vec![0, 0, 1000],
        vec![0, 1, 1000],
        vec![0, 417, 1000],
        vec![0, 5, 6, 700, 1000],
        vec![0, 1000, 1000],
    ] {
        let parts = shard(poly.clone(), theta0.clone(), 0.1, 9, &cuts);
        assert_eq!(parts, whole, "{cuts:?}");
    }
    assert_eq!(whole.count(), 1000);
    // A different seed is a different probe.
    assert_ne!(shard(poly, theta0, 0.1, 10, &[0, 1000]), whole);
}

#[cfg_attr(miri, ignore = "too slow under Miri (3000-direction probes)")]
#[test]
fn two_threads_merged_equal_one_range() {
    let n = 40;
    let poly = Poly::new(n, 2);
    let theta0 = random_vec(5, n, -0.5, 0.5);
    let (alpha, seed, total, k) = (0.05, 123, 3000, 1234);
    let whole = shard(poly.clone(), theta0.clone(), alpha, seed, &[0, total]);
    let spawn = |from: u64, to: u64| {
        let (p, t) = (poly.clone(), theta0.clone());
        std::thread::spawn(move || shard(p, t, alpha, seed, &[from, to]))
    };
    let (h1, h2) = (spawn(0, k), spawn(k, total));
    let (a, b) = (h1.join().unwrap(), h2.join().unwrap());
    assert_eq!((a.count(), b.count()), (k, total - k));
    for (first, second) in [(&a, &b), (&b, &a)] {
        let mut merged = first.clone();
        merged.merge(second).unwrap();
        assert_eq!(merged.count(), total);
        assert_eq!(merged.cases(), whole.cases());
        assert_eq!(merged.curvature_histogram(), whole.curvature_histogram());
        assert_eq!(merged.curvature_histogram().count(), total);
        assert_eq!(
            (merged.alpha(), merged.dim(), merged.base()),
            (alpha, n, whole.base())
        );
        for (name, m, w) in [
            ("gradient", own(merged.gradient()), own(whole.gradient())),
            ("curvature", own(merged.curvature()), own(whole.curvature())),
            (
                "plot_x",
                own(&merged.plot_x().unwrap()),
                own(&whole.plot_x().unwrap()),
            ),
            (
                "plot_y",
                own(&merged.plot_y().unwrap()),
                own(&whole.plot_y().unwrap()),
            ),
        ] {
            assert_eq!(m.count(), w.count(), "{name}");
            assert_eq!(m.min(), w.min(), "{name}");
            assert_eq!(m.max(), w.max(), "{name}");
            let scale = w.max().unwrap().abs().max(w.min().unwrap().abs());
            assert_rel(name, m.mean().unwrap(), w.mean().unwrap(), 1e-12, scale);
            assert_rel(
                name,
                m.variance().unwrap(),
                w.variance().unwrap(),
                1e-12,
                0.0,
            );
        }
        let (g, gw) = (
            merged.gradient_norm_sq().unwrap(),
            whole.gradient_norm_sq().unwrap(),
        );
        assert_rel("‖∇O‖²", g.value, gw.value, 1e-12, 0.0);
        assert_rel("SE ‖∇O‖²", g.std_error, gw.std_error, 1e-10, 0.0);
        let (h, hw) = (
            merged.hessian_trace().unwrap(),
            whole.hessian_trace().unwrap(),
        );
        assert_rel("tr H", h.value, hw.value, 1e-12, hw.std_error);
        assert_rel("SE tr H", h.std_error, hw.std_error, 1e-10, 0.0);
        // P² quantiles merge approximately: within a tenth of a spread.
        let sd = whole.gradient().std_dev().unwrap();
        for p in [0.1, 0.5, 0.9] {
            let (q, qw) = (
                merged.gradient_quantile(p).unwrap(),
                whole.gradient_quantile(p).unwrap(),
            );
            assert!((q - qw).abs() < 0.1 * sd, "q{p}: {q} vs {qw}");
        }
        assert_eq!(merged.verdict(), whole.verdict());
    }
}

/// The SplitMix64 output function, as documented for `direction_rng`.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn directions_follow_the_documented_construction() {
    for (seed, index) in [
        (0_u64, 0_u64),
        (42, 7),
        (u64::MAX, u64::MAX),
        (2019, 1 << 40),
    ] {
        // The generator of (seed, index) is xoshiro256++ seeded with
        // mix(mix(seed) + index).
        let mut got = direction_rng(seed, index);
        let mut want = Xoshiro256PlusPlus::seed_from_u64(mix64(mix64(seed).wrapping_add(index)));
        for _ in 0..8 {
            assert_eq!(got.next_u64(), want.next_u64());
        }
        // The direction is that stream's normals, in order, normalised.
        for n in [1_usize, 2, 7, 108] {
            let mut rng = direction_rng(seed, index);
            let z: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
            let norm = z.iter().map(|x| x * x).sum::<f64>().sqrt();
            let mut d = vec![0.0; n];
            direction_into(seed, index, &mut d).unwrap();
            for (di, zi) in d.iter().zip(&z) {
                assert!((di - zi / norm).abs() <= 1e-15, "{di} vs {}", zi / norm);
            }
        }
    }
}

#[test]
fn same_seed_and_index_give_the_same_direction_on_any_thread() {
    let keys: Vec<(u64, u64, usize)> = (0..40)
        .map(|k| (k * 7919, k * k, 1 + (k as usize * 37) % 250))
        .collect();
    let compute = |keys: &[(u64, u64, usize)]| -> Vec<Vec<u64>> {
        keys.iter()
            .map(|&(s, i, n)| {
                let mut d = vec![0.0_f64; n];
                direction_into(s, i, &mut d).unwrap();
                d.iter().map(|x| x.to_bits()).collect()
            })
            .collect()
    };
    let here = compute(&keys);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            // Each thread computes the keys in a different order.
            let mut mine = keys.clone();
            mine.rotate_left(t * 10);
            std::thread::spawn(move || (t, compute(&mine)))
        })
        .collect();
    for h in handles {
        let (t, mut there) = h.join().unwrap();
        there.rotate_right(t * 10);
        assert_eq!(there, here, "thread {t}");
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (4000 directions)")]
#[test]
fn directions_are_uniform_on_the_sphere_in_low_moments() {
    // E[d_j] = 0, E[d_j²] = 1/n, E[d_j⁴] = 3/(n(n+2)), E[d_1 d_2] = 0.
    let n = 5;
    let count = 4000;
    let mut d = vec![0.0_f64; n];
    let (mut s1, mut s2, mut s4, mut s12) = (0.0, 0.0, 0.0, 0.0);
    let (mut q1, mut q2, mut q4, mut q12) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..count {
        direction_into(8, i, &mut d).unwrap();
        let (x, y) = (d[0], d[1]);
        for (s, q, v) in [
            (&mut s1, &mut q1, x),
            (&mut s2, &mut q2, x * x),
            (&mut s4, &mut q4, x.powi(4)),
            (&mut s12, &mut q12, x * y),
        ] {
            *s += v;
            *q += v * v;
        }
    }
    let nn = count as f64;
    let nf = n as f64;
    for (name, s, q, want) in [
        ("E[d]", s1, q1, 0.0),
        ("E[d²]", s2, q2, 1.0 / nf),
        ("E[d⁴]", s4, q4, 3.0 / (nf * (nf + 2.0))),
        ("E[d1 d2]", s12, q12, 0.0),
    ] {
        let mean = s / nn;
        let se = ((q / nn - mean * mean) / nn).sqrt();
        assert!(
            (mean - want).abs() < 4.0 * se,
            "{name}: {mean} vs {want} (SE {se})"
        );
    }
}

/// A statistic of a direction.
type Statistic = dyn Fn(&[f64]) -> f64;

/// Kolmogorov–Smirnov distance between a sample and the uniform law on
/// `[0, 1]`.
fn ks_uniform(mut u: Vec<f64>) -> f64 {
    u.sort_by(f64::total_cmp);
    let n = u.len() as f64;
    u.iter()
        .enumerate()
        .map(|(i, &x)| (x - i as f64 / n).max((i + 1) as f64 / n - x))
        .fold(0.0, f64::max)
}

/// Exact laws of low-dimensional uniform directions, by KS tests (1 %
/// critical value 1.63/√N): in 2-D the angle is uniform; in 3-D each
/// coordinate is uniform on [−1, 1] (Archimedes); in 4-D `d_1² + d_2²` is
/// uniform on [0, 1]; in 1-D the sign is a fair coin.
#[cfg_attr(miri, ignore = "too slow under Miri (20 000 directions per law)")]
#[test]
fn low_dimensional_directions_have_their_exact_laws() {
    let count = 20_000_u64;
    let critical = 1.63 / (count as f64).sqrt();
    let sample = |n: usize, f: &Statistic| -> Vec<f64> {
        let mut d = vec![0.0; n];
        (0..count)
            .map(|i| {
                direction_into(77, i, &mut d).unwrap();
                f(&d)
            })
            .collect()
    };
    let laws: [(&str, usize, &Statistic); 4] = [
        ("2-D angle", 2, &|d| {
            (d[1].atan2(d[0]) + std::f64::consts::PI) / std::f64::consts::TAU
        }),
        ("3-D first coordinate", 3, &|d| 0.5 * (d[0] + 1.0)),
        ("3-D third coordinate", 3, &|d| 0.5 * (d[2] + 1.0)),
        ("4-D d1² + d2²", 4, &|d| d[0] * d[0] + d[1] * d[1]),
    ];
    for (name, n, f) in laws {
        let ks = ks_uniform(sample(n, f));
        assert!(ks < critical, "{name}: KS {ks} ≥ {critical}");
    }
    let plus = sample(1, &|d| d[0]).iter().filter(|&&x| x > 0.0).count() as f64;
    // Binomial(20000, 1/2): sd 70.7.
    assert!(
        (plus - 10_000.0).abs() < 4.0 * 70.7,
        "{plus} of 20000 are +1"
    );
}

proptest! {
    #[cfg_attr(miri, ignore = "too slow under Miri (256 proptest cases of up to 300 dims)")]
    #[test]
    fn directions_have_unit_norm(n in 1_usize..300, seed: u64, index: u64) {
        let mut d = vec![0.0_f64; n];
        direction_into(seed, index, &mut d).unwrap();
        let norm = d.iter().map(|x| x * x).sum::<f64>().sqrt();
        prop_assert!((norm - 1.0).abs() < 1e-14, "‖d‖ = {}", norm);
        prop_assert!(d.iter().all(|x| x.is_finite()));
        let mut f = vec![0.0_f32; n];
        direction_into(seed, index, &mut f).unwrap();
        let norm = f.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
        prop_assert!((norm - 1.0).abs() < 1e-5, "f32 ‖d‖ = {}", norm);
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (256 proptest cases of up to 300 dims)")]
    #[test]
    fn different_indices_or_seeds_give_different_directions(
        n in 2_usize..300, seed: u64, i: u64, j: u64,
    ) {
        prop_assume!(i != j);
        let mut a = vec![0.0; n];
        let mut b = vec![0.0; n];
        direction_into(seed, i, &mut a).unwrap();
        direction_into(seed, j, &mut b).unwrap();
        prop_assert_ne!(&a, &b);
        let cos: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        prop_assert!(cos.abs() < 1.0 - 1e-9, "cos {}", cos);
        direction_into(seed.wrapping_add(1), i, &mut b).unwrap();
        prop_assert_ne!(&a, &b);
    }
}

/// Records every value the driver asks for: `[O(θ0), O(θ0 + αd_0),
/// O(θ0 − αd_0), ...]`.
struct Recording<O> {
    inner: O,
    values: Vec<f64>,
}

impl<O: Objective<f64>> Objective<f64> for Recording<O> {
    fn evaluate(&mut self, theta: &[f64]) -> policy_landscape::Result<Estimate<f64>> {
        let e = self.inner.evaluate(theta)?;
        self.values.push(e.value);
        Ok(e)
    }
}

fn torch_init(seed: u64) -> Policy {
    let mut policy = Policy::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    policy
}

/// On the paper's gridworld (108 parameters), the zeroth-order estimate of
/// `‖∇J‖²` agrees with the exact one (eq. 3) within 3 standard errors, and
/// `n · mean((∇J·d) d)` points along the exact gradient.
#[cfg_attr(
    miri,
    ignore = "too slow under Miri (3000 exact directions on the gridworld)"
)]
#[test]
fn gridworld_zeroth_order_gradient_matches_exact_gradient() {
    let mdp = paper::mdp::<f64>();
    let mut ws = ExactWorkspace::new();
    for (init_seed, tau, count) in [(3_u64, 0.0, 2000_u64), (8, 0.1, 1000)] {
        let policy = torch_init(init_seed);
        let theta0 = policy.params().to_vec();
        let mut grad = vec![0.0; N_PARAMS];
        ws.evaluate(&mdp, &policy, tau)
            .unwrap()
            .gradient_into(&mut grad)
            .unwrap();
        let grad_sq: f64 = grad.iter().map(|g| g * g).sum();
        assert!(grad_sq > 0.0);

        let alpha = 1e-4;
        let seed = 31;
        let mut o = Recording {
            inner: ExactObjective::new(&mdp, policy, &mut ws, tau).unwrap(),
            values: Vec::new(),
        };
        let mut acc = probe::start(&mut o, &theta0, alpha, Thresholds::default()).unwrap();
        let mut scratch = vec![0.0; 2 * N_PARAMS];
        probe::probe(&mut o, &theta0, seed, 0..count, &mut scratch, &mut acc).unwrap();
        assert_eq!(o.values.len() as u64, 1 + 2 * count);

        let est = acc.gradient_norm_sq().unwrap();
        assert!(
            (est.value - grad_sq).abs() <= 3.0 * est.std_error,
            "τ = {tau}: ‖∇J‖² ≈ {est:?}, exact {grad_sq}"
        );
        // The standard error is about √(2/N) of the value.
        assert_rel(
            "SE",
            est.std_error,
            grad_sq * (2.0 / count as f64).sqrt(),
            0.25,
            0.0,
        );

        let base = o.values[0];
        let nf = N_PARAMS as f64;
        let mut recovered = vec![0.0; N_PARAMS];
        let mut d = vec![0.0; N_PARAMS];
        let mut sum_g = 0.0;
        for i in 0..count {
            let k = 1 + 2 * i as usize;
            let g = ((o.values[k] - base) - (o.values[k + 1] - base)) / (2.0 * alpha);
            sum_g += g;
            // Eq. 1 at α = 1e-4: each projection is ∇J·d to ~1e-7.
            direction_into(seed, i, &mut d).unwrap();
            let exact: f64 = grad.iter().zip(&d).map(|(a, b)| a * b).sum();
            assert_rel("∇J·d", g, exact, 1e-5, grad_sq.sqrt());
            for (r, di) in recovered.iter_mut().zip(&d) {
                *r += nf * g * di / count as f64;
            }
        }
        assert_rel(
            "mean projection",
            acc.gradient().mean().unwrap(),
            sum_g / count as f64,
            1e-12,
            1e-300,
        );
        let dot: f64 = recovered.iter().zip(&grad).map(|(a, b)| a * b).sum();
        let rec_sq: f64 = recovered.iter().map(|x| x * x).sum();
        let cos = dot / (rec_sq * grad_sq).sqrt();
        eprintln!(
            "gridworld τ = {tau}, N = {count}: ‖∇J‖² = {grad_sq:.6e}, estimate {:.6e} ± {:.2e} \
             ({:+.2} SE), cosine {cos:.4}",
            est.value,
            est.std_error,
            (est.value - grad_sq) / est.std_error
        );
        // The relative error is about √(n/N): cos ≈ 0.97 at N = 2000, 0.95 at 1000.
        let floor = if count >= 2000 { 0.95 } else { 0.9 };
        assert!(cos > floor, "τ = {tau}, N = {count}: cosine {cos}");
    }
}

#[test]
fn interpolate_on_a_quadratic_is_the_closed_form() {
    // O(θ) = c + a·θ + ½ θᵀ diag(λ) θ along θ(s) = (1 − s)θ0 + sθ1:
    // O(θ0) + s ∇O(θ0)·Δ + ½ s² Δᵀ diag(λ) Δ with Δ = θ1 − θ0.
    let n = 12;
    let a = random_vec(1, n, -1.0, 1.0);
    let lambda = random_vec(2, n, -2.0, 2.0);
    let c = 0.7;
    let value = |t: &[f64]| {
        c + t
            .iter()
            .zip(a.iter().zip(&lambda))
            .map(|(x, (a, l))| a * x + 0.5 * l * x * x)
            .sum::<f64>()
    };
    let theta0 = random_vec(3, n, -1.0, 1.0);
    let theta1 = random_vec(4, n, -1.0, 1.0);
    let delta: Vec<f64> = theta1.iter().zip(&theta0).map(|(x, y)| x - y).collect();
    let o0 = value(&theta0);
    let slope: f64 = (0..n)
        .map(|i| (a[i] + lambda[i] * theta0[i]) * delta[i])
        .sum();
    let curv: f64 = (0..n).map(|i| lambda[i] * delta[i] * delta[i]).sum();
    let mut o = from_fn(|t: &[f64]| Ok(value(t)));
    let zero = Estimate {
        value: 0.0,
        std_error: 1.0,
    };
    for (a0, a1, points) in [
        (0.0, 1.0, 11),
        (-0.5, 1.5, 21),
        (2.0, -1.0, 4),
        (0.3, 0.9, 1),
    ] {
        let mut out = vec![(f64::NAN, zero); points];
        let mut scratch = vec![0.0; n];
        interpolate(&mut o, &theta0, &theta1, a0, a1, &mut scratch, &mut out).unwrap();
        for (k, &(s, e)) in out.iter().enumerate() {
            let want_s = if points == 1 {
                a0
            } else {
                a0 + (a1 - a0) * k as f64 / (points - 1) as f64
            };
            assert_rel("abscissa", s, want_s, 1e-15, 1.0);
            let want = o0 + s * slope + 0.5 * s * s * curv;
            assert_rel(&format!("O at {s}"), e.value, want, 1e-12, 1.0);
            assert_eq!(e.std_error, 0.0);
        }
        assert_eq!(out[0].0, a0);
        if points > 1 {
            assert_eq!(out[points - 1].0, a1);
        }
    }
}

#[cfg_attr(miri, ignore = "minutes under Miri (dozens of exact evaluations)")]
#[test]
fn interpolate_exact_matches_exact_evaluations() {
    let mdp = paper::mdp::<f64>();
    let tau = 0.05;
    let p0 = torch_init(1);
    let mut p1 = torch_init(2);
    for x in p1.params_mut() {
        *x *= 8.0;
    }
    let exact = |p: &Policy| {
        let mut ws = ExactWorkspace::new();
        let e = ws.evaluate(&mdp, p, tau).unwrap();
        ExactParts {
            j_true: e.j_true(),
            j_tau: e.j_tau(),
            j_entropy: e.j_entropy(),
        }
    };
    let (theta0, theta1) = (p0.params().to_vec(), p1.params().to_vec());
    let mut ws = ExactWorkspace::new();
    let mut o = ExactObjective::new(&mdp, Policy::tabular_with_bias(), &mut ws, tau).unwrap();
    let nan = ExactParts {
        j_true: f64::NAN,
        j_tau: f64::NAN,
        j_entropy: f64::NAN,
    };
    let mut out = [(f64::NAN, nan); 9];
    let mut scratch = vec![0.0; N_PARAMS];
    interpolate_exact(&mut o, &theta0, &theta1, 0.0, 1.0, &mut scratch, &mut out).unwrap();
    assert_eq!(out[0], (0.0, exact(&p0)));
    assert_eq!(out[8], (1.0, exact(&p1)));
    let mut p = Policy::tabular_with_bias();
    for &(s, parts) in &out {
        let theta: Vec<f64> = theta0
            .iter()
            .zip(&theta1)
            .map(|(x, y)| (1.0 - s) * x + s * y)
            .collect();
        p.set_params(&theta).unwrap();
        let want = exact(&p);
        assert_rel("j_true", parts.j_true, want.j_true, 1e-12, 0.0);
        assert_rel("j_tau", parts.j_tau, want.j_tau, 1e-12, 0.0);
        assert_rel("j_entropy", parts.j_entropy, want.j_entropy, 1e-12, 0.0);
        assert_rel(
            "J_τ = J + τ J_H",
            parts.j_tau,
            parts.j_true + tau * parts.j_entropy,
            1e-12,
            0.0,
        );
        assert!(parts.j_entropy > 0.0);
    }
    // The objective's plain evaluation along the same line is J_τ.
    let mut plain = [(
        0.0,
        Estimate {
            value: f64::NAN,
            std_error: f64::NAN,
        },
    ); 9];
    interpolate(&mut o, &theta0, &theta1, 0.0, 1.0, &mut scratch, &mut plain).unwrap();
    for (e, (s, parts)) in plain.iter().zip(&out) {
        assert_eq!(e.0, *s);
        assert_rel("J_τ", e.1.value, parts.j_tau, 1e-14, 0.0);
        assert_eq!(e.1.std_error, 0.0);
    }
}

#[test]
fn interpolation_rejects_bad_input() {
    let mut o = from_fn(|t: &[f64]| Ok(t.iter().sum::<f64>()));
    let e = Estimate {
        value: 0.0,
        std_error: 0.0,
    };
    let mut out = [(0.0, e); 3];
    let t = [1.0, 2.0];
    let mut s2 = [0.0; 2];
    let err = |r: policy_landscape::Result<()>| r.unwrap_err();
    assert_eq!(
        err(interpolate(&mut o, &[], &[], 0.0, 1.0, &mut [], &mut out)),
        Error::LengthMismatch {
            what: "theta0",
            expected: 1,
            found: 0
        }
    );
    assert_eq!(
        err(interpolate(&mut o, &t, &[1.0], 0.0, 1.0, &mut s2, &mut out)),
        Error::LengthMismatch {
            what: "theta1",
            expected: 2,
            found: 1
        }
    );
    assert_eq!(
        err(interpolate(
            &mut o,
            &t,
            &t,
            0.0,
            1.0,
            &mut [0.0; 3],
            &mut out
        )),
        Error::LengthMismatch {
            what: "scratch",
            expected: 2,
            found: 3
        }
    );
    assert_eq!(
        err(interpolate(
            &mut o,
            &[f64::NAN, 0.0],
            &t,
            0.0,
            1.0,
            &mut s2,
            &mut out
        )),
        Error::NonFinite {
            what: "theta0",
            index: 0
        }
    );
    assert_eq!(
        err(interpolate(
            &mut o,
            &t,
            &[0.0, f64::INFINITY],
            0.0,
            1.0,
            &mut s2,
            &mut out
        )),
        Error::NonFinite {
            what: "theta1",
            index: 1
        }
    );
    assert_eq!(
        err(interpolate(
            &mut o,
            &t,
            &t,
            0.0,
            f64::NAN,
            &mut s2,
            &mut out
        )),
        Error::InvalidParameter {
            what: "interpolation range",
            rule: "be finite"
        }
    );
    assert_eq!(
        err(interpolate(&mut o, &t, &t, 0.0, 1.0, &mut s2, &mut [])),
        Error::LengthMismatch {
            what: "interpolation points",
            expected: 1,
            found: 0
        }
    );
    // Nothing was written on error.
    assert!(out.iter().all(|&(a, e)| a == 0.0 && e.value == 0.0));
}

fn quad_objective() -> impl Objective<f64> {
    from_fn(|t: &[f64]| {
        Ok(t.iter()
            .enumerate()
            .map(|(i, x)| (i as f64 - 1.5) * x * x + x)
            .sum::<f64>())
    })
}

#[test]
fn bad_input_returns_errors_and_leaves_the_accumulator_unchanged() {
    let theta0 = [0.1, -0.2, 0.3, 0.0];
    let mut o = quad_objective();
    let mut acc = probe::start(&mut o, &theta0, 0.1, Thresholds::default()).unwrap();
    let mut scratch = [0.0; 8];
    probe::probe(&mut o, &theta0, 1, 0..50, &mut scratch, &mut acc).unwrap();
    let before = acc.clone();

    // NaN and infinite differences.
    assert_eq!(
        acc.push(f64::NAN, 0.0),
        Err(Error::NonFinite {
            what: "probe difference",
            index: 0
        })
    );
    assert_eq!(
        acc.push(0.0, f64::NEG_INFINITY),
        Err(Error::NonFinite {
            what: "probe difference",
            index: 1
        })
    );
    // Finite differences whose projections overflow.
    assert_eq!(
        acc.push(f64::MAX, -f64::MAX),
        Err(Error::NumericalOverflow {
            what: "probe projection"
        })
    );
    assert_eq!(acc, before);

    // Standard errors: negative or NaN.
    let pe = |base, plus, minus| PairErrors { base, plus, minus };
    assert_eq!(
        acc.push_with_errors(0.1, 0.1, pe(-1e-3, 0.0, 0.0)),
        Err(Error::InvalidParameter {
            what: "standard error",
            rule: "be finite and non-negative"
        })
    );
    assert_eq!(
        acc.push_with_errors(0.1, 0.1, pe(0.0, 0.0, -0.5)),
        Err(Error::InvalidParameter {
            what: "standard error",
            rule: "be finite and non-negative"
        })
    );
    assert_eq!(
        acc.push_with_errors(0.1, 0.1, pe(0.0, f64::NAN, 0.0)),
        Err(Error::NonFinite {
            what: "standard error",
            index: 1
        })
    );
    assert_eq!(
        acc.push_with_errors(0.1, 0.1, pe(0.0, 0.0, f64::INFINITY)),
        Err(Error::NonFinite {
            what: "standard error",
            index: 2
        })
    );
    assert_eq!(
        acc.push_with_errors(f64::NAN, 0.1, pe(0.0, 0.1, 0.1)),
        Err(Error::NonFinite {
            what: "probe difference",
            index: 0
        })
    );
    assert_eq!(acc, before);

    // The driver: θ0 of the wrong length, scratch of the wrong length, NaN θ0.
    assert_eq!(
        probe::probe(&mut o, &theta0[..3], 1, 50..60, &mut scratch, &mut acc),
        Err(Error::LengthMismatch {
            what: "theta",
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        probe::probe(&mut o, &theta0, 1, 50..60, &mut scratch[..7], &mut acc),
        Err(Error::LengthMismatch {
            what: "scratch",
            expected: 8,
            found: 7
        })
    );
    assert_eq!(
        probe::probe(&mut o, &theta0, 1, 50..60, &mut [0.0; 4], &mut acc),
        Err(Error::LengthMismatch {
            what: "scratch",
            expected: 8,
            found: 4
        })
    );
    assert_eq!(
        probe::probe(
            &mut o,
            &[0.0, f64::NAN, 0.0, 0.0],
            1,
            50..60,
            &mut scratch,
            &mut acc
        ),
        Err(Error::NonFinite {
            what: "theta",
            index: 1
        })
    );
    assert_eq!(acc, before);
    // An empty range is a no-op.
    probe::probe(&mut o, &theta0, 1, 60..60, &mut scratch, &mut acc).unwrap();
    assert_eq!(acc, before);
}

#[test]
fn constructors_reject_bad_parameters() {
    let mut o = quad_objective();
    let t = [0.0, 1.0];
    let th = Thresholds::default();
    for alpha in [0.0, -0.1, f64::NAN, f64::INFINITY, -0.0] {
        assert_eq!(
            Accumulator::new(alpha, 2, 0.0).unwrap_err(),
            Error::InvalidParameter {
                what: "alpha",
                rule: "be positive, with alpha squared a normal number"
            },
            "α = {alpha}"
        );
        assert_eq!(
            probe::start(&mut o, &t, alpha, th).unwrap_err(),
            Error::InvalidParameter {
                what: "alpha",
                rule: "be positive, with alpha squared a normal number"
            },
            "α = {alpha}"
        );
    }
    let empty = Error::LengthMismatch {
        what: "theta",
        expected: 1,
        found: 0,
    };
    assert_eq!(probe::start(&mut o, &[], 0.1, th).unwrap_err(), empty);
    assert_eq!(Accumulator::new(0.1, 0, 0.0).unwrap_err(), empty);
    assert_eq!(
        probe::start(&mut o, &[f64::NAN, 0.0], 0.1, th).unwrap_err(),
        Error::NonFinite {
            what: "theta",
            index: 0
        }
    );
    assert_eq!(
        Accumulator::new(0.1, 2, f64::NAN).unwrap_err(),
        Error::NonFinite {
            what: "base value",
            index: 0
        }
    );
    for bad in [
        Thresholds {
            k_sigma: -1.0,
            ..th
        },
        Thresholds {
            k_sigma: f64::NAN,
            ..th
        },
        Thresholds {
            rel_floor: -1e-9,
            ..th
        },
        Thresholds {
            rel_floor: f64::INFINITY,
            ..th
        },
    ] {
        assert_eq!(
            probe::start(&mut o, &t, 0.1, bad).unwrap_err(),
            Error::InvalidParameter {
                what: "probe thresholds",
                rule: "be finite and non-negative"
            }
        );
    }
    // An objective that is not finite at θ0.
    let mut inf = from_fn(|_: &[f64]| Ok(f64::INFINITY));
    assert_eq!(
        probe::start(&mut inf, &t, 0.1, th).unwrap_err(),
        Error::NonFinite {
            what: "base value",
            index: 0
        }
    );
}

#[test]
fn objective_errors_propagate_and_keep_earlier_directions() {
    let theta0 = [0.2, 0.4, -0.1];
    let calls = std::cell::Cell::new(0_u32);
    // Fails on its 12th evaluation: θ0, then 5 full directions (10 calls),
    // then the "+" side of direction 5.
    let mut o = from_fn(|t: &[f64]| {
        calls.set(calls.get() + 1);
        if calls.get() == 12 {
            Err(Error::NumericalOverflow { what: "test" })
        } else {
            Ok(t.iter().map(|x| x * x).sum::<f64>())
        }
    });
    let mut acc = probe::start(&mut o, &theta0, 0.1, Thresholds::default()).unwrap();
    let mut reference = acc.clone();
    let mut scratch = [0.0; 6];
    assert_eq!(
        probe::probe(&mut o, &theta0, 5, 0..20, &mut scratch, &mut acc),
        Err(Error::NumericalOverflow { what: "test" })
    );
    assert_eq!(acc.count(), 5);
    probe::probe(&mut o, &theta0, 5, 0..5, &mut scratch, &mut reference).unwrap();
    assert_eq!(acc, reference);
    // An objective that is NaN on one side of θ0 (every 1-D direction is ±1,
    // so the first direction already hits it): the accumulator refuses the
    // pair and stays empty.
    let mut nan = from_fn(|t: &[f64]| Ok(if t[0] > 0.2 { f64::NAN } else { 0.0 }));
    let mut acc = probe::start(&mut nan, &[0.2], 0.1, Thresholds::default()).unwrap();
    let before = acc.clone();
    let mut d = [0.0_f64];
    direction_into(0, 0, &mut d).unwrap();
    assert!((d[0].abs() - 1.0).abs() < 1e-15);
    assert_eq!(
        probe::probe(&mut nan, &[0.2], 0, 0..10, &mut [0.0; 2], &mut acc),
        Err(Error::NonFinite {
            what: "probe difference",
            index: if d[0] > 0.0 { 0 } else { 1 },
        })
    );
    assert_eq!(acc, before);
}

#[test]
fn merge_rejects_other_probes_and_changes_nothing() {
    let mut o = quad_objective();
    let t = [0.1, 0.2, 0.3];
    let th = Thresholds::default();
    let mut scratch = [0.0; 6];
    let fill = |mut acc: Accumulator<f64>, o: &mut dyn FnMut(&mut Accumulator<f64>)| {
        o(&mut acc);
        acc
    };
    let mut probe_into = |acc: &mut Accumulator<f64>| {
        let theta = &t[..acc.dim()];
        let mut scr = vec![0.0; 2 * acc.dim()];
        probe::probe(&mut o, theta, 2, 0..30, &mut scr, acc).unwrap();
    };
    let base = probe::start(&mut quad_objective(), &t, 0.1, th).unwrap();
    let mut acc = fill(base.clone(), &mut probe_into);
    let before = acc.clone();
    let others = [
        (
            Accumulator::with_thresholds(0.2, 3, base.base(), th).unwrap(),
            "alpha",
        ),
        (
            Accumulator::with_thresholds(0.1, 2, base.base(), th).unwrap(),
            "dimension",
        ),
        (
            Accumulator::with_thresholds(0.1, 3, base.base() + 1e-15, th).unwrap(),
            "base value",
        ),
        (
            Accumulator::with_base(
                0.1,
                3,
                Estimate {
                    value: base.base(),
                    std_error: 1e-3,
                },
                th,
            )
            .unwrap(),
            "base value",
        ),
        (
            Accumulator::with_thresholds(0.1, 3, base.base(), Thresholds { k_sigma: 3.0, ..th })
                .unwrap(),
            "thresholds",
        ),
        (
            Accumulator::with_thresholds(
                0.1,
                3,
                base.base(),
                Thresholds {
                    rel_floor: 1e-6,
                    ..th
                },
            )
            .unwrap(),
            "thresholds",
        ),
    ];
    for (other, what) in others {
        let other = fill(other, &mut probe_into);
        assert_eq!(acc.merge(&other), Err(Error::IncompatibleMerge { what }));
        assert_eq!(acc, before, "{what}");
    }
    // The compatible one merges.
    let mut same = probe::start(&mut quad_objective(), &t, 0.1, th).unwrap();
    probe::probe(
        &mut quad_objective(),
        &t,
        2,
        30..40,
        &mut scratch,
        &mut same,
    )
    .unwrap();
    acc.merge(&same).unwrap();
    assert_eq!(acc.count(), 40);
}

/// A whole probe of an exact objective: its accumulator, its most-improving
/// directions, and the error that stopped it (if any), with the objective
/// handing `K` points per pass to an `ExactBatch` (`batched`) or evaluating
/// one point at a time.
fn exact_probe<const K: usize>(
    batched: bool,
    policy: &Policy,
    tau: f64,
    alpha: f64,
    directions: std::ops::Range<u64>,
) -> (String, String, Option<Error>) {
    let mdp = paper::mdp::<f64>();
    let theta0 = policy.params().to_vec();
    let mut scratch = vec![0.0; 2 * N_PARAMS];
    let mut ws = ExactWorkspace::new();
    let mut batch = policy_landscape::ExactBatch::<f64, 26, 4, K>::new();
    fn run<O: Objective<f64>>(
        o: &mut O,
        theta0: &[f64],
        alpha: f64,
        directions: std::ops::Range<u64>,
        scratch: &mut [f64],
    ) -> (String, String, Option<Error>) {
        let mut acc = probe::start(o, theta0, alpha, Thresholds::default()).unwrap();
        let mut top = probe::Improving::<f64, 5>::new(3, &acc);
        let err = probe::probe_improving(o, theta0, directions, scratch, &mut acc, &mut top).err();
        (format!("{acc:?}"), format!("{top:?}"), err)
    }
    if batched {
        let mut o =
            ExactObjective::with_batch(&mdp, policy.clone(), &mut ws, &mut batch, tau).unwrap();
        assert_eq!(o.lanes(), K);
        run(&mut o, &theta0, alpha, directions, &mut scratch)
    } else {
        let mut o = ExactObjective::new(&mdp, policy.clone(), &mut ws, tau).unwrap();
        assert_eq!(o.lanes(), 1);
        run(&mut o, &theta0, alpha, directions, &mut scratch)
    }
}

/// The batched driver (the `±` points of consecutive directions side by
/// side in the lanes of an `ExactBatch`) gives the one-point driver's
/// accumulator and most-improving directions bit for bit, for ranges that
/// do not fill the last group, and the same error at the same direction
/// (with the same directions accepted before it) when the objective fails
/// at some probe points.
#[cfg_attr(miri, ignore = "too slow under Miri (exact probes of 41 directions)")]
#[cfg_attr(miri, ignore = "too slow under Miri (batched exact probes)")]
#[test]
fn batched_exact_probe_is_bit_identical_to_one_point_at_a_time() {
    for (seed, tau, alpha) in [(3_u64, 0.0, 0.5), (4, 0.1, 2.0), (5, 0.01, 1e-3)] {
        let policy = torch_init(seed);
        let one = exact_probe::<1>(false, &policy, tau, alpha, 5..46);
        assert_eq!(one.2, None);
        assert_eq!(
            exact_probe::<4>(true, &policy, tau, alpha, 5..46),
            one,
            "K = 4"
        );
        assert_eq!(
            exact_probe::<8>(true, &policy, tau, alpha, 5..46),
            one,
            "K = 8"
        );
        assert_eq!(
            exact_probe::<3>(true, &policy, tau, alpha, 5..46),
            one,
            "K = 3"
        );
        assert_eq!(
            exact_probe::<32>(true, &policy, tau, alpha, 5..46),
            one,
            "K = 32"
        );
    }
    // An objective failing at some probe points (those far along the first
    // parameter): the probe stops at the first such direction, with the
    // directions before it accepted, whether or not the points come in
    // groups (a failed group is probed again one point at a time).
    let policy = torch_init(6);
    let one = faulty_probe::<1>(false, &policy);
    assert_eq!(one.2, Some(Error::NumericalOverflow { what: "test fault" }));
    let accepted: u64 = one.1.parse().unwrap();
    assert!(
        accepted > 0 && accepted < 64,
        "{accepted} directions before the fault"
    );
    assert_eq!(faulty_probe::<4>(true, &policy), one);
    assert_eq!(faulty_probe::<8>(true, &policy), one);
}

/// Fails (deterministically) where the first parameter lies more than
/// `0.15 α` from `θ0`'s, in `evaluate` and, through the points it writes,
/// in `evaluate_points`.
struct Faulty<O> {
    inner: O,
    theta0: f64,
    alpha: f64,
}

impl<O> Faulty<O> {
    fn check(&self, theta: &[f64]) -> Result<(), Error> {
        if (theta[0] - self.theta0).abs() > 0.15 * self.alpha {
            Err(Error::NumericalOverflow { what: "test fault" })
        } else {
            Ok(())
        }
    }
}

impl<O: Objective<f64>> Objective<f64> for Faulty<O> {
    fn evaluate(&mut self, theta: &[f64]) -> Result<Estimate<f64>, Error> {
        self.check(theta)?;
        self.inner.evaluate(theta)
    }
    fn lanes(&self) -> usize {
        self.inner.lanes()
    }
    fn evaluate_points(
        &mut self,
        scratch: &mut [f64],
        point: &mut dyn FnMut(usize, &mut [f64]) -> Result<(), Error>,
        out: &mut [Estimate<f64>],
    ) -> Result<(), Error> {
        let (theta0, alpha) = (self.theta0, self.alpha);
        let probe = Faulty {
            inner: (),
            theta0,
            alpha,
        };
        self.inner.evaluate_points(
            scratch,
            &mut |k, t| {
                point(k, t)?;
                probe.check(t)
            },
            out,
        )
    }
}

/// [`exact_probe`] of 64 directions through a [`Faulty`] objective.
fn faulty_probe<const K: usize>(batched: bool, policy: &Policy) -> (String, String, Option<Error>) {
    let mdp = paper::mdp::<f64>();
    let theta0 = policy.params().to_vec();
    let alpha = 0.5;
    let mut scratch = vec![0.0; 2 * N_PARAMS];
    let mut ws = ExactWorkspace::new();
    let mut batch = policy_landscape::ExactBatch::<f64, 26, 4, K>::new();
    fn run<O: Objective<f64>>(
        o: &mut O,
        theta0: &[f64],
        alpha: f64,
        scratch: &mut [f64],
    ) -> (Accumulator<f64>, Option<Error>) {
        let mut acc = probe::start(o, theta0, alpha, Thresholds::default()).unwrap();
        let err = probe::probe(o, theta0, 11, 0..64, scratch, &mut acc).err();
        (acc, err)
    }
    let t0 = theta0[0];
    let (acc, err) = if batched {
        let inner =
            ExactObjective::with_batch(&mdp, policy.clone(), &mut ws, &mut batch, 0.0).unwrap();
        let mut o = Faulty {
            inner,
            theta0: t0,
            alpha,
        };
        run(&mut o, &theta0, alpha, &mut scratch)
    } else {
        let inner = ExactObjective::new(&mdp, policy.clone(), &mut ws, 0.0).unwrap();
        let mut o = Faulty {
            inner,
            theta0: t0,
            alpha,
        };
        run(&mut o, &theta0, alpha, &mut scratch)
    };
    (format!("{acc:?}"), acc.count().to_string(), err)
}

/// Interpolation through an `ExactBatch` (consecutive points in lanes) gives
/// the one-point values bit for bit, `interpolate` and `interpolate_exact`
/// alike, and the same error with the same points written before it.
#[cfg_attr(miri, ignore = "too slow under Miri (batched exact probes)")]
#[test]
fn batched_interpolation_is_bit_identical_to_one_point_at_a_time() {
    let mdp = paper::mdp::<f64>();
    let p0 = torch_init(1);
    let mut p1 = torch_init(2);
    for x in p1.params_mut() {
        *x *= 8.0;
    }
    let (theta0, theta1) = (p0.params().to_vec(), p1.params().to_vec());
    let nan = ExactParts {
        j_true: f64::NAN,
        j_tau: f64::NAN,
        j_entropy: f64::NAN,
    };
    let bits = |out: &[(f64, ExactParts<f64>)]| format!("{out:?}");
    for (tau, a0, a1) in [(0.0, -1.0, 2.0), (0.1, 0.0, 1.0), (1.0, -3.0, 3.0)] {
        let mut scratch = vec![0.0; N_PARAMS];
        let mut ws = ExactWorkspace::new();
        let mut o = ExactObjective::new(&mdp, p0.clone(), &mut ws, tau).unwrap();
        let mut want = [(f64::NAN, nan); 11];
        interpolate_exact(&mut o, &theta0, &theta1, a0, a1, &mut scratch, &mut want).unwrap();
        let mut want_plain = [(
            0.0,
            Estimate {
                value: 0.0,
                std_error: 0.0,
            },
        ); 11];
        interpolate(
            &mut o,
            &theta0,
            &theta1,
            a0,
            a1,
            &mut scratch,
            &mut want_plain,
        )
        .unwrap();

        let mut ws = ExactWorkspace::new();
        let mut batch = policy_landscape::ExactBatch::<f64, 26, 4, 4>::new();
        let mut o = ExactObjective::with_batch(&mdp, p0.clone(), &mut ws, &mut batch, tau).unwrap();
        let mut got = [(f64::NAN, nan); 11];
        interpolate_exact(&mut o, &theta0, &theta1, a0, a1, &mut scratch, &mut got).unwrap();
        assert_eq!(bits(&got), bits(&want), "τ = {tau}");
        let mut got_plain = [(
            0.0,
            Estimate {
                value: 0.0,
                std_error: 0.0,
            },
        ); 11];
        interpolate(
            &mut o,
            &theta0,
            &theta1,
            a0,
            a1,
            &mut scratch,
            &mut got_plain,
        )
        .unwrap();
        assert_eq!(
            format!("{got_plain:?}"),
            format!("{want_plain:?}"),
            "τ = {tau}"
        );
    }
    // Far enough along the line that a logit (a weight plus the bias)
    // overflows from the 7th point on, in the middle of the second group of
    // four: the same error, and the same points written before it (the
    // rest untouched).
    let mut far = p1.clone();
    for x in far.params_mut() {
        *x = 8.5e307;
    }
    let theta1 = far.params().to_vec();
    let mut scratch = vec![0.0; N_PARAMS];
    let mut ws = ExactWorkspace::new();
    let mut o = ExactObjective::new(&mdp, p0.clone(), &mut ws, 0.0).unwrap();
    let mut want = [(f64::NAN, nan); 9];
    let err = interpolate_exact(&mut o, &theta0, &theta1, 0.0, 1.5, &mut scratch, &mut want);
    assert!(matches!(err, Err(Error::LogitOverflow { .. })), "{err:?}");
    assert!(!want[5].0.is_nan() && want[6].0.is_nan(), "{want:?}");
    let mut ws = ExactWorkspace::new();
    let mut batch = policy_landscape::ExactBatch::<f64, 26, 4, 4>::new();
    let mut o = ExactObjective::with_batch(&mdp, p0.clone(), &mut ws, &mut batch, 0.0).unwrap();
    let mut got = [(f64::NAN, nan); 9];
    let got_err = interpolate_exact(&mut o, &theta0, &theta1, 0.0, 1.5, &mut scratch, &mut got);
    assert_eq!(got_err, err);
    assert_eq!(bits(&got), bits(&want));
}

/// `probe_each` hands over exactly the pairs the accumulator took: the
/// objective's own differences `O(θ0 ± αd) − O(θ0)` at the directions of
/// `(seed, index)`, in index order, the same from a batched objective; and
/// the accumulator is `probe`'s, bit for bit.
#[cfg_attr(miri, ignore = "too slow under Miri (dozens of exact evaluations)")]
#[test]
fn probe_each_reports_every_accepted_pair() {
    let mdp = paper::mdp::<f64>();
    let mut policy = Policy::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    let theta0 = policy.params().to_vec();
    let (alpha, seed, tau) = (0.3, 11, 0.01);
    let mut ws = ExactWorkspace::new();
    let mut batch = policy_landscape::ExactBatch::<f64, 26, 4, 4>::new();
    let mut o = ExactObjective::with_batch(&mdp, policy.clone(), &mut ws, &mut batch, tau).unwrap();
    let mut acc = probe::start(&mut o, &theta0, alpha, Thresholds::default()).unwrap();
    let mut plain = acc.clone();
    let mut pairs = Vec::new();
    let mut scratch = vec![0.0; 2 * N_PARAMS];
    probe::probe_each(
        &mut o,
        &theta0,
        seed,
        3..10,
        &mut scratch,
        &mut acc,
        |i, p, m| pairs.push((i, p, m)),
    )
    .unwrap();
    probe::probe(&mut o, &theta0, seed, 3..10, &mut scratch, &mut plain).unwrap();
    assert_eq!(format!("{acc:?}"), format!("{plain:?}"));
    assert_eq!(
        pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
        (3..10).collect::<Vec<_>>()
    );
    let mut one = ExactWorkspace::new();
    let base = one.objective(&mdp, &policy, tau).unwrap();
    let mut d = vec![0.0; N_PARAMS];
    for &(i, plus, minus) in &pairs {
        direction_into(seed, i, &mut d).unwrap();
        for (sign, got) in [(1.0, plus), (-1.0, minus)] {
            let mut p = policy.clone();
            for (t, (t0, di)) in p.params_mut().iter_mut().zip(theta0.iter().zip(&d)) {
                *t = t0 + sign * alpha * di;
            }
            let want = one.objective(&mdp, &p, tau).unwrap() - base;
            assert_eq!(got.to_bits(), want.to_bits(), "direction {i}, sign {sign}");
        }
    }
    // An observer sees nothing of a failed call's rejected direction.
    let mut bad = from_fn(|t: &[f64]| if t[0] > 0.5 { Ok(f64::NAN) } else { Ok(t[0]) });
    let mut acc = probe::start(&mut bad, &[0.0, 0.0], 1.0, Thresholds::default()).unwrap();
    let mut seen = 0;
    let mut scratch = [0.0; 4];
    let result = probe::probe_each(
        &mut bad,
        &[0.0, 0.0],
        1,
        0..50,
        &mut scratch,
        &mut acc,
        |_, _, _| seen += 1,
    );
    assert!(result.is_err());
    assert_eq!(seen, acc.count());
}
