//! The data of the paper's Fig. 5, 6 and 7 (§3.2) on the library's own
//! continuous-control environments (Pendulum-v1, MountainCarContinuous-v0),
//! as one serialisable [`Results`].
//!
//! The pipeline of `examples/continuous_sigma.rs` (and of the MuJoCo
//! crate's experiment), as a library:
//!
//! 1. **Fig. 5.** REINFORCE with a linear (affine) Gaussian policy of fixed
//!    σ, the authors' estimator (per-step returns, batch-normalised
//!    advantages), plain SGD at a constant rate, for every (σ, rate, seed):
//!    the deterministic (σ = 0) undiscounted return every `eval_every`
//!    updates ([`Curve`]); per σ the rate with the best mean final return
//!    ([`Results::best_rates`], [`RateSummary`]).
//! 2. **Fig. 6.** Along one training run (the middle σ at its best rate,
//!    seed 0: [`Results::curvature_run`]), at every `probe_every` updates,
//!    the curvature of the improving direction nearest the 90th percentile
//!    (footnote 5) of the objective of each probe σ ([`CurvatureSeries`]),
//!    with fluctuation statistics.
//! 3. **Fig. 7a.** The poorest final solution of the lowest σ (at its best
//!    rate) probed under each probe σ: every direction's pair (D+, D−),
//!    its detectability band (footnote 6), the counts of detectably
//!    negative and positive curvature and the fraction negative with its
//!    95 % Wilson interval ([`SolutionProbe`]). Each σ's own final solution
//!    of the same seed is also probed under its own σ.
//! 4. **Fig. 7b.** The linear interpolation from that low-σ solution to the
//!    highest σ's solution of the same seed (same initialisation), the
//!    undiscounted return under each probe σ ([`Interpolation`]), with
//!    whether it increases monotonically (within noise) and its dip depth.
//!
//! Every job (a training run, a probe, an interpolation) runs on one thread
//! with the core's single-threaded estimators, and jobs are spread over
//! threads with their results ordered by job: the same [`Settings`] give
//! bit-identical [`Results`] whatever the thread count.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use policy_landscape::Real;
use policy_landscape::env::{ClipAction, Env as Environment, MountainCarContinuous, Pendulum};
use policy_landscape::policy::Gaussian;
use policy_landscape::probe::{self, Objective, Thresholds};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::reinforce::{
    CurvatureProbe, Estimator, MonteCarlo, Rollouts, SgdConfig, mean_return, train_sgd,
};
use policy_landscape::stats::{Estimate, Z95, wilson_interval};
use serde::{Deserialize, Serialize};

/// Seed of the deterministic evaluations' episodes (Fig. 5) and of the
/// interpolation's (Fig. 7b): the same initial states for every run and
/// update (paired comparisons). Training batches use
/// `seed · 1 000 003 + update`, far below it.
pub const EVAL_SEED: u64 = u64::MAX - 7;
/// Seed of the probes' episodes (common random numbers across directions).
pub const PROBE_SEED: u64 = u64::MAX - 9;
/// Seed of the probes' random directions.
pub const DIRECTION_SEED: u64 = 2019;
/// Step guard of every episode (the environments' own time limits, 200 and
/// 999 steps, come first).
const MAX_STEPS: usize = 1000;

/// The environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Env {
    /// Gymnasium's Pendulum-v1 (3 observations, 1 action, 200 steps).
    Pendulum,
    /// Gymnasium's MountainCarContinuous-v0 (2 observations, 1 action).
    MountainCar,
}

/// The fluctuation of a curvature series (Fig. 6): the sample standard
/// deviation of its successive differences; `None` for fewer than 3 values.
pub fn fluctuation(values: &[f64]) -> Option<f64> {
    let diffs: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    if diffs.len() >= 2 {
        mean_sd(&diffs).map(|d| d.1)
    } else {
        None
    }
}

/// Whether an interpolation `(a, value, standard error)` is monotone within
/// the noise (Fig. 7b): it ends higher than it starts, and no step goes
/// down by more than 2 standard errors of the difference (errors taken as
/// independent).
pub fn monotone(points: &[(f64, f64, f64)]) -> bool {
    let within = points
        .windows(2)
        .all(|w| w[1].1 + 2.0 * (w[0].2 * w[0].2 + w[1].2 * w[1].2).sqrt() >= w[0].1);
    let ends = matches!((points.first(), points.last()), (Some(f), Some(l)) if l.1 > f.1);
    within && ends
}

/// The environment's name in file names and titles: `"pendulum"`,
/// `"mountain_car"` (its serde name).
pub fn env_name(env: Env) -> &'static str {
    match env {
        Env::Pendulum => "pendulum",
        Env::MountainCar => "mountain_car",
    }
}

