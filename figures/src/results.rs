//! The experiments' settings and results, and their files: what a run
//! writes and what the figures and the report read.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::gridworld::{self, Landscape, Sweep};
use crate::toy::{self, Toy};
use crate::{Error, continuous};

/// How big a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// The default: the paper's §3.1 scale (100 inits × 1500 updates per
    /// cell), a few minutes on 2 cores.
    Standard,
    /// Seconds: for tests and a first look (numbers too rough to judge the
    /// claims by).
    Tiny,
}

impl Scale {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Tiny => "tiny",
        }
    }

    /// The command that runs it.
    pub fn command(self) -> String {
        match self {
            Self::Standard => "cargo run --release -p policy-landscape-figures".into(),
            Self::Tiny => "cargo run --release -p policy-landscape-figures -- --scale tiny".into(),
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "standard" => Some(Self::Standard),
            "tiny" => Some(Self::Tiny),
            _ => None,
        }
    }
}

/// Every experiment's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The scale they came from.
    pub scale: Scale,
    /// §2.1 toy probes.
    pub toy: toy::Settings,
    /// §3.1 gridworld.
    pub gridworld: gridworld::Settings,
    /// §3.2 on the library's continuous-control environments (one run each).
    pub continuous: Vec<continuous::Settings>,
}

impl Settings {
    /// The settings of a scale, on `threads` threads.
    pub fn new(scale: Scale, threads: usize) -> Self {
        let (toy, mut gridworld, continuous) = match scale {
            Scale::Standard => (
                toy::Settings::standard(),
                gridworld::Settings::standard(),
                continuous::Settings::quick(),
            ),
            Scale::Tiny => (
                toy::Settings::tiny(),
                gridworld::Settings::tiny(),
                continuous::Settings::tiny(),
            ),
        };
        gridworld.threads = threads.max(1);
        // Pendulum-v1, then MountainCarContinuous-v0 with the same settings.
        let continuous = vec![
            continuous.clone(),
            continuous::Settings {
                env: continuous::Env::MountainCar,
                ..continuous
            },
        ];
        Self {
            scale,
            toy,
            gridworld,
            continuous,
        }
    }
}

/// Every experiment's results.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    /// The settings.
    pub settings: Settings,
    /// §2.1.
    pub toy: Toy,
    /// §3.1 sweep.
    pub sweep: Sweep,
    /// §3.1 landscape.
    pub landscape: Landscape,
    /// §3.2, one per environment of `settings.continuous`.
    pub continuous: Vec<continuous::Results>,
}

/// The results folder under the output root.
pub const RESULTS: &str = "results";

/// The report's file name under the output root.
pub const REPORT: &str = "REPRODUCTION.md";

const FILES: [&str; 4] = [
    "settings.json",
    "toy.json",
    "gridworld-sweep.json",
    "gridworld-landscape.json",
];

/// The results file of a continuous-control run.
fn continuous_file(s: &continuous::Settings) -> String {
    format!("continuous-{}.json", continuous::env_name(s.env))
}

fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<(), Error> {
    let path = dir.join(name);
    let text = serde_json::to_string(value).map_err(|e| Error::Json(path.clone(), e))?;
    std::fs::write(&path, text + "\n").map_err(|e| Error::Io(path, e))
}

fn read_json<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<T, Error> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Io(path.clone(), e))?;
    serde_json::from_str(&text).map_err(|e| Error::Json(path, e))
}

impl Results {
    /// Writes every results file under `root/results/`.
    ///
    /// # Errors
    ///
    /// A file that cannot be written.
    pub fn write(&self, root: &Path) -> Result<(), Error> {
        let dir = root.join(RESULTS);
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io(dir.clone(), e))?;
        write_json(&dir, FILES[0], &self.settings)?;
        write_json(&dir, FILES[1], &self.toy)?;
        write_json(&dir, FILES[2], &self.sweep)?;
        write_json(&dir, FILES[3], &self.landscape)?;
        for r in &self.continuous {
            write_json(&dir, &continuous_file(&r.settings), r)?;
        }
        Ok(())
    }

    /// Reads what [`Results::write`] wrote.
    ///
    /// # Errors
    ///
    /// A missing or malformed file (the error names it).
    pub fn read(root: &Path) -> Result<Self, Error> {
        let dir = root.join(RESULTS);
        let settings: Settings = read_json(&dir, FILES[0])?;
        let continuous = settings
            .continuous
            .iter()
            .map(|s| read_json(&dir, &continuous_file(s)))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            toy: read_json(&dir, FILES[1])?,
            sweep: read_json(&dir, FILES[2])?,
            landscape: read_json(&dir, FILES[3])?,
            continuous,
            settings,
        })
    }
}
