//! The paper's §3.2 experiments (Fig. 5, 6, 7) on the MuJoCo tasks, as a
//! log of JSON lines.
//!
//! Three phases, each resumable and each reading what the earlier ones
//! wrote:
//!
//! 1. [`Phase::Train`] (Fig. 5): REINFORCE with a linear (affine) Gaussian
//!    policy of fixed σ, plain SGD at a constant rate, for every
//!    (σ, rate, seed); the deterministic (σ = 0) undiscounted return every
//!    `eval_every` updates, and the parameters at the same points.
//! 2. [`Phase::Curvature`] (Fig. 6): at the checkpoints of one training
//!    run (the middle σ at its best rate, seed 0, unless chosen), the
//!    curvature of the improving direction nearest the 90th percentile
//!    (footnote 5) of the objectives with each probe σ.
//! 3. [`Phase::Solutions`] (Fig. 7): the poorest final solution of the
//!    lowest σ (at its best rate) probed under each probe σ: the fraction
//!    of directions with detectably negative curvature (footnote 6), with a
//!    95 % Wilson interval (Fig. 7a); every σ's final solution of that seed
//!    probed under its own σ; and the linear interpolation from the lowest-σ
//!    solution to the highest-σ one of the same seed (same initialisation),
//!    evaluated under each probe σ (Fig. 7b).
//!
//! Every batch runs its episodes on rayon's threads through the core's
//! `reinforce::parallel`, bit-identical to one thread; so is every record.
//! A run resumes from its last checkpoint (training batches are seeded by
//! update index); records of the same kind and key are idempotent, so
//! files from several machines (`shard`) concatenate into one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use policy_landscape::Real;
use policy_landscape::env::{ClipAction, Env};
use policy_landscape::policy::Gaussian;
use policy_landscape::probe::{self, Thresholds};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::reinforce::{CurvatureProbe, Estimator, Rollouts, SgdConfig, parallel};
use policy_landscape::stats::{Estimate, Z95, wilson_interval};
use serde::{Deserialize, Serialize};

use crate::env::{MAX_EPISODE_STEPS, Mujoco};
use crate::task::Task;

/// Seed of the deterministic evaluations' episodes (the same initial
/// states for every run and update: paired comparisons). The evaluation,
/// probe and training seeds never meet: training batches use
/// `seed · 1 000 003 + update`, far below these.
const EVAL_SEED: u64 = u64::MAX - 7;
/// Seed of the probes' episodes (common random numbers across directions).
const PROBE_SEED: u64 = u64::MAX - 9;
/// Seed of the probes' directions.
const DIRECTION_SEED: u64 = 2019;

/// The settings of an experiment. A results file holds one; resuming with
/// other settings is refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The task.
    pub task: Task,
    /// Policy standard deviations trained (Fig. 5).
    pub sigmas: Vec<f64>,
    /// Constant learning rates searched, for every σ.
    pub rates: Vec<f64>,
    /// Seeds (initialisations) per (σ, rate): `0..seeds`.
    pub seeds: u64,
    /// SGD updates per run.
    pub updates: usize,
    /// Episodes per gradient.
    pub batch: usize,
    /// Discount of the training returns (the authors': 0.995).
    pub gamma: f64,
    /// The gradient estimator.
    pub estimator: Estimator,
    /// Clip actions to the action box [−1, 1] before the environment (the
    /// authors' code does); the score uses the unclipped sample.
    pub clip_actions: bool,
    /// Updates between deterministic evaluations and checkpoints.
    pub eval_every: usize,
    /// Episodes per deterministic evaluation.
    pub eval_episodes: usize,
    /// Updates between Fig. 6 probes (a multiple of `eval_every`).
    pub probe_every: usize,
    /// Objectives probed (Fig. 6, 7): their σ.
    pub probe_sigmas: Vec<f64>,
    /// Random directions per probe.
    pub directions: u64,
    /// Probe step α (the authors' default 0.5).
    pub alpha: f64,
    /// Episodes per evaluation of a probed objective.
    pub probe_episodes: usize,
    /// Points of the Fig. 7b interpolation over [0, 1].
    pub points: usize,
}

impl Settings {
    /// Defaults that finish in minutes on 2 cores for `task` (measured with
    /// `section32`: Hopper 195 s, Walker2d 127 s, HalfCheetah 836 s, whose
    /// episodes always last 1000 steps): σ ∈
    /// {0.1, 0.5, 1.0} × rates {0.001, 0.003, 0.01, 0.03} × 3 seeds, batches
    /// of 16 episodes, 60 updates (Walker2d, whose episodes stay short
    /// longer: 200), 40 directions of 8 episodes per probe.
    pub fn quick(task: Task) -> Self {
        Self {
            task,
            sigmas: vec![0.1, 0.5, 1.0],
            rates: vec![0.001, 0.003, 0.01, 0.03],
            seeds: 3,
            updates: match task {
                Task::Walker2d => 200,
                Task::Hopper | Task::HalfCheetah => 60,
            },
            batch: 16,
            gamma: 0.995,
            estimator: Estimator::Normalized,
            clip_actions: true,
            eval_every: 10,
            eval_episodes: 8,
            probe_every: match task {
                Task::Walker2d => 40,
                Task::Hopper | Task::HalfCheetah => 10,
            },
            probe_sigmas: vec![0.0, 0.1, 0.5, 1.0],
            directions: 40,
            alpha: 0.5,
            probe_episodes: 8,
            points: 11,
        }
    }

