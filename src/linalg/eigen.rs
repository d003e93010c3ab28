//! Eigenvalues (and eigenvectors) of a real symmetric matrix by the cyclic
//! Jacobi method, on caller-owned storage of any order `n` known at run time.
//!
//! Each step is a plane rotation `Jᵀ A J` that zeroes one off-diagonal pair
//! `a_pq = a_qp` (Golub & Van Loan, *Matrix Computations*, §8.5, with the
//! rotation of Rutishauser's `jacobi`); a sweep visits every pair `p < q` in
//! row order. Convergence is quadratic once the off-diagonal part is small:
//! 5 to 17 sweeps for the matrices this crate meets (about 4 n³ flops per
//! sweep, 2 n³ more with eigenvectors; 30 ms natively for the 108 × 108
//! Hessian of the paper's world). Jacobi is slower than
//! tridiagonalisation followed by QL, but short, allocation-free and
//! accurate: the computed eigenvalues are those of `A + E` with
//! `‖E‖₂ = O(n ε ‖A‖)`.
//!
//! The matrix is first scaled by a power of two so that its largest entry
//! lies in `[1, 2)` (exact, apart from entries that underflow), so finite
//! entries near the largest or the smallest float neither overflow nor
//! underflow inside the rotations.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// `n * n` is computed once with `checked_mul`, and the lengths of `a`,
// `values` and `vectors` are checked against `n * n` and `n` before any
// access; every index is then `i * n + j` or `i` with `i, j < n`, which is
// below `n * n` (resp. `n`) and cannot overflow. Sweep counters are bounded
// by `max_sweeps`.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "indices i * n + j < n * n after the length checks (see above)"
)]

use crate::error::{Error, Result, check_finite, check_len, rule};
use crate::real::Real;

/// The number of sweeps [`symmetric_eigen`] allows before it reports
/// [`Error::NoConvergence`]. Cyclic Jacobi converges quadratically; 6 to 12
/// sweeps are typical for small `n`, 17 for the 108-parameter Hessian of
/// the paper's world (many zero and clustered eigenvalues), so 50 leaves a
/// wide margin.
pub const DEFAULT_MAX_SWEEPS: usize = 50;

/// What [`symmetric_eigen`] did: the sweeps it used and a bound on the part
/// of the matrix it discarded.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EigenReport<T> {
    /// Sweeps over all pairs `p < q`, the last of which (the one that found
    /// nothing left to rotate) included; 0 for `n ≤ 1`.
    pub sweeps: usize,
    /// Rotations performed.
    pub rotations: usize,
    /// The off-diagonal entries set to zero as negligible, summed as
    /// `Σ_sweeps ‖E_sweep‖_F`, in the units of the input: a bound on
    /// `‖E‖₂`, so by Weyl's inequality on how far each eigenvalue moved
    /// because of them. Rounding in the rotations adds `O(n ε ‖A‖)` on top.
    pub discarded: T,
}

/// The eigenvalues of the symmetric `n × n` matrix `a` in ascending order,
/// and optionally its eigenvectors: [`symmetric_eigen_with`] with
/// [`DEFAULT_MAX_SWEEPS`].
///
/// # Errors
///
/// As [`symmetric_eigen_with`].
///
/// # Examples
///
/// ```
/// use policy_landscape::linalg::symmetric_eigen;
///
/// // [[2, 1], [1, 2]] has eigenvalues 1 and 3, eigenvectors (1, -1) / √2
/// // and (1, 1) / √2.
/// let mut a = [2.0_f64, 1.0, 1.0, 2.0];
/// let mut values = [0.0_f64; 2];
/// let mut vectors = [0.0_f64; 4];
/// let report = symmetric_eigen(&mut a, 2, &mut values, Some(&mut vectors))?;
/// assert!((values[0] - 1.0).abs() < 1e-15 && (values[1] - 3.0).abs() < 1e-15);
/// // Eigenvector k is column k of the row-major `vectors`.
/// let h = core::f64::consts::FRAC_1_SQRT_2;
/// assert!((vectors[1].abs() - h).abs() < 1e-15 && (vectors[3] - vectors[1]).abs() < 1e-15);
/// assert!((vectors[0] + vectors[2]).abs() < 1e-15);
/// assert!(report.sweeps <= 2 && report.discarded == 0.0);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
pub fn symmetric_eigen<T: Real>(
    a: &mut [T],
    n: usize,
    values: &mut [T],
    vectors: Option<&mut [T]>,
) -> Result<EigenReport<T>> {
    symmetric_eigen_with(a, n, values, vectors, DEFAULT_MAX_SWEEPS)
}

