//! The figures: one list ([`figures`]) says which image shows what, drawn
//! from the results alone, and [`draw_all`] writes them.

use std::path::Path;

use crate::continuous;
use crate::gridworld::{Landscape, Slice, Spectrum, Sweep};
use crate::plot::{
    self, Contour, GridReward, HistSeries, Histogram, LegendPos, LineSeries, Lines, Marker, Panel,
    PointMark, RefBand, RefLine, Rgb, Scatter, ScatterSeries,
};
use crate::results::Results;
use crate::toy::{Point, Toy};
use crate::{Error, ProbeRecord};
use serde::{Deserialize, Serialize};

/// Where the figures go, relative to the output root (the report links
/// them relative to itself, which sits in the root).
pub const DIR: &str = "docs/figures";

/// The figures' file names, shared by the drawing and the report.
#[derive(Clone, Copy, Debug, Default)]
pub struct Names;

impl Names {
    fn file(name: &str) -> String {
        format!("{DIR}/{name}.png")
    }
    /// Fig. 1 of a toy point: its pairs.
    pub fn pairs(&self, toy_point: &str) -> String {
        match toy_point {
            "optimum" | "saddle" => Self::file("fig1-2-toy"),
            _ => Self::file("figS1-S2-quadratics"),
        }
    }
    /// Fig. 2 of a toy point: its projections.
    pub fn projections(&self, toy_point: &str) -> String {
        self.pairs(toy_point)
    }
    /// Fig. S5: the sweep's heat map.
    pub fn sweep(&self) -> String {
        Self::file("figS5-sweep")
    }
    /// Fig. S5: learning curves.
    pub fn curves(&self) -> String {
        Self::file("figS5-curves")
    }
    /// Fig. 3.
    pub fn fig3(&self) -> String {
        Self::file("fig3-gridworld")
    }
    /// Fig. 4a.
    pub fn fig4a(&self) -> String {
        Self::file("fig4a-probes")
    }
    /// Fig. 4b.
    pub fn fig4b(&self) -> String {
        Self::file("fig4b-interpolation")
    }
    /// The eigenvalue spectra beside the probes' curvatures.
    pub fn spectrum(&self, _at: &str, _tau: f64) -> String {
        Self::file("spectra")
    }
    /// The 2D slices at one place.
    pub fn slices(&self, at: &str) -> String {
        Self::file(&format!("slices-{at}"))
    }
    /// A continuous-control figure (`"fig5"`, `"fig6"`, `"fig7a"`, `"fig7b"`).
    pub fn continuous(&self, figure: &str, env: &str) -> String {
        Self::file(&format!("{figure}-{env}"))
    }
}

/// What one image holds.
#[derive(Clone, Debug)]
pub enum What {
    /// Panels, `cols` per row, in a `width × height` image.
    Panels {
        /// Image width in pixels.
        width: u32,
        /// Image height in pixels.
        height: u32,
        /// Panels per row.
        cols: usize,
        /// The panels.
        panels: Vec<Panel>,
    },
    /// Gridworlds side by side.
    Worlds(Vec<plot::Gridworld>),
}

/// One image.
#[derive(Clone, Debug)]
pub struct Figure {
    /// Its path relative to the output root.
    pub file: String,
    /// What it shows, against the paper's figure.
    pub caption: String,
    /// Its content.
    pub what: What,
    /// Its intended size in pixels.
    pub size: (u32, u32),
}

fn panels(
    file: String,
    caption: String,
    cols: usize,
    panel: (u32, u32),
    list: Vec<Panel>,
) -> Figure {
    let rows = list.len().div_ceil(cols.max(1)) as u32;
    let size = (
        panel.0 * cols.min(list.len()).max(1) as u32,
        panel.1 * rows.max(1),
    );
    Figure {
        file,
        caption,
        what: What::Panels {
            width: size.0,
            height: size.1,
            cols,
            panels: list,
        },
        size,
    }
}

const SQRT2: f64 = std::f64::consts::SQRT_2;

/// Black for the true objective, then the palette.
const BLACK: Rgb = Rgb(0, 0, 0);

fn verdict_line(p: &ProbeRecord) -> String {
    let v = &p.verdict;
    match v.interval {
        Some((lo, hi)) => format!(
            "verdict {}: {} of {} directions, 95 % interval [{:.2}, {:.2}]",
            v.kind, v.support, v.directions, lo, hi
        ),
        None => format!("verdict {} (no directions)", v.kind),
    }
}

