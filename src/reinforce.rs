//! Monte-Carlo objective and REINFORCE gradients for any [`Env`] (paper
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

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::env::Env;
use crate::error::{Error, Result, check_len};
use crate::policy::Gaussian;
use crate::probe::{Estimate, Objective, direction_rng};
use crate::real::Real;

/// The generator of episode `episode` under `seed` (the probes' directions
/// use the same construction with another stream).
pub fn episode_rng(seed: u64, episode: u64) -> Xoshiro256PlusPlus {
    // A different key space from the directions: flip every bit of the seed.
    direction_rng(!seed, episode)
}

/// Batch settings of a Monte-Carlo evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Rollouts<T> {
    /// Episodes per batch.
    pub episodes: usize,
    /// Discount of the returns.
    pub gamma: T,
    /// Seed of the batch's episodes.
    pub seed: u64,
    /// Steps after which an episode is cut if the environment has not ended
    /// it (a guard; the environments' own time limits come first).
    pub max_steps: usize,
}

impl<T: Real> Rollouts<T> {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no episodes, no steps or `gamma`
    /// outside `[0, 1]`.
    pub fn check(&self) -> Result<()> {
        if self.episodes == 0 {
            return Err(Error::InvalidParameter { what: "episodes" });
        }
        if self.max_steps == 0 {
            return Err(Error::InvalidParameter { what: "max_steps" });
        }
        if !(self.gamma >= T::ZERO && self.gamma <= T::ONE) {
            return Err(Error::InvalidParameter { what: "gamma" });
        }
        Ok(())
    }
}

/// Runs one episode of `policy` in `env` from `rng`, calling `visit` with
/// `(t, observation, action, reward)` for every step; returns the number of
/// steps.
fn run_episode<T, E, R, V, const O: usize, const F: usize, const A: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, F, A>,
    rng: &mut R,
    max_steps: usize,
    mut visit: V,
) -> Result<usize>
where
    T: Real,
    E: Env<T, O, A>,
    R: rand_core::Rng,
    V: FnMut(usize, &[T; O], &[T; A], T) -> Result<()>,
{
    let mut obs = env.reset(rng);
    let mut action = [T::ZERO; A];
    for t in 0..max_steps {
        policy.sample_into(&obs, rng, &mut action)?;
        let step = env.step(&action)?;
        visit(t, &obs, &action, step.reward)?;
        obs = step.observation;
        if step.terminated || step.truncated {
            return Ok(t + 1);
        }
    }
    Ok(max_steps)
}

/// The mean discounted return of a batch, with its standard error across
/// episodes.
///
/// # Errors
///
/// As [`Rollouts::check`], the policy's and the environment's errors, and
/// [`Error::NumericalOverflow`] for a non-finite return.
pub fn mean_return<T, E, const O: usize, const F: usize, const A: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, F, A>,
    rollouts: &Rollouts<T>,
) -> Result<Estimate<T>>
where
    T: Real,
    E: Env<T, O, A>,
{
    rollouts.check()?;
    let mut moments = crate::probe::Moments::new();
    for e in 0..rollouts.episodes {
        let mut rng = episode_rng(rollouts.seed, e as u64);
        let (mut ret, mut discount) = (T::ZERO, T::ONE);
        run_episode(env, policy, &mut rng, rollouts.max_steps, |_, _, _, r| {
            ret += discount * r;
            discount *= rollouts.gamma;
            Ok(())
        })?;
        if !ret.is_finite() {
            return Err(Error::NumericalOverflow { what: "return" });
        }
        moments.push(ret);
    }
    Ok(Estimate {
        value: moments.mean().unwrap_or(T::ZERO),
        std_error: moments.std_error().unwrap_or(T::ZERO),
    })
}

