//! Tiny fixed-size dense kernels: LU factorisation with partial pivoting;
//! and, on caller storage sized at run time, the symmetric eigenvalue
//! problem ([`symmetric_eigen`], cyclic Jacobi).
//!
//! `P A = L U` (Golub & Van Loan, *Matrix Computations*, Alg. 3.4.1), stored
//! compactly: `L` (unit lower, multipliers below the diagonal) and `U` share
//! one `N x N` array, and the row permutation is kept as a list of the row
//! swaps made at each step. One factorisation serves both `A x = b` and
//! `Aᵀ y = c`, which is how the exact evaluator gets the value function and
//! the discounted occupancy from a single factorisation of `I - γ P_π`.
//!
//! Zero multipliers are skipped. That changes no result (subtracting `0 · x`
//! from a finite number is exact) but makes banded and sparse matrices, such
//! as the gridworld's `I - γ P_π`, much cheaper than `N³/3` operations.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// every index is below the const generic N: loops run over 0..N, and the row
// profiles keep lo[i] <= i < hi[i] <= N; `k + 1`, `i - k - 1` stay in
// 0..=N for 0 <= k < i < N. The factorisation and solves are the exact
// evaluation's hot path, so bounds are argued here rather than checked.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "indices are bounded by the const generic N (see above); hot path"
)]

use crate::error::{Error, Result, check_finite, check_overflow};

mod eigen;
pub mod ordering;
pub use eigen::{DEFAULT_MAX_SWEEPS, EigenReport, symmetric_eigen, symmetric_eigen_with};
pub(crate) mod schedule;
use crate::real::Real;

/// An LU factorisation with partial pivoting of an `N x N` matrix.
///
/// `N` is the order of the matrix; `T` the scalar. Storage is `[[T; N]; N]`
/// indexed `[row][column]`, plus `N` pivot indices: about `8 N² + 8 N`
/// bytes in `f64`, nothing on the heap.
///
/// # Examples
///
/// ```
/// use policy_landscape::linalg::Lu;
///
/// let a = [[2.0, 1.0], [4.0, 3.0]];
/// let mut lu = Lu::<f64, 2>::new();
/// lu.factor(&a)?;
/// let mut x = [0.0; 2];
/// lu.solve(&[3.0, 7.0], &mut x)?; // A x = b
/// assert!((x[0] - 1.0).abs() < 1e-15 && (x[1] - 1.0).abs() < 1e-15);
/// lu.solve_transpose(&[6.0, 4.0], &mut x)?; // Aᵀ y = c
/// assert!((x[0] - 1.0).abs() < 1e-15 && (x[1] - 1.0).abs() < 1e-15);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Lu<T, const N: usize> {
    lu: [[T; N]; N],
    /// `swap[k]` is the row exchanged with row `k` at step `k`.
    swap: [usize; N],
    /// Row profiles: the non-zeros of (stored) row `i` lie in `lo[i]..hi[i]`.
    lo: [usize; N],
    hi: [usize; N],
    /// `1 / U[k][k]`: the solves multiply instead of dividing.
    inv_diag: [T; N],
    factored: bool,
}

impl<T: Real, const N: usize> Default for Lu<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const N: usize> Lu<T, N> {
    /// An empty (unfactored) workspace.
    pub const fn new() -> Self {
        const { assert!(N > 0, "Lu needs N > 0") };
        Self {
            lu: [[T::ZERO; N]; N],
            swap: [0; N],
            lo: [0; N],
            hi: [0; N],
            inv_diag: [T::ZERO; N],
            factored: false,
        }
    }