/// Fig. 1: `(D−, D+)` of every direction.
fn pairs_panel(p: &Point) -> Panel {
    Panel::Scatter(Scatter {
        title: format!("Fig. 1: {}", p.function),
        x_label: "Δ− = O(θ0 − αd) − O(θ0)".into(),
        y_label: "Δ+ = O(θ0 + αd) − O(θ0)".into(),
        series: vec![ScatterSeries {
            label: format!("{} directions", p.probe.pairs.len()),
            points: p
                .probe
                .pairs
                .iter()
                .map(|&(plus, minus)| (minus, plus))
                .collect(),
            marker_size: Some(4),
            ..ScatterSeries::default()
        }],
        ref_lines: vec![RefLine::horizontal(0.0, ""), RefLine::vertical(0.0, "")],
        caption: verdict_line(&p.probe),
        symmetric: true,
        equal_aspect: true,
        legend: LegendPos::Auto,
        ..Scatter::default()
    })
}

/// Fig. 2: the authors' projections `(Δ+ − Δ−)/√2`, `(Δ+ + Δ−)/√2`.
fn projection_panel(p: &Point) -> Panel {
    Panel::Scatter(Scatter {
        title: format!("Fig. 2: {}", p.function),
        x_label: "gradient projection (Δ+ − Δ−)/√2".into(),
        y_label: "curvature projection (Δ+ + Δ−)/√2".into(),
        series: vec![ScatterSeries {
            label: format!("α = {}", p.probe.alpha),
            points: projections(&p.probe),
            marker_size: Some(4),
            color: Some(plot::palette(1)),
            ..ScatterSeries::default()
        }],
        ref_lines: vec![RefLine::horizontal(0.0, ""), RefLine::vertical(0.0, "")],
        caption: format!(
            "exact Hessian eigenvalues {:?}; {}",
            p.eigenvalues,
            verdict_line(&p.probe)
        ),
        symmetric: true,
        ..Scatter::default()
    })
}

fn projections(p: &ProbeRecord) -> Vec<(f64, f64)> {
    p.pairs
        .iter()
        .map(|&(plus, minus)| ((plus - minus) / SQRT2, (plus + minus) / SQRT2))
        .collect()
}

fn toy_figures(toy: &Toy, names: &Names) -> Vec<Figure> {
    let main: Vec<&Point> = toy
        .points
        .iter()
        .filter(|p| p.name == "optimum" || p.name == "saddle")
        .collect();
    let quad: Vec<&Point> = toy
        .points
        .iter()
        .filter(|p| p.name != "optimum" && p.name != "saddle")
        .collect();
    let mut out = Vec::new();
    if !main.is_empty() {
        let mut list: Vec<Panel> = main.iter().map(|p| pairs_panel(p)).collect();
        list.extend(main.iter().map(|p| projection_panel(p)));
        out.push(panels(
            names.pairs("optimum"),
            format!(
                "Fig. 1 (top) and Fig. 2 (bottom): −(1 − θ₀θ₁)² probed in {} random directions (α = {}) at the apparent local optimum (−0.5, −2) (left) and the saddle (0, 0) (right). \
                 Paper: at the optimum all pairs negative or ≈ 0 (a manifold of maxima), at the saddle pairs of both signs. Projections in the authors' axes (/√2, not divided by α).",
                toy.settings.directions, toy.settings.alpha
            ),
            main.len(),
            (800, 620),
            list,
        ));
    }
    if !quad.is_empty() {
        let mut list: Vec<Panel> = quad.iter().map(|p| pairs_panel(p)).collect();
        list.extend(quad.iter().map(|p| projection_panel(p)));
        for panel in &mut list {
            if let Panel::Scatter(s) = panel {
                s.title = s
                    .title
                    .replace("Fig. 1", "Fig. S1")
                    .replace("Fig. 2", "Fig. S2");
            }
        }
        out.push(panels(
            names.pairs("quadratic-min"),
            "Fig. S1 (top: the pairs) and S2 (bottom: the projections) on simple functions at the origin: an anisotropic minimum, maximum and saddle (Hessian eigenvalues of ratio 3, so the pairs spread), a linear and a flat function.".into(),
            quad.len(),
            (640, 560),
            list,
        ));
    }
    out
}

