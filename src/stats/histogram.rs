//! A histogram that needs no range in advance: symmetric, log-spaced bins
//! of half an octave, with edges decided exactly from the float's bits.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// bin indices j < 256 = MAG_BINS come from the classification of an
// IEEE exponent (bounded by the format's width), the nested arrays are
// ROWS x COLS = MAG_BINS; the integer exponent arithmetic works on fixed
// bit-field widths.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "bin indices below MAG_BINS by construction (see above)"
)]

use core::iter::FusedIterator;
use core::marker::PhantomData;

use crate::error::{Error, Result};
use crate::real::Real;

/// Magnitude bins per sign: 128 octaves, two bins each.
const MAG_BINS: usize = 256;
/// Rows of the nested count arrays (serde derives stop at length 32).
const ROWS: usize = MAG_BINS / COLS;
/// Columns of the nested count arrays.
const COLS: usize = 32;

/// The smallest integer `m` with `m² >= 2^e` (`e <= 125`).
const fn ceil_sqrt_pow2(e: u32) -> u64 {
    let target: u128 = 1 << e;
    let mut lo: u128 = 0; // lo² < target
    let mut hi: u128 = 1 << (e / 2 + 1); // hi² >= target
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if mid * mid >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi as u64
}

/// `ceil(√2·2²³)`: the first `f32` significand (hidden bit included) of an
/// upper half-octave.
const SQRT2_SIGNIFICAND_F32: u64 = ceil_sqrt_pow2(47);
/// `ceil(√2·2⁵²)`: the same for `f64`.
const SQRT2_SIGNIFICAND_F64: u64 = ceil_sqrt_pow2(105);

/// `2^k` as an `f64`, exact for `-1022 <= k <= 1023`.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// Where a finite value falls: the zero bin, or magnitude bin `j` of a sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Zero,
    Mag {
        negative: bool,
        j: usize,
        overflow: bool,
    },
}

/// Classifies a value from its bits; `None` for NaN and ±∞.
fn classify<T: Real>(x: T) -> Option<Slot> {
    if !x.is_finite() {
        return None;
    }
    // `Real` is sealed to f32 and f64: the IEEE binary32 / binary64 layouts.
    let (width, threshold) = if T::MANTISSA_BITS <= 24 {
        (32, SQRT2_SIGNIFICAND_F32)
    } else {
        (64, SQRT2_SIGNIFICAND_F64)
    };
    let frac_bits = T::MANTISSA_BITS - 1;
    let exp_bits = width - 1 - frac_bits;
    let bias = (1_i32 << (exp_bits - 1)) - 1;
    let bits = x.to_bits_u64();
    let negative = (bits >> (width - 1)) & 1 == 1;
    let biased = ((bits >> frac_bits) & ((1 << exp_bits) - 1)) as i32;
    if biased == 0 {
        return Some(Slot::Zero); // ±0 and subnormals, all far below 2⁻⁶⁴
    }
    let e = biased - bias; // |x| in [2^e, 2^(e+1))
    if e < LogHistogram::<T>::MIN_EXP {
        return Some(Slot::Zero);
    }
    if e >= LogHistogram::<T>::MAX_EXP {
        return Some(Slot::Mag {
            negative,
            j: MAG_BINS - 1,
            overflow: true,
        });
    }
    let significand = (bits & ((1 << frac_bits) - 1)) | (1 << frac_bits);
    let upper = usize::from(significand >= threshold);
    let j = 2 * (e - LogHistogram::<T>::MIN_EXP) as usize + upper;
    Some(Slot::Mag {
        negative,
        j,
        overflow: false,
    })
}

