//! Histograms with rug marks.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::util::{GlyphKind, auto_legend, extent, frame, given_range, padded, rgb, union};
use super::xy::{
    Axis, Chart, build_chart, draw_ref_lines, legend, legend_entry, lin, log, ref_line_legend,
};
use super::{Histogram, Orientation, PlotErrorKind, Res, Rgb, palette};

/// Bins `(lo, hi, height)` of one series.
type Bins = Vec<(f64, f64, f64)>;

fn bin(values: &[f64], (lo, hi): (f64, f64), n: usize, density: bool) -> Bins {
    let w = (hi - lo) / n as f64;
    let mut counts = vec![0.0f64; n];
    let mut total = 0.0;
    for &v in values.iter().filter(|v| v.is_finite()) {
        if v < lo || v > hi {
            continue;
        }
        let k = (((v - lo) / w) as usize).min(n - 1);
        counts[k] += 1.0;
        total += 1.0;
    }
    let scale = if density && total > 0.0 {
        1.0 / (total * w)
    } else {
        1.0
    };
    counts
        .iter()
        .enumerate()
        .map(|(k, c)| (lo + k as f64 * w, lo + (k + 1) as f64 * w, c * scale))
        .collect()
}

fn prebinned(b: &[(f64, f64, f64)], density: bool) -> Bins {
    let ok: Bins = b
        .iter()
        .copied()
        .filter(|b| b.0.is_finite() && b.1.is_finite() && b.2.is_finite() && b.1 > b.0)
        .collect();
    let total: f64 = ok.iter().map(|b| b.2).sum();
    if density && total > 0.0 {
        ok.iter()
            .map(|b| (b.0, b.1, b.2 / (total * (b.1 - b.0))))
            .collect()
    } else {
        ok
    }
}

pub(crate) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Histogram) -> Res {
    let n_raw: usize = s
        .series
        .iter()
        .map(|x| {
            if x.binned.is_empty() {
                x.values.len()
            } else {
                x.binned.len()
            }
        })
        .sum();
    let data = s
        .series
        .iter()
        .filter(|x| x.binned.is_empty())
        .flat_map(|x| x.values.iter().copied());
    let mut r = extent(data);
    for x in &s.series {
        r = union(
            r,
            extent(prebinned(&x.binned, false).iter().flat_map(|b| [b.0, b.1])),
        );
    }
    if n_raw > 0 && r.is_none() {
        return Err(PlotErrorKind::NothingToDraw(format!(
            "none of the {n_raw} histogram values is finite"
        )));
    }
    let range = match given_range(s.range, false, "histogram")? {
        Some(g) => g,
        None => {
            let rug = extent(s.rugs.iter().flat_map(|r| r.values.iter().copied()));
            let refs = extent(
                s.ref_lines
                    .iter()
                    .filter(|l| l.orientation == Orientation::Vertical)
                    .map(|l| l.at),
            );
            padded(union(union(r, rug), refs), 0.0, false)
        }
    };
    let n = if s.bins == 0 { 30 } else { s.bins.min(100_000) };
    let bins: Vec<Bins> = s
        .series
        .iter()
        .map(|x| {
            if x.binned.is_empty() {
                bin(&x.values, range, n, s.density)
            } else {
                prebinned(&x.binned, s.density)
            }
        })
        .collect();
    let area = frame(root, &s.title, &s.caption)?;
    let xr = padded(Some(range), 0.03, false);
    let top = bins.iter().flatten().map(|b| b.2).fold(0.0f64, f64::max);
    let min_pos = bins
        .iter()
        .flatten()
        .map(|b| b.2)
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    if s.log_y {
        let (lo, hi) = if top > 0.0 {
            (min_pos * 0.5, top * 2.0)
        } else {
            (0.1, 10.0)
        };
        draw_body(&area, s, &bins, lin(xr), log((lo, hi)), (xr, (lo, hi)))
    } else {
        let hi = if top > 0.0 { top * 1.12 } else { 1.0 };
        draw_body(&area, s, &bins, lin(xr), lin((0.0, hi)), (xr, (0.0, hi)))
    }
}

