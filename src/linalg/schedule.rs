//! The symbolic phase of sparse LU without pivoting, and the numeric kernels
//! that run from it.
//!
//! The exact evaluator factors `(I - γ P_π)ᵀ`, which is column diagonally
//! dominant for every policy, so elimination never needs to pivot and the
//! sparsity of the factors depends only on the pattern of the MDP (softmax
//! probabilities are never structurally zero). The *symbolic phase* runs
//! once per MDP: it takes the structurally symmetric pattern of `A + Aᵀ`,
//! builds its elimination tree (Liu's algorithm) and writes the pattern of
//! `L + U` row by row ([`Pattern`]): the strict lower part `L_i` (sorted),
//! the diagonal, then the strict upper part `U_i` (sorted). The numeric
//! phase then needs no profile bookkeeping, no clearing of untouched memory
//! and no searches: [`factor`] eliminates row by row (the "IKJ" form:
//! `w ← A_i; for k in L_i { l = w_k / u_kk; w -= l U_k }`) through a dense
//! work row, and [`solve`] / [`solve_transpose`] walk the same lists.
//!
//! Each element of `U` and `L` receives its updates in increasing `k`, as in
//! the right-looking dense elimination the crate used before, and each
//! update is the same `x - l · u`; entries outside the pattern are zeros
//! that could only have added `± 0`. So the results are the dense
//! elimination's bit for bit (up to the sign of an exact zero).
//!
//! The kernels are generic over the [`Lane`] type: `V = T` for one system,
//! `V = [T; K]` for `K` systems with the same pattern at once.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here: the
// pattern is written by `symbolic` and never exposed mutably, so its
// invariants hold: for every row i < n, start[i] <= diag[i] < end[i] <=
// col.len() = vals.len() (checked), col[diag[i]] = i, columns in
// start[i]..diag[i] are < i and those in diag[i]+1..end[i] are > i and < n,
// and `w`, `inv`, `x` have n entries (checked by the callers' types). Counts
// are bounded by n² <= usize::MAX (n < u32::MAX on a 64-bit target; the
// dense callers have n <= 65535). This is the exact evaluation's hot path.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "indices bounded by the pattern's invariants (see above); hot path"
)]

use crate::error::{Error, Result};
use crate::real::Lane;
use crate::real::Real;

/// "No parent" in the elimination tree.
const NONE: u32 = u32::MAX;

/// A column index stored in a pattern: `u16` for the fixed-size types (at
/// most 65535 states), `u32` for the sparse ones.
pub(crate) trait Index: Copy + Ord {
    /// As a `usize`.
    fn ix(self) -> usize;
    /// From a `usize` known to fit (`n` is checked against the type's
    /// range before any index is written).
    fn from_ix(i: usize) -> Self;
}

impl Index for u16 {
    #[inline(always)]
    fn ix(self) -> usize {
        usize::from(self)
    }
    #[inline(always)]
    #[allow(
        clippy::cast_possible_truncation,
        reason = "callers check n <= u16::MAX + 1 first"
    )]
    fn from_ix(i: usize) -> Self {
        i as u16
    }
}

impl Index for u32 {
    #[inline(always)]
    #[allow(
        clippy::cast_possible_truncation,
        reason = "usize is at least 32 bits on every target the crate builds for"
    )]
    fn ix(self) -> usize {
        self as usize
    }
    #[inline(always)]
    #[allow(
        clippy::cast_possible_truncation,
        reason = "callers check n < u32::MAX first"
    )]
    fn from_ix(i: usize) -> Self {
        i as u32
    }
}

/// An undirected graph of `n` vertices, seen through the neighbours of each
/// vertex with a smaller index: the input of the symbolic phase.
pub(crate) trait LowerGraph {
    /// The number of vertices.
    fn n(&self) -> usize;
    /// Calls `f(j)` for every neighbour `j < i` of `i` (duplicates allowed).
    fn for_each_lower(&self, i: usize, f: impl FnMut(usize));
}

/// The pattern of the LU factors, packed by rows: row `i` holds the columns
/// `col[start[i]..end[i]]`, `L_i` before `diag[i]` and `U_i` after it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pattern<'a, I> {
    pub(crate) start: &'a [u32],
    pub(crate) diag: &'a [u32],
    pub(crate) end: &'a [u32],
    pub(crate) col: &'a [I],
}

