//! The [`Evaluation`] view: `V`, `Q`, `d`, `π`, `J_τ` of one evaluated
//! policy, and the exact gradient of eq. 3 computed from them.

use super::ExactWorkspace;
use crate::error::{Error, Result, check_len, check_overflow};
use crate::linalg::dot;
use crate::mdp::TabularMdp;
use crate::policy::{FeatureMap, OneHot, Softmax, SoftmaxRow};
use crate::real::Real;

// The parent module's allow of `indexing_slicing` and
// `arithmetic_side_effects` covers this file too, for the same reason:
// indices are bounded by the const generics S, A and F.

/// The results of [`ExactWorkspace::evaluate`], borrowed from the workspace.
///
/// Holding it keeps the workspace, the MDP and the policy borrowed, so the
/// values it shows always belong to the evaluated policy. The parameters
/// are those of the policy: `T` the scalar, `S` states, `A` actions, `F`
/// features (default `S`), `M` the feature map (default [`OneHot`]).
#[derive(Debug)]
pub struct Evaluation<'a, T, const S: usize, const A: usize, const F: usize = S, M = OneHot> {
    pub(super) ws: &'a ExactWorkspace<T, S, A>,
    pub(super) mdp: &'a TabularMdp<T, S, A>,
    pub(super) policy: &'a Softmax<T, S, A, F, M>,
    pub(super) tau: T,
    pub(super) j_tau: T,
}

impl<T: Real, const S: usize, const A: usize, const F: usize, M: FeatureMap<T, S, F>>
    Evaluation<'_, T, S, A, F, M>
{
    /// `J_τ = p0 · V`, the entropy-regularised objective.
    pub fn j_tau(&self) -> T {
        self.j_tau
    }

    /// The true objective `J = d · r_π` (no entropy bonus), from the same
    /// occupancy: `J_τ = J + τ · J_H`.
    pub fn j_true(&self) -> T {
        let r = self.mdp.rewards();
        let mut j = T::ZERO;
        for s in 0..S {
            j += self.ws.engine.d[s] * dot(&self.ws.rows[s].pi, &r[s]);
        }
        j
    }

    /// The entropy-only objective `J_H = d · H`, the discounted sum of the
    /// policy's entropies.
    pub fn j_entropy(&self) -> T {
        let mut h = [T::ZERO; S];
        self.entropy_into(&mut h);
        dot(&self.ws.engine.d, &h)
    }

    /// The entropy weight `τ` of this evaluation.
    pub fn tau(&self) -> T {
        self.tau
    }

    /// `V[s]`, with the entropy-augmented reward.
    pub fn value(&self) -> &[T; S] {
        &self.ws.engine.v
    }

    /// `Q[s][a] = R[s][a] + τ H(s) + γ Σ P[s][a][s'] V[s']`.
    pub fn q(&self) -> &[[T; A]; S] {
        &self.ws.engine.q
    }

    /// The unnormalised discounted occupancy `d = p0ᵀ (I - γ P_π)⁻¹`; it sums
    /// to `1 / (1 - γ)`.
    pub fn occupancy(&self) -> &[T; S] {
        &self.ws.engine.d
    }

    /// The entropy-augmented reward `r_τ[s] = Σ_a π R + τ H(s)`.
    pub fn reward(&self) -> &[T; S] {
        &self.ws.engine.r
    }

    /// `π(a|s)` (after mixing) into `out[s][a]`.
    pub fn policy_into(&self, out: &mut [[T; A]; S]) {
        for (o, r) in out.iter_mut().zip(&self.ws.rows) {
            *o = r.pi;
        }
    }

    /// `π(a|s)` of one state.
    ///
    /// # Errors
    ///
    /// [`Error::StateOutOfRange`].
    pub fn policy_row(&self, s: usize) -> Result<&[T; A]> {
        self.ws
            .rows
            .get(s)
            .map(|r| &r.pi)
            .ok_or(Error::StateOutOfRange {
                state: s,
                states: S,
            })
    }

    /// `H(π(·|s))` of every state.
    pub fn entropy_into(&self, out: &mut [T; S]) {
        if self.ws.has_log {
            for (o, r) in out.iter_mut().zip(&self.ws.rows) {
                *o = r.entropy;
            }
        } else {
            // With τ = 0 the evaluation skipped the logarithms; recompute.
            for (s, o) in out.iter_mut().enumerate() {
                // The evaluation already validated the parameters and logits.
                *o = self
                    .policy
                    .row_checked_params(s, true)
                    .map_or(T::ZERO, |r| r.entropy);
            }
        }
    }

    /// `P_π[s][s'] = Σ_a π(a|s) P[s][a][s']`.
    pub fn p_pi_into(&self, out: &mut [[T; S]; S]) {
        let p = self.mdp.transitions();
        for (s, o) in out.iter_mut().enumerate() {
            *o = [T::ZERO; S];
            for (a, &pi) in self.ws.rows[s].pi.iter().enumerate() {
                for (x, &pt) in o.iter_mut().zip(&p[s][a]) {
                    *x += pi * pt;
                }
            }
        }
    }

    /// The exact gradient of `J_τ` (paper eq. 3) with respect to the logits,
    /// `[s][a]`.
    ///
    /// # Errors
    ///
    /// [`Error::NumericalOverflow`] if a component is not finite (then `out`
    /// is untouched).
    pub fn logit_gradient_into(&self, out: &mut [[T; A]; S]) -> Result<()> {
        let mix = self.policy.mix();
        let mut acc = [[T::ZERO; A]; S];
        for (s, o) in acc.iter_mut().enumerate() {
            let row = &self.ws.rows[s];
            row.logit_gradient(&self.ws.engine.q[s], self.tau, mix, o);
            let d = self.ws.engine.d[s];
            for x in o.iter_mut() {
                *x *= d;
            }
        }
        check_overflow("gradient", acc.as_flattened())?;
        *out = acc;
        Ok(())
    }

    /// The exact gradient of `J_τ` (paper eq. 3) in the policy's flat layout
    /// (`[f][a]`, `F * A` numbers).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `grad.len() == F * A` (then `grad` is
    /// untouched); [`Error::NumericalOverflow`] if a component is not finite.
    pub fn gradient_into(&self, grad: &mut [T]) -> Result<()> {
        check_len("grad", grad.len(), F * A)?;
        let mut acc = [[T::ZERO; A]; F];
        self.gradient_array(&mut acc)?;
        grad.copy_from_slice(acc.as_flattened());
        Ok(())
    }

    /// As [`Evaluation::gradient_into`], in the torch `nn.Linear` layout of
    /// [`Softmax::to_torch_layout`].
    ///
    /// # Errors
    ///
    /// As [`Evaluation::gradient_into`].
    pub fn gradient_torch_into(&self, grad: &mut [T]) -> Result<()> {
        check_len("grad", grad.len(), F * A)?;
        let mut acc = [[T::ZERO; A]; F];
        self.gradient_array(&mut acc)?;
        Softmax::<T, S, A, F, M>::to_torch_layout(acc.as_flattened(), grad)
    }

    /// The gradient into a `[f][a]` array.
    ///
    /// # Errors
    ///
    /// [`Error::NumericalOverflow`] if a component is not finite; `grad` is
    /// then all zeros, never NaN.
    pub fn gradient_array(&self, grad: &mut [[T; A]; F]) -> Result<()> {
        let ws = self.ws;
        gradient_from(
            self.policy,
            self.tau,
            |s| (ws.rows[s], ws.engine.q[s], ws.engine.d[s]),
            grad,
        )
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize, const F: usize, M: FeatureMap<T, S, F>> defmt::Format
    for Evaluation<'_, T, S, A, F, M>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Evaluation {{ tau: {=f64}, j_tau: {=f64}, j_true: {=f64}, j_entropy: {=f64} }}",
            self.tau.to_f64(),
            self.j_tau.to_f64(),
            self.j_true().to_f64(),
            self.j_entropy().to_f64(),
        );
    }
}