fn draw_body<DB: DrawingBackend, X: Axis, Y: Axis>(
    area: &DrawingArea<DB, Shift>,
    s: &Histogram,
    bins: &[Bins],
    x: X,
    y: Y,
    (xr, yr): ((f64, f64), (f64, f64)),
) -> Res {
    let frac = |a: f64, b: f64| {
        (
            f64::from(x.map(&a, (0, 10_000))) / 1e4,
            f64::from(y.map(&b, (0, 10_000))) / 1e4,
        )
    };
    let pos = auto_legend(
        s.legend,
        bins.iter()
            .flatten()
            .filter(|b| b.2 > yr.0)
            .flat_map(|b| {
                let n = 6;
                (0..=n)
                    .map(move |k| (b.0 + (b.1 - b.0) * k as f64 / n as f64, b.2))
                    .flat_map(move |(xx, h)| {
                        (0..=4).map(move |j| (xx, yr.0 + (h.min(yr.1) - yr.0) * j as f64 / 4.0))
                    })
            })
            .map(|(a, b)| frac(a, b))
            .collect::<Vec<_>>()
            .into_iter(),
    );
    let mut chart: Chart<'_, DB, X, Y> = build_chart(area, x, y, &s.x_label, &s.y_label, true)?;
    let base = yr.0;
    let colors: Vec<RGBColor> = s
        .series
        .iter()
        .enumerate()
        .map(|(k, x)| rgb(x.color.unwrap_or(palette(k))))
        .collect();
    if !s.outline_only {
        for (b, c) in bins.iter().zip(&colors) {
            chart.draw_series(b.iter().filter(|b| b.2 > base).map(|b| {
                Rectangle::new([(b.0, base), (b.1, b.2.min(yr.1))], c.mix(0.3).filled())
            }))?;
        }
    }
    for (b, c) in bins.iter().zip(&colors) {
        // A step outline, dropping to the base between non-adjacent bins.
        let mut path: Vec<(f64, f64)> = Vec::new();
        let mut prev_hi = f64::NAN;
        for bb in b {
            let h = if bb.2 > base { bb.2.min(yr.1) } else { base };
            if (bb.0 - prev_hi).abs() > 1e-12 * (1.0 + bb.0.abs()) {
                if let Some(&last) = path.last() {
                    path.push((last.0, base));
                }
                path.push((bb.0, base));
            }
            path.push((bb.0, h));
            path.push((bb.1, h));
            prev_hi = bb.1;
        }
        if let Some(&last) = path.last() {
            path.push((last.0, base));
        }
        chart.draw_series(std::iter::once(PathElement::new(path, c.stroke_width(2))))?;
    }
    draw_ref_lines(&mut chart, &s.ref_lines, (xr, yr))?;
    // Rug ticks along the bottom, 9 % of the height.
    let tick_top = if yr.0 > 0.0 {
        yr.0 * (yr.1 / yr.0).powf(0.09)
    } else {
        yr.0 + 0.09 * (yr.1 - yr.0)
    };
    for rug in &s.rugs {
        let c = rgb(rug.color.unwrap_or(Rgb(0, 0, 0)));
        chart.draw_series(
            rug.values
                .iter()
                .filter(|v| v.is_finite() && **v >= xr.0 && **v <= xr.1)
                .map(|&v| PathElement::new(vec![(v, yr.0), (v, tick_top)], c.stroke_width(2))),
        )?;
    }
    let mut any = false;
    for (x, c) in s
        .series
        .iter()
        .zip(&colors)
        .filter(|(x, _)| !x.label.is_empty())
    {
        let fill = if s.outline_only {
            TRANSPARENT
        } else {
            c.mix(0.3)
        };
        legend_entry(
            &mut chart,
            &x.label,
            GlyphKind::LegendBox { fill, edge: *c },
        )?;
        any = true;
    }
    for rug in s.rugs.iter().filter(|r| !r.label.is_empty()) {
        legend_entry(
            &mut chart,
            &rug.label,
            GlyphKind::LegendTick {
                color: rgb(rug.color.unwrap_or(Rgb(0, 0, 0))),
            },
        )?;
        any = true;
    }
    any |= ref_line_legend(&mut chart, &s.ref_lines)?;
    legend(&mut chart, pos, any)
}
