//! Running moments: Welford's update and Chan et al.'s merge.

use crate::real::Real;

/// Count, mean, sum of squared deviations, minimum and maximum of a stream,
/// updated in O(1) memory (Welford 1962) and mergeable (Chan, Golub &
/// LeVeque 1979), so shards can be combined.
///
/// Statistics of an empty stream are `None`, never NaN.
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::Moments;
///
/// let mut m = Moments::<f64>::new();
/// for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
///     m.push(x);
/// }
/// assert_eq!(m.mean(), Some(5.0));
/// assert!((m.variance().unwrap() - 32.0 / 7.0).abs() < 1e-12);
/// assert_eq!((m.min(), m.max()), (Some(2.0), Some(9.0)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Moments<T> {
    count: u64,
    mean: T,
    m2: T,
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
            mean: T::ZERO,
            m2: T::ZERO,
            min: T::ZERO,
            max: T::ZERO,
        }
    }

    /// Adds a (finite) value.
    #[inline]
    pub fn push(&mut self, x: T) {
        self.count += 1;
        if self.count == 1 {
            self.mean = x;
            self.m2 = T::ZERO;
            self.min = x;
            self.max = x;
            return;
        }
        let delta = x - self.mean;
        self.mean += delta / T::from_f64(self.count as f64);
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Combines another stream's moments into this one (Chan et al.): the
    /// count, minimum and maximum exactly, the mean and `M2` to rounding.
    pub fn merge(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let n_a = T::from_f64(self.count as f64);
        let n_b = T::from_f64(other.count as f64);
        let n = n_a + n_b;
        let delta = other.mean - self.mean;
        self.mean += delta * (n_b / n);
        self.m2 += other.m2 + delta * delta * (n_a * n_b / n);
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean.
    pub fn mean(&self) -> Option<T> {
        (self.count > 0).then_some(self.mean)
    }

    /// Unbiased sample variance (needs two values).
    pub fn variance(&self) -> Option<T> {
        (self.count > 1).then(|| self.m2 / T::from_f64((self.count - 1) as f64))
    }

    /// Sample standard deviation (needs two values).
    pub fn std_dev(&self) -> Option<T> {
        self.variance().map(Real::sqrt)
    }

    /// Standard error of the mean, `sd / √count` (needs two values).
    pub fn std_error(&self) -> Option<T> {
        self.std_dev()
            .map(|sd| sd / T::from_f64(self.count as f64).sqrt())
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