/// Mutable storage for [`symbolic`]: the row ranges (`n` each), the columns
/// (capacity `col.len()`), and `3 n` scratch indices.
pub(crate) struct PatternMut<'a, I> {
    pub(crate) start: &'a mut [u32],
    pub(crate) diag: &'a mut [u32],
    pub(crate) end: &'a mut [u32],
    pub(crate) col: &'a mut [I],
    pub(crate) parent: &'a mut [u32],
    pub(crate) mark: &'a mut [u32],
    pub(crate) cursor: &'a mut [u32],
}

/// The elimination tree of `g` into `parent` (`NONE` for roots), using
/// `ancestor` as scratch (Liu's algorithm with path compression).
fn etree<G: LowerGraph>(g: &G, parent: &mut [u32], ancestor: &mut [u32]) {
    let n = g.n();
    parent[..n].fill(NONE);
    ancestor[..n].fill(NONE);
    for i in 0..n {
        let iu = i as u32;
        g.for_each_lower(i, |j| {
            let mut r = j;
            loop {
                let a = ancestor[r];
                if a == iu {
                    break;
                }
                ancestor[r] = iu;
                if a == NONE {
                    parent[r] = iu;
                    break;
                }
                r = a as usize;
            }
        });
    }
}

/// Calls `f(k)` for every `k` of `L_i`, the row pattern of the factor: the
/// vertices on the tree paths from `i`'s lower neighbours up to `i`
/// (`mark` must not hold `i` anywhere on entry; it does after).
#[inline]
fn row_reach<G: LowerGraph>(
    g: &G,
    i: usize,
    parent: &[u32],
    mark: &mut [u32],
    mut f: impl FnMut(usize),
) {
    let iu = i as u32;
    mark[i] = iu;
    g.for_each_lower(i, |j| {
        let mut k = j;
        // Every lower neighbour has `i` as an ancestor, so the walk ends at
        // a marked vertex (`i` at the latest); `NONE` would mean a broken
        // tree and stops the walk rather than index out of bounds.
        while k < parent.len() && mark[k] != iu {
            mark[k] = iu;
            f(k);
            let p = parent[k];
            k = if p == NONE { usize::MAX } else { p as usize };
        }
    });
}

/// The symbolic phase: writes the pattern of `L + U` for the graph `g`
/// (the structure of `A + Aᵀ`), eliminated in the order of its vertices,
/// and returns the number of stored entries.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if a slice of `out` is shorter than `g.n()`
/// (`col`: than the number of entries) or `n` does not fit the index type.
pub(crate) fn symbolic<I: Index, G: LowerGraph>(
    g: &G,
    out: PatternMut<'_, I>,
    max_index: usize,
) -> Result<usize> {
    let n = g.n();
    let short = [
        ("pattern start", out.start.len()),
        ("pattern diag", out.diag.len()),
        ("pattern end", out.end.len()),
        ("parent", out.parent.len()),
        ("mark", out.mark.len()),
        ("cursor", out.cursor.len()),
    ];
    for (what, got) in short {
        if got < n {
            return Err(Error::LengthMismatch {
                what,
                expected: n,
                found: got,
            });
        }
    }
    if n > max_index || n >= NONE as usize {
        return Err(Error::LengthMismatch {
            what: "states (index range)",
            expected: max_index.min(NONE as usize - 1),
            found: n,
        });
    }
    let parent = &mut *out.parent;
    let mark = &mut *out.mark;
    etree(g, parent, mark);
    // Count: |L_i| into diag[i], |U_k| into end[k].
    mark[..n].fill(NONE);
    out.diag[..n].fill(0);
    out.end[..n].fill(0);
    for i in 0..n {
        let mut count = 0u32;
        let upper = &mut *out.end;
        row_reach(g, i, parent, mark, |k| {
            count += 1;
            upper[k] += 1;
        });
        out.diag[i] = count;
    }
    let mut total = 0usize;
    for i in 0..n {
        let lower = out.diag[i] as usize;
        let upper = out.end[i] as usize;
        out.start[i] = total as u32;
        out.diag[i] = (total + lower) as u32;
        total += lower + 1 + upper;
        out.end[i] = total.min(NONE as usize) as u32;
        out.cursor[i] = out.diag[i].saturating_add(1);
        // Saturating: on overflow the count below is too large and refused.
        total = total.min(NONE as usize);
    }
    if total > out.col.len() || total >= NONE as usize {
        return Err(Error::LengthMismatch {
            what: "pattern columns (capacity)",
            expected: total,
            found: out.col.len(),
        });
    }
    // Fill: L_i in place (then sorted), and i appended to U_k for each k of
    // L_i; rows come in increasing i, so every U_k is sorted as written.
    mark[..n].fill(NONE);
    for i in 0..n {
        let mut q = out.start[i] as usize;
        let col = &mut *out.col;
        let cursor = &mut *out.cursor;
        row_reach(g, i, parent, mark, |k| {
            col[q] = I::from_ix(k);
            q += 1;
            let c = cursor[k] as usize;
            col[c] = I::from_ix(i);
            cursor[k] += 1;
        });
        let (s, d) = (out.start[i] as usize, out.diag[i] as usize);
        heapsort(&mut col[s..d]);
        col[d] = I::from_ix(i);
    }
    Ok(total)
}

