//! The figure functions: image sizes, non-trivial content, SVG text, bad
//! inputs as errors (never panics), byte-identical re-renders.

use std::path::{Path, PathBuf};

use policy_landscape_figures::plot::{
    self, Contour, GridReward, Gridworld, Heatmap, HistSeries, Histogram, LineSeries, Lines,
    Marker, Panel, PlotErrorKind, PointMark, RefLine, Rug, Scatter, ScatterSeries,
};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "policy-landscape-figures-tests-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Width and height from the IHDR chunk (bytes 16..24).
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&b[12..16], b"IHDR");
    (
        u32::from_be_bytes(b[16..20].try_into().unwrap()),
        u32::from_be_bytes(b[20..24].try_into().unwrap()),
    )
}

fn distinct_colours(path: &Path) -> usize {
    let img = image::open(path).unwrap().to_rgb8();
    let mut c: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    c.sort_unstable();
    c.dedup();
    c.len()
}

fn check_png(path: &Path, size: (u32, u32)) {
    assert_eq!(png_size(path), size, "{}", path.display());
    let n = distinct_colours(path);
    assert!(n > 20, "{}: only {n} colours", path.display());
}

fn scatter_spec() -> Scatter {
    let pts: Vec<(f64, f64)> = (0..50)
        .map(|k| ((k as f64 * 0.37).sin(), (k as f64 * 0.91).cos()))
        .collect();
    Scatter {
        title: "Scatter θ₀ τ σ α λ Δ".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        series: vec![
            ScatterSeries {
                label: "a".into(),
                points: pts.clone(),
                ..Default::default()
            },
            ScatterSeries {
                label: "b".into(),
                points: pts.iter().map(|p| (p.1, p.0)).collect(),
                marker: Marker::Star,
                ..Default::default()
            },
        ],
        ref_lines: vec![RefLine::horizontal(0.0, "zero")],
        caption: "line one\nline two".into(),
        equal_aspect: true,
        symmetric: true,
        ..Default::default()
    }
}

fn hist_spec() -> Histogram {
    Histogram {
        title: "Histogram".into(),
        series: vec![HistSeries {
            label: "v".into(),
            values: (0..500).map(|k| (k as f64 * 0.013).sin()).collect(),
            ..Default::default()
        }],
        rugs: vec![Rug {
            label: "eig".into(),
            values: vec![-0.5, 0.0, 0.7],
            color: None,
        }],
        ref_lines: vec![RefLine::vertical(-0.5, "λ_min")],
        ..Default::default()
    }
}

fn lines_spec() -> Lines {
    let pts: Vec<(f64, f64)> = (1..100).map(|k| (k as f64, (k as f64).ln())).collect();
    Lines {
        title: "Lines".into(),
        series: vec![LineSeries {
            label: "ln".into(),
            band: pts.iter().map(|p| (p.0, p.1 - 0.3, p.1 + 0.3)).collect(),
            points: pts,
            marker: Some(Marker::Circle),
            ..Default::default()
        }],
        log_x: true,
        ..Default::default()
    }
}

fn heat_spec() -> Heatmap {
    Heatmap {
        title: "Heatmap".into(),
        row_ticks: vec!["a".into(), "b".into()],
        col_ticks: vec!["1".into(), "2".into(), "3".into()],
        values: vec![
            vec![Some(0.1), Some(0.5), None],
            vec![Some(0.9), Some(f64::NAN), Some(0.3)],
        ],
        text: vec![vec!["10 %\n[1, 2]".into()]],
        colorbar_label: "fraction".into(),
        ..Default::default()
    }
}