    /// Factors `a`, which is left untouched.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] if an entry of `a` is NaN or infinite (the index is
    /// `row * N + column`); [`Error::Singular`] if a pivot vanishes relative
    /// to the matrix's scale; [`Error::NumericalOverflow`] (`"LU pivot"`) if
    /// elimination overflows (entries near the largest float whose
    /// combinations do not fit). After an error the workspace is unfactored and
    /// [`Lu::solve`] returns [`Error::NotFactored`].
    pub fn factor(&mut self, a: &[[T; N]; N]) -> Result<()> {
        self.factored = false;
        check_finite("matrix", a.as_flattened())?;
        self.lu = *a;
        let mut scale = T::ZERO;
        for (i, row) in a.iter().enumerate() {
            let mut lo = N;
            let mut hi = 0;
            for (j, &x) in row.iter().enumerate() {
                if x != T::ZERO {
                    lo = lo.min(j);
                    hi = j + 1;
                    if x.abs() > scale {
                        scale = x.abs();
                    }
                }
            }
            // A zero row keeps an empty profile; elimination never touches it
            // and its pivot is reported singular.
            self.lo[i] = lo.min(i);
            self.hi[i] = hi.max(i + 1);
        }
        self.factor_in_place(scale, true)?;
        // Elimination may overflow on finite entries near the largest float;
        // an infinite pivot (1 / pivot = 0) would then solve to a wrong
        // answer. (The exact evaluator's own factorisations cannot overflow:
        // their entries lie in [-1, 1] and their growth is bounded.) Other
        // overflowed entries of the factors reach every solution they
        // touch, which `solve` refuses.
        if self.inv_diag.contains(&T::ZERO) {
            self.factored = false;
            return Err(Error::NumericalOverflow { what: "LU pivot" });
        }
        Ok(())
    }

    /// Factors the matrix in `self.lu` with the row profiles `lo`, `hi`
    /// (entries must be finite, `scale` at least the largest magnitude; the
    /// caller guarantees both).
    ///
    /// Row profiles make this a skyline elimination: rows whose first
    /// non-zero lies right of column `k` are not visited at step `k` (an
    /// active-row list holds the others), and a row update only spans the
    /// pivot row's non-zeros. Exact zeros are
    /// never touched, so the result equals dense elimination bit for bit.
    ///
    /// Without `pivoting` the diagonal is always the pivot. That is exactly
    /// what partial pivoting does on a column diagonally dominant matrix
    /// (dominance survives elimination, so no row is ever larger than the
    /// diagonal), and it skips the search.
    fn factor_in_place(&mut self, scale: T, pivoting: bool) -> Result<()> {
        self.factored = false;
        let a = &mut self.lu;
        let lo = &mut self.lo;
        let hi = &mut self.hi;
        // The singularity threshold is relative to the largest entry, so
        // scaling the system does not change the verdict.
        let tiny = scale * T::EPSILON * T::from_usize(N);
        // The active rows at step k: rows below the diagonal whose profile
        // starts at or left of column k (all others hold a zero in column k).
        // Rows join in order of their profile's start (a counting sort);
        // swaps only exchange active positions, so the list stays exact.
        let mut count = [0usize; N];
        for &l in lo.iter() {
            count[l] += 1;
        }
        let mut start = [0usize; N];
        for k in 1..N {
            start[k] = start[k - 1] + count[k - 1];
        }
        let mut order = [0usize; N];
        for (i, &l) in lo.iter().enumerate() {
            order[start[l]] = i;
            start[l] += 1;
        }
        let mut active = [0usize; N];
        let mut n_active = 0;
        let mut joined = 0;
        for k in 0..N {
            while joined < N && lo[order[joined]] <= k {
                active[n_active] = order[joined];
                n_active += 1;
                joined += 1;
            }
            // Partial pivoting: the largest |a[i][k]| over the active rows
            // (row k is one of them, as lo[k] <= k).
            let mut p = k;
            let mut best = a[k][k].abs();
            if pivoting {
                for &i in &active[..n_active] {
                    let v = a[i][k].abs();
                    if v > best {
                        best = v;
                        p = i;
                    }
                }
            }
            if !(best > tiny) {
                return Err(Error::Singular { pivot: k });
            }
            self.swap[k] = p;
            if p != k {
                a.swap(p, k);
                lo.swap(p, k);
                hi.swap(p, k);
            }
            // Row k leaves the active list.
            if let Some(j) = active[..n_active].iter().position(|&i| i == k) {
                n_active -= 1;
                active[j] = active[n_active];
            }
            let end = hi[k];
            let (top, bottom) = a.split_at_mut(k + 1);
            let pivot_row = &top[k][k + 1..end];
            let inv = T::ONE / top[k][k];
            self.inv_diag[k] = inv;
            for &i in &active[..n_active] {
                let row = &mut bottom[i - k - 1];
                let m = row[k];
                if m == T::ZERO {
                    continue;
                }
                let l = m * inv;
                row[k] = l;
                for (x, &u) in row[k + 1..end].iter_mut().zip(pivot_row) {
                    *x -= l * u;
                }
                if hi[i] < end {
                    hi[i] = end;
                }
            }
        }
        self.factored = true;
        Ok(())
    }