/// Sorts `xs` in place (heapsort: `O(r log r)` for a row of `r` entries,
/// and a few hundred bytes of code where `sort_unstable` brings kilobytes
/// into a firmware image).
fn heapsort<I: Index>(xs: &mut [I]) {
    fn sift_down<I: Index>(xs: &mut [I], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && xs[child] < xs[child + 1] {
                child += 1;
            }
            if xs[root] >= xs[child] {
                return;
            }
            xs.swap(root, child);
            root = child;
        }
    }
    let n = xs.len();
    for root in (0..n / 2).rev() {
        sift_down(xs, root, n);
    }
    for end in (1..n).rev() {
        xs.swap(0, end);
        sift_down(xs, 0, end);
    }
}

/// Factors `A = L U` from the pattern `p` (no pivoting), row by row.
///
/// For each row `i`, `work` is zeroed at the row's columns, then
/// `assemble(i, columns, work)` writes the row of `A` into it (entries
/// outside the pattern must stay zero). `vals` receives the factors (the
/// multipliers of `L` and the rows of `U`) and `inv` the reciprocal pivots.
///
/// # Errors
///
/// [`Error::Singular`] if a pivot's magnitude in some lane is not above
/// `n ε` (for a matrix whose entries are at most 1 in magnitude, as the
/// evaluator's are), or is NaN.
pub(crate) fn factor<T: Real, V: Lane<T>, I: Index>(
    p: &Pattern<'_, I>,
    vals: &mut [V],
    inv: &mut [V],
    work: &mut [V],
    mut assemble: impl FnMut(usize, &[I], &mut [V]),
) -> Result<()> {
    let n = p.start.len();
    let tiny = T::EPSILON * T::from_usize(n);
    let zero = V::splat(T::ZERO);
    for i in 0..n {
        let (s, d, e) = (p.start[i] as usize, p.diag[i] as usize, p.end[i] as usize);
        let cols = &p.col[s..e];
        for c in cols {
            work[c.ix()] = zero;
        }
        assemble(i, cols, work);
        for &k in &p.col[s..d] {
            let k = k.ix();
            let l = work[k].mul(inv[k]);
            work[k] = l;
            let (us, ue) = (p.diag[k] as usize + 1, p.end[k] as usize);
            let cols_k = &p.col[us..ue];
            // A long U_k over consecutive columns (the dense blocks that
            // separators become) is a plain axpy, with no index loads.
            let run = match (cols_k.len() >= 16, cols_k.first(), cols_k.last()) {
                (true, Some(f), Some(l)) if l.ix() - f.ix() + 1 == cols_k.len() => Some(f.ix()),
                _ => None,
            };
            if let Some(first) = run {
                let dst = &mut work[first..first + cols_k.len()];
                for (x, &u) in dst.iter_mut().zip(&vals[us..ue]) {
                    *x = x.sub_mul(l, u);
                }
            } else {
                for (c, &u) in cols_k.iter().zip(&vals[us..ue]) {
                    let j = c.ix();
                    work[j] = work[j].sub_mul(l, u);
                }
            }
        }
        for (v, c) in vals[s..e].iter_mut().zip(cols) {
            *v = work[c.ix()];
        }
        let pivot = vals[d];
        if !pivot.all_abs_above(tiny) {
            return Err(Error::Singular { pivot: i });
        }
        inv[i] = pivot.recip();
    }
    Ok(())
}

