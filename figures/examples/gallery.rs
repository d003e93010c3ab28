//! One figure of each kind, with synthetic but plausible data.
//!
//! `cargo run -p policy-landscape-figures --example gallery [--release] -- [DIR]`
//! writes PNGs (and two SVGs) into `DIR` (default `target/gallery/`) and
//! prints how long each took.

use std::path::{Path, PathBuf};
use std::time::Instant;

use policy_landscape_figures::plot::{
    self, Colormap, Contour, GridReward, Gridworld, Heatmap, HistSeries, Histogram, LegendPos,
    LineSeries, Lines, Marker, Orientation, Panel, PlotError, PointMark, RefBand, RefLine, Rug,
    Scatter, ScatterSeries,
};

/// A small deterministic generator (SplitMix64) with Box–Muller normals.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn scatter_spec(rng: &mut Rng) -> Scatter {
    // A saddle: random directions d give (∇J·d, dᵀHd) with H = diag(1, −1).
    let mut random = Vec::new();
    let mut along = Vec::new();
    for k in 0..400 {
        let (a, b) = (rng.normal(), rng.normal());
        let n = (a * a + b * b).sqrt();
        let (a, b) = (a / n, b / n);
        let g = 0.05 * a + 0.01 * rng.normal();
        let c = a * a - b * b + 0.05 * rng.normal();
        if k < 360 {
            random.push((g, c))
        } else {
            along.push((g * 4.0, c.abs()))
        }
    }
    Scatter {
        title: "Local optimality test at θ_sub (τ = 0.01)".into(),
        x_label: "gradient projection g·d (per unit step)".into(),
        y_label: "curvature projection d·Hd".into(),
        series: vec![
            ScatterSeries { label: "random directions d".into(), points: random, marker: Marker::Circle, ..Default::default() },
            ScatterSeries { label: "along ±g".into(), points: along, marker: Marker::Star, marker_size: Some(8), ..Default::default() },
        ],
        ref_lines: vec![
            RefLine { orientation: Orientation::Horizontal, at: 0.0, label: String::new(), color: None },
            RefLine { orientation: Orientation::Vertical, at: 0.0, label: String::new(), color: None },
        ],
        ref_bands: vec![RefBand {
            orientation: Orientation::Horizontal,
            lo: -0.15,
            hi: 0.15,
            label: "detectability band |Δ| < 0.15".into(),
            color: None,
        }],
        caption: "verdict: saddle point (negative curvature along 47 % of directions)\n95 % interval of the fraction: [42 %, 52 %]".into(),
        symmetric: true,
        ..Default::default()
    }
}

fn histogram_spec(rng: &mut Rng) -> Histogram {
    let probe: Vec<f64> = (0..5000).map(|_| rng.normal()).collect();
    let eig: Vec<f64> = (0..12)
        .map(|k| -2.4 + 4.6 * (k as f64 / 11.0).powf(1.3))
        .collect();
    Histogram {
        title: "Hessian spectrum vs the probe's curvature (σ = 0.1)".into(),
        x_label: "curvature λ".into(),
        y_label: "density".into(),
        series: vec![
            HistSeries {
                label: "probe curvature d·Hd".into(),
                values: probe,
                ..Default::default()
            },
            HistSeries {
                label: "N(0, 1.5²) reference".into(),
                values: (0..5000).map(|_| 1.5 * rng.normal()).collect(),
                ..Default::default()
            },
        ],
        bins: 40,
        density: true,
        rugs: vec![Rug {
            label: "exact eigenvalues λ₁…λ₁₂".into(),
            values: eig.clone(),
            color: None,
        }],
        ref_lines: vec![
            RefLine::vertical(eig[0], "λ_min"),
            RefLine::vertical(eig[11], "λ_max"),
        ],
        ..Default::default()
    }
}

