//! [`ExactBatch`]: exact evaluation of `K` parameter vectors on the same MDP
//! in one pass, each in a lane of `[T; K]`.

use super::engine::Engine;
use super::evaluation::gradient_from;
use crate::error::{Error, Result, check_len, check_overflow, rule};
use crate::mdp::TabularMdp;
use crate::policy::{FeatureMap, OneHot, Softmax, SoftmaxRow};
use crate::real::Real;

// The parent module's allow of `indexing_slicing` and
// `arithmetic_side_effects` covers this file too: indices are below the
// const generics S, A and K (`lane < K` is checked where it comes from the
// caller).

/// Scratch and results of exact evaluation of `K` policies at once: the
/// same MDP, the same `τ`, `K` parameter vectors (e.g. `K` seeds of a
/// sweep, or the `±` pairs of probe directions).
///
/// The assembly of `I - γ P_π`, its factorisation and the solves run once
/// for all lanes, in `[T; K]` arithmetic that the compiler vectorises; the
/// symbolic phase is shared with [`super::ExactWorkspace`]. Every lane's
/// results are bit-identical to [`super::ExactWorkspace`]'s for the same
/// policy (a test checks it), so batching never changes a result.
///
/// `K = 4` suits SSE2 and AVX2 (`f64`), `K = 8` AVX-512 or `f32`.
///
/// # Examples
///
/// ```
/// use policy_landscape::{ExactBatch, ExactWorkspace, paper, policy::Softmax};
///
/// let mdp = paper::mdp::<f64>();
/// let mut policies = [(); 4].map(|_| Softmax::<f64, 26, 4>::tabular());
/// for (k, p) in policies.iter_mut().enumerate() {
///     p.params_mut()[1] = k as f64; // four different policies
/// }
/// let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
/// let js = batch.objective(&mdp, policies.each_ref(), 0.01)?;
/// let mut one = ExactWorkspace::new();
/// for (p, j) in policies.iter().zip(js) {
///     assert_eq!(one.objective(&mdp, p, 0.01)?.to_bits(), j.to_bits());
/// }
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ExactBatch<T, const S: usize, const A: usize, const K: usize> {
    rows: [[SoftmaxRow<T, A>; S]; K],
    engine: Engine<T, [T; K], S, A>,
}

impl<T: Real, const S: usize, const A: usize, const K: usize> Default for ExactBatch<T, S, A, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const S: usize, const A: usize, const K: usize> ExactBatch<T, S, A, K> {
    /// A zeroed batch workspace.
    pub fn new() -> Self {
        const { assert!(S > 0 && A > 0 && K > 0, "need states, actions and lanes") };
        let row = SoftmaxRow {
            p: [T::ZERO; A],
            pi: [T::ZERO; A],
            log_pi: [T::ZERO; A],
            entropy: T::ZERO,
        };
        Self {
            rows: [[row; S]; K],
            engine: Engine::new(),
        }
    }

    /// Policy rows of every lane, `r_τ`, and the factorisation.
    fn prepare<const F: usize, M: FeatureMap<T, S, F>>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policies: [&Softmax<T, S, A, F, M>; K],
        tau: T,
    ) -> Result<()> {
        if !(tau.is_finite() && tau >= T::ZERO) {
            return Err(Error::InvalidParameter {
                what: "tau",
                rule: rule::NON_NEGATIVE,
            });
        }
        let gamma = mdp.gamma();
        let r = mdp.rewards();
        let with_log = tau != T::ZERO;
        for (k, (policy, rows)) in policies.iter().zip(&mut self.rows).enumerate() {
            policy.check()?;
            for s in 0..S {
                let row = policy.row_checked_params(s, with_log)?;
                rows[s] = row;
                let mut rs = T::ZERO;
                for (&pi, &ra) in row.pi.iter().zip(&r[s]) {
                    rs += pi * ra;
                }
                self.engine.r[s][k] = rs + tau * row.entropy;
                for (w, &pi) in self.engine.weight[s].iter_mut().zip(&row.pi) {
                    w[k] = gamma * pi;
                }
            }
        }
        self.engine.factor(mdp)
    }

    /// `J_τ` of every lane: the fast path (no occupancy, no `Q`).
    ///
    /// # Errors
    ///
    /// As [`super::ExactWorkspace::objective`], for the first lane (in lane
    /// order) whose policy is invalid; [`Error::NumericalOverflow`] if a
    /// lane's result is not finite.
    pub fn objective<const F: usize, M: FeatureMap<T, S, F>>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policies: [&Softmax<T, S, A, F, M>; K],
        tau: T,
    ) -> Result<[T; K]> {
        self.prepare(mdp, policies, tau)?;
        self.engine.solve_value();
        let j = self.engine.start_value(mdp);
        check_overflow("J_tau", &j)?;
        Ok(j)
    }

    /// Full exact evaluation of every lane, viewed through the returned
    /// [`BatchEvaluation`] (values, occupancies, `Q` and gradients per
    /// lane).
    ///
    /// # Errors
    ///
    /// As [`ExactBatch::objective`].
    pub fn evaluate<'a, const F: usize, M: FeatureMap<T, S, F>>(
        &'a mut self,
        mdp: &'a TabularMdp<T, S, A>,
        policies: [&'a Softmax<T, S, A, F, M>; K],
        tau: T,
    ) -> Result<BatchEvaluation<'a, T, S, A, K, F, M>> {
        self.prepare(mdp, policies, tau)?;
        let e = &mut self.engine;
        e.solve_value();
        e.solve_occupancy(mdp);
        let mut bonus = [[T::ZERO; K]; S];
        for (k, rows) in self.rows.iter().enumerate() {
            for (b, row) in bonus.iter_mut().zip(rows) {
                b[k] = tau * row.entropy;
            }
        }
        e.action_values(mdp, &bonus);
        let j_tau = e.start_value(mdp);
        check_overflow("J_tau", &j_tau)?;
        check_overflow("V", e.v.as_flattened())?;
        check_overflow("occupancy", e.d.as_flattened())?;
        check_overflow("Q", e.q.as_flattened().as_flattened())?;
        Ok(BatchEvaluation {
            ws: self,
            policies,
            tau,
            j_tau,
        })
    }
}