    /// The paper's scale, as far as the authors' code
    /// (google-research/policy-learning-landscape) and the paper state it:
    /// 5 seeds (Fig. 5), batches of 128 episodes (their plotting example),
    /// 4000 updates (about 5·10⁸ steps at 1000-step episodes, their
    /// x-axis), γ = 0.995, plain SGD at a constant rate, 500 directions with
    /// α = 0.5 and 128 episodes per probe evaluation; the learning-rate
    /// grid, which their code does not give, spans 1e-4 to 3e-2. Days of
    /// CPU per task.
    pub fn paper(task: Task) -> Self {
        Self {
            seeds: 5,
            batch: 128,
            updates: 4000,
            rates: vec![0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03],
            eval_every: 100,
            eval_episodes: 16,
            probe_every: 500,
            directions: 500,
            probe_episodes: 128,
            ..Self::quick(task)
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// A message naming the setting.
    pub fn check(&self) -> Result<(), String> {
        let positive = |name: &str, v: usize| {
            if v == 0 {
                Err(format!("{name} must be at least 1"))
            } else {
                Ok(())
            }
        };
        positive("updates", self.updates)?;
        positive("batch", self.batch)?;
        positive("seeds", self.seeds as usize)?;
        positive("eval-every", self.eval_every)?;
        positive("probe-every", self.probe_every)?;
        positive("directions", self.directions as usize)?;
        positive("points", self.points)?;
        for (name, list) in [
            ("sigmas", &self.sigmas),
            ("rates", &self.rates),
            ("probe sigmas", &self.probe_sigmas),
        ] {
            if list
                .windows(2)
                .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
            {
                return Err(format!(
                    "{name} must be given in increasing order, each once"
                ));
            }
        }
        if self.eval_episodes < 2 || self.probe_episodes < 2 {
            return Err("eval-episodes and probe-episodes must be at least 2".into());
        }
        if !self.probe_every.is_multiple_of(self.eval_every) {
            return Err("probe-every must be a multiple of eval-every".into());
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
            return Err("probe sigmas must be non-negative".into());
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0 && self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err("gamma must be in (0, 1] and alpha positive".into());
        }
        Ok(())
    }
}

/// One training run: (σ, learning rate, seed).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunKey {
    /// Policy standard deviation.
    pub sigma: f64,
    /// Learning rate.
    pub rate: f64,
    /// Seed of the initialisation and of the training batches.
    pub seed: u64,
}

/// A run as a map key: the bits of σ and the rate, and the seed.
pub type RunId = (u64, u64, u64);

/// The footnote-5 direction's `(gradient, curvature)`; `None` when no
/// direction improved.
pub type Pick = Option<(f64, f64)>;

/// Values by update.
pub type Series<V> = BTreeMap<usize, V>;

/// An interpolation as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Path1d {
    /// Start (the lowest-σ solution).
    pub from: RunKey,
    /// End.
    pub to: RunKey,
    /// `(a, value, std_error)` per point.
    pub points: Vec<(f64, f64, f64)>,
}

impl RunKey {
    /// The run as a map key.
    pub fn id(&self) -> RunId {
        (self.sigma.to_bits(), self.rate.to_bits(), self.seed)
    }
}

/// Probe statistics of one objective at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeStats {
    /// Directions.
    pub directions: u64,
    /// Directions with detectably negative curvature `D+ + D− < 0`
    /// (footnote 6: beyond 2 standard errors).
    pub negative: u64,
    /// Directions with detectably positive curvature.
    pub positive: u64,
    /// `negative / directions`.
    pub fraction_negative: f64,
    /// Its 95 % Wilson interval.
    pub interval: (f64, f64),
    /// Mean curvature `(D+ + D−)/α²` (the accumulator's).
    pub mean_curvature: f64,
    /// Mean gradient projection `(D+ − D−)/2α` (the accumulator's).
    pub mean_gradient: f64,
    /// The objective at the point, with its standard error.
    pub base: f64,
    /// The base value's standard error (the detectability scale).
    pub base_error: f64,
    /// The verdict's label (`"LocalMaximum"`, `"Saddle"`, ...).
    pub verdict: String,
    /// Every direction's pair, in index order (Fig. 7a's points). Empty in
    /// files written before the pairs were recorded.
    #[serde(default)]
    pub pairs: Vec<ProbePair>,
    /// The mean of the pairs' [`ProbePair::band`]s (the band drawn in
    /// Fig. 7a, in units of `D+ + D−`); 0 in files without pairs.
    #[serde(default)]
    pub band: f64,
}

/// One probed direction of Fig. 7a.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbePair {
    /// Direction index (of the probes' direction seed).
    pub index: u64,
    /// `D+ = O(θ0 + α d) − O(θ0)`.
    pub d_plus: f64,
    /// `D− = O(θ0 − α d) − O(θ0)`.
    pub d_minus: f64,
    /// The detectability threshold of `D+ + D−` (footnote 6), as the
    /// core's accumulator judges this pair: 2 standard errors of
    /// `O+ + O− − 2 O0` (errors taken as independent, which is conservative
    /// under common random numbers), at least the accumulator's relative
    /// floor. The pair is detectably negative when `D+ + D− < −band`.
    pub band: f64,
}

impl ProbePair {
    /// The curvature sum `D+ + D−` (`α² dᵀHd` up to noise).
    pub fn sum(&self) -> f64 {
        self.d_plus + self.d_minus
    }
}

/// An objective that keeps the standard error of every evaluation, in
/// order: the probe driver evaluates `+` then `−` of each direction, one
/// point at a time (the objectives here have one lane).
struct Recording<O> {
    inner: O,
    errors: Vec<f64>,
}

impl<O: probe::Objective<f64>> probe::Objective<f64> for Recording<O> {
    fn evaluate(&mut self, theta: &[f64]) -> policy_landscape::Result<Estimate<f64>> {
        let e = self.inner.evaluate(theta)?;
        self.errors.push(e.std_error);
        Ok(e)
    }
}