/// Solves `A x = b` in place (`x` holds `b` on entry) with the factors of
/// [`factor`]: `L` then `U`, each by rows.
pub(crate) fn solve<T: Real, V: Lane<T>, I: Index>(
    p: &Pattern<'_, I>,
    vals: &[V],
    inv: &[V],
    x: &mut [V],
) {
    let n = p.start.len();
    let zero = V::splat(T::ZERO);
    for i in 0..n {
        let (s, d) = (p.start[i] as usize, p.diag[i] as usize);
        let mut acc = zero;
        for (c, &l) in p.col[s..d].iter().zip(&vals[s..d]) {
            acc = acc.add_mul(l, x[c.ix()]);
        }
        x[i] = x[i].sub(acc);
    }
    for i in (0..n).rev() {
        let (d, e) = (p.diag[i] as usize + 1, p.end[i] as usize);
        let mut acc = zero;
        for (c, &u) in p.col[d..e].iter().zip(&vals[d..e]) {
            acc = acc.add_mul(u, x[c.ix()]);
        }
        x[i] = x[i].sub(acc).mul(inv[i]);
    }
}

/// Solves `Aᵀ y = c` in place (`y` holds `c` on entry) with the factors of
/// [`factor`]: `Uᵀ` then `Lᵀ`, each by rows of the stored factors.
pub(crate) fn solve_transpose<T: Real, V: Lane<T>, I: Index>(
    p: &Pattern<'_, I>,
    vals: &[V],
    inv: &[V],
    y: &mut [V],
) {
    let n = p.start.len();
    for k in 0..n {
        let z = y[k].mul(inv[k]);
        y[k] = z;
        let (d, e) = (p.diag[k] as usize + 1, p.end[k] as usize);
        for (c, &u) in p.col[d..e].iter().zip(&vals[d..e]) {
            let j = c.ix();
            y[j] = y[j].sub_mul(u, z);
        }
    }
    for k in (1..n).rev() {
        let w = y[k];
        let (s, d) = (p.start[k] as usize, p.diag[k] as usize);
        for (c, &l) in p.col[s..d].iter().zip(&vals[s..d]) {
            let j = c.ix();
            y[j] = y[j].sub_mul(l, w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::Lu;

    /// A graph given by a dense symmetric adjacency.
    struct Dense<const N: usize>([[bool; N]; N]);

    impl<const N: usize> LowerGraph for Dense<N> {
        fn n(&self) -> usize {
            N
        }
        fn for_each_lower(&self, i: usize, mut f: impl FnMut(usize)) {
            for j in 0..i {
                if self.0[i][j] {
                    f(j);
                }
            }
        }
    }

    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *state >> 33
    }

    fn plan<const N: usize>(g: &Dense<N>) -> ([u32; N], [u32; N], [u32; N], [u32; 400], usize) {
        let (mut start, mut diag, mut end) = ([0u32; N], [0u32; N], [0u32; N]);
        let mut col = [0u32; 400];
        let (mut parent, mut mark, mut cursor) = ([0u32; N], [0u32; N], [0u32; N]);
        let total = symbolic(
            g,
            PatternMut {
                start: &mut start,
                diag: &mut diag,
                end: &mut end,
                col: &mut col,
                parent: &mut parent,
                mark: &mut mark,
                cursor: &mut cursor,
            },
            usize::MAX,
        )
        .unwrap();
        (start, diag, end, col, total)
    }

    /// The pattern is exactly the fill of dense symbolic elimination, and
    /// factor + solves agree with the dense LU on a diagonally dominant
    /// matrix with that structure (and an unsymmetric one inside it).
    #[test]
    fn symbolic_is_the_dense_fill_and_kernels_solve() {
        const N: usize = 16;
        let mut seed = 42u64;
        // Fewer trials under Miri, where each takes seconds.
        let trials = if cfg!(miri) { 4 } else { 40 };
        for trial in 0..trials {
            let mut adj = [[false; N]; N];
            for i in 0..N {
                for j in 0..i {
                    if lcg(&mut seed) % 7 < (trial % 4) as u64 + 1 {
                        adj[i][j] = true;
                        adj[j][i] = true;
                    }
                }
            }
            let g = Dense(adj);
            let (start, diag, end, col, total) = plan(&g);
            // Dense symbolic elimination.
            let mut fill = adj;
            for k in 0..N {
                for i in k + 1..N {
                    for j in k + 1..N {
                        if fill[i][k] && fill[k][j] && i != j {
                            fill[i][j] = true;
                        }
                    }
                }
            }
            let mut count = N;
            for i in 0..N {
                let row: &[u32] = &col[start[i] as usize..end[i] as usize];
                assert_eq!(col[diag[i] as usize], i as u32);
                assert!(row.windows(2).all(|w| w[0] < w[1]), "sorted row {i}");
                for j in 0..N {
                    let want = i == j || fill[i][j];
                    assert_eq!(row.contains(&(j as u32)), want, "({i}, {j}), trial {trial}");
                    count += usize::from(i != j && fill[i][j]);
                }
            }
            assert_eq!(total, count);
            // Numbers: unsymmetric values on (a subset of) the pattern,
            // column diagonally dominant.
            let mut a = [[0.0f64; N]; N];
            for i in 0..N {
                for j in 0..N {
                    if i != j && adj[i][j] && !lcg(&mut seed).is_multiple_of(5) {
                        a[i][j] = (lcg(&mut seed) % 1000) as f64 / 1000.0 - 0.5;
                    }
                }
            }
            for j in 0..N {
                let s: f64 = (0..N).map(|i| a[i][j].abs()).sum();
                a[j][j] = s + 1.0;
            }
            let p = Pattern {
                start: &start,
                diag: &diag,
                end: &end,
                col: &col[..total],
            };
            let mut vals = [0.0f64; 400];
            let (mut inv, mut work) = ([0.0f64; N], [0.0f64; N]);
            factor(&p, &mut vals[..total], &mut inv, &mut work, |i, _, w| {
                for (j, &x) in a[i].iter().enumerate() {
                    if x != 0.0 {
                        w[j] = x;
                    }
                }
            })
            .unwrap();
            let mut lu = Lu::<f64, N>::new();
            lu.factor(&a).unwrap();
            let b: [f64; N] = core::array::from_fn(|i| i as f64 - 3.5);
            let (mut x, mut y) = (b, b);
            solve(&p, &vals[..total], &inv, &mut x);
            solve_transpose(&p, &vals[..total], &inv, &mut y);
            let (mut x0, mut y0) = ([0.0; N], [0.0; N]);
            lu.solve(&b, &mut x0).unwrap();
            lu.solve_transpose(&b, &mut y0).unwrap();
            for i in 0..N {
                assert!((x[i] - x0[i]).abs() < 1e-12, "solve, trial {trial}");
                assert!(
                    (y[i] - y0[i]).abs() < 1e-12,
                    "transposed solve, trial {trial}"
                );
            }
        }
    }

    #[test]
    fn heapsort_sorts() {
        let mut seed = 7u64;
        for n in 0..40 {
            let mut xs: [u32; 40] = core::array::from_fn(|_| (lcg(&mut seed) % 50) as u32);
            heapsort(&mut xs[..n]);
            assert!(xs[..n].windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn symbolic_refuses_short_storage() {
        let g = Dense([[true; 4]; 4]);
        let (mut start, mut diag, mut end) = ([0u32; 4], [0u32; 4], [0u32; 4]);
        let mut col = [0u32; 15];
        let (mut parent, mut mark, mut cursor) = ([0u32; 4], [0u32; 4], [0u32; 4]);
        let err = symbolic(
            &g,
            PatternMut {
                start: &mut start,
                diag: &mut diag,
                end: &mut end,
                col: &mut col,
                parent: &mut parent,
                mark: &mut mark,
                cursor: &mut cursor,
            },
            usize::MAX,
        )
        .unwrap_err();
        assert_eq!(
            err,
            Error::LengthMismatch {
                what: "pattern columns (capacity)",
                expected: 16,
                found: 15
            }
        );
    }
}
