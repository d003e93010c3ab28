//! The linear softmax policy `π(a|s) ∝ exp(θᵀφ(s))`, optionally mixed with
//! the uniform policy: `π_mix = (1 - mix) π + mix / |A|` (paper, footnote 3).

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// the torch layout's indices f * A + a and a * w + f are below F * A
// for f < F, a < A, w <= F, after both slices are checked to hold F * A
// entries; row indices a, b < A come from enumerating [T; A] arrays.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "torch layout indices below F * A after the length checks (see above)"
)]

use rand_core::Rng;

use super::features::{FeatureMap, OneHot, OneHotBias};
use super::row::SoftmaxRow;
use crate::error::{Error, Result, check_finite, check_len};
use crate::random::uniform01;
use crate::real::Real;

/// A linear softmax policy over `A` actions with `F` state features.
///
/// - `T`: the scalar ([`f32`] or [`f64`]);
/// - `S`: the number of states;
/// - `A`: the number of actions;
/// - `F`: the number of features, by default `S` (one-hot, [`OneHot`]);
///   `S + 1` for [`OneHotBias`];
/// - `M`: the [`FeatureMap`] giving `φ(s)`, by default [`OneHot`].
///
/// So the tabular policy is `Softmax<f64, 26, 4>`, the paper's policy with
/// a bias `Softmax<f64, 26, 4, 27, OneHotBias>` (alias
/// [`crate::paper::Policy`]); [`Softmax::PARAMS`] is `F * A`.
///
/// The parameters `θ` are `[[T; A]; F]`, indexed `[f][a]`; as a flat slice
/// the index is `f * A + a`. The policy in state `s` is
/// `π_mix(a|s) = (1 - mix) softmax(z)_a + mix / A` with logits
/// `z_a = Σ_f φ_f(s) θ[f][a]`.
///
/// Everything is computed from log-sum-exp, so it is stable for any finite
/// logits (±1e30 included): probabilities are in `[0, 1]`, log-probabilities
/// are finite wherever the probability is positive, and the entropy is finite.
///
/// # Examples
///
/// ```
/// use policy_landscape::policy::Softmax;
///
/// // Two states, three actions, tabular.
/// let mut pi = Softmax::<f64, 2, 3>::tabular();
/// pi.set_params(&[0.0, 1.0, 2.0, 0.0, 0.0, 0.0])?;
/// let mut p = [0.0; 3];
/// pi.probabilities(1, &mut p)?;
/// assert!(p.iter().all(|&x| (x - 1.0 / 3.0).abs() < 1e-15));
/// assert!((pi.entropy(1)? - 3.0_f64.ln()).abs() < 1e-15);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Softmax<T, const S: usize, const A: usize, const F: usize = S, M = OneHot> {
    theta: [[T; A]; F],
    mix: T,
    features: M,
}

impl<T, const S: usize, const A: usize, const F: usize, M> Softmax<T, S, A, F, M> {
    /// The number of parameters, `F * A`: an array length for a concrete
    /// policy type, e.g. `[0.0; Softmax::<f64, 26, 4>::PARAMS]` (104).
    pub const PARAMS: usize = F * A;
}

impl<T: Real, const S: usize, const A: usize> Softmax<T, S, A> {
    /// A tabular policy (`θ[s][a]` is a logit) with all parameters 0 (uniform)
    /// and `mix = 0`. The paper's parameterisation.
    pub const fn tabular() -> Self {
        const { assert!(S > 0 && A > 0, "need at least one state and one action") };
        Self {
            theta: [[T::ZERO; A]; S],
            mix: T::ZERO,
            features: OneHot,
        }
    }
}

impl<T: Real, const S: usize, const A: usize, const F: usize> Softmax<T, S, A, F, OneHotBias> {
    /// A tabular policy with a per-action bias (`F` must be `S + 1`), as a
    /// torch `nn.Linear(S, A)` over one-hot states: the authors' notebook.
    /// All parameters 0, `mix = 0`.
    pub const fn tabular_with_bias() -> Self {
        const { assert!(F == S + 1 && A > 0, "tabular_with_bias needs F = S + 1") };
        Self {
            theta: [[T::ZERO; A]; F],
            mix: T::ZERO,
            features: OneHotBias,
        }
    }
}