/// One line of a results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// The first line: the settings.
    Settings(Settings),
    /// Deterministic (σ = 0) undiscounted return before update `update`.
    Eval {
        /// The run.
        run: RunKey,
        /// Updates made.
        update: usize,
        /// Mean return over the evaluation episodes.
        value: f64,
        /// Its standard error.
        std_error: f64,
    },
    /// The parameters after `update` updates.
    Checkpoint {
        /// The run.
        run: RunKey,
        /// Updates made.
        update: usize,
        /// The parameters, flat (`[f][a]`).
        theta: Vec<f64>,
    },
    /// A run finished all its updates.
    Done {
        /// The run.
        run: RunKey,
    },
    /// A run stopped with an error (e.g. a learning rate that makes the
    /// parameters overflow). Deterministic, so not retried on resume; its
    /// (σ, rate) is not eligible as a best rate.
    Failed {
        /// The run.
        run: RunKey,
        /// Updates made before the error.
        update: usize,
        /// The error.
        error: String,
    },
    /// Fig. 6: the footnote-5 direction's (gradient, curvature) projections
    /// of the objective with `probe_sigma` at a checkpoint of `run`.
    Curvature {
        /// The run.
        run: RunKey,
        /// Updates made.
        update: usize,
        /// σ of the probed objective.
        probe_sigma: f64,
        /// `(gradient, curvature)` projections; `None` when no direction
        /// improved.
        pick: Option<(f64, f64)>,
    },
    /// Fig. 7a: a probe of the objective with `probe_sigma` at the final
    /// parameters of `run`.
    Probe {
        /// The run whose final parameters are probed.
        run: RunKey,
        /// σ of the probed objective.
        probe_sigma: f64,
        /// What the probe found.
        stats: ProbeStats,
    },
    /// Fig. 7b: the objective with `probe_sigma` along
    /// `(1 − a) θ_from + a θ_to`.
    Interpolation {
        /// Start (the lowest-σ solution).
        from: RunKey,
        /// End (the highest-σ solution of the same seed).
        to: RunKey,
        /// σ of the evaluated objective.
        probe_sigma: f64,
        /// `(a, value, std_error)` per point.
        points: Vec<(f64, f64, f64)>,
    },
}

/// Which phase to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Fig. 5: training runs.
    Train,
    /// Fig. 6: curvature along a trajectory.
    Curvature,
    /// Fig. 7: probes at solutions and the interpolation.
    Solutions,
}

/// Everything a results file holds, indexed.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// The settings line.
    pub settings: Option<Settings>,
    /// Evaluations per run, by update.
    pub evals: BTreeMap<RunId, Series<(f64, f64)>>,
    /// Checkpoints per run, by update.
    pub checkpoints: BTreeMap<RunId, Series<Vec<f64>>>,
    /// Finished runs.
    pub done: BTreeMap<RunId, RunKey>,
    /// Runs that stopped with an error: (updates made, error).
    pub failed: BTreeMap<RunId, (RunKey, usize, String)>,
    /// Fig. 6 picks per (run, probe σ), by update.
    pub curvature: BTreeMap<(RunId, u64), Series<Pick>>,
    /// Fig. 7a probes per (run, bits of the probe σ).
    pub probes: BTreeMap<(RunId, u64), ProbeStats>,
    /// Fig. 7b interpolations per bits of the probe σ.
    pub interpolations: BTreeMap<u64, Path1d>,
}

impl Log {
    /// Adds one record (later records of the same key replace earlier ones).
    pub fn add(&mut self, r: &Record) {
        match r {
            Record::Settings(s) => self.settings = Some(s.clone()),
            Record::Eval {
                run,
                update,
                value,
                std_error,
            } => {
                self.evals
                    .entry(run.id())
                    .or_default()
                    .insert(*update, (*value, *std_error));
            }
            Record::Checkpoint { run, update, theta } => {
                self.checkpoints
                    .entry(run.id())
                    .or_default()
                    .insert(*update, theta.clone());
            }
            Record::Done { run } => {
                self.done.insert(run.id(), *run);
            }
            Record::Failed { run, update, error } => {
                self.failed.insert(run.id(), (*run, *update, error.clone()));
            }
            Record::Curvature {
                run,
                update,
                probe_sigma,
                pick,
            } => {
                self.curvature
                    .entry((run.id(), probe_sigma.to_bits()))
                    .or_default()
                    .insert(*update, *pick);
            }
            Record::Probe {
                run,
                probe_sigma,
                stats,
            } => {
                self.probes
                    .insert((run.id(), probe_sigma.to_bits()), stats.clone());
            }
            Record::Interpolation {
                from,
                to,
                probe_sigma,
                points,
            } => {
                self.interpolations.insert(
                    probe_sigma.to_bits(),
                    Path1d {
                        from: *from,
                        to: *to,
                        points: points.clone(),
                    },
                );
            }
        }
    }

    /// Reads a results file (a missing file is an empty log).
    ///
    /// # Errors
    ///
    /// I/O errors and malformed lines, with the line number.
    pub fn read(path: &Path) -> Result<Self, String> {
        let mut log = Self::default();
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(log),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::BufReader::new(file), &mut text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // A last line without its newline was cut by a stop mid-write: it is
        // ignored (and the next write starts a new line).
        let complete = match text.rfind('\n') {
            Some(end) if !text.ends_with('\n') => &text[..=end],
            Some(_) => &text[..],
            None => "",
        };
        for (i, line) in complete.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let r: Record = serde_json::from_str(line)
                .map_err(|e| format!("{}, line {}: {e}", path.display(), i + 1))?;
            if let (Record::Settings(s), Some(old)) = (&r, &log.settings)
                && s != old
            {
                return Err(format!(
                    "{}, line {}: a second, different settings line (files of different \
                     experiments were concatenated)",
                    path.display(),
                    i + 1
                ));
            }
            log.add(&r);
        }
        Ok(log)
    }

    /// The final deterministic return of a finished run.
    pub fn final_value(&self, run: &RunKey, updates: usize) -> Option<f64> {
        self.evals.get(&run.id())?.get(&updates).map(|e| e.0)
    }
}

/// Appends records to a results file, one JSON line each, flushed.
pub struct Writer {
    file: std::io::BufWriter<std::fs::File>,
}

impl Writer {
    /// Opens `path` for appending (creating it and its folder).
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn append(path: &Path) -> Result<Self, String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // A last line without its newline was cut by a stop mid-write:
        // drop it, so the file holds whole records only.
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if text.last().is_some_and(|&b| b != b'\n') {
            let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            file.set_len(keep as u64)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(Self {
            file: std::io::BufWriter::new(file),
        })
    }

    /// Writes one record.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn write(&mut self, r: &Record) -> Result<(), String> {
        let line = serde_json::to_string(r).map_err(|e| e.to_string())?;
        writeln!(self.file, "{line}").map_err(|e| e.to_string())?;
        self.file.flush().map_err(|e| e.to_string())
    }
}