/// A Monte-Carlo objective: the mean discounted return of a Gaussian policy
/// in an environment, with its standard error, as a probe
/// [`Objective`]. Every evaluation uses the same episode seeds (common
/// random numbers).
#[derive(Clone, Debug)]
pub struct MonteCarlo<E, T, const O: usize, const F: usize, const A: usize> {
    env: E,
    policy: Gaussian<T, O, F, A>,
    rollouts: Rollouts<T>,
}

impl<E, T, const O: usize, const F: usize, const A: usize> MonteCarlo<E, T, O, F, A>
where
    T: Real,
    E: Env<T, O, A>,
{
    /// The objective of `policy` (its `σ` included) in `env`.
    ///
    /// # Errors
    ///
    /// As [`Rollouts::check`].
    pub fn new(env: E, policy: Gaussian<T, O, F, A>, rollouts: Rollouts<T>) -> Result<Self> {
        rollouts.check()?;
        Ok(Self {
            env,
            policy,
            rollouts,
        })
    }

    /// The policy (its parameters are those of the last evaluation).
    pub fn policy(&self) -> &Gaussian<T, O, F, A> {
        &self.policy
    }
}

#[cfg(feature = "defmt")]
impl<E, T: Real, const O: usize, const F: usize, const A: usize> defmt::Format
    for MonteCarlo<E, T, O, F, A>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "MonteCarlo {{ episodes: {=usize}, seed: {=u64}, max_steps: {=usize}, gamma: {=f64} }}",
            self.rollouts.episodes,
            self.rollouts.seed,
            self.rollouts.max_steps,
            self.rollouts.gamma.to_f64(),
        );
    }
}

impl<E, T, const O: usize, const F: usize, const A: usize> Objective<T>
    for MonteCarlo<E, T, O, F, A>
where
    T: Real,
    E: Env<T, O, A>,
{
    fn evaluate(&mut self, theta: &[T]) -> Result<Estimate<T>> {
        self.policy.set_params(theta)?;
        mean_return(&mut self.env, &self.policy, &self.rollouts)
    }
}

/// Which REINFORCE estimator (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Estimator {
    /// `(1/N) Σ_e Σ_t γ^t G_t ∇ln π`: unbiased for the discounted objective.
    Unbiased,
    /// The authors' batch-normalised advantages, no `γ^t`.
    Normalized,
}

/// A REINFORCE gradient with the batch it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GradientReport<T> {
    /// Mean discounted return of the batch.
    pub mean_return: T,
    /// Its standard error.
    pub return_std_error: T,
    /// Steps in the batch.
    pub steps: usize,
}

/// Episodes are accumulated in chunks of this many, merged in order, so a
/// batch split across threads (see `parallel`, feature `rayon`) sums in exactly the same
/// order as one thread and gives bit-identical results.
pub const CHUNK: usize = 16;

/// The sums behind a REINFORCE estimate over a range of episodes;
/// mergeable, so shards of a batch can run anywhere.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BatchSums<T, const F: usize, const A: usize> {
    /// Σ_e of the per-episode unbiased estimates `Σ_t γ^t G_t ∇ln π_t`.
    unbiased: [[T; A]; F],
    /// Σ_e of their squares (for standard errors).
    unbiased_sq: [[T; A]; F],
    /// Σ over steps of `G_t ∇ln π_t` (no `γ^t`).
    weighted: [[T; A]; F],
    /// Σ over steps of `∇ln π_t`.
    score_sum: [[T; A]; F],
    /// Σ over steps of `G_t` and `G_t²`.
    g_sum: T,
    g_sum_sq: T,
    steps: usize,
    episodes: usize,
    returns: crate::probe::Moments<T>,
}

impl<T: Real, const F: usize, const A: usize> Default for BatchSums<T, F, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const F: usize, const A: usize> BatchSums<T, F, A> {
    /// Empty sums.
    pub const fn new() -> Self {
        Self {
            unbiased: [[T::ZERO; A]; F],
            unbiased_sq: [[T::ZERO; A]; F],
            weighted: [[T::ZERO; A]; F],
            score_sum: [[T::ZERO; A]; F],
            g_sum: T::ZERO,
            g_sum_sq: T::ZERO,
            steps: 0,
            episodes: 0,
            returns: crate::probe::Moments::new(),
        }
    }

