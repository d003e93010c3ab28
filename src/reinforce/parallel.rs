//! Batches on several threads (rayon), bit-identical to one thread:
//! REINFORCE gradients, mean returns, the Monte-Carlo objective and SGD
//! training. Episode `e` always draws from `(seed, e)` and the per-episode
//! results are combined in episode order, so neither the thread count nor
//! the scheduling changes a bit.

extern crate alloc;
extern crate std;

use alloc::vec;
use alloc::vec::Vec;

use rayon::prelude::*;

use super::rollout::{episode_return, estimate, too_few_episodes};
use super::sgd::{Batches, sgd_loop};
use super::{
    BatchSums, CHUNK, CurvatureProbe, Estimator, GradientReport, Rollouts, SgdConfig, SgdStep,
    accumulate_episodes,
};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::policy::Gaussian;
use crate::probe::{Objective, improving_curvature};
use crate::real::Real;
use crate::stats::{Estimate, Moments};

/// As [`super::reinforce_gradient`], with the chunks of [`CHUNK`]
/// episodes spread over rayon's threads (each with a clone of `env` and
/// a reward buffer of `max_episode_len`), merged in chunk order: the
/// result does not depend on the number of threads and equals the
/// single-threaded one bit for bit.
///
/// # Errors
///
/// As [`super::reinforce_gradient`]; the first failing chunk's error.
pub fn reinforce_gradient<T, E, const O: usize, const A: usize, const F: usize>(
    env: &E,
    policy: &Gaussian<T, O, A, F>,
    rollouts: &Rollouts<T>,
    estimator: Estimator,
    max_episode_len: usize,
    sums: &mut BatchSums<T, O, A, F>,
    grad: &mut [T],
) -> Result<GradientReport<T>>
where
    T: Real,
    E: Env<T, O, A> + Clone + Send + Sync,
{
    rollouts.check()?;
    crate::error::check_len("grad", grad.len(), F.saturating_mul(A))?;
    let chunks: Vec<(usize, usize)> = (0..rollouts.episodes)
        .step_by(CHUNK)
        .map(|s| (s, s.saturating_add(CHUNK).min(rollouts.episodes)))
        .collect();
    // One environment clone and reward buffer per worker, reused across
    // its chunks.
    let parts: Vec<Result<BatchSums<T, O, A, F>>> = chunks
        .par_iter()
        .map_init(
            || (env.clone(), vec![T::ZERO; max_episode_len]),
            |(env, rewards), &(start, end)| {
                let mut chunk = BatchSums::new();
                accumulate_episodes(env, policy, rollouts, start..end, rewards, &mut chunk)?;
                Ok(chunk)
            },
        )
        .collect();
    let mut total = BatchSums::new();
    for part in parts {
        total.merge(&part?)?;
    }
    total.gradient_into(estimator, grad)?;
    let report = total.report();
    *sums = total;
    Ok(report)
}

/// As [`super::mean_return`], with the episodes spread over rayon's
/// threads (each with a clone of `env`); the returns are combined in
/// episode order, so the result equals the single-threaded one bit for bit.
///
/// # Errors
///
/// As [`super::mean_return`]; the first failing episode's error.
pub fn mean_return<T, E, const O: usize, const A: usize, const F: usize>(
    env: &E,
    policy: &Gaussian<T, O, A, F>,
    rollouts: &Rollouts<T>,
) -> Result<Estimate<T>>
where
    T: Real,
    E: Env<T, O, A> + Clone + Send + Sync,
{
    rollouts.check()?;
    if rollouts.episodes < 2 {
        return Err(too_few_episodes());
    }
    let returns: Vec<Result<T>> = (0..rollouts.episodes)
        .into_par_iter()
        .map_init(
            || env.clone(),
            |env, e| episode_return(env, policy, rollouts, e),
        )
        .collect();
    let mut moments = Moments::new();
    for ret in returns {
        moments.push(ret?)?;
    }
    estimate(&moments)
}

/// As [`super::MonteCarlo`], evaluating the episodes on rayon's threads
/// ([`mean_return`]): the same values bit for bit, for environments whose
/// episodes are long enough to be worth a thread (MuJoCo's). It wraps the
/// single-threaded objective, whose checks and fields it shares.
#[derive(Clone, Debug)]
pub struct MonteCarlo<E, T, const O: usize, const A: usize, const F: usize = O>(
    super::MonteCarlo<E, T, O, A, F>,
);