/// Glorot-uniform weights (limit `√(6 / (fan_in + fan_out))`) and a zero
/// bias from `seed`: the Keras `Dense` default of the authors' code.
pub fn init<const O: usize, const A: usize, const F: usize>(
    seed: u64,
    sigma: f64,
) -> policy_landscape::Result<Gaussian<f64, O, A, F>> {
    let mut p = Gaussian::<f64, O, A, F>::affine();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let limit = (6.0 / (O + A) as f64).sqrt();
    for (i, x) in p.params_mut().iter_mut().enumerate() {
        let u = f64::unit_from_u64(rng.next_u64());
        *x = if i / A < O {
            limit * (2.0 * u - 1.0)
        } else {
            0.0
        };
    }
    p.set_sigma(sigma)?;
    Ok(p)
}

/// The environment of an experiment: the task, clipped or not.
#[derive(Clone, Debug)]
pub enum Arena<const O: usize, const A: usize> {
    /// Actions clipped to [−1, 1].
    Clipped(ClipAction<Mujoco<O, A>, f64, A>),
    /// Actions as sampled (MuJoCo clamps the control; the control cost sees
    /// the sample).
    Plain(Mujoco<O, A>),
}

impl<const O: usize, const A: usize> Arena<O, A> {
    /// `env`, clipped when `clip`.
    ///
    /// # Errors
    ///
    /// None in practice (the bounds are finite and ordered).
    pub fn new(env: Mujoco<O, A>, clip: bool) -> policy_landscape::Result<Self> {
        Ok(if clip {
            Self::Clipped(ClipAction::new(env, [-1.0; A], [1.0; A])?)
        } else {
            Self::Plain(env)
        })
    }
}

impl<const O: usize, const A: usize> Env<f64, O, A> for Arena<O, A> {
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [f64; O] {
        match self {
            Self::Clipped(e) => e.reset(rng),
            Self::Plain(e) => e.reset(rng),
        }
    }

    fn step(
        &mut self,
        action: &[f64; A],
    ) -> policy_landscape::Result<policy_landscape::env::Transition<f64, O>> {
        match self {
            Self::Clipped(e) => e.step(action),
            Self::Plain(e) => e.step(action),
        }
    }
}

/// What the caller sees while an experiment runs.
pub trait Progress {
    /// `n` more units of work done (updates, probe evaluations).
    fn advance(&mut self, n: u64);
    /// A new stage with `total` units.
    fn stage(&mut self, name: &str, total: u64);
}

/// No progress display.
pub struct Silent;

impl Progress for Silent {
    fn advance(&mut self, _: u64) {}
    fn stage(&mut self, _: &str, _: u64) {}
}

/// The runs of the training phase, in order, and which of them belong to
/// shard `shard = (i, n)`.
pub fn runs(settings: &Settings, shard: (usize, usize)) -> Vec<RunKey> {
    let mut all = Vec::new();
    for &sigma in &settings.sigmas {
        for &rate in &settings.rates {
            for seed in 0..settings.seeds {
                all.push(RunKey { sigma, rate, seed });
            }
        }
    }
    all.into_iter()
        .enumerate()
        .filter(|(j, _)| j % shard.1.max(1) == shard.0)
        .map(|(_, r)| r)
        .collect()
}

/// Runs `phase` for `task` with `settings`, appending to the results file
/// at `path` (resuming what it holds).
///
/// # Errors
///
/// A message: settings that differ from the file's, I/O, the core's errors
/// with the run they happened in, a phase whose inputs are missing.
pub fn run_phase(
    settings: &Settings,
    phase: Phase,
    path: &Path,
    shard: (usize, usize),
    progress: &mut dyn Progress,
) -> Result<(), String> {
    match settings.task {
        Task::Hopper => generic::<11, 3, 12>(settings, phase, path, shard, progress),
        Task::Walker2d | Task::HalfCheetah => {
            generic::<17, 6, 18>(settings, phase, path, shard, progress)
        }
    }
}

fn generic<const O: usize, const A: usize, const F: usize>(
    settings: &Settings,
    phase: Phase,
    path: &Path,
    shard: (usize, usize),
    progress: &mut dyn Progress,
) -> Result<(), String> {
    settings.check()?;
    let log = Log::read(path)?;
    let mut out = Writer::append(path)?;
    match &log.settings {
        Some(s) if s != settings => {
            return Err(format!(
                "{} holds an experiment with other settings: pass the same flags to resume, \
                 or use another --out",
                path.display()
            ));
        }
        Some(_) => {}
        None => out.write(&Record::Settings(settings.clone()))?,
    }
    let env = Mujoco::<O, A>::new(settings.task).map_err(|e| e.to_string())?;
    let arena = Arena::new(env, settings.clip_actions).map_err(|e| e.to_string())?;
    let mut ctx = Context {
        s: settings,
        arena: &arena,
        out: &mut out,
        progress,
    };
    match phase {
        Phase::Train => ctx.train::<F>(&log, shard),
        Phase::Curvature => ctx.curvature::<F>(&log),
        Phase::Solutions => ctx.solutions::<F>(&log),
    }
}

struct Context<'a, const O: usize, const A: usize> {
    s: &'a Settings,
    arena: &'a Arena<O, A>,
    out: &'a mut Writer,
    progress: &'a mut dyn Progress,
}

