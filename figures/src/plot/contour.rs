//! Filled contour plots with iso-lines (marching squares) and named points.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::util::{
    AXIS_PX, Glyph, GlyphKind, TICK_PX, colorbar, extent, fmt_num, font, frame, given_range,
    padded, text_w,
};
use super::xy::{build_chart, lin};
use super::{Contour, PlotErrorKind, Res};

fn increasing(v: &[f64]) -> bool {
    v.len() >= 2 && v.iter().all(|x| x.is_finite()) && v.windows(2).all(|w| w[0] < w[1])
}

/// The bilinear interpolation of the grid at `(xv, yv)` (NaN outside or next to a non-finite value).
fn interp(s: &Contour, xv: f64, yv: f64) -> f64 {
    let (x, y) = (&s.x, &s.y);
    if xv < x[0] || xv > x[x.len() - 1] || yv < y[0] || yv > y[y.len() - 1] {
        return f64::NAN;
    }
    let j = x.partition_point(|&v| v <= xv).clamp(1, x.len() - 1) - 1;
    let i = y.partition_point(|&v| v <= yv).clamp(1, y.len() - 1) - 1;
    let tx = (xv - x[j]) / (x[j + 1] - x[j]);
    let ty = (yv - y[i]) / (y[i + 1] - y[i]);
    let z = &s.z;
    let a = z[i][j] + (z[i][j + 1] - z[i][j]) * tx;
    let b = z[i + 1][j] + (z[i + 1][j + 1] - z[i + 1][j]) * tx;
    a + (b - a) * ty
}