impl<E, T, const O: usize, const A: usize, const F: usize> MonteCarlo<E, T, O, A, F>
where
    T: Real,
    E: Env<T, O, A> + Clone + Send + Sync,
{
    /// The objective of `policy` (its `σ` included) in `env`.
    ///
    /// # Errors
    ///
    /// As [`super::MonteCarlo::new`].
    pub fn new(env: E, policy: Gaussian<T, O, A, F>, rollouts: Rollouts<T>) -> Result<Self> {
        super::MonteCarlo::new(env, policy, rollouts).map(Self)
    }

    /// The policy (its parameters are those of the last evaluation).
    pub fn policy(&self) -> &Gaussian<T, O, A, F> {
        self.0.policy()
    }
}

impl<E, T, const O: usize, const A: usize, const F: usize> Objective<T>
    for MonteCarlo<E, T, O, A, F>
where
    T: Real,
    E: Env<T, O, A> + Clone + Send + Sync,
{
    fn evaluate(&mut self, theta: &[T]) -> Result<Estimate<T>> {
        let inner = &mut self.0;
        inner.policy.set_params(theta)?;
        mean_return(&inner.env, &inner.policy, &inner.rollouts)
    }
}

/// As [`super::train_sgd`], with every batch (gradients, deterministic
/// evaluations, curvature probes) on rayon's threads: the same updates,
/// reports and final parameters bit for bit, whatever the thread count.
/// `max_episode_len` bounds the episodes (each chunk of [`CHUNK`] episodes
/// gets a reward buffer of that length).
///
/// # Errors
///
/// As [`super::train_sgd`].
pub fn train_sgd<T, E, Obs, const O: usize, const A: usize, const F: usize>(
    env: &E,
    policy: &mut Gaussian<T, O, A, F>,
    config: &SgdConfig<T>,
    max_episode_len: usize,
    observer: Obs,
) -> Result<usize>
where
    T: Real,
    E: Env<T, O, A> + Clone + Send + Sync,
    Obs: FnMut(&SgdStep<T>) -> core::ops::ControlFlow<()>,
{
    if max_episode_len == 0 {
        return Err(Error::InvalidParameter {
            what: "max_episode_len",
            rule: crate::error::rule::AT_LEAST_ONE,
        });
    }
    let mut local = env.clone();
    let mut batches = Rayon { max_episode_len };
    sgd_loop(&mut local, policy, config, &mut batches, observer)
}

/// Batches on rayon's threads.
struct Rayon {
    max_episode_len: usize,
}

impl<T, E, const O: usize, const A: usize, const F: usize> Batches<T, E, O, A, F> for Rayon
where
    T: Real,
    E: Env<T, O, A> + Clone + Send + Sync,
{
    fn gradient(
        &mut self,
        env: &mut E,
        policy: &Gaussian<T, O, A, F>,
        rollouts: &Rollouts<T>,
        estimator: Estimator,
        sums: &mut BatchSums<T, O, A, F>,
        grad: &mut [T],
    ) -> Result<GradientReport<T>> {
        reinforce_gradient(
            env,
            policy,
            rollouts,
            estimator,
            self.max_episode_len,
            sums,
            grad,
        )
    }

    fn mean_return(
        &mut self,
        env: &mut E,
        policy: &Gaussian<T, O, A, F>,
        rollouts: &Rollouts<T>,
    ) -> Result<Estimate<T>> {
        mean_return(env, policy, rollouts)
    }

    fn curvature(
        &mut self,
        env: &E,
        policy: &Gaussian<T, O, A, F>,
        c: &CurvatureProbe<T>,
    ) -> Result<Option<(T, T)>> {
        let mut objective = MonteCarlo::new(env.clone(), policy.clone(), c.rollouts)?;
        let theta0 = *policy.theta();
        let mut scratch = vec![T::ZERO; F.saturating_mul(A).saturating_mul(2)];
        improving_curvature(
            &mut objective,
            theta0.as_flattened(),
            c.alpha,
            c.seed,
            c.directions,
            &mut scratch,
        )
    }
}
