//! The paper's §3.1 on its 5 × 5 gridworld, as data for the figures:
//!
//! - [`Sweep`] (Fig. S5 and the §3.1 fractions): exact gradient ascent from
//!   random inits without entropy and over a τ0 × decay grid, the
//!   sub-optimal fraction of every cell with its 95 % Wilson interval, and
//!   learning curves of the true objective for a few seeds;
//! - [`Landscape`] (Fig. 3, 4a, 4b, the §2.1.2 eigenvalue comparison and
//!   2D slices): a sub-optimal and an optimal solution, their policies, the
//!   probes at `θ_sub` with and without entropy (every direction's pair),
//!   the interpolation `θ_sub → θ_opt` under several τ, the exact Hessian's
//!   eigenvalues beside the probes' curvatures, and 2D slices of `J_τ`.
//!
//! Everything is deterministic: the same settings give the same numbers,
//! bit for bit, whatever the thread count.

use std::ops::{ControlFlow, Range};

use policy_landscape::mdp::DOWN;
use policy_landscape::paper::{self, Policy};
use policy_landscape::probe::{
    self, ExactObjective, ExactParts, Objective, Thresholds, direction_into, interpolate_exact,
};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::stats::{Z95, wilson_interval};
use policy_landscape::{
    BatchTrainer, Classification, ExactBatch, ExactWorkspace, TabularMdp, TrainConfig, Trainer,
};
use serde::{Deserialize, Serialize};

use crate::{Error, ProbeRecord, parallel_map};

/// Parameters of the paper's policy: a torch `nn.Linear(26, 4)`.
pub const PARAMS: usize = 108;
/// Seeds per pass of the batched trainer.
const LANES: usize = 4;

/// The settings of the §3.1 experiments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Random inits of the sweep: seeds `0..seeds`.
    pub seeds: u64,
    /// Exact gradient steps per run.
    pub updates: usize,
    /// Step size.
    pub step: f64,
    /// Initial entropy weights τ0 of the grid.
    pub taus: Vec<f64>,
    /// Per-update multipliers of τ.
    pub decays: Vec<f64>,
    /// Seeds whose learning curves are kept (`0..curve_seeds`).
    pub curve_seeds: u64,
    /// Updates between two points of a learning curve.
    pub curve_every: usize,
    /// Random directions of each probe at `θ_sub`.
    pub directions: u64,
    /// Probe step α.
    pub alpha: f64,
    /// Seed of the probes' directions.
    pub direction_seed: u64,
    /// Entropy weight of the regularised probes (Fig. 4a).
    pub tau: f64,
    /// Uniform mixing coefficient of the stochastic policy (Fig. 4a, 4b).
    pub mix: f64,
    /// Entropy weights of the interpolations and slices.
    pub slice_taus: Vec<f64>,
    /// Points of each interpolation over `[0, 1]`.
    pub points: usize,
    /// Points per side of a 2D slice.
    pub grid: usize,
    /// Probe step of the curvature comparison with the Hessian's
    /// eigenvalues (small, so that `(D+ + D−)/α²` is `dᵀHd`).
    pub curvature_alpha: f64,
    /// Worker threads (results do not depend on it, so results files do
    /// not record it).
    #[serde(skip, default = "available_threads")]
    pub threads: usize,
}

/// All cores.
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Settings {
    /// The paper's scale for §3.1 (100 inits, 1500 updates) and 500
    /// directions per probe: about a minute on 2 cores.
    pub fn standard() -> Self {
        Self {
            seeds: 100,
            updates: 1500,
            step: 0.1,
            taus: vec![0.01, 0.03, 0.1, 0.3, 1.0],
            decays: vec![0.99, 0.995, 0.999],
            curve_seeds: 8,
            curve_every: 10,
            directions: 500,
            alpha: 1.0,
            direction_seed: 4,
            tau: 0.01,
            mix: 0.2,
            slice_taus: vec![0.0, 0.01, 0.1],
            points: 41,
            grid: 61,
            curvature_alpha: 1e-3,
            threads: available_threads(),
        }
    }

    /// A few seconds in a debug build: for tests.
    pub fn tiny() -> Self {
        Self {
            seeds: 8,
            updates: 300,
            taus: vec![0.1, 1.0],
            decays: vec![0.99],
            curve_seeds: 2,
            curve_every: 50,
            directions: 24,
            points: 7,
            grid: 7,
            ..Self::standard()
        }
    }
}