    /// Adds another shard's sums.
    pub fn merge(&mut self, other: &Self) {
        add_scaled(&mut self.unbiased, &other.unbiased, T::ONE);
        add_scaled(&mut self.unbiased_sq, &other.unbiased_sq, T::ONE);
        add_scaled(&mut self.weighted, &other.weighted, T::ONE);
        add_scaled(&mut self.score_sum, &other.score_sum, T::ONE);
        self.g_sum += other.g_sum;
        self.g_sum_sq += other.g_sum_sq;
        self.steps += other.steps;
        self.episodes += other.episodes;
        self.returns.merge(&other.returns);
    }

    /// Episodes summed.
    pub fn episodes(&self) -> usize {
        self.episodes
    }

    /// Steps summed.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The batch's return statistics and step count.
    pub fn report(&self) -> GradientReport<T> {
        GradientReport {
            mean_return: self.returns.mean().unwrap_or(T::ZERO),
            return_std_error: self.returns.std_error().unwrap_or(T::ZERO),
            steps: self.steps,
        }
    }

    /// The discounted returns of the episodes.
    pub fn returns(&self) -> &crate::probe::Moments<T> {
        &self.returns
    }

    /// The gradient estimate into `grad` (flat, `F * A`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::InvalidParameter`] without
    /// episodes; [`Error::NumericalOverflow`] for a non-finite estimate
    /// (`grad` untouched on error).
    pub fn gradient_into(&self, estimator: Estimator, grad: &mut [T]) -> Result<()> {
        check_len("grad", grad.len(), F * A)?;
        if self.episodes == 0 {
            return Err(Error::InvalidParameter { what: "episodes" });
        }
        let episodes = T::from_usize(self.episodes);
        let mut out = [[T::ZERO; A]; F];
        match estimator {
            Estimator::Unbiased => add_scaled(&mut out, &self.unbiased, T::ONE / episodes),
            Estimator::Normalized => {
                let n = T::from_usize(self.steps.max(1));
                let mean = self.g_sum / n;
                let std = (self.g_sum_sq / n - mean * mean).max(T::ZERO).sqrt();
                let k = T::ONE / ((std + T::from_f64(1e-8)) * episodes);
                // Σ_t (G_t − mean) ∇ln π_t / (std + ε), averaged over episodes.
                add_scaled(&mut out, &self.weighted, k);
                add_scaled(&mut out, &self.score_sum, -mean * k);
            }
        }
        if out.as_flattened().iter().any(|x| !x.is_finite()) {
            return Err(Error::NumericalOverflow { what: "gradient" });
        }
        grad.copy_from_slice(out.as_flattened());
        Ok(())
    }

    /// Per-component standard errors of the [`Estimator::Unbiased`]
    /// estimate (the spread of the per-episode estimates over `√N`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for `out`; [`Error::InvalidParameter`] with
    /// fewer than two episodes.
    pub fn std_errors_into(&self, out: &mut [T]) -> Result<()> {
        check_len("std errors", out.len(), F * A)?;
        if self.episodes < 2 {
            return Err(Error::InvalidParameter {
                what: "episodes (standard errors need two)",
            });
        }
        let n = T::from_usize(self.episodes);
        for ((o, &s), &s2) in out
            .iter_mut()
            .zip(self.unbiased.as_flattened())
            .zip(self.unbiased_sq.as_flattened())
        {
            let mean = s / n;
            let var = ((s2 - n * mean * mean) / (n - T::ONE)).max(T::ZERO);
            *o = (var / n).sqrt();
        }
        Ok(())
    }
}

fn add_scaled<T: Real, const F: usize, const A: usize>(
    dst: &mut [[T; A]; F],
    src: &[[T; A]; F],
    k: T,
) {
    for (d, s) in dst.as_flattened_mut().iter_mut().zip(src.as_flattened()) {
        *d += k * *s;
    }
}

