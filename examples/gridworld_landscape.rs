//! The paper's Fig. 4: the landscape around a sub-optimal solution of the
//! 5 x 5 gridworld.
//!
//! (a) Random perturbations at `θ_sub`: without entropy no direction
//!     improves the true objective; with an entropy bonus (`τ > 0`) or a
//!     more stochastic policy (`mix > 0`) many do.
//! (b) The linear interpolation from `θ_sub` to `θ_opt`: a valley in the
//!     true objective, a connected path in the regularised one.
//!
//! ```text
//! cargo run --release --example gridworld_landscape --features std
//! cargo run --release --example gridworld_landscape --features std -- --tau 0.01 --mix 0.2 --alpha 1.0
//! ```
//!
//! `θ_sub` and `θ_opt` come from exact gradient ascent (τ = 0, step 0.1,
//! 1500 updates) from the first inits (`Xoshiro256PlusPlus::seed_from_u64`)
//! that end at the sub-optimal and at the optimal corner.

use std::ops::ControlFlow;

use policy_landscape::mdp::DOWN;
use policy_landscape::policy::OneHotBias;
use policy_landscape::probe::{
    self, Accumulator, ExactObjective, ExactParts, Thresholds, interpolate_exact,
};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{
    Classification, Error, ExactWorkspace, Softmax, TabularMdp, TrainConfig, Trainer,
};

type Policy = Softmax<f64, 26, 27, 4, OneHotBias>;
const N: usize = 108;

struct Options {
    tau: f64,
    mix: f64,
    alpha: f64,
    directions: u64,
    seed: u64,
    points: usize,
}

fn parse() -> Options {
    let mut o = Options {
        tau: 0.01,
        mix: 0.2,
        alpha: 1.0,
        directions: 500,
        seed: 4,
        points: 21,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        let ok = match flag.as_str() {
            "--tau" => value.parse().map(|v| o.tau = v).is_ok(),
            "--mix" => value.parse().map(|v| o.mix = v).is_ok(),
            "--alpha" => value.parse().map(|v| o.alpha = v).is_ok(),
            "--directions" => value.parse().map(|v| o.directions = v).is_ok(),
            "--seed" => value.parse().map(|v| o.seed = v).is_ok(),
            "--points" => value.parse().map(|v| o.points = v).is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!(
                "usage: gridworld_landscape [--tau X] [--mix X] [--alpha X] [--directions N] [--seed N] [--points N]"
            );
            std::process::exit(2);
        }
    }
    o
}

/// Trains from successive seeds until one ends with the wanted class.
fn solution(
    mdp: &TabularMdp<f64, 26, 4>,
    ws: &mut ExactWorkspace<f64, 26, 4>,
    threshold: f64,
    want: Classification,
) -> Result<(u64, Policy, f64), Error> {
    for seed in 0.. {
        let mut policy = Policy::tabular_with_bias();
        policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
        let out = Trainer::new(TrainConfig::new(0.1, 1500))?
            .run(mdp, &mut policy, ws, |_| ControlFlow::Continue(()))?;
        if Classification::classify(out.final_j_true, threshold) == want {
            return Ok((seed, policy, out.final_j_true));
        }
    }
    unreachable!("the seed space is not exhausted")
}

fn describe(label: &str, acc: &Accumulator<f64>) {
    let c = acc.cases();
    let v = acc.verdict();
    let improving = c.improving();
    println!(
        "  {label:<34} improving {:>4} / {} | both < 0 {:>4}, opposite {:>4}, both > 0 {:>3}, ≈ 0 {:>4} | verdict {:?}{}",
        improving,
        c.total,
        c.both_negative,
        c.opposite,
        c.both_positive,
        c.both_zero + c.zero_and_negative + c.zero_and_positive,
        v.kind,
        v.interval
            .map(|(lo, hi)| format!(" [{lo:.3}, {hi:.3}]"))
            .unwrap_or_default()
    );
    println!(
        "  {:<34} gradient ∇J·d in [{:.3e}, {:.3e}], curvature dᵀHd in [{:.3e}, {:.3e}]",
        "",
        acc.gradient().min().unwrap_or(f64::NAN),
        acc.gradient().max().unwrap_or(f64::NAN),
        acc.curvature().min().unwrap_or(f64::NAN),
        acc.curvature().max().unwrap_or(f64::NAN),
    );
}

