//! Drawing primitives (plotters, with an embedded font).
//!
//! Data-neutral figure functions: each takes a plain-data spec (public fields,
//! `Default`, serde) and writes one image whose format follows the path's
//! extension (`.png`: bitmap, `.svg`: SVG). Text is drawn with an embedded
//! font (Ubuntu Light, with Greek letters and subscript digits), so images
//! look the same on a machine without system fonts, and rendering the same
//! spec twice gives the same bytes.
//!
//! * [`scatter`]: points (Fig. 1, 2, 4a, 7a: gradient vs curvature projection),
//! * [`histogram`]: binned values with rug marks (spectrum vs probe),
//! * [`lines`]: curves with shaded bands (Fig. 4b, Fig. 5),
//! * [`heatmap`]: a labelled grid of cells (Fig. S5),
//! * [`contour`]: a filled 2D slice with iso-lines and named points,
//! * [`gridworld`] / [`gridworld_panels`]: policies as arrows (Fig. 3),
//! * [`panels`]: any of the above side by side in one image.
//!
//! Non-finite values are skipped; a spec whose data are all non-finite is an
//! error ([`PlotErrorKind::NothingToDraw`]), an empty spec draws empty axes.

mod colour;
mod contour;
mod grid;
mod heat;
mod hist;
mod util;
mod xy;

use std::fmt;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

pub use colour::{Colormap, PALETTE, Rgb, palette};

/// Why a figure could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlotErrorKind {
    /// The path's extension is neither `png` nor `svg` (the extension found).
    UnsupportedExtension(String),
    /// The spec holds data, but none of it is finite (which data).
    NothingToDraw(String),
    /// The spec is inconsistent (e.g. a contour's `z` does not match `x`/`y`).
    InvalidSpec(String),
    /// The drawing backend failed (e.g. the file could not be written).
    Backend(String),
}

impl fmt::Display for PlotErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedExtension(e) => {
                write!(f, "unsupported extension {e:?} (expected png or svg)")
            }
            Self::NothingToDraw(w) => write!(f, "nothing to draw: {w}"),
            Self::InvalidSpec(w) => write!(f, "invalid spec: {w}"),
            Self::Backend(w) => write!(f, "drawing failed: {w}"),
        }
    }
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for PlotErrorKind
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        Self::Backend(e.to_string())
    }
}

/// A figure that could not be drawn: the image's path and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotError {
    /// The image's path (empty when drawing into a caller's drawing area).
    pub path: PathBuf,
    /// What went wrong.
    pub kind: PlotErrorKind,
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.as_os_str().is_empty() {
            write!(f, "<drawing area>: {}", self.kind)
        } else {
            write!(f, "{}: {}", self.path.display(), self.kind)
        }
    }
}

impl std::error::Error for PlotError {}

/// Where a chart's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum LegendPos {
    /// The corner holding the fewest data points.
    #[default]
    Auto,
    /// Top left corner, inside the plot.
    UpperLeft,
    /// Top right corner, inside the plot.
    UpperRight,
    /// Bottom left corner, inside the plot.
    LowerLeft,
    /// Bottom right corner, inside the plot.
    LowerRight,
    /// No legend.
    Hidden,
}

/// A point marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Marker {
    /// A filled disc.
    #[default]
    Circle,
    /// A filled upward triangle.
    Triangle,
    /// A filled five-pointed star.
    Star,
    /// A diagonal cross (×).
    Cross,
    /// A filled square.
    Square,
}

/// The orientation of a reference line or band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Orientation {
    /// Constant y, across the plot.
    #[default]
    Horizontal,
    /// Constant x, from bottom to top.
    Vertical,
}

/// A dashed reference line (e.g. an axis through 0, λ_min, a threshold).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RefLine {
    /// Horizontal (`y = at`) or vertical (`x = at`).
    pub orientation: Orientation,
    /// The line's coordinate (a non-finite value is skipped).
    pub at: f64,
    /// The legend text; empty: the line is not in the legend.
    pub label: String,
    /// The colour; `None`: dark grey.
    pub color: Option<Rgb>,
}

impl RefLine {
    /// A horizontal line `y = at` with a legend label.
    pub fn horizontal(at: f64, label: impl Into<String>) -> Self {
        Self {
            orientation: Orientation::Horizontal,
            at,
            label: label.into(),
            color: None,
        }
    }
    /// A vertical line `x = at` with a legend label.
    pub fn vertical(at: f64, label: impl Into<String>) -> Self {
        Self {
            orientation: Orientation::Vertical,
            at,
            label: label.into(),
            color: None,
        }
    }
}

