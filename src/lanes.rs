//! [`Lane`]: one scalar, or `K` scalars side by side.
//!
//! The exact evaluator's kernels (assembly of `I - γ P_π`, its LU
//! factorisation and the solves) are written once over a lane type `V`:
//! `V = T` evaluates one parameter vector, `V = [T; K]` evaluates `K`
//! parameter vectors on the same MDP in one pass. Every lane operation is
//! the scalar operation applied to each lane, in the same order, so lane
//! `k` of a batched result is bit-identical to the one-vector result for the
//! same parameters; the compiler turns the loops over lanes into SIMD
//! instructions (stable Rust, no `unsafe`).

use crate::math::{f32m, f64m};
use crate::real::{PerScalar, Real, ScalarMut};

mod sealed {
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
pub trait Lane<T>: sealed::Sealed + Copy + core::fmt::Debug + PartialEq {
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

/// Arrays of `K` scalars, as a [`PerScalar`] family.
struct Lanes<const K: usize>;

impl<const K: usize> PerScalar for Lanes<K> {
    type Of<T> = [T; K];
}

/// `eˣ` of every lane, bit-identical lane by lane to [`Real::exp`]: in
/// `f64` (with the `libm` backend) the crate's table-driven `exp` written
/// over lanes so that it vectorises (`math/exp.rs`); otherwise the scalar
/// `exp` of the backend on each lane.
#[inline(always)]
pub(crate) fn exp<T: Real, const K: usize>(mut x: [T; K]) -> [T; K] {
    match T::per_scalar::<Lanes<K>>(&mut x) {
        ScalarMut::F32(x) => *x = f32m::exp_lanes(*x),
        ScalarMut::F64(x) => *x = f64m::exp_lanes(*x),
    }
    x
}

/// Two scalars, as a [`PerScalar`] family.
struct Pair;

impl PerScalar for Pair {
    type Of<T> = (T, T);
}

/// `if c { a } else { b }`, computed with bit masks.
///
/// The same value as the `if` (every bit of it, NaN payloads and signed
/// zeros included), but LLVM keeps it branch-free, so a loop of them over
/// lanes vectorises; it turns a float `if` into a branch per lane.
#[inline(always)]
pub(crate) fn select<T: Real>(c: bool, a: T, b: T) -> T {
    let mut x = (a, b);
    match T::per_scalar::<Pair>(&mut x) {
        ScalarMut::F32((a, b)) => {
            let m = u32::from(c).wrapping_neg();
            *a = f32::from_bits((a.to_bits() & m) | (b.to_bits() & !m));
        }
        ScalarMut::F64((a, b)) => {
            let m = u64::from(c).wrapping_neg();
            *a = f64::from_bits((a.to_bits() & m) | (b.to_bits() & !m));
        }
    }
    x.0
}

/// [`Real::max`] by [`select`]: the same result in every case.
#[inline(always)]
pub(crate) fn max<T: Real>(x: T, other: T) -> T {
    select(other.is_nan() | (x < other), other, x)
}
