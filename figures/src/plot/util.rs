//! Shared layout, text, number formatting and glyph helpers.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendCoord, DrawingErrorKind};

use super::{Colormap, LegendPos, Marker, PlotErrorKind, Res, Rgb};

/// Title font size (pixels).
pub(crate) const TITLE_PX: f64 = 26.0;
/// Axis label font size.
pub(crate) const AXIS_PX: f64 = 22.0;
/// Tick label font size.
pub(crate) const TICK_PX: f64 = 18.0;
/// Legend font size.
pub(crate) const LEGEND_PX: f64 = 18.0;
/// Caption font size.
pub(crate) const CAPTION_PX: f64 = 18.0;

pub(crate) fn font(px: f64) -> TextStyle<'static> {
    ("sans-serif", px).into_font().color(&BLACK)
}

pub(crate) fn centred(px: f64) -> TextStyle<'static> {
    font(px).pos(Pos::new(HPos::Center, VPos::Center))
}

pub(crate) fn text_w<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: &str, px: f64) -> u32 {
    area.estimate_text_size(s, &font(px))
        .map(|(w, _)| w)
        .unwrap_or((s.chars().count() as f64 * px * 0.55) as u32)
}

/// The largest font size ≤ `px` (≥ 10) at which `s` is at most `w` pixels wide.
pub(crate) fn fit_px<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    px: f64,
    w: u32,
) -> f64 {
    let mut p = px;
    while p > 10.0 && text_w(area, s, p) > w {
        p -= 1.0;
    }
    p
}

/// A number for a tick label or a cell: about 4 significant digits, trailing
/// zeros trimmed, scientific notation for very large or small magnitudes, a
/// typographic minus.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a < 1e-12 {
        return "0".into();
    }
    let s = if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.2e}");
        match s.split_once('e') {
            Some((m, e)) => format!("{}e{}", trim_zeros(m), e),
            None => s,
        }
    } else {
        let digits = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        trim_zeros(&format!("{v:.digits$}"))
    };
    s.replace('-', "\u{2212}")
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// The extent of the finite values, `None` if there are none.
pub(crate) fn extent(vals: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    vals.into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

pub(crate) fn union(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// A drawable range from an extent: padded by `frac` of its width (in log
/// space for a log axis), never empty.
pub(crate) fn padded(r: Option<(f64, f64)>, frac: f64, log: bool) -> (f64, f64) {
    if log {
        let (lo, hi) = match r {
            Some((lo, hi)) if lo > 0.0 && hi > 0.0 => (lo.log10(), hi.log10()),
            _ => (0.0, 1.0),
        };
        let (lo, hi) = if hi - lo < 1e-9 {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        };
        let p = (hi - lo) * frac;
        return (10f64.powf(lo - p), 10f64.powf(hi + p));
    }
    let (lo, hi) = r.unwrap_or((0.0, 1.0));
    let (lo, hi) = if hi - lo <= 1e-12 * lo.abs().max(hi.abs()).max(1e-300) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - d, hi + d)
    } else {
        (lo, hi)
    };
    let p = (hi - lo) * frac;
    (lo - p, hi + p)
}

/// A checked caller range: finite, increasing (positive on a log axis).
pub(crate) fn given_range(
    r: Option<(f64, f64)>,
    log: bool,
    what: &str,
) -> Result<Option<(f64, f64)>, PlotErrorKind> {
    match r {
        None => Ok(None),
        Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi && (!log || lo > 0.0) => {
            Ok(Some((lo, hi)))
        }
        Some((lo, hi)) => Err(PlotErrorKind::InvalidSpec(format!(
            "{what} range ({lo}, {hi})"
        ))),
    }
}

/// Draws the title at the top and the caption at the bottom of `area`; the rest.
pub(crate) fn frame<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    caption: &str,
) -> Result<DrawingArea<DB, Shift>, PlotErrorKind> {
    let (w, _) = area.dim_in_pixel();
    let mut rest = area.clone();
    if !title.is_empty() {
        let th = (TITLE_PX * 1.8) as i32;
        let (top, r) = rest.split_vertically(th);
        let px = fit_px(&top, title, TITLE_PX, w.saturating_sub(20));
        top.draw_text(title, &centred(px), (w as i32 / 2, th / 2 + 2))?;
        rest = r;
    }
    let lines: Vec<&str> = caption.lines().collect();
    if !lines.is_empty() {
        let lh = (CAPTION_PX * 1.35) as i32;
        let ch = lines.len() as i32 * lh + 14;
        let (_, h) = rest.dim_in_pixel();
        let (r, bottom) = rest.split_vertically((h as i32 - ch).max(1));
        for (k, line) in lines.iter().enumerate() {
            let px = fit_px(&bottom, line, CAPTION_PX, w.saturating_sub(20));
            bottom.draw_text(
                line,
                &centred(px),
                (w as i32 / 2, 4 + k as i32 * lh + lh / 2),
            )?;
        }
        rest = r;
    }
    Ok(rest)
}