/// Lower edge of magnitude bin `j` (`0 <= j <= 256`; 256 gives 2⁶⁴): the
/// smallest `T` value in the bin, so membership is exactly `lo <= |x| < hi`.
fn edge<T: Real>(j: usize) -> T {
    let octave = pow2(LogHistogram::<T>::MIN_EXP + (j / 2) as i32);
    if j.is_multiple_of(2) {
        return T::from_f64(octave);
    }
    let (frac_bits, threshold) = if T::MANTISSA_BITS <= 24 {
        (23, SQRT2_SIGNIFICAND_F32)
    } else {
        (52, SQRT2_SIGNIFICAND_F64)
    };
    // threshold < 2^53 and the scalings are by powers of two: exact in f64,
    // and exact again in T (the threshold has T's significand width).
    T::from_f64(threshold as f64 * pow2(-frac_bits) * octave)
}

/// A histogram of real values over symmetric half-octave bins, with no range
/// fixed in advance.
///
/// Layout (513 bins, in increasing order of value):
///
/// * a zero bin for `|x| < 2⁻⁶⁴` (±0 and every subnormal included);
/// * for each sign, 256 bins of half an octave covering magnitudes
///   `[2⁻⁶⁴, 2⁶⁴)`: magnitude bin `j` holds `2^(j/2 − 64) <= |x| < 2^((j+1)/2 − 64)`,
///   i.e. `j = floor(2·log2|x|) + 128`. Magnitudes `>= 2⁶⁴` go to the
///   outermost bin of their sign and are also counted in
///   [`LogHistogram::overflow_count`].
///
/// No logarithm is computed: the octave is the float's unbiased exponent,
/// read from [`Real::to_bits_u64`], and the half is one integer comparison of
/// the significand `M` (with its hidden bit) against the smallest integer
/// `C ≥ √2·2^f` (`f` = 23 or 52 fraction bits), which is the exact test
/// `M² ≥ 2^(2f+1)`. Since √2 is irrational no float lies on a half-octave
/// edge, so every finite `f32` or `f64` has one unambiguous bin, and a value
/// representable in both types gets the same bin in both.
///
/// Fixed memory, about 2 KiB: each of the 512 signed bins counts in a `u32`
/// that saturates at `u32::MAX`; the zero bin and the totals
/// ([`count`](Self::count), [`negative_count`](Self::negative_count),
/// [`zero_count`](Self::zero_count), [`positive_count`](Self::positive_count),
/// [`overflow_count`](Self::overflow_count)) are `u64` and saturate at
/// `u64::MAX`. `T` is only the scalar of the pushed values and the reported
/// edges; bins of `f32` and `f64` histograms coincide.
///
/// Bin indices run from 0 (most negative) to 512 (most positive), with the
/// zero bin at [`ZERO_BIN`](Self::ZERO_BIN) = 256. Negative bins mirror the
/// positive ones, so they are closed at the end nearer zero:
/// bin `i` holds `lo <= x < hi` above zero, `lo < x <= hi` below zero, and
/// `lo < x < hi` (`±2⁻⁶⁴`) for the zero bin, with `(lo, hi)` from
/// [`bin_range`](Self::bin_range).
///
/// # Examples
///
/// ```
/// use policy_landscape::stats::LogHistogram;
///
/// let mut h = LogHistogram::<f64>::new();
/// for x in [0.0, 1.0, 1.2, 1.5, -3.0, 1e30] {
///     h.push(x)?;
/// }
/// assert_eq!(h.count(), 6);
/// assert_eq!((h.negative_count(), h.zero_count(), h.positive_count()), (1, 1, 4));
/// // 1.0 and 1.2 share [1, √2); 1.5 is in [√2, 2).
/// let i = LogHistogram::<f64>::bin_of(1.2).unwrap();
/// assert_eq!(LogHistogram::<f64>::bin_of(1.0), Some(i));
/// assert_eq!(h.bin_count(i), 2);
/// assert_eq!(LogHistogram::<f64>::bin_range(i), Some((1.0, core::f64::consts::SQRT_2)));
/// let non_empty: Vec<(f64, f64, u64)> = h.iter().collect();
/// assert_eq!(non_empty.len(), 5);
/// assert_eq!(non_empty[0], (-4.0, -2.0 * core::f64::consts::SQRT_2, 1));
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LogHistogram<T> {
    /// Negative magnitude bins, `[j / 32][j % 32]` for magnitude bin `j`.
    negative: [[u32; COLS]; ROWS],
    /// Positive magnitude bins, `[j / 32][j % 32]`.
    positive: [[u32; COLS]; ROWS],
    /// Values in the zero bin.
    zero: u64,
    /// Values below zero (beyond the zero bin).
    negative_total: u64,
    /// Values above zero (beyond the zero bin).
    positive_total: u64,
    /// Values with `|x| >= 2⁶⁴` (also in the outermost bins).
    overflow: u64,
    #[cfg_attr(feature = "serde", serde(skip))]
    scalar: PhantomData<T>,
}

