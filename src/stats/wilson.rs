//! The Wilson score interval for a binomial proportion.

use crate::real::Real;

/// The Wilson score interval for a binomial proportion: `successes` out of
/// `trials` at normal quantile `z` (1.959963984540054 for 95 %).
///
/// Returns `None` for zero trials (no data, no interval) or when
/// `successes > trials`. Unlike the normal approximation it stays inside
/// `[0, 1]` and is informative at 0 and at `trials` successes.
///
/// # Examples
///
/// ```
/// use policy_landscape::stats::{Z95, wilson_interval};
///
/// let (lo, hi) = wilson_interval::<f64>(18, 100, Z95).unwrap();
/// assert!((lo - 0.1171).abs() < 1e-4 && (hi - 0.2666).abs() < 1e-4);
/// let (lo, hi) = wilson_interval::<f64>(0, 100, Z95).unwrap();
/// assert_eq!(lo, 0.0);
/// assert!((hi - 0.0370).abs() < 1e-4);
/// ```
pub fn wilson_interval<T: Real>(successes: u64, trials: u64, z: T) -> Option<(T, T)> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = T::from_u64(trials);
    let p = T::from_u64(successes) / n;
    let z2 = z * z;
    let denom = T::ONE + z2 / n;
    let centre = (p + z2 / (T::TWO * n)) / denom;
    let half = z * (p * (T::ONE - p) / n + z2 / (T::from_f64(4.0) * n * n)).sqrt() / denom;
    // At 0 and at `trials` successes the bound is exactly 0 (resp. 1);
    // computing it would leave rounding residue.
    let lo = if successes == 0 {
        T::ZERO
    } else {
        (centre - half).max(T::ZERO)
    };
    let hi = if successes == trials {
        T::ONE
    } else {
        (centre + half).min(T::ONE)
    };
    Some((lo, hi))
}

/// The 97.5 % quantile of the standard normal: two-sided 95 % intervals.
pub const Z95: f64 = 1.959963984540054;
