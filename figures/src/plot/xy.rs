//! Cartesian charts: scatter plots, lines, and the shared chart frame.

use plotters::coord::Shift;
use plotters::coord::combinators::{IntoLogRange, LogCoord};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::util::{
    AXIS_PX, Glyph, GlyphKind, LEGEND_GLYPH_W, LEGEND_PX, TICK_PX, auto_legend, extent, fmt_num,
    font, frame, given_range, padded, rgb, series_label_pos, text_w, union,
};
use super::{
    LegendPos, Lines, Marker, Orientation, PlotErrorKind, RefBand, RefLine, Res, Rgb, Scatter,
    palette,
};

/// A coordinate axis over `f64` (linear or logarithmic).
pub(crate) trait Axis: Ranged<ValueType = f64> + ValueFormatter<f64> + 'static {}
impl<T: Ranged<ValueType = f64> + ValueFormatter<f64> + 'static> Axis for T {}

pub(crate) fn lin((lo, hi): (f64, f64)) -> RangedCoordf64 {
    (lo..hi).into()
}

pub(crate) fn log((lo, hi): (f64, f64)) -> LogCoord<f64> {
    (lo..hi).log_scale().into()
}

const MARGIN_TOP: i32 = 16;
const MARGIN_RIGHT: i32 = 30;
const MARGIN_LEFT: i32 = 10;
const MARGIN_BOTTOM: i32 = 8;
const N_LABELS: usize = 8;

pub(crate) fn x_area_h(has_label: bool) -> i32 {
    TICK_PX as i32 + 14 + if has_label { AXIS_PX as i32 + 14 } else { 0 }
}

pub(crate) fn y_area_w<DB: DrawingBackend, Y: Axis>(
    area: &DrawingArea<DB, Shift>,
    y: &Y,
    has_label: bool,
) -> i32 {
    let w = y
        .key_points(N_LABELS)
        .iter()
        .map(|v| text_w(area, &fmt_num(*v), TICK_PX))
        .max()
        .unwrap_or(20) as i32;
    w + 16 + if has_label { AXIS_PX as i32 + 14 } else { 0 }
}

/// The plotting area's size for a chart built by [`build_chart`] in `area`.
pub(crate) fn plot_dims<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y_w: i32,
    has_x_label: bool,
) -> (f64, f64) {
    let (w, h) = area.dim_in_pixel();
    let pw = w as i32 - MARGIN_LEFT - MARGIN_RIGHT - y_w;
    let ph = h as i32 - MARGIN_TOP - MARGIN_BOTTOM - x_area_h(has_x_label);
    (f64::from(pw.max(1)), f64::from(ph.max(1)))
}

pub(crate) type Chart<'a, DB, X, Y> = ChartContext<'a, DB, Cartesian2d<X, Y>>;

/// Axes, tick labels, axis labels and a light grid.
pub(crate) fn build_chart<'a, DB: DrawingBackend, X: Axis, Y: Axis>(
    area: &'a DrawingArea<DB, Shift>,
    x: X,
    y: Y,
    x_label: &str,
    y_label: &str,
    mesh: bool,
) -> Result<Chart<'a, DB, X, Y>, PlotErrorKind> {
    let y_w = y_area_w(area, &y, !y_label.is_empty());
    let mut chart = ChartBuilder::on(area)
        .margin_top(MARGIN_TOP)
        .margin_right(MARGIN_RIGHT)
        .margin_left(MARGIN_LEFT)
        .margin_bottom(MARGIN_BOTTOM)
        .x_label_area_size(x_area_h(!x_label.is_empty()))
        .y_label_area_size(y_w)
        .build_cartesian_2d(x, y)?;
    let fmt = |v: &f64| fmt_num(*v);
    let mut m = chart.configure_mesh();
    m.x_desc(x_label)
        .y_desc(y_label)
        .x_labels(N_LABELS)
        .y_labels(N_LABELS)
        .label_style(font(TICK_PX))
        .axis_desc_style(font(AXIS_PX))
        .bold_line_style(RGBColor(222, 222, 222).stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(BLACK.stroke_width(1))
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt);
    if !mesh {
        m.disable_mesh();
    }
    m.draw()?;
    Ok(chart)
}