/// The eigenvalues of the symmetric `n × n` matrix `a` (row-major,
/// `a[i * n + j]`), sorted ascending into `values`, by at most `max_sweeps`
/// cyclic Jacobi sweeps; with `vectors`, the orthonormal eigenvectors too:
/// eigenvector `k` (of `values[k]`) is **column** `k` of the row-major
/// `n × n` `vectors`, i.e. `vectors[i * n + k]`, so that
/// `A = V diag(values) Vᵀ`.
///
/// `a` is overwritten (it ends up nearly diagonal, in the scaled units of
/// the algorithm). Symmetry is checked, with a relative tolerance:
/// `|a_ij − a_ji| ≤ √ε · max |a_kl|` (`ε` = [`Real::EPSILON`]: 1.5e-8 in
/// `f64`, 3.5e-4 in `f32`), which accepts any rounding-level asymmetry
/// (e.g. of a matrix built as `Q D Qᵀ`) and refuses a matrix that is not
/// symmetric; within it the symmetric part `(A + Aᵀ) / 2` is decomposed.
/// `n = 0` is allowed (nothing to do).
///
/// An off-diagonal `a_pq` is negligible, set to zero rather than rotated,
/// when `|a_pq| ≤ ε · √(|a_pp| |a_qq|)` (the relative criterion of Demmel
/// and Veselić, which keeps small eigenvalues of graded matrices accurate)
/// or `|a_pq| ≤ ε² · max |a_kl|`; the sweeps stop after one in which every
/// off-diagonal entry was negligible.
///
/// # Errors
///
/// `values` is untouched on error; `vectors` is untouched by the input
/// checks and all zeros after the later errors.
///
/// - [`Error::LengthMismatch`] unless `a.len() == n * n`,
///   `values.len() == n` and `vectors.len() == n * n` (when given);
/// - [`Error::InvalidParameter`] if `max_sweeps == 0`;
/// - [`Error::NonFinite`] (`"matrix"`, the flat index) for a NaN or infinite
///   entry;
/// - [`Error::NotSymmetric`] (the first pair, `row < col`, in row order)
///   beyond the tolerance above;
/// - [`Error::NoConvergence`] after `max_sweeps` sweeps (`a` is then
///   partly rotated);
/// - [`Error::NumericalOverflow`] (`"eigenvalues"`) when an eigenvalue
///   exceeds the largest float (entries near it, e.g. `n` entries of
///   `f64::MAX` in a row).
pub fn symmetric_eigen_with<T: Real>(
    a: &mut [T],
    n: usize,
    values: &mut [T],
    mut vectors: Option<&mut [T]>,
    max_sweeps: usize,
) -> Result<EigenReport<T>> {
    let nn = n.checked_mul(n).ok_or(Error::LengthMismatch {
        what: "matrix",
        expected: usize::MAX,
        found: a.len(),
    })?;
    check_len("matrix", a.len(), nn)?;
    check_len("eigenvalues", values.len(), n)?;
    if let Some(v) = vectors.as_deref() {
        check_len("eigenvectors", v.len(), nn)?;
    }
    if max_sweeps == 0 {
        return Err(Error::InvalidParameter {
            what: "max_sweeps",
            rule: rule::AT_LEAST_ONE,
        });
    }
    check_finite("matrix", a)?;

    // Scale by 2^-e so the largest entry lies in [1, 2).
    let max = a.iter().fold(T::ZERO, |m, &x| m.max(x.abs()));
    let e = if max == T::ZERO { 0 } else { exponent(max) };
    let (down1, down2) = pow2_pair(-e);
    if e != 0 {
        for x in a.iter_mut() {
            *x = *x * down1 * down2;
        }
    }
    // Symmetry, in the scaled units (the largest entry is 1 to 2, so the
    // tolerance is √ε up to that factor, and differences cannot overflow).
    let scaled_max = max * down1 * down2;
    let tol = T::EPSILON.sqrt() * scaled_max;
    for i in 0..n {
        for j in i + 1..n {
            let (x, y) = (a[i * n + j], a[j * n + i]);
            if !((x - y).abs() <= tol) {
                return Err(Error::NotSymmetric { row: i, col: j });
            }
            let m = (x + y) * T::HALF;
            a[i * n + j] = m;
            a[j * n + i] = m;
        }
    }

    let mut report = EigenReport {
        sweeps: 0,
        rotations: 0,
        discarded: T::ZERO,
    };
    let floor = T::EPSILON * T::EPSILON * scaled_max;
    // The rotations accumulate in `vectors`, from the identity (zeroed
    // again if a later error occurs).
    if let Some(v) = vectors.as_deref_mut() {
        for (k, x) in v.iter_mut().enumerate() {
            *x = if k % (n + 1) == 0 { T::ONE } else { T::ZERO };
        }
    }
    let mut converged = n <= 1;
    while !converged {
        if report.sweeps == max_sweeps {
            if let Some(v) = vectors.as_deref_mut() {
                v.fill(T::ZERO);
            }
            return Err(Error::NoConvergence {
                what: "symmetric eigensolver (Jacobi sweeps)",
                iterations: max_sweeps,
            });
        }
        report.sweeps += 1;
        let mut rotated = false;
        let mut zeroed = T::ZERO;
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == T::ZERO {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                if apq.abs() <= T::EPSILON * (app.abs() * aqq.abs()).sqrt() || apq.abs() <= floor {
                    zeroed += apq.sq();
                    a[p * n + q] = T::ZERO;
                    a[q * n + p] = T::ZERO;
                    continue;
                }
                rotated = true;
                report.rotations += 1;
                rotate(a, n, p, q, vectors.as_deref_mut());
            }
        }
        // The entries zeroed this sweep form a symmetric E with
        // ‖E‖_F = √(2 Σ_{p<q} e_pq²).
        report.discarded += (zeroed * T::TWO).sqrt();
        converged = !rotated;
    }

    // Unscale and sort ascending (selection sort: n swaps of columns).
    let (up1, up2) = pow2_pair(e);
    for i in 0..n {
        let lambda = a[i * n + i] * up1 * up2;
        if !lambda.is_finite() {
            if let Some(v) = vectors.as_deref_mut() {
                v.fill(T::ZERO);
            }
            return Err(Error::NumericalOverflow {
                what: "eigenvalues",
            });
        }
        a[i * n + i] = lambda;
    }
    report.discarded = report.discarded * up1 * up2;
    for i in 0..n {
        values[i] = a[i * n + i];
    }
    for i in 0..n {
        let mut k = i;
        for j in i + 1..n {
            if values[j] < values[k] {
                k = j;
            }
        }
        if k != i {
            values.swap(i, k);
            if let Some(v) = vectors.as_deref_mut() {
                for r in 0..n {
                    v.swap(r * n + i, r * n + k);
                }
            }
        }
    }
    Ok(report)
}