/// Adds episodes `episodes` of the batch to `sums` (one pass per episode,
/// eligibility traces on the stack, `rewards` for the per-step returns).
///
/// # Errors
///
/// As [`reinforce_gradient`].
pub fn accumulate_episodes<T, E, const O: usize, const F: usize, const A: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, F, A>,
    rollouts: &Rollouts<T>,
    episodes: core::ops::Range<usize>,
    rewards: &mut [T],
    sums: &mut BatchSums<T, F, A>,
) -> Result<()>
where
    T: Real,
    E: Env<T, O, A>,
{
    rollouts.check()?;
    if policy.is_deterministic() {
        return Err(Error::InvalidParameter {
            what: "sigma (REINFORCE needs sigma > 0)",
        });
    }
    let gamma = rollouts.gamma;
    let zero = [[T::ZERO; A]; F];
    let mut out = sums.clone();
    let mut score = zero;
    for e in episodes {
        let mut rng = episode_rng(rollouts.seed, e as u64);
        let (mut trace, mut plain_trace, mut episode) = (zero, zero, zero);
        let (mut ret, mut discount) = (T::ZERO, T::ONE);
        let capacity = rewards.len();
        let n = run_episode(
            env,
            policy,
            &mut rng,
            rollouts.max_steps,
            |t, obs, action, r| {
                if t >= capacity {
                    return Err(Error::InvalidParameter {
                        what: "rewards buffer (shorter than an episode)",
                    });
                }
                rewards[t] = r;
                policy.score_into(obs, action, score.as_flattened_mut())?;
                // Unbiased: Σ_t γ^t G_t ∇ln π_t = Σ_t' γ^t' r_t' Σ_{t≤t'} ∇ln π_t.
                add_scaled(&mut trace, &score, T::ONE);
                add_scaled(&mut episode, &trace, discount * r);
                // Normalised: Σ_t G_t ∇ln π_t = Σ_t' r_t' Σ_{t≤t'} γ^(t'−t) ∇ln π_t.
                for (p, &g) in plain_trace
                    .as_flattened_mut()
                    .iter_mut()
                    .zip(score.as_flattened())
                {
                    *p = gamma * *p + g;
                }
                add_scaled(&mut out.weighted, &plain_trace, r);
                add_scaled(&mut out.score_sum, &score, T::ONE);
                ret += discount * r;
                discount *= gamma;
                Ok(())
            },
        )?;
        // Per-step returns, backwards, for the batch statistics.
        let mut g = T::ZERO;
        for &r in rewards[..n].iter().rev() {
            g = r + gamma * g;
            out.g_sum += g;
            out.g_sum_sq += g * g;
        }
        out.steps += n;
        out.episodes += 1;
        out.returns.push(ret);
        for ((s, s2), &x) in out
            .unbiased
            .as_flattened_mut()
            .iter_mut()
            .zip(out.unbiased_sq.as_flattened_mut())
            .zip(episode.as_flattened())
        {
            *s += x;
            *s2 += x * x;
        }
    }
    *sums = out;
    Ok(())
}