/// The legend, if any entry has a label.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, X: Axis, Y: Axis>(
    chart: &mut Chart<'a, DB, X, Y>,
    pos: LegendPos,
    any: bool,
) -> Res {
    if !any || pos == LegendPos::Hidden {
        return Ok(());
    }
    chart
        .configure_series_labels()
        .position(series_label_pos(pos))
        .margin(10)
        .legend_area_size(LEGEND_GLYPH_W)
        .label_font(font(LEGEND_PX))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.35))
        .draw()?;
    Ok(())
}

/// A legend-only entry (nothing drawn in the plot).
pub(crate) fn legend_entry<'a, DB: DrawingBackend + 'a, X: Axis, Y: Axis>(
    chart: &mut Chart<'a, DB, X, Y>,
    label: &str,
    kind: GlyphKind,
) -> Res {
    chart
        .draw_series(std::iter::empty::<Glyph<(f64, f64)>>())?
        .label(label)
        .legend(move |p| Glyph { at: p, kind });
    Ok(())
}

const REF_GREY: Rgb = Rgb(70, 70, 70);

pub(crate) fn draw_ref_bands<'a, DB: DrawingBackend + 'a, X: Axis, Y: Axis>(
    chart: &mut Chart<'a, DB, X, Y>,
    bands: &[RefBand],
    (xr, yr): ((f64, f64), (f64, f64)),
) -> Res {
    for b in bands
        .iter()
        .filter(|b| b.lo.is_finite() && b.hi.is_finite())
    {
        let c = rgb(b.color.unwrap_or(Rgb(150, 150, 150)));
        let (p0, p1) = match b.orientation {
            Orientation::Horizontal => ((xr.0, b.lo.max(yr.0)), (xr.1, b.hi.min(yr.1))),
            Orientation::Vertical => ((b.lo.max(xr.0), yr.0), (b.hi.min(xr.1), yr.1)),
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [p0, p1],
            c.mix(0.15).filled(),
        )))?;
    }
    Ok(())
}

pub(crate) fn ref_band_legend<'a, DB: DrawingBackend + 'a, X: Axis, Y: Axis>(
    chart: &mut Chart<'a, DB, X, Y>,
    bands: &[RefBand],
) -> Result<bool, PlotErrorKind> {
    let mut any = false;
    for b in bands.iter().filter(|b| !b.label.is_empty()) {
        let c = rgb(b.color.unwrap_or(Rgb(150, 150, 150)));
        legend_entry(
            chart,
            &b.label,
            GlyphKind::LegendBox {
                fill: c.mix(0.15),
                edge: c,
            },
        )?;
        any = true;
    }
    Ok(any)
}

const DASHES: [(u32, u32); 3] = [(9, 6), (3, 4), (16, 6)];

pub(crate) fn draw_ref_lines<'a, DB: DrawingBackend + 'a, X: Axis, Y: Axis>(
    chart: &mut Chart<'a, DB, X, Y>,
    lines: &[RefLine],
    (xr, yr): ((f64, f64), (f64, f64)),
) -> Res {
    for (k, l) in lines.iter().enumerate().filter(|(_, l)| l.at.is_finite()) {
        let c = rgb(l.color.unwrap_or(REF_GREY));
        let pts = match l.orientation {
            Orientation::Horizontal => vec![(xr.0, l.at), (xr.1, l.at)],
            Orientation::Vertical => vec![(l.at, yr.0), (l.at, yr.1)],
        };
        let (d, s) = DASHES[k % DASHES.len()];
        chart.draw_series(std::iter::once(DashedPathElement::new(
            pts,
            d,
            s,
            c.stroke_width(2),
        )))?;
    }
    Ok(())
}

