//! The validation of a [`TabularMdp`]: every entry finite, rows stochastic,
//! `0 ≤ γ < 1 − 4 S ε`, a start distribution; written once per scalar as a
//! `const fn`, so that an MDP can be checked at compile time.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// a `const fn` cannot use iterators or `get`: while-loop indices run
// below S, A and S (checked by each loop's condition); 4 S and 8 S fit
// because S <= u16::MAX (SIZES_OK).
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "const fn: while-loop indices below S and A (see above)"
)]

use super::TabularMdp;
use crate::error::{Error, Result, rule};
use crate::real::{PerScalar, Real, ScalarMut};

/// Tabular MDPs of `S` states and `A` actions, as a [`PerScalar`] family.
struct Tabular<const S: usize, const A: usize>;

impl<const S: usize, const A: usize> PerScalar for Tabular<S, A> {
    type Of<T> = TabularMdp<T, S, A>;
}

impl<T: Real, const S: usize, const A: usize> TabularMdp<T, S, A> {
    /// Validates the MDP and records the support of each row.
    pub(super) fn validate(&mut self) -> Result<()> {
        match T::per_scalar::<Tabular<S, A>>(self) {
            ScalarMut::F32(m) => m.support = validate_f32(&m.p, &m.r, m.gamma, &m.p0)?,
            ScalarMut::F64(m) => m.support = validate_f64(&m.p, &m.r, m.gamma, &m.p0)?,
        }
        Ok(())
    }
}

/// `[lo, hi)` of the non-zero next states of each `(s, a)`.
type Support<const S: usize, const A: usize> = [[[u16; 2]; A]; S];

/// The validation of [`TabularMdp::try_new`], written once per scalar as a
/// `const fn` so that an MDP can also be validated at compile time (and live
/// in a microcontroller's flash, see [`TabularMdp::try_new_const`]). The
/// generic constructors reach it through [`TabularMdp::validate`].
macro_rules! const_tabular {
    ($t:ident, $validate:ident) => {
        const fn $validate<const S: usize, const A: usize>(
            p: &[[[$t; S]; A]; S],
            r: &[[$t; A]; S],
            gamma: $t,
            p0: &[$t; S],
        ) -> Result<Support<S, A>> {
            // `row_tolerance`: 8 max(S, 4) ε.
            let tol = <$t>::EPSILON * (8 * if S > 4 { S } else { 4 }) as $t;
            let mut support = [[[0u16; 2]; A]; S];
            let mut s = 0;
            while s < S {
                let mut a = 0;
                while a < A {
                    let row = &p[s][a];
                    let mut sum: $t = 0.0;
                    let mut lo = S;
                    let mut hi = 0;
                    let mut next = 0;
                    while next < S {
                        let x = row[next];
                        if !x.is_finite() {
                            return Err(Error::NonFiniteTransition {
                                state: s,
                                action: a,
                                next,
                            });
                        }
                        if x < 0.0 {
                            return Err(Error::NegativeProbability {
                                state: s,
                                action: a,
                                next,
                            });
                        }
                        if x > 0.0 {
                            if next < lo {
                                lo = next;
                            }
                            hi = next + 1;
                        }
                        sum += x;
                        next += 1;
                    }
                    if !((sum - 1.0).abs() <= tol) {
                        return Err(Error::NotStochastic {
                            state: s,
                            action: a,
                        });
                    }
                    // S <= u16::MAX is a compile-time invariant of `TabularMdp`.
                    support[s][a] = [lo as u16, hi as u16];
                    a += 1;
                }
                s += 1;
            }
            let mut s = 0;
            while s < S {
                let mut a = 0;
                while a < A {
                    if !r[s][a].is_finite() {
                        return Err(Error::NonFiniteReward {
                            state: s,
                            action: a,
                        });
                    }
                    a += 1;
                }
                s += 1;
            }
            // 1 − γ ≥ 4 S ε: the exact solver's pivots are at least 1 − γ
            // (column sums of I − γ P_πᵀ, kept by elimination) minus
            // rounding, and it calls a pivot below S ε singular.
            if !(gamma >= 0.0 && gamma < 1.0 - (4 * S) as $t * <$t>::EPSILON) {
                return Err(Error::InvalidDiscount {
                    rule: rule::DISCOUNT_TABULAR,
                });
            }
            let mut sum: $t = 0.0;
            let mut s = 0;
            while s < S {
                let x = p0[s];
                if !x.is_finite() || x < 0.0 {
                    return Err(Error::InvalidStartDistribution { index: s });
                }
                sum += x;
                s += 1;
            }
            if !((sum - 1.0).abs() <= tol) {
                return Err(Error::InvalidStartDistribution { index: S });
            }
            Ok(support)
        }

        impl<const S: usize, const A: usize> TabularMdp<$t, S, A> {
            /// [`TabularMdp::try_new`] as a `const fn`, for `
            #[doc = stringify!($t)]
            /// ` only: an MDP validated at compile time can be a `static`, which
            /// a microcontroller keeps in flash instead of RAM (the paper's
            /// gridworld is 11.8 KB in `f32`). Same checks, same errors, same
            /// result as `try_new`.
            ///
            /// # Errors
            ///
            /// As [`TabularMdp::try_new`]; in a `const` or `static` item, an
            /// error can be turned into a compile error with `panic!`.
            ///
            /// # Examples
            ///
            /// ```
            /// use policy_landscape::TabularMdp;
            ///
            #[doc = concat!("type Coin = TabularMdp<", stringify!($t), ", 2, 1>;")]
            ///
            /// static COIN: Coin = match Coin::try_new_const(
            ///     [[[0.5, 0.5]], [[0.0, 1.0]]],
            ///     [[1.0], [0.0]],
            ///     0.9,
            ///     [1.0, 0.0],
            /// ) {
            ///     Ok(mdp) => mdp,
            ///     Err(_) => panic!("invalid MDP"),
            /// };
            /// assert_eq!(COIN.rewards()[0][0], 1.0);
            /// ```
            pub const fn try_new_const(
                p: [[[$t; S]; A]; S],
                r: [[$t; A]; S],
                gamma: $t,
                p0: [$t; S],
            ) -> Result<Self> {
                let () = Self::SIZES_OK;
                match $validate(&p, &r, gamma, &p0) {
                    Ok(support) => Ok(Self {
                        p,
                        r,
                        gamma,
                        p0,
                        support,
                    }),
                    Err(e) => Err(e),
                }
            }
        }
    };
}

const_tabular!(f32, validate_f32);
const_tabular!(f64, validate_f64);