fn lines_spec(rng: &mut Rng) -> Lines {
    let mut series = Vec::new();
    for (k, (tau, rate, top)) in [(0.0, 0.004, 0.62), (0.1, 0.006, 0.93)]
        .into_iter()
        .enumerate()
    {
        let mut pts = Vec::new();
        let mut band = Vec::new();
        for t in (0..=1000).step_by(10) {
            let x = t as f64;
            let m = top * (1.0 - (-rate * x).exp()) + 0.01 * rng.normal();
            let sd = 0.12 * (1.0 - (-rate * x).exp()) * if k == 0 { 1.4 } else { 0.6 } + 0.01;
            pts.push((x, m));
            band.push((x, m - sd / 2.0, m + sd / 2.0));
        }
        series.push(LineSeries {
            label: format!("τ = {tau}"),
            points: pts,
            band,
            ..Default::default()
        });
    }
    Lines {
        title: "Learning curves (mean ± ½ std over 10 seeds)".into(),
        x_label: "iteration".into(),
        y_label: "return J(θ)".into(),
        series,
        ref_lines: vec![RefLine::horizontal(1.0, "optimal return")],
        legend: LegendPos::LowerRight,
        ..Default::default()
    }
}

fn interpolation_spec() -> Lines {
    let alphas: Vec<f64> = (0..=20).map(|k| -0.5 + 2.0 * k as f64 / 20.0).collect();
    let f = |a: f64, tau: f64| {
        -(1.0 - a).powi(2) * (1.0 + a * a) + tau * (1.0 - (2.0 * a - 1.0).powi(2))
    };
    let series = [(0.0, Marker::Circle), (0.1, Marker::Star)]
        .into_iter()
        .map(|(tau, m)| LineSeries {
            label: format!("τ = {tau}"),
            points: alphas.iter().map(|&a| (a, f(a, tau))).collect(),
            marker: Some(m),
            ..Default::default()
        })
        .collect();
    Lines {
        title: "Interpolation θ(α) = (1 − α)θ_sub + αθ_opt".into(),
        x_label: "α".into(),
        y_label: "J(θ(α))".into(),
        series,
        ..Default::default()
    }
}

fn heatmap_spec() -> Heatmap {
    let tau0 = ["0.01", "0.03", "0.1", "0.3"];
    let decay = ["1", "0.999", "0.995", "0.99", "0.95"];
    let mut values = Vec::new();
    let mut text = Vec::new();
    for (i, _) in tau0.iter().enumerate() {
        let mut vr = Vec::new();
        let mut tr = Vec::new();
        for (j, _) in decay.iter().enumerate() {
            if i == 3 && j == 0 {
                vr.push(None);
                tr.push("not run".to_string());
                continue;
            }
            let v = (0.9 - 0.2 * i as f64 + 0.12 * j as f64).clamp(0.02, 0.98) * 0.6;
            let lo = (v - 0.08).max(0.0);
            let hi = (v + 0.09).min(1.0);
            vr.push(Some(v));
            tr.push(format!(
                "{:.0} %\n[{:.0}, {:.0}]",
                v * 100.0,
                lo * 100.0,
                hi * 100.0
            ));
        }
        values.push(vr);
        text.push(tr);
    }
    Heatmap {
        title: "Sub-optimal runs over τ₀ × decay (20 seeds each)".into(),
        row_label: "initial temperature τ₀".into(),
        col_label: "temperature decay per iteration".into(),
        row_ticks: tau0.iter().map(|s| s.to_string()).collect(),
        col_ticks: decay.iter().map(|s| s.to_string()).collect(),
        values,
        text,
        range: Some((0.0, 1.0)),
        colorbar_label: "fraction sub-optimal".into(),
        colormap: Colormap::ViridisReversed,
        ..Default::default()
    }
}

fn contour_spec(tau: f64) -> Contour {
    let n = 121;
    let g: Vec<f64> = (0..n)
        .map(|k| -3.0 + 6.0 * k as f64 / (n - 1) as f64)
        .collect();
    let z = g
        .iter()
        .map(|&y| {
            g.iter()
                .map(|&x| -(1.0 - x * y).powi(2) - tau * (x * x + y * y))
                .collect()
        })
        .collect();
    Contour {
        title: format!("J on a 2D slice, τ = {tau}"),
        x_label: "θ₁".into(),
        y_label: "θ₂".into(),
        x: g.clone(),
        y: g,
        z,
        n_levels: 12,
        range: Some((-10.0, 0.0)),
        colorbar_label: "J(θ)".into(),
        marks: vec![
            PointMark {
                label: "θ_sub".into(),
                x: 0.0,
                y: 0.0,
                marker: Marker::Circle,
            },
            PointMark {
                label: "θ_opt".into(),
                x: 1.0,
                y: 1.0,
                marker: Marker::Star,
            },
        ],
        ..Default::default()
    }
}