pub(crate) fn ref_line_legend<'a, DB: DrawingBackend + 'a, X: Axis, Y: Axis>(
    chart: &mut Chart<'a, DB, X, Y>,
    lines: &[RefLine],
) -> Result<bool, PlotErrorKind> {
    let mut any = false;
    for (k, l) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.label.is_empty() && l.at.is_finite())
    {
        let c = rgb(l.color.unwrap_or(REF_GREY));
        let dash = Some(DASHES[k % DASHES.len()]);
        legend_entry(
            chart,
            &l.label,
            GlyphKind::LegendLine {
                color: c,
                width: 2,
                dash,
                marker: None,
            },
        )?;
        any = true;
    }
    Ok(any)
}

/// One series of a cartesian chart.
struct XySeries<'a> {
    label: &'a str,
    points: &'a [(f64, f64)],
    band: &'a [(f64, f64, f64)],
    marker: Option<(Marker, i32)>,
    line_width: u32,
    dashed: bool,
    color: RGBColor,
    alpha: f64,
}

struct XyChart<'a> {
    x_label: &'a str,
    y_label: &'a str,
    series: Vec<XySeries<'a>>,
    ref_lines: &'a [RefLine],
    ref_bands: &'a [RefBand],
    legend: LegendPos,
    log_x: bool,
    log_y: bool,
}

fn ok(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

/// Frac of the plot (0: left/bottom) of a value on an axis.
fn frac<A: Axis>(a: &A, v: f64) -> f64 {
    f64::from(a.map(&v, (0, 10_000))) / 10_000.0
}

fn draw_xy<DB: DrawingBackend, X: Axis, Y: Axis>(
    area: &DrawingArea<DB, Shift>,
    c: &XyChart<'_>,
    x: X,
    y: Y,
    ranges: ((f64, f64), (f64, f64)),
) -> Res {
    let (lx, ly) = (c.log_x, c.log_y);
    let pos = auto_legend(
        c.legend,
        c.series.iter().flat_map(|s| {
            s.points
                .iter()
                .filter(|p| ok(p.0, lx) && ok(p.1, ly))
                .map(|p| (frac(&x, p.0), frac(&y, p.1)))
                .chain(s.band.iter().filter(|b| ok(b.0, lx)).flat_map(|b| {
                    [(b.1), (b.2)]
                        .into_iter()
                        .filter(|v| ok(*v, ly))
                        .map(|v| (frac(&x, b.0), frac(&y, v)))
                }))
        }),
    );
    let mut chart = build_chart(area, x, y, c.x_label, c.y_label, true)?;
    draw_ref_bands(&mut chart, c.ref_bands, ranges)?;
    for s in &c.series {
        // The band, one polygon per run of finite points.
        for run in s
            .band
            .split(|b| !(ok(b.0, lx) && ok(b.1, ly) && ok(b.2, ly)))
        {
            if run.len() < 2 {
                continue;
            }
            let poly: Vec<(f64, f64)> = run
                .iter()
                .map(|b| (b.0, b.2))
                .chain(run.iter().rev().map(|b| (b.0, b.1)))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(
                poly,
                s.color.mix(0.2).filled(),
            )))?;
        }
    }
    draw_ref_lines(&mut chart, c.ref_lines, ranges)?;
    for s in &c.series {
        if s.line_width == 0 {
            continue;
        }
        let style = s.color.stroke_width(s.line_width);
        for run in s.points.split(|p| !(ok(p.0, lx) && ok(p.1, ly))) {
            if run.len() < 2 {
                continue;
            }
            if s.dashed {
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    run.to_vec(),
                    10,
                    6,
                    style,
                )))?;
            } else {
                chart.draw_series(std::iter::once(PathElement::new(run.to_vec(), style)))?;
            }
        }
    }
    for s in &c.series {
        if let Some((m, r)) = s.marker {
            let fill = s.color.mix(s.alpha);
            let edge = (s.line_width == 0 && m != Marker::Cross).then_some(s.color);
            chart.draw_series(s.points.iter().filter(|p| ok(p.0, lx) && ok(p.1, ly)).map(
                |&p| Glyph {
                    at: p,
                    kind: GlyphKind::Marker { m, r, fill, edge },
                },
            ))?;
        }
    }
    let mut any = false;
    for s in c.series.iter().filter(|s| !s.label.is_empty()) {
        let kind = GlyphKind::LegendLine {
            color: s.color,
            width: s.line_width,
            dash: s.dashed.then_some((10, 6)),
            marker: s.marker,
        };
        legend_entry(&mut chart, s.label, kind)?;
        any = true;
    }
    any |= ref_line_legend(&mut chart, c.ref_lines)?;
    any |= ref_band_legend(&mut chart, c.ref_bands)?;
    legend(&mut chart, pos, any)
}