impl<const O: usize, const A: usize> Context<'_, O, A> {
    fn rollouts(&self, episodes: usize, gamma: f64, seed: u64) -> Rollouts<f64> {
        Rollouts {
            episodes,
            gamma,
            seed,
            max_steps: MAX_EPISODE_STEPS,
        }
    }

    fn deterministic<const F: usize>(
        &self,
        theta: &[f64],
    ) -> policy_landscape::Result<Estimate<f64>> {
        let mut det = Gaussian::<f64, O, A, F>::affine();
        det.set_params(theta)?;
        det.set_sigma(0.0)?;
        let r = self.rollouts(self.s.eval_episodes, 1.0, EVAL_SEED);
        parallel::mean_return(self.arena, &det, &r)
    }

    fn objective<const F: usize>(
        &self,
        sigma: f64,
        gamma: f64,
    ) -> policy_landscape::Result<parallel::MonteCarlo<Arena<O, A>, f64, O, A, F>> {
        let mut p = Gaussian::<f64, O, A, F>::affine();
        p.set_sigma(sigma)?;
        let r = self.rollouts(self.s.probe_episodes, gamma, PROBE_SEED);
        parallel::MonteCarlo::new(self.arena.clone(), p, r)
    }

    /// Fig. 5: every run of the shard, resumed from its last checkpoint.
    fn train<const F: usize>(&mut self, log: &Log, shard: (usize, usize)) -> Result<(), String> {
        let s = self.s;
        let todo: Vec<RunKey> = runs(s, shard)
            .into_iter()
            .filter(|r| !log.done.contains_key(&r.id()) && !log.failed.contains_key(&r.id()))
            .collect();
        let left: usize = todo
            .iter()
            .map(|r| {
                s.updates
                    - log
                        .checkpoints
                        .get(&r.id())
                        .and_then(|c| c.keys().next_back().copied())
                        .unwrap_or(0)
                        .min(s.updates)
            })
            .sum();
        self.progress.stage(
            &format!("{}: training {} runs", s.task, todo.len()),
            left as u64,
        );
        for run in todo {
            // A run that fails (a rate that diverges) is recorded and the
            // grid goes on; only I/O errors stop the phase.
            if let Err((update, error)) = self.train_one::<F>(log, run)? {
                self.out.write(&Record::Failed { run, update, error })?;
            }
        }
        Ok(())
    }

    /// Trains one run: `Err` for I/O, `Ok(Err((update, error)))` when the
    /// run itself failed.
    #[allow(clippy::type_complexity)]
    fn train_one<const F: usize>(
        &mut self,
        log: &Log,
        run: RunKey,
    ) -> Result<Result<(), (usize, String)>, String> {
        let s = self.s;
        let mut policy = match init::<O, A, F>(run.seed, run.sigma) {
            Ok(p) => p,
            Err(e) => return Ok(Err((0, e.to_string()))),
        };
        let mut start = 0;
        if let Some((&update, theta)) = log
            .checkpoints
            .get(&run.id())
            .and_then(|c| c.iter().next_back())
        {
            if let Err(e) = policy.set_params(theta) {
                return Ok(Err((update, e.to_string())));
            }
            start = update.min(s.updates);
        }
        let base_seed = run.seed.wrapping_mul(1_000_003);
        let mut update = start;
        while update < s.updates {
            let det = match self.deterministic::<F>(policy.params()) {
                Ok(d) => d,
                Err(e) => return Ok(Err((update, format!("evaluation: {e}")))),
            };
            self.out.write(&Record::Eval {
                run,
                update,
                value: det.value,
                std_error: det.std_error,
            })?;
            let chunk = s.eval_every.min(s.updates - update);
            let config = SgdConfig {
                learning_rate: run.rate,
                updates: chunk,
                rollouts: Rollouts {
                    seed: base_seed.wrapping_add(update as u64),
                    ..self.rollouts(s.batch, s.gamma, 0)
                },
                estimator: s.estimator,
                eval_every: 0,
                eval_rollouts: self.rollouts(2, 1.0, EVAL_SEED),
                curvature_every: 0,
                curvature: CurvatureProbe {
                    alpha: s.alpha,
                    directions: 1,
                    seed: 0,
                    rollouts: self.rollouts(2, s.gamma, PROBE_SEED),
                },
            };
            let progress = &mut *self.progress;
            let mut made = 0;
            let trained =
                parallel::train_sgd(self.arena, &mut policy, &config, MAX_EPISODE_STEPS, |_| {
                    made += 1;
                    progress.advance(1);
                    std::ops::ControlFlow::Continue(())
                });
            if let Err(e) = trained {
                return Ok(Err((update + made, e.to_string())));
            }
            update += chunk;
            self.out.write(&Record::Checkpoint {
                run,
                update,
                theta: policy.params().to_vec(),
            })?;
        }
        if log.final_value(&run, s.updates).is_none() {
            let det = match self.deterministic::<F>(policy.params()) {
                Ok(d) => d,
                Err(e) => return Ok(Err((s.updates, format!("evaluation: {e}")))),
            };
            self.out.write(&Record::Eval {
                run,
                update: s.updates,
                value: det.value,
                std_error: det.std_error,
            })?;
        }
        self.out.write(&Record::Done { run })?;
        Ok(Ok(()))
    }

    /// Fig. 6 at the checkpoints of the chosen run.
    fn curvature<const F: usize>(&mut self, log: &Log) -> Result<(), String> {
        let s = self.s;
        let report = Report::new(s, log);
        let run = report
            .curvature_run()
            .ok_or("the curvature phase needs the training runs (run the train phase first)")?;
        let checkpoints = log
            .checkpoints
            .get(&run.id())
            .ok_or("no checkpoints of the chosen run")?;
        let mut points: Vec<(usize, Vec<f64>)> = vec![(
            0,
            init::<O, A, F>(run.seed, run.sigma)
                .map_err(|e| e.to_string())?
                .params()
                .to_vec(),
        )];
        points.extend(
            checkpoints
                .iter()
                .filter(|(u, _)| **u % s.probe_every == 0 && **u < s.updates)
                .map(|(u, t)| (*u, t.clone())),
        );
        let todo: Vec<(usize, Vec<f64>, f64)> = points
            .into_iter()
            .flat_map(|(u, t)| s.probe_sigmas.iter().map(move |&ps| (u, t.clone(), ps)))
            .filter(|(u, _, ps)| {
                !log.curvature
                    .get(&(run.id(), ps.to_bits()))
                    .is_some_and(|m| m.contains_key(u))
            })
            .collect();
        self.progress.stage(
            &format!(
                "{}: curvature at {} (checkpoint, σ) of σ = {}, rate {}",
                s.task,
                todo.len(),
                run.sigma,
                run.rate
            ),
            (todo.len() as u64) * (2 * s.directions + 1),
        );
        let mut scratch = vec![0.0; 2 * F * A];
        for (update, theta, probe_sigma) in todo {
            let mut objective = self
                .objective::<F>(probe_sigma, s.gamma)
                .map_err(|e| e.to_string())?;
            let pick = probe::improving_curvature(
                &mut objective,
                &theta,
                s.alpha,
                DIRECTION_SEED,
                s.directions,
                &mut scratch,
            )
            .map_err(|e| format!("update {update}, σ {probe_sigma}: {e}"))?;
            self.progress.advance(2 * s.directions + 1);
            self.out.write(&Record::Curvature {
                run,
                update,
                probe_sigma,
                pick,
            })?;
        }
        Ok(())
    }

    /// Fig. 7a and 7b.
    fn solutions<const F: usize>(&mut self, log: &Log) -> Result<(), String> {
        let s = self.s;
        let report = Report::new(s, log);
        let (low, high) = report.solution_pair().ok_or(
            "the solutions phase needs the training runs of the lowest and highest σ (run the \
             train phase first, all shards)",
        )?;
        // Probes: the low-σ solution under every probe σ, each σ's solution
        // of the same seed under its own σ.
        let mut probes: Vec<(RunKey, f64)> = s.probe_sigmas.iter().map(|&ps| (low, ps)).collect();
        for &sigma in &s.sigmas {
            if let Some(run) = report.best_run(sigma, low.seed)
                && !probes
                    .iter()
                    .any(|(r, ps)| r.id() == run.id() && *ps == sigma)
            {
                probes.push((run, sigma));
            }
        }
        probes.retain(|(r, ps)| !log.probes.contains_key(&(r.id(), ps.to_bits())));
        let interpolations: Vec<f64> = s
            .probe_sigmas
            .iter()
            .copied()
            .filter(|ps| !log.interpolations.contains_key(&ps.to_bits()))
            .collect();
        self.progress.stage(
            &format!("{}: probes at solutions and the interpolation", s.task),
            probes.len() as u64 * (2 * s.directions + 1) + (interpolations.len() * s.points) as u64,
        );
        let mut scratch = vec![0.0; 2 * F * A];
        for (run, probe_sigma) in probes {
            let theta = log
                .checkpoints
                .get(&run.id())
                .and_then(|c| c.get(&s.updates))
                .ok_or("a final checkpoint is missing")?;
            let mut objective = Recording {
                inner: self
                    .objective::<F>(probe_sigma, s.gamma)
                    .map_err(|e| e.to_string())?,
                errors: Vec::new(),
            };
            let thresholds = Thresholds::default();
            let mut acc = probe::start(&mut objective, theta, s.alpha, thresholds)
                .map_err(|e| e.to_string())?;
            // From here on, errors 2k and 2k + 1 are direction k's + and −.
            objective.errors.clear();
            let mut raw = Vec::new();
            probe::probe_each(
                &mut objective,
                theta,
                DIRECTION_SEED,
                0..s.directions,
                &mut scratch,
                &mut acc,
                |index, d_plus, d_minus| raw.push((index, d_plus, d_minus)),
            )
            .map_err(|e| format!("probe of σ = {} under σ = {probe_sigma}: {e}", run.sigma))?;
            self.progress.advance(2 * s.directions + 1);
            let pairs = pair_bands(&raw, &objective.errors, &acc, &thresholds);
            let band = if pairs.is_empty() {
                0.0
            } else {
                pairs.iter().map(|p| p.band).sum::<f64>() / pairs.len() as f64
            };
            let cases = acc.cases();
            let interval = wilson_interval::<f64>(cases.curvature_negative, cases.total, Z95)
                .unwrap_or((0.0, 1.0));
            let stats = ProbeStats {
                directions: cases.total,
                negative: cases.curvature_negative,
                positive: cases.curvature_positive,
                fraction_negative: cases.curvature_negative as f64 / cases.total.max(1) as f64,
                interval,
                mean_curvature: acc.curvature().mean().unwrap_or(f64::NAN),
                mean_gradient: acc.gradient().mean().unwrap_or(f64::NAN),
                base: acc.base(),
                base_error: acc.base_error(),
                verdict: format!("{:?}", acc.verdict().kind),
                pairs,
                band,
            };
            self.out.write(&Record::Probe {
                run,
                probe_sigma,
                stats,
            })?;
        }
        let from = log
            .checkpoints
            .get(&low.id())
            .and_then(|c| c.get(&s.updates))
            .ok_or("a final checkpoint is missing")?;
        let to = log
            .checkpoints
            .get(&high.id())
            .and_then(|c| c.get(&s.updates))
            .ok_or("a final checkpoint is missing")?;
        for probe_sigma in interpolations {
            // The interpolation reports the undiscounted return, as the
            // authors' code does.
            let mut objective = self
                .objective::<F>(probe_sigma, 1.0)
                .map_err(|e| e.to_string())?;
            let blank = (
                0.0,
                Estimate {
                    value: 0.0,
                    std_error: 0.0,
                },
            );
            let mut out = vec![blank; s.points];
            let mut point = vec![0.0; F * A];
            probe::interpolate(&mut objective, from, to, 0.0, 1.0, &mut point, &mut out)
                .map_err(|e| format!("interpolation under σ = {probe_sigma}: {e}"))?;
            self.progress.advance(s.points as u64);
            self.out.write(&Record::Interpolation {
                from: low,
                to: high,
                probe_sigma,
                points: out
                    .iter()
                    .map(|(a, e)| (*a, e.value, e.std_error))
                    .collect(),
            })?;
        }
        Ok(())
    }
}

