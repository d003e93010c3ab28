//! One streaming quantile in fixed memory: the P² algorithm of Jain &
//! Chlamtac, "The P² algorithm for dynamic calculation of quantiles and
//! histograms without storing observations", CACM 28(10), 1985.
//!
//! Five markers track the minimum, the `p/2`, `p` and `(1+p)/2` quantiles
//! and the maximum. Marker `i` has a height `q[i]` (its value), an integer
//! position `n[i]` (its rank among the observations so far, counted from 1)
//! and a desired position `n'[i] = 1 + (N − 1)·dn'[i]` for `N` observations,
//! with increments `dn' = (0, p/2, p, (1+p)/2, 1)`. After each observation a
//! middle marker that is a whole rank or more from where it should be moves
//! one rank towards it, its height following the piecewise-parabolic (P²)
//! formula, or the straight line to its neighbour when the parabola would
//! leave the bracket of the neighbouring heights.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// the P² markers are fixed [_; 5] arrays indexed by 0..5 or 1..4, and the
// first observations by count < 5 (checked before indexing); positions
// and counts that could grow use saturating arithmetic.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "fixed five-marker arrays (see above)"
)]

use crate::error::{Error, Result};
use crate::real::Real;

/// A streaming estimate of the `p`-quantile by the P² algorithm
/// (Jain & Chlamtac 1985): O(1) memory, no allocation, no stored sample.
///
/// `T` is the scalar (`f32` or `f64`). Marker positions and the count are
/// `u64`, so an `f32` estimator keeps exact ranks far beyond 2²⁴
/// observations; desired positions are recomputed from the count as
/// `1 + (N − 1)·dn'` rather than accumulated, so they never drift or stall.
///
/// What [`P2Quantile::estimate`] returns:
///
/// * no observations: `None`;
/// * `m` of 1 to 4 observations (all kept, sorted, in the marker heights):
///   the exact sample quantile with linear interpolation between order
///   statistics at the 1-based rank `1 + (m − 1)·p` (type 7 of Hyndman & Fan,
///   the default of R and NumPy, and the same rank convention as the
///   desired position of the middle marker);
/// * 5 or more observations: the height of the middle marker, exactly as in
///   the paper (at exactly 5 observations this is the sample median of the
///   five, whatever `p` is, also as in the paper).
///
/// # Examples
///
/// ```
/// use policy_landscape::stats::P2Quantile;
///
/// let mut median = P2Quantile::new(0.5_f64)?;
/// assert_eq!(median.estimate(), None);
/// for x in [3.0, 1.0, 2.0] {
///     median.push(x)?;
/// }
/// assert_eq!(median.estimate(), Some(2.0)); // exact below five observations
/// for i in 0..1000 {
///     median.push(f64::from(i % 101))?; // 0..=100, evenly
/// }
/// let m = median.estimate().unwrap();
/// assert!((m - 50.0).abs() < 1.0);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct P2Quantile<T> {
    /// The target probability, in (0, 1).
    p: T,
    /// Number of observations.
    count: u64,
    /// Marker heights `q[0..5]`; below five observations, the observations
    /// so far, sorted, in `q[..count]`.
    heights: [T; 5],
    /// Marker positions `n[0..5]` (1-based ranks).
    positions: [u64; 5],
    /// Desired positions `n'[i] = 1 + (count − 1)·dn'[i]`.
    desired: [T; 5],
    /// Increments `dn' = (0, p/2, p, (1+p)/2, 1)`.
    increments: [T; 5],
}

impl<T: Real> P2Quantile<T> {
    /// An empty estimator of the `p`-quantile.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidProbability`] (`what: "quantile"`) unless `0 < p < 1`
    /// (NaN included): the P² markers need room on both sides of `p`.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::{Error, stats::P2Quantile};
    ///
    /// let q90 = P2Quantile::new(0.9_f32)?;
    /// assert_eq!(q90.quantile(), 0.9);
    /// assert_eq!(q90.count(), 0);
    /// assert_eq!(
    ///     P2Quantile::new(1.0_f64),
    ///     Err(Error::InvalidProbability { what: "quantile" })
    /// );
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn new(p: T) -> Result<Self> {
        if !(p > T::ZERO && p < T::ONE) {
            return Err(Error::InvalidProbability { what: "quantile" });
        }
        Ok(Self::with_valid(p))
    }

