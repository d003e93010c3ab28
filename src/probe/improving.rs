//! The `K` most-improving directions of a probe, kept with their indices so
//! a caller can step along them (paper §2.1.2).
//!
//! A probe sees each direction `d` through its pair
//! `(D+, D−) = (O(θ0 + αd) − O(θ0), O(θ0 − αd) − O(θ0))`; the better of the
//! two points improves the objective by `max(D+, D−)`. [`Improving`] keeps the
//! `K` directions with the largest improvement in a fixed-capacity
//! [`heapless::Vec`], best first, ties broken by the smaller index. Since a
//! direction is reproducible from `(seed, index)`, an index is all a caller
//! needs to regenerate it and step: [`Improving::step_into`] writes the probed
//! point `θ0 ± αd` back, [`Improving::step_by_into`] any step along the same
//! ray.
//!
//! The kept set is a function of the *set* of directions seen: inserting a
//! direction into the top `K` of a set gives the top `K` of the set with it
//! (a direction that fell out can never come back), so shards of a probe
//! merge to exactly what one pass over all their directions keeps, whatever
//! the split and the merge order. A direction seen twice (overlapping shards)
//! is kept once.

use heapless::Vec;

use super::accumulator::Accumulator;
use super::direction::direction_into;
use crate::error::{Error, Result, check_finite, check_len, check_overflow, rule};
use crate::real::Real;

/// Which point of a probe pair is the better one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Side {
    /// `θ0 + αd` (`D+ ≥ D−`; a tie counts as `Plus`).
    Plus,
    /// `θ0 − αd` (`D− > D+`).
    Minus,
}

/// One probed direction: its index under the probe's seed and its pair.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProbedDirection<T> {
    /// The direction's index: `d = direction_into(seed, index)`.
    pub index: u64,
    /// `D+ = O(θ0 + αd) − O(θ0)`.
    pub d_plus: T,
    /// `D− = O(θ0 − αd) − O(θ0)`.
    pub d_minus: T,
}

impl<T: Real> ProbedDirection<T> {
    /// The improvement of the better point, `max(D+, D−)` (negative when
    /// both points are worse than `θ0`).
    pub fn improvement(&self) -> T {
        if self.d_plus >= self.d_minus {
            self.d_plus
        } else {
            self.d_minus
        }
    }

    /// The side of the better point.
    pub fn side(&self) -> Side {
        if self.d_plus >= self.d_minus {
            Side::Plus
        } else {
            Side::Minus
        }
    }

    /// The gradient projection `(D+ − D−) / 2α ≈ ∇O·d` (eq. 1).
    pub fn gradient(&self, alpha: T) -> T {
        (self.d_plus - self.d_minus) / (T::TWO * alpha)
    }

    /// The curvature `(D+ + D−) / α² ≈ dᵀHd` (eq. 2).
    pub fn curvature(&self, alpha: T) -> T {
        (self.d_plus + self.d_minus) / (alpha * alpha)
    }

    /// Whether `self` ranks before `other`: larger improvement, then smaller
    /// index. A strict total order on the directions of one probe.
    fn ranks_before(&self, other: &Self) -> bool {
        let (a, b) = (self.improvement(), other.improvement());
        a > b || (a == b && self.index < other.index)
    }

    /// The same direction with the same improvement (a direction seen twice).
    fn same_as(&self, other: &Self) -> bool {
        self.index == other.index && self.improvement() == other.improvement()
    }
}

/// The `K` most-improving directions of one probe, best first.
///
/// `T` is the scalar, `K` the capacity (at least 1, checked at compile
/// time). Fed by [`crate::probe::probe_improving`] (or [`Improving::push`]),
/// merged across shards with [`Improving::merge`]; fixed size
/// (`K · (8 + 2 size_of::<T>())` bytes for the directions), no allocation.
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::{self, Improving, Thresholds, from_fn};
///
/// // O(θ) = θ₀ − θ₁²: improving means moving along +θ₀.
/// let mut o = from_fn(|t: &[f64]| Ok(t[0] - t[1] * t[1]));
/// let theta0 = [0.0, 0.0];
/// let mut acc = probe::start(&mut o, &theta0, 0.1, Thresholds::default())?;
/// let mut top = Improving::<f64, 4>::new(7, &acc);
/// let mut scratch = [0.0; 4];
/// probe::probe_improving(&mut o, &theta0, 0..100, &mut scratch, &mut acc, &mut top)?;
///
/// // Step to the best probed point: the objective rises by the recorded amount.
/// let best = top.best().unwrap();
/// let mut theta = [0.0; 2];
/// top.step_into(best, &theta0, &mut theta)?;
/// assert_eq!(theta[0] - theta[1] * theta[1], best.improvement());
/// assert!(theta[0] > 0.09); // nearly along +θ₀
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "ser::ImprovingFields<T, K>",
        bound(
            serialize = "T: serde::Serialize",
            deserialize = "T: Real + serde::Deserialize<'de>"
        )
    )
)]
pub struct Improving<T, const K: usize> {
    seed: u64,
    alpha: T,
    dim: usize,
    base: T,
    /// Sorted by [`ProbedDirection::ranks_before`], no two the same.
    top: Vec<ProbedDirection<T>, K>,
}

