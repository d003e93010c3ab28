//! The objective interface shared by probes and interpolation.

use crate::error::{Error, Result, rule};
use crate::exact::ExactWorkspace;
use crate::mdp::TabularMdp;
use crate::policy::{FeatureMap, OneHot, Softmax};
use crate::real::Real;
use crate::stats::Estimate;

/// A function of a parameter vector, possibly estimated with noise.
///
/// Exact objectives report a standard error of 0; Monte-Carlo objectives
/// report theirs, and probes then judge differences against them.
pub trait Objective<T: Real> {
    /// `O(θ)` and its standard error.
    ///
    /// # Errors
    ///
    /// Whatever the objective cannot evaluate (wrong length, NaN, ...).
    fn evaluate(&mut self, theta: &[T]) -> Result<Estimate<T>>;
}

/// An exact objective from a closure returning `O(θ)` (standard error 0).
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::{Objective, from_fn};
///
/// // The paper's Fig. 1 function: O(θ) = -(1 - θ₀θ₁)².
/// let mut o = from_fn(|t: &[f64]| Ok(-(1.0 - t[0] * t[1]).powi(2)));
/// assert_eq!(o.evaluate(&[-0.5, -2.0])?.value, 0.0);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
pub fn from_fn<T: Real, F: FnMut(&[T]) -> Result<T>>(f: F) -> FnObjective<F> {
    FnObjective(f)
}

/// See [`from_fn`].
#[derive(Clone, Copy, Debug)]
pub struct FnObjective<F>(pub F);

impl<T: Real, F: FnMut(&[T]) -> Result<T>> Objective<T> for FnObjective<F> {
    fn evaluate(&mut self, theta: &[T]) -> Result<Estimate<T>> {
        Ok(Estimate {
            value: (self.0)(theta)?,
            std_error: T::ZERO,
        })
    }
}

/// The exact entropy-regularised objective `J_τ(θ)` of a softmax policy on a
/// tabular MDP (paper §3.1), with the policy's `mix`.
///
/// It owns a copy of the policy (whose parameters it overwrites at each
/// evaluation) and borrows the MDP and a workspace: no allocation. The
/// parameters are those of the [`Softmax`] policy: `T` the scalar, `S`
/// states, `A` actions, `F` features (default `S`), `M` the feature map
/// (default [`OneHot`]).
///
/// # Examples
///
/// ```
/// use policy_landscape::probe::{ExactObjective, Objective};
/// use policy_landscape::{ExactWorkspace, Softmax, paper};
///
/// let mdp = paper::mdp::<f64>();
/// let mut ws = ExactWorkspace::new();
/// let policy = Softmax::<f64, 26, 4>::tabular();
/// let mut j = ExactObjective::new(&mdp, policy, &mut ws, 0.0)?;
/// let uniform = j.evaluate(&[0.0; Softmax::<f64, 26, 4>::PARAMS])?;
/// assert!(uniform.value > 0.0 && uniform.std_error == 0.0);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Debug)]
pub struct ExactObjective<'a, T, const S: usize, const A: usize, const F: usize = S, M = OneHot> {
    mdp: &'a TabularMdp<T, S, A>,
    policy: Softmax<T, S, A, F, M>,
    ws: &'a mut ExactWorkspace<T, S, A>,
    tau: T,
}

/// The three objectives of one exact evaluation, as the authors' notebook
/// plots them along an interpolation.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExactParts<T> {
    /// The true objective `J` (no entropy).
    pub j_true: T,
    /// The regularised objective `J_τ = J + τ J_H`.
    pub j_tau: T,
    /// The entropy-only objective `J_H`.
    pub j_entropy: T,
}

impl<'a, T: Real, const S: usize, const A: usize, const F: usize, M: FeatureMap<T, S, F>>
    ExactObjective<'a, T, S, A, F, M>
{
    /// `J_τ` with entropy weight `tau` for `policy`'s features and `mix`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for a negative or non-finite `tau`.
    pub fn new(
        mdp: &'a TabularMdp<T, S, A>,
        policy: Softmax<T, S, A, F, M>,
        ws: &'a mut ExactWorkspace<T, S, A>,
        tau: T,
    ) -> Result<Self> {
        if !(tau.is_finite() && tau >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "tau",
                rule: rule::NON_NEGATIVE,
            });
        }
        Ok(Self {
            mdp,
            policy,
            ws,
            tau,
        })
    }

    /// The entropy weight.
    pub fn tau(&self) -> T {
        self.tau
    }

    /// `J`, `J_τ` and `J_H` at `theta` (flat policy layout).
    ///
    /// # Errors
    ///
    /// As [`Softmax::set_params`] and [`ExactWorkspace::evaluate`].
    pub fn parts(&mut self, theta: &[T]) -> Result<ExactParts<T>> {
        self.policy.set_params(theta)?;
        let eval = self.ws.evaluate(self.mdp, &self.policy, self.tau)?;
        Ok(ExactParts {
            j_true: eval.j_true(),
            j_tau: eval.j_tau(),
            j_entropy: eval.j_entropy(),
        })
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize, const F: usize, M> defmt::Format
    for ExactObjective<'_, T, S, A, F, M>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "ExactObjective {{ tau: {=f64} }}", self.tau.to_f64());
    }
}

impl<T: Real, const S: usize, const A: usize, const F: usize, M: FeatureMap<T, S, F>> Objective<T>
    for ExactObjective<'_, T, S, A, F, M>
{
    fn evaluate(&mut self, theta: &[T]) -> Result<Estimate<T>> {
        self.policy.set_params(theta)?;
        Ok(Estimate {
            value: self.ws.objective(self.mdp, &self.policy, self.tau)?,
            std_error: T::ZERO,
        })
    }
}