fn contour_spec() -> Contour {
    let g: Vec<f64> = (0..31).map(|k| -3.0 + 0.2 * k as f64).collect();
    Contour {
        title: "Contour".into(),
        z: g.iter()
            .map(|&y| g.iter().map(|&x| -(1.0 - x * y).powi(2)).collect())
            .collect(),
        x: g.clone(),
        y: g,
        marks: vec![PointMark {
            label: "θ_sub".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn grid_spec() -> Gridworld {
    Gridworld {
        title: "Gridworld".into(),
        n: 3,
        start: Some((2, 0)),
        rewards: vec![GridReward {
            row: 0,
            col: 2,
            reward: 1.0,
        }],
        policy: (0..9)
            .map(|k| (k != 2).then_some([0.1, 0.6, 0.2, 0.1]))
            .collect(),
        ..Default::default()
    }
}

#[test]
fn every_kind_writes_a_png_of_the_requested_size() {
    let d = dir();
    let mut s = scatter_spec();
    s.size = (700, 500);
    plot::scatter(d.join("s.png"), &s).unwrap();
    check_png(&d.join("s.png"), (700, 500));
    plot::histogram(d.join("h.png"), &hist_spec()).unwrap();
    check_png(&d.join("h.png"), (900, 600));
    plot::lines(d.join("l.png"), &lines_spec()).unwrap();
    check_png(&d.join("l.png"), (900, 600));
    plot::heatmap(d.join("m.png"), &heat_spec()).unwrap();
    check_png(&d.join("m.png"), (900, 600));
    plot::contour(d.join("c.png"), &contour_spec()).unwrap();
    check_png(&d.join("c.png"), (900, 600));
    plot::gridworld(d.join("g.png"), &grid_spec()).unwrap();
    check_png(&d.join("g.png"), (600, 640));
    plot::gridworld_panels(d.join("gp.png"), &[grid_spec(), grid_spec()]).unwrap();
    check_png(&d.join("gp.png"), (1200, 640));
    let ps = [
        Panel::Scatter(scatter_spec()),
        Panel::Contour(contour_spec()),
        Panel::Heatmap(heat_spec()),
    ];
    plot::panels(d.join("p.png"), 1500, 900, 2, &ps).unwrap();
    check_png(&d.join("p.png"), (1500, 900));
}

#[test]
fn svg_holds_the_title() {
    let d = dir();
    plot::scatter(d.join("s.svg"), &scatter_spec()).unwrap();
    let t = std::fs::read_to_string(d.join("s.svg")).unwrap();
    assert!(t.contains("<svg"));
    assert!(t.contains("Scatter θ₀ τ σ α λ Δ"));
    plot::contour(d.join("c.svg"), &contour_spec()).unwrap();
    let t = std::fs::read_to_string(d.join("c.svg")).unwrap();
    assert!(t.contains("<svg") && t.contains("Contour"));
}

#[test]
fn same_spec_same_bytes() {
    let d = dir();
    for k in 0..2 {
        plot::scatter(d.join(format!("det{k}.png")), &scatter_spec()).unwrap();
        plot::contour(d.join(format!("detc{k}.png")), &contour_spec()).unwrap();
        plot::gridworld(d.join(format!("detg{k}.png")), &grid_spec()).unwrap();
    }
    for f in ["det", "detc", "detg"] {
        let a = std::fs::read(d.join(format!("{f}0.png"))).unwrap();
        let b = std::fs::read(d.join(format!("{f}1.png"))).unwrap();
        assert!(a == b, "{f}: two renders differ");
    }
}

#[test]
fn nan_only_series_is_an_error() {
    let d = dir();
    let s = Scatter {
        series: vec![ScatterSeries {
            points: vec![(f64::NAN, 1.0), (f64::INFINITY, 0.0)],
            ..Default::default()
        }],
        ..Default::default()
    };
    let e = plot::scatter(d.join("nan.png"), &s).unwrap_err();
    assert!(matches!(e.kind, PlotErrorKind::NothingToDraw(_)), "{e}");
    assert!(e.to_string().contains("nan.png"));
    assert!(
        !d.join("nan.png").exists(),
        "a failed figure leaves no file"
    );
    let h = Histogram {
        series: vec![HistSeries {
            values: vec![f64::NAN; 3],
            ..Default::default()
        }],
        ..Default::default()
    };
    assert!(matches!(
        plot::histogram(d.join("nan_h.png"), &h).unwrap_err().kind,
        PlotErrorKind::NothingToDraw(_)
    ));
    let l = Lines {
        series: vec![LineSeries {
            points: vec![(f64::NAN, f64::NAN)],
            ..Default::default()
        }],
        ..Default::default()
    };
    assert!(plot::lines(d.join("nan_l.png"), &l).is_err());
    // On a log axis, non-positive values count as missing.
    let l = Lines {
        series: vec![LineSeries {
            points: vec![(0.0, 1.0), (-1.0, 2.0)],
            ..Default::default()
        }],
        log_x: true,
        ..Default::default()
    };
    assert!(plot::lines(d.join("nan_log.png"), &l).is_err());
}

#[test]
fn partly_nan_and_empty_series_draw() {
    let d = dir();
    let mut s = scatter_spec();
    s.series[0].points.push((f64::NAN, 0.0));
    s.series.push(ScatterSeries {
        label: "empty".into(),
        ..Default::default()
    });
    plot::scatter(d.join("partial.png"), &s).unwrap();
    plot::scatter(
        d.join("empty.png"),
        &Scatter {
            title: "empty".into(),
            ..Default::default()
        },
    )
    .unwrap();
    check_png(&d.join("empty.png"), (900, 600));
    plot::histogram(d.join("empty_h.png"), &Histogram::default()).unwrap();
    plot::lines(
        d.join("empty_l.png"),
        &Lines {
            log_x: true,
            log_y: true,
            ..Default::default()
        },
    )
    .unwrap();
    let mut h = hist_spec();
    h.log_y = true;
    h.density = true;
    plot::histogram(d.join("log_h.png"), &h).unwrap();
}

#[test]
fn bad_specs_are_errors() {
    let d = dir();
    let invalid = |r: Result<(), plot::PlotError>| {
        matches!(r.unwrap_err().kind, PlotErrorKind::InvalidSpec(_))
    };
    assert!(invalid(plot::heatmap(d.join("e.png"), &Heatmap::default())));
    let mut h = heat_spec();
    h.values[1].pop();
    assert!(invalid(plot::heatmap(d.join("e.png"), &h)));
    let mut c = contour_spec();
    c.z.pop();
    assert!(invalid(plot::contour(d.join("e.png"), &c)));
    let mut c = contour_spec();
    c.x.reverse();
    assert!(invalid(plot::contour(d.join("e.png"), &c)));
    assert!(invalid(plot::contour(d.join("e.png"), &Contour::default())));
    let mut c = contour_spec();
    c.z = c.z.iter().map(|r| vec![f64::NAN; r.len()]).collect();
    assert!(matches!(
        plot::contour(d.join("e.png"), &c).unwrap_err().kind,
        PlotErrorKind::NothingToDraw(_)
    ));
    let mut g = grid_spec();
    g.policy.pop();
    assert!(invalid(plot::gridworld(d.join("e.png"), &g)));
    let mut g = grid_spec();
    g.start = Some((3, 0));
    assert!(invalid(plot::gridworld(d.join("e.png"), &g)));
    let mut s = scatter_spec();
    s.x_range = Some((1.0, 1.0));
    assert!(invalid(plot::scatter(d.join("e.png"), &s)));
    let mut s = scatter_spec();
    s.size = (0, 10);
    assert!(invalid(plot::scatter(d.join("e.png"), &s)));
    assert!(plot::panels(d.join("e.png"), 100, 100, 1, &[]).is_err());
    assert!(plot::gridworld_panels(d.join("e.png"), &[]).is_err());
}

#[test]
fn unknown_extension_and_unwritable_path_are_errors() {
    let d = dir();
    let e = plot::scatter(d.join("x.jpg"), &scatter_spec()).unwrap_err();
    assert!(
        matches!(e.kind, PlotErrorKind::UnsupportedExtension(ref x) if x == "jpg"),
        "{e}"
    );
    assert!(plot::scatter(d.join("noext"), &scatter_spec()).is_err());
    let e = plot::scatter(d.join("missing/dir/x.png"), &scatter_spec()).unwrap_err();
    assert!(matches!(e.kind, PlotErrorKind::Backend(_)), "{e}");
    let e = plot::scatter(d.join("missing/dir/x.svg"), &scatter_spec()).unwrap_err();
    assert!(matches!(e.kind, PlotErrorKind::Backend(_)), "{e}");
}

#[test]
fn font_has_the_papers_symbols() {
    assert_eq!(
        plot::missing_glyphs("θτσαλΔπγ θ₀ θ₁ x² ± × − · % [ ] ≤ ≥"),
        Vec::<char>::new()
    );
    assert_eq!(plot::missing_glyphs("∇"), vec!['∇']);
}

#[test]
fn specs_round_trip_through_json() {
    // Dyadic values: serde_json's default float parsing may be off by an ulp otherwise.
    let mut s = scatter_spec();
    s.series[0].points = vec![(0.5, -0.25), (1.0, 2.0)];
    s.series[1].points.clear();
    let p = Panel::Scatter(s);
    let j = serde_json::to_string(&p).unwrap();
    let back: Panel = serde_json::from_str(&j).unwrap();
    assert_eq!(back, p);
    let partial: Lines = serde_json::from_str(r#"{"title": "t", "log_x": true}"#).unwrap();
    assert_eq!(partial.size, (900, 600));
}