impl<T: Real, const S: usize, const A: usize, const F: usize, M: FeatureMap<T, S, F>>
    Softmax<T, S, A, F, M>
{
    /// A policy over arbitrary features, all parameters 0, `mix = 0`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `F` does not fit the feature map.
    pub fn with_features(features: M) -> Result<Self> {
        const { assert!(S > 0 && F > 0 && A > 0, "sizes must be positive") };
        features.check_shape()?;
        Ok(Self {
            theta: [[T::ZERO; A]; F],
            mix: T::ZERO,
            features,
        })
    }

    /// The parameters as `[f][a]`.
    pub fn theta(&self) -> &[[T; A]; F] {
        &self.theta
    }

    /// The parameters as one flat slice (index `f * A + a`).
    pub fn params(&self) -> &[T] {
        self.theta.as_flattened()
    }

    /// The parameters, mutable. Evaluation checks them again, so writing a
    /// NaN here yields an error later, never a NaN result.
    pub fn params_mut(&mut self) -> &mut [T] {
        self.theta.as_flattened_mut()
    }

    /// Sets all parameters from a flat slice (index `f * A + a`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `theta.len() == F * A`;
    /// [`Error::NonFinite`] on a NaN or infinite entry. The policy is unchanged
    /// on error.
    pub fn set_params(&mut self, theta: &[T]) -> Result<()> {
        check_len("theta", theta.len(), F.saturating_mul(A))?;
        check_finite("theta", theta)?;
        self.theta.as_flattened_mut().copy_from_slice(theta);
        Ok(())
    }

    /// The mixing coefficient.
    pub fn mix(&self) -> T {
        self.mix
    }

    /// Sets the mixing coefficient `mix ∈ [0, 1]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidProbability`] outside `[0, 1]` or NaN.
    pub fn set_mix(&mut self, mix: T) -> Result<()> {
        if mix >= T::ZERO && mix <= T::ONE {
            self.mix = mix;
            Ok(())
        } else {
            Err(Error::InvalidProbability { what: "mix" })
        }
    }

    /// The feature map.
    pub fn features(&self) -> &M {
        &self.features
    }

    /// Checks that every parameter is finite.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] naming the first bad flat index.
    pub fn check(&self) -> Result<()> {
        check_finite("theta", self.params())
    }

    /// The number of numbers in the torch `nn.Linear` layout: `A * F` (the
    /// bias, when present, is `A` of them).
    pub const fn torch_len(&self) -> usize {
        A * F
    }

    /// Converts a vector in this policy's flat layout (`[f][a]`) to the torch
    /// `nn.Linear` layout: weights `W[a][f']` row-major over the non-bias
    /// features, then the bias `b[a]` if the feature map has one. Works for
    /// parameters and gradients alike.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless both slices have `F * A` entries.
    pub fn to_torch_layout(flat: &[T], torch: &mut [T]) -> Result<()> {
        check_len("flat", flat.len(), F.saturating_mul(A))?;
        check_len("torch", torch.len(), F.saturating_mul(A))?;
        let w = if M::HAS_BIAS { F - 1 } else { F };
        for a in 0..A {
            for f in 0..w {
                torch[a * w + f] = flat[f * A + a];
            }
        }
        if M::HAS_BIAS {
            for a in 0..A {
                torch[A * w + a] = flat[(F - 1) * A + a];
            }
        }
        Ok(())
    }

    /// The inverse of [`Softmax::to_torch_layout`].
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless both slices have `F * A` entries.
    pub fn from_torch_layout(torch: &[T], flat: &mut [T]) -> Result<()> {
        check_len("torch", torch.len(), F.saturating_mul(A))?;
        check_len("flat", flat.len(), F.saturating_mul(A))?;
        let w = if M::HAS_BIAS { F - 1 } else { F };
        for a in 0..A {
            for f in 0..w {
                flat[f * A + a] = torch[a * w + f];
            }
        }
        if M::HAS_BIAS {
            for a in 0..A {
                flat[(F - 1) * A + a] = torch[A * w + a];
            }
        }
        Ok(())
    }

    /// Sets the parameters from the torch `nn.Linear` layout (see
    /// [`Softmax::to_torch_layout`]).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], [`Error::NonFinite`]; unchanged on error.
    pub fn set_params_from_torch(&mut self, torch: &[T]) -> Result<()> {
        check_len("torch parameters", torch.len(), F.saturating_mul(A))?;
        check_finite("torch parameters", torch)?;
        Self::from_torch_layout(torch, self.theta.as_flattened_mut())
    }

    /// Writes the parameters in the torch `nn.Linear` layout.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `torch.len() == F * A`.
    pub fn params_to_torch(&self, torch: &mut [T]) -> Result<()> {
        Self::to_torch_layout(self.params(), torch)
    }

    #[inline]
    fn check_state(s: usize) -> Result<()> {
        if s < S {
            Ok(())
        } else {
            Err(Error::StateOutOfRange {
                state: s,
                states: S,
            })
        }
    }

    /// The logits of state `s` without validation (`s < S`, finite `θ`).
    #[inline(always)]
    pub(crate) fn logits_unchecked(&self, s: usize, z: &mut [T; A]) {
        self.features.logits(&self.theta, s, z);
    }

    /// Adds `φ(s) g[a]` into `grad` (`[f][a]`).
    #[inline(always)]
    pub(crate) fn accumulate_unchecked(&self, s: usize, g: &[T; A], grad: &mut [[T; A]; F]) {
        self.features.accumulate(s, g, grad);
    }

    /// The full policy row of state `s` (`p`, `π`, `ln π`, entropy).
    ///
    /// # Errors
    ///
    /// [`Error::StateOutOfRange`]; [`Error::NonFinite`] for a NaN parameter;
    /// [`Error::LogitOverflow`] if finite parameters give an infinite logit.
    pub fn row(&self, s: usize) -> Result<SoftmaxRow<T, A>> {
        Self::check_state(s)?;
        self.check()?;
        self.row_checked_params(s, true)
    }

    /// As [`Softmax::row`], with the parameters already checked; without
    /// `with_log` the row has no logarithms and no entropy (see
    /// [`SoftmaxRow::compute`]).
    #[inline]
    pub(crate) fn row_checked_params(&self, s: usize, with_log: bool) -> Result<SoftmaxRow<T, A>> {
        let mut z = [T::ZERO; A];
        self.logits_unchecked(s, &mut z);
        if z.iter().any(|x| !x.is_finite()) {
            return Err(Error::LogitOverflow { state: s });
        }
        Ok(SoftmaxRow::compute(&z, self.mix, with_log))
    }

    /// The logits `z_a = Σ_f φ_f(s) θ[f][a]` of state `s`.
    ///
    /// # Errors
    ///
    /// As [`Softmax::row`].
    pub fn logits(&self, s: usize, z: &mut [T; A]) -> Result<()> {
        Self::check_state(s)?;
        self.check()?;
        self.logits_unchecked(s, z);
        match z.iter().any(|x| !x.is_finite()) {
            true => Err(Error::LogitOverflow { state: s }),
            false => Ok(()),
        }
    }

    /// `π_mix(·|s)`.
    ///
    /// # Errors
    ///
    /// As [`Softmax::row`].
    pub fn probabilities(&self, s: usize, out: &mut [T; A]) -> Result<()> {
        *out = self.row(s)?.pi;
        Ok(())
    }

    /// `ln π_mix(·|s)`; `-∞` only where the probability underflows to 0.
    ///
    /// # Errors
    ///
    /// As [`Softmax::row`].
    pub fn log_probabilities(&self, s: usize, out: &mut [T; A]) -> Result<()> {
        let row = self.row(s)?;
        for (o, (&l, &p)) in out.iter_mut().zip(row.log_pi.iter().zip(&row.pi)) {
            *o = if p > T::ZERO { l } else { -T::INFINITY };
        }
        Ok(())
    }

    /// The entropy `H(π_mix(·|s)) = -Σ_a π ln π`, in nats.
    ///
    /// # Errors
    ///
    /// As [`Softmax::row`].
    pub fn entropy(&self, s: usize) -> Result<T> {
        Ok(self.row(s)?.entropy)
    }

    /// The score function `∇_θ ln π_mix(a|s)` into `grad` (flat, `F * A`).
    ///
    /// # Errors
    ///
    /// As [`Softmax::row`], plus [`Error::ActionOutOfRange`] and
    /// [`Error::LengthMismatch`] for `grad`. `grad` is untouched on error.
    pub fn score_into(&self, s: usize, a: usize, grad: &mut [T]) -> Result<()> {
        if a >= A {
            return Err(Error::ActionOutOfRange {
                action: a,
                actions: A,
            });
        }
        check_len("grad", grad.len(), F.saturating_mul(A))?;
        let row = self.row(s)?;
        // ∂ ln π_a / ∂ z_b = (1 - mix) p_a (δ_ab - p_b) / π_a.
        // With mix = 0 this is δ_ab - p_b, computed without the division.
        let mut g = [T::ZERO; A];
        if self.mix == T::ZERO {
            for (b, gb) in g.iter_mut().enumerate() {
                *gb = if a == b { T::ONE - row.p[b] } else { -row.p[b] };
            }
        } else {
            let w = (T::ONE - self.mix) * row.p[a] / row.pi[a];
            for (b, gb) in g.iter_mut().enumerate() {
                let delta = if a == b { T::ONE } else { T::ZERO };
                *gb = w * (delta - row.p[b]);
            }
        }
        self.write_feature_gradient(s, &g, grad);
        Ok(())
    }

    /// The entropy gradient `∇_θ H(π_mix(·|s))` into `grad` (flat, `F * A`).
    ///
    /// # Errors
    ///
    /// As [`Softmax::row`], plus [`Error::LengthMismatch`] for `grad`.
    pub fn entropy_gradient_into(&self, s: usize, grad: &mut [T]) -> Result<()> {
        check_len("grad", grad.len(), F.saturating_mul(A))?;
        let row = self.row(s)?;
        let mut g = [T::ZERO; A];
        // H = Σ π (0 - ln π): the weighted-log-sum gradient with c = 0, τ = 1.
        row.logit_gradient(&[T::ZERO; A], T::ONE, self.mix, &mut g);
        self.write_feature_gradient(s, &g, grad);
        Ok(())
    }

    fn write_feature_gradient(&self, s: usize, g: &[T; A], grad: &mut [T]) {
        let mut acc = [[T::ZERO; A]; F];
        self.accumulate_unchecked(s, g, &mut acc);
        grad.copy_from_slice(acc.as_flattened());
    }

    /// Draws every parameter uniformly from `[-b, b)` with
    /// `b = 1 / sqrt(fan_in)`, `fan_in` being the number of non-bias features:
    /// the default initialisation of a torch `nn.Linear` (weights and bias),
    /// as in the paper's experiments. Draws are made in flat order
    /// (`f * A + a`), one `u64` each.
    pub fn init_like_torch<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let fan_in = if M::HAS_BIAS { F - 1 } else { F };
        init_like_torch(self.theta.as_flattened_mut(), fan_in, rng);
    }

    /// Samples an action from `π_mix(·|s)` by inversion of one uniform draw
    /// (53 bits in `f64`, 24 in `f32`) from the borrowed generator.
    ///
    /// # Errors
    ///
    /// As [`Softmax::row`].
    pub fn sample<R: Rng + ?Sized>(&self, s: usize, rng: &mut R) -> Result<usize> {
        let row = self.row(s)?;
        let u: T = uniform01(rng);
        let mut cum = T::ZERO;
        let mut last = 0;
        for (a, &p) in row.pi.iter().enumerate() {
            if p > T::ZERO {
                cum += p;
                last = a;
                if u < cum {
                    return Ok(a);
                }
            }
        }
        // Rounding left the cumulative sum just below u: the last action
        // with positive probability.
        Ok(last)
    }
}

