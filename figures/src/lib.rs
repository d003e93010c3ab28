//! The paper's figures as images, and the reproduction report.
//!
//! A std-only layer on top of `policy-landscape` (never a dependency of the
//! no_std core). The experiments ([`toy`], [`gridworld`], [`continuous`])
//! return plain data that [`run`] writes as JSON into a results folder;
//! [`draw`] turns those files into images ([`plot`]) and [`report`] into
//! `REPRODUCTION.md`, so a figure can be redrawn without rerunning its
//! experiment:
//!
//! ```text
//! cargo run --release -p policy-landscape-figures                  # run, draw, report
//! cargo run --release -p policy-landscape-figures -- --draw-only   # redraw from results/
//! ```

#![forbid(unsafe_code)]

pub mod continuous;
pub mod draw;
pub mod gridworld;
pub mod hessian;
pub mod plot;
pub mod report;
pub mod results;
pub mod run;
pub mod toy;

use policy_landscape::probe::{Accumulator, Cases};
use serde::{Deserialize, Serialize};

/// What went wrong in an experiment, a drawing or the report.
#[derive(Debug)]
pub enum Error {
    /// The library refused an input.
    Library(policy_landscape::Error),
    /// Reading or writing a file.
    Io(std::path::PathBuf, std::io::Error),
    /// A results file that does not parse.
    Json(std::path::PathBuf, serde_json::Error),
    /// A drawing failed.
    Plot(plot::PlotError),
    /// Anything else, said in words.
    Message(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Library(e) => write!(f, "{e}"),
            Self::Io(p, e) => write!(f, "{}: {e}", p.display()),
            Self::Json(p, e) => write!(f, "{}: {e}", p.display()),
            Self::Plot(e) => write!(f, "{e}"),
            Self::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<policy_landscape::Error> for Error {
    fn from(e: policy_landscape::Error) -> Self {
        Self::Library(e)
    }
}

impl From<plot::PlotError> for Error {
    fn from(e: plot::PlotError) -> Self {
        Self::Plot(e)
    }
}

impl From<String> for Error {
    fn from(m: String) -> Self {
        Self::Message(m)
    }
}

/// A verdict, as the report prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `"LocalMaximum"`, `"Saddle"`, ... (the core's `VerdictKind`).
    pub kind: String,
    /// Directions consistent with it.
    pub support: u64,
    /// Directions seen.
    pub directions: u64,
    /// 95 % Wilson interval of `support / directions`.
    pub interval: Option<(f64, f64)>,
}

/// One probe: every direction's pair and the accumulator's summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeRecord {
    /// What was probed.
    pub label: String,
    /// Probe step α.
    pub alpha: f64,
    /// `O(θ0)`.
    pub base: f64,
    /// `(D+, D−)` of every direction, in index order.
    pub pairs: Vec<(f64, f64)>,
    /// The paper's cases.
    pub cases: Cases,
    /// The verdict.
    pub verdict: Verdict,
    /// The largest `max(D+, D−)` over the directions.
    pub best_gain: f64,
}

impl ProbeRecord {
    /// The record of a finished probe whose pairs were collected.
    pub fn new(label: String, acc: &Accumulator<f64>, pairs: Vec<(f64, f64)>) -> Self {
        let v = acc.verdict();
        let best_gain = pairs
            .iter()
            .map(|(p, m)| p.max(*m))
            .fold(f64::NEG_INFINITY, f64::max);
        Self {
            label,
            alpha: acc.alpha(),
            base: acc.base(),
            pairs,
            cases: *acc.cases(),
            verdict: Verdict {
                kind: format!("{:?}", v.kind),
                support: v.support,
                directions: v.directions,
                interval: v.interval(),
            },
            best_gain,
        }
    }

    /// Directions improving on at least one side beyond the floor.
    pub fn improving(&self) -> u64 {
        self.cases.improving()
    }
}

/// `f` over `items` on `threads` scoped threads, results in the items'
/// order (so they never depend on the thread count).
pub fn parallel_map<I: Sync, R: Send>(
    items: &[I],
    threads: usize,
    f: impl Fn(&I) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let done = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                }
            });
        }
    });
    for (i, r) in done.into_inner().unwrap_or_else(|e| e.into_inner()) {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}