/// A shaded reference band (e.g. a detectability band `|y| < ε`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RefBand {
    /// Horizontal (`lo ≤ y ≤ hi`) or vertical (`lo ≤ x ≤ hi`).
    pub orientation: Orientation,
    /// The band's lower edge.
    pub lo: f64,
    /// The band's upper edge.
    pub hi: f64,
    /// The legend text; empty: the band is not in the legend.
    pub label: String,
    /// The colour (drawn at low opacity); `None`: grey.
    pub color: Option<Rgb>,
}

/// One series of a [`Scatter`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScatterSeries {
    /// The legend text (empty: not in the legend).
    pub label: String,
    /// The points `(x, y)`; non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
    /// The marker.
    pub marker: Marker,
    /// The colour; `None`: [`palette`] by series index.
    pub color: Option<Rgb>,
    /// The marker's radius in pixels; `None`: 6.
    pub marker_size: Option<u32>,
}

/// A scatter plot (Fig. 1, 2, 4a, 7a: gradient projection vs curvature projection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scatter {
    /// Image size in pixels (width, height); ignored inside [`panels`].
    pub size: (u32, u32),
    /// The title (empty: none).
    pub title: String,
    /// The x axis label, with units where applicable.
    pub x_label: String,
    /// The y axis label, with units where applicable.
    pub y_label: String,
    /// The series, drawn in order.
    pub series: Vec<ScatterSeries>,
    /// Dashed reference lines.
    pub ref_lines: Vec<RefLine>,
    /// Shaded reference bands (drawn under the points).
    pub ref_bands: Vec<RefBand>,
    /// Text under the plot; `\n` separates lines (e.g. a verdict and its interval).
    pub caption: String,
    /// One unit on x spans as many pixels as one unit on y.
    pub equal_aspect: bool,
    /// Each axis' range is symmetric around 0.
    pub symmetric: bool,
    /// A fixed x range; `None`: from the data.
    pub x_range: Option<(f64, f64)>,
    /// A fixed y range; `None`: from the data.
    pub y_range: Option<(f64, f64)>,
    /// Where the legend goes.
    pub legend: LegendPos,
}

impl Default for Scatter {
    fn default() -> Self {
        Self {
            size: DEFAULT_SIZE,
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            ref_lines: Vec::new(),
            ref_bands: Vec::new(),
            caption: String::new(),
            equal_aspect: false,
            symmetric: false,
            x_range: None,
            y_range: None,
            legend: LegendPos::Auto,
        }
    }
}

/// One curve of a [`Lines`] chart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LineSeries {
    /// The legend text (empty: not in the legend).
    pub label: String,
    /// The curve's points `(x, y)`, in drawing order; non-finite points break the line.
    pub points: Vec<(f64, f64)>,
    /// A shaded band `(x, lo, hi)` under the line (e.g. ± half a standard deviation).
    pub band: Vec<(f64, f64, f64)>,
    /// Markers on the points; `None`: a plain line.
    pub marker: Option<Marker>,
    /// The colour; `None`: [`palette`] by series index.
    pub color: Option<Rgb>,
    /// A dashed line.
    pub dashed: bool,
    /// The line width in pixels; `None`: 2 (0: markers only).
    pub line_width: Option<u32>,
}

/// Curves with optional bands and markers (Fig. 4b, Fig. 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lines {
    /// Image size in pixels (width, height); ignored inside [`panels`].
    pub size: (u32, u32),
    /// The title (empty: none).
    pub title: String,
    /// The x axis label.
    pub x_label: String,
    /// The y axis label.
    pub y_label: String,
    /// The curves, drawn in order (bands first, then lines, then markers).
    pub series: Vec<LineSeries>,
    /// Dashed reference lines.
    pub ref_lines: Vec<RefLine>,
    /// Shaded reference bands.
    pub ref_bands: Vec<RefBand>,
    /// Text under the plot; `\n` separates lines.
    pub caption: String,
    /// A logarithmic x axis (points with x ≤ 0 are skipped).
    pub log_x: bool,
    /// A logarithmic y axis (points with y ≤ 0 are skipped).
    pub log_y: bool,
    /// A fixed x range; `None`: from the data.
    pub x_range: Option<(f64, f64)>,
    /// A fixed y range; `None`: from the data.
    pub y_range: Option<(f64, f64)>,
    /// Where the legend goes.
    pub legend: LegendPos,
}

