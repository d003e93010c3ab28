//! The paper's §3.2 on a small scale: REINFORCE with linear Gaussian
//! policies of fixed σ on Gymnasium's Pendulum-v1 (a no_std port, checked
//! transition by transition against Gymnasium 1.4.0).
//!
//! For σ ∈ {0.1, 0.5, 1.0} × 5 seeds and a small grid of constant learning
//! rates: learning curves of the deterministic (σ = 0) performance, the best
//! learning rate per σ, and, along the training trajectory of σ = 0.5, the
//! curvature of the improving direction nearest the 90th percentile
//! (footnote 5) of the objectives with σ ∈ {0, 0.1, 0.5, 1.0} (Fig. 6).
//!
//! ```text
//! cargo run --release --example continuous_sigma
//! cargo run --release --example continuous_sigma -- --updates 5000 --batch 32 --env mountain_car
//! ```
//!
//! The estimator is the authors' (per-step returns, batch-normalised
//! advantages, summed over steps, averaged over episodes), as in their code
//! (google-research/policy-learning-landscape): mean `θᵀs + b`, fixed σ,
//! plain SGD, γ = 0.995, glorot-uniform weights and a zero bias.

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use policy_landscape::env::{Env, MountainCarContinuous, Pendulum};
use policy_landscape::policy::Gaussian;
use policy_landscape::probe::{self, Thresholds};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::reinforce::{
    CurvatureProbe, Estimator, MonteCarlo, Rollouts, SgdConfig, mean_return, train_sgd,
};
use policy_landscape::{Error, Real};

mod cli;
use cli::Cli;

struct Options {
    updates: usize,
    batch: usize,
    seeds: u64,
    eval_every: usize,
    probe_every: usize,
    directions: u64,
    alpha: f64,
    rates: Vec<f64>,
    sigmas: Vec<f64>,
    env: String,
    threads: usize,
}

fn parse() -> Options {
    let mut o = Options {
        updates: 2000,
        batch: 16,
        seeds: 5,
        eval_every: 250,
        probe_every: 250,
        directions: 50,
        alpha: 0.1,
        rates: vec![0.003, 0.01, 0.03, 0.1],
        sigmas: vec![0.1, 0.5, 1.0],
        env: "pendulum".into(),
        threads: cli::all_cores(),
    };
    let mut cli = Cli::new(
        "continuous_sigma",
        "The paper's §3.2 on a small scale: REINFORCE with linear Gaussian policies of fixed σ \
         on Pendulum-v1\n(learning curves, best rate per σ, footnote-5 curvature along a trajectory).",
    )
    .flag("updates", "N", o.updates, "SGD updates per run")
    .flag("batch", "N", o.batch, "episodes per gradient")
    .flag("seeds", "N", o.seeds, "seeds per (σ, rate)")
    .flag("eval-every", "N", o.eval_every, "updates between deterministic evaluations")
    .flag("probe-every", "N", o.probe_every, "updates between curvature probes")
    .flag("directions", "N", o.directions, "directions per curvature probe")
    .flag("alpha", "X", o.alpha, "probe step α")
    .flag("rates", "X,Y,..", cli::join(&o.rates), "constant learning rates")
    .flag("sigmas", "X,Y,..", cli::join(&o.sigmas), "policy standard deviations σ")
    .flag("env", "NAME", &o.env, "pendulum or mountain_car")
    .flag(
        "threads",
        "N",
        format!("all cores, {} here", o.threads),
        "worker threads (results do not depend on it)",
    );
    while let Some(flag) = cli.next() {
        match flag.as_str() {
            "updates" => o.updates = cli.value(),
            "batch" => o.batch = cli.value(),
            "seeds" => o.seeds = cli.value(),
            "eval-every" => o.eval_every = cli.value(),
            "probe-every" => o.probe_every = cli.value(),
            "directions" => o.directions = cli.value(),
            "alpha" => o.alpha = cli.value(),
            "rates" => o.rates = cli.list(),
            "sigmas" => o.sigmas = cli.list(),
            "env" => o.env = cli.value(),
            "threads" => o.threads = cli.value(),
            _ => cli.unhandled(&flag),
        }
    }
    for (name, count) in [
        ("updates", o.updates),
        ("batch", o.batch),
        ("seeds", o.seeds as usize),
        ("eval-every", o.eval_every),
        ("probe-every", o.probe_every),
        ("threads", o.threads),
    ] {
        if count == 0 {
            cli.fail(&format!("--{name} must be at least 1"));
        }
    }
    if !["pendulum", "mountain_car"].contains(&o.env.as_str()) {
        cli.fail(&format!(
            "unknown environment {:?} for --env: pendulum or mountain_car",
            o.env
        ));
    }
    o
}