/// The results of [`ExactBatch::evaluate`], borrowed from the workspace;
/// per-lane accessors take the lane index `0..K`.
#[derive(Debug)]
pub struct BatchEvaluation<
    'a,
    T,
    const S: usize,
    const A: usize,
    const K: usize,
    const F: usize = S,
    M = OneHot,
> {
    ws: &'a ExactBatch<T, S, A, K>,
    policies: [&'a Softmax<T, S, A, F, M>; K],
    tau: T,
    j_tau: [T; K],
}

impl<T: Real, const S: usize, const A: usize, const K: usize, const F: usize, M>
    BatchEvaluation<'_, T, S, A, K, F, M>
where
    M: FeatureMap<T, S, F>,
{
    fn check_lane(lane: usize) -> Result<()> {
        if lane < K {
            Ok(())
        } else {
            Err(Error::InvalidParameter {
                what: "lane",
                rule: "be below the batch width K",
            })
        }
    }

    /// `J_τ` of every lane.
    pub fn j_tau(&self) -> [T; K] {
        self.j_tau
    }

    /// `V` of one lane into `out`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `lane >= K`.
    pub fn value_into(&self, lane: usize, out: &mut [T; S]) -> Result<()> {
        Self::check_lane(lane)?;
        for (o, v) in out.iter_mut().zip(&self.ws.engine.v) {
            *o = v[lane];
        }
        Ok(())
    }

    /// The occupancy `d` of one lane into `out`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `lane >= K`.
    pub fn occupancy_into(&self, lane: usize, out: &mut [T; S]) -> Result<()> {
        Self::check_lane(lane)?;
        for (o, d) in out.iter_mut().zip(&self.ws.engine.d) {
            *o = d[lane];
        }
        Ok(())
    }

    /// `Q` of one lane into `out[s][a]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `lane >= K`.
    pub fn q_into(&self, lane: usize, out: &mut [[T; A]; S]) -> Result<()> {
        Self::check_lane(lane)?;
        for (o, q) in out.iter_mut().zip(&self.ws.engine.q) {
            for (x, y) in o.iter_mut().zip(q) {
                *x = y[lane];
            }
        }
        Ok(())
    }

    /// The exact gradient (eq. 3) of one lane into a `[f][a]` array.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `lane >= K`;
    /// [`Error::NumericalOverflow`] if a component is not finite (`grad` is
    /// then all zeros).
    pub fn gradient_array(&self, lane: usize, grad: &mut [[T; A]; F]) -> Result<()> {
        Self::check_lane(lane)?;
        let ws = self.ws;
        let mut q = [[T::ZERO; A]; S];
        for (o, qs) in q.iter_mut().zip(&ws.engine.q) {
            for (x, y) in o.iter_mut().zip(qs) {
                *x = y[lane];
            }
        }
        gradient_from(
            self.policies[lane],
            self.tau,
            |s| (&ws.rows[lane][s], &q[s], ws.engine.d[s][lane]),
            grad,
        )
    }

    /// The exact gradient of one lane in the policy's flat layout (`F * A`
    /// numbers).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `grad.len() == F * A` (then `grad`
    /// is untouched); otherwise as [`BatchEvaluation::gradient_array`].
    pub fn gradient_into(&self, lane: usize, grad: &mut [T]) -> Result<()> {
        check_len("grad", grad.len(), F * A)?;
        let mut acc = [[T::ZERO; A]; F];
        self.gradient_array(lane, &mut acc)?;
        grad.copy_from_slice(acc.as_flattened());
        Ok(())
    }
}
