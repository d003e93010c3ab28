//! The paper's Fig. 1–2: random-perturbation probes of
//! `O(θ) = −(1 − θ₀θ₁)²`, which has a saddle at the origin and a manifold of
//! maxima `θ₀θ₁ = 1` (Goodfellow et al. 2015).
//!
//! ```text
//! cargo run --release --example saddle
//! cargo run --release --example saddle -- --directions 2000 --alpha 0.1
//! ```

mod cli;
use cli::Cli;

use policy_landscape::Error;
use policy_landscape::probe::{self, Accumulator, Thresholds, VerdictKind, from_fn};

fn objective(t: &[f64]) -> Result<f64, Error> {
    Ok(-(1.0 - t[0] * t[1]).powi(2))
}

fn report(name: &str, theta0: [f64; 2], acc: &Accumulator<f64>) {
    let v = acc.verdict();
    let c = acc.cases();
    println!("\nθ0 = ({}, {}): {name}", theta0[0], theta0[1]);
    match v.interval() {
        Some((lo, hi)) => println!(
            "  verdict: {:?} ({} of {} directions, 95 % interval [{lo:.3}, {hi:.3}])",
            v.kind, v.support, v.directions
        ),
        None => println!("  verdict: {:?} (no directions)", v.kind),
    }
    let meaning = match v.kind {
        VerdictKind::LocalMaximum => {
            "no direction improves O: every one falls on both sides (paper §2.1.2, Fig. 1a)".into()
        }
        VerdictKind::Saddle => format!(
            "{} directions fall on both sides and {} rise on both: a saddle (paper Fig. 1b)",
            c.both_negative, c.both_positive
        ),
        VerdictKind::LocalMinimum => "no direction worsens O: a local minimum".into(),
        VerdictKind::Linear => "most directions rise on one side and fall on the other".into(),
        VerdictKind::Flat => "no change is detectable in any direction".into(),
        VerdictKind::Undetermined => "no label fits these counts".into(),
    };
    println!("  meaning: {meaning}");
    println!(
        "  cases: both negative {}, both positive {}, opposite {}, both ≈ 0 {}, one ≈ 0 and one negative {}, one ≈ 0 and one positive {}",
        c.both_negative,
        c.both_positive,
        c.opposite,
        c.both_zero,
        c.zero_and_negative,
        c.zero_and_positive
    );
    println!(
        "  curvature dᵀHd: detectably negative {}, positive {}; min {:.4}, mean {:.4}, max {:.4}",
        c.curvature_negative,
        c.curvature_positive,
        acc.curvature().min().unwrap_or(f64::NAN),
        acc.curvature().mean().unwrap_or(f64::NAN),
        acc.curvature().max().unwrap_or(f64::NAN),
    );
    println!(
        "  gradient ∇O·d: min {:.4}, mean {:.4}, max {:.4}",
        acc.gradient().min().unwrap_or(f64::NAN),
        acc.gradient().mean().unwrap_or(f64::NAN),
        acc.gradient().max().unwrap_or(f64::NAN),
    );
    if let (Some(g), Some(h)) = (acc.gradient_norm_sq(), acc.hessian_trace()) {
        println!(
            "  zeroth order: ‖∇O‖² ≈ {:.4} ± {:.4}, tr H ≈ {:.4} ± {:.4}",
            g.value, g.std_error, h.value, h.std_error
        );
    }
    println!("  curvature histogram (half-octave bins):");
    for (lo, hi, count) in acc.curvature_histogram().iter() {
        let bar = "#".repeat(((count as f64 / acc.count() as f64) * 60.0).ceil() as usize);
        println!("    [{lo:>10.3e}, {hi:>10.3e}) {count:>6} {bar}");
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Error> {
    let (mut directions, mut alpha, mut seed) = (1000u64, 0.5, 2019u64);
    let mut cli = Cli::new(
        "saddle",
        "The paper's Fig. 1-2: random-perturbation probes of O(θ) = −(1 − θ₀θ₁)² at a saddle\n\
         and on its manifold of maxima.",
    )
    .flag(
        "directions",
        "N",
        directions,
        "random unit directions per point",
    )
    .flag("alpha", "X", alpha, "probe step α: O(θ0 ± α d) − O(θ0)")
    .flag("seed", "N", seed, "seed of the directions");
    while let Some(flag) = cli.next() {
        match flag.as_str() {
            "directions" => directions = cli.value(),
            "alpha" => alpha = cli.value(),
            "seed" => seed = cli.value(),
            _ => cli.unhandled(&flag),
        }
    }
    println!("O(θ) = −(1 − θ₀θ₁)², {directions} random directions, α = {alpha}, seed {seed}");
    let mut o = from_fn(objective);
    let mut scratch = [0.0; 4];
    for (name, theta0) in [
        (
            "on the manifold of maxima θ₀θ₁ = 1 (paper: local maximum with flat directions)",
            [-0.5, -2.0],
        ),
        ("the origin (paper: saddle)", [0.0, 0.0]),
    ] {
        let mut acc = probe::start(&mut o, &theta0, alpha, Thresholds::default())?;
        probe::probe(&mut o, &theta0, seed, 0..directions, &mut scratch, &mut acc)?;
        report(name, theta0, &acc);
    }
    // The Hessians, for comparison: at (0, 0) eigenvalues ±2 (trace 0); at
    // (-0.5, -2) eigenvalues 0 and -2 (θ₀² + θ₁²) = -8.5.
    println!(
        "\nexact: at (0, 0) eigenvalues ±2, tr H = 0; at (−0.5, −2) eigenvalues 0 and −8.5, tr H = −8.5"
    );
    println!(
        "The paper's \"flat directions\" at (−0.5, −2) (Fig. 1a: changes that evaluate to about 0) are\n\
         those near the tangent of the manifold θ₀θ₁ = 1 (eigenvalue 0). A random direction is never exactly\n\
         tangent, so its change is small but beyond rounding: no pair counts as ≈ 0 here, the verdict is\n\
         LocalMaximum, and the flat direction shows as the curvatures near 0 (the max above)."
    );
    Ok(())
}