fn main() -> Result<(), Error> {
    let o = parse();
    let mdp = TabularMdp::<f64, 26, 4>::paper_gridworld();
    let mut ws = ExactWorkspace::new();
    let threshold = ws.deterministic_return(&mdp, &[DOWN; 26])?;
    let (seed_sub, sub, j_sub) = solution(&mdp, &mut ws, threshold, Classification::SubOptimal)?;
    let (seed_opt, opt, j_opt) = solution(&mdp, &mut ws, threshold, Classification::Optimal)?;
    println!(
        "θ_sub: init seed {seed_sub}, true J = {j_sub:.6}; θ_opt: init seed {seed_opt}, true J = {j_opt:.6}"
    );
    println!(
        "(deterministic returns: sub-optimal corner {threshold:.6}, optimal corner {:.6})",
        5.0 * 0.99_f64.powi(4)
    );

    println!(
        "\n(a) {} random directions at θ_sub, α = {}, seed {}",
        o.directions, o.alpha, o.seed
    );
    let mut scratch = [0.0; 2 * N];
    let settings = [
        ("true objective (τ = 0, mix = 0)", 0.0, 0.0),
        ("entropy (τ = tau, mix = 0)", o.tau, 0.0),
        ("stochastic policy (τ = 0, mix)", 0.0, o.mix),
        ("both (τ = tau, mix)", o.tau, o.mix),
    ];
    for (label, tau, mix) in settings {
        let mut policy = sub.clone();
        policy.set_mix(mix)?;
        let theta0 = *policy.theta();
        let theta0 = theta0.as_flattened();
        let mut objective = ExactObjective::new(&mdp, policy, &mut ws, tau)?;
        let mut acc = probe::start(&mut objective, theta0, o.alpha, Thresholds::default())?;
        probe::probe(
            &mut objective,
            theta0,
            o.seed,
            0..o.directions,
            &mut scratch,
            &mut acc,
        )?;
        describe(&format!("{label} [τ={tau}, mix={mix}]"), &acc);
    }

    println!(
        "\n(b) interpolation (1 − a) θ_sub + a θ_opt, {} points",
        o.points
    );
    let empty = ExactParts {
        j_true: 0.0,
        j_tau: 0.0,
        j_entropy: 0.0,
    };
    let mut plain = vec![(0.0, empty); o.points];
    let mut smoothed = vec![(0.0, empty); o.points];
    let mut point = [0.0; N];
    let mut policy = sub.clone();
    policy.set_mix(0.0)?;
    let mut objective = ExactObjective::new(&mdp, policy.clone(), &mut ws, 0.0)?;
    interpolate_exact(
        &mut objective,
        sub.params(),
        opt.params(),
        0.0,
        1.0,
        &mut point,
        &mut plain,
    )?;
    policy.set_mix(o.mix)?;
    let mut objective = ExactObjective::new(&mdp, policy, &mut ws, o.tau)?;
    interpolate_exact(
        &mut objective,
        sub.params(),
        opt.params(),
        0.0,
        1.0,
        &mut point,
        &mut smoothed,
    )?;
    println!(
        "  {:>5}  {:>12}  |  {:>12}  {:>12}  {:>12}",
        "a", "J (τ=0,mix=0)", "J_τ (mix)", "J true (mix)", "J_H (mix)"
    );
    for ((a, p), (_, s)) in plain.iter().zip(&smoothed) {
        println!(
            "  {a:>5.2}  {:>12.6}  |  {:>12.6}  {:>12.6}  {:>12.6}",
            p.j_true, s.j_tau, s.j_true, s.j_entropy
        );
    }
    let valley = plain
        .iter()
        .map(|(_, p)| p.j_true)
        .fold(f64::INFINITY, f64::min);
    let ends = plain[0].1.j_true.min(plain[o.points - 1].1.j_true);
    let monotone = smoothed.windows(2).all(|w| w[1].1.j_tau >= w[0].1.j_tau);
    println!(
        "\n  true objective: minimum along the path {valley:.6} vs {ends:.6} at the lower end ({}).",
        if valley < ends - 1e-9 {
            "a valley"
        } else {
            "no valley"
        }
    );
    println!(
        "  regularised objective (τ = {}, mix = {}): {}.",
        o.tau,
        o.mix,
        if monotone {
            "monotonically increasing along the path"
        } else {
            "not monotone along the path"
        }
    );
    Ok(())
}