/// A REINFORCE estimate of the gradient of the discounted return with
/// respect to the policy's parameters, into `grad` (flat, `F * A`); the
/// batch's sums are left in `sums` (for standard errors).
///
/// Episodes are summed in chunks of [`CHUNK`] merged in order, exactly as
/// `parallel::reinforce_gradient` (feature `rayon`) does on several threads.
/// `rewards` must hold at least the longest episode's steps.
///
/// # Errors
///
/// As [`mean_return`]; [`Error::LengthMismatch`] for `grad`;
/// [`Error::InvalidParameter`] when `σ = 0` (no score) or when an episode
/// outgrows `rewards`; [`Error::NumericalOverflow`] for a non-finite
/// estimate. `grad` is untouched on error.
pub fn reinforce_gradient<T, E, const O: usize, const F: usize, const A: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, F, A>,
    rollouts: &Rollouts<T>,
    estimator: Estimator,
    sums: &mut BatchSums<T, F, A>,
    rewards: &mut [T],
    grad: &mut [T],
) -> Result<GradientReport<T>>
where
    T: Real,
    E: Env<T, O, A>,
{
    rollouts.check()?;
    check_len("grad", grad.len(), F * A)?;
    let mut total = BatchSums::new();
    let mut start = 0;
    while start < rollouts.episodes {
        let end = (start + CHUNK).min(rollouts.episodes);
        let mut chunk = BatchSums::new();
        accumulate_episodes(env, policy, rollouts, start..end, rewards, &mut chunk)?;
        total.merge(&chunk);
        start = end;
    }
    total.gradient_into(estimator, grad)?;
    let report = total.report();
    *sums = total;
    Ok(report)
}

/// Batches on several threads (rayon), bit-identical to one thread.
#[cfg(feature = "rayon")]
pub mod parallel {
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
    pub fn reinforce_gradient<T, E, const O: usize, const F: usize, const A: usize>(
        env: &E,
        policy: &Gaussian<T, O, F, A>,
        rollouts: &Rollouts<T>,
        estimator: Estimator,
        max_episode_len: usize,
        sums: &mut BatchSums<T, F, A>,
        grad: &mut [T],
    ) -> Result<GradientReport<T>>
    where
        T: Real,
        E: Env<T, O, A> + Clone + Send + Sync,
    {
        rollouts.check()?;
        crate::error::check_len("grad", grad.len(), F * A)?;
        let chunks: Vec<(usize, usize)> = (0..rollouts.episodes)
            .step_by(CHUNK)
            .map(|s| (s, (s + CHUNK).min(rollouts.episodes)))
            .collect();
        let parts: Vec<Result<BatchSums<T, F, A>>> = chunks
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
            total.merge(&part?);
        }
        total.gradient_into(estimator, grad)?;
        let report = total.report();
        *sums = total;
        Ok(report)
    }
}

/// The footnote-5 curvature probe run during training (paper Fig. 6).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CurvatureProbe<T> {
    /// Probe step `α`.
    pub alpha: T,
    /// Directions per probe.
    pub directions: u64,
    /// Seed of the directions.
    pub seed: u64,
    /// The Monte-Carlo objective's batch (same seeds at every probe point:
    /// common random numbers).
    pub rollouts: Rollouts<T>,
}

/// Settings of REINFORCE with plain SGD and a constant learning rate.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SgdConfig<T> {
    /// Learning rate.
    pub learning_rate: T,
    /// Updates.
    pub updates: usize,
    /// The training batch; update `k` uses seed `rollouts.seed + k`.
    pub rollouts: Rollouts<T>,
    /// The gradient estimator.
    pub estimator: Estimator,
    /// Evaluate the deterministic policy (`σ = 0`, footnote 4) before every
    /// this many updates (0: never; [`mean_return`] evaluates at the end).
    pub eval_every: usize,
    /// The deterministic evaluation's batch (fixed seed).
    pub eval_rollouts: Rollouts<T>,
    /// Probe the curvature every this many updates (0: never).
    pub curvature_every: usize,
    /// The curvature probe.
    pub curvature: CurvatureProbe<T>,
}

/// What one update reports.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SgdStep<T> {
    /// Update index (the values are at the parameters before it).
    pub update: usize,
    /// Mean discounted return of the training batch and its standard error.
    pub batch_return: Estimate<T>,
    /// Mean discounted return of the deterministic policy, when evaluated.
    pub deterministic: Option<Estimate<T>>,
    /// `(∇O·d, dᵀHd)` of the improving direction nearest the 90th
    /// percentile (footnote 5), when probed and some direction improves.
    pub curvature: Option<(T, T)>,
    /// `‖gradient estimate‖₂`.
    pub grad_norm: T,
}