/// Iso-line segments at `level` (marching squares; saddles resolved by the cell's mean).
pub(crate) fn iso_segments(
    x: &[f64],
    y: &[f64],
    z: &[Vec<f64>],
    level: f64,
) -> Vec<[(f64, f64); 2]> {
    let mut out = Vec::new();
    let cross = |p: (f64, f64), vp: f64, q: (f64, f64), vq: f64| {
        let t = ((level - vp) / (vq - vp)).clamp(0.0, 1.0);
        (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t)
    };
    for i in 0..y.len().saturating_sub(1) {
        for j in 0..x.len().saturating_sub(1) {
            // Corners counter-clockwise from the lower left.
            let p = [
                (x[j], y[i]),
                (x[j + 1], y[i]),
                (x[j + 1], y[i + 1]),
                (x[j], y[i + 1]),
            ];
            let v = [z[i][j], z[i][j + 1], z[i + 1][j + 1], z[i + 1][j]];
            if v.iter().any(|v| !v.is_finite()) {
                continue;
            }
            let above: Vec<bool> = v.iter().map(|&v| v >= level).collect();
            // Crossings on edges 0: bottom, 1: right, 2: top, 3: left.
            let mut pts: [Option<(f64, f64)>; 4] = [None; 4];
            for (e, slot) in pts.iter_mut().enumerate() {
                let (a, b) = (e, (e + 1) % 4);
                if above[a] != above[b] {
                    *slot = Some(cross(p[a], v[a], p[b], v[b]));
                }
            }
            let found: Vec<(f64, f64)> = pts.iter().flatten().copied().collect();
            match found.len() {
                2 => out.push([found[0], found[1]]),
                4 => {
                    let centre = v.iter().sum::<f64>() / 4.0 >= level;
                    let [Some(b), Some(r), Some(t), Some(l)] = pts else {
                        continue;
                    };
                    if centre == above[0] {
                        // Corner 0's side joins through the centre: cut off corners 1 and 3.
                        out.push([b, r]);
                        out.push([t, l]);
                    } else {
                        out.push([l, b]);
                        out.push([r, t]);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Contour,
    raster: bool,
) -> Res {
    if !increasing(&s.x) || !increasing(&s.y) {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "contour grid: x ({}) and y ({}) need at least 2 finite, increasing values each",
            s.x.len(),
            s.y.len()
        )));
    }
    if s.z.len() != s.y.len() || s.z.iter().any(|r| r.len() != s.x.len()) {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "contour z is {} rows (of {:?} values), expected {} rows of {}",
            s.z.len(),
            s.z.first().map(Vec::len),
            s.y.len(),
            s.x.len()
        )));
    }
    let Some(zr) = extent(s.z.iter().flatten().copied()) else {
        return Err(PlotErrorKind::NothingToDraw(
            "no finite contour value".into(),
        ));
    };
    let (lo, hi) = match given_range(s.range, false, "colour")? {
        Some(r) => r,
        None => padded(Some(zr), 0.0, false),
    };
    let levels: Vec<f64> = if s.levels.is_empty() {
        let n = s.n_levels.min(200);
        (0..n)
            .map(|k| lo + (k + 1) as f64 * (hi - lo) / (n + 1) as f64)
            .collect()
    } else {
        s.levels.iter().copied().filter(|v| v.is_finite()).collect()
    };

    let area = frame(root, &s.title, &s.caption)?;
    let (w, _) = area.dim_in_pixel();
    let cb = plotters::coord::types::RangedCoordf64::from(lo..hi);
    let tick_w = cb
        .key_points(6usize)
        .iter()
        .map(|v| text_w(&area, &fmt_num(*v), TICK_PX))
        .max()
        .unwrap_or(30) as i32;
    let cb_w = 14
        + 24
        + 8
        + tick_w
        + if s.colorbar_label.is_empty() {
            12
        } else {
            10 + AXIS_PX as i32 + 16
        };
    let (main, right) = area.split_horizontally((w as i32 - cb_w).max(1));
    let xr = (s.x[0], s.x[s.x.len() - 1]);
    let yr = (s.y[0], s.y[s.y.len() - 1]);
    let mut chart = build_chart(&main, lin(xr), lin(yr), &s.x_label, &s.y_label, false)?;
    let cmap = s.colormap;
    let colour = |z: f64| {
        if z.is_finite() {
            cmap.at((z - lo) / (hi - lo)).c()
        } else {
            RGBColor(200, 200, 200)
        }
    };
    if raster {
        let pa = chart.plotting_area().strip_coord_spec();
        let (pw, ph) = pa.dim_in_pixel();
        for py in 0..ph as i32 {
            let yv = yr.1 - (f64::from(py) + 0.5) / f64::from(ph) * (yr.1 - yr.0);
            for px in 0..pw as i32 {
                let xv = xr.0 + (f64::from(px) + 0.5) / f64::from(pw) * (xr.1 - xr.0);
                pa.draw_pixel((px, py), &colour(interp(s, xv, yv)))?;
            }
        }
    } else {
        let edges = |v: &[f64]| -> Vec<f64> {
            let mut e = vec![v[0]];
            e.extend(v.windows(2).map(|w| (w[0] + w[1]) / 2.0));
            e.push(v[v.len() - 1]);
            e
        };
        let (ex, ey) = (edges(&s.x), edges(&s.y));
        chart.draw_series((0..s.y.len()).flat_map(|i| {
            let (ex, ey) = (&ex, &ey);
            (0..s.x.len()).map(move |j| {
                Rectangle::new(
                    [(ex[j], ey[i]), (ex[j + 1], ey[i + 1])],
                    colour(s.z[i][j]).filled(),
                )
            })
        }))?;
    }
    for &l in &levels {
        let segs = iso_segments(&s.x, &s.y, &s.z, l);
        chart.draw_series(segs.into_iter().map(|[a, b]| {
            PathElement::new(vec![a, b], RGBColor(15, 15, 15).mix(0.55).stroke_width(1))
        }))?;
    }
    // Named points: a white marker with a black edge, the label in a white box.
    let base = main.get_base_pixel();
    let (mw, _) = main.dim_in_pixel();
    for m in s
        .marks
        .iter()
        .filter(|m| m.x.is_finite() && m.y.is_finite())
    {
        let kind = GlyphKind::Marker {
            m: m.marker,
            r: 8,
            fill: WHITE.to_rgba(),
            edge: Some(BLACK),
        };
        chart.draw_series(std::iter::once(Glyph {
            at: (m.x, m.y),
            kind,
        }))?;
        if m.label.is_empty() {
            continue;
        }
        let (bx, by) = chart.backend_coord(&(m.x, m.y));
        let (px, py) = (bx - base.0, by - base.1);
        let tw = text_w(&main, &m.label, AXIS_PX) as i32;
        let th = AXIS_PX as i32 + 4;
        let mut x0 = px + 12;
        if x0 + tw + 8 > mw as i32 - 4 {
            x0 = px - 12 - tw - 8;
        }
        let y0 = (py - 12 - th).max(2);
        main.draw(&Rectangle::new(
            [(x0, y0), (x0 + tw + 8, y0 + th)],
            WHITE.mix(0.8).filled(),
        ))?;
        main.draw_text(
            &m.label,
            &font(AXIS_PX).pos(Pos::new(HPos::Left, VPos::Center)),
            (x0 + 4, y0 + th / 2),
        )?;
    }
    let (_, pyr) = chart.plotting_area().get_pixel_range();
    let rb = right.get_base_pixel();
    colorbar(
        &right,
        (14, pyr.start - rb.1, 38, pyr.end - rb.1),
        (lo, hi),
        cmap,
        &s.colorbar_label,
        &levels,
    )
}
