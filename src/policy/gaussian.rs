//! The linear Gaussian policy of the paper's §3.2: `a ~ N(θᵀφ(s), diag(σ²))`
//! with the standard deviation `σ` set by the user, so that the policy's
//! entropy, `Σ_j ½ ln(2πe σ_j²)`, is controlled directly.

use rand_core::Rng;

use crate::error::{Error, Result, check_finite, check_len, check_overflow, rule};
use crate::random::standard_normal;
use crate::real::Real;

/// A Gaussian policy whose mean is linear in the observation.
///
/// - `T`: the scalar; `O`: observation size; `A`: action size;
/// - `F`: the number of features, by default `O` for [`Gaussian::linear`]
///   (mean `θᵀs`, as in the paper), or `O + 1` for [`Gaussian::affine`] (a
///   constant feature 1 last, i.e. a bias): `Gaussian<f64, 3, 1>` is linear,
///   `Gaussian<f64, 3, 1, 4>` affine. [`Gaussian::PARAMS`] is `F * A`.
///
/// The parameters are `[[T; A]; F]`, indexed `[f][a]`, flat index
/// `f * A + a`; `σ` is `[T; A]`, one per action dimension. `σ = 0` is the
/// deterministic policy the paper evaluates performance with (footnote 4):
/// [`Gaussian::sample_into`] then returns the mean, while densities
/// ([`Gaussian::log_prob`], [`Gaussian::score_into`], [`Gaussian::entropy`])
/// are undefined and return an error.
///
/// # Examples
///
/// ```
/// use policy_landscape::policy::Gaussian;
///
/// let mut pi = Gaussian::<f64, 3, 1>::linear();
/// pi.set_params(&[1.0, 0.0, -0.5])?;
/// pi.set_sigma(0.5)?;
/// let s = [0.2, 0.4, 1.0];
/// let mut mean = [0.0];
/// pi.mean_into(&s, &mut mean)?;
/// assert!((mean[0] - (0.2 - 0.5)).abs() < 1e-15);
/// // Entropy ½ ln(2πe σ²), in nats.
/// let h = 0.5 * (2.0 * core::f64::consts::PI * core::f64::consts::E * 0.25).ln();
/// assert!((pi.entropy()? - h).abs() < 1e-15);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Gaussian<T, const O: usize, const A: usize, const F: usize = O> {
    theta: [[T; A]; F],
    sigma: [T; A],
}

impl<T, const O: usize, const A: usize, const F: usize> Gaussian<T, O, A, F> {
    /// The number of parameters, `F * A` (`σ` not included): an array
    /// length for a concrete policy type, e.g.
    /// `[0.0; Gaussian::<f64, 3, 1, 4>::PARAMS]` (4).
    pub const PARAMS: usize = F * A;
}

impl<T: Real, const O: usize, const A: usize> Gaussian<T, O, A> {
    /// Mean `θᵀs`, all parameters 0, `σ = 1`.
    pub const fn linear() -> Self {
        const { assert!(O > 0 && A > 0, "sizes must be positive") };
        Self {
            theta: [[T::ZERO; A]; O],
            sigma: [T::ONE; A],
        }
    }
}

impl<T: Real, const O: usize, const A: usize, const F: usize> Gaussian<T, O, A, F> {
    /// Mean `θᵀ[s, 1]` (the last parameter row is a bias; `F` must be
    /// `O + 1`), all parameters 0, `σ = 1`.
    pub const fn affine() -> Self {
        const { assert!(F == O + 1 && A > 0, "affine needs F = O + 1") };
        Self {
            theta: [[T::ZERO; A]; F],
            sigma: [T::ONE; A],
        }
    }

    /// The parameters, `[f][a]`.
    pub fn theta(&self) -> &[[T; A]; F] {
        &self.theta
    }

    /// The parameters as one flat slice (index `f * A + a`).
    pub fn params(&self) -> &[T] {
        self.theta.as_flattened()
    }

    /// The parameters, mutable; every method checks them again.
    pub fn params_mut(&mut self) -> &mut [T] {
        self.theta.as_flattened_mut()
    }

    /// Sets all parameters.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], [`Error::NonFinite`]; unchanged on error.
    pub fn set_params(&mut self, theta: &[T]) -> Result<()> {
        check_len("theta", theta.len(), F.saturating_mul(A))?;
        check_finite("theta", theta)?;
        self.theta.as_flattened_mut().copy_from_slice(theta);
        Ok(())
    }

    /// The standard deviations.
    pub fn sigma(&self) -> &[T; A] {
        &self.sigma
    }

    /// Sets every standard deviation to `sigma >= 0`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `sigma`.
    pub fn set_sigma(&mut self, sigma: T) -> Result<()> {
        self.set_sigmas(&[sigma; A])
    }

    /// Sets the standard deviation of each action dimension.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite entry;
    /// unchanged on error.
    pub fn set_sigmas(&mut self, sigma: &[T; A]) -> Result<()> {
        if sigma.iter().all(|&s| s.is_finite() && s >= T::ZERO) {
            self.sigma = *sigma;
            Ok(())
        } else {
            Err(Error::InvalidParameter {
                what: "sigma",
                rule: rule::NON_NEGATIVE,
            })
        }
    }

