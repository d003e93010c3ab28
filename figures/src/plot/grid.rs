//! Gridworlds with a policy drawn as arrows (the paper's Fig. 3).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::util::{centred, fmt_num, font, frame};
use super::{Gridworld, PlotErrorKind, Res, Rgb};

const ARROW: RGBColor = RGBColor(0, 60, 130);

fn reward_text(r: f64) -> String {
    if r > 0.0 {
        format!("+{}", fmt_num(r))
    } else {
        fmt_num(r)
    }
}

pub(crate) fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Gridworld) -> Res {
    let n = s.n;
    if n == 0 || n > 256 {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "gridworld side {n} (expected 1 to 256)"
        )));
    }
    if !s.policy.is_empty() && s.policy.len() != n * n {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "{} policy cells for a {n}×{n} grid",
            s.policy.len()
        )));
    }
    if let Some(r) = s.rewards.iter().find(|r| r.row >= n || r.col >= n) {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "reward cell ({}, {}) outside the {n}×{n} grid",
            r.row, r.col
        )));
    }
    if let Some((r, c)) = s.start.filter(|&(r, c)| r >= n || c >= n) {
        return Err(PlotErrorKind::InvalidSpec(format!(
            "start cell ({r}, {c}) outside the {n}×{n} grid"
        )));
    }
    let area = frame(root, &s.title, &s.caption)?;
    let (w, h) = area.dim_in_pixel();
    let side = (w.min(h) as i32 - 24).max(n as i32);
    let (x0, y0) = ((w as i32 - side) / 2, (h as i32 - side) / 2);
    let cell = f64::from(side) / n as f64;
    let at = |k: usize| (k as f64 * cell).round() as i32;
    let max_r = s
        .rewards
        .iter()
        .map(|r| r.reward.abs())
        .filter(|r| r.is_finite())
        .fold(0.0f64, f64::max);
    let fs = (cell * 0.2).clamp(12.0, 22.0);
    for row in 0..n {
        for col in 0..n {
            let (cx0, cy0, cx1, cy1) = (
                x0 + at(col),
                y0 + at(row),
                x0 + at(col + 1),
                y0 + at(row + 1),
            );
            let reward = s
                .rewards
                .iter()
                .rev()
                .find(|r| r.row == row && r.col == col)
                .map(|r| r.reward);
            let fill = match reward.filter(|r| r.is_finite() && *r != 0.0) {
                Some(r) => {
                    let tint = if r > 0.0 {
                        Rgb(0, 158, 115)
                    } else {
                        Rgb(213, 94, 0)
                    };
                    let t = if max_r > 0.0 {
                        0.15 + 0.35 * r.abs() / max_r
                    } else {
                        0.3
                    };
                    Rgb(255, 255, 255).lerp(tint, t)
                }
                None => Rgb(255, 255, 255),
            };
            area.draw(&Rectangle::new([(cx0, cy0), (cx1, cy1)], fill.c().filled()))?;
            area.draw(&Rectangle::new(
                [(cx0, cy0), (cx1, cy1)],
                RGBColor(150, 150, 150).stroke_width(1),
            ))?;
            let policy = s.policy.get(row * n + col).copied().flatten();
            if s.start == Some((row, col)) {
                area.draw_text(
                    "S",
                    &font(fs * 1.1).pos(Pos::new(HPos::Left, VPos::Top)),
                    (cx0 + 6, cy0 + 5),
                )?;
            }
            if let Some(r) = reward {
                let t = reward_text(r);
                if policy.is_none() {
                    area.draw_text(&t, &centred(fs * 1.3), ((cx0 + cx1) / 2, (cy0 + cy1) / 2))?;
                } else {
                    area.draw_text(
                        &t,
                        &font(fs).pos(Pos::new(HPos::Right, VPos::Top)),
                        (cx1 - 6, cy0 + 5),
                    )?;
                }
            }
            if let Some(p) = policy {
                arrows(&area, ((cx0 + cx1) / 2, (cy0 + cy1) / 2), cell, p)?;
            }
        }
    }
    area.draw(&Rectangle::new(
        [(x0, y0), (x0 + side, y0 + side)],
        BLACK.stroke_width(2),
    ))?;
    Ok(())
}

/// Arrows LEFT, RIGHT, UP, DOWN from the centre, length and opacity growing with the probability.
fn arrows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (cx, cy): (i32, i32),
    cell: f64,
    p: [f64; 4],
) -> Res {
    const DIRS: [(f64, f64); 4] = [(-1.0, 0.0), (1.0, 0.0), (0.0, -1.0), (0.0, 1.0)];
    let width = (cell / 35.0).clamp(2.0, 5.0) as u32;
    for (d, &pr) in DIRS.iter().zip(&p) {
        if !pr.is_finite() || pr < 0.01 {
            continue;
        }
        let pr = pr.min(1.0);
        let len = pr * cell * 0.42;
        let head = (cell * 0.1).min(len * 0.7).max(3.0);
        let c = ARROW.mix(0.3 + 0.7 * pr);
        let (fx, fy) = (f64::from(cx), f64::from(cy));
        let tip = (fx + d.0 * len, fy + d.1 * len);
        let back = (tip.0 - d.0 * head, tip.1 - d.1 * head);
        let perp = (-d.1, d.0);
        let i = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
        if len - head > 1.0 {
            area.draw(&PathElement::new(
                vec![(cx, cy), i(back)],
                c.stroke_width(width),
            ))?;
        }
        let hw = head * 0.6;
        let tri = vec![
            i(tip),
            i((back.0 + perp.0 * hw, back.1 + perp.1 * hw)),
            i((back.0 - perp.0 * hw, back.1 - perp.1 * hw)),
        ];
        area.draw(&Polygon::new(tri, c.filled()))?;
    }
    area.draw(&Circle::new((cx, cy), 2, RGBColor(60, 60, 60).filled()))?;
    Ok(())
}
