//! REINFORCE training with plain SGD, with the deterministic evaluations
//! and the footnote-5 curvature probes of the paper's Fig. 6.

use super::gradient::{BatchSums, Estimator, GradientReport, reinforce_gradient};
use super::rollout::{MonteCarlo, Rollouts, mean_return};
use crate::env::Env;
use crate::error::{Error, Result, check_len, rule};
use crate::policy::Gaussian;
use crate::probe::improving_curvature;
use crate::real::Real;
use crate::stats::Estimate;
use crate::train::ascend;

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
    /// Mean discounted return of the training batch.
    pub batch_return: T,
    /// Its standard error; `None` for a batch of one episode (unknown).
    pub batch_return_std_error: Option<T>,
    /// Mean discounted return of the deterministic policy, when evaluated.
    pub deterministic: Option<Estimate<T>>,
    /// `(∇O·d, dᵀHd)` of the improving direction nearest the 90th
    /// percentile (footnote 5), when probed and some direction improves
    /// ([`improving_curvature`]). A
    /// [`CurvatureMonitor`](crate::probe::CurvatureMonitor) keeps the last
    /// few for a device to act on.
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
/// # Examples
///
/// Training on a linear-quadratic system while a
/// [`CurvatureMonitor`](crate::probe::CurvatureMonitor) keeps the last four
/// footnote-5 curvatures (a device would check its summary, e.g. stop or
/// lower the rate when the curvature fluctuates widely):
///
/// ```
/// use core::ops::ControlFlow;
/// use policy_landscape::env::LinearQuadratic;
/// use policy_landscape::policy::Gaussian;
/// use policy_landscape::probe::CurvatureMonitor;
/// use policy_landscape::reinforce::{CurvatureProbe, Estimator, Rollouts, SgdConfig, train_sgd};
///
/// let batch = |episodes, seed| Rollouts { episodes, gamma: 0.97, seed, max_steps: 100 };
/// let config = SgdConfig {
///     learning_rate: 0.01,
///     updates: 30,
///     rollouts: batch(16, 100),
///     estimator: Estimator::Unbiased,
///     eval_every: 0,
///     eval_rollouts: batch(1, 0),
///     curvature_every: 5,
///     curvature: CurvatureProbe { alpha: 0.05, directions: 6, seed: 3, rollouts: batch(16, 9) },
/// };
/// let mut env = LinearQuadratic::new(0.95, 0.4, 25)?;
/// let mut policy = Gaussian::<f64, 1, 1, 2>::affine();
/// policy.set_sigma(0.4)?;
/// let mut monitor = CurvatureMonitor::<f64, 4>::new();
/// train_sgd(&mut env, &mut policy, &config, &mut [0.0; 25], &mut [0.0; 4], |step| {
///     if let Some((g, c)) = step.curvature {
///         // Finite by construction, so the push cannot fail.
///         let _ = monitor.push(step.update, g, c);
///     }
///     ControlFlow::Continue(())
/// })?;
/// // Probes before updates 0, 5, ..., 25; the window holds the last four.
/// let updates: Vec<usize> = monitor.points().map(|p| p.update).collect();
/// assert_eq!(updates, [10, 15, 20, 25]);
/// let summary = monitor.summary().unwrap();
/// assert!(summary.min <= summary.mean && summary.mean <= summary.max);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
///
/// # Errors
///
/// As [`reinforce_gradient`] and [`mean_return`];
/// [`Error::InvalidParameter`] for a non-finite or negative learning rate;
/// [`Error::NumericalOverflow`] if a step would make a parameter non-finite
/// (the policy is then unchanged).
#[allow(clippy::too_many_arguments)]
pub fn train_sgd<T, E, Obs, const O: usize, const A: usize, const F: usize>(
    env: &mut E,
    policy: &mut Gaussian<T, O, A, F>,
    config: &SgdConfig<T>,
    rewards: &mut [T],
    probe_scratch: &mut [T],
    observer: Obs,
) -> Result<usize>
where
    T: Real,
    E: Env<T, O, A> + Clone,
    Obs: FnMut(&SgdStep<T>) -> core::ops::ControlFlow<()>,
{
    if config.curvature_every > 0 {
        check_len(
            "probe scratch",
            probe_scratch.len(),
            F.saturating_mul(A).saturating_mul(2),
        )?;
    }
    let mut batches = OneThread {
        rewards,
        probe_scratch,
    };
    sgd_loop(env, policy, config, &mut batches, observer)
}