/// The settings of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The environment.
    pub env: Env,
    /// Policy standard deviations trained (Fig. 5), increasing.
    pub sigmas: Vec<f64>,
    /// Constant learning rates searched for every σ, increasing.
    pub rates: Vec<f64>,
    /// Seeds (initialisations) per (σ, rate): `0..seeds`.
    pub seeds: u64,
    /// SGD updates per run.
    pub updates: usize,
    /// Episodes per gradient.
    pub batch: usize,
    /// Discount of the training returns and of the probed objectives (the
    /// authors': 0.995).
    pub gamma: f64,
    /// The gradient estimator (the authors': batch-normalised advantages).
    pub estimator: Estimator,
    /// Updates between deterministic evaluations.
    pub eval_every: usize,
    /// Episodes per deterministic evaluation (and per interpolation point).
    pub eval_episodes: usize,
    /// Updates between Fig. 6 probes (a multiple of `eval_every`).
    pub probe_every: usize,
    /// σ of the probed objectives (Fig. 6, 7), increasing; 0 is the
    /// deterministic policy.
    pub probe_sigmas: Vec<f64>,
    /// Random directions per probe.
    pub directions: u64,
    /// Probe step α.
    pub alpha: f64,
    /// Episodes per evaluation of a probed objective.
    pub probe_episodes: usize,
    /// Points of the Fig. 7b interpolation over `[0, 1]`.
    pub points: usize,
}

impl Settings {
    /// Pendulum-v1 at a scale that finishes in well under a minute on 2
    /// cores in release (30 s measured, 41 s while other builds ran): σ ∈ {0.1, 0.5, 1.0} × rates
    /// {0.01, 0.03, 0.1, 0.3} × 3 seeds, 1200 updates of 16 episodes,
    /// deterministic evaluations of 32 episodes every 50 updates, Fig. 6
    /// probes every 100 updates, probes of 40 directions of 64 episodes
    /// with α = 0.5 (the authors' default) under σ ∈ {0, 0.1, 0.5, 1.0},
    /// 11 interpolation points.
    pub fn quick() -> Self {
        Self {
            env: Env::Pendulum,
            sigmas: vec![0.1, 0.5, 1.0],
            rates: vec![0.01, 0.03, 0.1, 0.3],
            seeds: 3,
            updates: 1200,
            batch: 16,
            gamma: 0.995,
            estimator: Estimator::Normalized,
            eval_every: 50,
            eval_episodes: 32,
            probe_every: 100,
            probe_sigmas: vec![0.0, 0.1, 0.5, 1.0],
            directions: 40,
            alpha: 0.5,
            probe_episodes: 64,
            points: 11,
        }
    }

    /// A few seconds even in a debug build: for tests.
    pub fn tiny() -> Self {
        Self {
            env: Env::Pendulum,
            sigmas: vec![0.1, 1.0],
            rates: vec![0.01, 0.1],
            seeds: 2,
            updates: 10,
            batch: 4,
            gamma: 0.995,
            estimator: Estimator::Normalized,
            eval_every: 5,
            eval_episodes: 2,
            probe_every: 5,
            probe_sigmas: vec![0.0, 1.0],
            directions: 6,
            alpha: 0.1,
            probe_episodes: 2,
            points: 3,
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// A message naming the setting.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("updates", self.updates),
            ("batch", self.batch),
            ("seeds", usize::try_from(self.seeds).unwrap_or(usize::MAX)),
            ("eval_every", self.eval_every),
            ("probe_every", self.probe_every),
            ("directions", usize::try_from(self.directions).unwrap_or(1)),
            ("points", self.points),
        ] {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        for (name, list) in [
            ("sigmas", &self.sigmas),
            ("rates", &self.rates),
            ("probe_sigmas", &self.probe_sigmas),
        ] {
            if list
                .windows(2)
                .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
            {
                return Err(format!("{name} must be increasing, each once"));
            }
        }
        if self.eval_episodes < 2 || self.probe_episodes < 2 {
            return Err("eval_episodes and probe_episodes must be at least 2".into());
        }
        if !self.probe_every.is_multiple_of(self.eval_every) {
            return Err("probe_every must be a multiple of eval_every".into());
        }
        if self.sigmas.is_empty() || self.sigmas.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
            return Err("sigmas must be positive (REINFORCE needs a score)".into());
        }
        if self.rates.is_empty() || self.rates.iter().any(|&r| !(r > 0.0 && r.is_finite())) {
            return Err("rates must be positive".into());
        }
        if self
            .probe_sigmas
            .iter()
            .any(|&s| !(s >= 0.0 && s.is_finite()))
        {
            return Err("probe_sigmas must be non-negative".into());
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return Err("gamma must be in (0, 1]".into());
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err("alpha must be positive".into());
        }
        Ok(())
    }
}