    /// Solves `A x = b` in place (`x` holds `b` on entry).
    pub(crate) fn solve_in_place(&self, x: &mut [T; N]) -> Result<()> {
        if !self.factored {
            return Err(Error::NotFactored);
        }
        let a = &self.lu;
        for k in 0..N {
            x.swap(k, self.swap[k]);
        }
        // L y = P b (unit lower), by rows over each row's profile.
        for i in 1..N {
            let start = self.lo[i];
            let (done, rest) = x.split_at_mut(i);
            rest[0] -= dot(&a[i][start..i], &done[start..]);
        }
        // U x = y, by rows over each row's profile.
        for i in (0..N).rev() {
            let end = self.hi[i];
            let (head, tail) = x.split_at_mut(i + 1);
            let xi = &mut head[i];
            *xi = (*xi - dot(&a[i][i + 1..end], tail)) * self.inv_diag[i];
        }
        Ok(())
    }

    /// Solves `Aᵀ y = c` in place (`y` holds `c` on entry).
    pub(crate) fn solve_transpose_in_place(&self, y: &mut [T; N]) -> Result<()> {
        if !self.factored {
            return Err(Error::NotFactored);
        }
        let a = &self.lu;
        // Aᵀ = Uᵀ Lᵀ P, so solve Uᵀ z = c, then Lᵀ w = z, then y = Pᵀ w.
        // Both triangular solves go by columns of the transpose, i.e. by
        // rows of the stored factors, over each row's profile.
        for k in 0..N {
            let zk = y[k] * self.inv_diag[k];
            y[k] = zk;
            if zk != T::ZERO {
                let end = self.hi[k];
                for (yi, &u) in y[k + 1..end].iter_mut().zip(&a[k][k + 1..end]) {
                    *yi -= u * zk;
                }
            }
        }
        for k in (1..N).rev() {
            let wk = y[k];
            if wk != T::ZERO {
                let start = self.lo[k];
                for (yi, &l) in y[start..k].iter_mut().zip(&a[k][start..k]) {
                    *yi -= l * wk;
                }
            }
        }
        for k in (0..N).rev() {
            y.swap(k, self.swap[k]);
        }
        Ok(())
    }

    /// Solves `A x = b` into `x`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFactored`] without a successful factorisation;
    /// [`Error::NonFinite`] if `b` has a NaN or infinite entry;
    /// [`Error::NumericalOverflow`] if the solution overflows. `x` is
    /// untouched on error.
    pub fn solve(&self, b: &[T; N], x: &mut [T; N]) -> Result<()> {
        check_finite("b", b)?;
        let mut y = *b;
        self.solve_in_place(&mut y)?;
        check_overflow("solution", &y)?;
        *x = y;
        Ok(())
    }

    /// Solves `Aᵀ y = c` into `y`, reusing the factorisation of `A`.
    ///
    /// # Errors
    ///
    /// As [`Lu::solve`].
    pub fn solve_transpose(&self, c: &[T; N], y: &mut [T; N]) -> Result<()> {
        check_finite("c", c)?;
        let mut z = *c;
        self.solve_transpose_in_place(&mut z)?;
        check_overflow("solution", &z)?;
        *y = z;
        Ok(())
    }

    /// `true` after a successful factorisation.
    pub fn is_factored(&self) -> bool {
        self.factored
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const N: usize> defmt::Format for Lu<T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Lu {{ n: {=usize}, factored: {=bool} }}",
            N,
            self.factored
        );
    }
}

/// `Σ x_i y_i` over the shorter of the two slices.
#[inline(always)]
pub(crate) fn dot<T: Real>(x: &[T], y: &[T]) -> T {
    let mut acc = T::ZERO;
    for (&a, &b) in x.iter().zip(y) {
        acc += a * b;
    }
    acc
}
