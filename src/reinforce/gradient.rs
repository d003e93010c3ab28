//! REINFORCE gradient estimates: the mergeable sums over episodes and the
//! two estimators.

use super::rollout::{Rollouts, run_episode};
use crate::env::Env;
use crate::error::{Error, Result, check_len, check_overflow, rule};
use crate::policy::Gaussian;
use crate::random::episode_rng;
use crate::real::Real;
use crate::stats::Moments;

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
    /// Its standard error; `None` for a batch of one episode (unknown, which
    /// must not read as exact).
    pub return_std_error: Option<T>,
    /// Steps in the batch.
    pub steps: usize,
}

/// Episodes are accumulated in chunks of this many, merged in order, so a
/// batch split across threads (see `parallel`, feature `rayon`) sums in
/// exactly the same order as one thread and gives bit-identical results.
/// One: every episode is a chunk, so threads share a batch of any size
/// (with 16, a batch of 16 MuJoCo episodes ran on one thread); merging
/// costs `O(F A)` per episode, next to the episode's own `O(T F A)`.
pub const CHUNK: usize = 1;

/// The sums behind a REINFORCE estimate over a range of episodes;
/// mergeable, so shards of a batch can run anywhere. `T`, `O` (observation
/// size), `A` (action size) and `F` (features, default `O`) are those of the
/// [`Gaussian`](crate::policy::Gaussian) policy.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BatchSums<T, const O: usize, const A: usize, const F: usize = O> {
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
    returns: Moments<T>,
}

impl<T: Real, const O: usize, const A: usize, const F: usize> Default for BatchSums<T, O, A, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const O: usize, const A: usize, const F: usize> BatchSums<T, O, A, F> {
    /// Empty sums.
    pub const fn new() -> Self {
        const { assert!(F > 0 && A > 0, "need at least one feature and one action") };
        Self {
            unbiased: [[T::ZERO; A]; F],
            unbiased_sq: [[T::ZERO; A]; F],
            weighted: [[T::ZERO; A]; F],
            score_sum: [[T::ZERO; A]; F],
            g_sum: T::ZERO,
            g_sum_sq: T::ZERO,
            steps: 0,
            episodes: 0,
            returns: Moments::new(),
        }
    }

    /// Adds another shard's sums.
    ///
    /// # Errors
    ///
    /// [`Error::CountOverflow`] when the episode or step counts overflow;
    /// the return statistics' errors (see [`Moments::merge`]). Unchanged on
    /// error.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        let mut returns = self.returns;
        returns.merge(&other.returns)?;
        let count =
            |what, a: usize, b: usize| a.checked_add(b).ok_or(Error::CountOverflow { what });
        let steps = count("step", self.steps, other.steps)?;
        let episodes = count("episode", self.episodes, other.episodes)?;
        add_scaled(&mut self.unbiased, &other.unbiased, T::ONE);
        add_scaled(&mut self.unbiased_sq, &other.unbiased_sq, T::ONE);
        add_scaled(&mut self.weighted, &other.weighted, T::ONE);
        add_scaled(&mut self.score_sum, &other.score_sum, T::ONE);
        self.g_sum += other.g_sum;
        self.g_sum_sq += other.g_sum_sq;
        self.steps = steps;
        self.episodes = episodes;
        self.returns = returns;
        Ok(())
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
            return_std_error: self.returns.std_error(),
            steps: self.steps,
        }
    }

    /// The discounted returns of the episodes.
    pub fn returns(&self) -> &Moments<T> {
        &self.returns
    }

    /// The gradient estimate into `grad` (flat, `F * A`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::InvalidParameter`] without
    /// episodes; [`Error::NumericalOverflow`] for a non-finite estimate or,
    /// for [`Estimator::Normalized`], return sums that overflowed (`grad`
    /// untouched on error).
    pub fn gradient_into(&self, estimator: Estimator, grad: &mut [T]) -> Result<()> {
        check_len("grad", grad.len(), F.saturating_mul(A))?;
        if self.episodes == 0 {
            return Err(Error::InvalidParameter {
                what: "episodes",
                rule: rule::AT_LEAST_ONE,
            });
        }
        let episodes = T::from_usize(self.episodes);
        let mut out = [[T::ZERO; A]; F];
        match estimator {
            Estimator::Unbiased => add_scaled(&mut out, &self.unbiased, T::ONE / episodes),
            Estimator::Normalized => {
                if !(self.g_sum.is_finite() && self.g_sum_sq.is_finite()) {
                    // The normalisation would read 0 (or NaN): refuse.
                    return Err(Error::NumericalOverflow {
                        what: "return statistics",
                    });
                }
                let n = T::from_usize(self.steps.max(1));
                let mean = self.g_sum / n;
                let std = (self.g_sum_sq / n - mean * mean).max(T::ZERO).sqrt();
                let k = T::ONE / ((std + T::from_f64(1e-8)) * episodes);
                // Σ_t (G_t − mean) ∇ln π_t / (std + ε), averaged over episodes.
                add_scaled(&mut out, &self.weighted, k);
                add_scaled(&mut out, &self.score_sum, -mean * k);
            }
        }
        check_overflow("gradient", out.as_flattened())?;
        grad.copy_from_slice(out.as_flattened());
        Ok(())
    }

    /// Per-component standard errors of the [`Estimator::Unbiased`]
    /// estimate (the spread of the per-episode estimates over `√N`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for `out`; [`Error::InvalidParameter`] with
    /// fewer than two episodes; [`Error::NumericalOverflow`] when the sums of
    /// squares overflowed (per-episode estimates beyond about `1e154` in
    /// `f64`), rather than a standard error of 0 or NaN. `out` is untouched
    /// on error.
    pub fn std_errors_into(&self, out: &mut [T]) -> Result<()> {
        check_len("std errors", out.len(), F.saturating_mul(A))?;
        if self.episodes < 2 {
            return Err(Error::InvalidParameter {
                what: "episodes",
                rule: rule::AT_LEAST_TWO,
            });
        }
        let n = T::from_usize(self.episodes);
        let mut se = [[T::ZERO; A]; F];
        for ((o, &s), &s2) in se
            .as_flattened_mut()
            .iter_mut()
            .zip(self.unbiased.as_flattened())
            .zip(self.unbiased_sq.as_flattened())
        {
            // With both sums finite, n mean² <= s2 (Cauchy–Schwarz): finite.
            if !(s.is_finite() && s2.is_finite()) {
                return Err(Error::NumericalOverflow {
                    what: "REINFORCE standard error",
                });
            }
            let mean = s / n;
            let var = ((s2 - n * mean * mean) / (n - T::ONE)).max(T::ZERO);
            *o = (var / n).sqrt();
        }
        out.copy_from_slice(se.as_flattened());
        Ok(())
    }
}

