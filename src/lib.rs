#![doc = include_str!("../README.md")]
// On docs.rs (`--cfg docsrs`, see Cargo.toml), badges for feature-gated items.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(rust_2018_idioms, unused_qualifications)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// No index may panic and no integer may overflow in the core; the few
// modules whose indices are proven by const generics (the LU, the exact
// evaluation, the MDP validation, ...) allow these with their reasons. Float
// arithmetic on `T: Real` cannot panic: `clippy.toml` exempts `T`.
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]
// Linear algebra indexes several arrays with one index; `!(x <= tol)` is the
// deliberate NaN-rejecting form of a bound check.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

#[cfg(feature = "std")]
extern crate std;

// The layers in reading order; each imports only from those before it:
// real and math, error, random, stats, linalg, mdp, policy, exact, paper,
// train, probe, env, reinforce.
pub mod env;
mod error;
pub mod exact;
mod lanes;
pub mod linalg;
mod math;
pub mod mdp;
pub mod paper;
pub mod policy;
pub mod probe;
pub mod random;
mod real;
pub use real::Lane;
pub mod reinforce;
pub mod stats;
pub mod train;

pub use error::{Error, Result};
pub use exact::{Evaluation, ExactBatch, ExactWorkspace};
pub use mdp::{Gridworld, RewardCell, TabularMdp};
pub use policy::Softmax;
pub use real::Real;
pub use train::{BatchTrainer, Classification, TrainConfig, Trainer};

/// Re-exported so users name the same generator the examples and tests use.
pub use rand_xoshiro;