fn gridworld_panel(title: &str, policy: &[[f64; 4]], caption: String) -> plot::Gridworld {
    plot::Gridworld {
        title: title.into(),
        n: 5,
        start: Some((0, 0)),
        rewards: vec![
            GridReward {
                row: 0,
                col: 4,
                reward: 5.0,
            },
            GridReward {
                row: 4,
                col: 0,
                reward: 4.5,
            },
        ],
        policy: policy.iter().map(|p| Some(*p)).collect(),
        caption,
        ..plot::Gridworld::default()
    }
}

fn sweep_figures(sweep: &Sweep, s: &crate::gridworld::Settings, names: &Names) -> Vec<Figure> {
    let mut out = Vec::new();
    let taus: Vec<f64> = dedup(sweep.cells.iter().skip(1).map(|c| c.tau0));
    let decays: Vec<f64> = dedup(sweep.cells.iter().skip(1).map(|c| c.decay));
    let cell = |tau: f64, decay: f64| {
        sweep
            .cells
            .iter()
            .skip(1)
            .find(|c| c.tau0 == tau && c.decay == decay)
    };
    let values = taus
        .iter()
        .map(|&t| {
            decays
                .iter()
                .map(|&d| cell(t, d).map(|c| 100.0 * c.fraction))
                .collect()
        })
        .collect();
    let text = taus
        .iter()
        .map(|&t| {
            decays
                .iter()
                .map(|&d| {
                    cell(t, d).map_or(String::new(), |c| {
                        format!(
                            "{:.0} %\n[{:.0}, {:.0}]",
                            100.0 * c.fraction,
                            100.0 * c.interval.0,
                            100.0 * c.interval.1
                        )
                    })
                })
                .collect()
        })
        .collect();
    let none = sweep.cells.first();
    let title = none.map_or(String::new(), |c| {
        format!(
            "Fig. S5: sub-optimal runs (τ = 0: {:.0} % [{:.0}, {:.0}])",
            100.0 * c.fraction,
            100.0 * c.interval.0,
            100.0 * c.interval.1
        )
    });
    out.push(panels(
        names.sweep(),
        format!(
            "Fig. S5: the fraction of {} random inits that end at the sub-optimal corner after {} exact updates (step {}) with entropy weight τ0 decayed by the factor per update, with 95 % Wilson intervals; the title gives τ = 0. Paper: about 25 % without entropy, 0 % with a decayed entropy bonus.",
            s.seeds, s.updates, s.step
        ),
        1,
        (900, 640),
        vec![Panel::Heatmap(plot::Heatmap {
            title,
            row_label: "initial entropy weight τ0".into(),
            col_label: "decay of τ per update".into(),
            row_ticks: taus.iter().map(|t| format!("{t}")).collect(),
            col_ticks: decays.iter().map(|d| format!("{d}")).collect(),
            values,
            text,
            range: Some((0.0, 100.0)),
            colormap: plot::Colormap::ViridisReversed,
            colorbar_label: "sub-optimal runs (%)".into(),
            ..plot::Heatmap::default()
        })],
    ));
    // Learning curves: one panel per setting kept.
    let mut settings: Vec<(f64, f64)> = Vec::new();
    for c in &sweep.curves {
        if !settings.contains(&(c.tau0, c.decay)) {
            settings.push((c.tau0, c.decay));
        }
    }
    let list: Vec<Panel> = settings
        .iter()
        .map(|&(tau, decay)| {
            let series = sweep
                .curves
                .iter()
                .filter(|c| c.tau0 == tau && c.decay == decay)
                .map(|c| LineSeries {
                    label: String::new(),
                    points: c.points.iter().map(|&(u, j)| (u as f64, j)).collect(),
                    color: Some(if c.sub_optimal {
                        plot::palette(1)
                    } else {
                        plot::palette(0)
                    }),
                    ..LineSeries::default()
                })
                .collect();
            Panel::Lines(Lines {
                title: if tau == 0.0 {
                    "τ = 0".into()
                } else {
                    format!("τ0 = {tau}, decay {decay}")
                },
                x_label: "update".into(),
                y_label: "true objective J".into(),
                series,
                ref_lines: vec![
                    RefLine::horizontal(sweep.optimum, "optimal corner"),
                    RefLine::horizontal(sweep.threshold, "sub-optimal corner"),
                ],
                legend: LegendPos::LowerRight,
                ..Lines::default()
            })
        })
        .collect();
    if !list.is_empty() {
        out.push(panels(
            names.curves(),
            format!(
                "Learning curves of the true objective J for init seeds 0–{} (blue: ends optimal, vermillion: ends sub-optimal), without entropy and for each τ0 at the middle decay; the dashed lines are the deterministic policies' returns at the two corners.",
                s.curve_seeds.saturating_sub(1)
            ),
            3,
            (700, 480),
            list,
        ));
    }
    out
}

