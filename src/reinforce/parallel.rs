//! Batches on several threads (rayon), bit-identical to one thread.

extern crate alloc;
extern crate std;

use alloc::vec;
use alloc::vec::Vec;

use rayon::prelude::*;

use super::{BatchSums, CHUNK, Estimator, GradientReport, Rollouts, accumulate_episodes};
use crate::env::Env;
use crate::error::Result;
use crate::policy::Gaussian;
use crate::real::Real;

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
    let parts: Vec<Result<BatchSums<T, O, A, F>>> = chunks
        .par_iter()
        .map(|&(start, end)| {
            let mut env = env.clone();
            let mut rewards = vec![T::ZERO; max_episode_len];
            let mut chunk = BatchSums::new();
            accumulate_episodes(
                &mut env,
                policy,
                rollouts,
                start..end,
                &mut rewards,
                &mut chunk,
            )?;
            Ok(chunk)
        })
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