/// Eq. 3 from the parts of an evaluation: `at(s)` gives the policy row, the
/// row of `Q` and `d(s)` of state `s` (copies: a lane of a batch is not
/// stored contiguously). Shared by the one-vector and the
/// batched evaluations, so a lane's gradient is the one-vector gradient.
///
/// # Errors
///
/// [`Error::NumericalOverflow`] if a component is not finite; `grad` is
/// then all zeros, never NaN.
pub(super) fn gradient_from<T, const S: usize, const A: usize, const F: usize, M>(
    policy: &Softmax<T, S, A, F, M>,
    tau: T,
    at: impl Fn(usize) -> (SoftmaxRow<T, A>, [T; A], T),
    grad: &mut [[T; A]; F],
) -> Result<()>
where
    T: Real,
    M: FeatureMap<T, S, F>,
{
    *grad = [[T::ZERO; A]; F];
    let mix = policy.mix();
    let mut g = [T::ZERO; A];
    for s in 0..S {
        let (row, q, d) = at(s);
        if d == T::ZERO {
            continue;
        }
        row.logit_gradient(&q, tau, mix, &mut g);
        for x in g.iter_mut() {
            *x *= d;
        }
        policy.accumulate_unchecked(s, &g, grad);
    }
    if let Err(e) = check_overflow("gradient", grad.as_flattened()) {
        *grad = [[T::ZERO; A]; F];
        return Err(e);
    }
    Ok(())
}
