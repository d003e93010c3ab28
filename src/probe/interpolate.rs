//! Linear interpolation `O((1 − a) θ0 + a θ1)` (paper §2.1.1).

use super::objective::{ExactObjective, ExactParts, Objective};
use crate::error::{Error, Result, check_finite, check_len, rule};
use crate::policy::FeatureMap;
use crate::real::Real;
use crate::stats::Estimate;

/// The `k`-th of `points` evenly spaced values from `a0` to `a1` (both
/// included; one point is `a0`). Finite for finite ends, even when `a1 − a0`
/// overflows.
fn abscissa<T: Real>(a0: T, a1: T, k: usize, points: usize) -> T {
    if points < 2 {
        return a0;
    }
    let w = T::from_usize(k) / T::from_usize(points.saturating_sub(1));
    let width = a1 - a0;
    if width.is_finite() {
        a0 + width * w
    } else {
        // The same point as a convex combination of the (finite) ends.
        a0 * (T::ONE - w) + a1 * w
    }
}

/// `θ(a) = (1 − a) θ0 + a θ1` into `scratch`.
fn point<T: Real>(theta0: &[T], theta1: &[T], a: T, scratch: &mut [T]) {
    for ((x, &x0), &x1) in scratch.iter_mut().zip(theta0).zip(theta1) {
        *x = (T::ONE - a) * x0 + a * x1;
    }
}

fn check<T: Real>(
    theta0: &[T],
    theta1: &[T],
    a0: T,
    a1: T,
    scratch: &[T],
    points: usize,
) -> Result<()> {
    if theta0.is_empty() {
        return Err(Error::LengthMismatch {
            what: "theta0",
            expected: 1,
            found: 0,
        });
    }
    check_len("theta1", theta1.len(), theta0.len())?;
    check_len("scratch", scratch.len(), theta0.len())?;
    check_finite("theta0", theta0)?;
    check_finite("theta1", theta1)?;
    if !(a0.is_finite() && a1.is_finite()) {
        return Err(Error::InvalidParameter {
            what: "interpolation range",
            rule: rule::FINITE,
        });
    }
    if points == 0 {
        return Err(Error::LengthMismatch {
            what: "interpolation points",
            expected: 1,
            found: 0,
        });
    }
    Ok(())
}

/// The most points handed to an objective at once: a buffer on the stack.
const MAX_LANES: usize = 16;

/// Checks the inputs, then fills `out` with `(a, f(θ(a)))` at evenly
/// spaced `a`, `θ(a) = (1 − a) θ0 + a θ1` built in `scratch`.
///
/// `one(objective, θ)` evaluates one point; with `lanes > 1`,
/// `many(objective, scratch, point, values)` evaluates consecutive points
/// in groups of `lanes` (see [`Objective::evaluate_points`]), and a group
/// that fails is evaluated again one point at a time, so that the error
/// and the points written before it are the one-point path's.
#[allow(
    clippy::too_many_arguments,
    reason = "inputs, output and the two ways to evaluate"
)]
fn walk<T: Real, V: Copy, O: ?Sized>(
    objective: &mut O,
    theta0: &[T],
    theta1: &[T],
    a0: T,
    a1: T,
    scratch: &mut [T],
    out: &mut [(T, V)],
    lanes: usize,
    one: impl Fn(&mut O, &[T]) -> Result<V>,
    many: impl Fn(
        &mut O,
        &mut [T],
        &mut dyn FnMut(usize, &mut [T]) -> Result<()>,
        &mut [V],
    ) -> Result<()>,
) -> Result<()> {
    check(theta0, theta1, a0, a1, scratch, out.len())?;
    let points = out.len();
    // Every point first: the objective is never called at a non-finite θ,
    // and `out` is untouched when one overflows.
    for k in 0..points {
        point(theta0, theta1, abscissa(a0, a1, k, points), scratch);
        if scratch.iter().any(|x| !x.is_finite()) {
            return Err(Error::NumericalOverflow {
                what: "interpolation point",
            });
        }
    }
    let group = lanes.clamp(1, MAX_LANES);
    for (c, chunk) in out.chunks_mut(group).enumerate() {
        let first = c.saturating_mul(group);
        if let [(_, v0), ..] = chunk {
            if group > 1 {
                let mut values = [*v0; MAX_LANES];
                let values = values.get_mut(..chunk.len()).unwrap_or_default();
                let mut point_at = |k: usize, t: &mut [T]| -> Result<()> {
                    point(
                        theta0,
                        theta1,
                        abscissa(a0, a1, first.saturating_add(k), points),
                        t,
                    );
                    Ok(())
                };
                if many(objective, scratch, &mut point_at, values).is_ok() {
                    for (k, (o, &v)) in chunk.iter_mut().zip(values.iter()).enumerate() {
                        *o = (abscissa(a0, a1, first.saturating_add(k), points), v);
                    }
                    continue;
                }
            }
        }
        for (k, o) in chunk.iter_mut().enumerate() {
            let a = abscissa(a0, a1, first.saturating_add(k), points);
            point(theta0, theta1, a, scratch);
            *o = (a, one(objective, scratch)?);
        }
    }
    Ok(())
}