/// Checks that some data is left after dropping non-finite points.
fn check_finite<'a>(
    series: impl Iterator<Item = (&'a [(f64, f64)], bool)>,
    lx: bool,
    ly: bool,
) -> Res {
    let mut total = 0;
    let mut good = 0;
    for (pts, _) in series {
        total += pts.len();
        good += pts.iter().filter(|p| ok(p.0, lx) && ok(p.1, ly)).count();
    }
    if total > 0 && good == 0 {
        let what = if lx || ly {
            "finite (and positive on a log axis)"
        } else {
            "finite"
        };
        return Err(PlotErrorKind::NothingToDraw(format!(
            "none of the {total} points is {what}"
        )));
    }
    Ok(())
}

fn ref_extent(lines: &[RefLine], bands: &[RefBand], o: Orientation) -> Option<(f64, f64)> {
    let a = extent(lines.iter().filter(|l| l.orientation == o).map(|l| l.at));
    let b = extent(
        bands
            .iter()
            .filter(|b| b.orientation == o)
            .flat_map(|b| [b.lo, b.hi]),
    );
    union(a, b)
}

pub(crate) fn draw_scatter<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Scatter) -> Res {
    check_finite(
        s.series.iter().map(|x| (x.points.as_slice(), true)),
        false,
        false,
    )?;
    let area = frame(root, &s.title, &s.caption)?;
    let xs = extent(
        s.series
            .iter()
            .flat_map(|x| x.points.iter().filter(|p| p.1.is_finite()).map(|p| p.0)),
    );
    let ys = extent(
        s.series
            .iter()
            .flat_map(|x| x.points.iter().filter(|p| p.0.is_finite()).map(|p| p.1)),
    );
    let xs = union(
        xs,
        ref_extent(&s.ref_lines, &s.ref_bands, Orientation::Vertical),
    );
    let ys = union(
        ys,
        ref_extent(&s.ref_lines, &s.ref_bands, Orientation::Horizontal),
    );
    let sym = |r: (f64, f64)| {
        let m = r.0.abs().max(r.1.abs());
        (-m, m)
    };
    let mut xr = match given_range(s.x_range, false, "x")? {
        Some(r) => r,
        None => padded(xs, 0.06, false),
    };
    let mut yr = match given_range(s.y_range, false, "y")? {
        Some(r) => r,
        None => padded(ys, 0.06, false),
    };
    if s.symmetric {
        xr = sym(xr);
        yr = sym(yr);
    }
    if s.equal_aspect {
        for _ in 0..2 {
            let yw = super::xy::y_area_w(&area, &lin(yr), !s.y_label.is_empty());
            let (pw, ph) = plot_dims(&area, yw, !s.x_label.is_empty());
            let (ux, uy) = ((xr.1 - xr.0) / pw, (yr.1 - yr.0) / ph);
            if ux > uy {
                let c = (yr.0 + yr.1) / 2.0;
                let h = ux * ph / 2.0;
                yr = (c - h, c + h);
            } else {
                let c = (xr.0 + xr.1) / 2.0;
                let h = uy * pw / 2.0;
                xr = (c - h, c + h);
            }
        }
    }
    let c = XyChart {
        x_label: &s.x_label,
        y_label: &s.y_label,
        series: s
            .series
            .iter()
            .enumerate()
            .map(|(k, x)| XySeries {
                label: &x.label,
                points: &x.points,
                band: &[],
                marker: Some((x.marker, x.marker_size.unwrap_or(6) as i32)),
                line_width: 0,
                dashed: false,
                color: rgb(x.color.unwrap_or(palette(k))),
                alpha: 0.75,
            })
            .collect(),
        ref_lines: &s.ref_lines,
        ref_bands: &s.ref_bands,
        legend: s.legend,
        log_x: false,
        log_y: false,
    };
    draw_xy(&area, &c, lin(xr), lin(yr), (xr, yr))
}

