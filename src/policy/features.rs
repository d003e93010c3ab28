//! State features `φ(s)` for linear policies.

use crate::error::{Error, Result, check_finite};
use crate::real::Real;

/// A map from a state index to a feature vector `φ(s) ∈ R^F`.
///
/// `S` is the number of states and `F` the number of features. The logits of
/// a linear softmax policy are `z[a] = Σ_f φ_f(s) θ[f][a]`. Implementations
/// exploit structure (one-hot features touch one row of `θ`).
pub trait FeatureMap<T: Real, const S: usize, const F: usize> {
    /// `true` when the last feature is the constant 1 (a per-action bias).
    const HAS_BIAS: bool;

    /// Checks that `F` fits `S` (e.g. one-hot needs `F == S`).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when it does not.
    fn check_shape(&self) -> Result<()>;

    /// Writes `z[a] = Σ_f φ_f(s) θ[f][a]`; `s < S` is the caller's guarantee.
    fn logits<const A: usize>(&self, theta: &[[T; A]; F], s: usize, z: &mut [T; A]);

    /// Adds `φ_f(s) g[a]` to `grad[f][a]` for every `f`, `a`.
    fn accumulate<const A: usize>(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]);
}

/// One-hot (tabular) features: `φ(s) = e_s`, so `F == S` and `θ[s][a]` is the
/// logit of action `a` in state `s`. The paper's parameterisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OneHot;

/// One-hot features plus a constant 1: `φ(s) = [e_s, 1]`, so `F == S + 1` and
/// the last row of `θ` is a per-action bias. This is a torch
/// `nn.Linear(S, A)` over one-hot states, the authors' notebook's layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OneHotBias;

/// Arbitrary dense features, `phi[s][f]`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DenseFeatures<T, const S: usize, const F: usize> {
    phi: [[T; F]; S],
}

impl<T: Real, const S: usize, const F: usize> DenseFeatures<T, S, F> {
    /// Wraps a feature table indexed `[s][f]`.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] if an entry is NaN or infinite.
    pub fn try_new(phi: [[T; F]; S]) -> Result<Self> {
        const { assert!(S > 0 && F > 0, "need at least one state and one feature") };
        check_finite("features", phi.as_flattened())?;
        Ok(Self { phi })
    }

    /// The table, indexed `[s][f]`.
    pub fn table(&self) -> &[[T; F]; S] {
        &self.phi
    }
}

impl<T: Real, const S: usize, const F: usize> FeatureMap<T, S, F> for OneHot {
    const HAS_BIAS: bool = false;

    fn check_shape(&self) -> Result<()> {
        if F == S {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                what: "one-hot features (F = S)",
                expected: S,
                found: F,
            })
        }
    }

    #[inline(always)]
    fn logits<const A: usize>(&self, theta: &[[T; A]; F], s: usize, z: &mut [T; A]) {
        *z = theta[s];
    }

    #[inline(always)]
    fn accumulate<const A: usize>(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]) {
        for (x, &gi) in grad[s].iter_mut().zip(g) {
            *x += gi;
        }
    }
}

impl<T: Real, const S: usize, const F: usize> FeatureMap<T, S, F> for OneHotBias {
    const HAS_BIAS: bool = true;

    fn check_shape(&self) -> Result<()> {
        if F == S + 1 {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                what: "one-hot features with bias (F = S + 1)",
                expected: S + 1,
                found: F,
            })
        }
    }

    #[inline(always)]
    fn logits<const A: usize>(&self, theta: &[[T; A]; F], s: usize, z: &mut [T; A]) {
        let bias = &theta[F - 1];
        for ((zi, &w), &b) in z.iter_mut().zip(&theta[s]).zip(bias) {
            *zi = w + b;
        }
    }

    #[inline(always)]
    fn accumulate<const A: usize>(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]) {
        for (x, &gi) in grad[s].iter_mut().zip(g) {
            *x += gi;
        }
        for (x, &gi) in grad[F - 1].iter_mut().zip(g) {
            *x += gi;
        }
    }
}

impl<T: Real, const S: usize, const F: usize> FeatureMap<T, S, F> for DenseFeatures<T, S, F> {
    const HAS_BIAS: bool = false;

    fn check_shape(&self) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn logits<const A: usize>(&self, theta: &[[T; A]; F], s: usize, z: &mut [T; A]) {
        *z = [T::ZERO; A];
        for (&phi, row) in self.phi[s].iter().zip(theta) {
            if phi != T::ZERO {
                for (zi, &w) in z.iter_mut().zip(row) {
                    *zi += phi * w;
                }
            }
        }
    }

    #[inline]
    fn accumulate<const A: usize>(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]) {
        for (&phi, row) in self.phi[s].iter().zip(grad.iter_mut()) {
            if phi != T::ZERO {
                for (x, &gi) in row.iter_mut().zip(g) {
                    *x += phi * gi;
                }
            }
        }
    }
}