fn add_scaled<T: Real, const A: usize, const F: usize>(
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
pub fn accumulate_episodes<T, E, const O: usize, const A: usize, const F: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, A, F>,
    rollouts: &Rollouts<T>,
    episodes: core::ops::Range<usize>,
    rewards: &mut [T],
    sums: &mut BatchSums<T, O, A, F>,
) -> Result<()>
where
    T: Real,
    E: Env<T, O, A>,
{
    rollouts.check()?;
    if policy.is_deterministic() {
        return Err(Error::InvalidParameter {
            what: "sigma",
            rule: "be positive in every dimension (REINFORCE needs a score)",
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
                        what: "rewards buffer",
                        rule: "hold max_steps rewards (the longest episode)",
                    });
                }
                // t < capacity = rewards.len(), checked just above.
                if let Some(slot) = rewards.get_mut(t) {
                    *slot = r;
                }
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
        // Every step wrote its reward (t < capacity), so n <= rewards.len().
        for &r in rewards.get(..n).unwrap_or_default().iter().rev() {
            g = r + gamma * g;
            out.g_sum += g;
            out.g_sum_sq += g * g;
        }
        if !ret.is_finite() {
            return Err(Error::NumericalOverflow {
                what: "discounted return",
            });
        }
        out.returns.push(ret)?;
        out.steps = out.steps.saturating_add(n);
        out.episodes = out.episodes.saturating_add(1);
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
/// As [`mean_return`](super::mean_return); [`Error::LengthMismatch`] for `grad`;
/// [`Error::InvalidParameter`] when `σ = 0` (no score) or when an episode
/// outgrows `rewards`; [`Error::NumericalOverflow`] for a non-finite
/// estimate. `grad` is untouched on error.
pub fn reinforce_gradient<T, E, const O: usize, const A: usize, const F: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, A, F>,
    rollouts: &Rollouts<T>,
    estimator: Estimator,
    sums: &mut BatchSums<T, O, A, F>,
    rewards: &mut [T],
    grad: &mut [T],
) -> Result<GradientReport<T>>
where
    T: Real,
    E: Env<T, O, A>,
{
    rollouts.check()?;
    check_len("grad", grad.len(), F.saturating_mul(A))?;
    let mut total = BatchSums::new();
    let mut start = 0;
    while start < rollouts.episodes {
        let end = start.saturating_add(CHUNK).min(rollouts.episodes);
        let mut chunk = BatchSums::new();
        accumulate_episodes(env, policy, rollouts, start..end, rewards, &mut chunk)?;
        total.merge(&chunk)?;
        start = end;
    }
    total.gradient_into(estimator, grad)?;
    let report = total.report();
    *sums = total;
    Ok(report)
}