/// One training run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunKey {
    /// Policy standard deviation.
    pub sigma: f64,
    /// Learning rate.
    pub rate: f64,
    /// Seed of the initialisation and of the training batches.
    pub seed: u64,
}

/// Fig. 5: the learning curve of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The run.
    pub run: RunKey,
    /// `(updates made, deterministic undiscounted return)` every
    /// `eval_every` updates, from 0 to `updates` (shorter after an error).
    pub points: Vec<(usize, f64)>,
    /// The parameters at the last point, flat (`[feature][action]`, bias
    /// last).
    pub theta: Vec<f64>,
    /// Why the run stopped early (e.g. parameters that overflowed); such a
    /// (σ, rate) is not eligible as a best rate.
    pub error: Option<String>,
}

impl Curve {
    /// The final deterministic return, when the run finished.
    pub fn final_return(&self, updates: usize) -> Option<f64> {
        match self.points.last() {
            Some(&(u, v)) if u == updates && self.error.is_none() => Some(v),
            _ => None,
        }
    }
}

/// Fig. 5 per (σ, rate): final returns and learning speed over seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateSummary {
    /// Policy standard deviation.
    pub sigma: f64,
    /// Learning rate.
    pub rate: f64,
    /// Seeds that finished.
    pub finished: u64,
    /// Mean final deterministic return over the finished seeds.
    pub final_mean: Option<f64>,
    /// Its sample standard deviation (0 for one seed).
    pub final_sd: Option<f64>,
    /// Mean over seeds of each run's mean deterministic return over all its
    /// evaluation points (the area under the curve per update): higher is
    /// faster learning.
    pub area_mean: Option<f64>,
}

/// Fig. 6: footnote-5 curvatures of one probed objective along the chosen
/// run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvatureSeries {
    /// σ of the probed objective.
    pub probe_sigma: f64,
    /// `(updates made, dᵀHd)` of the improving direction nearest the 90th
    /// percentile, where some direction improved.
    pub points: Vec<(usize, f64)>,
    /// Checkpoints where no direction improved.
    pub unimproved: Vec<usize>,
    /// Fluctuation: the standard deviation of successive differences of the
    /// curvature (the "amplitude" of Fig. 6); `None` for fewer than 3
    /// points.
    pub fluctuation: Option<f64>,
    /// The sample standard deviation of the curvatures.
    pub sd: Option<f64>,
    /// The mean absolute curvature (the scale the fluctuation is relative
    /// to).
    pub mean_abs: Option<f64>,
}

/// The Fig. 7 pair of solutions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SolutionInfo {
    /// The lowest σ's poorest final solution (at its best rate).
    pub low: RunKey,
    /// The highest σ's solution (at its best rate) of the same seed.
    pub high: RunKey,
    /// Final deterministic return of `low`.
    pub low_return: f64,
    /// Final deterministic return of `high`.
    pub high_return: f64,
    /// Parameters of `low`.
    pub low_theta: Vec<f64>,
    /// Parameters of `high`.
    pub high_theta: Vec<f64>,
}

/// One probed direction of Fig. 7a.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbePair {
    /// Direction index (of [`DIRECTION_SEED`]).
    pub index: u64,
    /// `O(θ0 + α d) − O(θ0)`.
    pub d_plus: f64,
    /// `O(θ0 − α d) − O(θ0)`.
    pub d_minus: f64,
    /// Detectability band of `D+ + D−` (footnote 6): 2 standard errors of
    /// `O+ + O− − 2 O0` (independent errors, conservative under common
    /// random numbers), as the core's accumulator judges it.
    pub band: f64,
}

impl ProbePair {
    /// The curvature sum `D+ + D−` (`α² dᵀHd`).
    pub fn sum(&self) -> f64 {
        self.d_plus + self.d_minus
    }
}

/// Fig. 7a: a probe of one objective at one solution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SolutionProbe {
    /// The run whose final parameters are probed.
    pub run: RunKey,
    /// σ of the probed objective.
    pub probe_sigma: f64,
    /// `O(θ0)` (discounted with `gamma`).
    pub base: f64,
    /// Its standard error.
    pub base_error: f64,
    /// Every direction, in index order.
    pub pairs: Vec<ProbePair>,
    /// The mean of the pairs' bands (the dashed lines of Fig. 7a, in units
    /// of `D+ + D−`).
    pub band: f64,
    /// Directions probed.
    pub directions: u64,
    /// Directions with detectably negative curvature (`D+ + D− < −band`).
    pub negative: u64,
    /// Directions with detectably positive curvature.
    pub positive: u64,
    /// `negative / directions`.
    pub fraction_negative: f64,
    /// Its 95 % Wilson interval.
    pub interval: (f64, f64),
    /// Mean curvature `(D+ + D−)/α²`.
    pub mean_curvature: Option<f64>,
    /// The verdict's label (`"LocalMaximum"`, `"Saddle"`, ...).
    pub verdict: String,
}

