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

/// Scratch of [`reinforce_gradient`]: the eligibility traces and the
/// per-episode moments of the unbiased estimate (`F * A` scalars each).
#[derive(Clone, Debug)]
pub struct ReinforceScratch<T, const F: usize, const A: usize> {
    trace: [[T; A]; F],
    plain_trace: [[T; A]; F],
    score: [[T; A]; F],
    episode: [[T; A]; F],
    sum: [[T; A]; F],
    sum_sq: [[T; A]; F],
    score_sum: [[T; A]; F],
}

impl<T: Real, const F: usize, const A: usize> Default for ReinforceScratch<T, F, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const F: usize, const A: usize> ReinforceScratch<T, F, A> {
    /// Zeroed scratch.
    pub const fn new() -> Self {
        Self {
            trace: [[T::ZERO; A]; F],
            plain_trace: [[T::ZERO; A]; F],
            score: [[T::ZERO; A]; F],
            episode: [[T::ZERO; A]; F],
            sum: [[T::ZERO; A]; F],
            sum_sq: [[T::ZERO; A]; F],
            score_sum: [[T::ZERO; A]; F],
        }
    }

    /// Per-component standard errors of the last [`Estimator::Unbiased`]
    /// estimate (the spread of the per-episode estimates over `√N`), into
    /// `out` (`F * A`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for `out`; [`Error::InvalidParameter`] with
    /// fewer than two episodes.
    pub fn std_errors_into(&self, episodes: usize, out: &mut [T]) -> Result<()> {
        check_len("std errors", out.len(), F * A)?;
        if episodes < 2 {
            return Err(Error::InvalidParameter {
                what: "episodes (standard errors need two)",
            });
        }
        let n = T::from_usize(episodes);
        for ((o, &s), &s2) in out
            .iter_mut()
            .zip(self.sum.as_flattened())
            .zip(self.sum_sq.as_flattened())
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

/// A REINFORCE estimate of the gradient of the discounted return with
/// respect to the policy's parameters, into `grad` (flat, `F * A`).
///
/// `rewards` must hold at least the longest episode's steps (it is used for
/// the per-step returns of [`Estimator::Normalized`]).
///
/// # Errors
///
/// As [`mean_return`]; [`Error::LengthMismatch`] for `grad`;
/// [`Error::InvalidParameter`] when `σ = 0` (no score) or when an episode
/// outgrows `rewards`; [`Error::NumericalOverflow`] for a non-finite
/// estimate. `grad` is untouched on error.
#[allow(clippy::too_many_arguments)]
pub fn reinforce_gradient<T, E, const O: usize, const F: usize, const A: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, F, A>,
    rollouts: &Rollouts<T>,
    estimator: Estimator,
    scratch: &mut ReinforceScratch<T, F, A>,
    rewards: &mut [T],
    grad: &mut [T],
) -> Result<GradientReport<T>>
where
    T: Real,
    E: Env<T, O, A>,
{
    rollouts.check()?;
    check_len("grad", grad.len(), F * A)?;
    if policy.is_deterministic() {
        return Err(Error::InvalidParameter {
            what: "sigma (REINFORCE needs sigma > 0)",
        });
    }
    let gamma = rollouts.gamma;
    let zero = [[T::ZERO; A]; F];
    scratch.sum = zero;
    scratch.sum_sq = zero;
    scratch.score_sum = zero;
    // Σ_t G_t ∇ln π_t over the batch (normalised estimator), and the batch
    // statistics of G_t.
    let mut weighted = zero;
    let (mut g_sum, mut g_sum_sq, mut steps) = (T::ZERO, T::ZERO, 0usize);
    let mut returns = crate::probe::Moments::new();
    for e in 0..rollouts.episodes {
        let mut rng = episode_rng(rollouts.seed, e as u64);
        scratch.trace = zero;
        scratch.plain_trace = zero;
        scratch.episode = zero;
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
                policy.score_into(obs, action, scratch.score.as_flattened_mut())?;
                // Unbiased: Σ_t γ^t G_t ∇ln π_t = Σ_t' γ^t' r_t' Σ_{t≤t'} ∇ln π_t.
                add_scaled(&mut scratch.trace, &scratch.score, T::ONE);
                add_scaled(&mut scratch.episode, &scratch.trace, discount * r);
                // Normalised: Σ_t G_t ∇ln π_t = Σ_t' r_t' Σ_{t≤t'} γ^(t'-t) ∇ln π_t.
                for (p, &s) in scratch
                    .plain_trace
                    .as_flattened_mut()
                    .iter_mut()
                    .zip(scratch.score.as_flattened())
                {
                    *p = gamma * *p + s;
                }
                add_scaled(&mut weighted, &scratch.plain_trace, r);
                add_scaled(&mut scratch.score_sum, &scratch.score, T::ONE);
                ret += discount * r;
                discount *= gamma;
                Ok(())
            },
        )?;
        // Per-step returns, backwards, for the batch statistics.
        let mut g = T::ZERO;
        for &r in rewards[..n].iter().rev() {
            g = r + gamma * g;
            g_sum += g;
            g_sum_sq += g * g;
        }
        steps += n;
        returns.push(ret);
        for ((s, s2), &x) in scratch
            .sum
            .as_flattened_mut()
            .iter_mut()
            .zip(scratch.sum_sq.as_flattened_mut())
            .zip(scratch.episode.as_flattened())
        {
            *s += x;
            *s2 += x * x;
        }
    }
    let episodes = T::from_usize(rollouts.episodes);
    let mut out = zero;
    match estimator {
        Estimator::Unbiased => {
            add_scaled(&mut out, &scratch.sum, T::ONE / episodes);
        }
        Estimator::Normalized => {
            let n = T::from_usize(steps.max(1));
            let mean = g_sum / n;
            let std = (g_sum_sq / n - mean * mean).max(T::ZERO).sqrt();
            let k = T::ONE / ((std + T::from_f64(1e-8)) * episodes);
            // Σ_t (G_t − mean) ∇ln π_t / (std + ε), averaged over episodes.
            add_scaled(&mut out, &weighted, k);
            add_scaled(&mut out, &scratch.score_sum, -mean * k);
        }
    }
    if out.as_flattened().iter().any(|x| !x.is_finite()) {
        return Err(Error::NumericalOverflow { what: "gradient" });
    }
    grad.copy_from_slice(out.as_flattened());
    Ok(GradientReport {
        mean_return: returns.mean().unwrap_or(T::ZERO),
        return_std_error: returns.std_error().unwrap_or(T::ZERO),
        steps,
    })
}
