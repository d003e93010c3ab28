//! The probe driver: directions, evaluations, differences, accumulation.

use core::ops::Range;

use super::accumulator::Accumulator;
use super::direction::direction_into;
use super::objective::Objective;
use super::thresholds::{PairErrors, Thresholds};
use crate::error::{Error, Result, check_finite, check_len};
use crate::real::Real;

/// Evaluates `O(θ0)` and returns an empty accumulator for probes of step
/// `alpha` around `theta0`, with the given thresholds.
///
/// # Errors
///
/// [`Error::LengthMismatch`] for an empty `theta0`, [`Error::NonFinite`] for
/// a NaN parameter, the objective's errors, and those of
/// [`Accumulator::with_thresholds`].
pub fn start<T: Real, O: Objective<T>>(
    objective: &mut O,
    theta0: &[T],
    alpha: T,
    thresholds: Thresholds<T>,
) -> Result<Accumulator<T>> {
    if theta0.is_empty() {
        return Err(Error::LengthMismatch {
            what: "theta",
            expected: 1,
            found: 0,
        });
    }
    check_finite("theta", theta0)?;
    let base = objective.evaluate(theta0)?;
    Accumulator::with_base(alpha, theta0.len(), base, thresholds)
}

/// Probes directions `indices` of `seed` around `theta0` into `acc`.
///
/// For each index `i`: `d = direction_into(seed, i)`, then
/// `D± = O(θ0 ± α d) − O(θ0)` with `α` and `O(θ0)` from the accumulator
/// (see [`start`]). Direction `i` depends only on `(seed, i)`, so probing
/// `0..k` then `k..n`, or the two ranges on two threads with their
/// accumulators merged, gives the result of `0..n`.
///
/// `scratch` holds the direction and the perturbed point: `2 n` scalars.
///
/// # Errors
///
/// [`Error::LengthMismatch`] when `theta0` does not have the accumulator's
/// dimension or `scratch` is not `2 n` long; [`Error::NonFinite`] for a NaN
/// in `theta0`; the objective's errors and the accumulator's. Directions
/// before the failing one stay in `acc`.
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::{self, Thresholds, VerdictKind, from_fn};
///
/// // The saddle of O(θ) = -(1 - θ₀θ₁)² at the origin (paper Fig. 1b).
/// let mut o = from_fn(|t: &[f64]| Ok(-(1.0 - t[0] * t[1]).powi(2)));
/// let theta0 = [0.0, 0.0];
/// let mut acc = probe::start(&mut o, &theta0, 0.5, Thresholds::default())?;
/// let mut scratch = [0.0; 4];
/// probe::probe(&mut o, &theta0, 7, 0..200, &mut scratch, &mut acc)?;
/// assert_eq!(acc.verdict().kind, VerdictKind::Saddle);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
pub fn probe<T: Real, O: Objective<T>>(
    objective: &mut O,
    theta0: &[T],
    seed: u64,
    indices: Range<u64>,
    scratch: &mut [T],
    acc: &mut Accumulator<T>,
) -> Result<()> {
    let n = acc.dim();
    check_len("theta", theta0.len(), n)?;
    check_len("scratch", scratch.len(), 2 * n)?;
    check_finite("theta", theta0)?;
    let alpha = acc.alpha();
    let base = acc.base();
    let base_error = acc.base_error();
    let (d, theta) = scratch.split_at_mut(n);
    for i in indices {
        direction_into(seed, i, d)?;
        for ((t, &t0), &di) in theta.iter_mut().zip(theta0).zip(d.iter()) {
            *t = t0 + alpha * di;
        }
        let plus = objective.evaluate(theta)?;
        for ((t, &t0), &di) in theta.iter_mut().zip(theta0).zip(d.iter()) {
            *t = t0 - alpha * di;
        }
        let minus = objective.evaluate(theta)?;
        let (d_plus, d_minus) = (plus.value - base, minus.value - base);
        if base_error == T::ZERO && plus.std_error == T::ZERO && minus.std_error == T::ZERO {
            acc.push(d_plus, d_minus)?;
        } else {
            let errors = PairErrors {
                base: base_error,
                plus: plus.std_error,
                minus: minus.std_error,
            };
            acc.push_with_errors(d_plus, d_minus, errors)?;
        }
    }
    Ok(())
}
