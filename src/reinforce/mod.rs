//! Monte-Carlo objective and REINFORCE gradients for any [`Env`](crate::env::Env) (paper
//! §3.2; Williams 1992).
//!
//! Episode `e` of a batch draws everything (initial state, environment
//! noise, action noise) from a generator seeded by `(seed, e)` alone. So a
//! batch is a deterministic function of the parameters and the seed, and
//! evaluating `θ0`, `θ0 + αd` and `θ0 − αd` with the same seed uses common
//! random numbers: their paired differences carry less noise.
//!
//! Two gradient estimators, both allocation-free (one pass over each
//! episode; the caller lends a reward buffer as long as the longest
//! episode):
//!
//! - [`Estimator::Unbiased`]: `(1/N) Σ_e Σ_t γ^t G_t ∇ln π(a_t|s_t)`, with
//!   the reward-to-go `G_t = Σ_{t'≥t} γ^{t'−t} r_{t'}`: an unbiased estimate
//!   of `∇J` for `J = E[Σ_t γ^t r_t]`;
//! - [`Estimator::Normalized`]: the authors' code
//!   (google-research/policy-learning-landscape, `eager_pg`): advantages
//!   `(G_t − mean) / (std + 1e-8)` with the mean and (population) standard
//!   deviation over every step of the batch, no `γ^t` weight, summed over
//!   steps and averaged over episodes. Biased, scale-free. (Their code pads
//!   short episodes with zero returns inside the statistics; here only real
//!   steps count, which is the same for fixed-length episodes.)
//!
//! Both are computed forward with an eligibility trace:
//! `Σ_t w_t G_t ∇ln π_t = Σ_{t'} r_{t'} Σ_{t≤t'} w_t γ^{t'−t} ∇ln π_t`.

mod gradient;
#[cfg(feature = "rayon")]
pub mod parallel;
mod rollout;
mod sgd;

pub use gradient::{
    BatchSums, CHUNK, Estimator, GradientReport, accumulate_episodes, reinforce_gradient,
};
pub use rollout::{MonteCarlo, Rollouts, mean_return};
pub use sgd::{CurvatureProbe, SgdConfig, SgdStep, train_sgd};