/// Picks the corner holding the fewest points; `frac`: points as fractions
/// of the plot (x from the left, y from the bottom).
pub(crate) fn auto_legend(pos: LegendPos, frac: impl Iterator<Item = (f64, f64)>) -> LegendPos {
    if pos != LegendPos::Auto {
        return pos;
    }
    let mut n = [0usize; 4];
    for (fx, fy) in frac {
        let right = fx > 0.55;
        let left = fx < 0.45;
        let top = fy > 0.6;
        let bottom = fy < 0.4;
        n[0] += usize::from(top && right);
        n[1] += usize::from(top && left);
        n[2] += usize::from(bottom && right);
        n[3] += usize::from(bottom && left);
    }
    let order = [
        LegendPos::UpperRight,
        LegendPos::UpperLeft,
        LegendPos::LowerRight,
        LegendPos::LowerLeft,
    ];
    let best = (0..4).min_by_key(|&k| n[k]).unwrap_or(0);
    order[best]
}

pub(crate) fn series_label_pos(p: LegendPos) -> SeriesLabelPosition {
    match p {
        LegendPos::UpperLeft => SeriesLabelPosition::UpperLeft,
        LegendPos::LowerLeft => SeriesLabelPosition::LowerLeft,
        LegendPos::LowerRight => SeriesLabelPosition::LowerRight,
        _ => SeriesLabelPosition::UpperRight,
    }
}

/// What a [`Glyph`] draws.
#[derive(Clone, Copy)]
pub(crate) enum GlyphKind {
    /// A marker of radius `r` centred on the point; `edge`: an outline colour.
    Marker {
        m: Marker,
        r: i32,
        fill: RGBAColor,
        edge: Option<RGBColor>,
    },
    /// A legend entry: a line (solid or dashed, width 0: none) with an optional marker.
    LegendLine {
        color: RGBColor,
        width: u32,
        dash: Option<(u32, u32)>,
        marker: Option<(Marker, i32)>,
    },
    /// A legend entry: a filled box.
    LegendBox { fill: RGBAColor, edge: RGBColor },
    /// A legend entry: a vertical tick.
    LegendTick { color: RGBColor },
}

/// A pixel-sized drawing anchored at a point in chart coordinates.
pub(crate) struct Glyph<C> {
    pub at: C,
    pub kind: GlyphKind,
}

impl<'a, C> PointCollection<'a, C> for &'a Glyph<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

/// The legend glyph's width.
pub(crate) const LEGEND_GLYPH_W: i32 = 40;

fn marker_on<DB: DrawingBackend>(
    b: &mut DB,
    (x, y): BackendCoord,
    m: Marker,
    r: i32,
    fill: RGBAColor,
    edge: Option<RGBColor>,
) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
    let fs = ShapeStyle {
        color: fill,
        filled: true,
        stroke_width: 1,
    };
    let es = edge.map(|e| ShapeStyle {
        color: e.to_rgba(),
        filled: false,
        stroke_width: 1,
    });
    match m {
        Marker::Circle => {
            b.draw_circle((x, y), r as u32, &fs, true)?;
            if let Some(es) = es {
                b.draw_circle((x, y), r as u32, &es, false)?;
            }
        }
        Marker::Square => {
            let s = (f64::from(r) * 0.85) as i32;
            b.draw_rect((x - s, y - s), (x + s, y + s), &fs, true)?;
            if let Some(es) = es {
                b.draw_rect((x - s, y - s), (x + s, y + s), &es, false)?;
            }
        }
        Marker::Triangle | Marker::Star => {
            let pts = polygon_pts((x, y), m, f64::from(r));
            b.fill_polygon(pts.clone(), &fs)?;
            if let Some(es) = es {
                let mut closed = pts;
                closed.push(closed[0]);
                b.draw_path(closed, &es)?;
            }
        }
        Marker::Cross => {
            let s = (f64::from(r) * 0.8) as i32;
            let st = ShapeStyle {
                color: fill,
                filled: false,
                stroke_width: 2,
            };
            b.draw_line((x - s, y - s), (x + s, y + s), &st)?;
            b.draw_line((x - s, y + s), (x + s, y - s), &st)?;
        }
    }
    Ok(())
}

fn polygon_pts((x, y): BackendCoord, m: Marker, r: f64) -> Vec<BackendCoord> {
    let (n, inner) = if m == Marker::Star {
        (10, 0.45)
    } else {
        (3, 1.0)
    };
    let r = if m == Marker::Star { r * 1.3 } else { r * 1.15 };
    (0..n)
        .map(|k| {
            let a = -std::f64::consts::FRAC_PI_2 + k as f64 * std::f64::consts::TAU / f64::from(n);
            let rr = if k % 2 == 1 { r * inner } else { r };
            let dy = if m == Marker::Triangle { r * 0.2 } else { 0.0 };
            (
                x + (rr * a.cos()).round() as i32,
                y + (rr * a.sin() + dy).round() as i32,
            )
        })
        .collect()
}

