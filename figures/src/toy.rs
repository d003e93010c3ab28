//! The paper's toy examples (§2.1.2, Fig. 1, 2, S1, S2) as data: probes of
//! `O(θ) = −(1 − θ₀θ₁)²` at its apparent local optimum `(−0.5, −2)` and its
//! saddle `(0, 0)`, and of simple two-dimensional functions (an anisotropic
//! minimum, maximum and saddle, a linear and a flat function) at the origin, each
//! with its exact Hessian eigenvalues and the verdict the paper expects.

use policy_landscape::probe::{Thresholds, from_fn};
use serde::{Deserialize, Serialize};

use crate::{Error, ProbeRecord, gridworld::probe_record};

/// The settings of the toy probes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Random directions per point.
    pub directions: u64,
    /// Probe step α.
    pub alpha: f64,
    /// Seed of the directions.
    pub seed: u64,
}

impl Settings {
    /// 1000 directions, α = 0.5, seed 2019 (the `saddle` example's).
    pub fn standard() -> Self {
        Self {
            directions: 1000,
            alpha: 0.5,
            seed: 2019,
        }
    }

    /// 60 directions: for tests.
    pub fn tiny() -> Self {
        Self {
            directions: 60,
            ..Self::standard()
        }
    }
}

/// One probed point of a toy function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// A short name for file names (`"optimum"`, `"saddle"`, `"quadratic-min"`, ...).
    pub name: String,
    /// The function, in words.
    pub function: String,
    /// The probed point.
    pub theta0: [f64; 2],
    /// The exact Hessian's eigenvalues there, ascending.
    pub eigenvalues: [f64; 2],
    /// The verdict the paper's reading expects (the core's `VerdictKind` name).
    pub expected: String,
    /// The probe.
    pub probe: ProbeRecord,
}

/// All toy probes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Toy {
    /// The settings used.
    pub settings: Settings,
    /// Fig. 1 and 2 (the first two) and S1/S2 (the quadratics).
    pub points: Vec<Point>,
}

/// A toy function and what the paper expects of its probe.
struct Case {
    name: &'static str,
    function: &'static str,
    f: fn(&[f64]) -> f64,
    theta0: [f64; 2],
    eigenvalues: [f64; 2],
    expected: &'static str,
}

/// Builds a [`Case`].
const fn case(
    name: &'static str,
    function: &'static str,
    f: fn(&[f64]) -> f64,
    theta0: [f64; 2],
    eigenvalues: [f64; 2],
    expected: &'static str,
) -> Case {
    Case {
        name,
        function,
        f,
        theta0,
        eigenvalues,
        expected,
    }
}

/// The functions: name, description, `O`, `θ0`, Hessian eigenvalues,
/// expected verdict.
fn functions() -> [Case; 7] {
    [
        case(
            "optimum",
            "−(1 − θ₀θ₁)² at (−0.5, −2): on the manifold of maxima θ₀θ₁ = 1",
            |t| -(1.0 - t[0] * t[1]).powi(2),
            [-0.5, -2.0],
            // H = [[−2θ₁², 2 − 4θ₀θ₁], [2 − 4θ₀θ₁, −2θ₀²]] = [[−8, −2], [−2, −0.5]]:
            // trace −8.5, determinant 0.
            [-8.5, 0.0],
            "LocalMaximum",
        ),
        case(
            "saddle",
            "−(1 − θ₀θ₁)² at (0, 0): a saddle",
            |t| -(1.0 - t[0] * t[1]).powi(2),
            [0.0, 0.0],
            // H = [[0, 2], [2, 0]]: eigenvalues ±2.
            [-2.0, 2.0],
            "Saddle",
        ),
        case(
            "quadratic-min",
            "θ₀² + 3θ₁²: a minimum",
            |t| t[0] * t[0] + 3.0 * t[1] * t[1],
            [0.0, 0.0],
            [2.0, 6.0],
            "LocalMinimum",
        ),
        case(
            "quadratic-max",
            "−θ₀² − 3θ₁²: a maximum",
            |t| -(t[0] * t[0] + 3.0 * t[1] * t[1]),
            [0.0, 0.0],
            [-6.0, -2.0],
            "LocalMaximum",
        ),
        case(
            "quadratic-saddle",
            "θ₀² − 3θ₁²: a saddle",
            |t| t[0] * t[0] - 3.0 * t[1] * t[1],
            [0.0, 0.0],
            [-6.0, 2.0],
            "Saddle",
        ),
        case(
            "linear",
            "θ₀ + 2θ₁: linear",
            |t| t[0] + 2.0 * t[1],
            [0.0, 0.0],
            [0.0, 0.0],
            "Linear",
        ),
        case("flat", "0: flat", |_| 0.0, [0.0, 0.0], [0.0, 0.0], "Flat"),
    ]
}

/// Probes every toy point.
///
/// # Errors
///
/// Settings the library refuses (e.g. α ≤ 0).
pub fn run(s: &Settings) -> Result<Toy, Error> {
    let mut points = Vec::new();
    for Case {
        name,
        function,
        f,
        theta0,
        eigenvalues,
        expected,
    } in functions()
    {
        let mut o = from_fn(move |t: &[f64]| Ok(f(t)));
        let probe = probe_record(
            &mut o,
            &theta0,
            s.alpha,
            Thresholds::default(),
            s.seed,
            s.directions,
            function.into(),
        )?;
        points.push(Point {
            name: name.into(),
            function: function.into(),
            theta0,
            eigenvalues,
            expected: expected.into(),
            probe,
        });
    }
    Ok(Toy {
        settings: s.clone(),
        points,
    })
}
