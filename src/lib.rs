#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(rust_2018_idioms, unused_qualifications)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "std")]
extern crate std;

mod error;
mod math;
mod real;

pub mod exact;
pub mod linalg;
pub mod mdp;
pub mod policy;
pub mod train;

pub use error::{Error, Result};
pub use exact::{Evaluation, ExactWorkspace};
pub use mdp::{Gridworld, RewardCell, TabularMdp};
pub use policy::Softmax;
pub use real::Real;
pub use train::{Classification, TrainConfig, Trainer};

/// Re-exported so users name the same generator the examples and tests use.
pub use rand_xoshiro;