/// Where the SGD loop gets its batches: this thread ([`train_sgd`]) or
/// rayon's (`parallel::train_sgd`, bit-identical).
pub(super) trait Batches<T: Real, E, const O: usize, const A: usize, const F: usize> {
    /// As [`reinforce_gradient`].
    fn gradient(
        &mut self,
        env: &mut E,
        policy: &Gaussian<T, O, A, F>,
        rollouts: &Rollouts<T>,
        estimator: Estimator,
        sums: &mut BatchSums<T, O, A, F>,
        grad: &mut [T],
    ) -> Result<GradientReport<T>>;

    /// As [`mean_return`].
    fn mean_return(
        &mut self,
        env: &mut E,
        policy: &Gaussian<T, O, A, F>,
        rollouts: &Rollouts<T>,
    ) -> Result<Estimate<T>>;

    /// As [`improving_curvature`] on the Monte-Carlo objective of `policy`.
    fn curvature(
        &mut self,
        env: &E,
        policy: &Gaussian<T, O, A, F>,
        probe: &CurvatureProbe<T>,
    ) -> Result<Option<(T, T)>>;
}

/// One thread, on the caller's buffers.
struct OneThread<'a, T> {
    rewards: &'a mut [T],
    probe_scratch: &'a mut [T],
}

impl<T, E, const O: usize, const A: usize, const F: usize> Batches<T, E, O, A, F>
    for OneThread<'_, T>
where
    T: Real,
    E: Env<T, O, A> + Clone,
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
        reinforce_gradient(env, policy, rollouts, estimator, sums, self.rewards, grad)
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
        improving_curvature(
            &mut objective,
            theta0.as_flattened(),
            c.alpha,
            c.seed,
            c.directions,
            self.probe_scratch,
        )
    }
}

/// The SGD loop of [`train_sgd`], with its batches from `batches`.
pub(super) fn sgd_loop<T, E, Obs, B, const O: usize, const A: usize, const F: usize>(
    env: &mut E,
    policy: &mut Gaussian<T, O, A, F>,
    config: &SgdConfig<T>,
    batches: &mut B,
    mut observer: Obs,
) -> Result<usize>
where
    T: Real,
    E: Env<T, O, A>,
    B: Batches<T, E, O, A, F>,
    Obs: FnMut(&SgdStep<T>) -> core::ops::ControlFlow<()>,
{
    let eta = config.learning_rate;
    if !(eta.is_finite() && eta >= T::ZERO) {
        return Err(Error::InvalidParameter {
            what: "learning_rate",
            rule: rule::NON_NEGATIVE,
        });
    }
    config.rollouts.check()?;
    if config.eval_every > 0 {
        config.eval_rollouts.check()?;
    }
    if config.curvature_every > 0 {
        config.curvature.rollouts.check()?;
    }
    let mut grad = [[T::ZERO; A]; F];
    let mut sums = BatchSums::new();
    for update in 0..config.updates {
        let det = if update.checked_rem(config.eval_every) == Some(0) {
            let mut det = policy.clone();
            det.set_sigma(T::ZERO)?;
            Some(batches.mean_return(env, &det, &config.eval_rollouts)?)
        } else {
            None
        };
        let curvature = if update.checked_rem(config.curvature_every) == Some(0) {
            batches.curvature(env, policy, &config.curvature)?
        } else {
            None
        };
        let rollouts = Rollouts {
            seed: config.rollouts.seed.wrapping_add(update as u64),
            ..config.rollouts
        };
        let report = batches.gradient(
            env,
            policy,
            &rollouts,
            config.estimator,
            &mut sums,
            grad.as_flattened_mut(),
        )?;
        let flat = grad.as_flattened();
        ascend(policy.params_mut(), flat, eta)?;
        let step = SgdStep {
            update,
            batch_return: report.mean_return,
            batch_return_std_error: report.return_std_error,
            deterministic: det,
            curvature,
            grad_norm: flat.iter().fold(T::ZERO, |acc, &g| acc + g * g).sqrt(),
        };
        if observer(&step).is_break() {
            return Ok(update.saturating_add(1));
        }
    }
    Ok(config.updates)
}
