//! The paper's §3.2 on MuJoCo (Fig. 5, 6, 7): REINFORCE with linear
//! Gaussian policies of fixed σ on Hopper-v5, Walker2d-v5 or
//! HalfCheetah-v5, a learning-rate search per σ, the curvature of the
//! improving direction along training, probes at final solutions and the
//! interpolation between a low-σ and a high-σ solution.
//!
//! ```text
//! mujoco/setup.sh                                # once: MuJoCo and the models
//! cargo run --release -p policy-landscape-mujoco --example section32 -- --env hopper
//! cargo run --release -p policy-landscape-mujoco --example section32 -- --env walker2d --scale paper --shard 0/8
//! ```
//!
//! Results go to `--out` (default `mujoco/results/<env>.jsonl`) as JSON
//! lines: the settings, then every evaluation, checkpoint, curvature pick,
//! probe and interpolation as it is made. Running again with the same
//! flags resumes (finished work is skipped, runs continue from their last
//! checkpoint); `--shard i/n` trains only every n-th run, so machines can
//! split the grid and their files be concatenated (`cat a.jsonl b.jsonl`)
//! before the next phases; `--phase report` only prints the report.
//! Results do not depend on `--threads`.
//!
//! `--phase all` ends, and `--phase figures` only does, by drawing the
//! paper's Fig. 5, 6, 7a and 7b of the results file with the figures crate
//! (`policy_landscape_mujoco::figures`) under `--figures DIR` (default: the
//! repository root), as `DIR/docs/figures/fig5-hopper.png`,
//! `fig6-hopper.png`, `fig7a-hopper.png` and `fig7b-hopper.png` (the task's
//! name in place of `hopper`); the files written are printed.
//!
//! ```text
//! cargo run --release -p policy-landscape-mujoco --example section32 -- --env hopper --phase figures --figures /tmp/out
//! ```

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use policy_landscape::reinforce::Estimator;
use policy_landscape_mujoco::Task;
use policy_landscape_mujoco::experiment::{Log, Phase, Progress, Report, Settings, run_phase};
use policy_landscape_mujoco::figures;

#[path = "../../examples/cli/mod.rs"]
mod cli;
use cli::Cli;

struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn advance(&mut self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn stage(&mut self, name: &str, total: u64) {
        if let Some(b) = self.0.take() {
            b.finish_and_clear();
        }
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template(
                "{msg}\n{bar:40} {pos}/{len}, {elapsed} elapsed, eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.set_message(name.to_string());
        self.0 = Some(b);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(b) = self.0.take() {
            b.finish_and_clear();
        }
    }
}

fn main() {
    let mut env = "hopper".to_string();
    let mut scale = "quick".to_string();
    let mut phase = "all".to_string();
    let mut out: Option<PathBuf> = None;
    // The repository root, wherever the example is started from.
    let mut figures_root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut shard = "0/1".to_string();
    let mut threads = cli::all_cores();
    let q = Settings::quick(Task::Hopper);
    let p = Settings::paper(Task::Hopper);
    let mut cli = Cli::new(
        "section32",
        "The paper's §3.2 on MuJoCo: learning curves per σ with a rate search (Fig. 5), curvature \
         along training (Fig. 6),\nprobes at solutions and an interpolation (Fig. 7), drawn as \
         docs/figures/fig5-<env>.png ... fig7b-<env>.png under --figures.\nFlags after --scale \
         override its values.",
    )
    .flag("env", "NAME", &env, "hopper, walker2d or half_cheetah")
    .flag(
        "scale",
        "NAME",
        &scale,
        "quick (minutes on 2 cores) or paper (the authors' settings)",
    )
    .flag(
        "phase",
        "NAME",
        &phase,
        "all (then figures), train, curvature, solutions, report or figures (draw Fig. 5-7 \
         from --out)",
    )
    .flag(
        "out",
        "FILE",
        "mujoco/results/<env>.jsonl",
        "results file (JSON lines; resumed)",
    )
    .flag(
        "figures",
        "DIR",
        "the repository root",
        "where Fig. 5-7 go: DIR/docs/figures/fig5-<env>.png, ...",
    )
    .flag("shard", "I/N", &shard, "train only runs j with j mod N = I")
    .flag(
        "threads",
        "N",
        format!("all cores, {threads} here"),
        "worker threads (results do not depend on it)",
    )
    .flag(
        "sigmas",
        "X,Y,..",
        cli::join(&q.sigmas),
        "policy standard deviations trained",
    )
    .flag(
        "rates",
        "X,Y,..",
        format!("{} (paper: {})", cli::join(&q.rates), cli::join(&p.rates)),
        "constant learning rates searched",
    )
    .flag(
        "seeds",
        "N",
        format!("{} (paper: {})", q.seeds, p.seeds),
        "seeds per (σ, rate)",
    )
    .flag(
        "updates",
        "N",
        format!("{} (paper: {})", q.updates, p.updates),
        "SGD updates per run",
    )
    .flag("batch", "N", q.batch, "episodes per gradient")
    .flag("gamma", "X", q.gamma, "discount of the training returns")
    .flag(
        "estimator",
        "NAME",
        "normalized",
        "normalized (the authors') or unbiased",
    )
    .flag(
        "clip",
        "BOOL",
        q.clip_actions,
        "clip actions to [-1, 1] before the environment (the authors' code)",
    )
    .flag(
        "eval-every",
        "N",
        format!("{} (paper: {})", q.eval_every, p.eval_every),
        "updates between deterministic evaluations",
    )
    .flag(
        "eval-episodes",
        "N",
        format!("{} (paper: {})", q.eval_episodes, p.eval_episodes),
        "episodes per deterministic evaluation",
    )
    .flag(
        "probe-every",
        "N",
        format!("{} (paper: {})", q.probe_every, p.probe_every),
        "updates between Fig. 6 probes",
    )
    .flag(
        "probe-sigmas",
        "X,Y,..",
        cli::join(&q.probe_sigmas),
        "σ of the probed objectives",
    )
    .flag(
        "directions",
        "N",
        format!("{} (paper: {})", q.directions, p.directions),
        "random directions per probe",
    )
    .flag("alpha", "X", q.alpha, "probe step α")
    .flag(
        "probe-episodes",
        "N",
        format!("{} (paper: {})", q.probe_episodes, p.probe_episodes),
        "episodes per probe evaluation",
    )
    .flag(
        "points",
        "N",
        q.points,
        "points of the Fig. 7b interpolation",
    );
    // Overrides are applied after the scale is known.
    let mut overrides: Vec<(String, String)> = Vec::new();
    while let Some(flag) = cli.next() {
        match flag.as_str() {
            "env" => env = cli.value(),
            "scale" => scale = cli.value(),
            "phase" => phase = cli.value(),
            "out" => out = Some(cli.value::<String>().into()),
            "figures" => figures_root = cli.value::<String>().into(),
            "shard" => shard = cli.value(),
            "threads" => threads = cli.value(),
            other => {
                let v: String = cli.value();
                overrides.push((other.to_string(), v));
            }
        }
    }
    let Some(task) = Task::parse(&env) else {
        cli.fail(&format!(
            "unknown --env {env:?}: hopper, walker2d or half_cheetah"
        ));
    };
    let mut s = match scale.as_str() {
        "quick" => Settings::quick(task),
        "paper" => Settings::paper(task),
        _ => cli.fail(&format!("unknown --scale {scale:?}: quick or paper")),
    };
    for (flag, v) in &overrides {
        let num = |what: &str| -> f64 {
            v.parse()
                .unwrap_or_else(|_| cli.fail(&format!("--{flag}: {what} expected, got {v:?}")))
        };
        let list = || -> Vec<f64> {
            v.split(',')
                .map(|x| {
                    x.trim().parse().unwrap_or_else(|_| {
                        cli.fail(&format!("--{flag}: numbers separated by commas, got {v:?}"))
                    })
                })
                .collect()
        };
        match flag.as_str() {
            "sigmas" => s.sigmas = list(),
            "rates" => s.rates = list(),
            "probe-sigmas" => s.probe_sigmas = list(),
            "seeds" => s.seeds = num("a count") as u64,
            "updates" => s.updates = num("a count") as usize,
            "batch" => s.batch = num("a count") as usize,
            "gamma" => s.gamma = num("a number"),
            "alpha" => s.alpha = num("a number"),
            "eval-every" => s.eval_every = num("a count") as usize,
            "eval-episodes" => s.eval_episodes = num("a count") as usize,
            "probe-every" => s.probe_every = num("a count") as usize,
            "directions" => s.directions = num("a count") as u64,
            "probe-episodes" => s.probe_episodes = num("a count") as usize,
            "points" => s.points = num("a count") as usize,
            "estimator" => {
                s.estimator = match v.as_str() {
                    "normalized" => Estimator::Normalized,
                    "unbiased" => Estimator::Unbiased,
                    _ => cli.fail("--estimator: normalized or unbiased"),
                }
            }
            "clip" => {
                s.clip_actions = v
                    .parse()
                    .unwrap_or_else(|_| cli.fail("--clip: true or false"))
            }
            _ => cli.unhandled(flag),
        }
    }
    if let Err(e) = s.check() {
        cli.fail(&e);
    }
    let shard = match shard.split_once('/').map(|(i, n)| (i.parse(), n.parse())) {
        Some((Ok(i), Ok(n))) if i < n => (i, n),
        _ => cli.fail(&format!("--shard {shard:?}: I/N with 0 <= I < N")),
    };
    if threads == 0 {
        cli.fail("--threads must be at least 1");
    }
    let phases: &[Phase] = match phase.as_str() {
        // A shard trains its runs only: the later phases need every shard's
        // runs (concatenate the files, then run them once).
        "all" if shard.1 > 1 => &[Phase::Train],
        "all" => &[Phase::Train, Phase::Curvature, Phase::Solutions],
        "train" => &[Phase::Train],
        "curvature" => &[Phase::Curvature],
        "solutions" => &[Phase::Solutions],
        "report" | "figures" => &[],
        _ => cli.fail(&format!(
            "unknown --phase {phase:?}: all, train, curvature, solutions, report or figures"
        )),
    };
    // A shard's file lacks the other shards' runs: nothing to draw yet.
    let draw = (phase == "all" && shard.1 == 1) || phase == "figures";
    let path = out.unwrap_or_else(|| format!("mujoco/results/{}.jsonl", task.name()).into());
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
    {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    println!(
        "{task}: σ {:?} × rates {:?} × {} seeds, {} updates of {} episodes; results in {}\n",
        s.sigmas,
        s.rates,
        s.seeds,
        s.updates,
        s.batch,
        path.display()
    );
    let start = std::time::Instant::now();
    let mut bar = Bar(None);
    for &ph in phases {
        if let Err(e) = run_phase(&s, ph, &path, shard, &mut bar) {
            drop(bar);
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    drop(bar);
    if shard.1 > 1 {
        println!(
            "shard {}/{} trained; concatenate every shard's file into one and run \
             --phase curvature, then --phase solutions, on it",
            shard.0, shard.1
        );
    }
    let log = Log::read(&path).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    });
    if draw && log.settings.is_none() {
        eprintln!("error: {} holds no results to draw", path.display());
        std::process::exit(1);
    }
    let settings = log.settings.clone().unwrap_or(s);
    let report = Report::new(&settings, &log);
    print!("{}", report.text());
    if draw {
        match figures::draw(&report, &figures_root) {
            Ok(files) => {
                println!("\nfigures:");
                for f in files {
                    let f = std::fs::canonicalize(&f).unwrap_or(f);
                    println!("  {}", f.display());
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("\n{:.0} s", start.elapsed().as_secs_f64());
}