/// Every direction's pair with its footnote-6 threshold of `D+ + D−`, the
/// one [`probe::Accumulator::push_with_errors`] judges it by: `raw` are the
/// `(index, D+, D−)` the driver accepted, `errors` the standard errors of
/// their `+` and `−` evaluations in order (2 per direction).
fn pair_bands(
    raw: &[(u64, f64, f64)],
    errors: &[f64],
    acc: &probe::Accumulator<f64>,
    thresholds: &Thresholds<f64>,
) -> Vec<ProbePair> {
    let e0 = acc.base_error();
    let floor = thresholds.rel_floor * acc.base().abs().max(1.0);
    raw.iter()
        .enumerate()
        .map(|(k, &(index, d_plus, d_minus))| {
            let ep = errors.get(2 * k).copied().unwrap_or(0.0);
            let em = errors.get(2 * k + 1).copied().unwrap_or(0.0);
            ProbePair {
                index,
                d_plus,
                d_minus,
                band: (thresholds.k_sigma * (ep * ep + em * em + 4.0 * e0 * e0).sqrt()).max(floor),
            }
        })
        .collect()
}

/// Summaries of a results file: what the paper's claims are checked on.
pub struct Report<'a> {
    s: &'a Settings,
    log: &'a Log,
}

/// Mean and sample standard deviation (0 for one value).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = if xs.len() > 1 {
        (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (mean, sd)
}