impl Default for Lines {
    fn default() -> Self {
        Self {
            size: DEFAULT_SIZE,
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            ref_lines: Vec::new(),
            ref_bands: Vec::new(),
            caption: String::new(),
            log_x: false,
            log_y: false,
            x_range: None,
            y_range: None,
            legend: LegendPos::Auto,
        }
    }
}

/// One series of a [`Histogram`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HistSeries {
    /// The legend text (empty: not in the legend).
    pub label: String,
    /// Raw values, binned over the histogram's common range (non-finite skipped).
    pub values: Vec<f64>,
    /// Pre-binned `(lo, hi, count)`; when non-empty, used instead of `values`.
    pub binned: Vec<(f64, f64, f64)>,
    /// The colour; `None`: [`palette`] by series index.
    pub color: Option<Rgb>,
}

/// Vertical tick marks at given values along the x axis (e.g. exact eigenvalues).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Rug {
    /// The legend text (empty: not in the legend).
    pub label: String,
    /// Where the ticks go (non-finite skipped).
    pub values: Vec<f64>,
    /// The colour; `None`: black.
    pub color: Option<Rgb>,
}

/// Histograms of several series over a common range, with rug marks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Histogram {
    /// Image size in pixels (width, height); ignored inside [`panels`].
    pub size: (u32, u32),
    /// The title (empty: none).
    pub title: String,
    /// The x axis label.
    pub x_label: String,
    /// The y axis label (e.g. "count" or "density").
    pub y_label: String,
    /// The series, drawn as semi-transparent bars with a step outline.
    pub series: Vec<HistSeries>,
    /// The number of bins for raw values (0: 30).
    pub bins: usize,
    /// The common binning range; `None`: the finite values' extent (rugs included).
    pub range: Option<(f64, f64)>,
    /// Divide counts by (total × bin width), so series of different sizes compare.
    pub density: bool,
    /// Rug marks along the x axis.
    pub rugs: Vec<Rug>,
    /// Dashed reference lines (usually vertical).
    pub ref_lines: Vec<RefLine>,
    /// A logarithmic y axis (empty bins are not drawn).
    pub log_y: bool,
    /// Draw step outlines only (no filled bars).
    pub outline_only: bool,
    /// Text under the plot; `\n` separates lines.
    pub caption: String,
    /// Where the legend goes.
    pub legend: LegendPos,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            size: DEFAULT_SIZE,
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            bins: 30,
            range: None,
            density: false,
            rugs: Vec::new(),
            ref_lines: Vec::new(),
            log_y: false,
            outline_only: false,
            caption: String::new(),
            legend: LegendPos::Auto,
        }
    }
}

/// A grid of coloured cells with text (Fig. S5: a fraction over τ₀ × decay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Heatmap {
    /// Image size in pixels (width, height); ignored inside [`panels`].
    pub size: (u32, u32),
    /// The title (empty: none).
    pub title: String,
    /// The label of the vertical axis (rows).
    pub row_label: String,
    /// The label of the horizontal axis (columns).
    pub col_label: String,
    /// Row tick labels, top to bottom (one per row).
    pub row_ticks: Vec<String>,
    /// Column tick labels, left to right (one per column).
    pub col_ticks: Vec<String>,
    /// Cell values, `values[row][col]`; `None` (or non-finite): grey and hatched.
    pub values: Vec<Vec<Option<f64>>>,
    /// Cell texts, `text[row][col]` (`\n` separates lines); missing: none.
    pub text: Vec<Vec<String>>,
    /// The colour scale's range; `None`: the finite values' extent.
    pub range: Option<(f64, f64)>,
    /// The colour map.
    pub colormap: Colormap,
    /// The colour bar's label.
    pub colorbar_label: String,
    /// Text under the plot; `\n` separates lines.
    pub caption: String,
}

impl Default for Heatmap {
    fn default() -> Self {
        Self {
            size: DEFAULT_SIZE,
            title: String::new(),
            row_label: String::new(),
            col_label: String::new(),
            row_ticks: Vec::new(),
            col_ticks: Vec::new(),
            values: Vec::new(),
            text: Vec::new(),
            range: None,
            colormap: Colormap::Viridis,
            colorbar_label: String::new(),
            caption: String::new(),
        }
    }
}

