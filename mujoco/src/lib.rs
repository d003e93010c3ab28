//! MuJoCo's Hopper, Walker2d and HalfCheetah, stepped exactly as
//! Gymnasium 1.4.0's v5 environments, as [`policy_landscape::env::Env`]s,
//! and the paper's §3.2 experiments on them (Ahmed et al., ICML 2019,
//! Fig. 5, 6, 7).
//!
//! std only, and a crate of its own: the no_std core never depends on it.
//! It links MuJoCo 3.17.0 through `mujoco-rs`; run `mujoco/setup.sh` once
//! (it fetches the library and Gymnasium's models into `.mujoco/`), then
//! `cargo test -p policy-landscape-mujoco`.
//!
//! - [`Mujoco`] (aliases [`Hopper`], [`Walker2d`], [`HalfCheetah`]): the
//!   environments, bit-identical to `gymnasium.make("Hopper-v5")` and the
//!   others from the same state and actions.
//! - [`experiment`]: the §3.2 experiments (learning curves per σ with a
//!   learning-rate search, curvature along training, probes at solutions,
//!   interpolation between solutions), parallel over episodes with results
//!   independent of the thread count, written as JSON lines.
//! - [`figures`]: the paper's Fig. 5, 6, 7a and 7b of a results file, drawn
//!   by `policy-landscape-figures` (the same code that draws them for the
//!   core's Pendulum and MountainCar).

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod env;
mod error;
pub mod experiment;
pub mod figures;
mod task;

pub use env::{
    ASSETS_VAR, HalfCheetah, Hopper, MAX_EPISODE_STEPS, MUJOCO_VERSION, Mujoco, Walker2d,
    assets_dir, check_version,
};
pub use error::{Error, Result, SETUP_COMMAND};
pub use task::Task;