/// torch's default initialisation of an `nn.Linear` with `fan_in` inputs
/// (weights and bias alike): every entry of `params`, in order, uniform in
/// `[-b, b)` with `b = 1 / sqrt(max(fan_in, 1))`, one `u64` each. What
/// [`Softmax::init_like_torch`] draws, for parameters sized at run time (the
/// C interface, the Python package).
///
/// ```
/// use policy_landscape::Softmax;
/// use policy_landscape::policy::init_like_torch;
/// use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
/// use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
///
/// let mut policy = Softmax::<f64, 3, 2>::tabular();
/// policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let mut flat = [0.0; 6];
/// init_like_torch(&mut flat, 3, &mut Xoshiro256PlusPlus::seed_from_u64(1));
/// assert_eq!(flat, policy.params());
/// ```
pub fn init_like_torch<T: Real, R: Rng + ?Sized>(params: &mut [T], fan_in: usize, rng: &mut R) {
    let bound = T::ONE / T::from_usize(fan_in.max(1)).sqrt();
    for x in params {
        let u: T = uniform01(rng);
        *x = (T::TWO * u - T::ONE) * bound;
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize, const F: usize, M> defmt::Format
    for Softmax<T, S, A, F, M>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Softmax {{ states: {=usize}, features: {=usize}, actions: {=usize}, mix: {=f64} }}",
            S,
            F,
            A,
            self.mix.to_f64(),
        );
    }
}
