//! The probe driver: directions, evaluations, differences, accumulation.

use core::ops::Range;

use super::accumulator::Accumulator;
use super::direction::direction_into;
use super::improving::{Improving, ProbedDirection};
use super::objective::Objective;
use super::thresholds::{PairErrors, Thresholds};
use crate::error::{Error, Result, check_finite, check_len};
use crate::real::Real;
use crate::stats::Estimate;

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
    // A no-op observer: monomorphised away, so this is the plain loop.
    probe_observed(objective, theta0, seed, indices, scratch, acc, |_, _, _| {})
}

/// As [`probe()`], and offers each direction to `top`, which keeps the `K`
/// most-improving ones (see [`Improving`]). The directions' seed is
/// `top`'s.
///
/// # Errors
///
/// As [`probe()`], and [`Error::IncompatibleMerge`] when `top` belongs to
/// another probe (its `α`, dimension or base value differ from `acc`'s).
/// Directions before the failing one stay in `acc` and `top`.
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::{self, Improving, Thresholds, from_fn};
///
/// // O(θ) = θ·θ around θ0 = (1, 0): the best directions point along ±θ₀.
/// let mut o = from_fn(|t: &[f64]| Ok(t[0] * t[0] + t[1] * t[1]));
/// let theta0 = [1.0, 0.0];
/// let mut acc = probe::start(&mut o, &theta0, 0.1, Thresholds::default())?;
/// let mut top = Improving::<f64, 3>::new(11, &acc);
/// let mut scratch = [0.0; 4];
/// probe::probe_improving(&mut o, &theta0, 0..50, &mut scratch, &mut acc, &mut top)?;
/// assert_eq!((acc.count(), top.len()), (50, 3));
/// // The best improves by about 2α + α² (the exact maximum over the circle).
/// assert!((top.best().unwrap().improvement() - 0.21).abs() < 1e-3);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
pub fn probe_improving<T: Real, O: Objective<T>, const K: usize>(
    objective: &mut O,
    theta0: &[T],
    indices: Range<u64>,
    scratch: &mut [T],
    acc: &mut Accumulator<T>,
    top: &mut Improving<T, K>,
) -> Result<()> {
    top.check_accumulator(acc)?;
    let seed = top.seed();
    probe_observed(
        objective,
        theta0,
        seed,
        indices,
        scratch,
        acc,
        |index, d_plus, d_minus| {
            // The accumulator accepted the pair, so both differences are finite.
            top.insert(ProbedDirection {
                index,
                d_plus,
                d_minus,
            });
        },
    )
}

/// As [`probe()`], and calls `observe(index, D+, D−)` for every pair the
/// accumulator accepted, in index order: the points of the paper's scatter
/// plots (Fig. 1, 2, 4a, 7a), without the core keeping them.
///
/// # Errors
///
/// As [`probe()`]; `observe` has seen exactly the directions that stay in
/// `acc`.
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::{self, Thresholds, from_fn};
///
/// // A maximum: every direction falls on both sides.
/// let mut o = from_fn(|t: &[f64]| Ok(-(t[0] * t[0] + 2.0 * t[1] * t[1])));
/// let theta0 = [0.0, 0.0];
/// let mut acc = probe::start(&mut o, &theta0, 0.5, Thresholds::default())?;
/// let mut pairs = Vec::new();
/// let mut scratch = [0.0; 4];
/// probe::probe_each(&mut o, &theta0, 3, 0..20, &mut scratch, &mut acc, |i, plus, minus| {
///     pairs.push((i, plus, minus))
/// })?;
/// assert_eq!(pairs.len(), 20);
/// assert!(pairs.iter().all(|&(_, p, m)| p < 0.0 && m < 0.0 && (p - m).abs() < 1e-12));
/// # Ok::<(), policy_landscape::Error>(())
/// ```
pub fn probe_each<T: Real, O: Objective<T>>(
    objective: &mut O,
    theta0: &[T],
    seed: u64,
    indices: Range<u64>,
    scratch: &mut [T],
    acc: &mut Accumulator<T>,
    observe: impl FnMut(u64, T, T),
) -> Result<()> {
    probe_observed(objective, theta0, seed, indices, scratch, acc, observe)
}

/// One point of the footnote-5 curvature series (paper Fig. 6): probes
/// directions `0..directions` of `seed` around `theta0` with step `alpha`
/// and default [`Thresholds`], and returns the `(∇O·d, dᵀHd)` of the
/// improving direction nearest the 90th percentile of the improving ones
/// ([`Accumulator::improving_curvature`]); `None` when no direction improves.
/// Feed the points to a [`CurvatureMonitor`](super::CurvatureMonitor).
///
/// `scratch` holds `2 n` scalars.
///
/// # Errors
///
/// As [`start`] and [`probe()`].
pub fn improving_curvature<T: Real, O: Objective<T>>(
    objective: &mut O,
    theta0: &[T],
    alpha: T,
    seed: u64,
    directions: u64,
    scratch: &mut [T],
) -> Result<Option<(T, T)>> {
    let mut acc = start(objective, theta0, alpha, Thresholds::default())?;
    probe(objective, theta0, seed, 0..directions, scratch, &mut acc)?;
    Ok(acc.improving_curvature())
}

