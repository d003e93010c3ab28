//! Random directions uniform on the unit sphere, reproducible from
//! `(seed, index)` alone (paper §2.1.2).
//!
//! Direction `i` of seed `s` is a vector of independent standard normals
//! (Marsaglia's polar method, both normals of each pair used), normalised;
//! its normals come from a xoshiro256++ generator seeded with a SplitMix64
//! hash of `(s, i)`. Nothing depends on the order in which
//! directions are drawn, so a probe can be split across threads, processes,
//! devices or game-loop frames and give bit-identical results.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};
use crate::real::{Real, uniform01};

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective
/// mixer of 64-bit words.
#[inline]
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator of direction `index` under `seed`.
///
/// The 64-bit key `mix(mix(seed) + index)` is injective in `index` for a
/// fixed seed (both steps are bijections), so directions of one probe never
/// share a stream.
pub fn direction_rng(seed: u64, index: u64) -> Xoshiro256PlusPlus {
    let key = mix64(mix64(seed).wrapping_add(index));
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// A pair of independent standard normals by Marsaglia's polar method (no
/// trigonometry; each round is accepted with probability π/4).
#[inline]
pub fn standard_normal_pair<T: Real, R: Rng + ?Sized>(rng: &mut R) -> (T, T) {
    loop {
        let u = T::TWO * uniform01::<T, R>(rng) - T::ONE;
        let v = T::TWO * uniform01::<T, R>(rng) - T::ONE;
        let s = u * u + v * v;
        if s > T::ZERO && s < T::ONE {
            let f = (-T::TWO * s.ln() / s).sqrt();
            return (u * f, v * f);
        }
    }
}

/// One standard normal sample (the first of a [`standard_normal_pair`]).
pub fn standard_normal<T: Real, R: Rng + ?Sized>(rng: &mut R) -> T {
    standard_normal_pair(rng).0
}

/// Writes direction `index` of `seed` into `out`: a unit vector uniform on
/// the sphere `S^(n-1)`, `n = out.len()`.
///
/// # Errors
///
/// [`Error::LengthMismatch`] for an empty `out` (a direction needs at least
/// one dimension).
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::direction_into;
///
/// let mut a = [0.0_f64; 108];
/// let mut b = [0.0_f64; 108];
/// direction_into(42, 7, &mut a)?;
/// direction_into(42, 7, &mut b)?; // the same (seed, index), the same bits
/// assert_eq!(a, b);
/// let norm: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
/// assert!((norm - 1.0).abs() < 1e-14);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
pub fn direction_into<T: Real>(seed: u64, index: u64, out: &mut [T]) -> Result<()> {
    if out.is_empty() {
        return Err(Error::LengthMismatch {
            what: "direction",
            expected: 1,
            found: 0,
        });
    }
    let mut rng = direction_rng(seed, index);
    loop {
        let mut norm_sq = T::ZERO;
        // Both normals of each polar pair are used; an odd last coordinate
        // takes the first of a fresh pair.
        let mut chunks = out.chunks_exact_mut(2);
        for pair in &mut chunks {
            let (a, b) = standard_normal_pair::<T, _>(&mut rng);
            pair[0] = a;
            pair[1] = b;
            norm_sq += a * a + b * b;
        }
        if let [last] = chunks.into_remainder() {
            let a: T = standard_normal(&mut rng);
            *last = a;
            norm_sq += a * a;
        }
        // A zero vector has probability 0 (and f32 underflow almost so);
        // redraw from the same stream rather than divide by zero.
        if norm_sq > T::ZERO && norm_sq.is_finite() {
            let inv = T::ONE / norm_sq.sqrt();
            for x in out.iter_mut() {
                *x *= inv;
            }
            return Ok(());
        }
    }
}