impl<T: Real> Default for LogHistogram<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real> LogHistogram<T> {
    /// The number of bins: 256 negative, the zero bin, 256 positive.
    pub const NUM_BINS: usize = 2 * MAG_BINS + 1;
    /// The index of the zero bin (`|x| < 2⁻⁶⁴`).
    pub const ZERO_BIN: usize = MAG_BINS;
    /// Bins per octave (factor of two in magnitude).
    pub const BINS_PER_OCTAVE: usize = 2;
    /// Magnitudes below `2^MIN_EXP` fall in the zero bin.
    pub const MIN_EXP: i32 = -64;
    /// Magnitudes at or above `2^MAX_EXP` fall in the outermost bins.
    pub const MAX_EXP: i32 = 64;

    /// An empty histogram.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::stats::LogHistogram;
    ///
    /// static EMPTY: LogHistogram<f32> = LogHistogram::new();
    /// assert_eq!(EMPTY.count(), 0);
    /// assert_eq!(EMPTY.iter().count(), 0);
    /// ```
    pub const fn new() -> Self {
        Self {
            negative: [[0; COLS]; ROWS],
            positive: [[0; COLS]; ROWS],
            zero: 0,
            negative_total: 0,
            positive_total: 0,
            overflow: 0,
            scalar: PhantomData,
        }
    }

    /// The number of bins, [`NUM_BINS`](Self::NUM_BINS) = 513.
    pub const fn num_bins() -> usize {
        Self::NUM_BINS
    }

