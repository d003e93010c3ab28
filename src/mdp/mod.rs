//! Dense tabular MDPs, validated on construction, and the builders of the
//! paper's worlds.
//!
//! A [`TabularMdp`] holds `P[s][a][s']`, `R[s][a]`, the discount `γ` and the
//! start distribution `p0`. The gridworld builder reproduces the MDP library
//! the authors used (`emdp`): see [`Gridworld`].

use crate::error::{Error, Result, check_len, rule};
use crate::real::Real;

mod chain;
mod gridworld;
mod sparse;
mod validate;

pub use chain::Chain;
pub use gridworld::{Gridworld, RewardCell};
#[cfg(feature = "std")]
pub use sparse::OwnedSparseMdp;
pub use sparse::{SparseMdp, SparseStorage};

/// Gridworld action: move one column left.
pub const LEFT: usize = 0;
/// Gridworld action: move one column right.
pub const RIGHT: usize = 1;
/// Gridworld action: move one row up (towards row 0).
pub const UP: usize = 2;
/// Gridworld action: move one row down.
pub const DOWN: usize = 3;

/// A finite MDP with `S` states and `A` actions, stored densely in scalar
/// `T` ([`f32`] or [`f64`]).
///
/// `P` is `[[[T; S]; A]; S]` indexed `[s][a][s']`, `R` is `[[T; A]; S]`
/// indexed `[s][a]` (the reward for taking `a` in `s`), `p0` is `[T; S]`.
/// Invariants, checked on construction: every entry finite, probabilities
/// non-negative, each row `P[s][a][..]` and `p0` summing to 1 within
/// [`TabularMdp::row_tolerance`], and `0 ≤ γ <` [`TabularMdp::max_discount`]
/// `= 1 − 4 S ε` (so `I - γ P_π` is invertible for every policy, also in the
/// solver's precision).
///
/// The MDP also records, for each `(s, a)`, the range of next states with
/// non-zero probability, so evaluation skips the zeros of sparse dynamics.
///
/// # Examples
///
/// ```
/// use policy_landscape::mdp::TabularMdp;
///
/// // One state, one action, reward 1, discount 0.5: V = 1 / (1 - 0.5) = 2.
/// let mdp = TabularMdp::<f64, 1, 1>::try_new([[[1.0]]], [[1.0]], 0.5, [1.0])?;
/// assert_eq!(mdp.gamma(), 0.5);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TabularMdp<T, const S: usize, const A: usize> {
    p: [[[T; S]; A]; S],
    r: [[T; A]; S],
    gamma: T,
    p0: [T; S],
    /// `[lo, hi)` of the non-zero next states of each `(s, a)`.
    support: [[[u16; 2]; A]; S],
}

impl<T: Real, const S: usize, const A: usize> TabularMdp<T, S, A> {
    const SIZES_OK: () = assert!(
        S > 0 && A > 0 && S <= u16::MAX as usize,
        "need 0 < S <= 65535 and A > 0"
    );