fn dedup(xs: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for x in xs {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

fn landscape_figures(
    land: &Landscape,
    s: &crate::gridworld::Settings,
    names: &Names,
) -> Vec<Figure> {
    let mut out = vec![Figure {
        file: names.fig3(),
        caption: format!(
            "Fig. 3: the 5 × 5 gridworld (start S, rewards 5 and 4.5 at the corners) with the learned policies: θ_sub (init seed {}, J = {:.4}) walks to the 4.5 corner, θ_opt (init seed {}, J = {:.4}) to the 5 corner (τ = 0, {} updates of step {}).",
            land.sub.seed, land.sub.j_true, land.opt.seed, land.opt.j_true, s.updates, s.step
        ),
        what: What::Worlds(vec![
            gridworld_panel(
                "θ_sub",
                &land.sub.policy,
                format!(
                    "J = {:.4} (sub-optimal corner: {:.4})",
                    land.sub.j_true, land.threshold
                ),
            ),
            gridworld_panel(
                "θ_opt",
                &land.opt.policy,
                format!("J = {:.4}", land.opt.j_true),
            ),
        ]),
        size: (1200, 640),
    }];
    // Fig. 4a.
    let markers = [
        Marker::Circle,
        Marker::Triangle,
        Marker::Star,
        Marker::Square,
    ];
    let series = land
        .probes
        .iter()
        .enumerate()
        .map(|(i, p)| ScatterSeries {
            label: format!(
                "{}: {} of {} improve",
                p.label,
                p.improving(),
                p.cases.total
            ),
            points: projections(p),
            marker: markers[i % markers.len()],
            color: Some(if i == 0 { BLACK } else { plot::palette(i - 1) }),
            marker_size: Some(4),
        })
        .collect();
    let caption = land
        .probes
        .iter()
        .map(|p| format!("{}: {}", p.label, verdict_line(p)))
        .collect::<Vec<_>>()
        .join("\n");
    out.push(panels(
        names.fig4a(),
        format!(
            "Fig. 4a: {} random directions at θ_sub (α = {}), the change in the objective projected in the authors' axes. Paper: without entropy no direction improves (black); with entropy or a stochastic policy many do. A change counts only beyond 10⁻³ |J|.",
            s.directions, s.alpha
        ),
        1,
        (1000, 820),
        vec![Panel::Scatter(Scatter {
            title: "Fig. 4a: perturbations at θ_sub".into(),
            x_label: "gradient projection (Δ+ − Δ−)/√2".into(),
            y_label: "curvature projection (Δ+ + Δ−)/√2".into(),
            series,
            ref_lines: vec![RefLine::horizontal(0.0, ""), RefLine::vertical(0.0, "")],
            caption,
            legend: LegendPos::LowerLeft,
            ..Scatter::default()
        })],
    ));
    // Fig. 4b: one panel per mix.
    let mixes = dedup(land.interpolations.iter().map(|i| i.mix));
    let list = mixes
        .iter()
        .map(|&mix| {
            let series = land
                .interpolations
                .iter()
                .filter(|i| i.mix == mix)
                .enumerate()
                .map(|(k, i)| LineSeries {
                    label: format!(
                        "τ = {}{}",
                        i.tau,
                        if i.monotone { " (monotone)" } else { "" }
                    ),
                    points: i.points.iter().map(|&(a, j, _)| (a, j)).collect(),
                    marker: Some(if i.tau == 0.0 {
                        Marker::Circle
                    } else {
                        Marker::Star
                    }),
                    color: Some(if i.tau == 0.0 {
                        BLACK
                    } else {
                        plot::palette(k)
                    }),
                    ..LineSeries::default()
                })
                .collect();
            Panel::Lines(Lines {
                title: if mix == 0.0 {
                    "the learned policy (mix = 0)".into()
                } else {
                    format!("stochastic policy (mix = {mix})")
                },
                x_label: "a in (1 − a) θ_sub + a θ_opt".into(),
                y_label: "J_τ".into(),
                series,
                legend: LegendPos::Auto,
                ..Lines::default()
            })
        })
        .collect();
    out.push(panels(
        names.fig4b(),
        "Fig. 4b: the objective along the line from θ_sub (a = 0) to θ_opt (a = 1), without and with entropy (τ), for the learned policy (left) and a stochastic version of it (right). Paper: a valley in the true objective (black circles); the regularised objective of the stochastic policy connects the optima (orange stars).".into(),
        mixes.len().max(1),
        (800, 600),
        list,
    ));
    // §2.1.2: spectra.
    let list: Vec<Panel> = land.spectra.iter().map(spectrum_panel).collect();
    if !list.is_empty() {
        out.push(panels(
            names.spectrum("", 0.0),
            format!(
                "§2.1.2: the curvatures dᵀHd = (Δ+ + Δ−)/α² of {} random directions (α = {}, bars) against the exact Hessian's eigenvalues (ticks and the dashed extremes), at θ_sub and θ_opt, without entropy and with the largest τ. Paper: the extreme probe curvatures are close to the extreme eigenvalues.",
                s.directions, s.curvature_alpha
            ),
            2,
            (800, 560),
            list,
        ));
    }
    // Slices: one image per place, one panel per τ.
    for at in ["sub", "opt", "between"] {
        let list: Vec<Panel> = land
            .slices
            .iter()
            .filter(|sl| sl.at == at)
            .map(slice_panel)
            .collect();
        if list.is_empty() {
            continue;
        }
        let how = land
            .slices
            .iter()
            .find(|sl| sl.at == at)
            .map_or(String::new(), |sl| sl.directions.clone());
        out.push(panels(
            names.slices(at),
            format!(
                "2D slices of J_τ {} for τ ∈ {{{}}} ({how}; {} × {} points).",
                match at {
                    "sub" => "around θ_sub",
                    "opt" => "around θ_opt",
                    _ => "through θ_sub and θ_opt",
                },
                s.slice_taus
                    .iter()
                    .map(|t| format!("{t}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                s.grid,
                s.grid
            ),
            list.len(),
            (700, 620),
            list,
        ));
    }
    out
}

fn spectrum_panel(sp: &Spectrum) -> Panel {
    let lmin = sp.eigenvalues.first().copied().unwrap_or(0.0);
    let lmax = sp.eigenvalues.last().copied().unwrap_or(0.0);
    let cmin = sp.curvatures.iter().copied().fold(f64::INFINITY, f64::min);
    let cmax = sp
        .curvatures
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Panel::Histogram(Histogram {
        title: format!("θ_{}, τ = {}", sp.at, sp.tau),
        x_label: "curvature".into(),
        y_label: "directions".into(),
        series: vec![HistSeries {
            label: format!("probes' d·H·d in [{cmin:.2e}, {cmax:.2e}]"),
            values: sp.curvatures.clone(),
            ..HistSeries::default()
        }],
        bins: 60,
        range: Some((lmin.min(cmin), lmax.max(cmax))),
        rugs: vec![plot::Rug {
            label: format!("Hessian eigenvalues in [{lmin:.2e}, {lmax:.2e}]"),
            values: sp.eigenvalues.clone(),
            color: None,
        }],
        ref_lines: vec![
            RefLine::vertical(lmin, "λ_min"),
            RefLine::vertical(lmax, "λ_max"),
        ],
        log_y: true,
        legend: LegendPos::UpperLeft,
        ..Histogram::default()
    })
}

fn slice_panel(sl: &Slice) -> Panel {
    Panel::Contour(Contour {
        title: format!("τ = {}", sl.tau),
        x_label: if sl.at == "between" {
            "x (θ_opt − θ_sub)".into()
        } else {
            "x (random direction)".into()
        },
        y_label: "y (random direction)".into(),
        x: sl.x.clone(),
        y: sl.y.clone(),
        z: sl.z.clone(),
        n_levels: 14,
        colorbar_label: "J_τ".into(),
        marks: sl
            .marks
            .iter()
            .map(|(x, y, label)| PointMark {
                label: label.clone(),
                x: *x,
                y: *y,
                marker: Marker::Circle,
            })
            .collect(),
        ..Contour::default()
    })
}

/// The data of the paper's Fig. 5, 6 and 7 for one environment, whichever
/// experiment produced it: the library's own environments
/// ([`continuous::Results`]) or the MuJoCo tasks (the `mujoco` crate
/// converts its log into this). [`section32_figures`] draws it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Section32 {
    /// The environment's name (file names and titles).
    pub env: String,
    /// Fig. 5: per σ, at its chosen rate, the mean deterministic return
    /// over seeds: `(update, mean, standard deviation)`.
    pub learning: Vec<LearningCurve>,
    /// Fig. 6: which run the curvature follows, in words.
    pub curvature_run: String,
    /// Fig. 6: per probed σ.
    pub curvature: Vec<CurvatureCurve>,
    /// Fig. 7: the low-σ solution, in words.
    pub solution: String,
    /// Fig. 7a: per probed σ.
    pub probes: Vec<SolutionProbe>,
    /// Fig. 7b: per probed σ.
    pub interpolation: Vec<InterpolationCurve>,
}

/// Fig. 5: one σ's learning curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LearningCurve {
    /// Policy standard deviation.
    pub sigma: f64,
    /// Learning rate.
    pub rate: f64,
    /// Seeds averaged.
    pub seeds: usize,
    /// `(update, mean, standard deviation)` of the deterministic return.
    pub points: Vec<(f64, f64, f64)>,
}

/// Fig. 6: the footnote-5 curvature of one σ's objective along training.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CurvatureCurve {
    /// σ of the probed objective.
    pub sigma: f64,
    /// `(update, curvature)`.
    pub points: Vec<(f64, f64)>,
    /// The standard deviation of successive differences, if known.
    pub fluctuation: Option<f64>,
}

/// Fig. 7a: one σ's probe at the low-σ solution.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SolutionProbe {
    /// σ of the probed objective.
    pub sigma: f64,
    /// `(D+, D−)` of every direction.
    pub pairs: Vec<(f64, f64)>,
    /// The detectability threshold of `D+ + D−` (footnote 6).
    pub band: f64,
    /// Directions with detectably negative curvature.
    pub negative: u64,
    /// Directions probed.
    pub directions: u64,
    /// 95 % Wilson interval of `negative / directions`.
    pub interval: (f64, f64),
    /// The verdict's label.
    pub verdict: String,
}