/// A named point on a [`Contour`] (e.g. "θ_sub" at (0, 0)).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PointMark {
    /// The label written next to the point.
    pub label: String,
    /// The point's x.
    pub x: f64,
    /// The point's y.
    pub y: f64,
    /// The marker (drawn white with a black edge).
    pub marker: Marker,
}

/// A filled 2D slice with iso-lines: `z[i][j]` at `(x[j], y[i])` on a regular grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contour {
    /// Image size in pixels (width, height); ignored inside [`panels`].
    pub size: (u32, u32),
    /// The title (empty: none).
    pub title: String,
    /// The x axis label.
    pub x_label: String,
    /// The y axis label.
    pub y_label: String,
    /// Grid abscissae, increasing (at least 2).
    pub x: Vec<f64>,
    /// Grid ordinates, increasing (at least 2).
    pub y: Vec<f64>,
    /// Values `z[i][j]` at `(x[j], y[i])`: `y.len()` rows of `x.len()` values.
    pub z: Vec<Vec<f64>>,
    /// The number of iso-lines, evenly spaced inside the colour range (when `levels` is empty).
    pub n_levels: usize,
    /// Explicit iso-line levels (overrides `n_levels`).
    pub levels: Vec<f64>,
    /// A fixed colour range (so side-by-side panels compare); `None`: the finite z extent.
    pub range: Option<(f64, f64)>,
    /// The colour map.
    pub colormap: Colormap,
    /// The colour bar's label.
    pub colorbar_label: String,
    /// Named points.
    pub marks: Vec<PointMark>,
    /// Text under the plot; `\n` separates lines.
    pub caption: String,
}

impl Default for Contour {
    fn default() -> Self {
        Self {
            size: DEFAULT_SIZE,
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            x: Vec::new(),
            y: Vec::new(),
            z: Vec::new(),
            n_levels: 10,
            levels: Vec::new(),
            range: None,
            colormap: Colormap::Viridis,
            colorbar_label: String::new(),
            marks: Vec::new(),
            caption: String::new(),
        }
    }
}

/// A reward written and shaded in a [`Gridworld`] cell.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GridReward {
    /// The cell's row (0 at the top).
    pub row: usize,
    /// The cell's column (0 at the left).
    pub col: usize,
    /// The reward (its sign picks the shade, its size the intensity).
    pub reward: f64,
}

/// A gridworld with a policy drawn as arrows (Fig. 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Gridworld {
    /// Image size in pixels (width, height) of one panel; ignored inside [`panels`].
    pub size: (u32, u32),
    /// The title (empty: none).
    pub title: String,
    /// The grid's side (`n × n` cells).
    pub n: usize,
    /// The start cell `(row, col)`, marked "S".
    pub start: Option<(usize, usize)>,
    /// Reward cells.
    pub rewards: Vec<GridReward>,
    /// Per cell, row-major (`n * n` entries or empty), the action probabilities
    /// `[LEFT, RIGHT, UP, DOWN]` drawn as arrows whose length and opacity grow
    /// with the probability; `None`: no arrows in that cell.
    pub policy: Vec<Option<[f64; 4]>>,
    /// Text under the grid; `\n` separates lines.
    pub caption: String,
}

impl Default for Gridworld {
    fn default() -> Self {
        Self {
            size: (600, 640),
            title: String::new(),
            n: 5,
            start: None,
            rewards: Vec::new(),
            policy: Vec::new(),
            caption: String::new(),
        }
    }
}

/// Any figure, for [`panels`] and [`draw_panel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Panel {
    /// A [`Scatter`].
    Scatter(Scatter),
    /// A [`Histogram`].
    Histogram(Histogram),
    /// A [`Lines`] chart.
    Lines(Lines),
    /// A [`Heatmap`].
    Heatmap(Heatmap),
    /// A [`Contour`].
    Contour(Contour),
    /// A [`Gridworld`].
    Gridworld(Gridworld),
}

/// The default image size: 900 × 600 pixels.
pub const DEFAULT_SIZE: (u32, u32) = (900, 600);

