//! Landscape probes (paper §2.1): random directions on the unit sphere,
//! streaming statistics of the perturbations `O(θ0 ± α d) − O(θ0)`, point
//! classification, and linear interpolation.
//!
//! A probe around `θ0`: [`start`] evaluates `O(θ0)` and returns an empty
//! [`Accumulator`]; [`probe()`] adds the directions of a range of indices
//! (reproducible from `(seed, index)`, so ranges can run anywhere and be
//! merged); the accumulator gives the projections of eq. 1–2, the paper's
//! case counts and a [`Verdict`].

mod direction;

pub use direction::{direction_into, direction_rng, standard_normal};
