//! The streaming perturbation-statistics accumulator (paper §2.1.2).
//!
//! For each direction `d` the caller (or [`crate::probe::probe`]) pushes
//! the pair `(D+, D−) = (O(θ0 + αd) − O(θ0), O(θ0 − αd) − O(θ0))`. The
//! accumulator keeps, in fixed memory:
//!
//! - the calibrated projections of eq. 1–2: gradient `(D+ − D−) / 2α` and
//!   curvature `(D+ + D−) / α²`, and the authors' plotting axes
//!   `(D+ − D−) / √2`, `(D+ + D−) / √2`, each with count, mean, variance,
//!   minimum and maximum;
//! - the paper's cases (both negative, both positive, opposite signs, both
//!   ≈ 0) and the signs of the curvature, where "≈ 0" and "negative" mean
//!   *detectably* so (footnote 6): beyond `k` standard errors when the
//!   evaluations come with standard errors, beyond a relative floor
//!   otherwise;
//! - a curvature histogram on symmetric log-spaced bins (no range needed in
//!   advance) and P² quantiles of the gradient projection;
//! - the curvature of the improving direction nearest the 90th percentile of
//!   the improving gradient projections (footnote 5);
//! - the zeroth-order estimates `‖∇O‖² ≈ n E[(∇O·d)²]` and
//!   `tr H ≈ n E[dᵀHd]` with standard errors.
//!
//! Two accumulators of the same probe (same `α`, dimension, base value and
//! thresholds) merge: counts, minima, maxima and the histogram exactly as if
//! one had seen both streams, moments to rounding, quantiles approximately.

use super::thresholds::{PairErrors, Thresholds, sign};
use super::verdict::{Cases, Verdict};
use crate::error::{Error, Result, rule};
use crate::real::Real;
use crate::stats::{Estimate, LogHistogram, Moments, P2Quantile};

/// Streaming statistics of random-direction probes around one point `θ0`.
///
/// Fixed size (about 4.5 KB in `f64`), no allocation; see the module docs
/// for what it keeps.
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::{Accumulator, VerdictKind};
///
/// // O(θ) = -(θ₀² + θ₁²) at θ0 = 0: every direction goes down.
/// let mut acc = Accumulator::<f64>::new(0.1, 2, 0.0)?;
/// for i in 0..50 {
///     let t = i as f64 * 0.1;
///     let d = [t.cos(), t.sin()];
///     let o = |s: f64| -((s * 0.1 * d[0]).powi(2) + (s * 0.1 * d[1]).powi(2));
///     acc.push(o(1.0), o(-1.0))?;
/// }
/// assert_eq!(acc.verdict().kind, VerdictKind::LocalMaximum);
/// assert!((acc.curvature().mean().unwrap() + 2.0).abs() < 1e-12); // dᵀHd = -2
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "snapshot::Snapshot<T>",
        bound(deserialize = "T: Real + serde::Deserialize<'de>")
    )
)]
pub struct Accumulator<T> {
    alpha: T,
    dim: usize,
    base: T,
    base_error: T,
    thresholds: Thresholds<T>,
    gradient: Moments<T>,
    curvature: Moments<T>,
    gradient_sq: Moments<T>,
    cases: Cases,
    histogram: LogHistogram<T>,
    quantiles: [P2Quantile<T>; 3],
    improving_q90: P2Quantile<T>,
    /// Whether the P² quantiles (and the footnote-5 pick) are tracked.
    track_quantiles: bool,
    /// The `(gradient, curvature)` of the improving direction nearest the
    /// running 90th-percentile estimate.
    improving_pick: Option<(T, T)>,
}

/// The quantiles of the gradient projection that are tracked.
pub const GRADIENT_QUANTILES: [f64; 3] = [0.1, 0.5, 0.9];

impl<T: Real> Accumulator<T> {
    /// An empty accumulator for a probe of step `alpha` in dimension `dim`
    /// around a point where the objective is `base = O(θ0)`, with default
    /// [`Thresholds`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `alpha <= 0`, non-finite, or with
    /// `alpha²` outside the normal range (the curvature divides by it);
    /// [`Error::NonFinite`] for a non-finite `base`;
    /// [`Error::LengthMismatch`] for `dim == 0`.
    pub fn new(alpha: T, dim: usize, base: T) -> Result<Self> {
        Self::with_thresholds(alpha, dim, base, Thresholds::default())
    }