    /// `true` when some `σ_j` is 0 (a deterministic dimension).
    pub fn is_deterministic(&self) -> bool {
        self.sigma.contains(&T::ZERO)
    }

    #[inline]
    fn feature(obs: &[T; O], f: usize) -> T {
        obs.get(f).copied().unwrap_or(T::ONE)
    }

    fn check_obs(&self, obs: &[T; O]) -> Result<()> {
        check_finite("observation", obs)?;
        check_finite("theta", self.params())
    }

    /// The mean `μ = θᵀφ(s)`.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for a NaN or infinite observation or parameter;
    /// [`Error::NumericalOverflow`] if the mean overflows. `out` is
    /// untouched on error.
    pub fn mean_into(&self, obs: &[T; O], out: &mut [T; A]) -> Result<()> {
        self.check_obs(obs)?;
        let mut mean = [T::ZERO; A];
        for (f, row) in self.theta.iter().enumerate() {
            let phi = Self::feature(obs, f);
            for (m, &w) in mean.iter_mut().zip(row) {
                *m += phi * w;
            }
        }
        check_overflow("mean", &mean)?;
        *out = mean;
        Ok(())
    }

    /// Samples `a = μ + σ ε`, `ε` standard normal (ziggurat), from the
    /// borrowed generator; with `σ = 0` the mean itself.
    ///
    /// # Errors
    ///
    /// As [`Gaussian::mean_into`].
    pub fn sample_into<R: Rng + ?Sized>(
        &self,
        obs: &[T; O],
        rng: &mut R,
        out: &mut [T; A],
    ) -> Result<()> {
        let mut a = [T::ZERO; A];
        self.mean_into(obs, &mut a)?;
        for (x, &s) in a.iter_mut().zip(&self.sigma) {
            let e: T = standard_normal(rng);
            *x += s * e;
        }
        check_overflow("action", &a)?;
        *out = a;
        Ok(())
    }

    fn check_density(&self) -> Result<()> {
        if self.is_deterministic() {
            Err(Error::InvalidParameter {
                what: "sigma",
                rule: "be positive in every dimension for a density",
            })
        } else {
            Ok(())
        }
    }

    /// `ln π(a|s) = Σ_j [−(a_j − μ_j)² / 2σ_j² − ln σ_j − ½ ln 2π]`.
    ///
    /// # Errors
    ///
    /// As [`Gaussian::mean_into`], [`Error::NonFinite`] for the action, and
    /// [`Error::InvalidParameter`] when some `σ_j = 0`.
    pub fn log_prob(&self, obs: &[T; O], action: &[T; A]) -> Result<T> {
        self.check_density()?;
        check_finite("action", action)?;
        let mut mean = [T::ZERO; A];
        self.mean_into(obs, &mut mean)?;
        let half_ln_2pi = T::HALF * (T::TWO * T::PI).ln();
        let mut lp = T::ZERO;
        for ((&a, &m), &s) in action.iter().zip(&mean).zip(&self.sigma) {
            let z = (a - m) / s;
            lp -= T::HALF * z * z + s.ln() + half_ln_2pi;
        }
        match lp.is_finite() {
            true => Ok(lp),
            false => Err(Error::NumericalOverflow {
                what: "log-probability",
            }),
        }
    }

    /// The score `∇_θ ln π(a|s)`: `∂/∂θ[f][j] = φ_f(s) (a_j − μ_j) / σ_j²`,
    /// into `grad` (flat, `F * A`).
    ///
    /// # Errors
    ///
    /// As [`Gaussian::log_prob`], plus [`Error::LengthMismatch`] for `grad`
    /// (untouched on error).
    pub fn score_into(&self, obs: &[T; O], action: &[T; A], grad: &mut [T]) -> Result<()> {
        check_len("grad", grad.len(), F.saturating_mul(A))?;
        self.check_density()?;
        check_finite("action", action)?;
        let mut mean = [T::ZERO; A];
        self.mean_into(obs, &mut mean)?;
        let mut w = [T::ZERO; A];
        for (((wj, &a), &m), &s) in w.iter_mut().zip(action).zip(&mean).zip(&self.sigma) {
            *wj = (a - m) / (s * s);
        }
        check_overflow("score", &w)?;
        let mut out = [[T::ZERO; A]; F];
        for (f, row) in out.iter_mut().enumerate() {
            let phi = Self::feature(obs, f);
            for (g, &wj) in row.iter_mut().zip(&w) {
                *g = phi * wj;
            }
        }
        // φ · w can overflow although both are finite.
        check_overflow("score", out.as_flattened())?;
        grad.copy_from_slice(out.as_flattened());
        Ok(())
    }

    /// The differential entropy `Σ_j ½ ln(2πe σ_j²)`, in nats (it does not
    /// depend on the state).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when some `σ_j = 0` (the entropy is −∞).
    pub fn entropy(&self) -> Result<T> {
        self.check_density()?;
        let c = T::HALF * (T::TWO * T::PI).ln() + T::HALF;
        Ok(self.sigma.iter().fold(T::ZERO, |h, &s| h + s.ln() + c))
    }
}