impl<T: Real, const K: usize> Improving<T, K> {
    /// An empty set for the directions of `seed` in the probe of `acc` (its
    /// step `α`, dimension and base value `O(θ0)`).
    ///
    /// `K = 0` does not compile:
    ///
    /// ```compile_fail
    /// use policy_landscape::probe::{Accumulator, Improving};
    /// let acc = Accumulator::<f64>::new(0.1, 2, 0.0).unwrap();
    /// let top = Improving::<f64, 0>::new(7, &acc);
    /// ```
    pub fn new(seed: u64, acc: &Accumulator<T>) -> Self {
        const { assert!(K > 0, "Improving needs a capacity K of at least 1") }
        Self {
            seed,
            alpha: acc.alpha(),
            dim: acc.dim(),
            base: acc.base(),
            top: Vec::new(),
        }
    }

    /// The seed of the directions.
    pub fn seed(&self) -> u64 {
        self.seed
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

    /// The kept directions, best first (largest `max(D+, D−)`, ties by the
    /// smaller index): at most `K`.
    pub fn directions(&self) -> &[ProbedDirection<T>] {
        &self.top
    }

    /// The most-improving direction seen; `None` before any.
    pub fn best(&self) -> Option<&ProbedDirection<T>> {
        self.top.first()
    }

    /// Number of directions kept (`min(K, directions seen)`).
    pub fn len(&self) -> usize {
        self.top.len()
    }

    /// Whether no direction has been seen.
    pub fn is_empty(&self) -> bool {
        self.top.is_empty()
    }

    /// Offers the pair of direction `index`; it is kept if it ranks among the
    /// `K` best seen so far.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (index 0 for `D+`, 1 for `D−`); unchanged on
    /// error.
    pub fn push(&mut self, index: u64, d_plus: T, d_minus: T) -> Result<()> {
        check_finite("probe difference", &[d_plus, d_minus])?;
        self.insert(ProbedDirection {
            index,
            d_plus,
            d_minus,
        });
        Ok(())
    }

    /// Inserts a direction with finite differences (checked by the caller).
    /// Cost: one comparison when it does not make the top `K`, else a binary
    /// search and a shift of at most `K` entries.
    pub(crate) fn insert(&mut self, entry: ProbedDirection<T>) {
        let full = self.top.is_full();
        if full
            && self
                .top
                .last()
                .is_some_and(|last| !entry.ranks_before(last))
        {
            return;
        }
        let pos = self.top.partition_point(|e| e.ranks_before(&entry));
        if self.top.get(pos).is_some_and(|e| e.same_as(&entry)) {
            return;
        }
        if self.top.is_full() {
            self.top.pop();
        }
        // Room was just made and `pos <= len`, so this cannot fail.
        let _ = self.top.insert(pos, entry);
    }

    /// Checks that `acc` (or another set's fields) describe the same probe.
    fn check_same_probe(&self, alpha: T, dim: usize, base: T) -> Result<()> {
        if self.alpha.to_bits_u64() != alpha.to_bits_u64() {
            return Err(Error::IncompatibleMerge { what: "alpha" });
        }
        if self.dim != dim {
            return Err(Error::IncompatibleMerge { what: "dimension" });
        }
        if self.base.to_bits_u64() != base.to_bits_u64() {
            return Err(Error::IncompatibleMerge { what: "base value" });
        }
        Ok(())
    }

    /// Checks that `acc` accumulates the probe these directions belong to.
    pub(crate) fn check_accumulator(&self, acc: &Accumulator<T>) -> Result<()> {
        self.check_same_probe(acc.alpha(), acc.dim(), acc.base())
    }

    /// Merges the directions of another shard of the same probe: the result
    /// is the top `K` of both shards' directions together, exactly, whatever
    /// the split and the order of merges.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleMerge`] when the seed, `α`, the dimension or the
    /// base value differ; unchanged on error.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.seed != other.seed {
            return Err(Error::IncompatibleMerge { what: "seed" });
        }
        self.check_same_probe(other.alpha, other.dim, other.base)?;
        for &entry in other.top.iter() {
            self.insert(entry);
        }
        Ok(())
    }

    /// Writes the probed point of `direction` into `out`: `θ0 + αd` or
    /// `θ0 − αd`, whichever improved (see [`ProbedDirection::side`]), with
    /// `d` regenerated from `(seed, index)`. Computed as the probe computed
    /// it, so `O(out) − O(θ0)` is the recorded improvement, bit for bit.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] when `theta0` or `out` is not `n` long,
    /// [`Error::NonFinite`] for a NaN or infinite `theta0`,
    /// [`Error::NumericalOverflow`] if the point overflows.
    pub fn step_into(
        &self,
        direction: &ProbedDirection<T>,
        theta0: &[T],
        out: &mut [T],
    ) -> Result<()> {
        self.step_by_into(direction, theta0, self.alpha, out)
    }

    /// Writes `θ0 + η d` (or `θ0 − η d` when the minus side improved) into
    /// `out`: a step of length `|η|` along the improving side of `direction`
    /// (a negative `η` steps back).
    ///
    /// # Errors
    ///
    /// As [`Improving::step_into`], and [`Error::InvalidParameter`] for a
    /// non-finite `eta`.
    pub fn step_by_into(
        &self,
        direction: &ProbedDirection<T>,
        theta0: &[T],
        eta: T,
        out: &mut [T],
    ) -> Result<()> {
        check_len("theta", theta0.len(), self.dim)?;
        check_len("step output", out.len(), self.dim)?;
        check_finite("theta", theta0)?;
        if !eta.is_finite() {
            return Err(Error::InvalidParameter {
                what: "step",
                rule: rule::FINITE,
            });
        }
        direction_into(self.seed, direction.index, out)?;
        // The probe's own expressions (`t0 + α d`, `t0 − α d`), not
        // `t0 + (±α) d`, so the probed points come back bit for bit.
        let plus = direction.side() == Side::Plus;
        for (t, &t0) in out.iter_mut().zip(theta0) {
            *t = if plus { t0 + eta * *t } else { t0 - eta * *t };
        }
        check_overflow("step point", out)
    }
}

