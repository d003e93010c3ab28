//! Random directions uniform on the unit sphere, reproducible from
//! `(seed, index)` alone (paper §2.1.2): direction `i` of seed `s` is a
//! vector of independent standard normals drawn from
//! [`direction_rng`]`(s, i)`, normalised.

use crate::error::{Error, Result};
use crate::random::{direction_rng, standard_normal};
use crate::real::Real;

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
        for x in out.iter_mut() {
            let z: T = standard_normal(&mut rng);
            *x = z;
            norm_sq += z * z;
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