    /// [`P2Quantile::new`] for a `p` known to lie in `(0, 1)`.
    pub(crate) fn with_valid(p: T) -> Self {
        let increments = [T::ZERO, p * T::HALF, p, (T::ONE + p) * T::HALF, T::ONE];
        let four = T::from_f64(4.0);
        let mut desired = [T::ONE; 5];
        for (d, &dn) in desired.iter_mut().zip(&increments) {
            *d = T::ONE + four * dn;
        }
        Self {
            p,
            count: 0,
            heights: [T::ZERO; 5],
            positions: [1, 2, 3, 4, 5],
            desired,
            increments,
        }
    }

    /// The target probability `p`.
    pub fn quantile(&self) -> T {
        self.p
    }

    /// The number of observations pushed (and merged in).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Adds one observation.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (`what: "observation"`, `index: 0`) for NaN or
    /// ±∞; the estimator is left unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::{Error, stats::P2Quantile};
    ///
    /// let mut q = P2Quantile::new(0.5_f64)?;
    /// q.push(1.0)?;
    /// assert_eq!(
    ///     q.push(f64::NAN),
    ///     Err(Error::NonFinite { what: "observation", index: 0 })
    /// );
    /// assert_eq!(q.count(), 1);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn push(&mut self, x: T) -> Result<()> {
        if !x.is_finite() {
            return Err(Error::NonFinite {
                what: "observation",
                index: 0,
            });
        }
        if self.count < 5 {
            // Keep the first observations sorted (insertion sort); at the
            // fifth they are the paper's initial markers.
            let mut i = self.count as usize;
            while i > 0 && self.heights[i - 1] > x {
                self.heights[i] = self.heights[i - 1];
                i -= 1;
            }
            self.heights[i] = x;
            self.count += 1;
            return Ok(());
        }
        self.update(x);
        Ok(())
    }

    /// The estimate of the `p`-quantile, `None` without observations.
    ///
    /// Below five observations it is the exact sample quantile at the
    /// 1-based rank `1 + (m − 1)·p` (linear interpolation between order
    /// statistics); from five on, the P² middle marker (see the type docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::stats::P2Quantile;
    ///
    /// let mut q = P2Quantile::new(0.25_f64)?;
    /// for x in [40.0, 10.0, 30.0, 20.0] {
    ///     q.push(x)?;
    /// }
    /// // Rank 1 + 3 * 0.25 = 1.75: three quarters of the way from 10 to 20.
    /// assert_eq!(q.estimate(), Some(17.5));
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn estimate(&self) -> Option<T> {
        match self.count {
            0 => None,
            1..=4 => {
                let m = self.count as usize;
                let h = T::from_usize(m - 1) * self.p;
                // `as` truncates towards zero (= floor for h >= 0) and
                // saturates, so no index can leave the buffer.
                let lo = h.to_usize().min(m - 1);
                let frac = h - T::from_usize(lo);
                Some(if lo + 1 < m {
                    lerp(self.heights[lo], self.heights[lo + 1], frac)
                } else {
                    self.heights[lo]
                })
            }
            _ => Some(self.heights[2]),
        }
    }

    /// The five marker heights (minimum, `p/2`, `p`, `(1+p)/2` markers,
    /// maximum), `None` below five observations.
    pub fn heights(&self) -> Option<[T; 5]> {
        (self.count >= 5).then_some(self.heights)
    }

    /// The five marker positions (1-based ranks; the last is the count),
    /// `None` below five observations.
    pub fn positions(&self) -> Option<[u64; 5]> {
        (self.count >= 5).then_some(self.positions)
    }

    /// The five desired marker positions `1 + (N − 1)·dn'`, `None` below
    /// five observations.
    pub fn desired_positions(&self) -> Option<[T; 5]> {
        (self.count >= 5).then_some(self.desired)
    }

    /// Combines the estimator of another shard of the stream into this one.
    ///
    /// The rules, in order (P² has no exact merge; this one is deterministic
    /// and never panics):
    ///
    /// 1. `other` empty: nothing changes (exact identity).
    /// 2. `self` empty: `self` becomes a copy of `other` (exact identity).
    /// 3. A shard with fewer than five observations holds them exactly; they
    ///    are pushed, in ascending order, into (a copy of) the other shard.
    ///    If both have fewer than five, `other`'s go into `self`.
    /// 4. Both with five or more: the markers are rebuilt from the pooled
    ///    rank function. Each shard's markers define a piecewise-linear
    ///    "number of observations ≤ x", `G(x)`: 0 below its minimum, its
    ///    position `n[j]` at each height `q[j]`, linear in between, its count
    ///    from its maximum on. The merged count is `N = N_a + N_b` (saturating),
    ///    the minimum and maximum are the pooled ones at positions 1 and `N`,
    ///    and each middle marker `i` gets the integer position nearest to its
    ///    desired position `1 + (N − 1)·dn'[i]` (nudged, if needed, to keep the
    ///    positions strictly increasing) and the height at which
    ///    `G_a + G_b`, interpolated linearly between the ten pooled marker
    ///    heights, reaches that position. This step is symmetric: merging `b`
    ///    into `a` and `a` into `b` give the same bits.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleMerge`] (`what: "quantile"`) if the two estimate
    /// different quantiles; [`Error::NonFinite`] (`what: "marker height"`)
    /// if a (deserialised) marker height is not finite. `self` is unchanged
    /// on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::stats::P2Quantile;
    ///
    /// let mut a = P2Quantile::new(0.5_f64)?;
    /// let mut b = P2Quantile::new(0.5_f64)?;
    /// for i in 0..500 {
    ///     a.push(f64::from(i))?; // 0..500
    ///     b.push(f64::from(i + 500))?; // 500..1000
    /// }
    /// a.merge(&b)?;
    /// assert_eq!(a.count(), 1000);
    /// assert!((a.estimate().unwrap() - 499.5).abs() < 5.0);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.p != other.p {
            return Err(Error::IncompatibleMerge { what: "quantile" });
        }
        if other.count == 0 {
            return Ok(());
        }
        if self.count == 0 {
            *self = other.clone();
            return Ok(());
        }
        let (small, large) = if other.count < 5 {
            (other, &*self)
        } else if self.count < 5 {
            (&*self, other)
        } else {
            let merged = self.pooled(other)?;
            *self = merged;
            return Ok(());
        };
        let mut merged = large.clone();
        for &x in &small.heights[..small.count as usize] {
            merged.push(x).map_err(|_| Error::NonFinite {
                what: "marker height",
                index: 0,
            })?;
        }
        *self = merged;
        Ok(())
    }

    /// One P² step for the sixth and later observations.
    fn update(&mut self, x: T) {
        let q = &mut self.heights;
        // The cell k with q[k] <= x < q[k+1]; the extremes are stretched.
        let k = if x < q[0] {
            q[0] = x;
            0
        } else if x >= q[4] {
            q[4] = x;
            3
        } else {
            let mut k = 0;
            while k < 3 && x >= q[k + 1] {
                k += 1;
            }
            k
        };
        for n in &mut self.positions[k + 1..] {
            *n = n.saturating_add(1);
        }
        self.count = self.count.saturating_add(1);
        let before = T::from_u64(self.count.saturating_sub(1));
        for (d, &dn) in self.desired.iter_mut().zip(&self.increments) {
            *d = T::ONE + before * dn;
        }
        for i in 1..4 {
            self.adjust(i);
        }
    }

    /// Moves middle marker `i` one rank towards its desired position if it
    /// is at least one rank away and the neighbour on that side is not
    /// adjacent.
    fn adjust(&mut self, i: usize) {
        let n = &self.positions;
        let d = self.desired[i] - T::from_u64(n[i]);
        let gap_up = n[i + 1].saturating_sub(n[i]);
        let gap_down = n[i].saturating_sub(n[i - 1]);
        let up = d >= T::ONE && gap_up > 1;
        let down = d <= -T::ONE && gap_down > 1;
        if !(up || down) {
            return;
        }
        let q = &self.heights;
        let (qm, q0, qp) = (q[i - 1], q[i], q[i + 1]);
        let nm = T::from_u64(n[i - 1]);
        let n0 = T::from_u64(n[i]);
        let np = T::from_u64(n[i + 1]);
        let s = if up { T::ONE } else { -T::ONE };
        // The P² (piecewise-parabolic) prediction, the paper's formula.
        let parabolic = q0
            + s / (np - nm)
                * ((n0 - nm + s) * (qp - q0) / (np - n0) + (np - n0 - s) * (q0 - qm) / (n0 - nm));
        let height = if qm < parabolic && parabolic < qp {
            parabolic
        } else {
            // Linear towards the neighbour: q0 + s (q_{i+s} − q0) / (n_{i+s} − n0);
            // the two signs cancel exactly.
            let (qn, gap) = if up { (qp, gap_up) } else { (qm, gap_down) };
            let gap = T::from_u64(gap);
            let mut h = q0 + (qn - q0) / gap;
            if !h.is_finite() {
                // (qn − q0) overflowed: the same point as a convex combination.
                h = q0 - q0 / gap + qn / gap;
            }
            h.max(qm).min(qp)
        };
        self.heights[i] = height;
        self.positions[i] = if up {
            self.positions[i].saturating_add(1)
        } else {
            self.positions[i].saturating_sub(1)
        };
    }

    /// Rule 4 of [`P2Quantile::merge`]: markers rebuilt from the pooled
    /// piecewise-linear rank functions of two shards with ≥ 5 observations.
    fn pooled(&self, other: &Self) -> Result<Self> {
        for (index, h) in self.heights.iter().chain(&other.heights).enumerate() {
            if !h.is_finite() {
                return Err(Error::NonFinite {
                    what: "marker height",
                    index,
                });
            }
        }
        let total = self.count.saturating_add(other.count);
        let mut breaks = [T::ZERO; 10];
        breaks[..5].copy_from_slice(&self.heights);
        breaks[5..].copy_from_slice(&other.heights);
        insertion_sort(&mut breaks);
        let mut ranks = [T::ZERO; 10];
        for (r, &b) in ranks.iter_mut().zip(&breaks) {
            *r = self.rank_below(b) + other.rank_below(b);
        }

        let mut merged = self.clone();
        merged.count = total;
        merged.heights[0] = self.heights[0].min(other.heights[0]);
        merged.heights[4] = self.heights[4].max(other.heights[4]);
        merged.positions[0] = 1;
        merged.positions[4] = total;
        let before = T::from_u64(total.saturating_sub(1));
        for (d, &dn) in merged.desired.iter_mut().zip(&merged.increments) {
            *d = T::ONE + before * dn;
        }
        for i in 1..4 {
            // Nearest integer to the desired position (`as` truncates and
            // saturates), kept strictly between its neighbours.
            let nearest = (merged.desired[i].to_f64() + 0.5) as u64;
            let lowest = merged.positions[i - 1].saturating_add(1);
            let highest = total.saturating_sub(4 - i as u64);
            let pos = nearest.max(lowest).min(highest);
            merged.positions[i] = pos;
            merged.heights[i] = inverse_rank(&breaks, &ranks, T::from_u64(pos));
        }
        Ok(merged)
    }

    /// The piecewise-linear count of observations `<= x` through this
    /// shard's markers (see [`P2Quantile::merge`]).
    fn rank_below(&self, x: T) -> T {
        let q = &self.heights;
        let n = &self.positions;
        if x < q[0] {
            return T::ZERO;
        }
        if x >= q[4] {
            return T::from_u64(self.count);
        }
        let mut j = 0;
        while j < 3 && x >= q[j + 1] {
            j += 1;
        }
        let lo = T::from_u64(n[j]);
        let hi = T::from_u64(n[j + 1]);
        lerp(lo, hi, fraction(x, q[j], q[j + 1]))
    }
}

