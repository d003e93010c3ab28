//! Operations over lanes of [`Lane`]s (`[T; K]`): `exp`, a branch-free
//! select and `max`, each bit-identical lane by lane to the scalar one. The
//! [`Lane`] trait itself lives beside [`Real`] in `real.rs`.

use crate::math::{f32m, f64m};
use crate::real::{PerScalar, Real, ScalarMut};

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