    /// Counts one value.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (`what: "observation"`, `index: 0`) for NaN or
    /// ±∞; the histogram is left unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::{Error, stats::LogHistogram};
    ///
    /// let mut h = LogHistogram::<f32>::new();
    /// h.push(-0.0)?;
    /// assert_eq!(h.zero_count(), 1);
    /// assert_eq!(
    ///     h.push(f32::INFINITY),
    ///     Err(Error::NonFinite { what: "observation", index: 0 })
    /// );
    /// assert_eq!(h.count(), 1);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn push(&mut self, x: T) -> Result<()> {
        let Some(slot) = classify(x) else {
            return Err(Error::NonFinite {
                what: "observation",
                index: 0,
            });
        };
        match slot {
            Slot::Zero => self.zero = self.zero.saturating_add(1),
            Slot::Mag {
                negative,
                j,
                overflow,
            } => {
                let (bins, total) = if negative {
                    (&mut self.negative, &mut self.negative_total)
                } else {
                    (&mut self.positive, &mut self.positive_total)
                };
                let cell = &mut bins[j / COLS][j % COLS];
                *cell = cell.saturating_add(1);
                *total = total.saturating_add(1);
                if overflow {
                    self.overflow = self.overflow.saturating_add(1);
                }
            }
        }
        Ok(())
    }

    /// Adds the counts of `other` (saturating): exactly the histogram of
    /// both streams.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::stats::LogHistogram;
    ///
    /// let (mut a, mut b, mut both) = (LogHistogram::new(), LogHistogram::new(), LogHistogram::new());
    /// for x in [1.0_f64, -2.0, 0.5] {
    ///     a.push(x)?;
    ///     both.push(x)?;
    /// }
    /// for x in [3.0_f64, 1e-30] {
    ///     b.push(x)?;
    ///     both.push(x)?;
    /// }
    /// a.merge(&b);
    /// assert_eq!(a, both);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn merge(&mut self, other: &Self) {
        for (mine, theirs) in self
            .negative
            .iter_mut()
            .chain(self.positive.iter_mut())
            .zip(other.negative.iter().chain(other.positive.iter()))
        {
            for (a, &b) in mine.iter_mut().zip(theirs) {
                *a = a.saturating_add(b);
            }
        }
        self.zero = self.zero.saturating_add(other.zero);
        self.negative_total = self.negative_total.saturating_add(other.negative_total);
        self.positive_total = self.positive_total.saturating_add(other.positive_total);
        self.overflow = self.overflow.saturating_add(other.overflow);
    }

    /// The number of values counted.
    pub fn count(&self) -> u64 {
        self.negative_total
            .saturating_add(self.zero)
            .saturating_add(self.positive_total)
    }

    /// The number of values `x <= −2⁻⁶⁴`.
    pub fn negative_count(&self) -> u64 {
        self.negative_total
    }

    /// The number of values in the zero bin, `|x| < 2⁻⁶⁴`.
    pub fn zero_count(&self) -> u64 {
        self.zero
    }

    /// The number of values `x >= 2⁻⁶⁴`.
    pub fn positive_count(&self) -> u64 {
        self.positive_total
    }

    /// The number of values with `|x| >= 2⁶⁴` (of either sign), which are
    /// counted in the outermost bins 0 and 512.
    pub fn overflow_count(&self) -> u64 {
        self.overflow
    }

    /// The bin of `x`, `None` for NaN or ±∞.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::stats::LogHistogram;
    ///
    /// type H = LogHistogram<f64>;
    /// assert_eq!(H::bin_of(0.0), Some(H::ZERO_BIN));
    /// assert_eq!(H::bin_of(1.0), Some(H::ZERO_BIN + 1 + 128)); // 2·0 + 128
    /// assert_eq!(H::bin_of(-1.0), Some(H::ZERO_BIN - 1 - 128));
    /// assert_eq!(H::bin_of(1e300), Some(H::NUM_BINS - 1));
    /// assert_eq!(H::bin_of(f64::NAN), None);
    /// ```
    pub fn bin_of(x: T) -> Option<usize> {
        classify(x).map(|slot| match slot {
            Slot::Zero => Self::ZERO_BIN,
            Slot::Mag {
                negative: true, j, ..
            } => MAG_BINS - 1 - j,
            Slot::Mag {
                negative: false, j, ..
            } => MAG_BINS + 1 + j,
        })
    }

    /// The edges `(lo, hi)` of bin `i`, signed; `None` for `i >= 513`.
    ///
    /// Above zero the bin is `lo <= x < hi`, below zero `lo < x <= hi`, and
    /// the zero bin is `lo < x < hi` with `(lo, hi) = (−2⁻⁶⁴, 2⁻⁶⁴)`. Powers of
    /// two are exact; a half-octave edge `√2·2^k`, which no float equals, is
    /// given as the smallest `T` above it (the first value of the upper bin),
    /// so the stated intervals hold exactly for every `T` value. The
    /// outermost bins also hold the overflow values beyond their nominal
    /// edge `±2⁶⁴`.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::stats::LogHistogram;
    ///
    /// let zero = LogHistogram::<f64>::ZERO_BIN;
    /// let tiny = 2.0_f64.powi(-64);
    /// assert_eq!(LogHistogram::<f64>::bin_range(zero), Some((-tiny, tiny)));
    /// assert_eq!(LogHistogram::<f64>::bin_range(zero + 1), Some((tiny, tiny * core::f64::consts::SQRT_2)));
    /// assert_eq!(LogHistogram::<f64>::bin_range(513), None);
    /// ```
    pub fn bin_range(i: usize) -> Option<(T, T)> {
        if i < MAG_BINS {
            let j = MAG_BINS - 1 - i;
            Some((-edge::<T>(j + 1), -edge::<T>(j)))
        } else if i == Self::ZERO_BIN {
            let tiny = edge::<T>(0);
            Some((-tiny, tiny))
        } else if i < Self::NUM_BINS {
            let j = i - MAG_BINS - 1;
            Some((edge::<T>(j), edge::<T>(j + 1)))
        } else {
            None
        }
    }

    /// The count of bin `i` (0 for `i >= 513`).
    pub fn bin_count(&self, i: usize) -> u64 {
        if i < MAG_BINS {
            let j = MAG_BINS - 1 - i;
            u64::from(self.negative[j / COLS][j % COLS])
        } else if i == Self::ZERO_BIN {
            self.zero
        } else if i < Self::NUM_BINS {
            let j = i - MAG_BINS - 1;
            u64::from(self.positive[j / COLS][j % COLS])
        } else {
            0
        }
    }

    /// The non-empty bins as `(lo, hi, count)`, in increasing order of value
    /// (edges as in [`bin_range`](Self::bin_range)).
    pub fn iter(&self) -> Bins<'_, T> {
        Bins {
            histogram: self,
            front: 0,
            back: Self::NUM_BINS,
        }
    }
}