/// The first `x` at which the piecewise-linear function through
/// `(breaks[k], ranks[k])` reaches `r` (`breaks` ascending, `ranks`
/// non-decreasing).
fn inverse_rank<T: Real>(breaks: &[T; 10], ranks: &[T; 10], r: T) -> T {
    for k in 0..10 {
        if ranks[k] >= r {
            if k == 0 {
                return breaks[0];
            }
            // ranks[k-1] < r <= ranks[k], so breaks[k-1] < breaks[k] and
            // the weight lies in (0, 1].
            let w = (r - ranks[k - 1]) / (ranks[k] - ranks[k - 1]);
            return lerp(breaks[k - 1], breaks[k], w);
        }
    }
    breaks[9]
}

/// Sorts a short array ascending (stable; no allocation, no panic).
fn insertion_sort<T: Real>(xs: &mut [T]) {
    for i in 1..xs.len() {
        let x = xs[i];
        let mut j = i;
        while j > 0 && xs[j - 1] > x {
            xs[j] = xs[j - 1];
            j -= 1;
        }
        xs[j] = x;
    }
}

/// `a + w (b − a)` for a weight `w` in `[0, 1]`, kept finite and inside
/// `[min(a, b), max(a, b)]` even when `b − a` overflows.
fn lerp<T: Real>(a: T, b: T, w: T) -> T {
    let mut v = a + w * (b - a);
    if !v.is_finite() {
        v = a - w * a + w * b;
    }
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    v.max(lo).min(hi)
}

/// `(x − a) / (b − a)` for `a <= x < b`, in `[0, 1]` even when the
/// differences overflow.
fn fraction<T: Real>(x: T, a: T, b: T) -> T {
    let mut f = (x - a) / (b - a);
    if !f.is_finite() {
        f = (x * T::HALF - a * T::HALF) / (b * T::HALF - a * T::HALF);
    }
    f.max(T::ZERO).min(T::ONE)
}