impl<C, DB: DrawingBackend> Drawable<DB> for Glyph<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        b: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = pos.next() else {
            return Ok(());
        };
        match self.kind {
            GlyphKind::Marker { m, r, fill, edge } => marker_on(b, (x, y), m, r, fill, edge)?,
            GlyphKind::LegendLine {
                color,
                width,
                dash,
                marker,
            } => {
                let st = ShapeStyle {
                    color: color.to_rgba(),
                    filled: false,
                    stroke_width: width,
                };
                let x1 = x + LEGEND_GLYPH_W - 6;
                if width > 0 {
                    if let Some((on, off)) = dash {
                        let (on, off) = (on.max(1) as i32, off as i32);
                        let mut s = x;
                        while s < x1 {
                            b.draw_line((s, y), ((s + on).min(x1), y), &st)?;
                            s += on + off;
                        }
                    } else {
                        b.draw_line((x, y), (x1, y), &st)?;
                    }
                }
                if let Some((m, r)) = marker {
                    marker_on(b, ((x + x1) / 2, y), m, r, color.to_rgba(), None)?;
                }
            }
            GlyphKind::LegendBox { fill, edge } => {
                let (x0, x1) = (x + 2, x + LEGEND_GLYPH_W - 8);
                b.draw_rect(
                    (x0, y - 7),
                    (x1, y + 7),
                    &ShapeStyle {
                        color: fill,
                        filled: true,
                        stroke_width: 1,
                    },
                    true,
                )?;
                b.draw_rect(
                    (x0, y - 7),
                    (x1, y + 7),
                    &ShapeStyle {
                        color: edge.to_rgba(),
                        filled: false,
                        stroke_width: 2,
                    },
                    false,
                )?;
            }
            GlyphKind::LegendTick { color } => {
                let st = ShapeStyle {
                    color: color.to_rgba(),
                    filled: false,
                    stroke_width: 2,
                };
                let xm = x + LEGEND_GLYPH_W / 2 - 3;
                b.draw_line((xm, y - 9), (xm, y + 9), &st)?;
            }
        }
        Ok(())
    }
}

/// A vertical colour bar in `rect` (area coordinates) for values `lo..hi`,
/// tick labels on its right, `label` rotated beyond them; `marks`: short
/// lines at these values (e.g. iso-line levels).
#[allow(clippy::too_many_arguments)]
pub(crate) fn colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
    (lo, hi): (f64, f64),
    cmap: Colormap,
    label: &str,
    marks: &[f64],
) -> Res {
    let h = (y1 - y0).max(1);
    for py in y0..y1 {
        let t = f64::from(y1 - 1 - py) / f64::from((h - 1).max(1));
        area.draw(&Rectangle::new(
            [(x0, py), (x1, py + 1)],
            cmap.at(t).c().filled(),
        ))?;
    }
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], BLACK.stroke_width(1)))?;
    let to_y = |v: f64| y1 - ((v - lo) / (hi - lo) * f64::from(h)).round() as i32;
    for &m in marks {
        if m.is_finite() && m >= lo && m <= hi {
            let y = to_y(m);
            area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                BLACK.mix(0.6).stroke_width(1),
            ))?;
        }
    }
    let axis: RangedCoordf64 = (lo..hi).into();
    let style = font(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center));
    let mut maxw = 0;
    for v in axis.key_points(6usize) {
        let y = to_y(v);
        area.draw(&PathElement::new(
            vec![(x1, y), (x1 + 5, y)],
            BLACK.stroke_width(1),
        ))?;
        let s = fmt_num(v);
        maxw = maxw.max(text_w(area, &s, TICK_PX) as i32);
        area.draw_text(&s, &style, (x1 + 8, y))?;
    }
    if !label.is_empty() {
        let st = centred(AXIS_PX).transform(FontTransform::Rotate270);
        area.draw_text(
            label,
            &st,
            (x1 + 8 + maxw + 10 + (AXIS_PX * 0.6) as i32, (y0 + y1) / 2),
        )?;
    }
    Ok(())
}

/// The part of the segment `a`–`b` inside the rectangle (Liang–Barsky).
pub(crate) fn clip(
    a: (f64, f64),
    b: (f64, f64),
    (x0, y0, x1, y1): (f64, f64, f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some({
        (
            (a.0 + t0 * dx, a.1 + t0 * dy),
            (a.0 + t1 * dx, a.1 + t1 * dy),
        )
    })
}

pub(crate) fn write_png(path: &Path, (w, h): (u32, u32), rgb: &[u8]) -> Res {
    image::save_buffer_with_format(
        path,
        rgb,
        w,
        h,
        image::ColorType::Rgb8,
        image::ImageFormat::Png,
    )
    .map_err(|e| PlotErrorKind::Backend(e.to_string()))
}

pub(crate) fn rgb(c: Rgb) -> RGBColor {
    c.c()
}
