//! Running moments from shifted sums, mergeable.

use crate::error::{Error, Result};
use crate::real::Real;

/// Count, mean, variance, minimum and maximum of a stream in O(1) memory,
/// mergeable so shards can be combined.
///
/// The sums are kept relative to a shift `K`, the first value seen
/// ("shifted data", Chan, Golub & LeVeque 1983): `Σ (x − K)` and
/// `Σ (x − K)²`. An update is two additions and a multiplication, with no
/// division (Welford's update divides on every value, which dominated the
/// probe accumulator's cost), and the cancellation that ruins the naive
/// `Σx²` formula is avoided as long as `K` is within a few standard
/// deviations of the mean, which the first value almost always is; the
/// relative error of the variance grows like `n ε (mean − K)² / σ²`.
///
/// Statistics of an empty stream are `None`, never NaN; every statistic
/// returned is finite, because a push or merge whose sums would overflow is
/// refused (and a deserialised `Moments` is validated).
///
/// # Examples
///
/// ```
/// use policy_landscape::stats::Moments;
///
/// let mut m = Moments::<f64>::new();
/// for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
///     m.push(x)?;
/// }
/// assert_eq!(m.mean(), Some(5.0));
/// assert!((m.variance().unwrap() - 32.0 / 7.0).abs() < 1e-12);
/// assert_eq!((m.min(), m.max()), (Some(2.0), Some(9.0)));
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "snapshot::Snapshot<T>",
        bound(deserialize = "T: Real + serde::Deserialize<'de>")
    )
)]
pub struct Moments<T> {
    count: u64,
    shift: T,
    sum: T,
    sum_sq: T,
    min: T,
    max: T,
}

impl<T: Real> Default for Moments<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real> Moments<T> {
    /// An empty stream.
    pub const fn new() -> Self {
        Self {
            count: 0,
            shift: T::ZERO,
            sum: T::ZERO,
            sum_sq: T::ZERO,
            min: T::ZERO,
            max: T::ZERO,
        }
    }

    /// Adds a value.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (`"value"`) for a NaN or infinite `x`;
    /// [`Error::NumericalOverflow`] (`"moments"`) when the sum of squares
    /// would overflow (values too far apart for their variance to be
    /// representable); [`Error::CountOverflow`] past `u64::MAX` values.
    /// Unchanged on error.
    pub fn push(&mut self, x: T) -> Result<()> {
        if !x.is_finite() {
            return Err(Error::NonFinite {
                what: "value",
                index: 0,
            });
        }
        if self.count > 0 && !self.sum_sq_after(x).is_finite() {
            return Err(Error::NumericalOverflow { what: "moments" });
        }
        if self.count == u64::MAX {
            return Err(Error::CountOverflow { what: "value" });
        }
        self.push_unchecked(x);
        Ok(())
    }