/// One Jacobi rotation zeroing `a[p][q]` (`p < q`, `a[p][q] ≠ 0`), applied
/// to both triangles of `a` and to the columns `p`, `q` of `v`.
fn rotate<T: Real>(a: &mut [T], n: usize, p: usize, q: usize, v: Option<&mut [T]>) {
    let apq = a[p * n + q];
    let (app, aqq) = (a[p * n + p], a[q * n + q]);
    // t = tan φ, the smaller root of t² + 2θt − 1 = 0, θ = cot 2φ.
    let theta = (aqq - app) / (apq * T::TWO);
    let t = if theta.abs() > T::ONE / T::EPSILON {
        // θ² would lose everything (or overflow): t ≈ 1 / (2θ).
        T::HALF / theta
    } else {
        let t = T::ONE / (theta.abs() + (theta.sq() + T::ONE).sqrt());
        if theta < T::ZERO { -t } else { t }
    };
    let c = T::ONE / (t.sq() + T::ONE).sqrt();
    let s = t * c;
    let tau = s / (T::ONE + c);
    a[p * n + p] = app - t * apq;
    a[q * n + q] = aqq + t * apq;
    a[p * n + q] = T::ZERO;
    a[q * n + p] = T::ZERO;
    for r in 0..n {
        if r == p || r == q {
            continue;
        }
        let g = a[r * n + p];
        let h = a[r * n + q];
        let gp = g - s * (h + g * tau);
        let hq = h + s * (g - h * tau);
        a[r * n + p] = gp;
        a[p * n + r] = gp;
        a[r * n + q] = hq;
        a[q * n + r] = hq;
    }
    if let Some(v) = v {
        for r in 0..n {
            let g = v[r * n + p];
            let h = v[r * n + q];
            v[r * n + p] = g - s * (h + g * tau);
            v[r * n + q] = h + s * (g - h * tau);
        }
    }
}

/// The exponent `e` with `x · 2^-e ∈ [1, 2)`, for finite `x > 0`
/// (subnormals included), by exact multiplications by powers of two.
fn exponent<T: Real>(x: T) -> i32 {
    let big = pow2::<T>(32);
    let small = pow2::<T>(-32);
    let mut x = x;
    let mut e = 0i32;
    while x >= big {
        x *= small;
        e += 32;
    }
    while x >= T::TWO {
        x *= T::HALF;
        e += 1;
    }
    while x < small {
        x *= big;
        e -= 32;
    }
    while x < T::ONE {
        x *= T::TWO;
        e -= 1;
    }
    e
}

/// `(2^⌊k/2⌋, 2^(k − ⌊k/2⌋))`: two normal powers of two whose product is
/// `2^k` for `|k| ≤ 2 · 1022`, where `2^k` alone may not be representable.
fn pow2_pair<T: Real>(k: i32) -> (T, T) {
    let h = k.div_euclid(2);
    (pow2(h), pow2(k - h))
}

/// `2^k` by repeated squaring (exact while representable; `|k| ≤ 1100`).
fn pow2<T: Real>(k: i32) -> T {
    let mut base = if k < 0 { T::HALF } else { T::TWO };
    let mut m = k.unsigned_abs();
    let mut r = T::ONE;
    while m > 0 {
        if m & 1 == 1 {
            r *= base;
        }
        base = base.sq();
        m >>= 1;
    }
    r
}
