//! The paper's Fig. 5, 6, 7a and 7b of a MuJoCo task, drawn by the
//! `policy-landscape-figures` crate from its neutral [`Section32`]:
//! [`section32`] converts a [`Report`] of a results file into it,
//! [`draw()`] writes the images.

use std::path::{Path, PathBuf};

use policy_landscape_figures::continuous;
use policy_landscape_figures::draw::{
    self, CurvatureCurve, InterpolationCurve, LearningCurve, Section32, SolutionProbe,
};

use crate::experiment::Report;

/// The data of Fig. 5, 6, 7a and 7b in `report`'s results file:
///
/// - Fig. 5: per trained σ whose best rate is known, its learning curve at
///   that rate: the mean and sample standard deviation over seeds of the
///   deterministic return at every evaluation point ([`Report::curve`]);
/// - Fig. 6: per probe σ, the curvature series of the chosen run
///   ([`Report::curvature_series`]), with its fluctuation (the standard
///   deviation of successive differences; `None` for fewer than 3 points);
/// - Fig. 7a: per probe σ, the probe at the low-σ solution, with every
///   direction's `(D+, D−)` and the detectability band (files written
///   before the pairs were recorded give no points and a band of 0);
/// - Fig. 7b: per probe σ, the interpolation, [`monotone`] or not.
///
/// The parts whose phase has not run are empty. `env` is the task's
/// lowercase name ([`Task::name`](crate::Task::name)), which names the files.
pub fn section32(report: &Report<'_>) -> Section32 {
    let s = report.settings();
    let log = report.log();
    let learning = s
        .sigmas
        .iter()
        .filter_map(|&sigma| {
            let (rate, _) = report.best_rate(sigma)?;
            Some(LearningCurve {
                sigma,
                rate,
                seeds: report.finals(sigma, rate).len(),
                points: report
                    .curve(sigma, rate)
                    .into_iter()
                    .map(|(u, m, sd)| (u as f64, m, sd))
                    .collect(),
            })
        })
        .collect();
    let (curvature_run, curvature) = match report.curvature_run() {
        Some(run) => (
            format!("σ = {}, rate {}, seed {}", run.sigma, run.rate, run.seed),
            s.probe_sigmas
                .iter()
                .map(|&ps| {
                    let points: Vec<(f64, f64)> = report
                        .curvature_series(ps)
                        .into_iter()
                        .map(|(u, c)| (u as f64, c))
                        .collect();
                    CurvatureCurve {
                        sigma: ps,
                        fluctuation: fluctuation(&points),
                        points,
                    }
                })
                .collect(),
        ),
        None => (String::new(), Vec::new()),
    };
    let (solution, probes, interpolation) = match report.solution_pair() {
        Some((low, _)) => {
            let probes = s
                .probe_sigmas
                .iter()
                .filter_map(|&ps| {
                    let p = report.probe(&low, ps)?;
                    Some(SolutionProbe {
                        sigma: ps,
                        pairs: p.pairs.iter().map(|q| (q.d_plus, q.d_minus)).collect(),
                        band: p.band,
                        negative: p.negative,
                        directions: p.directions,
                        interval: p.interval,
                        verdict: p.verdict.clone(),
                    })
                })
                .collect();
            let interpolation = s
                .probe_sigmas
                .iter()
                .filter_map(|&ps| {
                    let points = report.interpolation(ps)?;
                    Some(InterpolationCurve {
                        sigma: ps,
                        points: points.to_vec(),
                        monotone: monotone(points),
                    })
                })
                .collect();
            (
                format!(
                    "σ = {}, rate {}, seed {}, return {:.1}",
                    low.sigma,
                    low.rate,
                    low.seed,
                    log.final_value(&low, s.updates).unwrap_or(f64::NAN)
                ),
                probes,
                interpolation,
            )
        }
        None => (String::new(), Vec::new(), Vec::new()),
    };
    Section32 {
        env: s.task.name().to_string(),
        learning,
        curvature_run,
        curvature,
        solution,
        probes,
        interpolation,
    }
}

/// The fluctuation of a curvature series `(update, curvature)` (Fig. 6):
/// [`continuous::fluctuation`] of its values, the reproduction's statistic.
pub fn fluctuation(points: &[(f64, f64)]) -> Option<f64> {
    continuous::fluctuation(&points.iter().map(|p| p.1).collect::<Vec<_>>())
}

/// Whether an interpolation `(a, value, standard error)` is monotone within
/// the noise (Fig. 7b): [`continuous::monotone`], the reproduction's rule.
pub fn monotone(points: &[(f64, f64, f64)]) -> bool {
    continuous::monotone(points)
}

/// Draws Fig. 5, 6, 7a and 7b of `report` under `root` (into
/// `root/docs/figures/`, e.g. `fig5-hopper.png`) and returns the files
/// written. Fig. 7a is left out when no probe at the low-σ solution is
/// recorded.
///
/// # Errors
///
/// A figure that cannot be drawn or written, in words.
pub fn draw(report: &Report<'_>, root: &Path) -> Result<Vec<PathBuf>, String> {
    let list = draw::section32_figures(&section32(report));
    draw::draw_figures(&list, root).map_err(|e| e.to_string())?;
    Ok(list.iter().map(|f| root.join(&f.file)).collect())
}
