//! Landscape probes (paper §2.1): random directions on the unit sphere,
//! streaming statistics of the perturbations `O(θ0 ± α d) − O(θ0)`, point
//! classification, and linear interpolation.
//!
//! A probe around `θ0`: [`start`] evaluates `O(θ0)` and returns an empty
//! [`Accumulator`]; [`probe()`] adds the directions of a range of indices
//! (reproducible from `(seed, index)`, so ranges can run anywhere and be
//! merged); the accumulator gives the projections of eq. 1–2, the paper's
//! case counts and a [`Verdict`]. [`probe_improving`] also keeps the `K`
//! most-improving directions in an [`Improving`], to step along.
//! [`improving_curvature`] gives one point of the footnote-5 series a
//! [`CurvatureMonitor`] keeps over training.

mod accumulator;
mod direction;
mod driver;
mod improving;
mod interpolate;
mod monitor;
mod objective;
mod thresholds;
mod verdict;

pub use accumulator::{Accumulator, GRADIENT_QUANTILES};
pub use direction::direction_into;
pub use driver::{improving_curvature, probe, probe_each, probe_improving, start};
pub use improving::{Improving, ProbedDirection, Side};
pub use interpolate::{interpolate, interpolate_exact};
pub use monitor::{CurvatureMonitor, CurvaturePoint, CurvatureSummary};
pub use objective::{ExactObjective, ExactParts, FnObjective, Objective, from_fn};
pub use thresholds::{PairErrors, Thresholds};
pub use verdict::{Cases, Verdict, VerdictKind};
