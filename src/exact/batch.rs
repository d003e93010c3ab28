//! [`ExactBatch`]: exact evaluation of `K` parameter vectors on the same MDP
//! in one pass, each in a lane of `[T; K]`.

use super::engine::Engine;
use super::evaluation::gradient_from;
use crate::error::{Error, Result, check_len, check_overflow, rule};
use crate::lanes::select;
use crate::mdp::TabularMdp;
use crate::policy::{FeatureMap, OneHot, RowLanes, Softmax, pick};
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
    /// The policy rows of every state, in lanes.
    rows: [RowLanes<T, A, K>; S],
    /// `Σ_a π(a|s) R[s][a]` of every state, in lanes (`r_τ` without the
    /// entropy bonus).
    reward: [[T; K]; S],
    /// Whether `rows` hold logarithms and entropies (only when `τ ≠ 0`).
    has_log: bool,
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
        Self {
            rows: [RowLanes::zero(); S],
            reward: [[T::ZERO; K]; S],
            has_log: false,
            engine: Engine::new(),
        }
    }

    /// Policy rows of every lane, `r_τ`, and the factorisation.
    ///
    /// The rows of all lanes are computed together, state by state, in
    /// `[T; K]` lanes ([`RowLanes`]), each lane bit-identical to the
    /// one-vector row.
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
        // One branch-free test of every parameter of every lane; the error
        // itself, in lane order, only when it fails.
        let finite = policies.iter().fold(true, |ok, p| {
            p.params().iter().fold(ok, |ok, x| ok & x.is_finite())
        });
        if !finite {
            return Err(first_error(&policies));
        }
        let gamma = mdp.gamma();
        let r = mdp.rewards();
        let with_log = tau != T::ZERO;
        self.has_log = with_log;
        let mix = policies.map(|p| p.mix());
        for s in 0..S {
            let z = logits(&policies, s);
            if !all_finite(&z) {
                return Err(first_error(&policies));
            }
            let row = &mut self.rows[s];
            row.fill(&z, &mix, with_log);
            // r_τ = Σ_a π R + τ H and the weights γ π, per lane in the
            // one-vector order.
            let mut rs = [T::ZERO; K];
            for (pa, &ra) in row.pi.iter().zip(&r[s]) {
                for (x, &pi) in rs.iter_mut().zip(pa) {
                    *x += pi * ra;
                }
            }
            for ((out, &x), &h) in self.engine.r[s].iter_mut().zip(&rs).zip(&row.entropy) {
                *out = x + tau * h;
            }
            self.reward[s] = rs;
            for (w, pa) in self.engine.weight[s].iter_mut().zip(&row.pi) {
                for (w, &pi) in w.iter_mut().zip(pa) {
                    *w = gamma * pi;
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
        for (b, row) in bonus.iter_mut().zip(&self.rows) {
            *b = row.entropy.map(|h| tau * h);
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

/// Whether every lane's every value is finite: one integer `or` per lane
/// and value, which vectorises (a fold of `bool`s over nested arrays does
/// not).
#[inline(always)]
fn all_finite<T: Real, const A: usize, const K: usize>(z: &[[T; K]; A]) -> bool {
    let mut bad = [0u64; K];
    for za in z {
        for (b, x) in bad.iter_mut().zip(za) {
            *b |= u64::from(!x.is_finite());
        }
    }
    bad.iter().fold(0, |acc, &b| acc | b) == 0
}

/// The logits of every lane in state `s`, transposed to `[a][k]`.
#[inline]
fn logits<T: Real, const S: usize, const A: usize, const F: usize, M, const K: usize>(
    policies: &[&Softmax<T, S, A, F, M>; K],
    s: usize,
) -> [[T; K]; A]
where
    M: FeatureMap<T, S, F>,
{
    let mut z = [[T::ZERO; K]; A];
    for (k, policy) in policies.iter().enumerate() {
        let mut zk = [T::ZERO; A];
        policy.logits_unchecked(s, &mut zk);
        for (za, &x) in z.iter_mut().zip(&zk) {
            za[k] = x;
        }
    }
    z
}

/// The error of the first bad lane, in lane order, and in each lane as
/// [`super::ExactWorkspace`] finds it: non-finite parameters, then the first
/// state with an overflowing logit. Cold: only called once a lane is known
/// to be bad.
#[cold]
fn first_error<T: Real, const S: usize, const A: usize, const F: usize, M, const K: usize>(
    policies: &[&Softmax<T, S, A, F, M>; K],
) -> Error
where
    M: FeatureMap<T, S, F>,
{
    for policy in policies {
        if let Err(e) = policy.check() {
            return e;
        }
        for s in 0..S {
            let mut z = [T::ZERO; A];
            policy.logits_unchecked(s, &mut z);
            if z.iter().any(|x| !x.is_finite()) {
                return Error::LogitOverflow { state: s };
            }
        }
    }
    // Not reached: a caller found a bad lane.
    Error::NumericalOverflow { what: "logits" }
}

/// The results of [`ExactBatch::evaluate`], borrowed from the workspace;
/// per-lane accessors take the lane index `0..K`. Every value is the one
/// [`Evaluation`](super::Evaluation) gives for that lane's policy, bit for
/// bit.
///
/// # Examples
///
/// ```
/// use policy_landscape::{ExactBatch, ExactWorkspace, paper, policy::Softmax};
///
/// let mdp = paper::mdp::<f64>();
/// let mut policies = [(); 4].map(|_| Softmax::<f64, 26, 4>::tabular());
/// for (k, p) in policies.iter_mut().enumerate() {
///     p.params_mut()[7] = k as f64;
/// }
/// let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
/// let eval = batch.evaluate(&mdp, policies.each_ref(), 0.1)?;
/// let mut grads = [[[0.0; 4]; 26]; 4];
/// for result in eval.gradients(&mut grads) {
///     result?;
/// }
/// let mut ws = ExactWorkspace::new();
/// let one = ws.evaluate(&mdp, &policies[2], 0.1)?;
/// assert_eq!(eval.j_true()[2].to_bits(), one.j_true().to_bits());
/// let mut grad = [[0.0; 4]; 26];
/// one.gradient_array(&mut grad)?;
/// assert_eq!(grads[2], grad);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
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

    /// The true objective `J = d · r_π` (no entropy bonus) of every lane,
    /// as [`Evaluation::j_true`](super::Evaluation::j_true) computes it.
    pub fn j_true(&self) -> [T; K] {
        let mut j = [T::ZERO; K];
        for (d, r) in self.ws.engine.d.iter().zip(&self.ws.reward) {
            for ((j, &d), &r) in j.iter_mut().zip(d).zip(r) {
                *j += d * r;
            }
        }
        j
    }

    /// The entropy-only objective `J_H = d · H` of every lane, as
    /// [`Evaluation::j_entropy`](super::Evaluation::j_entropy) computes it.
    pub fn j_entropy(&self) -> [T; K] {
        let ws = self.ws;
        let mut j = [T::ZERO; K];
        let mut add = |d: &[T; K], h: &[T; K]| {
            for ((j, &d), &h) in j.iter_mut().zip(d).zip(h) {
                *j += d * h;
            }
        };
        if ws.has_log {
            for (d, row) in ws.engine.d.iter().zip(&ws.rows) {
                add(d, &row.entropy);
            }
        } else {
            // With τ = 0 the evaluation skipped the logarithms; recompute
            // them (the parameters and logits were validated).
            let mix = self.policies.map(|p| p.mix());
            let mut row = RowLanes::zero();
            for (s, d) in ws.engine.d.iter().enumerate() {
                row.fill(&logits(&self.policies, s), &mix, true);
                add(d, &row.entropy);
            }
        }
        j
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
        let (rows, q, d) = (&self.ws.rows, &self.ws.engine.q, &self.ws.engine.d);
        gradient_from(
            self.policies[lane],
            self.tau,
            |s| (rows[s].lane(lane), pick(&q[s], lane), d[s][lane]),
            grad,
        )
    }

    /// The exact gradients (eq. 3) of every lane, `grads[k]` as
    /// [`BatchEvaluation::gradient_array`] gives lane `k`, bit for bit; the
    /// per-state factors of eq. 3 are computed for all lanes at once.
    ///
    /// # Errors
    ///
    /// Per lane: [`Error::NumericalOverflow`] if a component is not finite
    /// (that lane's `grads[k]` is then all zeros).
    pub fn gradients(&self, grads: &mut [[[T; A]; F]; K]) -> [Result<()>; K] {
        let ws = self.ws;
        *grads = [[[T::ZERO; A]; F]; K];
        let keep = self.policies.map(|p| T::ONE - p.mix());
        let tau = self.tau;
        for (s, ((row, q), d)) in ws
            .rows
            .iter()
            .zip(&ws.engine.q)
            .zip(&ws.engine.d)
            .enumerate()
        {
            // SoftmaxRow::logit_gradient in lanes: G = Q - τ ln π and its
            // mean under p where p > 0 (selects, no branch per lane), then
            // (1 - mix) p (G - mean), times d.
            let mut g = [[T::ZERO; K]; A];
            let mut mean = [T::ZERO; K];
            for (((ga, &pa), &qa), &la) in g.iter_mut().zip(&row.p).zip(q).zip(&row.log_pi) {
                for ((((g, &p), &q), &l), m) in ga
                    .iter_mut()
                    .zip(&pa)
                    .zip(&qa)
                    .zip(&la)
                    .zip(mean.iter_mut())
                {
                    let x = q - tau * l;
                    let positive = p > T::ZERO;
                    *g = select(positive, x, T::ZERO);
                    *m = select(positive, *m + p * x, *m);
                }
            }
            for (ga, &pa) in g.iter_mut().zip(&row.p) {
                for ((((g, &p), &mean), &keep), &d) in
                    ga.iter_mut().zip(&pa).zip(&mean).zip(&keep).zip(d)
                {
                    let x = keep * p * (*g - mean);
                    *g = select(p > T::ZERO, x, T::ZERO) * d;
                }
            }
            for (k, ((policy, grad), &d)) in self
                .policies
                .iter()
                .zip(grads.iter_mut())
                .zip(d)
                .enumerate()
            {
                if d != T::ZERO {
                    policy.accumulate_unchecked(s, &pick(&g, k), grad);
                }
            }
        }
        let mut out = [Ok(()); K];
        for (o, grad) in out.iter_mut().zip(grads.iter_mut()) {
            if let Err(e) = check_overflow("gradient", grad.as_flattened()) {
                *grad = [[T::ZERO; A]; F];
                *o = Err(e);
            }
        }
        out
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