/// One cell of the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Initial entropy weight (0: no entropy).
    pub tau0: f64,
    /// Per-update multiplier of τ (1 without entropy).
    pub decay: f64,
    /// Runs.
    pub runs: u64,
    /// Runs that ended sub-optimal (footnote 2).
    pub sub_optimal: u64,
    /// `sub_optimal / runs`.
    pub fraction: f64,
    /// 95 % Wilson interval of the fraction.
    pub interval: (f64, f64),
    /// Runs that failed (an error of the exact evaluator); not counted.
    pub failed: u64,
}

/// A learning curve: the true objective `J` along one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// Initial entropy weight.
    pub tau0: f64,
    /// Decay of τ.
    pub decay: f64,
    /// Init seed.
    pub seed: u64,
    /// `(update, J)`, the last point after the final update.
    pub points: Vec<(usize, f64)>,
    /// Whether the run ended sub-optimal.
    pub sub_optimal: bool,
}

/// The sweep's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The return of the deterministic policy to the sub-optimal corner: a
    /// run is sub-optimal when its final `J` does not exceed it.
    pub threshold: f64,
    /// The return of the deterministic policy to the optimal corner.
    pub optimum: f64,
    /// `τ = 0` first, then the τ0 × decay grid row by row (τ0 outer).
    pub cells: Vec<Cell>,
    /// Learning curves (seeds `0..curve_seeds`) without entropy and for each
    /// τ0 at the middle decay.
    pub curves: Vec<Curve>,
}

/// Runs the sweep.
///
/// # Errors
///
/// A setting the trainer refuses.
pub fn sweep(s: &Settings, progress: &(dyn Fn(u64) + Sync)) -> Result<Sweep, Error> {
    let mdp = paper::mdp::<f64>();
    let mut ws = ExactWorkspace::new();
    let threshold = ws.deterministic_return(&mdp, &[DOWN; 26])?;
    let optimum = 5.0 * 0.99_f64.powi(4);
    let mut settings = vec![(0.0, 1.0)];
    for &tau in &s.taus {
        for &decay in &s.decays {
            settings.push((tau, decay));
        }
    }
    let middle = s.decays.get(s.decays.len() / 2).copied();
    let groups: Vec<(usize, Range<u64>)> = (0..settings.len())
        .flat_map(|cell| {
            (0..s.seeds)
                .step_by(LANES)
                .map(move |first| (cell, first..(first + LANES as u64).min(s.seeds)))
        })
        .collect();
    let results = parallel_map(&groups, s.threads, |(cell, seeds)| {
        let (tau, decay) = settings[*cell];
        let keep = tau == 0.0 || Some(decay) == middle;
        let out = run_group(&mdp, s, seeds.clone(), tau, decay, threshold, keep);
        progress(seeds.end - seeds.start);
        out
    });
    let mut cells: Vec<Cell> = settings
        .iter()
        .map(|&(tau0, decay)| Cell {
            tau0,
            decay,
            runs: 0,
            sub_optimal: 0,
            fraction: 0.0,
            interval: (0.0, 1.0),
            failed: 0,
        })
        .collect();
    let mut curves = Vec::new();
    for ((cell, _), group) in groups.iter().zip(results) {
        let (outcomes, group_curves) = group?;
        let c = &mut cells[*cell];
        for o in outcomes {
            match o {
                Some(sub) => {
                    c.runs += 1;
                    c.sub_optimal += u64::from(sub);
                }
                None => c.failed += 1,
            }
        }
        curves.extend(group_curves);
    }
    for c in &mut cells {
        c.fraction = if c.runs == 0 {
            0.0
        } else {
            c.sub_optimal as f64 / c.runs as f64
        };
        c.interval = wilson_interval(c.sub_optimal, c.runs, Z95).unwrap_or((0.0, 1.0));
    }
    Ok(Sweep {
        threshold,
        optimum,
        cells,
        curves,
    })
}

type GroupResult = Result<(Vec<Option<bool>>, Vec<Curve>), Error>;