impl<'a> Report<'a> {
    /// The report of `log` under `settings`.
    pub fn new(s: &'a Settings, log: &'a Log) -> Self {
        Self { s, log }
    }

    /// The settings reported on.
    pub fn settings(&self) -> &'a Settings {
        self.s
    }

    /// The log reported on.
    pub fn log(&self) -> &'a Log {
        self.log
    }

    /// Final deterministic returns of the finished runs of (σ, rate), by
    /// seed.
    pub fn finals(&self, sigma: f64, rate: f64) -> Vec<(u64, f64)> {
        (0..self.s.seeds)
            .filter_map(|seed| {
                let run = RunKey { sigma, rate, seed };
                self.log.done.get(&run.id())?;
                Some((seed, self.log.final_value(&run, self.s.updates)?))
            })
            .collect()
    }

    /// The rate with the best mean final return for σ, over seeds (all
    /// seeds finished), with that mean.
    pub fn best_rate(&self, sigma: f64) -> Option<(f64, f64)> {
        let mut best: Option<(f64, f64)> = None;
        for &rate in &self.s.rates {
            let f = self.finals(sigma, rate);
            let failed = self.failures(sigma, rate);
            if (f.len() + failed) as u64 != self.s.seeds {
                return None;
            }
            if failed > 0 {
                continue;
            }
            let (m, _) = mean_sd(&f.iter().map(|x| x.1).collect::<Vec<_>>());
            if best.is_none_or(|(_, b)| m > b) {
                best = Some((rate, m));
            }
        }
        best
    }

    /// Runs of (σ, rate) that failed.
    pub fn failures(&self, sigma: f64, rate: f64) -> usize {
        (0..self.s.seeds)
            .filter(|&seed| {
                self.log
                    .failed
                    .contains_key(&RunKey { sigma, rate, seed }.id())
            })
            .count()
    }

    /// The run of σ at its best rate for `seed`.
    pub fn best_run(&self, sigma: f64, seed: u64) -> Option<RunKey> {
        let (rate, _) = self.best_rate(sigma)?;
        Some(RunKey { sigma, rate, seed })
    }

    /// The Fig. 6 trajectory: the middle trained σ at its best rate, seed 0.
    pub fn curvature_run(&self) -> Option<RunKey> {
        let sigma = *self.s.sigmas.get(self.s.sigmas.len() / 2)?;
        self.best_run(sigma, 0)
    }

    /// The Fig. 7 pair: the lowest σ's poorest final solution at its best
    /// rate, and the highest σ's solution (best rate) of the same seed.
    pub fn solution_pair(&self) -> Option<(RunKey, RunKey)> {
        let low = self.s.sigmas.iter().copied().fold(f64::INFINITY, f64::min);
        let high = self
            .s
            .sigmas
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let (rate, _) = self.best_rate(low)?;
        let (seed, _) = self
            .finals(low, rate)
            .into_iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))?;
        Some((
            RunKey {
                sigma: low,
                rate,
                seed,
            },
            self.best_run(high, seed)?,
        ))
    }

    /// The mean deterministic learning curve of σ at `rate` over seeds:
    /// `(update, mean, sd)`.
    pub fn curve(&self, sigma: f64, rate: f64) -> Vec<(usize, f64, f64)> {
        let mut by_update: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for seed in 0..self.s.seeds {
            let run = RunKey { sigma, rate, seed };
            if let Some(evals) = self.log.evals.get(&run.id()) {
                for (&u, &(v, _)) in evals {
                    by_update.entry(u).or_default().push(v);
                }
            }
        }
        by_update
            .into_iter()
            .map(|(u, v)| {
                let (m, sd) = mean_sd(&v);
                (u, m, sd)
            })
            .collect()
    }

    /// Fig. 6: the curvature series of the chosen run per probe σ:
    /// `(update, curvature)` where some direction improved.
    pub fn curvature_series(&self, probe_sigma: f64) -> Vec<(usize, f64)> {
        let Some(run) = self.curvature_run() else {
            return Vec::new();
        };
        self.log
            .curvature
            .get(&(run.id(), probe_sigma.to_bits()))
            .map(|m| {
                m.iter()
                    .filter_map(|(u, p)| p.map(|(_, c)| (*u, c)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fig. 7a: the probe of `run` under `probe_sigma`.
    pub fn probe(&self, run: &RunKey, probe_sigma: f64) -> Option<&ProbeStats> {
        self.log.probes.get(&(run.id(), probe_sigma.to_bits()))
    }

    /// Fig. 7b: the interpolation under `probe_sigma`.
    pub fn interpolation(&self, probe_sigma: f64) -> Option<&[(f64, f64, f64)]> {
        self.log
            .interpolations
            .get(&probe_sigma.to_bits())
            .map(|i| i.points.as_slice())
    }

    /// The whole report as text.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let s = self.s;
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{}: REINFORCE ({:?}), linear Gaussian policy, {} updates of {} episodes, γ = {}, \
             actions {}",
            s.task,
            s.estimator,
            s.updates,
            s.batch,
            s.gamma,
            if s.clip_actions {
                "clipped to [-1, 1]"
            } else {
                "unclipped"
            }
        );
        let _ = writeln!(
            t,
            "\nFig. 5: final deterministic (σ = 0) undiscounted return, {} episodes, over {} seeds",
            s.eval_episodes, s.seeds
        );
        let _ = writeln!(
            t,
            "{:>6} {:>8} {:>10} {:>9} {:>6}",
            "σ", "rate", "mean", "sd", "seeds"
        );
        for &sigma in &s.sigmas {
            for &rate in &s.rates {
                let f: Vec<f64> = self.finals(sigma, rate).iter().map(|x| x.1).collect();
                let failed = self.failures(sigma, rate);
                let failed_note = if failed > 0 {
                    format!("  ({failed} failed: not eligible)")
                } else {
                    String::new()
                };
                if f.is_empty() {
                    if failed > 0 {
                        let _ = writeln!(t, "{sigma:>6} {rate:>8} {:>27}{failed_note}", "-");
                    }
                    continue;
                }
                let (m, sd) = mean_sd(&f);
                let mark = if self.best_rate(sigma).map(|b| b.0) == Some(rate) {
                    "  <- best rate"
                } else {
                    ""
                };
                let _ = writeln!(
                    t,
                    "{sigma:>6} {rate:>8} {m:>10.1} {sd:>9.1} {:>3}/{:<2}{mark}{failed_note}",
                    f.len(),
                    s.seeds
                );
            }
        }
        for (run, update, error) in self.log.failed.values() {
            let _ = writeln!(
                t,
                "  failed: σ = {}, rate {}, seed {} after {update} updates: {error}",
                run.sigma, run.rate, run.seed
            );
        }
        let bests: Vec<(f64, f64, f64)> = s
            .sigmas
            .iter()
            .filter_map(|&sg| self.best_rate(sg).map(|(r, m)| (sg, r, m)))
            .collect();
        // The ratio of the highest σ's best mean return to the lowest σ's,
        // when both are known and positive (HalfCheetah's can be negative).
        if let (Some(lo), Some(hi)) = (bests.first(), bests.last())
            && bests.len() > 1
            && Some(&lo.0) == s.sigmas.first()
            && Some(&hi.0) == s.sigmas.last()
            && lo.2 > 0.0
            && hi.2 > 0.0
        {
            let _ = writeln!(
                t,
                "best final return, σ = {} vs σ = {}: {:.1} vs {:.1} ({:.2}x); best rate {} vs {} ({:.0}x)",
                hi.0,
                lo.0,
                hi.2,
                lo.2,
                hi.2 / lo.2,
                hi.1,
                lo.1,
                hi.1 / lo.1
            );
        }
        let _ = writeln!(
            t,
            "learning curves at the best rates (mean ± sd over seeds), by update:"
        );
        for &(sigma, rate, _) in &bests {
            let c = self.curve(sigma, rate);
            let shown: Vec<String> = c
                .iter()
                .map(|(u, m, sd)| format!("{u}: {m:.0}±{sd:.0}"))
                .collect();
            let _ = writeln!(t, "  σ = {sigma} (rate {rate}): {}", shown.join("  "));
        }
        if let Some(run) = self.curvature_run() {
            let _ = writeln!(
                t,
                "\nFig. 6: curvature of the footnote-5 direction along σ = {} (rate {}, seed {}), {} directions, α = {}, {} episodes",
                run.sigma, run.rate, run.seed, s.directions, s.alpha, s.probe_episodes
            );
            for &ps in &s.probe_sigmas {
                let series: Vec<f64> = self.curvature_series(ps).iter().map(|x| x.1).collect();
                if series.is_empty() {
                    let _ = writeln!(t, "  objective σ = {ps:<4}: no improving direction yet");
                    continue;
                }
                let (m, sd) = mean_sd(&series);
                let _ = writeln!(
                    t,
                    "  objective σ = {ps:<4}: {} points, mean {m:.3e}, sd {sd:.3e}, range [{:.3e}, {:.3e}]",
                    series.len(),
                    series.iter().copied().fold(f64::INFINITY, f64::min),
                    series.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                );
            }
        }
        if let Some((low, high)) = self.solution_pair() {
            let _ = writeln!(
                t,
                "\nFig. 7a: the poorest σ = {} solution (rate {}, seed {}, final return {:.1}) probed under σ: detectably negative curvature (2 standard errors)",
                low.sigma,
                low.rate,
                low.seed,
                self.log.final_value(&low, s.updates).unwrap_or(f64::NAN)
            );
            for &ps in &s.probe_sigmas {
                if let Some(p) = self.probe(&low, ps) {
                    let _ = writeln!(
                        t,
                        "  σ = {ps:<4}: {:>3}/{} = {:>5.1} % [{:.1}, {:.1}], verdict {}",
                        p.negative,
                        p.directions,
                        100.0 * p.fraction_negative,
                        100.0 * p.interval.0,
                        100.0 * p.interval.1,
                        p.verdict
                    );
                }
            }
            let _ = writeln!(
                t,
                "each σ's final solution (seed {}, best rate) under its own σ:",
                low.seed
            );
            for &sigma in &s.sigmas {
                if let Some(run) = self.best_run(sigma, low.seed)
                    && let Some(p) = self.probe(&run, sigma)
                {
                    let _ = writeln!(
                        t,
                        "  σ = {sigma:<4}: {:>3}/{} = {:>5.1} % [{:.1}, {:.1}] negative",
                        p.negative,
                        p.directions,
                        100.0 * p.fraction_negative,
                        100.0 * p.interval.0,
                        100.0 * p.interval.1
                    );
                }
            }
            let _ = writeln!(
                t,
                "\nFig. 7b: undiscounted return along (1 - a) θ(σ = {}) + a θ(σ = {}, rate {}), seed {}",
                low.sigma, high.sigma, high.rate, high.seed
            );
            for &ps in &s.probe_sigmas {
                if let Some(points) = self.interpolation(ps) {
                    let shown: Vec<String> = points
                        .iter()
                        .map(|(a, v, _)| format!("{a:.1}: {v:.0}"))
                        .collect();
                    let _ = writeln!(
                        t,
                        "  σ = {ps:<4}: {}  [{}]",
                        shown.join("  "),
                        monotone(points)
                    );
                }
            }
        }
        t
    }
}

/// Whether the values increase along the path, within 2 standard errors of
/// each step.
fn monotone(points: &[(f64, f64, f64)]) -> &'static str {
    let increasing = points
        .windows(2)
        .all(|w| w[1].1 + 2.0 * (w[0].2 + w[1].2) >= w[0].1);
    let ends = points.last().map(|p| p.1) > points.first().map(|p| p.1);
    match (increasing, ends) {
        (true, true) => "increasing within noise",
        (false, true) => "not monotone, ends higher",
        _ => "does not end higher",
    }
}
