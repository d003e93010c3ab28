//! The probe driver on an arbitrary separable quadratic
//! `O(θ) = Σ a_i θ_i + ½ h_i θ_i²`: never a panic; on success the
//! accumulator has one entry per direction, and each direction's projections
//! are the quadratic's: the gradient projection `(D+ − D−) / 2α` is `∇O·d`
//! and the curvature `(D+ + D−) / α²` is `dᵀHd`, to within the rounding of
//! the three evaluations (bounded from their terms' magnitudes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_landscape::probe::{self, Accumulator, Thresholds, direction_into, from_fn};

const N: usize = 3;
const U: f64 = f64::EPSILON / 2.0;
/// The smallest subnormal: the absolute error of a product that underflows.
const ETA: f64 = f64::MIN_POSITIVE * f64::EPSILON;

/// `γ_k = k u / (1 − k u)`.
fn gamma(k: usize) -> f64 {
    let ku = k as f64 * U;
    ku / (1.0 - ku)
}

fn objective(a: &[f64; N], h: &[f64; N], t: &[f64]) -> f64 {
    (0..N).map(|i| a[i] * t[i] + 0.5 * h[i] * t[i] * t[i]).sum()
}

/// `Σ |a_i t_i| + ½ |h_i| t_i²`: what the rounding of `O(t)` scales with.
fn magnitude(a: &[f64; N], h: &[f64; N], t: &[f64; N]) -> f64 {
    (0..N)
        .map(|i| (a[i] * t[i]).abs() + 0.5 * (h[i] * t[i] * t[i]).abs())
        .sum()
}

fuzz_target!(|input: ([f64; N], [f64; N], [f64; N], f64, u64, u8)| {
    let (a, h, theta0, alpha, seed, k) = input;
    let mut o = from_fn(|t: &[f64]| Ok(objective(&a, &h, t)));
    let Ok(mut acc) = probe::start(&mut o, &theta0, alpha, Thresholds::default()) else {
        return;
    };
    let empty = acc.clone();
    let mut scratch = [0.0; 2 * N];
    let n = u64::from(k % 32);
    if probe::probe(&mut o, &theta0, seed, 0..n, &mut scratch, &mut acc).is_ok() {
        assert_eq!(acc.count(), n);
        assert_eq!(acc.verdict().directions, n);
    }
    // Wrong scratch is an error, never a panic.
    assert!(probe::probe(&mut o, &theta0, seed, 0..1, &mut [0.0; 5], &mut acc).is_err());

    // Each direction on its own: its projections against the closed forms.
    let o0 = objective(&a, &h, &theta0);
    let m0 = magnitude(&a, &h, &theta0);
    for i in 0..n.min(4) {
        let mut one: Accumulator<f64> = empty.clone();
        if probe::probe(&mut o, &theta0, seed, i..i + 1, &mut scratch, &mut one).is_err() {
            continue;
        }
        let mut d = [0.0; N];
        direction_into(seed, i, &mut d).expect("n > 0");
        let plus: [f64; N] = core::array::from_fn(|j| theta0[j] + alpha * d[j]);
        let minus: [f64; N] = core::array::from_fn(|j| theta0[j] - alpha * d[j]);
        let (m_plus, m_minus) = (magnitude(&a, &h, &plus), magnitude(&a, &h, &minus));
        // The closed forms and the magnitudes their rounding scales with.
        let grad: [f64; N] = core::array::from_fn(|j| a[j] + h[j] * theta0[j]);
        let g_true: f64 = (0..N).map(|j| grad[j] * d[j]).sum();
        let g_mag: f64 = (0..N)
            .map(|j| (a[j].abs() + (h[j] * theta0[j]).abs()) * d[j].abs())
            .sum();
        let c_true: f64 = (0..N).map(|j| h[j] * d[j] * d[j]).sum();
        let c_mag: f64 = (0..N).map(|j| (h[j] * d[j] * d[j]).abs()).sum();
        if ![m0, m_plus, m_minus, g_mag, c_mag, g_true, c_true]
            .iter()
            .all(|x| x.is_finite())
        {
            continue;
        }
        // Each evaluation: the point's rounding (u per coordinate, so at
        // most 2u of each term) and the sum of 3N rounded terms; and, where a
        // product underflows, an absolute ETA that later factors multiply:
        // `0.5 h` carries ETA times t², `h t` ETA times |t|, `a t` ETA. Each
        // difference D± adds one rounding of its own.
        let underflow = |t: &[f64; N]| ETA * t.iter().map(|x| x * x + x.abs() + 2.0).sum::<f64>();
        let eval = |m: f64, t: &[f64; N]| (2.0 * U + gamma(3 * N + 2)) * m + underflow(t);
        let (d_plus, d_minus) = (
            objective(&a, &h, &plus) - o0,
            objective(&a, &h, &minus) - o0,
        );
        let err_plus = eval(m_plus, &plus) + eval(m0, &theta0) + U * d_plus.abs();
        let err_minus = eval(m_minus, &minus) + eval(m0, &theta0) + U * d_minus.abs();
        let g = one.gradient().mean().expect("one direction");
        let c = one.curvature().mean().expect("one direction");
        // The projections' own division (and α² once) round too, and the
        // references are rounded sums of N products.
        let g_tol = (err_plus + err_minus) / (2.0 * alpha) * (1.0 + 4.0 * U)
            + 4.0 * U * g.abs()
            + gamma(2 * N + 2) * g_mag
            // Results and references in the subnormal range: absolute errors.
            + (2 * N + 4) as f64 * ETA;
        let c_tol = (err_plus + err_minus) / (alpha * alpha) * (1.0 + 4.0 * U)
            + 4.0 * U * c.abs()
            + gamma(2 * N + 2) * c_mag
            + (2 * N + 4) as f64 * ETA;
        if !(g_tol.is_finite() && c_tol.is_finite()) {
            continue;
        }
        assert!(
            (g - g_true).abs() <= g_tol,
            "direction {i}: gradient projection {g:e} vs ∇O·d = {g_true:e} (tol {g_tol:e})"
        );
        assert!(
            (c - c_true).abs() <= c_tol,
            "direction {i}: curvature {c:e} vs dᵀHd = {c_true:e} (tol {c_tol:e})"
        );
    }
});
