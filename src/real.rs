//! [`Real`]: the one scalar trait, implemented for `f32` and `f64`.
//!
//! Every numeric type of the crate is generic over `T: Real`, so one code
//! path serves a microcontroller (`f32`) and a workstation (`f64`). The trait
//! carries exactly the math the library needs; which implementation backs it
//! (`libm`, `std` or `micromath`) is decided in one private file, `math.rs`.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::math::{f32m, f64m};

mod sealed {
    /// A family of types indexed by the scalar, such as `[[T; A]; S]` or a
    /// struct generic over `T`: `Of<f32>` and `Of<f64>` are its members.
    pub trait PerScalar {
        /// The member for scalar `T`.
        type Of<T>;
    }

    /// A member of a [`PerScalar`] family, borrowed under its concrete
    /// scalar.
    #[derive(Debug)]
    pub enum ScalarMut<'a, F: PerScalar> {
        /// The `f32` member.
        F32(&'a mut F::Of<f32>),
        /// The `f64` member.
        F64(&'a mut F::Of<f64>),
    }

    /// The sealed part of [`super::Real`]: the way from generic code to code
    /// written once per scalar (which must be, e.g. to be a `const fn`).
    /// It knows nothing of what that code does.
    pub trait Sealed: Sized {
        /// `x`, borrowed under its concrete scalar (an identity: after
        /// inlining only the matching arm of a `match` remains).
        fn per_scalar<F: PerScalar>(x: &mut F::Of<Self>) -> ScalarMut<'_, F>;
    }
}

pub(crate) use sealed::{PerScalar, ScalarMut};

/// A floating-point scalar: `f32` or `f64`.
///
/// Sealed: the library's accuracy statements are made for these two types.
///
/// # Examples
///
/// ```
/// use policy_landscape::Real;
///
/// fn softplus<T: Real>(x: T) -> T {
///     x.exp().ln_1p()
/// }
/// assert!((softplus(0.0_f64) - core::f64::consts::LN_2).abs() < 1e-15);
/// assert!((softplus(0.0_f32) - core::f32::consts::LN_2).abs() < 1e-6);
/// ```
pub trait Real:
    sealed::Sealed
    + Lane<Self>
    + Copy
    + Default
    + PartialEq
    + PartialOrd
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// 2.
    const TWO: Self;
    /// 1/2.
    const HALF: Self;
    /// Machine epsilon (the gap between 1 and the next larger number).
    const EPSILON: Self;
    /// The largest finite value.
    const MAX: Self;
    /// The smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// Positive infinity.
    const INFINITY: Self;
    /// π.
    const PI: Self;
    /// Number of significand bits (24 for `f32`, 53 for `f64`).
    const MANTISSA_BITS: u32;

    /// Converts from `f64`, rounding to nearest.
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Converts a count, rounding to nearest.
    fn from_usize(n: usize) -> Self;
    /// `n` rounded to the nearest representable value.
    fn from_u64(n: u64) -> Self;
    /// `self as usize`: truncated towards zero, saturating, NaN to 0.
    fn to_usize(self) -> usize;
    /// The raw bits, widened to 64 (for bit-exact comparisons).
    fn to_bits_u64(self) -> u64;

    /// eˣ.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn ln_1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Largest integer not greater than `self`.
    fn floor(self) -> Self;
    /// `self` raised to a real power.
    fn powf(self, y: Self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// `true` unless NaN or infinite.
    fn is_finite(self) -> bool;
    /// `true` for NaN.
    fn is_nan(self) -> bool;

    /// The larger of two values; NaN if either is NaN (unlike `f64::max`,
    /// which would hide an overflowed operand behind the other one).
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        // A NaN `self` fails the comparison and is returned; testing `other`
        // first lets the test fold away when it is a constant.
        if other.is_nan() || self < other {
            other
        } else {
            self
        }
    }
    /// The smaller of two values; NaN if either is NaN (unlike `f64::min`).
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        if other.is_nan() || self > other {
            other
        } else {
            self
        }
    }
    /// Square.
    #[inline(always)]
    #[allow(
        clippy::arithmetic_side_effects,
        reason = "a float product cannot panic"
    )]
    fn sq(self) -> Self {
        self * self
    }

    /// A uniform sample in `[0, 1)` built from the top [`Real::MANTISSA_BITS`]
    /// bits of one `u64` (the convention of `rand`).
    fn unit_from_u64(bits: u64) -> Self;
}