/// The most directions the driver hands an objective at once (`2 ×` that
/// many points): a buffer of estimates on the stack.
const MAX_GROUP: usize = 8;

/// The probe loop; `observe(index, D+, D−)` sees each pair the accumulator
/// accepted.
///
/// For an objective of several [`lanes`](Objective::lanes), consecutive
/// directions go to [`Objective::evaluate_points`] in groups, their `±`
/// points side by side (`lanes / 2` directions a group); the pairs are then
/// pushed in order, exactly as one point at a time would. After an error in
/// a group, the group is probed again one point at a time, so the error and
/// the directions accepted before it are the one-point path's.
fn probe_observed<T: Real, O: Objective<T>>(
    objective: &mut O,
    theta0: &[T],
    seed: u64,
    indices: Range<u64>,
    scratch: &mut [T],
    acc: &mut Accumulator<T>,
    mut observe: impl FnMut(u64, T, T),
) -> Result<()> {
    let n = acc.dim();
    check_len("theta", theta0.len(), n)?;
    check_len("scratch", scratch.len(), n.saturating_mul(2))?;
    check_finite("theta", theta0)?;
    let alpha = acc.alpha();
    let group = (objective.lanes() / 2).clamp(1, MAX_GROUP);
    let (d, theta) = scratch.split_at_mut(n);
    if group == 1 {
        for i in indices {
            probe_one(objective, theta0, seed, i, d, theta, acc, &mut observe)?;
        }
        return Ok(());
    }
    let mut first = indices.start;
    while first < indices.end {
        let count = usize::try_from(indices.end.saturating_sub(first))
            .map_or(group, |left| left.min(group));
        let mut estimates = [Estimate {
            value: T::ZERO,
            std_error: T::ZERO,
        }; 2 * MAX_GROUP];
        let points = estimates
            .get_mut(..count.saturating_mul(2))
            .unwrap_or_default();
        // Point 2j is θ0 + α d_j, point 2j + 1 is θ0 − α d_j: the direction
        // is drawn before its + point and kept for its − point.
        let mut point = |k: usize, t: &mut [T]| -> Result<()> {
            if k & 1 == 0 {
                direction_into(seed, first.saturating_add((k / 2) as u64), d)?;
                for ((t, &t0), &di) in t.iter_mut().zip(theta0).zip(d.iter()) {
                    *t = t0 + alpha * di;
                }
            } else {
                for ((t, &t0), &di) in t.iter_mut().zip(theta0).zip(d.iter()) {
                    *t = t0 - alpha * di;
                }
            }
            Ok(())
        };
        let last = first.saturating_add(count as u64);
        if objective.evaluate_points(theta, &mut point, points).is_ok() {
            for (i, pair) in (first..last).zip(points.chunks_exact(2)) {
                if let [plus, minus] = pair {
                    push_pair(acc, i, *plus, *minus, &mut observe)?;
                }
            }
        } else {
            for i in first..last {
                probe_one(objective, theta0, seed, i, d, theta, acc, &mut observe)?;
            }
        }
        first = last;
    }
    Ok(())
}

/// Direction `i` one point at a time: `d = direction_into(seed, i)`, then
/// `O(θ0 + α d)`, `O(θ0 − α d)` (in `theta`), then the pair into `acc`.
#[allow(
    clippy::too_many_arguments,
    reason = "the loop state of probe_observed"
)]
fn probe_one<T: Real, O: Objective<T>>(
    objective: &mut O,
    theta0: &[T],
    seed: u64,
    i: u64,
    d: &mut [T],
    theta: &mut [T],
    acc: &mut Accumulator<T>,
    observe: &mut impl FnMut(u64, T, T),
) -> Result<()> {
    let alpha = acc.alpha();
    direction_into(seed, i, d)?;
    for ((t, &t0), &di) in theta.iter_mut().zip(theta0).zip(d.iter()) {
        *t = t0 + alpha * di;
    }
    let plus = objective.evaluate(theta)?;
    for ((t, &t0), &di) in theta.iter_mut().zip(theta0).zip(d.iter()) {
        *t = t0 - alpha * di;
    }
    let minus = objective.evaluate(theta)?;
    push_pair(acc, i, plus, minus, observe)
}

/// `D± = O(θ0 ± α d) − O(θ0)` of direction `i` into `acc` (with the
/// standard errors when any is non-zero), then `observe(i, D+, D−)`.
fn push_pair<T: Real>(
    acc: &mut Accumulator<T>,
    i: u64,
    plus: Estimate<T>,
    minus: Estimate<T>,
    observe: &mut impl FnMut(u64, T, T),
) -> Result<()> {
    let base = acc.base();
    let base_error = acc.base_error();
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
    observe(i, d_plus, d_minus);
    Ok(())
}
