//! Exact policy evaluation and the exact policy gradient (paper §2.2, eq. 3).
//!
//! For a policy `π` and entropy weight `τ`, with `H(s) = H(π(·|s))`:
//!
//! - `P_π[s][s'] = Σ_a π(a|s) P[s][a][s']`
//! - `r_τ[s] = Σ_a π(a|s) R[s][a] + τ H(s)` (earned in every state, the
//!   absorbing one included)
//! - `V = (I - γ P_π)⁻¹ r_τ`
//! - `Q[s][a] = R[s][a] + τ H(s) + γ Σ_s' P[s][a][s'] V[s']` (the authors'
//!   convention: `V(s) = Σ_a π(a|s) Q[s][a]`)
//! - `d = p0ᵀ (I - γ P_π)⁻¹`, the unnormalised discounted occupancy
//! - `J_τ = p0 · V = d · r_τ`
//! - eq. 3: `∇J_τ = Σ_s d(s) Σ_a π(a|s) [Q(s, a) ∇ln π(a|s) + τ ∇H(s)]`.
//!
//! The Hessian of `J_τ` ([`ExactWorkspace::hessian_into`]) comes from
//! central differences of that exact gradient, with a stated error
//! ([`HessianAccuracy`]).
//!
//! One LU factorisation of `(I - γ P_π)ᵀ` serves `d` (a solve) and `V` (a
//! transposed solve). Everything lives in a caller-owned [`ExactWorkspace`],
//! reused across calls: evaluating a million parameter vectors allocates
//! nothing.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// indices are below the const generics S and A (loops over 0..S and
// 0..A, next states from the MDP's validated supports lo <= hi <= S),
// sums of counts are bounded by S * A (an array that exists); this is the
// exact evaluation's hot path.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "indices are bounded by the const generics S and A (see above); hot path"
)]

use crate::error::{Error, Result, check_overflow, rule};
use crate::mdp::TabularMdp;
use crate::policy::{FeatureMap, Softmax, SoftmaxRow};
use crate::real::Real;

mod batch;
mod engine;
mod evaluation;
mod hessian;
mod sparse;
pub use batch::{BatchEvaluation, ExactBatch};
use engine::Engine;
pub use evaluation::Evaluation;
pub use hessian::{HessianAccuracy, default_hessian_step, hessian_len};
#[cfg(feature = "std")]
pub use sparse::OwnedSparsePlan;
pub use sparse::{Ordering, SparseEvaluation, SparsePlan, SparseWorkspace};

/// Scratch and results of exact evaluation for `S` states and `A` actions
/// (`T` the scalar).
///
/// `S² + S (5 A + 6)` scalars plus `2 S² + 2 S A` two-byte and `3 S`
/// four-byte indices (the pattern of the LU factors, computed once per MDP
/// pattern and reused while the MDP's supports stay the same): 14.3 KB in
/// `f64`, 8.8 KB in `f32`, for the paper's world (checked by a test). For
/// firmware and large MDPs, [`SparsePlan`] and [`SparseWorkspace`] take
/// exactly the storage the MDP needs. Construct once (it can live on the
/// stack, in a `static`, or in an engine's arena) and reuse.
///
/// # Examples
///
/// ```
/// use policy_landscape::{ExactWorkspace, paper, policy::Softmax};
///
/// let mdp = paper::mdp::<f64>();
/// let policy = Softmax::<f64, 26, 4>::tabular(); // uniform
/// let mut ws = ExactWorkspace::new();
/// let j = ws.objective(&mdp, &policy, 0.0)?;
/// let eval = ws.evaluate(&mdp, &policy, 0.0)?;
/// assert_eq!(j, eval.j_tau());
/// let mut grad = [0.0; Softmax::<f64, 26, 4>::PARAMS];
/// eval.gradient_into(&mut grad)?;
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ExactWorkspace<T, const S: usize, const A: usize> {
    rows: [SoftmaxRow<T, A>; S],
    engine: Engine<T, T, S, A>,
    /// Whether `rows` hold logarithms and entropies (only when `τ ≠ 0`).
    has_log: bool,
}

impl<T: Real, const S: usize, const A: usize> Default for ExactWorkspace<T, S, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const S: usize, const A: usize> ExactWorkspace<T, S, A> {
    /// A zeroed workspace.
    pub fn new() -> Self {
        const { assert!(S > 0 && A > 0, "need at least one state and one action") };
        let row = SoftmaxRow {
            p: [T::ZERO; A],
            pi: [T::ZERO; A],
            log_pi: [T::ZERO; A],
            entropy: T::ZERO,
        };
        Self {
            rows: [row; S],
            engine: Engine::new(),
            has_log: false,
        }
    }

