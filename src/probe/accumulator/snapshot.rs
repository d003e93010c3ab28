//! Deserialisation through a plain mirror of the fields, validated before it
//! becomes an [`Accumulator`].

use super::{Accumulator, Cases, LogHistogram, Moments, P2Quantile, Thresholds, check_alpha};
use crate::error::{Error, Result, rule};
use crate::real::Real;

/// The fields of an [`Accumulator`], as serialised.
#[derive(serde::Deserialize)]
#[serde(bound(deserialize = "T: Real + serde::Deserialize<'de>"))]
pub(super) struct Snapshot<T> {
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
    track_quantiles: bool,
    improving_pick: Option<(T, T)>,
}

impl<T: Real> TryFrom<Snapshot<T>> for Accumulator<T> {
    type Error = Error;

    /// The constructor's checks, then the invariants pushes keep.
    fn try_from(s: Snapshot<T>) -> Result<Self> {
        check_alpha(s.alpha)?;
        if s.dim == 0 {
            return Err(Error::LengthMismatch {
                what: "theta",
                expected: 1,
                found: 0,
            });
        }
        if !s.base.is_finite() {
            return Err(Error::NonFinite {
                what: "base value",
                index: 0,
            });
        }
        if !(s.base_error.is_finite() && s.base_error >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "standard error",
                rule: rule::NON_NEGATIVE,
            });
        }
        s.thresholds.check()?;
        let n = s.gradient.count();
        if [s.curvature.count(), s.gradient_sq.count(), s.cases.total] != [n; 3] {
            return Err(Error::InvalidSnapshot {
                what: "direction counts",
            });
        }
        let moments = [&s.gradient, &s.curvature, &s.gradient_sq];
        let n4 = T::from_usize(s.dim) * T::from_f64(4.0);
        if !(moments.iter().all(|m| m.is_consistent())
            && (n4 * s.gradient_sq.max_abs()).is_finite()
            && (n4 * s.curvature.max_abs()).is_finite()
            && s.improving_pick
                .is_none_or(|(g, c)| g.is_finite() && c.is_finite()))
        {
            return Err(Error::InvalidSnapshot { what: "moments" });
        }
        Ok(Self {
            alpha: s.alpha,
            dim: s.dim,
            base: s.base,
            base_error: s.base_error,
            thresholds: s.thresholds,
            gradient: s.gradient,
            curvature: s.curvature,
            gradient_sq: s.gradient_sq,
            cases: s.cases,
            histogram: s.histogram,
            quantiles: s.quantiles,
            improving_q90: s.improving_q90,
            track_quantiles: s.track_quantiles,
            improving_pick: s.improving_pick,
        })
    }
}
