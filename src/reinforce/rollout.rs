//! Rollouts of a Gaussian policy: episodes, the mean discounted return and
//! the Monte-Carlo objective.

use crate::env::Env;
use crate::error::{Error, Result, rule};
use crate::policy::Gaussian;
use crate::probe::Objective;
use crate::random::episode_rng;
use crate::real::Real;
use crate::stats::{Estimate, Moments};

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
            return Err(Error::InvalidParameter {
                what: "episodes",
                rule: rule::AT_LEAST_ONE,
            });
        }
        if self.max_steps == 0 {
            return Err(Error::InvalidParameter {
                what: "max_steps",
                rule: rule::AT_LEAST_ONE,
            });
        }
        if !(self.gamma >= T::ZERO && self.gamma <= T::ONE) {
            return Err(Error::InvalidDiscount {
                rule: rule::DISCOUNT_EPISODIC,
            });
        }
        Ok(())
    }
}

/// Runs one episode of `policy` in `env` from `rng`, calling `visit` with
/// `(t, observation, action, reward)` for every step; returns the number of
/// steps.
pub(super) fn run_episode<T, E, R, V, const O: usize, const A: usize, const F: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, A, F>,
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
            return Ok(t.saturating_add(1));
        }
    }
    Ok(max_steps)
}

/// The mean discounted return of a batch, with its standard error across
/// episodes.
///
/// # Errors
///
/// As [`Rollouts::check`]; [`Error::InvalidParameter`] for fewer than two
/// episodes (one episode has no standard error, and 0 would read as exact);
/// the policy's and the environment's errors; [`Error::NumericalOverflow`]
/// for a non-finite return or returns too far apart for their variance.
pub fn mean_return<T, E, const O: usize, const A: usize, const F: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, A, F>,
    rollouts: &Rollouts<T>,
) -> Result<Estimate<T>>
where
    T: Real,
    E: Env<T, O, A>,
{
    rollouts.check()?;
    if rollouts.episodes < 2 {
        return Err(too_few_episodes());
    }
    let mut moments = Moments::new();
    for e in 0..rollouts.episodes {
        moments.push(episode_return(env, policy, rollouts, e)?)?;
    }
    estimate(&moments)
}

/// The discounted return of episode `e` of the batch.
pub(super) fn episode_return<T, E, const O: usize, const A: usize, const F: usize>(
    env: &mut E,
    policy: &Gaussian<T, O, A, F>,
    rollouts: &Rollouts<T>,
    e: usize,
) -> Result<T>
where
    T: Real,
    E: Env<T, O, A>,
{
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
    Ok(ret)
}

/// The mean and standard error of two or more returns.
pub(super) fn estimate<T: Real>(moments: &Moments<T>) -> Result<Estimate<T>> {
    match (moments.mean(), moments.std_error()) {
        (Some(value), Some(std_error)) => Ok(Estimate { value, std_error }),
        _ => Err(too_few_episodes()),
    }
}

/// A standard error needs two episodes.
pub(super) fn too_few_episodes() -> Error {
    Error::InvalidParameter {
        what: "episodes",
        rule: rule::AT_LEAST_TWO,
    }
}

/// A Monte-Carlo objective: the mean discounted return of a Gaussian policy
/// in an environment, with its standard error, as a probe
/// [`Objective`]. Every evaluation uses the same episode seeds (common
/// random numbers). `E` is the environment; `T`, `O` (observation size),
/// `A` (action size) and `F` (features, default `O`) are those of the
/// [`Gaussian`] policy.
#[derive(Clone, Debug)]
pub struct MonteCarlo<E, T, const O: usize, const A: usize, const F: usize = O> {
    pub(super) env: E,
    pub(super) policy: Gaussian<T, O, A, F>,
    pub(super) rollouts: Rollouts<T>,
}

impl<E, T, const O: usize, const A: usize, const F: usize> MonteCarlo<E, T, O, A, F>
where
    T: Real,
    E: Env<T, O, A>,
{
    /// The objective of `policy` (its `σ` included) in `env`.
    ///
    /// # Errors
    ///
    /// As [`Rollouts::check`]; [`Error::InvalidParameter`] for fewer than
    /// two episodes: a probe must know the standard error of each
    /// evaluation, and one episode has none.
    pub fn new(env: E, policy: Gaussian<T, O, A, F>, rollouts: Rollouts<T>) -> Result<Self> {
        rollouts.check()?;
        if rollouts.episodes < 2 {
            return Err(too_few_episodes());
        }
        Ok(Self {
            env,
            policy,
            rollouts,
        })
    }

    /// The policy (its parameters are those of the last evaluation).
    pub fn policy(&self) -> &Gaussian<T, O, A, F> {
        &self.policy
    }
}

#[cfg(feature = "defmt")]
impl<E, T: Real, const O: usize, const A: usize, const F: usize> defmt::Format
    for MonteCarlo<E, T, O, A, F>
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

impl<E, T, const O: usize, const A: usize, const F: usize> Objective<T>
    for MonteCarlo<E, T, O, A, F>
where
    T: Real,
    E: Env<T, O, A>,
{
    fn evaluate(&mut self, theta: &[T]) -> Result<Estimate<T>> {
        self.policy.set_params(theta)?;
        mean_return(&mut self.env, &self.policy, &self.rollouts)
    }
}