#[derive(Clone, Copy)]
enum PanelRef<'a> {
    Scatter(&'a Scatter),
    Histogram(&'a Histogram),
    Lines(&'a Lines),
    Heatmap(&'a Heatmap),
    Contour(&'a Contour),
    Gridworld(&'a Gridworld),
}

impl Panel {
    fn as_ref(&self) -> PanelRef<'_> {
        match self {
            Self::Scatter(s) => PanelRef::Scatter(s),
            Self::Histogram(s) => PanelRef::Histogram(s),
            Self::Lines(s) => PanelRef::Lines(s),
            Self::Heatmap(s) => PanelRef::Heatmap(s),
            Self::Contour(s) => PanelRef::Contour(s),
            Self::Gridworld(s) => PanelRef::Gridworld(s),
        }
    }
}

type Res = Result<(), PlotErrorKind>;

fn draw_ref<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: PanelRef<'_>,
    raster: bool,
) -> Res {
    area.fill(&WHITE)?;
    match p {
        PanelRef::Scatter(s) => xy::draw_scatter(area, s),
        PanelRef::Lines(s) => xy::draw_lines(area, s),
        PanelRef::Histogram(s) => hist::draw(area, s),
        PanelRef::Heatmap(s) => heat::draw(area, s),
        PanelRef::Contour(s) => contour::draw(area, s, raster),
        PanelRef::Gridworld(s) => grid::draw(area, s),
    }
}

/// Registers the embedded font (Ubuntu Light) as `sans-serif`, for every style, once per process.
pub fn ensure_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            // The font is a valid TTF; a failure would only leave text undrawn.
            let _ = plotters::style::register_font(
                "sans-serif",
                style,
                epaint_default_fonts::UBUNTU_LIGHT,
            );
        }
    });
}

/// The characters of `text` that the embedded font cannot draw (they would
/// show as empty boxes); whitespace is never reported. The font covers Latin,
/// Greek (θ, τ, σ, α, λ, Δ, …), sub- and superscript digits (θ₀, x²), ±, ×, −,
/// ·, but not e.g. ∇, ᵀ, ‖ or letter subscripts (ᵢ).
pub fn missing_glyphs(text: &str) -> Vec<char> {
    use ab_glyph::Font;
    let Ok(font) = ab_glyph::FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT) else {
        return text.chars().filter(|c| !c.is_whitespace()).collect();
    };
    let mut out: Vec<char> = text
        .chars()
        .filter(|&c| !c.is_whitespace() && font.glyph_id(c).0 == 0)
        .collect();
    out.dedup();
    out
}

/// Draws a figure into a caller's drawing area (e.g. one cell of a bigger
/// layout). `raster`: the backend is a bitmap (contours are then filled pixel
/// by pixel; otherwise cell by cell, which keeps vector files small).
pub fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    raster: bool,
) -> Result<(), PlotError> {
    ensure_fonts();
    draw_ref(area, panel.as_ref(), raster).map_err(|kind| PlotError {
        path: PathBuf::new(),
        kind,
    })
}

enum Format {
    Png,
    Svg,
}

enum Job<'a> {
    Grid {
        cols: usize,
        panels: Vec<PanelRef<'a>>,
    },
    Row(&'a [Gridworld]),
}

fn draw_job<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, job: &Job<'_>, raster: bool) -> Res {
    area.fill(&WHITE)?;
    match job {
        Job::Grid { cols, panels } => {
            let cols = (*cols).clamp(1, panels.len().max(1));
            let rows = panels.len().div_ceil(cols).max(1);
            let cells = area.split_evenly((rows, cols));
            for (cell, p) in cells.iter().zip(panels) {
                draw_ref(cell, *p, raster)?;
            }
            Ok(())
        }
        Job::Row(grids) => {
            let total: u32 = grids.iter().map(|g| g.size.0.max(1)).sum::<u32>().max(1);
            let (w, _) = area.dim_in_pixel();
            let mut rest = area.clone();
            for (k, g) in grids.iter().enumerate() {
                if k + 1 == grids.len() {
                    grid::draw(&rest, g)?;
                } else {
                    let cw = (u64::from(w) * u64::from(g.size.0.max(1)) / u64::from(total)) as i32;
                    let (left, right) = rest.split_horizontally(cw);
                    grid::draw(&left, g)?;
                    rest = right;
                }
            }
            Ok(())
        }
    }
}