/// Fig. 7b: one σ's objective along the interpolation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InterpolationCurve {
    /// σ of the evaluated policy.
    pub sigma: f64,
    /// `(a, value, standard error)`.
    pub points: Vec<(f64, f64, f64)>,
    /// Monotone within the noise.
    pub monotone: bool,
}

impl From<&continuous::Results> for Section32 {
    fn from(r: &continuous::Results) -> Self {
        let learning = r
            .best_rates
            .iter()
            .map(|&(sigma, rate)| {
                let runs: Vec<&continuous::Curve> = r
                    .curves
                    .iter()
                    .filter(|c| c.run.sigma == sigma && c.run.rate == rate)
                    .collect();
                let mut points = Vec::new();
                if let Some(first) = runs.first() {
                    for (i, &(u, _)) in first.points.iter().enumerate() {
                        let ys: Vec<f64> = runs
                            .iter()
                            .filter_map(|c| c.points.get(i).map(|p| p.1))
                            .collect();
                        let (mean, sd) = continuous::mean_sd(&ys).unwrap_or((f64::NAN, f64::NAN));
                        points.push((u as f64, mean, sd));
                    }
                }
                LearningCurve {
                    sigma,
                    rate,
                    seeds: runs.len(),
                    points,
                }
            })
            .collect();
        Self {
            env: env_name(r),
            learning,
            curvature_run: format!(
                "σ = {}, rate {}, seed {}",
                r.curvature_run.sigma, r.curvature_run.rate, r.curvature_run.seed
            ),
            curvature: r
                .curvature
                .iter()
                .map(|c| CurvatureCurve {
                    sigma: c.probe_sigma,
                    points: c.points.iter().map(|&(u, v)| (u as f64, v)).collect(),
                    fluctuation: c.fluctuation,
                })
                .collect(),
            solution: format!(
                "σ = {}, seed {}, return {:.1}",
                r.solution.low.sigma, r.solution.low.seed, r.solution.low_return
            ),
            probes: r
                .probes
                .iter()
                .map(|p| SolutionProbe {
                    sigma: p.probe_sigma,
                    pairs: p.pairs.iter().map(|q| (q.d_plus, q.d_minus)).collect(),
                    band: p.band,
                    negative: p.negative,
                    directions: p.directions,
                    interval: p.interval,
                    verdict: p.verdict.clone(),
                })
                .collect(),
            interpolation: r
                .interpolation
                .iter()
                .map(|i| InterpolationCurve {
                    sigma: i.probe_sigma,
                    points: i.points.clone(),
                    monotone: i.monotone,
                })
                .collect(),
        }
    }
}