/// Seeds `seeds` (at most [`LANES`]) trained in lockstep; for each, whether
/// it ended sub-optimal (`None`: it failed), and the learning curves of
/// those below `curve_seeds` when `keep`.
fn run_group(
    mdp: &TabularMdp<f64, 26, 4>,
    s: &Settings,
    seeds: Range<u64>,
    tau: f64,
    decay: f64,
    threshold: f64,
    keep: bool,
) -> GroupResult {
    let runs = seeds.clone().count();
    let mut policies: [Policy<f64>; LANES] = std::array::from_fn(|k| {
        let seed = (seeds.start + k as u64).min(seeds.end.saturating_sub(1));
        init(seed)
    });
    let config = TrainConfig::new(s.step, s.updates)
        .tau(tau)
        .tau_decay(decay);
    let mut trainer = BatchTrainer::new(config)?;
    let mut batch = ExactBatch::<f64, 26, 4, LANES>::new();
    let mut points: Vec<Vec<(usize, f64)>> = vec![Vec::new(); runs];
    let outcomes = trainer.run(mdp, &mut policies, &mut batch, |reports| {
        for (lane, report) in reports.iter().take(runs).enumerate() {
            if let Ok(step) = report
                && keep
                && step.update % s.curve_every == 0
            {
                points[lane].push((step.update, step.j_true));
            }
        }
        ControlFlow::Continue(())
    });
    let mut flags = Vec::with_capacity(runs);
    let mut curves = Vec::new();
    for ((lane, outcome), seed) in outcomes.iter().enumerate().take(runs).zip(seeds) {
        let flag = outcome.as_ref().ok().map(|o| {
            Classification::classify(o.final_j_true, threshold) == Classification::SubOptimal
        });
        flags.push(flag);
        if let (true, Ok(o)) = (keep && seed < s.curve_seeds, outcome) {
            let mut p = std::mem::take(&mut points[lane]);
            p.push((o.updates, o.final_j_true));
            curves.push(Curve {
                tau0: tau,
                decay,
                seed,
                points: p,
                sub_optimal: flag == Some(true),
            });
        }
    }
    Ok((flags, curves))
}

/// The policy of init seed `seed`: torch's `nn.Linear` init from
/// `Xoshiro256PlusPlus::seed_from_u64(seed)`, as `examples/gridworld.rs`.
pub fn init(seed: u64) -> Policy<f64> {
    let mut policy = Policy::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    policy
}

/// A trained solution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    /// Init seed.
    pub seed: u64,
    /// True objective `J` at the solution.
    pub j_true: f64,
    /// Parameters (the crate's flat layout: 27 feature rows of 4 logits).
    pub theta: Vec<f64>,
    /// `π(·|s)` for the 25 cells, row-major (LEFT, RIGHT, UP, DOWN).
    pub policy: Vec<[f64; 4]>,
}

/// An interpolation `(1 − a) θ_sub + a θ_opt`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interpolation {
    /// Entropy weight.
    pub tau: f64,
    /// Mixing coefficient.
    pub mix: f64,
    /// `(a, J_τ, J)` of the (mixed) policy.
    pub points: Vec<(f64, f64, f64)>,
    /// Depth of the lowest point below the lower end (0: none).
    pub dip: f64,
    /// `dip` relative to `|lower end|`.
    pub dip_relative: f64,
    /// `J_τ` never decreases along `a`.
    pub monotone: bool,
}

/// The exact Hessian's spectrum beside the curvatures a probe finds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    /// `"sub"` or `"opt"`.
    pub at: String,
    /// Entropy weight.
    pub tau: f64,
    /// Eigenvalues of the exact Hessian of `J_τ`, ascending.
    pub eigenvalues: Vec<f64>,
    /// The Hessian's stated absolute error (central differences of the
    /// exact gradient).
    pub hessian_error: f64,
    /// `(D+ + D−)/α²` of every probed direction (small α): `dᵀHd`.
    pub curvatures: Vec<f64>,
    /// Step of those probes.
    pub alpha: f64,
}

/// A 2D slice `J_τ(θ0 + x u + y v)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    /// What the slice shows (`"sub"`, `"opt"` or `"between"`).
    pub at: String,
    /// Entropy weight.
    pub tau: f64,
    /// The x coordinates.
    pub x: Vec<f64>,
    /// The y coordinates.
    pub y: Vec<f64>,
    /// `z[i][j] = J_τ` at `(x[j], y[i])`.
    pub z: Vec<Vec<f64>>,
    /// Named points `(x, y, name)`.
    pub marks: Vec<(f64, f64, String)>,
    /// How the directions were made.
    pub directions: String,
}