/// Glorot-uniform weights (limit √(6 / (fan_in + fan_out))), zero bias: the
/// Keras `Dense` default of the authors' code.
fn init<const O: usize, const F: usize>(seed: u64) -> Gaussian<f64, O, 1, F> {
    let mut p = Gaussian::<f64, O, 1, F>::affine();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let limit = (6.0 / (O as f64 + 1.0)).sqrt();
    for (i, x) in p.params_mut().iter_mut().enumerate() {
        let u = f64::unit_from_u64(rng.next_u64());
        *x = if i < O { limit * (2.0 * u - 1.0) } else { 0.0 };
    }
    p
}

struct Run {
    /// Deterministic undiscounted return at each evaluation.
    curve: Vec<f64>,
    /// (update, σ of the probed objective, curvature) of footnote-5 picks.
    curvature: Vec<(usize, f64, f64)>,
}

fn train<E, const O: usize, const F: usize>(
    env: &E,
    o: &Options,
    sigma: f64,
    rate: f64,
    seed: u64,
    probe_sigmas: &[f64],
) -> Result<Run, Error>
where
    E: Env<f64, O, 1> + Clone,
{
    let mut policy = init::<O, F>(seed);
    policy.set_sigma(sigma)?;
    let rollouts = Rollouts {
        episodes: o.batch,
        gamma: 0.995,
        seed: 1000 * seed,
        max_steps: 1000,
    };
    // Deterministic performance: the undiscounted return (γ = 1) of the
    // σ = 0 policy over a fixed batch.
    let eval = Rollouts {
        gamma: 1.0,
        seed: 7,
        ..rollouts
    };
    let config = SgdConfig {
        learning_rate: rate,
        updates: o.updates,
        rollouts,
        estimator: Estimator::Normalized,
        eval_every: o.eval_every,
        eval_rollouts: eval,
        curvature_every: 0,
        curvature: CurvatureProbe {
            alpha: o.alpha,
            directions: o.directions,
            seed,
            rollouts,
        },
    };
    let mut env = env.clone();
    let mut rewards = vec![0.0; 1000];
    let mut scratch = vec![0.0; 2 * F];
    let mut run = Run {
        curve: Vec::new(),
        curvature: Vec::new(),
    };
    train_sgd(
        &mut env,
        &mut policy,
        &config,
        &mut rewards,
        &mut scratch,
        |step| {
            if let Some(d) = step.deterministic {
                run.curve.push(d.value);
            }
            ControlFlow::Continue(())
        },
    )?;
    // The final deterministic performance.
    let mut det = policy.clone();
    det.set_sigma(0.0)?;
    run.curve
        .push(mean_return(&mut env.clone(), &det, &eval)?.value);
    // Fig. 6: curvature of the objectives with other σ along this
    // trajectory, re-run from the same seed (training is deterministic).
    if !probe_sigmas.is_empty() {
        let mut policy = init::<O, F>(seed);
        policy.set_sigma(sigma)?;
        let mut env2 = env.clone();
        let mut checkpoints: Vec<(usize, Vec<f64>)> = Vec::new();
        // Replay the training in chunks (update k always uses batch seed
        // seed + k, so the trajectory is the same), snapshotting θ.
        let mut p = policy;
        let mut done = 0;
        while done < o.updates {
            checkpoints.push((done, p.params().to_vec()));
            let chunk = o.probe_every.min(o.updates - done);
            let cfg = SgdConfig {
                updates: chunk,
                eval_every: 0,
                rollouts: Rollouts {
                    seed: rollouts.seed.wrapping_add(done as u64),
                    ..rollouts
                },
                ..config
            };
            train_sgd(&mut env2, &mut p, &cfg, &mut rewards, &mut scratch, |_| {
                ControlFlow::Continue(())
            })?;
            done += chunk;
        }
        for (update, theta) in checkpoints {
            for &s in probe_sigmas {
                let mut probed = init::<O, F>(seed);
                probed.set_params(&theta)?;
                probed.set_sigma(s)?;
                let probe_rollouts = Rollouts {
                    episodes: o.batch,
                    ..rollouts
                };
                let mut objective = MonteCarlo::new(env.clone(), probed, probe_rollouts)?;
                let mut acc = probe::start(&mut objective, &theta, o.alpha, Thresholds::default())?;
                probe::probe(
                    &mut objective,
                    &theta,
                    seed,
                    0..o.directions,
                    &mut scratch,
                    &mut acc,
                )?;
                if let Some((_, c)) = acc.improving_curvature() {
                    run.curvature.push((update, s, c));
                }
            }
        }
    }
    Ok(run)
}