    /// The discounts must lie below `1 − 4 S ε` (`ε` = [`Real::EPSILON`]):
    /// 0.9999876 for `f32` with 26 states, `1 − 2.3e-14` for `f64`. The
    /// exact solver factors `I − γ P_π`, whose pivots are at least `1 − γ`
    /// in exact arithmetic, and calls a pivot below `S ε` singular; below
    /// this bound it never does, so [`crate::Error::Singular`] cannot occur.
    #[allow(
        clippy::arithmetic_side_effects,
        reason = "S <= u16::MAX (SIZES_OK), so 4 S fits in usize"
    )]
    pub fn max_discount() -> T {
        T::ONE - T::from_usize(4 * S) * T::EPSILON
    }

    /// The tolerance on `|Σ P[s][a][..] - 1|` and `|Σ p0 - 1|`:
    /// `8 max(S, 4) ε` (2.5e-5 for `f32` with 26 states, 4.6e-14 for `f64`).
    #[allow(
        clippy::arithmetic_side_effects,
        reason = "S <= u16::MAX (SIZES_OK), so 8 max(S, 4) fits in usize"
    )]
    pub fn row_tolerance() -> T {
        T::EPSILON * T::from_usize(8 * S.max(4))
    }

    /// Builds and validates an MDP.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteTransition`], [`Error::NegativeProbability`],
    /// [`Error::NotStochastic`] (naming the state and action),
    /// [`Error::NonFiniteReward`], [`Error::InvalidDiscount`],
    /// [`Error::InvalidStartDistribution`].
    pub fn try_new(p: [[[T; S]; A]; S], r: [[T; A]; S], gamma: T, p0: [T; S]) -> Result<Self> {
        let () = Self::SIZES_OK;
        let mut mdp = Self {
            p,
            r,
            gamma,
            p0,
            support: [[[0, 0]; A]; S],
        };
        mdp.validate()?;
        Ok(mdp)
    }

    /// Builds an MDP from flat slices: `p` is `[s][a][s']` row-major
    /// (`S * A * S` numbers), `r` is `[s][a]` (`S * A`), `p0` has `S`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], then as [`TabularMdp::try_new`].
    pub fn from_slices(p: &[T], r: &[T], gamma: T, p0: &[T]) -> Result<Self> {
        let () = Self::SIZES_OK;
        check_len("P", p.len(), S.saturating_mul(A).saturating_mul(S))?;
        check_len("R", r.len(), S.saturating_mul(A))?;
        check_len("p0", p0.len(), S)?;
        let mut mdp = Self::zeroed(gamma);
        mdp.p
            .as_flattened_mut()
            .as_flattened_mut()
            .copy_from_slice(p);
        mdp.r.as_flattened_mut().copy_from_slice(r);
        mdp.p0.copy_from_slice(p0);
        mdp.validate()?;
        Ok(mdp)
    }

    /// All zeros with discount `gamma` (not a valid MDP: a builder's blank).
    pub(crate) fn zeroed(gamma: T) -> Self {
        Self {
            p: [[[T::ZERO; S]; A]; S],
            r: [[T::ZERO; A]; S],
            gamma,
            p0: [T::ZERO; S],
            support: [[[0, 0]; A]; S],
        }
    }

    /// `P[s][a][s']`.
    pub fn transitions(&self) -> &[[[T; S]; A]; S] {
        &self.p
    }

    /// `R[s][a]`.
    pub fn rewards(&self) -> &[[T; A]; S] {
        &self.r
    }

    /// The discount `γ`.
    pub fn gamma(&self) -> T {
        self.gamma
    }

    /// The start distribution `p0`.
    pub fn start(&self) -> &[T; S] {
        &self.p0
    }

    /// `[lo, hi)` of the non-zero next states of every `(s, a)`.
    #[inline(always)]
    pub(crate) fn supports(&self) -> &[[[u16; 2]; A]; S] {
        &self.support
    }

    /// Sets the discount.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDiscount`] outside `[0, max_discount())` (see
    /// [`TabularMdp::max_discount`]); unchanged on error.
    pub fn set_gamma(&mut self, gamma: T) -> Result<()> {
        if gamma >= T::ZERO && gamma < Self::max_discount() {
            self.gamma = gamma;
            Ok(())
        } else {
            Err(Error::InvalidDiscount {
                rule: rule::DISCOUNT_TABULAR,
            })
        }
    }

    /// Sets the start distribution to the single state `s`.
    ///
    /// # Errors
    ///
    /// [`Error::StateOutOfRange`]; unchanged on error.
    pub fn set_start_state(&mut self, s: usize) -> Result<()> {
        if s >= S {
            return Err(Error::StateOutOfRange {
                state: s,
                states: S,
            });
        }
        let mut p0 = [T::ZERO; S];
        if let Some(x) = p0.get_mut(s) {
            *x = T::ONE;
        }
        self.p0 = p0;
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize> defmt::Format for TabularMdp<T, S, A> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "TabularMdp {{ states: {=usize}, actions: {=usize}, gamma: {=f64} }}",
            S,
            A,
            self.gamma.to_f64(),
        );
    }
}
