//! Colours: the series palette and the colour maps.

use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub(crate) fn c(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
    /// Relative luminance in [0, 1] (sRGB weights, no gamma): picks black or white text.
    pub(crate) fn luma(self) -> f64 {
        (0.299 * f64::from(self.0) + 0.587 * f64::from(self.1) + 0.114 * f64::from(self.2)) / 255.0
    }
    /// `t` of the way from `self` to `other`.
    pub(crate) fn lerp(self, other: Rgb, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// The default series colours (Okabe & Ito's colour-blind-safe palette):
/// blue, vermillion, bluish green, orange, reddish purple, sky blue, black, yellow.
pub const PALETTE: [Rgb; 8] = [
    Rgb(0, 114, 178),
    Rgb(213, 94, 0),
    Rgb(0, 158, 115),
    Rgb(230, 159, 0),
    Rgb(204, 121, 167),
    Rgb(86, 180, 233),
    Rgb(0, 0, 0),
    Rgb(240, 228, 66),
];

/// The default colour of series `i` ([`PALETTE`], cycling).
pub fn palette(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

/// A colour map from a value in [0, 1] to a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Colormap {
    /// Perceptually uniform, dark blue-violet → green → yellow (viridis).
    #[default]
    Viridis,
    /// Viridis reversed: yellow (low) → dark (high).
    ViridisReversed,
    /// Diverging blue → white → red, for signed values centred on the range's middle.
    BlueRed,
    /// Light grey → black.
    Greys,
}

/// Viridis at 0, 0.1, …, 1 (the published colour map's sample points).
const VIRIDIS: [Rgb; 11] = [
    Rgb(0x44, 0x01, 0x54),
    Rgb(0x48, 0x24, 0x75),
    Rgb(0x41, 0x44, 0x87),
    Rgb(0x35, 0x5f, 0x8d),
    Rgb(0x2a, 0x78, 0x8e),
    Rgb(0x21, 0x91, 0x8c),
    Rgb(0x22, 0xa8, 0x84),
    Rgb(0x44, 0xbf, 0x70),
    Rgb(0x7a, 0xd1, 0x51),
    Rgb(0xbd, 0xdf, 0x26),
    Rgb(0xfd, 0xe7, 0x25),
];

const BLUE_RED: [Rgb; 5] = [
    Rgb(33, 102, 172),
    Rgb(146, 197, 222),
    Rgb(247, 247, 247),
    Rgb(244, 165, 130),
    Rgb(178, 24, 43),
];

const GREYS: [Rgb; 2] = [Rgb(240, 240, 240), Rgb(20, 20, 20)];

fn interpolate(table: &[Rgb], t: f64) -> Rgb {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let s = t * (table.len() - 1) as f64;
    let k = (s.floor() as usize).min(table.len() - 2);
    table[k].lerp(table[k + 1], s - k as f64)
}

impl Colormap {
    /// The colour at `t` in [0, 1] (clamped; NaN: the low end).
    pub fn at(self, t: f64) -> Rgb {
        match self {
            Self::Viridis => interpolate(&VIRIDIS, t),
            Self::ViridisReversed => interpolate(&VIRIDIS, 1.0 - t),
            Self::BlueRed => interpolate(&BLUE_RED, t),
            Self::Greys => interpolate(&GREYS, t),
        }
    }
}
