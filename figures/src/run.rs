//! Running the experiments and the whole reproduction (results, figures,
//! report) in one call.

use std::path::{Path, PathBuf};

use crate::draw::{self, Figure};
pub use crate::results::{REPORT, RESULTS, Results, Scale, Settings};
use crate::{Error, continuous, gridworld, report, toy};

/// Progress of a run, as stages and counts (for a progress bar).
pub trait Progress: Sync {
    /// A stage starts with `total` units of work.
    fn stage(&self, name: &str, total: u64);
    /// `n` units of the current stage are done.
    fn advance(&self, n: u64);
}

/// No progress reports.
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Runs every experiment.
///
/// # Errors
///
/// An experiment's error.
pub fn run(settings: &Settings, progress: &dyn Progress) -> Result<Results, Error> {
    progress.stage("§2.1 toy probes", 1);
    let toy = toy::run(&settings.toy)?;
    progress.advance(1);
    let g = &settings.gridworld;
    let cells = 1 + (g.taus.len() * g.decays.len()) as u64;
    progress.stage("§3.1 sweep (runs)", cells * g.seeds);
    let sweep = gridworld::sweep(g, &|n| progress.advance(n))?;
    progress.stage("§3.1 landscape: θ_sub, θ_opt, probes, Hessians, slices", 1);
    let landscape = gridworld::landscape(g)?;
    progress.advance(1);
    let mut continuous = Vec::new();
    for c in &settings.continuous {
        let env = continuous::env_name(c.env);
        let mut current = String::new();
        let mut last = 0;
        let r =
            continuous::run_threads(c, settings.gridworld.threads, &mut |stage, done, total| {
                if stage != current || done < last {
                    current = stage.to_owned();
                    progress.stage(&format!("§3.2 {env}: {stage}"), total as u64);
                    last = 0;
                }
                progress.advance(done.saturating_sub(last) as u64);
                last = done;
            })
            .map_err(Error::Message)?;
        continuous.push(r);
    }
    Ok(Results {
        settings: settings.clone(),
        toy,
        sweep,
        landscape,
        continuous,
    })
}

/// What [`reproduce`] wrote.
#[derive(Clone, Debug)]
pub struct Written {
    /// The results folder.
    pub results: PathBuf,
    /// The figures.
    pub figures: Vec<Figure>,
    /// The report.
    pub report: PathBuf,
}

/// Draws the figures and writes the report from the results under `root`.
///
/// # Errors
///
/// Missing or malformed results; a figure or the report that cannot be
/// written.
pub fn draw_and_report(root: &Path) -> Result<Written, Error> {
    let results = Results::read(root)?;
    let figures = draw::draw_all(&results, root)?;
    let text = report::markdown(&results, &figures, results.settings.scale);
    let report = root.join(REPORT);
    std::fs::write(&report, text).map_err(|e| Error::Io(report.clone(), e))?;
    Ok(Written {
        results: root.join(RESULTS),
        figures,
        report,
    })
}

/// Runs every experiment, writes the results under `root/results/`, then
/// draws and reports from those files (so what is drawn is what was
/// written).
///
/// # Errors
///
/// As [`run`] and [`draw_and_report`].
pub fn reproduce(
    settings: &Settings,
    root: &Path,
    progress: &dyn Progress,
) -> Result<Written, Error> {
    let results = run(settings, progress)?;
    results.write(root)?;
    draw_and_report(root)
}