#[cfg(feature = "serde")]
mod ser {
    //! Deserialisation goes through the plain fields and validates them, so
    //! a snapshot cannot break the ordering the merge relies on.

    use super::{Improving, ProbedDirection, Vec};
    use crate::error::{Error, check_finite};
    use crate::real::Real;

    /// The serialised form of [`Improving`].
    #[derive(serde::Deserialize)]
    pub(super) struct ImprovingFields<T, const K: usize> {
        seed: u64,
        alpha: T,
        dim: usize,
        base: T,
        top: Vec<ProbedDirection<T>, K>,
    }

    impl<T: Real, const K: usize> TryFrom<ImprovingFields<T, K>> for Improving<T, K> {
        type Error = Error;

        fn try_from(f: ImprovingFields<T, K>) -> Result<Self, Error> {
            if !(f.alpha > T::ZERO && f.alpha.is_finite()) {
                return Err(Error::InvalidParameter {
                    what: "alpha",
                    rule: "be finite and positive",
                });
            }
            if f.dim == 0 {
                return Err(Error::LengthMismatch {
                    what: "theta",
                    expected: 1,
                    found: 0,
                });
            }
            check_finite("base value", &[f.base])?;
            for e in f.top.iter() {
                check_finite("probe difference", &[e.d_plus, e.d_minus])?;
            }
            let sorted = f.top.windows(2).all(|w| match w {
                [a, b] => a.ranks_before(b),
                _ => true,
            });
            if !sorted {
                return Err(Error::InvalidParameter {
                    what: "directions",
                    rule: "be sorted best first, each once",
                });
            }
            Ok(Improving {
                seed: f.seed,
                alpha: f.alpha,
                dim: f.dim,
                base: f.base,
                top: f.top,
            })
        }
    }
}