fn gridworld_specs() -> Vec<Gridworld> {
    let n = 5;
    let rewards = vec![
        GridReward {
            row: 0,
            col: 4,
            reward: 1.0,
        },
        GridReward {
            row: 4,
            col: 0,
            reward: 0.1,
        },
        GridReward {
            row: 2,
            col: 2,
            reward: -0.5,
        },
    ];
    let policy = |towards: (usize, usize)| -> Vec<Option<[f64; 4]>> {
        (0..n * n)
            .map(|k| {
                let (r, c) = (k / n, k % n);
                if (r, c) == towards {
                    return None;
                }
                // Softmax of preferences towards the target: LEFT, RIGHT, UP, DOWN.
                let pref = [
                    if c > towards.1 { 2.0 } else { 0.0 },
                    if c < towards.1 { 2.0 } else { 0.0 },
                    if r > towards.0 { 2.0 } else { 0.0 },
                    if r < towards.0 { 2.0 } else { 0.0 },
                ];
                let e: Vec<f64> = pref.iter().map(|p: &f64| p.exp()).collect();
                let s: f64 = e.iter().sum();
                Some([e[0] / s, e[1] / s, e[2] / s, e[3] / s])
            })
            .collect()
    };
    vec![
        Gridworld {
            title: "θ_sub: to the +0.1 corner".into(),
            n,
            start: Some((4, 4)),
            rewards: rewards.clone(),
            policy: policy((4, 0)),
            ..Default::default()
        },
        Gridworld {
            title: "θ_opt: to the +1 corner".into(),
            n,
            start: Some((4, 4)),
            rewards,
            policy: policy((0, 4)),
            ..Default::default()
        },
    ]
}

fn timed(name: &str, f: impl FnOnce() -> Result<(), PlotError>) -> Result<(), PlotError> {
    let t = Instant::now();
    f()?;
    println!("{name:<28} {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/gallery"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    let p = |f: &str| -> PathBuf { Path::new(&dir).join(f) };
    let mut rng = Rng(2019);
    let sc = scatter_spec(&mut rng);
    let hi = histogram_spec(&mut rng);
    let li = lines_spec(&mut rng);
    let it = interpolation_spec();
    let he = heatmap_spec();
    let co = contour_spec(0.01);
    let gw = gridworld_specs();
    timed("scatter.png", || plot::scatter(p("scatter.png"), &sc))?;
    timed("scatter.svg", || plot::scatter(p("scatter.svg"), &sc))?;
    timed("histogram.png", || plot::histogram(p("histogram.png"), &hi))?;
    timed("lines.png", || plot::lines(p("lines.png"), &li))?;
    timed("interpolation.png", || {
        plot::lines(p("interpolation.png"), &it)
    })?;
    timed("heatmap.png", || plot::heatmap(p("heatmap.png"), &he))?;
    timed("contour.png", || plot::contour(p("contour.png"), &co))?;
    timed("contour.svg", || plot::contour(p("contour.svg"), &co))?;
    timed("gridworld.png", || {
        plot::gridworld(p("gridworld.png"), &gw[1])
    })?;
    timed("gridworld_panels.png", || {
        plot::gridworld_panels(p("gridworld_panels.png"), &gw)
    })?;
    let fig4 = [Panel::Scatter(sc.clone()), Panel::Lines(it.clone())];
    timed("panels_fig4.png", || {
        plot::panels(p("panels_fig4.png"), 1800, 650, 2, &fig4)
    })?;
    let taus = [0.0, 0.01, 0.1].map(|t| Panel::Contour(contour_spec(t)));
    timed("panels_contours.png", || {
        plot::panels(p("panels_contours.png"), 2100, 600, 3, &taus)
    })?;
    println!("written to {}", dir.display());
    Ok(())
}