fn write_job(path: &Path, size: (u32, u32), job: Job<'_>) -> Result<(), PlotError> {
    let err = |kind| PlotError {
        path: path.to_path_buf(),
        kind,
    };
    ensure_fonts();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let format = match ext.as_str() {
        "png" => Format::Png,
        "svg" => Format::Svg,
        _ => return Err(err(PlotErrorKind::UnsupportedExtension(ext))),
    };
    if size.0 < 16 || size.1 < 16 || size.0 > 16384 || size.1 > 16384 {
        return Err(err(PlotErrorKind::InvalidSpec(format!(
            "image size {}×{} (expected 16 to 16384 pixels a side)",
            size.0, size.1
        ))));
    }
    // Check the data before creating the file: a failed figure leaves no file.
    match format {
        Format::Png => {
            let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
                draw_job(&root, &job, true).map_err(err)?;
                root.present().map_err(|e| err(e.into()))?;
            }
            util::write_png(path, size, &buf).map_err(err)
        }
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                draw_job(&root, &job, false).map_err(err)?;
                root.present().map_err(|e| err(e.into()))?;
            }
            std::fs::write(path, text).map_err(|e| err(PlotErrorKind::Backend(e.to_string())))
        }
    }
}

/// Draws a [`Scatter`] into `path` (`.png` or `.svg`).
pub fn scatter(path: impl AsRef<Path>, spec: &Scatter) -> Result<(), PlotError> {
    write_job(
        path.as_ref(),
        spec.size,
        Job::Grid {
            cols: 1,
            panels: vec![PanelRef::Scatter(spec)],
        },
    )
}

/// Draws a [`Histogram`] into `path` (`.png` or `.svg`).
pub fn histogram(path: impl AsRef<Path>, spec: &Histogram) -> Result<(), PlotError> {
    write_job(
        path.as_ref(),
        spec.size,
        Job::Grid {
            cols: 1,
            panels: vec![PanelRef::Histogram(spec)],
        },
    )
}

/// Draws a [`Lines`] chart into `path` (`.png` or `.svg`).
pub fn lines(path: impl AsRef<Path>, spec: &Lines) -> Result<(), PlotError> {
    write_job(
        path.as_ref(),
        spec.size,
        Job::Grid {
            cols: 1,
            panels: vec![PanelRef::Lines(spec)],
        },
    )
}

/// Draws a [`Heatmap`] into `path` (`.png` or `.svg`).
pub fn heatmap(path: impl AsRef<Path>, spec: &Heatmap) -> Result<(), PlotError> {
    write_job(
        path.as_ref(),
        spec.size,
        Job::Grid {
            cols: 1,
            panels: vec![PanelRef::Heatmap(spec)],
        },
    )
}

/// Draws a [`Contour`] into `path` (`.png` or `.svg`).
pub fn contour(path: impl AsRef<Path>, spec: &Contour) -> Result<(), PlotError> {
    write_job(
        path.as_ref(),
        spec.size,
        Job::Grid {
            cols: 1,
            panels: vec![PanelRef::Contour(spec)],
        },
    )
}

/// Draws a [`Gridworld`] into `path` (`.png` or `.svg`).
pub fn gridworld(path: impl AsRef<Path>, spec: &Gridworld) -> Result<(), PlotError> {
    write_job(
        path.as_ref(),
        spec.size,
        Job::Row(std::slice::from_ref(spec)),
    )
}

/// Draws several [`Gridworld`]s side by side in one image (e.g. θ_sub and
/// θ_opt): as wide as the sum of their `size` widths, as high as the highest.
pub fn gridworld_panels(path: impl AsRef<Path>, specs: &[Gridworld]) -> Result<(), PlotError> {
    let path = path.as_ref();
    if specs.is_empty() {
        return Err(PlotError {
            path: path.to_path_buf(),
            kind: PlotErrorKind::NothingToDraw("no gridworld panels".into()),
        });
    }
    let w = specs.iter().map(|g| g.size.0).sum();
    let h = specs.iter().map(|g| g.size.1).max().unwrap_or(0);
    write_job(path, (w, h), Job::Row(specs))
}

/// Draws several figures in one `width × height` image, `cols` per row (row-major).
pub fn panels(
    path: impl AsRef<Path>,
    width: u32,
    height: u32,
    cols: usize,
    panels: &[Panel],
) -> Result<(), PlotError> {
    let path = path.as_ref();
    if panels.is_empty() {
        return Err(PlotError {
            path: path.to_path_buf(),
            kind: PlotErrorKind::NothingToDraw("no panels".into()),
        });
    }
    write_job(
        path,
        (width, height),
        Job::Grid {
            cols,
            panels: panels.iter().map(Panel::as_ref).collect(),
        },
    )
}