/// The landscape around the two solutions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Landscape {
    /// The return of the deterministic policy to the sub-optimal corner.
    pub threshold: f64,
    /// The first sub-optimal solution (seeds from 0).
    pub sub: Solution,
    /// The first optimal solution.
    pub opt: Solution,
    /// Fig. 4a: probes at `θ_sub` (true objective; entropy; stochastic
    /// policy; both), with every direction's pair.
    pub probes: Vec<ProbeRecord>,
    /// Fig. 4b: interpolations under each τ of `slice_taus` for the
    /// deterministic and for the mixed policy.
    pub interpolations: Vec<Interpolation>,
    /// §2.1.2: spectra at `θ_sub` and `θ_opt` for τ = 0 and the largest of
    /// `slice_taus`.
    pub spectra: Vec<Spectrum>,
    /// 2D slices at `θ_sub`, `θ_opt` and through both, for each τ.
    pub slices: Vec<Slice>,
}

/// Finds the first init (from seed 0) that ends in class `want`.
fn solution(
    mdp: &TabularMdp<f64, 26, 4>,
    s: &Settings,
    threshold: f64,
    want: Classification,
) -> Result<(u64, Policy<f64>, f64), Error> {
    let mut ws = ExactWorkspace::new();
    for seed in 0..10_000 {
        let mut policy = init(seed);
        let out = Trainer::new(TrainConfig::new(s.step, s.updates))?.run(
            mdp,
            &mut policy,
            &mut ws,
            |_| ControlFlow::Continue(()),
        )?;
        if Classification::classify(out.final_j_true, threshold) == want {
            return Ok((seed, policy, out.final_j_true));
        }
    }
    Err(Error::Message(format!(
        "no init in 0..10000 ends {want:?} after {} updates",
        s.updates
    )))
}

fn describe(seed: u64, policy: &Policy<f64>, j_true: f64) -> Result<Solution, Error> {
    let mut rows = Vec::with_capacity(25);
    for s in 0..25 {
        let mut p = [0.0; 4];
        policy.probabilities(s, &mut p)?;
        rows.push(p);
    }
    Ok(Solution {
        seed,
        j_true,
        theta: policy.params().to_vec(),
        policy: rows,
    })
}

/// The landscape experiments.
///
/// # Errors
///
/// A setting the library refuses, or no init reaching one of the optima.
pub fn landscape(s: &Settings) -> Result<Landscape, Error> {
    let mdp = paper::mdp::<f64>();
    let mut ws = ExactWorkspace::new();
    let threshold = ws.deterministic_return(&mdp, &[DOWN; 26])?;
    let (seed_sub, sub, j_sub) = solution(&mdp, s, threshold, Classification::SubOptimal)?;
    let (seed_opt, opt, j_opt) = solution(&mdp, s, threshold, Classification::Optimal)?;

    // Fig. 4a: the four objectives at θ_sub, read with the paper's coarse
    // floor (1e-3 |J|: changes below it count as ≈ 0).
    let coarse = Thresholds {
        rel_floor: 1e-3,
        ..Thresholds::default()
    };
    let mut probes = Vec::new();
    for (label, tau, mix) in [
        ("true objective", 0.0, 0.0),
        ("entropy", s.tau, 0.0),
        ("stochastic policy", 0.0, s.mix),
        ("entropy and stochastic policy", s.tau, s.mix),
    ] {
        let mut policy = sub.clone();
        policy.set_mix(mix)?;
        let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
        let mut objective = ExactObjective::with_batch(&mdp, policy, &mut ws, &mut batch, tau)?;
        let record = probe_record(
            &mut objective,
            sub.params(),
            s.alpha,
            coarse,
            s.direction_seed,
            s.directions,
            format!("{label} (τ = {tau}, mix = {mix})"),
        )?;
        probes.push(record);
    }

    // Fig. 4b.
    let mut interpolations = Vec::new();
    for mix in [0.0, s.mix] {
        for &tau in &s.slice_taus {
            let mut policy = sub.clone();
            policy.set_mix(mix)?;
            let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
            let mut objective = ExactObjective::with_batch(&mdp, policy, &mut ws, &mut batch, tau)?;
            let empty = ExactParts {
                j_true: 0.0,
                j_tau: 0.0,
                j_entropy: 0.0,
            };
            let mut out = vec![(0.0, empty); s.points];
            let mut point = [0.0; PARAMS];
            interpolate_exact(
                &mut objective,
                sub.params(),
                opt.params(),
                0.0,
                1.0,
                &mut point,
                &mut out,
            )?;
            let points: Vec<(f64, f64, f64)> =
                out.iter().map(|(a, p)| (*a, p.j_tau, p.j_true)).collect();
            let values: Vec<f64> = points.iter().map(|p| p.1).collect();
            let (dip, dip_relative) = dip(&values);
            interpolations.push(Interpolation {
                tau,
                mix,
                points,
                dip,
                dip_relative,
                monotone: values.windows(2).all(|w| w[1] >= w[0]),
            });
        }
    }

    let spectra = spectra(&mdp, s, &sub, &opt)?;
    let slices = slices(&mdp, s, &sub, &opt)?;
    Ok(Landscape {
        threshold,
        sub: describe(seed_sub, &sub, j_sub)?,
        opt: describe(seed_opt, &opt, j_opt)?,
        probes,
        interpolations,
        spectra,
        slices,
    })
}

