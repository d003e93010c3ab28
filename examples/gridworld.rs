//! The paper's §3.1 experiment: exact gradient ascent on the 5 x 5 gridworld
//! from random inits, without entropy and with a decayed entropy bonus.
//!
//! ```text
//! cargo run --release --example gridworld --features std
//! cargo run --release --example gridworld --features std -- --seeds 300 --taus 0.1,0.3 --decays 0.995
//! ```
//!
//! For each seed the policy (a torch `nn.Linear(26, 4)` over one-hot states)
//! is initialised like torch does (uniform in ±1/√26, weights and bias) from
//! `Xoshiro256PlusPlus::seed_from_u64(seed)`, then trained with
//! `updates` exact gradient steps of size `step`. A final policy is
//! sub-optimal when its true return does not beat the deterministic policy
//! that walks to the 4.5 reward (paper, footnote 2).

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use policy_landscape::mdp::DOWN;
use policy_landscape::policy::OneHotBias;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::stats::{Z95, wilson_interval};
use policy_landscape::{
    Classification, Error, ExactWorkspace, Softmax, TabularMdp, TrainConfig, Trainer,
};

type Policy = Softmax<f64, 26, 27, 4, OneHotBias>;

struct Options {
    seeds: u64,
    updates: usize,
    step: f64,
    taus: Vec<f64>,
    decays: Vec<f64>,
    threads: usize,
}

const USAGE: &str = "usage: gridworld [--seeds N] [--updates N] [--step X] \
[--taus X,Y,..] [--decays X,Y,..] [--threads N]
  --seeds    number of random inits (default 100; seeds 0..N)
  --updates  exact gradient steps per run (default 1500)
  --step     step size (default 0.1)
  --taus     initial entropy weights (default 0.01,0.03,0.1,0.3,1.0)
  --decays   per-update multipliers of tau (default 0.99,0.995,0.999)
  --threads  worker threads (default: all cores; results do not depend on it)";

fn parse() -> Result<Options, String> {
    let mut o = Options {
        seeds: 100,
        updates: 1500,
        step: 0.1,
        taus: vec![0.01, 0.03, 0.1, 0.3, 1.0],
        decays: vec![0.99, 0.995, 0.999],
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.into());
        }
        let value = args
            .next()
            .ok_or(format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("bad value {value:?} for {flag}: {e}");
        let list = |v: &str| -> Result<Vec<f64>, String> {
            v.split(',')
                .map(|x| x.trim().parse::<f64>().map_err(|e| bad(&e)))
                .collect()
        };
        match flag.as_str() {
            "--seeds" => o.seeds = value.parse().map_err(|e| bad(&e))?,
            "--updates" => o.updates = value.parse().map_err(|e| bad(&e))?,
            "--step" => o.step = value.parse().map_err(|e| bad(&e))?,
            "--taus" => o.taus = list(&value)?,
            "--decays" => o.decays = list(&value)?,
            "--threads" => o.threads = value.parse::<usize>().map_err(|e| bad(&e))?.max(1),
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if o.seeds == 0 {
        return Err("--seeds must be positive".into());
    }
    Ok(o)
}

/// One training run; `true` when the final policy is sub-optimal.
fn run(
    mdp: &TabularMdp<f64, 26, 4>,
    ws: &mut ExactWorkspace<f64, 26, 4>,
    seed: u64,
    config: TrainConfig<f64>,
    threshold: f64,
) -> Result<bool, Error> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut policy = Policy::tabular_with_bias();
    policy.init_like_torch(&mut rng);
    let outcome = Trainer::new(config)?.run(mdp, &mut policy, ws, |_| ControlFlow::Continue(()))?;
    Ok(Classification::classify(outcome.final_j_true, threshold) == Classification::SubOptimal)
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let mdp = TabularMdp::<f64, 26, 4>::paper_gridworld();
    let threshold = match ExactWorkspace::new().deterministic_return(&mdp, &[DOWN; 26]) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };

    // Cell 0 is tau = 0; then the tau0 x decay grid.
    let mut configs = vec![TrainConfig::new(o.step, o.updates)];
    for &tau in &o.taus {
        for &decay in &o.decays {
            configs.push(
                TrainConfig::new(o.step, o.updates)
                    .tau(tau)
                    .tau_decay(decay),
            );
        }
    }
    let jobs = configs.len() * o.seeds as usize;
    println!(
        "Paper §3.1: 5x5 gridworld, {} seeds x {} exact updates of step {}, {} runs on {} threads",
        o.seeds, o.updates, o.step, jobs, o.threads
    );
    println!("sub-optimal: true return <= 4.5 * 0.99^4 = {threshold:.6} (footnote 2)\n");

    let bar = ProgressBar::new(jobs as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![None; jobs]);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..o.threads {
            scope.spawn(|| {
                let mut ws = ExactWorkspace::new();
                loop {
                    let job = next.fetch_add(1, Ordering::Relaxed);
                    if job >= jobs {
                        break;
                    }
                    let (cell, seed) = (job / o.seeds as usize, (job % o.seeds as usize) as u64);
                    let r = run(&mdp, &mut ws, seed, configs[cell], threshold);
                    if let Ok(mut all) = results.lock() {
                        all[job] = Some(r);
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let elapsed = start.elapsed().as_secs_f64();
    let results = results.into_inner().unwrap_or_default();

    let count = |cell: usize| -> Result<u64, String> {
        let mut sub = 0;
        for seed in 0..o.seeds as usize {
            match &results[cell * o.seeds as usize + seed] {
                Some(Ok(true)) => sub += 1,
                Some(Ok(false)) => {}
                Some(Err(e)) => return Err(format!("seed {seed}: {e}")),
                None => return Err(format!("seed {seed}: not run")),
            }
        }
        Ok(sub)
    };
    let show = |label: &str, cell: usize, claim: &str| match count(cell) {
        Ok(sub) => {
            let (lo, hi) = wilson_interval::<f64>(sub, o.seeds, Z95).unwrap_or((0.0, 1.0));
            println!(
                "{label:<24} {:>5.1} %   [{:>5.1}, {:>5.1}]   {claim}",
                100.0 * sub as f64 / o.seeds as f64,
                100.0 * lo,
                100.0 * hi
            );
        }
        Err(e) => println!("{label:<24} failed: {e}"),
    };

    println!(
        "{:<24} {:>7}   {:^14}   paper / independent float64 run (100 inits)",
        "run", "sub-opt", "95 % Wilson"
    );
    show("tau = 0", 0, "paper ~25 %; independent 18 %");
    let mut cell = 1;
    for &tau in &o.taus {
        for &decay in &o.decays {
            let claim = match tau {
                t if (0.3..1.0).contains(&t) => "paper 0 % (Fig. S5); independent 0 %",
                t if t >= 1.0 => "independent 29-40 % (step 0.1 overshoots)",
                t if (t - 0.1).abs() < 1e-12 => "independent 5 %",
                t if t <= 0.03 => "independent ~16 %",
                _ => "",
            };
            show(&format!("tau0 = {tau}, decay {decay}"), cell, claim);
            cell += 1;
        }
    }
    let steps = jobs as f64 * o.updates as f64;
    println!(
        "\n{:.0} exact gradient steps in {elapsed:.2} s ({:.2} µs per step per thread)",
        steps,
        elapsed * o.threads as f64 * 1e6 / steps
    );
}
