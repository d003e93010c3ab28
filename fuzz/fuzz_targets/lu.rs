//! The LU solve: never a panic; the input is untouched; when factorisation
//! and solve succeed, the solution is finite and the residual is within the
//! backward-error bound of partial pivoting, at every scale (the residual is
//! computed on power-of-two scaled copies, so neither it nor the bound
//! overflows) and down to the underflow level (the floor is in units of the
//! smallest subnormal, not of the smallest normal number).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_landscape::linalg::Lu;

const N: usize = 6;
/// Unit roundoff.
const U: f64 = f64::EPSILON / 2.0;
/// The smallest subnormal, 2^-1074: the absolute error of a product or
/// quotient that underflows (sums and differences are exact there).
const ETA: f64 = f64::MIN_POSITIVE * f64::EPSILON;
/// The growth factor bound of partial pivoting, 2^(N-1).
const GROWTH: f64 = (1u64 << (N - 1)) as f64;

/// `γ_k = k u / (1 − k u)` (Higham, *Accuracy and Stability*, §3.4).
fn gamma(k: usize) -> f64 {
    let ku = k as f64 * U;
    ku / (1.0 - ku)
}

/// The power of two `2^-e` that brings `m` into `[1, 2)` if `m >= 1`, and 1
/// otherwise (only scaling down, so the factor is a normal number).
fn down_scale(m: f64) -> f64 {
    if m < 1.0 || !m.is_finite() {
        return 1.0;
    }
    let e = ((m.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    2.0_f64.powi(-e)
}

fn max_abs<'a>(xs: impl IntoIterator<Item = &'a f64>) -> f64 {
    xs.into_iter().fold(0.0_f64, |m, x| m.max(x.abs()))
}

/// Checks `A x = b` (or `Aᵀ x = b`) row by row against the backward-error
/// bound; panics with the offending row.
fn check_residual(a: &[[f64; N]; N], b: &[f64; N], x: &[f64; N], transpose: bool) {
    let norm_a = max_abs(a.iter().flatten());
    let norm_x = max_abs(x);
    let (sa, sx) = (down_scale(norm_a), down_scale(norm_x));
    // Scaled copies: exact up to underflow of entries far below the largest.
    let entry = |i: usize, j: usize| (if transpose { a[j][i] } else { a[i][j] }) * sa;
    let xs = x.map(|v| v * sx);
    let (na, nx) = (norm_a * sa, norm_x * sx);
    // Higham Thm 9.4 with Lemma 9.6: ‖b − A x̂‖∞ ≤ γ_3N (1 + 2(N² − N) ρ)
    // ‖A‖∞ ‖x̂‖∞, ρ ≤ 2^(N−1) and ‖A‖∞ ≤ N max|a_ij|.
    let normwise = gamma(3 * N) * (1.0 + 2.0 * (N * N - N) as f64 * GROWTH) * N as f64 * na * nx;
    // Underflow in the factorisation and the two triangular solves: each
    // product may lose ETA; through |L| <= 1 and |U| <= ρ N max|a| this is at
    // most about ρ N³ ETA (1 + ‖A‖ + ‖x‖), here generously doubled, in the
    // scaled units (the scale factors are exact powers of two).
    let floor = 2.0
        * GROWTH
        * (N * N * N) as f64
        * (ETA * sa * sx + ETA * na * sx + ETA * nx * sa)
        // The scaling itself may underflow entries of A, x and b.
        + 4.0 * N as f64 * ETA;
    for (i, &b_i) in b.iter().enumerate() {
        let bi = b_i * sa * sx;
        let mut r = -bi;
        let mut abs = bi.abs();
        for (j, &x_j) in xs.iter().enumerate() {
            let p = entry(i, j) * x_j;
            r += p;
            abs += p.abs();
        }
        // Evaluating the residual itself: (N + 1) u (|A||x| + |b|).
        let bound = normwise + gamma(N + 1) * abs + floor;
        assert!(bound.is_finite(), "row {i}: bound {bound:e} overflowed");
        assert!(
            r.abs() <= bound,
            "row {i} ({}): residual {r:e} > {bound:e} (scaled by {sa:e}, {sx:e})",
            if transpose { "transposed" } else { "direct" }
        );
    }
}

fuzz_target!(|input: ([[f64; N]; N], [f64; N])| {
    let (a, b) = input;
    let copy = a;
    let mut lu = Lu::<f64, N>::new();
    let factored = lu.factor(&a);
    assert_eq!(
        a.map(|r| r.map(f64::to_bits)),
        copy.map(|r| r.map(f64::to_bits))
    );
    if factored.is_err() {
        let mut x = [0.0; N];
        assert!(lu.solve(&b, &mut x).is_err());
        return;
    }
    for transpose in [false, true] {
        let mut x = [0.0; N];
        let solved = if transpose {
            lu.solve_transpose(&b, &mut x)
        } else {
            lu.solve(&b, &mut x)
        };
        if solved.is_err() {
            assert_eq!(x, [0.0; N], "untouched on error");
            continue;
        }
        assert!(x.iter().all(|v| v.is_finite()));
        check_residual(&a, &b, &x, transpose);
    }
});
