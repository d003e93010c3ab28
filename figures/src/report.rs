//! `REPRODUCTION.md`: each of the paper's claims, the paper's number, ours
//! (read from the results files of the run) with its interval and scale,
//! the command, the figure, and whether the claim holds.

use std::fmt::Write;

use crate::continuous;
use crate::draw::{Figure, Names};
use crate::gridworld::{Landscape, Spectrum, Sweep};
use crate::results::{Results, Scale};
use crate::toy::Toy;

/// How a claim fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Our numbers agree with the claim.
    Holds,
    /// Agree in part (the text says where the boundary lies).
    InPart,
    /// Our numbers contradict it.
    Fails,
}

impl Status {
    fn text(self) -> &'static str {
        match self {
            Self::Holds => "holds",
            Self::InPart => "holds in part",
            Self::Fails => "fails",
        }
    }
}

/// One claim of the paper and our reading of it.
#[derive(Clone, Debug)]
pub struct Claim {
    /// Where the paper makes it.
    pub source: String,
    /// The claim, with the paper's number.
    pub paper: String,
    /// Ours, with intervals and scale.
    pub ours: String,
    /// How it fared.
    pub status: Status,
    /// Figure files (relative to the report).
    pub figures: Vec<String>,
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

fn interval(i: Option<(f64, f64)>) -> String {
    i.map_or("-".into(), |(lo, hi)| {
        format!("[{:.0} %, {:.0} %]", 100.0 * lo, 100.0 * hi)
    })
}

/// The claims of §2.1 on the toy functions.
pub fn toy_claims(toy: &Toy, names: &Names) -> Vec<Claim> {
    let mut claims = Vec::new();
    let find = |name: &str| toy.points.iter().find(|p| p.name == name);
    let n = toy.settings.directions;
    for (name, source, paper) in [
        (
            "optimum",
            "§2.1.2, Fig. 1a, 2a",
            "At (−0.5, −2) of −(1 − θ₀θ₁)² every perturbation is negative or ≈ 0: a local optimum with flat directions.",
        ),
        (
            "saddle",
            "§2.1.2, Fig. 1b, 2b",
            "At (0, 0) some directions rise on both sides and some fall on both: a saddle, no gradient.",
        ),
    ] {
        let Some(p) = find(name) else { continue };
        let v = &p.probe.verdict;
        let c = &p.probe.cases;
        let status = if v.kind == p.expected {
            Status::Holds
        } else {
            Status::Fails
        };
        claims.push(Claim {
            source: source.into(),
            paper: paper.into(),
            ours: format!(
                "verdict {} ({} of {} directions, 95 % interval {}); both < 0: {}, both > 0: {}, opposite: {}, ≈ 0: {}; α = {}, {n} directions",
                v.kind,
                v.support,
                v.directions,
                interval(v.interval),
                c.both_negative,
                c.both_positive,
                c.opposite,
                c.both_zero + c.zero_and_negative + c.zero_and_positive,
                p.probe.alpha,
            ),
            status,
            figures: vec![names.pairs(name), names.projections(name)],
        });
    }
    let quadratics: Vec<_> = toy
        .points
        .iter()
        .filter(|p| p.name != "optimum" && p.name != "saddle")
        .collect();
    let right = quadratics
        .iter()
        .filter(|p| p.probe.verdict.kind == p.expected)
        .count();
    claims.push(Claim {
        source: "§S.1, Fig. S1, S2".into(),
        paper: "On simple quadratics the technique tells a minimum, a maximum, a saddle, a linear and a flat function apart.".into(),
        ours: quadratics
            .iter()
            .map(|p| {
                format!(
                    "{}: {} ({}/{})",
                    p.function, p.probe.verdict.kind, p.probe.verdict.support, p.probe.verdict.directions
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        status: if right == quadratics.len() {
            Status::Holds
        } else if right > 0 {
            Status::InPart
        } else {
            Status::Fails
        },
        figures: quadratics.iter().map(|p| names.projections(&p.name)).collect(),
    });
    // §2.1.2: extreme probe curvatures against the eigenvalues, in 2D.
    // Per point with curvature: the probes' extreme dᵀHd, computed once.
    let extremes: Vec<(&crate::toy::Point, f64, f64)> = toy
        .points
        .iter()
        .filter(|p| p.eigenvalues != [0.0, 0.0])
        .map(|p| {
            let a2 = p.probe.alpha * p.probe.alpha;
            let curv = p.probe.pairs.iter().map(|(a, b)| (a + b) / a2);
            let lo = curv.clone().fold(f64::INFINITY, f64::min);
            let hi = curv.fold(f64::NEG_INFINITY, f64::max);
            (p, lo, hi)
        })
        .collect();
    let reach: Vec<String> = extremes
        .iter()
        .map(|(p, lo, hi)| {
            format!(
                "{}: dᵀHd in [{lo:.3}, {hi:.3}], λ = {:?}",
                p.name, p.eigenvalues
            )
        })
        .collect();
    let holds_2d = extremes
        .iter()
        .all(|(p, lo, hi)| close(*lo, p.eigenvalues[0]) && close(*hi, p.eigenvalues[1]));
    let alpha = toy.settings.alpha;
    claims.push(Claim {
        source: "§2.1.2 (two dimensions)".into(),
        paper: "The extreme curvatures the probes find are close to the extreme eigenvalues of H.".into(),
        ours: format!(
            "{} (within 10 % of the eigenvalue's magnitude, or 0.05 absolute, counts as close: at α = {alpha} the quartic term of −(1 − θ₀θ₁)² moves (Δ+ + Δ−)/α² by −2α²d₀²d₁², up to {:.3} at the saddle)",
            reach.join("; "),
            -alpha * alpha / 2.0,
        ),
        status: if holds_2d { Status::Holds } else { Status::Fails },
        figures: vec![],
    });
    claims
}

/// Whether a probe extreme is close to an eigenvalue: within 10 % of its
/// magnitude, or 0.05 absolute for eigenvalues near 0.
fn close(found: f64, lambda: f64) -> bool {
    (found - lambda).abs() <= (0.1 * lambda.abs()).max(0.05)
}

/// How far the probes' extreme curvatures reach towards the extreme
/// eigenvalues: `(min dᵀHd / λ_min, max dᵀHd / λ_max)`, each `None` when
/// that eigenvalue is ≈ 0.
pub fn reach(s: &Spectrum) -> (Option<f64>, Option<f64>) {
    let lo = s.curvatures.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = s
        .curvatures
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let (Some(&l_min), Some(&l_max)) = (s.eigenvalues.first(), s.eigenvalues.last()) else {
        return (None, None);
    };
    let scale = l_min.abs().max(l_max.abs());
    let tiny = 1e-9 * scale.max(f64::MIN_POSITIVE) + s.hessian_error;
    (
        (l_min < -tiny).then(|| lo / l_min),
        (l_max > tiny).then(|| hi / l_max),
    )
}

/// The claims of §3.1 on the gridworld, and §2.1.2 in its 108 dimensions.
pub fn gridworld_claims(
    sweep: &Sweep,
    land: &Landscape,
    names: &Names,
    settings: &crate::gridworld::Settings,
) -> Vec<Claim> {
    let mut claims = Vec::new();
    if let Some(c) = sweep.cells.first() {
        let holds = c.interval.0 <= 0.25 && 0.25 <= c.interval.1;
        claims.push(Claim {
            source: "§3.1.2".into(),
            paper: "Without entropy (τ = 0) about 25 % of random inits end at the sub-optimal corner, even with the exact gradient.".into(),
            ours: format!(
                "{} of {} runs sub-optimal: {} (95 % interval {}); {} exact updates of step {}",
                c.sub_optimal,
                c.runs,
                pct(c.fraction),
                interval(Some(c.interval)),
                settings.updates,
                settings.step,
            ),
            status: if holds {
                Status::Holds
            } else if c.sub_optimal > 0 {
                Status::InPart
            } else {
                Status::Fails
            },
            figures: vec![names.sweep(), names.curves()],
        });
    }
    let grid = &sweep.cells[1.min(sweep.cells.len())..];
    let zero: Vec<String> = grid
        .iter()
        .filter(|c| c.runs > 0 && c.sub_optimal == 0)
        .map(|c| format!("τ0 = {}, decay {}", c.tau0, c.decay))
        .collect();
    let worse: Vec<String> = grid
        .iter()
        .filter(|c| {
            sweep
                .cells
                .first()
                .is_some_and(|t0| c.fraction > t0.fraction)
        })
        .map(|c| format!("τ0 = {}, decay {} ({})", c.tau0, c.decay, pct(c.fraction)))
        .collect();
    let table = grid
        .iter()
        .map(|c| {
            format!(
                "τ0 = {}, decay {}: {} {}",
                c.tau0,
                c.decay,
                pct(c.fraction),
                interval(Some(c.interval))
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    claims.push(Claim {
        source: "§3.1.3, Fig. S5".into(),
        paper: "With an entropy bonus decayed during training the sub-optimal fraction falls to 0 % (τ0 and decay not stated).".into(),
        ours: format!(
            "0 % in {} of {} cells ({}); worse than without entropy in {}. All cells: {table}",
            zero.len(),
            grid.len(),
            if zero.is_empty() { "none".into() } else { zero.join(", ") },
            if worse.is_empty() { "none".into() } else { worse.join(", ") },
        ),
        status: if zero.len() == grid.len() && !grid.is_empty() {
            Status::Holds
        } else if !zero.is_empty() {
            Status::InPart
        } else {
            Status::Fails
        },
        figures: vec![names.sweep()],
    });
    // Fig. 4a.
    if let Some((plain, rest)) = land.probes.split_first() {
        let improving: Vec<String> = rest
            .iter()
            .map(|p| format!("{}: {} of {}", p.label, p.improving(), p.cases.total))
            .collect();
        let holds = plain.improving() == 0 && rest.iter().all(|p| p.improving() > 0);
        let part = plain.improving() == 0 || rest.iter().any(|p| p.improving() > 0);
        claims.push(Claim {
            source: "§3.1.2–3.1.3, Fig. 4a".into(),
            paper: "At θ_sub no sampled direction improves the true objective (a flat region, tiny gradient, small negative curvature); with entropy or a more stochastic policy many directions do.".into(),
            ours: format!(
                "improving directions (a gain beyond 10⁻³ |J|) at θ_sub, α = {}: true objective {} of {} (verdict {}); {}",
                plain.alpha,
                plain.improving(),
                plain.cases.total,
                plain.verdict.kind,
                improving.join("; ")
            ),
            status: if holds {
                Status::Holds
            } else if part {
                Status::InPart
            } else {
                Status::Fails
            },
            figures: vec![names.fig4a()],
        });
    }
    // Fig. 4b.
    let plain = land
        .interpolations
        .iter()
        .find(|i| i.tau == 0.0 && i.mix == 0.0);
    let connected: Vec<String> = land
        .interpolations
        .iter()
        .filter(|i| i.mix > 0.0)
        .map(|i| {
            format!(
                "τ = {}, mix = {}: dip {:.1} % {}",
                i.tau,
                i.mix,
                100.0 * i.dip_relative,
                if i.monotone { "(monotone)" } else { "" }
            )
        })
        .collect();
    if let Some(p) = plain {
        let valley = p.dip_relative > 0.01;
        let smoothed = land
            .interpolations
            .iter()
            .filter(|i| i.mix > 0.0)
            .any(|i| i.dip_relative < 0.01);
        claims.push(Claim {
            source: "§3.1.2–3.1.3, Fig. 4b".into(),
            paper: "On the line θ_sub → θ_opt the true objective has a valley between two flat regions; the entropy-regularised objective of a stochastic policy connects them, in some cases monotonically.".into(),
            ours: format!(
                "true objective: dip {:.1} % below the lower end; {}",
                100.0 * p.dip_relative,
                connected.join("; ")
            ),
            status: match (valley, smoothed) {
                (true, true) => Status::Holds,
                (false, false) => Status::Fails,
                _ => Status::InPart,
            },
            figures: vec![names.fig4b()],
        });
    }
    // §2.1.2 in 108 dimensions.
    let mut lines = Vec::new();
    let mut reached = 0;
    let mut total = 0;
    for s in &land.spectra {
        let (lo, hi) = reach(s);
        let lmin = s.eigenvalues.first().copied().unwrap_or(f64::NAN);
        let lmax = s.eigenvalues.last().copied().unwrap_or(f64::NAN);
        for r in [lo, hi].into_iter().flatten() {
            total += 1;
            reached += usize::from(r >= 0.5);
        }
        lines.push(format!(
            "θ_{} τ = {}: λ ∈ [{lmin:.3e}, {lmax:.3e}], probes reach {} of λ_min and {} of λ_max",
            s.at,
            s.tau,
            lo.map_or("-".into(), pct),
            hi.map_or("-".into(), pct),
        ));
    }
    if !land.spectra.is_empty() {
        claims.push(Claim {
            source: "§2.1.2 (the gridworld's 108 dimensions)".into(),
            paper: "The extreme curvatures the probes find are close to the extreme eigenvalues of H.".into(),
            ours: format!(
                "{}; {} random directions, α = {}; the Hessian by central differences of the exact gradient (stated error ≤ {:.1e})",
                lines.join("; "),
                land.spectra[0].curvatures.len(),
                land.spectra[0].alpha,
                land.spectra.iter().map(|s| s.hessian_error).fold(0.0, f64::max),
            ),
            status: if total > 0 && reached == total {
                Status::Holds
            } else if reached > 0 {
                Status::InPart
            } else {
                Status::Fails
            },
            figures: land.spectra.iter().map(|s| names.spectrum(&s.at, s.tau)).collect(),
        });
    }
    claims
}

/// The claims of §3.2, on the library's continuous-control environment.
pub fn continuous_claims(r: &continuous::Results, names: &Names) -> Vec<Claim> {
    let env = crate::draw::env_name(r);
    let mut claims = Vec::new();
    let figure = |f: &str| vec![names.continuous(f, &env)];
    let best: Vec<(f64, &continuous::RateSummary)> = r
        .best_rates
        .iter()
        .filter_map(|&(sigma, _)| r.best(sigma).map(|b| (sigma, b)))
        .collect();
    if let (Some(low), Some(high)) = (best.first(), best.last()) {
        let line = best
            .iter()
            .map(|(sigma, b)| {
                format!(
                    "σ = {sigma} (rate {}): final {} ± {}, mean over training {}",
                    b.rate,
                    b.final_mean.map_or("-".into(), |v| format!("{v:.1}")),
                    b.final_sd.map_or("-".into(), |v| format!("{v:.1}")),
                    b.area_mean.map_or("-".into(), |v| format!("{v:.1}")),
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        // Higher beyond noise: the difference of the means exceeds two
        // standard errors of it (the seeds' spread).
        let beyond = |h: &continuous::RateSummary, l: &continuous::RateSummary| -> Option<bool> {
            let (hm, lm) = (h.final_mean?, l.final_mean?);
            let (hs, ls) = (h.final_sd.unwrap_or(0.0), l.final_sd.unwrap_or(0.0));
            let se =
                (hs * hs / h.finished.max(1) as f64 + ls * ls / l.finished.max(1) as f64).sqrt();
            Some(hm - lm > 2.0 * se)
        };
        let faster = high.1.area_mean > low.1.area_mean;
        let better = high.1.final_mean > low.1.final_mean;
        let clearly = beyond(high.1, low.1) == Some(true);
        claims.push(Claim {
            source: format!("§3.2.2, Fig. 5 ({env})"),
            paper: "High-entropy policies (σ > 0.1) learn faster than σ = 0.1 and, on Hopper and Walker2d, end 2 to 8 times higher; on HalfCheetah the differences are small.".into(),
            ours: format!(
                "{line} ({} seeds, {} updates, batches of {} episodes). Highest σ against lowest: {} during training, {} at the end{}",
                r.settings.seeds,
                r.settings.updates,
                r.settings.batch,
                if faster { "higher" } else { "not higher" },
                if better { "higher" } else { "not higher" },
                if better && !clearly { " (within 2 standard errors of the seeds' spread)" } else { "" },
            ),
            status: match (faster, better, clearly) {
                (true, true, true) => Status::Holds,
                (false, false, _) => Status::Fails,
                _ => Status::InPart,
            },
            figures: figure("fig5"),
        });
    }
    let fluct = |lo: bool| -> Vec<f64> {
        r.curvature
            .iter()
            .filter(|c| (c.probe_sigma <= 0.1) == lo)
            .filter_map(|c| c.fluctuation)
            .collect()
    };
    let (low, high) = (fluct(true), fluct(false));
    if !low.is_empty() && !high.is_empty() {
        let min_low = low.iter().copied().fold(f64::INFINITY, f64::min);
        let max_high = high.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        claims.push(Claim {
            source: format!("§3.2.3, Fig. 6 ({env})"),
            paper: "The curvature of an improving direction fluctuates with a large amplitude during training for low σ (0, 0.1) and much less for high σ (0.5, 1.0) (Hopper; not on HalfCheetah).".into(),
            ours: format!(
                "fluctuation (standard deviation of successive differences) {}; along {} checkpoints of the run σ = {}, rate {}",
                r.curvature
                    .iter()
                    .map(|c| format!(
                        "σ = {}: {}",
                        c.probe_sigma,
                        c.fluctuation.map_or("-".into(), |f| format!("{f:.3e}"))
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                r.curvature.first().map_or(0, |c| c.points.len() + c.unimproved.len()),
                r.curvature_run.sigma,
                r.curvature_run.rate,
            ),
            status: if min_low > max_high {
                Status::Holds
            } else if mean(&low) > mean(&high) {
                Status::InPart
            } else {
                Status::Fails
            },
            figures: figure("fig6"),
        });
    }
    let at = |sigma: f64| r.probes.iter().find(|p| p.probe_sigma == sigma);
    let lowest = r
        .probes
        .iter()
        .map(|p| p.probe_sigma)
        .fold(f64::INFINITY, f64::min);
    let highest = r
        .probes
        .iter()
        .map(|p| p.probe_sigma)
        .fold(f64::NEG_INFINITY, f64::max);
    if let (Some(p0), Some(p1)) = (at(lowest), at(highest)) {
        let list = r
            .probes
            .iter()
            .map(|p| {
                format!(
                    "σ = {}: {} of {} ({})",
                    p.probe_sigma,
                    p.negative,
                    p.directions,
                    interval(Some(p.interval))
                        .replace('[', &format!("{:.0} % [", 100.0 * p.fraction_negative))
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let separated = p1.interval.1 < p0.interval.0;
        claims.push(Claim {
            source: format!("§3.2.4, Fig. 7a ({env})"),
            paper: "At a poor low-σ solution 84 % of directions have detectably negative curvature under σ = 0; as σ grows to 1 nearly all curvatures fall within the sampling noise.".into(),
            ours: format!(
                "detectably negative curvature (footnote 6) at the low-σ solution (σ = {}, seed {}, return {:.1}): {list}",
                r.solution.low.sigma, r.solution.low.seed, r.solution.low_return
            ),
            status: if separated && p0.fraction_negative >= 0.5 {
                Status::Holds
            } else if p1.fraction_negative < p0.fraction_negative {
                Status::InPart
            } else {
                Status::Fails
            },
            figures: figure("fig7a"),
        });
    }
    if let Some(top) = r
        .interpolation
        .iter()
        .max_by(|a, b| a.probe_sigma.total_cmp(&b.probe_sigma))
    {
        let list = r
            .interpolation
            .iter()
            .map(|i| {
                format!(
                    "σ = {}: {} (gain {:.1}, deepest drop {:.1})",
                    i.probe_sigma,
                    if i.monotone {
                        "monotone"
                    } else {
                        "not monotone"
                    },
                    i.gain,
                    i.dip
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let any = r.interpolation.iter().any(|i| i.monotone);
        claims.push(Claim {
            source: format!("§3.2.4, Fig. 7b ({env})"),
            paper: "From the poor low-σ solution to the high-σ solution of the same init there is a monotonically increasing path in the high-entropy objective (some pairs only).".into(),
            ours: format!("{list} (monotone: no step down beyond 2 standard errors)"),
            status: if top.monotone {
                Status::Holds
            } else if any {
                Status::InPart
            } else {
                Status::Fails
            },
            figures: figure("fig7b"),
        });
    }
    claims
}

/// The whole report, in Markdown.
pub fn markdown(results: &Results, figures: &[Figure], scale: Scale) -> String {
    let names = &Names;
    let mut claims = toy_claims(&results.toy, names);
    claims.extend(gridworld_claims(
        &results.sweep,
        &results.landscape,
        names,
        &results.settings.gridworld,
    ));
    for c in &results.continuous {
        claims.extend(continuous_claims(c, names));
    }
    let mut out = String::new();
    let command = scale.command();
    let _ = writeln!(out, "# Reproduction report\n");
    let _ = writeln!(
        out,
        "Ahmed, Le Roux, Norouzi & Schuurmans, *Understanding the Impact of Entropy on Policy Optimization* (ICML 2019), \
         reproduced with `policy-landscape`. Written by `{command}` (scale `{}`): every number below is read from the \
         results files that run wrote (`results/*.json`), and every figure is drawn from them \
         (`{command} -- --draw-only` redraws both without rerunning).\n",
        scale.name()
    );
    let _ = writeln!(
        out,
        "The same experiments print as text, with flags for other scales, from the examples: \
         `cargo run --release --example saddle` (§2.1), `--example gridworld` (§3.1 fractions), \
         `--example gridworld_landscape` (Fig. 4) and `--example continuous_sigma` (§3.2); \
         §3.2 on MuJoCo is `cargo run --release -p policy-landscape-mujoco --example section32`.\n"
    );
    let holds = claims.iter().filter(|c| c.status == Status::Holds).count();
    let part = claims.iter().filter(|c| c.status == Status::InPart).count();
    let fails = claims.iter().filter(|c| c.status == Status::Fails).count();
    let _ = writeln!(
        out,
        "{} claims: {holds} hold, {part} hold in part, {fails} fail.\n",
        claims.len()
    );
    let _ = writeln!(
        out,
        "| where | the paper | ours | verdict |\n|---|---|---|---|"
    );
    for c in &claims {
        let _ = writeln!(
            out,
            "| {} | {} | {} | **{}** |",
            c.source,
            c.paper,
            c.ours.replace('|', "\\|"),
            c.status.text()
        );
    }
    let _ = writeln!(out, "\n## Figures\n");
    let _ = writeln!(
        out,
        "Each claim's figures; then every figure with what it shows.\n"
    );
    for c in &claims {
        let mut unique: Vec<&String> = Vec::new();
        for f in &c.figures {
            if !unique.contains(&f) {
                unique.push(f);
            }
        }
        let files: Vec<String> = unique.iter().map(|f| format!("[`{f}`]({f})")).collect();
        if !files.is_empty() {
            let _ = writeln!(out, "- {}: {}", c.source, files.join(", "));
        }
    }
    let _ = writeln!(out);
    for f in figures {
        let _ = writeln!(out, "![{}]({})\n\n{}\n", f.file, f.file, f.caption);
    }
    out
}
