//! Small continuous-control environments (no_std), for REINFORCE and the
//! Monte-Carlo objective (paper §3.2).
//!
//! An [`Env`] has an observation of `O` numbers and an action of `A`
//! numbers, both fixed in its type; it is reset with a borrowed generator
//! and stepped with an action.

use rand_core::Rng;

mod clip;
mod linear_quadratic;
mod mountain_car;
mod pendulum;

pub use clip::ClipAction;
pub use linear_quadratic::{LinearQuadratic, LqReturn};
pub use mountain_car::MountainCarContinuous;
pub use pendulum::Pendulum;

use crate::error::Result;
use crate::real::Real;

/// What one step returns.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Transition<T, const O: usize> {
    /// The observation after the step.
    pub observation: [T; O],
    /// The reward of the step.
    pub reward: T,
    /// The episode ended in a terminal state (no bootstrapping past it).
    pub terminated: bool,
    /// The episode was cut by a time limit.
    pub truncated: bool,
}

impl<const O: usize> Transition<f64, O> {
    /// The same transition rounded to `f32` (observation and reward).
    pub fn to_f32(self) -> Transition<f32, O> {
        Transition {
            observation: self.observation.map(|x| x as f32),
            reward: self.reward as f32,
            terminated: self.terminated,
            truncated: self.truncated,
        }
    }
}

/// A continuous-control environment with `O` observation and `A` action
/// dimensions.
///
/// A stochastic environment draws its step noise from a generator it seeds
/// at [`Env::reset`] from the caller's, so an episode is a function of the
/// reset generator's stream and the actions: the same seeds give the same
/// episode (common random numbers for paired evaluations).
pub trait Env<T: Real, const O: usize, const A: usize> {
    /// Starts an episode, drawing the initial state from `rng`, and returns
    /// the first observation.
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [T; O];

    /// Applies `action` for one step.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NonFinite`] for a NaN or infinite action (the
    /// environment is unchanged); environment-specific errors.
    fn step(&mut self, action: &[T; A]) -> Result<Transition<T, O>>;
}
