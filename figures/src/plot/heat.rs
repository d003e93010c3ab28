//! Heatmaps: a labelled grid of coloured cells with text.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::util::{
    AXIS_PX, TICK_PX, centred, clip, colorbar, extent, fit_px, fmt_num, font, frame, given_range,
    padded, text_w,
};
use super::{Heatmap, PlotErrorKind, Res, Rgb};

/// Draws `(dx, dy)`-sloped hatching inside a pixel rectangle.
pub(crate) fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
    color: RGBColor,
) -> Res {
    let (w, h) = (x1 - x0, y1 - y0);
    let r = (f64::from(x0), f64::from(y0), f64::from(x1), f64::from(y1));
    let mut o = -h;
    while o < w {
        let a = (f64::from(x0 + o), f64::from(y0));
        let b = (f64::from(x0 + o + h), f64::from(y1));
        if let Some((p, q)) = clip(a, b, r) {
            let pts = vec![
                (p.0.round() as i32, p.1.round() as i32),
                (q.0.round() as i32, q.1.round() as i32),
            ];
            area.draw(&PathElement::new(pts, color.stroke_width(1)))?;
        }
        o += 10;
    }
    Ok(())
}

pub(crate) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Heatmap) -> Res {
    let rows = s.values.len();
    let cols = s.values.first().map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        return Err(PlotErrorKind::InvalidSpec("empty heatmap grid".into()));
    }
    if let Some(k) = s.values.iter().position(|r| r.len() != cols) {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "heatmap row {k} has {} values, row 0 has {cols}",
            s.values[k].len()
        )));
    }
    if !s.row_ticks.is_empty() && s.row_ticks.len() != rows {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "{} row ticks for {rows} rows",
            s.row_ticks.len()
        )));
    }
    if !s.col_ticks.is_empty() && s.col_ticks.len() != cols {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "{} column ticks for {cols} columns",
            s.col_ticks.len()
        )));
    }
    let finite = extent(s.values.iter().flatten().flatten().copied());
    let given = s.values.iter().flatten().filter(|v| v.is_some()).count();
    if given > 0 && finite.is_none() {
        return Err(PlotErrorKind::NothingToDraw(format!(
            "none of the {given} heatmap values is finite"
        )));
    }
    let (lo, hi) = match given_range(s.range, false, "colour")? {
        Some(r) => r,
        None => padded(finite.or(Some((0.0, 1.0))), 0.0, false),
    };

    let area = frame(root, &s.title, &s.caption)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    // The colour bar's width: bar, tick labels, label.
    let cb_ticks = plotters::coord::types::RangedCoordf64::from(lo..hi);
    let tick_w = cb_ticks
        .key_points(6usize)
        .iter()
        .map(|v| text_w(&area, &fmt_num(*v), TICK_PX))
        .max()
        .unwrap_or(30) as i32;
    let cb_w = 24
        + 8
        + tick_w
        + if s.colorbar_label.is_empty() {
            10
        } else {
            10 + AXIS_PX as i32 + 14
        };
    let row_tick_w = s
        .row_ticks
        .iter()
        .map(|t| text_w(&area, t, TICK_PX))
        .max()
        .unwrap_or(0) as i32;
    let left = 10
        + row_tick_w
        + 10
        + if s.row_label.is_empty() {
            0
        } else {
            AXIS_PX as i32 + 14
        };
    let bottom =
        10 + if s.col_ticks.is_empty() {
            0
        } else {
            TICK_PX as i32 + 12
        } + if s.col_label.is_empty() {
            0
        } else {
            AXIS_PX as i32 + 14
        };
    let (gx0, gy0) = (left, 12);
    let (gx1, gy1) = (
        (w - 24 - cb_w).max(gx0 + cols as i32),
        (h - bottom).max(gy0 + rows as i32),
    );
    let cw = f64::from(gx1 - gx0) / cols as f64;
    let ch = f64::from(gy1 - gy0) / rows as f64;
    let cx = |j: usize| gx0 + (j as f64 * cw).round() as i32;
    let cy = |i: usize| gy0 + (i as f64 * ch).round() as i32;

    for i in 0..rows {
        for j in 0..cols {
            let rect = (cx(j), cy(i), cx(j + 1), cy(i + 1));
            let v = s.values[i][j].filter(|v| v.is_finite());
            let fill = match v {
                Some(v) => s.colormap.at((v - lo) / (hi - lo)),
                None => Rgb(215, 215, 215),
            };
            area.draw(&Rectangle::new(
                [(rect.0, rect.1), (rect.2, rect.3)],
                fill.c().filled(),
            ))?;
            if v.is_none() {
                hatch(&area, rect, RGBColor(150, 150, 150))?;
            }
            area.draw(&Rectangle::new(
                [(rect.0, rect.1), (rect.2, rect.3)],
                WHITE.stroke_width(1),
            ))?;
            let text = s
                .text
                .get(i)
                .and_then(|r| r.get(j))
                .map_or("", String::as_str);
            let lines: Vec<&str> = text.lines().collect();
            if lines.is_empty() {
                continue;
            }
            let mut px = 18.0;
            let fits = |px: f64| {
                lines
                    .iter()
                    .all(|l| f64::from(text_w(&area, l, px)) <= cw * 0.92)
                    && lines.len() as f64 * px * 1.25 <= ch * 0.92
            };
            while px > 10.0 && !fits(px) {
                px -= 1.0;
            }
            let color = if fill.luma() < 0.55 { WHITE } else { BLACK };
            let lh = px * 1.25;
            let mid = f64::from(rect.1 + rect.3) / 2.0;
            for (k, l) in lines.iter().enumerate() {
                let y = mid + (k as f64 - (lines.len() as f64 - 1.0) / 2.0) * lh;
                area.draw_text(
                    l,
                    &centred(px).color(&color),
                    ((rect.0 + rect.2) / 2, y.round() as i32),
                )?;
            }
        }
    }
    area.draw(&Rectangle::new(
        [(gx0, gy0), (gx1, gy1)],
        BLACK.stroke_width(1),
    ))?;
    for (i, t) in s.row_ticks.iter().enumerate() {
        let y = (cy(i) + cy(i + 1)) / 2;
        area.draw_text(
            t,
            &font(TICK_PX).pos(Pos::new(HPos::Right, VPos::Center)),
            (gx0 - 10, y),
        )?;
    }
    let col_px = s
        .col_ticks
        .iter()
        .map(|t| fit_px(&area, t, TICK_PX, (cw * 0.95) as u32))
        .fold(TICK_PX, f64::min);
    for (j, t) in s.col_ticks.iter().enumerate() {
        let x = (cx(j) + cx(j + 1)) / 2;
        area.draw_text(
            t,
            &font(col_px).pos(Pos::new(HPos::Center, VPos::Top)),
            (x, gy1 + 8),
        )?;
    }
    if !s.col_label.is_empty() {
        let y = gy1
            + 8
            + if s.col_ticks.is_empty() {
                0
            } else {
                TICK_PX as i32 + 12
            }
            + AXIS_PX as i32 / 2
            + 4;
        area.draw_text(&s.col_label, &centred(AXIS_PX), ((gx0 + gx1) / 2, y))?;
    }
    if !s.row_label.is_empty() {
        let st = centred(AXIS_PX).transform(FontTransform::Rotate270);
        area.draw_text(
            &s.row_label,
            &st,
            (10 + AXIS_PX as i32 / 2, (gy0 + gy1) / 2),
        )?;
    }
    colorbar(
        &area,
        (gx1 + 24, gy0, gx1 + 48, gy1),
        (lo, hi),
        s.colormap,
        &s.colorbar_label,
        &[],
    )
}