/// Depth of the lowest value below the lower end, absolute and relative.
fn dip(values: &[f64]) -> (f64, f64) {
    let (Some(first), Some(last)) = (values.first(), values.last()) else {
        return (0.0, 0.0);
    };
    let lowest_end = first.min(*last);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let depth = (lowest_end - min).max(0.0);
    (depth, depth / lowest_end.abs().max(f64::MIN_POSITIVE))
}

/// A probe of `directions` directions around `theta0`, every pair kept.
pub fn probe_record<O: Objective<f64>>(
    objective: &mut O,
    theta0: &[f64],
    alpha: f64,
    thresholds: Thresholds<f64>,
    seed: u64,
    directions: u64,
    label: String,
) -> Result<ProbeRecord, Error> {
    let mut acc = probe::start(objective, theta0, alpha, thresholds)?;
    let mut pairs = Vec::with_capacity(directions as usize);
    let mut scratch = vec![0.0; 2 * theta0.len()];
    probe::probe_each(
        objective,
        theta0,
        seed,
        0..directions,
        &mut scratch,
        &mut acc,
        |_, plus, minus| pairs.push((plus, minus)),
    )?;
    Ok(ProbeRecord::new(label, &acc, pairs))
}

/// Exact Hessian eigenvalues and small-α probe curvatures at both
/// solutions, for τ = 0 and the largest slice τ.
fn spectra(
    mdp: &TabularMdp<f64, 26, 4>,
    s: &Settings,
    sub: &Policy<f64>,
    opt: &Policy<f64>,
) -> Result<Vec<Spectrum>, Error> {
    let tau_max = s.slice_taus.iter().copied().fold(0.0, f64::max);
    let mut out = Vec::new();
    for (at, policy) in [("sub", sub), ("opt", opt)] {
        for tau in [0.0, tau_max] {
            let (eigenvalues, hessian_error) = crate::hessian::spectrum(mdp, policy, tau)?;
            let mut ws = ExactWorkspace::new();
            let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
            let mut objective =
                ExactObjective::with_batch(mdp, policy.clone(), &mut ws, &mut batch, tau)?;
            let record = probe_record(
                &mut objective,
                policy.params(),
                s.curvature_alpha,
                Thresholds::default(),
                s.direction_seed,
                s.directions,
                String::new(),
            )?;
            let a2 = s.curvature_alpha * s.curvature_alpha;
            out.push(Spectrum {
                at: at.into(),
                tau,
                eigenvalues,
                hessian_error,
                curvatures: record.pairs.iter().map(|(p, m)| (p + m) / a2).collect(),
                alpha: s.curvature_alpha,
            });
        }
    }
    Ok(out)
}

/// A unit direction `(seed, index)` rescaled per state row to the norm of
/// `theta`'s row (Li et al. 2018's filter normalisation, a filter being
/// the 4 logits of one feature).
fn filter_normalised(theta: &[f64], seed: u64, index: u64) -> Result<Vec<f64>, Error> {
    let mut d = vec![0.0; theta.len()];
    direction_into(seed, index, &mut d)?;
    for (row, t) in d.chunks_mut(4).zip(theta.chunks(4)) {
        let dn = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        let tn = t.iter().map(|x| x * x).sum::<f64>().sqrt();
        if dn > 0.0 {
            row.iter_mut().for_each(|x| *x *= tn / dn);
        }
    }
    Ok(d)
}