    /// [`Moments::push`] of a value the caller has checked (finite, sums
    /// staying finite, count below `u64::MAX`).
    #[inline]
    pub(crate) fn push_unchecked(&mut self, x: T) {
        if self.count == 0 {
            self.shift = x;
            self.min = x;
            self.max = x;
        }
        // The caller checked count < u64::MAX.
        self.count = self.count.saturating_add(1);
        let d = x - self.shift;
        self.sum += d;
        self.sum_sq += d * d;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Combines another stream's moments into this one: the count, minimum
    /// and maximum exactly, the mean and variance to rounding.
    ///
    /// # Errors
    ///
    /// [`Error::CountOverflow`] when the counts add past `u64::MAX`;
    /// [`Error::NumericalOverflow`] (`"moments"`) when the combined sums
    /// overflow. Unchanged on error.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.count == 0 {
            return Ok(());
        }
        if self.count == 0 {
            *self = *other;
            return Ok(());
        }
        let count = self
            .count
            .checked_add(other.count)
            .ok_or(Error::CountOverflow { what: "value" })?;
        let mut merged = *self;
        merged.merge_sums(other);
        if !merged.is_finite() {
            return Err(Error::NumericalOverflow { what: "moments" });
        }
        merged.count = count;
        *self = merged;
        Ok(())
    }

    /// The sums, minimum and maximum of the merge (not the count).
    fn merge_sums(&mut self, other: &Self) {
        // Re-express the other's sums relative to this shift.
        let delta = other.shift - self.shift;
        let n_b = T::from_u64(other.count);
        self.sum_sq += other.sum_sq + T::TWO * delta * other.sum + n_b * delta * delta;
        self.sum += other.sum + n_b * delta;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The moments of `k · x` for `k > 0`; `None` for `k <= 0`, NaN, or
    /// when the scaled sums are not representable.
    pub fn scaled(&self, k: T) -> Option<Self> {
        let m = Self {
            count: self.count,
            shift: self.shift * k,
            sum: self.sum * k,
            sum_sq: self.sum_sq * k * k,
            min: self.min * k,
            max: self.max * k,
        };
        (k > T::ZERO && m.is_finite()).then_some(m)
    }

    /// The sum of squares after [`Moments::push`] of `x` into a non-empty
    /// stream, without pushing (into an empty one it is 0): if it is finite,
    /// so is every other sum after the push (by Cauchy–Schwarz,
    /// `|Σ d| <= √(n Σ d²)`).
    #[inline(always)]
    pub(crate) fn sum_sq_after(&self, x: T) -> T {
        let d = x - self.shift;
        self.sum_sq + d * d
    }

    /// Whether every stored number is finite (an overflowed sum is not).
    pub(crate) fn is_finite(&self) -> bool {
        [self.shift, self.sum, self.sum_sq, self.min, self.max]
            .iter()
            .all(|x| x.is_finite())
    }

    #[cfg(feature = "serde")]
    /// Whether the stored numbers can be those of a stream: finite, a
    /// non-negative sum of squares, `min <= shift <= max`, and all zero
    /// when empty (for validating deserialised data).
    pub(crate) fn is_consistent(&self) -> bool {
        let zero = T::ZERO;
        let stored = [self.shift, self.sum, self.sum_sq, self.min, self.max];
        if self.count == 0 {
            return stored.iter().all(|&x| x == zero);
        }
        self.is_finite() && self.sum_sq >= zero && self.min <= self.shift && self.shift <= self.max
    }

    /// The largest magnitude seen (0 when empty).
    pub(crate) fn max_abs(&self) -> T {
        let (lo, hi) = (self.min.abs(), self.max.abs());
        if lo > hi { lo } else { hi }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean.
    pub fn mean(&self) -> Option<T> {
        (self.count > 0).then(|| self.shift + self.sum / T::from_u64(self.count))
    }

    /// Unbiased sample variance (needs two values).
    pub fn variance(&self) -> Option<T> {
        (self.count > 1).then(|| {
            let n = T::from_u64(self.count);
            let square = self.sum * self.sum;
            // sum² <= n sum_sq (Cauchy–Schwarz), so sum (sum / n) is finite
            // when the square alone overflows.
            let correction = if square.is_finite() {
                square / n
            } else {
                self.sum * (self.sum / n)
            };
            let m2 = (self.sum_sq - correction).max(T::ZERO);
            m2 / T::from_u64(self.count.saturating_sub(1))
        })
    }

    /// Sample standard deviation (needs two values).
    pub fn std_dev(&self) -> Option<T> {
        self.variance().map(Real::sqrt)
    }

    /// Standard error of the mean, `sd / √count` (needs two values).
    pub fn std_error(&self) -> Option<T> {
        self.std_dev().map(|sd| sd / T::from_u64(self.count).sqrt())
    }

    /// Smallest value.
    pub fn min(&self) -> Option<T> {
        (self.count > 0).then_some(self.min)
    }

    /// Largest value.
    pub fn max(&self) -> Option<T> {
        (self.count > 0).then_some(self.max)
    }
}

/// Deserialisation through a plain mirror of the fields, validated (see
/// [`Moments::is_consistent`]) before it becomes a [`Moments`].
#[cfg(feature = "serde")]
mod snapshot {
    use super::Moments;
    use crate::error::Error;
    use crate::real::Real;

    /// The fields of a [`Moments`], as serialised.
    #[derive(serde::Deserialize)]
    pub(super) struct Snapshot<T> {
        count: u64,
        shift: T,
        sum: T,
        sum_sq: T,
        min: T,
        max: T,
    }

    impl<T: Real> TryFrom<Snapshot<T>> for Moments<T> {
        type Error = Error;

        fn try_from(s: Snapshot<T>) -> Result<Self, Error> {
            let m = Moments {
                count: s.count,
                shift: s.shift,
                sum: s.sum,
                sum_sq: s.sum_sq,
                min: s.min,
                max: s.max,
            };
            match m.is_consistent() {
                true => Ok(m),
                false => Err(Error::InvalidSnapshot { what: "moments" }),
            }
        }
    }
}