/// Fig. 7b: the objective of one σ along the interpolation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interpolation {
    /// σ of the evaluated policy.
    pub probe_sigma: f64,
    /// `(a, undiscounted return, standard error)` at `(1 − a) θ_low +
    /// a θ_high`, `a` from 0 to 1.
    pub points: Vec<(f64, f64, f64)>,
    /// Ends higher than it starts, and no step goes down by more than 2
    /// standard errors of the difference (independent errors).
    pub monotone: bool,
    /// No step goes down at all.
    pub strictly_monotone: bool,
    /// The deepest drop below the running maximum (0 for a non-decreasing
    /// path).
    pub dip: f64,
    /// Return at `a = 1` minus return at `a = 0`.
    pub gain: f64,
}

/// Everything the figures and the report need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// The settings.
    pub settings: Settings,
    /// Fig. 5: every run, ordered by (σ, rate, seed).
    pub curves: Vec<Curve>,
    /// Fig. 5 per (σ, rate), ordered by (σ, rate).
    pub rates: Vec<RateSummary>,
    /// Per σ (with a rate whose seeds all finished): `(σ, rate)` with the
    /// best mean final return.
    pub best_rates: Vec<(f64, f64)>,
    /// The run along which Fig. 6 is measured.
    pub curvature_run: RunKey,
    /// Fig. 6: per probe σ.
    pub curvature: Vec<CurvatureSeries>,
    /// The Fig. 7 solutions.
    pub solution: SolutionInfo,
    /// Fig. 7a: the low-σ solution under each probe σ.
    pub probes: Vec<SolutionProbe>,
    /// Each trained σ's final solution of the same seed (best rate) under
    /// its own σ.
    pub own_probes: Vec<SolutionProbe>,
    /// Fig. 7b: per probe σ.
    pub interpolation: Vec<Interpolation>,
}

impl Results {
    /// The summary of (σ, its best rate).
    pub fn best(&self, sigma: f64) -> Option<&RateSummary> {
        let (_, rate) = self.best_rates.iter().find(|(s, _)| *s == sigma)?;
        self.rates
            .iter()
            .find(|r| r.sigma == sigma && r.rate == *rate)
    }
}

/// Runs the experiment on all available cores. `progress(stage, done,
/// total)` is called on the calling thread as jobs finish.
///
/// # Errors
///
/// Invalid settings; the core's errors outside training runs (a run that
/// fails is recorded in its [`Curve`]); no eligible rate for a σ the
/// figures need.
pub fn run(
    settings: &Settings,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<Results, String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    run_threads(settings, threads, progress)
}