/// The paper's Fig. 5, 6, 7a and 7b for one environment.
pub fn section32_figures(r: &Section32) -> Vec<Figure> {
    let names = Names;
    let env = &r.env;
    let mut out = Vec::new();
    // Fig. 5: mean over seeds at each σ's rate, ± half a standard deviation.
    let series: Vec<LineSeries> = r
        .learning
        .iter()
        .enumerate()
        .map(|(k, c)| LineSeries {
            label: format!("σ = {}, rate {} ({} seeds)", c.sigma, c.rate, c.seeds),
            points: c.points.iter().map(|&(u, m, _)| (u, m)).collect(),
            band: c
                .points
                .iter()
                .map(|&(u, m, sd)| (u, m - 0.5 * sd, m + 0.5 * sd))
                .collect(),
            color: Some(plot::palette(k)),
            ..LineSeries::default()
        })
        .collect();
    out.push(panels(
        names.continuous("fig5", env),
        format!(
            "Fig. 5 on {env}: the deterministic policy's return along REINFORCE training for each σ at its best constant learning rate, mean over seeds ± half a standard deviation. Paper (Hopper, Walker2d): high σ learns faster and ends higher; HalfCheetah: little difference."
        ),
        1,
        (900, 600),
        vec![Panel::Lines(Lines {
            title: format!("Fig. 5: learning curves ({env})"),
            x_label: "update".into(),
            y_label: "return of the mean action (σ = 0)".into(),
            series,
            legend: LegendPos::LowerRight,
            ..Lines::default()
        })],
    ));
    // Fig. 6.
    let series: Vec<LineSeries> = r
        .curvature
        .iter()
        .enumerate()
        .map(|(k, c)| LineSeries {
            label: format!(
                "σ = {}{}",
                c.sigma,
                c.fluctuation
                    .map_or(String::new(), |f| format!(" (fluctuation {f:.2e})"))
            ),
            points: c.points.clone(),
            marker: Some(Marker::Circle),
            color: Some(plot::palette(k)),
            ..LineSeries::default()
        })
        .collect();
    out.push(panels(
        names.continuous("fig6", env),
        format!(
            "Fig. 6 on {env}: along the training run {}, the curvature of the improving direction nearest the 90th percentile (footnote 5) of the objectives with each σ. Paper (Hopper): the curvature fluctuates more for low σ.",
            r.curvature_run
        ),
        1,
        (900, 600),
        vec![Panel::Lines(Lines {
            title: format!("Fig. 6: curvature during training ({env})"),
            x_label: "update".into(),
            y_label: "curvature d·H·d of an improving direction".into(),
            series,
            ref_lines: vec![RefLine::horizontal(0.0, "")],
            legend: LegendPos::Auto,
            ..Lines::default()
        })],
    ));
    // Fig. 7a: one panel per probed σ.
    let list: Vec<Panel> = r
        .probes
        .iter()
        .map(|p| {
            let fraction = p.negative as f64 / p.directions.max(1) as f64;
            Panel::Scatter(Scatter {
                title: format!("σ = {}", p.sigma),
                x_label: "gradient projection (Δ+ − Δ−)/√2".into(),
                y_label: "curvature projection (Δ+ + Δ−)/√2".into(),
                series: vec![ScatterSeries {
                    label: format!(
                        "{} of {} detectably negative ({:.0} % [{:.0}, {:.0}])",
                        p.negative,
                        p.directions,
                        100.0 * fraction,
                        100.0 * p.interval.0,
                        100.0 * p.interval.1
                    ),
                    points: p
                        .pairs
                        .iter()
                        .map(|&(plus, minus)| ((plus - minus) / SQRT2, (plus + minus) / SQRT2))
                        .collect(),
                    marker_size: Some(4),
                    ..ScatterSeries::default()
                }],
                ref_bands: vec![RefBand {
                    orientation: plot::Orientation::Horizontal,
                    lo: -p.band / SQRT2,
                    hi: p.band / SQRT2,
                    label: "sampling noise (2 standard errors)".into(),
                    color: None,
                }],
                ref_lines: vec![RefLine::vertical(0.0, "")],
                caption: format!("verdict {}", p.verdict),
                legend: LegendPos::LowerLeft,
                ..Scatter::default()
            })
        })
        .collect();
    if !list.is_empty() {
        out.push(panels(
            names.continuous("fig7a", env),
            format!(
                "Fig. 7a on {env}: random directions at the poorest low-σ solution ({}) under objectives of each σ; the grey band is the sampling noise of the curvature. Paper (Hopper): for σ = 0, 84 % of directions have detectably negative curvature; for σ = 1 nearly all are within the noise.",
                r.solution
            ),
            2,
            (800, 600),
            list,
        ));
    }
    // Fig. 7b.
    let series: Vec<LineSeries> = r
        .interpolation
        .iter()
        .enumerate()
        .map(|(k, i)| LineSeries {
            label: format!(
                "σ = {}{}",
                i.sigma,
                if i.monotone { " (monotone)" } else { "" }
            ),
            points: i.points.iter().map(|&(a, v, _)| (a, v)).collect(),
            band: i
                .points
                .iter()
                .map(|&(a, v, e)| (a, v - e, v + e))
                .collect(),
            marker: Some(Marker::Circle),
            color: Some(plot::palette(k)),
            ..LineSeries::default()
        })
        .collect();
    out.push(panels(
        names.continuous("fig7b", env),
        format!(
            "Fig. 7b on {env}: the objective of each σ along the line from the low-σ solution (a = 0) to the high-σ solution of the same init (a = 1), ± one standard error. Paper (Hopper): a monotonically increasing path exists in the high-σ objective."
        ),
        1,
        (900, 600),
        vec![Panel::Lines(Lines {
            title: format!("Fig. 7b: interpolation ({env})"),
            x_label: "a in (1 − a) θ_low-σ + a θ_high-σ".into(),
            y_label: "expected return".into(),
            series,
            legend: LegendPos::Auto,
            ..Lines::default()
        })],
    ));
    out
}

