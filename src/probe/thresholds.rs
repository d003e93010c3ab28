//! When a difference counts as detectably non-zero (paper, footnote 6).

use crate::error::{Error, Result, rule};
use crate::real::Real;

/// How a difference is judged "detectably" non-zero.
///
/// A difference `D` with standard error `se` is detectably non-zero when
/// `|D| > k · se`; without standard errors (an exact objective) when
/// `|D| > rel_floor · max(|O(θ0)|, 1)`, i.e. beyond what rounding in the
/// evaluation of `O` can explain.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Thresholds<T> {
    /// Standard errors a difference must exceed (default 2: about 95 %
    /// one-sided confidence for normal noise).
    pub k_sigma: T,
    /// Relative floor for exact objectives (default `2^10 ε`: 2.3e-13 in
    /// `f64`, 1.2e-4 in `f32`).
    pub rel_floor: T,
}

impl<T: Real> Default for Thresholds<T> {
    fn default() -> Self {
        Self {
            k_sigma: T::TWO,
            rel_floor: T::EPSILON * T::from_f64(1024.0),
        }
    }
}

impl<T: Real> Thresholds<T> {
    pub(super) fn check(&self) -> Result<()> {
        let ok = |x: T| x.is_finite() && x >= T::ZERO;
        if ok(self.k_sigma) && ok(self.rel_floor) {
            Ok(())
        } else {
            Err(Error::InvalidParameter {
                what: "probe thresholds",
                rule: rule::NON_NEGATIVE,
            })
        }
    }
}

/// The standard errors of the three evaluations behind one pair.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PairErrors<T> {
    /// Standard error of `O(θ0)`.
    pub base: T,
    /// Standard error of `O(θ0 + αd)`.
    pub plus: T,
    /// Standard error of `O(θ0 − αd)`.
    pub minus: T,
}

/// The detectable sign of `x` at tolerance `t`: -1, 0 or 1.
#[inline]
pub(super) fn sign<T: Real>(x: T, t: T) -> i8 {
    if x > t {
        1
    } else if x < -t {
        -1
    } else {
        0
    }
}