/// REINFORCE with SGD: `θ ← θ + η ĝ` for `config.updates` updates, calling
/// `observer` after each; it can stop early with `ControlFlow::Break(())`.
/// Returns the updates made.
///
/// `rewards` must hold the longest episode; `probe_scratch` holds `2 F A`
/// scalars (used only with curvature probes).
///
/// # Errors
///
/// As [`reinforce_gradient`] and [`mean_return`];
/// [`Error::InvalidParameter`] for a non-finite or negative learning rate;
/// [`Error::NumericalOverflow`] if a step would make a parameter non-finite
/// (the policy is then unchanged).
#[allow(clippy::too_many_arguments)]
pub fn train_sgd<T, E, Obs, const O: usize, const F: usize, const A: usize>(
    env: &mut E,
    policy: &mut Gaussian<T, O, F, A>,
    config: &SgdConfig<T>,
    rewards: &mut [T],
    probe_scratch: &mut [T],
    mut observer: Obs,
) -> Result<usize>
where
    T: Real,
    E: Env<T, O, A> + Clone,
    Obs: FnMut(&SgdStep<T>) -> core::ops::ControlFlow<()>,
{
    let eta = config.learning_rate;
    if !(eta.is_finite() && eta >= T::ZERO) {
        return Err(Error::InvalidParameter {
            what: "learning_rate",
        });
    }
    config.rollouts.check()?;
    if config.eval_every > 0 {
        config.eval_rollouts.check()?;
    }
    if config.curvature_every > 0 {
        config.curvature.rollouts.check()?;
        check_len("probe scratch", probe_scratch.len(), 2 * F * A)?;
    }
    let mut grad = [[T::ZERO; A]; F];
    let mut sums = BatchSums::new();
    let deterministic = |policy: &Gaussian<T, O, F, A>, env: &mut E| -> Result<Estimate<T>> {
        let mut det = policy.clone();
        det.set_sigma(T::ZERO)?;
        mean_return(env, &det, &config.eval_rollouts)
    };
    for update in 0..config.updates {
        let det = if config.eval_every > 0 && update % config.eval_every == 0 {
            Some(deterministic(policy, env)?)
        } else {
            None
        };
        let curvature = if config.curvature_every > 0 && update % config.curvature_every == 0 {
            let c = &config.curvature;
            let mut objective = MonteCarlo::new(env.clone(), policy.clone(), c.rollouts)?;
            let theta0 = *policy.theta();
            let theta0 = theta0.as_flattened();
            let mut acc = crate::probe::start(&mut objective, theta0, c.alpha, Default::default())?;
            crate::probe::probe(
                &mut objective,
                theta0,
                c.seed,
                0..c.directions,
                probe_scratch,
                &mut acc,
            )?;
            acc.improving_curvature()
        } else {
            None
        };
        let rollouts = Rollouts {
            seed: config.rollouts.seed.wrapping_add(update as u64),
            ..config.rollouts
        };
        let report = reinforce_gradient(
            env,
            policy,
            &rollouts,
            config.estimator,
            &mut sums,
            rewards,
            grad.as_flattened_mut(),
        )?;
        let flat = grad.as_flattened();
        if flat
            .iter()
            .zip(policy.params())
            .any(|(&g, &t)| !(t + eta * g).is_finite())
        {
            return Err(Error::NumericalOverflow { what: "parameters" });
        }
        for (t, &g) in policy.params_mut().iter_mut().zip(flat) {
            *t += eta * g;
        }
        let step = SgdStep {
            update,
            batch_return: Estimate {
                value: report.mean_return,
                std_error: report.return_std_error,
            },
            deterministic: det,
            curvature,
            grad_norm: flat.iter().fold(T::ZERO, |acc, &g| acc + g * g).sqrt(),
        };
        if observer(&step).is_break() {
            return Ok(update + 1);
        }
    }
    Ok(config.updates)
}