/// Draws figures under `root` (their `file`s are relative to it).
///
/// # Errors
///
/// A figure that cannot be drawn or written.
pub fn draw_figures(list: &[Figure], root: &Path) -> Result<(), Error> {
    for f in list {
        let path = root.join(&f.file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e))?;
        }
        match &f.what {
            What::Panels {
                width,
                height,
                cols,
                panels,
            } => plot::panels(&path, *width, *height, *cols, panels)?,
            What::Worlds(worlds) => plot::gridworld_panels(&path, worlds)?,
        }
    }
    Ok(())
}

/// The environment's name in file names and titles.
pub fn env_name(r: &continuous::Results) -> String {
    continuous::env_name(r.settings.env).into()
}

/// Every figure of a run, in the report's order.
pub fn figures(r: &Results) -> Vec<Figure> {
    let names = Names;
    let mut out = toy_figures(&r.toy, &names);
    out.extend(landscape_figures(
        &r.landscape,
        &r.settings.gridworld,
        &names,
    ));
    out.extend(sweep_figures(&r.sweep, &r.settings.gridworld, &names));
    for c in &r.continuous {
        out.extend(section32_figures(&Section32::from(c)));
    }
    out
}

/// Draws every figure under `root`; returns them.
///
/// # Errors
///
/// A figure that cannot be drawn or written.
pub fn draw_all(r: &Results, root: &Path) -> Result<Vec<Figure>, Error> {
    let list = figures(r);
    draw_figures(&list, root)?;
    Ok(list)
}
