//! Seeded random numbers: the generators of probe directions and of
//! episodes, reproducible from `(seed, index)` alone, and the samplers the
//! crate draws from them (uniforms in `[0, 1)`, standard normals).
//!
//! Stream `i` of seed `s` is a xoshiro256++ generator seeded with a
//! SplitMix64 hash of `(s, i)`. Nothing depends on the order in which
//! streams are used, so a probe or a batch of episodes can be split across
//! threads, processes, devices or game-loop frames and give bit-identical
//! results.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::real::Real;

mod normal;

pub use normal::standard_normal;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective
/// mixer of 64-bit words.
#[inline]
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator of probe direction `index` under `seed` (paper §2.1.2).
///
/// The 64-bit key `mix(mix(seed) + index)` is injective in `index` for a
/// fixed seed (both steps are bijections), so directions of one probe never
/// share a stream.
pub fn direction_rng(seed: u64, index: u64) -> Xoshiro256PlusPlus {
    let key = mix64(mix64(seed).wrapping_add(index));
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// The generator of episode `episode` under `seed`: the construction of
/// [`direction_rng`] in another key space (every bit of the seed flipped).
pub fn episode_rng(seed: u64, episode: u64) -> Xoshiro256PlusPlus {
    direction_rng(!seed, episode)
}

/// A uniform sample in `[0, 1)` from one `u64` of `rng` (see
/// [`Real::unit_from_u64`]).
#[inline]
pub fn uniform01<T: Real, R: Rng + ?Sized>(rng: &mut R) -> T {
    T::unit_from_u64(rng.next_u64())
}