impl<'a, T: Real> IntoIterator for &'a LogHistogram<T> {
    type Item = (T, T, u64);
    type IntoIter = Bins<'a, T>;

    fn into_iter(self) -> Bins<'a, T> {
        self.iter()
    }
}

/// The non-empty bins of a [`LogHistogram`] as `(lo, hi, count)`, from
/// [`LogHistogram::iter`].
#[derive(Clone, Debug)]
pub struct Bins<'a, T> {
    histogram: &'a LogHistogram<T>,
    /// The next bin to look at from the front.
    front: usize,
    /// One past the next bin to look at from the back.
    back: usize,
}

impl<T: Real> Bins<'_, T> {
    fn item(&self, i: usize) -> Option<(T, T, u64)> {
        let count = self.histogram.bin_count(i);
        if count == 0 {
            return None;
        }
        LogHistogram::<T>::bin_range(i).map(|(lo, hi)| (lo, hi, count))
    }
}

impl<T: Real> Iterator for Bins<'_, T> {
    type Item = (T, T, u64);

    fn next(&mut self) -> Option<Self::Item> {
        while self.front < self.back {
            let i = self.front;
            self.front += 1;
            if let Some(item) = self.item(i) {
                return Some(item);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.back - self.front))
    }
}

impl<T: Real> DoubleEndedIterator for Bins<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        while self.front < self.back {
            self.back -= 1;
            if let Some(item) = self.item(self.back) {
                return Some(item);
            }
        }
        None
    }
}

impl<T: Real> FusedIterator for Bins<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt2_thresholds_are_the_exact_ceilings() {
        for (t, e) in [(SQRT2_SIGNIFICAND_F32, 47), (SQRT2_SIGNIFICAND_F64, 105)] {
            let t = u128::from(t);
            assert!(t * t >= 1 << e);
            assert!((t - 1) * (t - 1) < 1 << e);
        }
        assert_eq!(SQRT2_SIGNIFICAND_F32, 0xB5_04F4);
        assert_eq!(SQRT2_SIGNIFICAND_F64, 6_369_051_672_525_773);
    }

    #[test]
    fn pow2_is_exact() {
        assert_eq!(pow2(0), 1.0);
        assert_eq!(pow2(-64), 1.0 / 18_446_744_073_709_551_616.0);
        assert_eq!(pow2(64), 18_446_744_073_709_551_616.0);
    }
}