pub(crate) fn draw_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Lines) -> Res {
    let (lx, ly) = (s.log_x, s.log_y);
    check_finite(s.series.iter().map(|x| (x.points.as_slice(), true)), lx, ly)?;
    let area = frame(root, &s.title, &s.caption)?;
    let xs = extent(
        s.series
            .iter()
            .flat_map(|x| {
                x.points
                    .iter()
                    .filter(|p| ok(p.0, lx) && ok(p.1, ly))
                    .map(|p| p.0)
                    .chain(x.band.iter().map(|b| b.0))
            })
            .filter(|v| ok(*v, lx)),
    );
    let ys = extent(
        s.series
            .iter()
            .flat_map(|x| {
                x.points.iter().filter(|p| ok(p.0, lx)).map(|p| p.1).chain(
                    x.band
                        .iter()
                        .filter(|b| ok(b.0, lx))
                        .flat_map(|b| [b.1, b.2]),
                )
            })
            .filter(|v| ok(*v, ly)),
    );
    let keep = |r: Option<(f64, f64)>, log: bool| r.filter(|r| !log || r.0 > 0.0);
    let xs = union(
        xs,
        keep(
            ref_extent(&s.ref_lines, &s.ref_bands, Orientation::Vertical),
            lx,
        ),
    );
    let ys = union(
        ys,
        keep(
            ref_extent(&s.ref_lines, &s.ref_bands, Orientation::Horizontal),
            ly,
        ),
    );
    let xr = match given_range(s.x_range, lx, "x")? {
        Some(r) => r,
        None => padded(xs, if lx { 0.02 } else { 0.03 }, lx),
    };
    let yr = match given_range(s.y_range, ly, "y")? {
        Some(r) => r,
        None => padded(ys, 0.06, ly),
    };
    let c = XyChart {
        x_label: &s.x_label,
        y_label: &s.y_label,
        series: s
            .series
            .iter()
            .enumerate()
            .map(|(k, x)| XySeries {
                label: &x.label,
                points: &x.points,
                band: &x.band,
                marker: x.marker.map(|m| (m, 6)),
                line_width: x.line_width.unwrap_or(2),
                dashed: x.dashed,
                color: rgb(x.color.unwrap_or(palette(k))),
                alpha: 1.0,
            })
            .collect(),
        ref_lines: &s.ref_lines,
        ref_bands: &s.ref_bands,
        legend: s.legend,
        log_x: lx,
        log_y: ly,
    };
    match (lx, ly) {
        (false, false) => draw_xy(&area, &c, lin(xr), lin(yr), (xr, yr)),
        (true, false) => draw_xy(&area, &c, log(xr), lin(yr), (xr, yr)),
        (false, true) => draw_xy(&area, &c, lin(xr), log(yr), (xr, yr)),
        (true, true) => draw_xy(&area, &c, log(xr), log(yr), (xr, yr)),
    }
}