fn experiment<E, const O: usize, const F: usize>(env: E, o: &Options) -> Result<(), String>
where
    E: Env<f64, O, 1> + Clone + Send + Sync,
{
    // Jobs: (σ, rate, seed); the curvature probes ride on σ = 0.5.
    let mut jobs = Vec::new();
    for &sigma in &o.sigmas {
        for &rate in &o.rates {
            for seed in 0..o.seeds {
                jobs.push((sigma, rate, seed));
            }
        }
    }
    let bar = ProgressBar::new(jobs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Run, Error>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..o.threads {
            scope.spawn(|| {
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    if j >= jobs.len() {
                        break;
                    }
                    let (sigma, rate, seed) = jobs[j];
                    let r = train::<E, O, F>(&env, o, sigma, rate, seed, &[]);
                    if let Ok(mut all) = results.lock() {
                        all[j] = Some(r);
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let results = results
        .into_inner()
        .map_err(|_| "a worker panicked".to_string())?;
    let mut by_job = Vec::new();
    for (j, r) in results.into_iter().enumerate() {
        match r {
            Some(Ok(run)) => by_job.push((jobs[j], run)),
            Some(Err(e)) => return Err(format!("run {:?}: {e}", jobs[j])),
            None => return Err(format!("run {:?} did not finish", jobs[j])),
        }
    }
    let evals: Vec<usize> = (0..o.updates)
        .step_by(o.eval_every)
        .chain([o.updates])
        .collect();
    println!(
        "deterministic (σ = 0) undiscounted return, mean over {} seeds",
        o.seeds
    );
    println!(
        "{:>5} {:>7}  final (± sd over seeds)   best rate",
        "σ", "rate"
    );
    let mut best_rate = Vec::new();
    for &sigma in &o.sigmas {
        let mut best: Option<(f64, f64)> = None;
        for &rate in &o.rates {
            let finals: Vec<f64> = by_job
                .iter()
                .filter(|((s, r, _), _)| *s == sigma && *r == rate)
                .map(|(_, run)| *run.curve.last().unwrap_or(&f64::NAN))
                .collect();
            let mean = finals.iter().sum::<f64>() / finals.len() as f64;
            let sd = (finals.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
                / (finals.len().max(2) - 1) as f64)
                .sqrt();
            println!("{sigma:>5} {rate:>7}  {mean:>10.1} (± {sd:>6.1})");
            if best.is_none_or(|(_, m)| mean > m) {
                best = Some((rate, mean));
            }
        }
        if let Some((rate, mean)) = best {
            println!(
                "{:>5} {:>7}  {mean:>10.1}   <- best rate for σ = {sigma}",
                "", rate
            );
            best_rate.push((sigma, rate));
        }
    }
    println!("\nlearning curves at the best rate (mean over seeds), by update:");
    print!("{:>6}", "σ \\ k");
    for k in &evals {
        print!("{k:>9}");
    }
    println!();
    for &(sigma, rate) in &best_rate {
        print!("{sigma:>6}");
        for i in 0..evals.len() {
            let vals: Vec<f64> = by_job
                .iter()
                .filter(|((s, r, _), _)| *s == sigma && *r == rate)
                .filter_map(|(_, run)| run.curve.get(i).copied())
                .collect();
            print!(
                "{:>9.1}",
                vals.iter().sum::<f64>() / vals.len().max(1) as f64
            );
        }
        println!();
    }
    // Fig. 6 along the σ = 0.5 trajectory (its best rate, seed 0).
    let (train_sigma, train_rate) = best_rate
        .iter()
        .copied()
        .find(|&(s, _)| (s - 0.5).abs() < 1e-12)
        .or(best_rate.first().copied())
        .ok_or("no σ to train")?;
    let probe_sigmas = [0.0, 0.1, 0.5, 1.0];
    let run = train::<E, O, F>(&env, o, train_sigma, train_rate, 0, &probe_sigmas)
        .map_err(|e| e.to_string())?;
    println!(
        "\ncurvature dᵀHd of the improving direction nearest the 90th percentile (footnote 5), {} directions, α = {},\nalong the σ = {train_sigma} trajectory (rate {train_rate}, seed 0), for objectives with σ:",
        o.directions, o.alpha
    );
    for &s in &probe_sigmas {
        let series: Vec<f64> = run
            .curvature
            .iter()
            .filter(|(_, ps, _)| *ps == s)
            .map(|(_, _, c)| *c)
            .collect();
        if series.is_empty() {
            println!("  σ = {s:<4}: no improving direction found");
            continue;
        }
        let mean = series.iter().sum::<f64>() / series.len() as f64;
        let sd = (series.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
            / series.len().max(2) as f64)
            .sqrt();
        let shown: Vec<String> = series.iter().map(|c| format!("{c:.3e}")).collect();
        println!(
            "  σ = {s:<4}: sd {sd:.3e}, mean |c| {:.3e}: {}",
            series.iter().map(|c| c.abs()).sum::<f64>() / series.len() as f64,
            shown.join(" ")
        );
    }
    Ok(())
}

fn main() {
    let o = parse();
    println!(
        "REINFORCE on {}: σ ∈ {:?} x {} seeds x rates {:?}, {} updates of {} episodes, {} threads\n",
        o.env, o.sigmas, o.seeds, o.rates, o.updates, o.batch, o.threads
    );
    let result = match o.env.as_str() {
        "pendulum" => experiment::<_, 3, 4>(Pendulum::new(), &o),
        "mountain_car" => experiment::<_, 2, 3>(MountainCarContinuous::new(), &o),
        other => Err(format!("unknown environment {other:?}")),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
