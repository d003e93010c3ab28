//! Clipping actions to a box before the environment sees them.

use rand_core::Rng;

use super::{Env, Transition};
use crate::error::{Error, Result, check_finite};
use crate::real::Real;

/// Clips every action to `[low, high]` (per dimension) before passing it to
/// the wrapped environment, as the authors' code does before `env.step`
/// (google-research/policy-learning-landscape, `env_spec.py`: `np.clip` to
/// the action space) and as Gymnasium's `ClipAction` wrapper does. The
/// policy's log-probability stays that of the unclipped sample; the
/// environment (and any control cost it charges) sees the clipped one.
///
/// A NaN action is an error ([`Error::NonFinite`]), as in the wrapped
/// environments; an infinite one is clipped to the bound.
///
/// # Examples
///
/// ```
/// use policy_landscape::env::{ClipAction, Env, LinearQuadratic};
/// use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
/// use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
///
/// let system = LinearQuadratic::new(0.9, 0.5, 10)?;
/// let mut env = ClipAction::new(system.clone(), [-1.0], [1.0])?;
/// let mut plain = system;
/// env.reset(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// plain.reset(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// // An action of 50 acts as 1 (and costs as 1).
/// assert_eq!(env.step(&[50.0])?, plain.step(&[1.0])?);
/// assert!(env.step(&[f64::NAN]).is_err());
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClipAction<E, T, const A: usize> {
    env: E,
    low: [T; A],
    high: [T; A],
}

impl<E, T: Real, const A: usize> ClipAction<E, T, A> {
    /// Wraps `env` with the box `[low, high]`.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for a non-finite bound;
    /// [`Error::InvalidParameter`] when some `low[i] > high[i]`.
    pub fn new(env: E, low: [T; A], high: [T; A]) -> Result<Self> {
        check_finite("low", &low)?;
        check_finite("high", &high)?;
        if low.iter().zip(&high).any(|(l, h)| l > h) {
            return Err(Error::InvalidParameter {
                what: "action bounds",
                rule: "low <= high in every dimension",
            });
        }
        Ok(Self { env, low, high })
    }

    /// The wrapped environment.
    pub fn inner(&self) -> &E {
        &self.env
    }

    /// The wrapped environment, mutably.
    pub fn inner_mut(&mut self) -> &mut E {
        &mut self.env
    }

    /// The wrapped environment, unwrapped.
    pub fn into_inner(self) -> E {
        self.env
    }
}

impl<E, T, const O: usize, const A: usize> Env<T, O, A> for ClipAction<E, T, A>
where
    T: Real,
    E: Env<T, O, A>,
{
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [T; O] {
        self.env.reset(rng)
    }

    fn step(&mut self, action: &[T; A]) -> Result<Transition<T, O>> {
        let mut clipped = *action;
        for (index, ((a, &l), &h)) in clipped
            .iter_mut()
            .zip(&self.low)
            .zip(&self.high)
            .enumerate()
        {
            if a.is_nan() {
                return Err(Error::NonFinite {
                    what: "action",
                    index,
                });
            }
            *a = if *a < l {
                l
            } else if *a > h {
                h
            } else {
                *a
            };
        }
        self.env.step(&clipped)
    }
}