macro_rules! impl_real {
    ($t:ident, $m:ident, $bits:ty, $arm:ident) => {
        impl sealed::Sealed for $t {
            #[inline(always)]
            fn per_scalar<F: PerScalar>(x: &mut F::Of<Self>) -> ScalarMut<'_, F> {
                ScalarMut::$arm(x)
            }
        }

        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const TWO: Self = 2.0;
            const HALF: Self = 0.5;
            const EPSILON: Self = <$t>::EPSILON;
            const MAX: Self = <$t>::MAX;
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
            const INFINITY: Self = <$t>::INFINITY;
            const PI: Self = core::$t::consts::PI;
            const MANTISSA_BITS: u32 = <$t>::MANTISSA_DIGITS;

            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn from_u64(n: u64) -> Self {
                n as $t
            }
            #[inline(always)]
            fn to_usize(self) -> usize {
                self as usize
            }
            #[inline(always)]
            fn to_bits_u64(self) -> u64 {
                self.to_bits() as u64
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $m::exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                $m::ln(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                $m::ln_1p(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $m::sqrt(self)
            }
            #[inline(always)]
            fn sin(self) -> Self {
                $m::sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                $m::cos(self)
            }
            #[inline(always)]
            fn floor(self) -> Self {
                $m::floor(self)
            }
            #[inline(always)]
            fn powf(self, y: Self) -> Self {
                $m::powf(self, y)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn unit_from_u64(bits: u64) -> Self {
                const SHIFT: u32 = 64 - <$t>::MANTISSA_DIGITS;
                const SCALE: $t = 1.0 / ((1u64 << <$t>::MANTISSA_DIGITS) as $t);
                ((bits >> SHIFT) as $bits as $t) * SCALE
            }
        }
    };
}

impl_real!(f32, f32m, u32, F32);
impl_real!(f64, f64m, u64, F64);

// Lanes: one scalar, or `K` scalars side by side.
//
// The exact evaluator's kernels (assembly of `I - γ P_π`, its LU
// factorisation and the solves) are written once over a lane type `V`:
// `V = T` evaluates one parameter vector, `V = [T; K]` evaluates `K`
// parameter vectors on the same MDP in one pass. Every lane operation is
// the scalar operation applied to each lane, in the same order, so lane
// `k` of a batched result is bit-identical to the one-vector result for the
// same parameters; the compiler turns the loops over lanes into SIMD
// instructions (stable Rust, no `unsafe`).

mod lane_sealed {
    /// Only scalars and arrays of scalars are lanes.
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl<T: super::Real, const K: usize> Sealed for [T; K] {}
}

/// A value of one or more lanes of scalar `T`: `T` itself or `[T; K]`.
///
/// Sealed; implemented for `f32`, `f64` and `[T; K]` with `T: Real`.
/// Used as the element type of the batched exact evaluator's storage.
pub trait Lane<T>: lane_sealed::Sealed + Copy + Debug + PartialEq {
    /// The number of lanes.
    const WIDTH: usize;
    /// Every lane set to `x`.
    fn splat(x: T) -> Self;
    /// `self[k] - a[k] * b[k]` in every lane.
    fn sub_mul(self, a: Self, b: Self) -> Self;
    /// `self[k] - w[k] * x` in every lane (`x` shared).
    fn sub_mul_scalar(self, w: Self, x: T) -> Self;
    /// `self[k] + a[k] * b[k]` in every lane.
    fn add_mul(self, a: Self, b: Self) -> Self;
    /// `self[k] + w[k] * x` in every lane (`x` shared).
    fn add_mul_scalar(self, w: Self, x: T) -> Self;
    /// `self[k] - b[k]` in every lane.
    fn sub(self, b: Self) -> Self;
    /// `self[k] * b[k]` in every lane.
    fn mul(self, b: Self) -> Self;
    /// `self[k] * x` in every lane.
    fn mul_scalar(self, x: T) -> Self;
    /// `1 / self[k]` in every lane.
    fn recip(self) -> Self;
    /// Whether `|self[k]| > tiny` in every lane (`false` for NaN).
    fn all_abs_above(self, tiny: T) -> bool;
}

macro_rules! scalar_lane {
    ($t:ty) => {
        impl Lane<$t> for $t {
            const WIDTH: usize = 1;
            #[inline(always)]
            fn splat(x: $t) -> Self {
                x
            }
            #[inline(always)]
            fn sub_mul(self, a: Self, b: Self) -> Self {
                self - a * b
            }
            #[inline(always)]
            fn sub_mul_scalar(self, w: Self, x: $t) -> Self {
                self - w * x
            }
            #[inline(always)]
            fn add_mul(self, a: Self, b: Self) -> Self {
                self + a * b
            }
            #[inline(always)]
            fn add_mul_scalar(self, w: Self, x: $t) -> Self {
                self + w * x
            }
            #[inline(always)]
            fn sub(self, b: Self) -> Self {
                self - b
            }
            #[inline(always)]
            fn mul(self, b: Self) -> Self {
                self * b
            }
            #[inline(always)]
            fn mul_scalar(self, x: $t) -> Self {
                self * x
            }
            #[inline(always)]
            fn recip(self) -> Self {
                1.0 / self
            }
            #[inline(always)]
            fn all_abs_above(self, tiny: $t) -> bool {
                <$t as Real>::abs(self) > tiny
            }
        }
    };
}

scalar_lane!(f32);
scalar_lane!(f64);

impl<T: Real, const K: usize> Lane<T> for [T; K] {
    const WIDTH: usize = K;
    #[inline(always)]
    fn splat(x: T) -> Self {
        [x; K]
    }
    #[inline(always)]
    fn sub_mul(mut self, a: Self, b: Self) -> Self {
        for ((s, a), b) in self.iter_mut().zip(a).zip(b) {
            *s -= a * b;
        }
        self
    }
    #[inline(always)]
    fn sub_mul_scalar(mut self, w: Self, x: T) -> Self {
        for (s, w) in self.iter_mut().zip(w) {
            *s -= w * x;
        }
        self
    }
    #[inline(always)]
    fn add_mul(mut self, a: Self, b: Self) -> Self {
        for ((s, a), b) in self.iter_mut().zip(a).zip(b) {
            *s += a * b;
        }
        self
    }
    #[inline(always)]
    fn add_mul_scalar(mut self, w: Self, x: T) -> Self {
        for (s, w) in self.iter_mut().zip(w) {
            *s += w * x;
        }
        self
    }
    #[inline(always)]
    fn sub(mut self, b: Self) -> Self {
        for (s, b) in self.iter_mut().zip(b) {
            *s -= b;
        }
        self
    }
    #[inline(always)]
    fn mul(mut self, b: Self) -> Self {
        for (s, b) in self.iter_mut().zip(b) {
            *s *= b;
        }
        self
    }
    #[inline(always)]
    fn mul_scalar(mut self, x: T) -> Self {
        for s in self.iter_mut() {
            *s *= x;
        }
        self
    }
    #[inline(always)]
    fn recip(mut self) -> Self {
        for s in self.iter_mut() {
            *s = T::ONE / *s;
        }
        self
    }
    #[inline(always)]
    fn all_abs_above(self, tiny: T) -> bool {
        // `&` rather than a short-circuit: no branch per lane.
        self.iter().fold(true, |ok, &x| ok & (x.abs() > tiny))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_interval_edges() {
        assert_eq!(f64::unit_from_u64(0), 0.0);
        assert!(f64::unit_from_u64(u64::MAX) < 1.0);
        assert_eq!(f64::unit_from_u64(u64::MAX), 1.0 - f64::EPSILON / 2.0);
        assert_eq!(f32::unit_from_u64(0), 0.0);
        assert!(f32::unit_from_u64(u64::MAX) < 1.0);
        assert_eq!(f32::unit_from_u64(u64::MAX), 1.0 - f32::EPSILON / 2.0);
    }

    #[test]
    fn max_min_propagate_nan() {
        assert!(Real::max(1.0_f64, f64::NAN).is_nan());
        assert!(Real::max(f64::NAN, 1.0_f64).is_nan());
        assert!(Real::min(2.0_f32, f32::NAN).is_nan());
        assert!(Real::min(f32::NAN, 2.0_f32).is_nan());
    }
}