/// Evaluates `O((1 − a) θ0 + a θ1)` at `out.len()` evenly spaced `a` from
/// `a0` to `a1`, writing `(a, estimate)` pairs. `scratch` holds the point
/// (`n` scalars). An objective of several [`lanes`](Objective::lanes) gets
/// consecutive points in groups ([`Objective::evaluate_points`]), with the
/// same results.
///
/// # Errors
///
/// [`Error::LengthMismatch`] for mismatched or empty slices or no points;
/// [`Error::NonFinite`] for NaN parameters; [`Error::InvalidParameter`] for
/// a non-finite range; [`Error::NumericalOverflow`] (`"interpolation
/// point"`) if some `θ(a)` overflows, before any evaluation and with `out`
/// untouched; the objective's errors.
///
/// # Examples
///
/// ```
/// use policy_landscape::{probe::{from_fn, interpolate}, stats::Estimate};
///
/// let mut o = from_fn(|t: &[f64]| Ok(t[0] * t[0]));
/// let mut out = [(0.0, Estimate { value: 0.0, std_error: 0.0 }); 3];
/// interpolate(&mut o, &[-1.0], &[1.0], 0.0, 1.0, &mut [0.0], &mut out)?;
/// assert_eq!(out.map(|(a, e)| (a, e.value)), [(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)]);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
pub fn interpolate<T: Real, O: Objective<T>>(
    objective: &mut O,
    theta0: &[T],
    theta1: &[T],
    a0: T,
    a1: T,
    scratch: &mut [T],
    out: &mut [(T, Estimate<T>)],
) -> Result<()> {
    let lanes = objective.lanes();
    walk(
        objective,
        theta0,
        theta1,
        a0,
        a1,
        scratch,
        out,
        lanes,
        |o, theta| o.evaluate(theta),
        |o, scratch, point, values| o.evaluate_points(scratch, point, values),
    )
}

/// As [`interpolate`] on the exact objective, writing the true, the
/// `τ`-regularised and the entropy-only value at each point, as the authors'
/// notebook does. An objective built with
/// [`ExactObjective::with_batch`] evaluates `K` consecutive points per pass,
/// with the same results.
///
/// # Errors
///
/// As [`interpolate`].
pub fn interpolate_exact<
    T: Real,
    const S: usize,
    const F: usize,
    const A: usize,
    M: FeatureMap<T, S, F>,
    const K: usize,
>(
    objective: &mut ExactObjective<'_, T, S, A, F, M, K>,
    theta0: &[T],
    theta1: &[T],
    a0: T,
    a1: T,
    scratch: &mut [T],
    out: &mut [(T, ExactParts<T>)],
) -> Result<()> {
    let lanes = objective.lanes();
    walk(
        objective,
        theta0,
        theta1,
        a0,
        a1,
        scratch,
        out,
        lanes,
        |o, theta| o.parts(theta),
        |o, scratch, point, values| o.parts_points(scratch, point, values),
    )
}