/// As [`run`] on `threads` worker threads (the results do not depend on
/// it).
///
/// # Errors
///
/// As [`run`].
pub fn run_threads(
    settings: &Settings,
    threads: usize,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<Results, String> {
    settings.check()?;
    match settings.env {
        Env::Pendulum => Experiment::<_, 3, 4> {
            s: settings,
            env: pendulum()?,
            threads,
        }
        .run(progress),
        Env::MountainCar => Experiment::<_, 2, 3> {
            s: settings,
            env: mountain_car()?,
            threads,
        }
        .run(progress),
    }
}

/// Pendulum-v1 with actions clipped to its box [−2, 2] before the
/// environment, as the authors' code clips them (the score function uses
/// the unclipped sample). Pendulum clips its torque itself, so this changes
/// nothing there; it is here for symmetry with [`mountain_car`].
fn pendulum() -> Result<ClipAction<Pendulum, f64, 1>, String> {
    ClipAction::new(Pendulum::new(), [-2.0], [2.0]).map_err(|e| e.to_string())
}

/// MountainCarContinuous-v0 with actions clipped to [−1, 1] before the
/// environment, as the authors' code clips them: its control cost `0.1 a²`
/// is on the action it receives, which without the clip grows without
/// bound with the policy's mean.
fn mountain_car() -> Result<ClipAction<MountainCarContinuous, f64, 1>, String> {
    ClipAction::new(MountainCarContinuous::new(), [-1.0], [1.0]).map_err(|e| e.to_string())
}

/// The undiscounted return of the Fig. 5 evaluation episodes
/// (`eval_episodes` of [`EVAL_SEED`]) of the linear policy `theta` with
/// standard deviation `sigma` (0: deterministic): what Fig. 5 and Fig. 7b
/// plot. `(value, standard error)`.
///
/// # Errors
///
/// Invalid settings, a `theta` of the wrong length or non-finite, the
/// core's errors.
pub fn evaluate(settings: &Settings, theta: &[f64], sigma: f64) -> Result<(f64, f64), String> {
    settings.check()?;
    let e = match settings.env {
        Env::Pendulum => evaluate_in::<_, 3, 4>(settings, pendulum()?, theta, sigma),
        Env::MountainCar => evaluate_in::<_, 2, 3>(settings, mountain_car()?, theta, sigma),
    }
    .map_err(|e| e.to_string())?;
    Ok((e.value, e.std_error))
}

fn evaluate_in<E, const O: usize, const F: usize>(
    s: &Settings,
    mut env: E,
    theta: &[f64],
    sigma: f64,
) -> policy_landscape::Result<Estimate<f64>>
where
    E: Environment<f64, O, 1>,
{
    let mut p = Gaussian::<f64, O, 1, F>::affine();
    p.set_params(theta)?;
    p.set_sigma(sigma)?;
    mean_return(&mut env, &p, &eval_rollouts(s))
}

fn eval_rollouts(s: &Settings) -> Rollouts<f64> {
    Rollouts {
        episodes: s.eval_episodes,
        gamma: 1.0,
        seed: EVAL_SEED,
        max_steps: MAX_STEPS,
    }
}

fn probe_rollouts(s: &Settings) -> Rollouts<f64> {
    Rollouts {
        episodes: s.probe_episodes,
        gamma: s.gamma,
        seed: PROBE_SEED,
        max_steps: MAX_STEPS,
    }
}

/// Glorot-uniform weights (limit `√(6 / (fan_in + fan_out))`) and a zero
/// bias from `seed`: the Keras `Dense` default of the authors' code.
fn init<const O: usize, const F: usize>(
    seed: u64,
    sigma: f64,
) -> policy_landscape::Result<Gaussian<f64, O, 1, F>> {
    let mut p = Gaussian::<f64, O, 1, F>::affine();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let limit = (6.0 / (O as f64 + 1.0)).sqrt();
    for (i, x) in p.params_mut().iter_mut().enumerate() {
        let u = f64::unit_from_u64(rng.next_u64());
        *x = if i < O { limit * (2.0 * u - 1.0) } else { 0.0 };
    }
    p.set_sigma(sigma)?;
    Ok(p)
}

/// Mean and sample standard deviation (0 for one value); `None` for none.
pub fn mean_sd(xs: &[f64]) -> Option<(f64, f64)> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = if xs.len() > 1 {
        (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Some((mean, sd))
}

/// `f` on every job, on up to `threads` threads, results in job order;
/// `progress(stage, done, total)` on the calling thread.
fn par_map<J: Sync, R: Send>(
    jobs: &[J],
    threads: usize,
    stage: &str,
    progress: &mut dyn FnMut(&str, usize, usize),
    f: impl Fn(&J) -> R + Sync,
) -> Vec<R> {
    let total = jobs.len();
    progress(stage, 0, total);
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = (0..total).map(|_| None).collect();
    let (tx, rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, total.max(1)) {
            let tx = tx.clone();
            let (next, f) = (&next, &f);
            scope.spawn(move || {
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(j) else { break };
                    if tx.send((j, f(job))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for (j, r) in rx {
            if let Some(slot) = out.get_mut(j) {
                *slot = Some(r);
            }
            done += 1;
            progress(stage, done, total);
        }
    });
    // A worker that panicked has already re-raised its panic at the end of
    // the scope, so every slot is filled.
    out.into_iter().flatten().collect()
}

/// An objective that keeps the standard error of every evaluation, in
/// order (the probe driver evaluates the base, then `+`, `−` of each
/// direction, one point at a time for a one-lane objective).
struct Recording<O> {
    inner: O,
    errors: Vec<f64>,
}

impl<O: Objective<f64>> Objective<f64> for Recording<O> {
    fn evaluate(&mut self, theta: &[f64]) -> policy_landscape::Result<Estimate<f64>> {
        let e = self.inner.evaluate(theta)?;
        self.errors.push(e.std_error);
        Ok(e)
    }
}

struct Trained {
    curve: Curve,
    /// `(updates made, parameters)` at every evaluation point.
    checkpoints: Vec<(usize, Vec<f64>)>,
}

struct Experiment<'a, E, const O: usize, const F: usize> {
    s: &'a Settings,
    env: E,
    threads: usize,
}

impl<E, const O: usize, const F: usize> Experiment<'_, E, O, F>
where
    E: Environment<f64, O, 1> + Clone + Send + Sync,
{
    fn run(&self, progress: &mut dyn FnMut(&str, usize, usize)) -> Result<Results, String> {
        let s = self.s;
        // Fig. 5.
        let mut keys = Vec::new();
        for &sigma in &s.sigmas {
            for &rate in &s.rates {
                for seed in 0..s.seeds {
                    keys.push(RunKey { sigma, rate, seed });
                }
            }
        }
        let trained = par_map(&keys, self.threads, "training", progress, |k| {
            self.train(*k)
        });
        let mut rates = Vec::new();
        let mut best_rates = Vec::new();
        for &sigma in &s.sigmas {
            let mut best: Option<(f64, f64)> = None;
            for &rate in &s.rates {
                let runs: Vec<&Curve> = trained
                    .iter()
                    .map(|t| &t.curve)
                    .filter(|c| c.run.sigma == sigma && c.run.rate == rate)
                    .collect();
                let finals: Vec<f64> = runs
                    .iter()
                    .filter_map(|c| c.final_return(s.updates))
                    .collect();
                let areas: Vec<f64> = runs
                    .iter()
                    .filter(|c| c.final_return(s.updates).is_some())
                    .filter_map(|c| {
                        mean_sd(&c.points.iter().map(|p| p.1).collect::<Vec<_>>()).map(|m| m.0)
                    })
                    .collect();
                let fin = mean_sd(&finals);
                if finals.len() as u64 == s.seeds
                    && let Some((m, _)) = fin
                    && best.is_none_or(|(_, b)| m > b)
                {
                    best = Some((rate, m));
                }
                rates.push(RateSummary {
                    sigma,
                    rate,
                    finished: finals.len() as u64,
                    final_mean: fin.map(|f| f.0),
                    final_sd: fin.map(|f| f.1),
                    area_mean: mean_sd(&areas).map(|a| a.0),
                });
            }
            if let Some((rate, _)) = best {
                best_rates.push((sigma, rate));
            }
        }
        let best_rate = |sigma: f64| -> Result<f64, String> {
            best_rates
                .iter()
                .find(|(s, _)| *s == sigma)
                .map(|b| b.1)
                .ok_or_else(|| format!("σ = {sigma}: no learning rate whose runs all finished"))
        };
        let find = |k: RunKey| trained.iter().find(|t| t.curve.run == k);

        // Fig. 6 along the middle σ at its best rate, seed 0.
        let mid = s.sigmas[s.sigmas.len() / 2];
        let curvature_run = RunKey {
            sigma: mid,
            rate: best_rate(mid)?,
            seed: 0,
        };
        let checkpoints = &find(curvature_run)
            .ok_or("the curvature run is missing")?
            .checkpoints;
        let jobs: Vec<(usize, &[f64], f64)> = checkpoints
            .iter()
            .filter(|(u, _)| u.is_multiple_of(s.probe_every))
            .flat_map(|(u, t)| s.probe_sigmas.iter().map(move |&ps| (*u, t.as_slice(), ps)))
            .collect();
        let picks = par_map(&jobs, self.threads, "curvature", progress, |j| {
            self.pick(j.1, j.2)
        });
        let mut curvature = Vec::new();
        for &ps in &s.probe_sigmas {
            let mut points = Vec::new();
            let mut unimproved = Vec::new();
            for (job, pick) in jobs.iter().zip(&picks) {
                if job.2 != ps {
                    continue;
                }
                match pick {
                    Ok(Some((_, c))) => points.push((job.0, *c)),
                    Ok(None) => unimproved.push(job.0),
                    Err(e) => return Err(format!("curvature at update {}, σ {ps}: {e}", job.0)),
                }
            }
            let values: Vec<f64> = points.iter().map(|p| p.1).collect();
            curvature.push(CurvatureSeries {
                probe_sigma: ps,
                fluctuation: fluctuation(&values),
                sd: mean_sd(&values).map(|v| v.1),
                mean_abs: mean_sd(&values.iter().map(|v| v.abs()).collect::<Vec<_>>()).map(|v| v.0),
                points,
                unimproved,
            });
        }

        // Fig. 7: the lowest σ's poorest solution, the highest σ's of its seed.
        let (low_sigma, high_sigma) = (s.sigmas[0], s.sigmas[s.sigmas.len() - 1]);
        let low_rate = best_rate(low_sigma)?;
        let low = trained
            .iter()
            .map(|t| &t.curve)
            .filter(|c| c.run.sigma == low_sigma && c.run.rate == low_rate)
            .filter_map(|c| c.final_return(s.updates).map(|f| (c, f)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .ok_or("no low-σ solution")?;
        let high_key = RunKey {
            sigma: high_sigma,
            rate: best_rate(high_sigma)?,
            seed: low.0.run.seed,
        };
        let high = find(high_key).ok_or("the high-σ solution is missing")?;
        let solution = SolutionInfo {
            low: low.0.run,
            high: high_key,
            low_return: low.1,
            high_return: high
                .curve
                .final_return(s.updates)
                .ok_or("the high-σ solution did not finish")?,
            low_theta: low.0.theta.clone(),
            high_theta: high.curve.theta.clone(),
        };
        // Probes: the low solution under every probe σ, then each σ's own
        // solution of that seed under its own σ.
        let mut probe_jobs: Vec<(RunKey, &[f64], f64)> = s
            .probe_sigmas
            .iter()
            .map(|&ps| (solution.low, solution.low_theta.as_slice(), ps))
            .collect();
        for &sigma in &s.sigmas {
            let key = RunKey {
                sigma,
                rate: best_rate(sigma)?,
                seed: solution.low.seed,
            };
            let t = find(key).ok_or("a solution is missing")?;
            probe_jobs.push((key, t.curve.theta.as_slice(), sigma));
        }
        let mut probed = par_map(&probe_jobs, self.threads, "probes", progress, |j| {
            self.probe(j.0, j.1, j.2)
        })
        .into_iter()
        .zip(&probe_jobs)
        .map(|(r, j)| r.map_err(|e| format!("probe of σ = {} under σ = {}: {e}", j.0.sigma, j.2)))
        .collect::<Result<Vec<_>, _>>()?;
        let own_probes = probed.split_off(s.probe_sigmas.len());
        let probes = probed;
        let interpolation = par_map(
            &s.probe_sigmas,
            self.threads,
            "interpolation",
            progress,
            |&ps| self.interpolate(&solution, ps),
        )
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Results {
            settings: s.clone(),
            curves: trained.into_iter().map(|t| t.curve).collect(),
            rates,
            best_rates,
            curvature_run,
            curvature,
            solution,
            probes,
            own_probes,
            interpolation,
        })
    }

    fn deterministic(&self, env: &mut E, theta: &[f64]) -> policy_landscape::Result<f64> {
        let mut det = Gaussian::<f64, O, 1, F>::affine();
        det.set_params(theta)?;
        det.set_sigma(0.0)?;
        Ok(mean_return(env, &det, &eval_rollouts(self.s))?.value)
    }

    /// One training run, evaluated and checkpointed every `eval_every`
    /// updates; update `k` uses batch seed `seed · 1 000 003 + k`.
    fn train(&self, run: RunKey) -> Trained {
        let s = self.s;
        let mut env = self.env.clone();
        let mut points = Vec::new();
        let mut checkpoints = Vec::new();
        let mut error = None;
        let mut theta = Vec::new();
        let mut rewards = vec![0.0; MAX_STEPS];
        let mut scratch = vec![0.0; 2 * F];
        let base_seed = run.seed.wrapping_mul(1_000_003);
        let rollouts = |episodes: usize, gamma: f64, seed: u64| Rollouts {
            episodes,
            gamma,
            seed,
            max_steps: MAX_STEPS,
        };
        match init::<O, F>(run.seed, run.sigma) {
            Err(e) => error = Some(e.to_string()),
            Ok(mut policy) => {
                let mut update = 0;
                loop {
                    theta = policy.params().to_vec();
                    match self.deterministic(&mut env, &theta) {
                        Ok(v) => points.push((update, v)),
                        Err(e) => {
                            error = Some(format!("evaluation after {update} updates: {e}"));
                            break;
                        }
                    }
                    checkpoints.push((update, theta.clone()));
                    if update >= s.updates {
                        break;
                    }
                    let chunk = s.eval_every.min(s.updates - update);
                    let config = SgdConfig {
                        learning_rate: run.rate,
                        updates: chunk,
                        rollouts: rollouts(s.batch, s.gamma, base_seed.wrapping_add(update as u64)),
                        estimator: s.estimator,
                        eval_every: 0,
                        eval_rollouts: rollouts(2, 1.0, EVAL_SEED),
                        curvature_every: 0,
                        curvature: CurvatureProbe {
                            alpha: s.alpha,
                            directions: 1,
                            seed: 0,
                            rollouts: rollouts(2, s.gamma, PROBE_SEED),
                        },
                    };
                    if let Err(e) = train_sgd(
                        &mut env,
                        &mut policy,
                        &config,
                        &mut rewards,
                        &mut scratch,
                        |_| ControlFlow::Continue(()),
                    ) {
                        error = Some(format!("training after {update} updates: {e}"));
                        break;
                    }
                    update += chunk;
                }
            }
        }
        Trained {
            curve: Curve {
                run,
                points,
                theta,
                error,
            },
            checkpoints,
        }
    }

    fn objective(
        &self,
        sigma: f64,
        rollouts: Rollouts<f64>,
    ) -> policy_landscape::Result<MonteCarlo<E, f64, O, 1, F>> {
        let mut p = Gaussian::<f64, O, 1, F>::affine();
        p.set_sigma(sigma)?;
        MonteCarlo::new(self.env.clone(), p, rollouts)
    }

    /// The footnote-5 `(gradient, curvature)` at `theta` under σ.
    fn pick(&self, theta: &[f64], sigma: f64) -> policy_landscape::Result<Option<(f64, f64)>> {
        let s = self.s;
        let mut objective = self.objective(sigma, probe_rollouts(s))?;
        let mut scratch = vec![0.0; 2 * F];
        probe::improving_curvature(
            &mut objective,
            theta,
            s.alpha,
            DIRECTION_SEED,
            s.directions,
            &mut scratch,
        )
    }

    /// Fig. 7a: every direction's pair at `theta` under σ.
    fn probe(
        &self,
        run: RunKey,
        theta: &[f64],
        sigma: f64,
    ) -> policy_landscape::Result<SolutionProbe> {
        let s = self.s;
        let mut objective = Recording {
            inner: self.objective(sigma, probe_rollouts(s))?,
            errors: Vec::new(),
        };
        let thresholds = Thresholds::default();
        let mut acc = probe::start(&mut objective, theta, s.alpha, thresholds)?;
        let mut raw = Vec::new();
        let mut scratch = vec![0.0; 2 * F];
        probe::probe_each(
            &mut objective,
            theta,
            DIRECTION_SEED,
            0..s.directions,
            &mut scratch,
            &mut acc,
            |index, d_plus, d_minus| raw.push((index, d_plus, d_minus)),
        )?;
        // The accumulator's tolerance of D+ + D− (footnote 6), per pair.
        let errors = &objective.errors;
        let e0 = errors.first().copied().unwrap_or(0.0);
        let floor = thresholds.rel_floor * acc.base().abs().max(1.0);
        let pairs: Vec<ProbePair> = raw
            .iter()
            .enumerate()
            .map(|(k, &(index, d_plus, d_minus))| {
                let ep = errors.get(1 + 2 * k).copied().unwrap_or(0.0);
                let em = errors.get(2 + 2 * k).copied().unwrap_or(0.0);
                let band =
                    (thresholds.k_sigma * (ep * ep + em * em + 4.0 * e0 * e0).sqrt()).max(floor);
                ProbePair {
                    index,
                    d_plus,
                    d_minus,
                    band,
                }
            })
            .collect();
        let cases = acc.cases();
        let interval = wilson_interval::<f64>(cases.curvature_negative, cases.total, Z95)
            .unwrap_or((0.0, 1.0));
        Ok(SolutionProbe {
            run,
            probe_sigma: sigma,
            base: acc.base(),
            base_error: acc.base_error(),
            band: mean_sd(&pairs.iter().map(|p| p.band).collect::<Vec<_>>()).map_or(0.0, |b| b.0),
            pairs,
            directions: cases.total,
            negative: cases.curvature_negative,
            positive: cases.curvature_positive,
            fraction_negative: cases.curvature_negative as f64 / cases.total.max(1) as f64,
            interval,
            mean_curvature: acc.curvature().mean(),
            verdict: acc.verdict().kind.name().to_string(),
        })
    }

    /// Fig. 7b under σ.
    fn interpolate(&self, sol: &SolutionInfo, sigma: f64) -> Result<Interpolation, String> {
        let s = self.s;
        let fail = |e: policy_landscape::Error| format!("interpolation under σ = {sigma}: {e}");
        let mut objective = self.objective(sigma, eval_rollouts(s)).map_err(fail)?;
        let blank = Estimate {
            value: 0.0,
            std_error: 0.0,
        };
        let mut out = vec![(0.0, blank); s.points];
        let mut point = vec![0.0; F];
        probe::interpolate(
            &mut objective,
            &sol.low_theta,
            &sol.high_theta,
            0.0,
            1.0,
            &mut point,
            &mut out,
        )
        .map_err(fail)?;
        let points: Vec<(f64, f64, f64)> = out
            .iter()
            .map(|(a, e)| (*a, e.value, e.std_error))
            .collect();
        let (first, last) = (
            points.first().map_or(0.0, |p| p.1),
            points.last().map_or(0.0, |p| p.1),
        );
        let mut top = f64::NEG_INFINITY;
        let mut dip = 0.0_f64;
        for p in &points {
            top = top.max(p.1);
            dip = dip.max(top - p.1);
        }
        Ok(Interpolation {
            probe_sigma: sigma,
            monotone: monotone(&points),
            strictly_monotone: points.windows(2).all(|w| w[1].1 >= w[0].1),
            dip,
            gain: last - first,
            points,
        })
    }
}