/// One 2D slice's geometry: `θ + x u + y v` over `xs × ys`.
struct Plan {
    at: String,
    theta: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
    xs: Vec<f64>,
    ys: Vec<f64>,
    how: String,
}

/// 2D slices of `J_τ` for each τ: around `θ_sub` and `θ_opt` along two
/// filter-normalised random directions, and through both solutions
/// (x along `θ_opt − θ_sub`, y a filter-normalised random direction made
/// orthogonal to it and scaled to its length).
fn slices(
    mdp: &TabularMdp<f64, 26, 4>,
    s: &Settings,
    sub: &Policy<f64>,
    opt: &Policy<f64>,
) -> Result<Vec<Slice>, Error> {
    let n = s.grid.max(2);
    let axis = |lo: f64, hi: f64| -> Vec<f64> {
        (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect()
    };
    let seed = s.direction_seed.wrapping_add(1000);
    let mut plans: Vec<Plan> = Vec::new();
    for (at, p) in [("sub", sub), ("opt", opt)] {
        let theta = p.params().to_vec();
        let u = filter_normalised(&theta, seed, 0)?;
        let v = filter_normalised(&theta, seed, 1)?;
        plans.push(Plan {
            at: at.into(),
            theta,
            u,
            v,
            xs: axis(-1.0, 1.0),
            ys: axis(-1.0, 1.0),
            how: "two random directions, filter-normalised per state (Li et al. 2018)".into(),
        });
    }
    let theta = sub.params().to_vec();
    let u: Vec<f64> = opt
        .params()
        .iter()
        .zip(&theta)
        .map(|(o, t)| o - t)
        .collect();
    let un = u.iter().map(|x| x * x).sum::<f64>().sqrt();
    let mut v = filter_normalised(&theta, seed, 2)?;
    let proj = v.iter().zip(&u).map(|(a, b)| a * b).sum::<f64>() / (un * un);
    v.iter_mut().zip(&u).for_each(|(a, b)| *a -= proj * b);
    let vn = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter_mut().for_each(|a| *a *= un / vn);
    plans.push(Plan {
        at: "between".into(),
        theta,
        u,
        v,
        xs: axis(-0.25, 1.25),
        ys: axis(-0.75, 0.75),
        how: "x along θ_opt − θ_sub (θ_sub at 0, θ_opt at 1), y a random direction orthogonal to it, of the same length".into(),
    });
    let mut jobs = Vec::new();
    for plan in 0..plans.len() {
        for &tau in &s.slice_taus {
            jobs.push((plan, tau));
        }
    }
    let slices = parallel_map(&jobs, s.threads, |&(plan, tau)| {
        let Plan {
            at,
            theta,
            u,
            v,
            xs,
            ys,
            how,
        } = &plans[plan];
        let mut ws = ExactWorkspace::new();
        let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
        let policy = sub.clone();
        let mut objective = ExactObjective::with_batch(mdp, policy, &mut ws, &mut batch, tau)?;
        let mut z = Vec::with_capacity(ys.len());
        let mut point = vec![0.0; theta.len()];
        for &y in ys {
            let mut row = Vec::with_capacity(xs.len());
            for &x in xs {
                for (((p, t), a), b) in point.iter_mut().zip(theta).zip(u).zip(v) {
                    *p = t + x * a + y * b;
                }
                row.push(objective.evaluate(&point)?.value);
            }
            z.push(row);
        }
        let marks = match at.as_str() {
            "between" => vec![(0.0, 0.0, "θ_sub".into()), (1.0, 0.0, "θ_opt".into())],
            "sub" => vec![(0.0, 0.0, "θ_sub".into())],
            _ => vec![(0.0, 0.0, "θ_opt".into())],
        };
        Ok::<_, Error>(Slice {
            at: at.clone(),
            tau,
            x: xs.clone(),
            y: ys.clone(),
            z,
            marks,
            directions: how.clone(),
        })
    });
    slices.into_iter().collect()
}
