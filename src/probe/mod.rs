//! Landscape probes (paper §2.1): random directions on the unit sphere,
//! streaming statistics of the perturbations `O(θ0 ± α d) − O(θ0)`, point
//! classification, and linear interpolation.
//!
//! A probe around `θ0`: [`start`] evaluates `O(θ0)` and returns an empty
//! [`Accumulator`]; [`probe()`] adds the directions of a range of indices
//! (reproducible from `(seed, index)`, so ranges can run anywhere and be
//! merged); the accumulator gives the projections of eq. 1–2, the paper's
//! case counts and a [`Verdict`].

pub(crate) mod direction;
mod histogram;
mod quantile;

pub use direction::{direction_into, direction_rng, standard_normal};
pub use histogram::{Bins, LogHistogram};
pub use quantile::P2Quantile;
mod accumulator;
mod driver;
mod interpolate;
mod moments;
mod objective;
mod verdict;

pub use accumulator::{Accumulator, Estimate, GRADIENT_QUANTILES, PairErrors, Thresholds};
pub use driver::{probe, start};
pub use interpolate::{interpolate, interpolate_exact};
pub use moments::Moments;
pub use objective::{ExactObjective, ExactParts, FnObjective, Objective, from_fn};
pub use verdict::{Cases, Verdict, VerdictKind};