    /// As [`Accumulator::new`] with explicit thresholds.
    ///
    /// # Errors
    ///
    /// As [`Accumulator::new`], and [`Error::InvalidParameter`] for negative
    /// or non-finite thresholds.
    pub fn with_thresholds(
        alpha: T,
        dim: usize,
        base: T,
        thresholds: Thresholds<T>,
    ) -> Result<Self> {
        let base = Estimate {
            value: base,
            std_error: T::ZERO,
        };
        Self::with_base(alpha, dim, base, thresholds)
    }

    /// As [`Accumulator::with_thresholds`] for a base value estimated with a
    /// standard error (a Monte-Carlo objective).
    ///
    /// # Errors
    ///
    /// As [`Accumulator::with_thresholds`], and [`Error::InvalidParameter`]
    /// for a negative or non-finite standard error.
    pub fn with_base(
        alpha: T,
        dim: usize,
        base: Estimate<T>,
        thresholds: Thresholds<T>,
    ) -> Result<Self> {
        if !(base.std_error.is_finite() && base.std_error >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "standard error",
                rule: rule::NON_NEGATIVE,
            });
        }
        let (base, base_error) = (base.value, base.std_error);
        check_alpha(alpha)?;
        if !base.is_finite() {
            return Err(Error::NonFinite {
                what: "base value",
                index: 0,
            });
        }
        if dim == 0 {
            return Err(Error::LengthMismatch {
                what: "theta",
                expected: 1,
                found: 0,
            });
        }
        thresholds.check()?;
        // The probabilities are constants inside (0, 1).
        let q = |p: f64| P2Quantile::with_valid(T::from_f64(p));
        Ok(Self {
            alpha,
            dim,
            base,
            base_error,
            thresholds,
            gradient: Moments::new(),
            curvature: Moments::new(),
            gradient_sq: Moments::new(),
            cases: Cases::default(),
            histogram: LogHistogram::new(),
            quantiles: [
                q(GRADIENT_QUANTILES[0]),
                q(GRADIENT_QUANTILES[1]),
                q(GRADIENT_QUANTILES[2]),
            ],
            improving_q90: q(0.9),
            track_quantiles: true,
            improving_pick: None,
        })
    }

    /// The probe step `α`.
    pub fn alpha(&self) -> T {
        self.alpha
    }

    /// The dimension `n` of the parameter space.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `O(θ0)`.
    pub fn base(&self) -> T {
        self.base
    }

    /// Turns the P² quantiles (and with them the footnote-5 pick) off or on.
    /// They are most of a push's cost; a device that needs only the cases,
    /// the verdict and the moments can skip them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] once directions have been pushed.
    pub fn set_quantiles(&mut self, on: bool) -> Result<()> {
        if self.count() > 0 {
            return Err(Error::InvalidParameter {
                what: "quantile tracking",
                rule: "be set before the first push",
            });
        }
        self.track_quantiles = on;
        Ok(())
    }

    /// Whether the P² quantiles are tracked (the default).
    pub fn tracks_quantiles(&self) -> bool {
        self.track_quantiles
    }

    /// The standard error of `O(θ0)` (0 for an exact objective).
    pub fn base_error(&self) -> T {
        self.base_error
    }

    /// The thresholds in use.
    pub fn thresholds(&self) -> &Thresholds<T> {
        &self.thresholds
    }

    /// Pushes the pair of one direction from an exact objective.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (index 0 for `D+`, 1 for `D−`);
    /// [`Error::NumericalOverflow`] if a projection overflows (e.g.
    /// `D± = ±f64::MAX`, `"probe projection"`) or would make a statistic
    /// non-finite (`"probe statistics"`: a sum, a variance, or `n` times a
    /// projection, which the zeroth-order estimates need);
    /// [`Error::CountOverflow`] past `u64::MAX` directions. The accumulator
    /// is unchanged on error.
    pub fn push(&mut self, d_plus: T, d_minus: T) -> Result<()> {
        let floor = self.thresholds.rel_floor * self.base.abs().max(T::ONE);
        self.push_with_tolerances(d_plus, d_minus, floor, floor, floor)
    }

    /// Pushes the pair of one direction whose three evaluations carry
    /// standard errors (assumed independent, which over-states the error of
    /// a difference under common random numbers: conservative).
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for a NaN or infinite difference or error,
    /// [`Error::InvalidParameter`] for a negative error,
    /// [`Error::NumericalOverflow`] if a projection overflows; unchanged on
    /// error.
    pub fn push_with_errors(&mut self, d_plus: T, d_minus: T, errors: PairErrors<T>) -> Result<()> {
        for (index, e) in [errors.base, errors.plus, errors.minus]
            .into_iter()
            .enumerate()
        {
            if !e.is_finite() {
                return Err(Error::NonFinite {
                    what: "standard error",
                    index,
                });
            }
            if e < T::ZERO {
                return Err(Error::InvalidParameter {
                    what: "standard error",
                    rule: rule::NON_NEGATIVE,
                });
            }
        }
        let k = self.thresholds.k_sigma;
        let floor = self.thresholds.rel_floor * self.base.abs().max(T::ONE);
        let b2 = errors.base * errors.base;
        let t_plus = (k * (errors.plus * errors.plus + b2).sqrt()).max(floor);
        let t_minus = (k * (errors.minus * errors.minus + b2).sqrt()).max(floor);
        // D+ + D- = O+ + O- - 2 O0.
        let t_sum = (k
            * (errors.plus * errors.plus + errors.minus * errors.minus + T::from_f64(4.0) * b2)
                .sqrt())
        .max(floor);
        self.push_with_tolerances(d_plus, d_minus, t_plus, t_minus, t_sum)
    }

    fn push_with_tolerances(
        &mut self,
        d_plus: T,
        d_minus: T,
        t_plus: T,
        t_minus: T,
        t_sum: T,
    ) -> Result<()> {
        for (index, d) in [d_plus, d_minus].into_iter().enumerate() {
            if !d.is_finite() {
                return Err(Error::NonFinite {
                    what: "probe difference",
                    index,
                });
            }
        }
        let (g, c) = self.projections(d_plus, d_minus);
        if !(g.is_finite() && c.is_finite()) {
            return Err(Error::NumericalOverflow {
                what: "probe projection",
            });
        }
        if !self.growth(g, c).is_finite() {
            return Err(Error::NumericalOverflow {
                what: "probe statistics",
            });
        }
        if self.count() == u64::MAX {
            return Err(Error::CountOverflow { what: "direction" });
        }
        let g2 = g * g;
        // Everything below is infallible: the accumulator changes only now.
        self.histogram_push(c);
        if self.track_quantiles {
            self.push_quantiles(g, c);
        }
        self.gradient.push_unchecked(g);
        self.curvature.push_unchecked(c);
        self.gradient_sq.push_unchecked(g2);
        self.cases.record(
            sign(d_plus, t_plus),
            sign(d_minus, t_minus),
            sign(d_plus + d_minus, t_sum),
        );
        Ok(())
    }

    /// The gradient projection `(D+ − D−) / 2α` and the curvature
    /// `(D+ + D−) / α²`.
    #[inline(always)]
    fn projections(&self, d_plus: T, d_minus: T) -> (T, T) {
        let g = (d_plus - d_minus) / (T::TWO * self.alpha);
        let c = (d_plus + d_minus) / (self.alpha * self.alpha);
        (g, c)
    }

    /// The invariant that keeps every query finite (see
    /// [`Accumulator::statistics_fit`]) after pushing `(g, c)`, as one sum of
    /// non-negative terms, finite exactly when each term is: the three sums
    /// of squares after the push, and `4 n (g² + |c|)`. (By Cauchy–Schwarz
    /// the plain sums stay finite when the sums of squares do.)
    #[inline(always)]
    fn growth(&self, g: T, c: T) -> T {
        let g2 = g * g;
        let n4 = T::from_usize(self.dim) * T::from_f64(4.0);
        let sums = if self.count() == 0 {
            T::ZERO
        } else {
            self.gradient.sum_sq_after(g)
                + self.curvature.sum_sq_after(c)
                + self.gradient_sq.sum_sq_after(g2)
        };
        sums + n4 * (g2 + c.abs())
    }

    /// The invariant that keeps every query finite: the moments' sums are
    /// finite, and so is `4 n |x|` for every stored `g²` and curvature `x`
    /// (the estimates are `n · mean` and `n · sd / √count`, with
    /// `sd <= 2√2 max |x|`). Pushes keep it cheaply; merges and restored
    /// snapshots check it here.
    fn statistics_fit(
        &self,
        gradient: &Moments<T>,
        curvature: &Moments<T>,
        gradient_sq: &Moments<T>,
    ) -> bool {
        let n4 = T::from_usize(self.dim) * T::from_f64(4.0);
        gradient.is_finite()
            && curvature.is_finite()
            && gradient_sq.is_finite()
            && (n4 * gradient_sq.max_abs()).is_finite()
            && (n4 * curvature.max_abs()).is_finite()
    }

    /// P² updates (about 20 ns each: most of a push's cost).
    fn push_quantiles(&mut self, g: T, c: T) {
        for q in self.quantiles.iter_mut() {
            // g is finite, so P² cannot refuse it.
            let _ = q.push(g);
        }
        if g > T::ZERO {
            let _ = self.improving_q90.push(g);
            if let Some(target) = self.improving_q90.estimate() {
                let nearer = match self.improving_pick {
                    None => true,
                    Some((g0, _)) => (g - target).abs() < (g0 - target).abs(),
                };
                if nearer {
                    self.improving_pick = Some((g, c));
                }
            }
        }
    }

    fn histogram_push(&mut self, c: T) {
        // c is finite here, so the histogram cannot refuse it.
        let _ = self.histogram.push(c);
    }

    /// Merges the accumulator of another shard of the same probe.
    ///
    /// Counts, cases, minima, maxima and the histogram become exactly those
    /// of one accumulator fed both streams; means and variances agree to
    /// rounding; the P² quantiles and the footnote-5 pick are approximations
    /// (see [`P2Quantile::merge`]).
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleMerge`] when `α`, the dimension, the base value
    /// or the thresholds differ; [`Error::CountOverflow`] when the merged
    /// count would pass `u64::MAX`; [`Error::NumericalOverflow`]
    /// (`"probe statistics"`) when the merged sums are not representable.
    /// Unchanged on error.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.alpha.to_bits_u64() != other.alpha.to_bits_u64() {
            return Err(Error::IncompatibleMerge { what: "alpha" });
        }
        if self.dim != other.dim {
            return Err(Error::IncompatibleMerge { what: "dimension" });
        }
        if self.base.to_bits_u64() != other.base.to_bits_u64()
            || self.base_error.to_bits_u64() != other.base_error.to_bits_u64()
        {
            return Err(Error::IncompatibleMerge { what: "base value" });
        }
        if self.thresholds != other.thresholds {
            return Err(Error::IncompatibleMerge { what: "thresholds" });
        }
        if self.track_quantiles != other.track_quantiles {
            return Err(Error::IncompatibleMerge {
                what: "quantile tracking",
            });
        }
        if self.count().checked_add(other.count()).is_none() {
            return Err(Error::CountOverflow { what: "direction" });
        }
        let (mut gradient, mut curvature, mut gradient_sq) =
            (self.gradient, self.curvature, self.gradient_sq);
        // The count cannot overflow (checked above): a refused merge of the
        // moments is an overflowing sum.
        let merged = gradient.merge(&other.gradient).is_ok()
            && curvature.merge(&other.curvature).is_ok()
            && gradient_sq.merge(&other.gradient_sq).is_ok();
        if !(merged && self.statistics_fit(&gradient, &curvature, &gradient_sq)) {
            return Err(Error::NumericalOverflow {
                what: "probe statistics",
            });
        }
        let mut quantiles = self.quantiles.clone();
        for (q, o) in quantiles.iter_mut().zip(&other.quantiles) {
            q.merge(o)?;
        }
        let mut improving_q90 = self.improving_q90.clone();
        improving_q90.merge(&other.improving_q90)?;
        self.quantiles = quantiles;
        self.improving_q90 = improving_q90;
        self.improving_pick = match (
            self.improving_pick,
            other.improving_pick,
            self.improving_q90.estimate(),
        ) {
            (Some(a), Some(b), Some(t)) => Some(if (b.0 - t).abs() < (a.0 - t).abs() {
                b
            } else {
                a
            }),
            (a, b, _) => a.or(b),
        };
        self.gradient = gradient;
        self.curvature = curvature;
        self.gradient_sq = gradient_sq;
        self.cases.merge(&other.cases);
        self.histogram.merge(&other.histogram);
        Ok(())
    }

    /// Number of directions pushed.
    pub fn count(&self) -> u64 {
        self.gradient.count()
    }

    /// Gradient projections `(D+ − D−) / 2α ≈ ∇O·d` (eq. 1).
    pub fn gradient(&self) -> &Moments<T> {
        &self.gradient
    }

    /// Curvatures `(D+ + D−) / α² ≈ dᵀHd` (eq. 2).
    pub fn curvature(&self) -> &Moments<T> {
        &self.curvature
    }

    /// The authors' horizontal plotting axis `(D+ − D−) / √2`
    /// (`= √2 α · gradient`, so derived from [`Accumulator::gradient`]).
    ///
    /// # Errors
    ///
    /// [`Error::NumericalOverflow`] (`"plotting axis"`) when its sums are not
    /// representable (huge differences).
    pub fn plot_x(&self) -> Result<Moments<T>> {
        let k = T::TWO.sqrt() * self.alpha;
        self.gradient.scaled(k).ok_or(Error::NumericalOverflow {
            what: "plotting axis",
        })
    }

    /// The authors' vertical plotting axis `(D+ + D−) / √2`
    /// (`= α² / √2 · curvature`).
    ///
    /// # Errors
    ///
    /// As [`Accumulator::plot_x`].
    pub fn plot_y(&self) -> Result<Moments<T>> {
        let k = self.alpha * self.alpha / T::TWO.sqrt();
        self.curvature.scaled(k).ok_or(Error::NumericalOverflow {
            what: "plotting axis",
        })
    }

    /// The counts of the paper's cases.
    pub fn cases(&self) -> &Cases {
        &self.cases
    }

    /// The curvature histogram.
    pub fn curvature_histogram(&self) -> &LogHistogram<T> {
        &self.histogram
    }

    /// The P² estimate of the `p`-quantile of the gradient projection for
    /// `p` in [`GRADIENT_QUANTILES`] (0.1, 0.5, 0.9); `None` for another `p`
    /// or before any data.
    pub fn gradient_quantile(&self, p: f64) -> Option<T> {
        let i = GRADIENT_QUANTILES.iter().position(|&q| q == p)?;
        self.quantiles.get(i)?.estimate()
    }

    /// Footnote 5: the `(gradient projection, curvature)` of the improving
    /// direction (`∇O·d > 0`) whose gradient projection is nearest the 90th
    /// percentile of the improving ones, a choice robust to outliers.
    /// Streaming: "nearest" is judged against the running P² estimate when
    /// the direction arrives. `None` until a direction improves.
    pub fn improving_curvature(&self) -> Option<(T, T)> {
        self.improving_pick
    }

    /// Zeroth-order estimate of `‖∇O‖²`: `n · mean((∇O·d)²)`, since
    /// `E[(∇O·d)²] = ‖∇O‖² / n` for `d` uniform on the sphere. The standard
    /// error is `n · sd / √count` (needs two directions).
    pub fn gradient_norm_sq(&self) -> Option<Estimate<T>> {
        let n = T::from_usize(self.dim);
        Some(Estimate {
            value: n * self.gradient_sq.mean()?,
            std_error: n * self.gradient_sq.std_error()?,
        })
    }

    /// Zeroth-order estimate of `tr H`: `n · mean(dᵀHd)`, since
    /// `E[dᵀHd] = tr H / n`. The standard error is `n · sd / √count`.
    pub fn hessian_trace(&self) -> Option<Estimate<T>> {
        let n = T::from_usize(self.dim);
        Some(Estimate {
            value: n * self.curvature.mean()?,
            std_error: n * self.curvature.std_error()?,
        })
    }

    /// Classifies `θ0` from the cases seen (see [`Verdict`]).
    pub fn verdict(&self) -> Verdict {
        self.cases.verdict()
    }
}

#[cfg(feature = "defmt")]
impl<T: Real> defmt::Format for Accumulator<T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Accumulator {{ count: {=u64}, alpha: {=f64}, dim: {=usize}, base: {=f64}, cases: {}, verdict: {} }}",
            self.count(),
            self.alpha.to_f64(),
            self.dim,
            self.base.to_f64(),
            self.cases,
            self.verdict(),
        );
    }
}

/// `alpha > 0`, finite, with `alpha²` normal.
fn check_alpha<T: Real>(alpha: T) -> Result<()> {
    let sq = alpha * alpha;
    if alpha > T::ZERO && sq >= T::MIN_POSITIVE && sq <= T::MAX {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            what: "alpha",
            rule: "be positive, with alpha squared a normal number",
        })
    }
}

#[cfg(feature = "serde")]
mod snapshot;
