//! Streaming statistics in fixed memory, shared by the probes, the
//! Monte-Carlo objective and the experiments: running moments, P²
//! quantiles, a log-spaced histogram, estimates with standard errors and
//! Wilson intervals for proportions.

mod estimate;
mod histogram;
mod moments;
mod quantile;
mod wilson;

pub use estimate::Estimate;
pub use histogram::{Bins, LogHistogram};
pub use moments::Moments;
pub use quantile::P2Quantile;
pub use wilson::{Z95, wilson_interval};