    /// Policy rows, `r_τ`, and the factorisation of `I - γ P_π`.
    fn prepare<const F: usize, M: FeatureMap<T, S, F>>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policy: &Softmax<T, S, A, F, M>,
        tau: T,
    ) -> Result<()> {
        if !(tau.is_finite() && tau >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "tau",
                rule: rule::NON_NEGATIVE,
            });
        }
        policy.check()?;
        let gamma = mdp.gamma();
        let r = mdp.rewards();
        // Logarithms are needed only for the entropy bonus and its gradient.
        let with_log = tau != T::ZERO;
        self.has_log = with_log;
        for s in 0..S {
            let row = policy.row_checked_params(s, with_log)?;
            self.rows[s] = row;
            let mut rs = T::ZERO;
            for (&pi, &ra) in row.pi.iter().zip(&r[s]) {
                rs += pi * ra;
            }
            self.engine.r[s] = rs + tau * row.entropy;
            for (w, &pi) in self.engine.weight[s].iter_mut().zip(&row.pi) {
                *w = gamma * pi;
            }
        }
        self.engine.factor(mdp)
    }

    /// `J_τ = p0 · V` only: the fast path for probes and line searches (no
    /// occupancy, no `Q`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `tau`;
    /// [`Error::NonFinite`] for a NaN or infinite parameter;
    /// [`Error::LogitOverflow`]; [`Error::Singular`] (impossible for a
    /// validated MDP, whose discount lies below
    /// [`TabularMdp::max_discount`](crate::TabularMdp::max_discount);
    /// reported rather than assumed);
    /// [`Error::NumericalOverflow`] if the result is not finite.
    pub fn objective<const F: usize, M: FeatureMap<T, S, F>>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policy: &Softmax<T, S, A, F, M>,
        tau: T,
    ) -> Result<T> {
        self.prepare(mdp, policy, tau)?;
        self.engine.solve_value();
        let j = self.engine.start_value(mdp);
        check_overflow("J_tau", &[j])?;
        Ok(j)
    }

    /// Full exact evaluation: `π`, entropies, `V`, `Q`, `d` and `J_τ`, viewed
    /// through the returned [`Evaluation`], which also computes the exact
    /// gradient.
    ///
    /// # Errors
    ///
    /// As [`ExactWorkspace::objective`].
    pub fn evaluate<'a, const F: usize, M: FeatureMap<T, S, F>>(
        &'a mut self,
        mdp: &'a TabularMdp<T, S, A>,
        policy: &'a Softmax<T, S, A, F, M>,
        tau: T,
    ) -> Result<Evaluation<'a, T, S, A, F, M>> {
        self.prepare(mdp, policy, tau)?;
        let e = &mut self.engine;
        e.solve_value();
        e.solve_occupancy(mdp);
        let mut bonus = [T::ZERO; S];
        for (b, row) in bonus.iter_mut().zip(&self.rows) {
            *b = tau * row.entropy;
        }
        e.action_values(mdp, &bonus);
        let j_tau = e.start_value(mdp);
        check_overflow("J_tau", &[j_tau])?;
        check_overflow("V", &e.v)?;
        check_overflow("occupancy", &e.d)?;
        check_overflow("Q", e.q.as_flattened())?;
        Ok(Evaluation {
            ws: self,
            mdp,
            policy,
            tau,
            j_tau,
        })
    }

    /// The return of the deterministic policy that takes `actions[s]` in
    /// state `s` (no entropy). Footnote 2 of the paper classifies a policy as
    /// optimal when it beats the deterministic policy reaching the
    /// sub-optimal reward; this gives that threshold.
    ///
    /// # Errors
    ///
    /// [`Error::ActionOutOfRange`]; [`Error::Singular`] (impossible for a
    /// validated MDP, whose discount lies below
    /// [`TabularMdp::max_discount`](crate::TabularMdp::max_discount)).
    pub fn deterministic_return(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        actions: &[usize; S],
    ) -> Result<T> {
        if let Some(&a) = actions.iter().find(|&&a| a >= A) {
            return Err(Error::ActionOutOfRange {
                action: a,
                actions: A,
            });
        }
        let gamma = mdp.gamma();
        let e = &mut self.engine;
        for (s, (w, r)) in e.weight.iter_mut().zip(&mut e.r).enumerate() {
            for (a, w) in w.iter_mut().enumerate() {
                *w = if a == actions[s] { gamma } else { T::ZERO };
            }
            *r = mdp.rewards()[s][actions[s]];
        }
        e.factor(mdp)?;
        e.solve_value();
        let j = e.start_value(mdp);
        check_overflow("J", &[j])?;
        Ok(j)
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize> defmt::Format for ExactWorkspace<T, S, A> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "ExactWorkspace {{ states: {=usize}, actions: {=usize}, has_log: {=bool} }}",
            S,
            A,
            self.has_log,
        );
    }
}
