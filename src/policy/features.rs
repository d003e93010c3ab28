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

    /// Writes `z[a] = Σ_f φ_f(s) θ[f][a]`. A state outside `0..S` has
    /// `φ(s) = 0` (so `z = 0`): never a panic.
    fn logits<const A: usize>(&self, theta: &[[T; A]; F], s: usize, z: &mut [T; A]);

    /// Adds `φ_f(s) g[a]` to `grad[f][a]` for every `f`, `a` (nothing for a
    /// state outside `0..S`, whose `φ(s)` is 0).
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
        *z = match theta.get(s) {
            Some(row) if s < S => *row,
            _ => [T::ZERO; A],
        };
    }

    #[inline(always)]
    fn accumulate<const A: usize>(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]) {
        if let Some(row) = grad.get_mut(s).filter(|_| s < S) {
            for (x, &gi) in row.iter_mut().zip(g) {
                *x += gi;
            }
        }
    }
}

impl<T: Real, const S: usize, const F: usize> FeatureMap<T, S, F> for OneHotBias {
    const HAS_BIAS: bool = true;

    fn check_shape(&self) -> Result<()> {
        if F == S.saturating_add(1) {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                what: "one-hot features with bias (F = S + 1)",
                expected: S.saturating_add(1),
                found: F,
            })
        }
    }

    #[inline(always)]
    fn logits<const A: usize>(&self, theta: &[[T; A]; F], s: usize, z: &mut [T; A]) {
        // The bias is the last row; a state row must come before it.
        let rows = theta
            .split_last()
            .and_then(|(bias, w)| Some((w.get(s)?, bias)));
        match rows {
            Some((row, bias)) if s < S => {
                for ((zi, &w), &b) in z.iter_mut().zip(row).zip(bias) {
                    *zi = w + b;
                }
            }
            _ => *z = [T::ZERO; A],
        }
    }

    #[inline(always)]
    fn accumulate<const A: usize>(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]) {
        if let Some((bias, w)) = grad.split_last_mut() {
            if let Some(row) = w.get_mut(s).filter(|_| s < S) {
                for (x, &gi) in row.iter_mut().zip(g) {
                    *x += gi;
                }
                for (x, &gi) in bias.iter_mut().zip(g) {
                    *x += gi;
                }
            }
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
        let Some(phi_s) = self.phi.get(s) else {
            return;
        };
        for (&phi, row) in phi_s.iter().zip(theta) {
            if phi != T::ZERO {
                for (zi, &w) in z.iter_mut().zip(row) {
                    *zi += phi * w;
                }
            }
        }
    }

    #[inline]
    fn accumulate<const A: usize>(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]) {
        let Some(phi_s) = self.phi.get(s) else {
            return;
        };
        for (&phi, row) in phi_s.iter().zip(grad.iter_mut()) {
            if phi != T::ZERO {
                for (x, &gi) in row.iter_mut().zip(g) {
                    *x += phi * gi;
                }
            }
        }
    }
}
