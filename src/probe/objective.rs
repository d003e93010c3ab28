//! The objective interface shared by probes and interpolation.

use crate::error::{Error, Result, rule};
use crate::exact::{ExactBatch, ExactWorkspace};
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

    /// How many parameter vectors [`Objective::evaluate_points`] evaluates
    /// in one pass: 1 (the default) when it gains nothing over
    /// [`Objective::evaluate`] one point at a time. The probe driver and
    /// the interpolation hand an objective of more lanes that many points
    /// at once.
    ///
    /// An objective that reports more than one lane must be deterministic:
    /// after an error in a group of points, the driver evaluates the group
    /// again one point at a time (so that errors and the points before
    /// them are what the one-point path gives).
    fn lanes(&self) -> usize {
        1
    }

    /// `O` at `out.len()` parameter vectors into `out`, the `k`-th vector
    /// written by `point(k, θ)` into a buffer of `n` scalars, for `k = 0, 1,
    /// ...` in order, once each. The results are those of
    /// [`Objective::evaluate`] on each point; the default does exactly that
    /// with `scratch` (`n` scalars) as the buffer, and an objective of
    /// several [`lanes`](Objective::lanes) overrides it to evaluate them
    /// together.
    ///
    /// # Errors
    ///
    /// The first error of `point` or of an evaluation; `out` may then be
    /// partly written.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::probe::{Objective, from_fn};
    /// use policy_landscape::stats::Estimate;
    ///
    /// let mut o = from_fn(|t: &[f64]| Ok(t[0] * t[1]));
    /// let mut out = [Estimate { value: 0.0, std_error: 0.0 }; 3];
    /// let mut scratch = [0.0; 2];
    /// o.evaluate_points(
    ///     &mut scratch,
    ///     &mut |k, theta| {
    ///         theta.copy_from_slice(&[k as f64, 2.0]);
    ///         Ok(())
    ///     },
    ///     &mut out,
    /// )?;
    /// assert_eq!(out.map(|e| e.value), [0.0, 2.0, 4.0]);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    fn evaluate_points(
        &mut self,
        scratch: &mut [T],
        point: &mut dyn FnMut(usize, &mut [T]) -> Result<()>,
        out: &mut [Estimate<T>],
    ) -> Result<()> {
        for (k, o) in out.iter_mut().enumerate() {
            point(k, scratch)?;
            *o = self.evaluate(scratch)?;
        }
        Ok(())
    }
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
/// (default [`OneHot`]); `K` is the number of lanes (default 1).
///
/// Built with [`ExactObjective::with_batch`], it also borrows an
/// [`ExactBatch`] of `K` lanes and evaluates `K` points per pass in
/// [`Objective::evaluate_points`] (probe directions and their `±` pairs,
/// interpolation points), each result bit-identical to
/// [`Objective::evaluate`]'s.
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
pub struct ExactObjective<
    'a,
    T,
    const S: usize,
    const A: usize,
    const F: usize = S,
    M = OneHot,
    const K: usize = 1,
> {
    mdp: &'a TabularMdp<T, S, A>,
    /// The policy of each lane; lane 0 serves [`Objective::evaluate`].
    policies: [Softmax<T, S, A, F, M>; K],
    ws: &'a mut ExactWorkspace<T, S, A>,
    batch: Option<&'a mut ExactBatch<T, S, A, K>>,
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

/// The policy of lane 0, the one the one-point path sets (there is one: the
/// constructors reject `K = 0` at compile time).
fn lane0<P, const K: usize>(policies: &mut [P; K]) -> Result<&mut P> {
    policies.first_mut().ok_or(Error::InvalidParameter {
        what: "lanes",
        rule: "at least one",
    })
}

fn check_tau<T: Real>(tau: T) -> Result<()> {
    if tau.is_finite() && tau >= T::ZERO {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            what: "tau",
            rule: rule::NON_NEGATIVE,
        })
    }
}

impl<'a, T: Real, const S: usize, const A: usize, const F: usize, M: FeatureMap<T, S, F>>
    ExactObjective<'a, T, S, A, F, M>
{
    /// `J_τ` with entropy weight `tau` for `policy`'s features and `mix`,
    /// one point at a time.
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
        check_tau(tau)?;
        Ok(Self {
            mdp,
            policies: [policy],
            ws,
            batch: None,
            tau,
        })
    }
}

impl<'a, T, const S: usize, const A: usize, const F: usize, M, const K: usize>
    ExactObjective<'a, T, S, A, F, M, K>
where
    T: Real,
    M: FeatureMap<T, S, F> + Clone,
{
    /// As [`ExactObjective::new`], evaluating `K` points per pass of
    /// `batch` in [`Objective::evaluate_points`] and in
    /// [`interpolate_exact`](super::interpolate_exact) (single points still
    /// go through `ws`). Every result is bit-identical to the one-point
    /// path's.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for a negative or non-finite `tau`.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::probe::{self, ExactObjective, Thresholds};
    /// use policy_landscape::{ExactBatch, ExactWorkspace, paper};
    ///
    /// let mdp = paper::mdp::<f64>();
    /// let policy = paper::Policy::<f64>::tabular_with_bias();
    /// let theta0 = policy.params().to_vec();
    /// let mut scratch = vec![0.0; 2 * theta0.len()];
    ///
    /// // 100 directions, their ± pairs four points per pass...
    /// let (mut ws, mut batch) = (ExactWorkspace::new(), ExactBatch::<f64, 26, 4, 4>::new());
    /// let mut lanes = ExactObjective::with_batch(&mdp, policy.clone(), &mut ws, &mut batch, 0.0)?;
    /// let mut acc = probe::start(&mut lanes, &theta0, 0.5, Thresholds::default())?;
    /// probe::probe(&mut lanes, &theta0, 7, 0..100, &mut scratch, &mut acc)?;
    ///
    /// // ... give what one point at a time gives, bit for bit.
    /// let mut ws = ExactWorkspace::new();
    /// let mut one = ExactObjective::new(&mdp, policy, &mut ws, 0.0)?;
    /// let mut acc1 = probe::start(&mut one, &theta0, 0.5, Thresholds::default())?;
    /// probe::probe(&mut one, &theta0, 7, 0..100, &mut scratch, &mut acc1)?;
    /// assert_eq!(format!("{acc:?}"), format!("{acc1:?}"));
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn with_batch(
        mdp: &'a TabularMdp<T, S, A>,
        policy: Softmax<T, S, A, F, M>,
        ws: &'a mut ExactWorkspace<T, S, A>,
        batch: &'a mut ExactBatch<T, S, A, K>,
        tau: T,
    ) -> Result<Self> {
        const { assert!(K > 0, "an objective needs at least one lane") };
        check_tau(tau)?;
        Ok(Self {
            mdp,
            policies: core::array::from_fn(|_| policy.clone()),
            ws,
            batch: Some(batch),
            tau,
        })
    }
}

impl<
    T: Real,
    const S: usize,
    const A: usize,
    const F: usize,
    M: FeatureMap<T, S, F>,
    const K: usize,
> ExactObjective<'_, T, S, A, F, M, K>
{
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
        let policy = lane0(&mut self.policies)?;
        policy.set_params(theta)?;
        let eval = self.ws.evaluate(self.mdp, policy, self.tau)?;
        Ok(ExactParts {
            j_true: eval.j_true(),
            j_tau: eval.j_tau(),
            j_entropy: eval.j_entropy(),
        })
    }

    /// Whether `evaluate_points` of `count` points of length `n` runs in
    /// the batch: there is one, there are several points, and `n` is the
    /// policy's number of parameters (otherwise the one-point path reports
    /// the length mismatch).
    fn batched(&self, count: usize, n: usize) -> bool {
        self.batch.is_some() && K > 1 && count > 1 && n == F.saturating_mul(A)
    }

    /// Writes points `first..first + count` (`count <= K`) into the lanes'
    /// policies, lanes past `count` copying lane 0 (their results are
    /// dropped).
    fn load(
        &mut self,
        first: usize,
        count: usize,
        point: &mut dyn FnMut(usize, &mut [T]) -> Result<()>,
    ) -> Result<()> {
        for (j, policy) in self.policies.iter_mut().enumerate().take(count) {
            point(first.saturating_add(j), policy.params_mut())?;
        }
        if let Some((lane0, rest)) = self.policies.split_first_mut() {
            for policy in rest.iter_mut().skip(count.saturating_sub(1)) {
                policy.params_mut().copy_from_slice(lane0.params());
            }
        }
        Ok(())
    }

    /// [`ExactObjective::parts`] of `out.len()` points written by `point`
    /// (see [`Objective::evaluate_points`]), `K` per pass of the batch when
    /// there is one.
    ///
    /// # Errors
    ///
    /// As [`Objective::evaluate_points`].
    pub(super) fn parts_points(
        &mut self,
        scratch: &mut [T],
        point: &mut dyn FnMut(usize, &mut [T]) -> Result<()>,
        out: &mut [ExactParts<T>],
    ) -> Result<()> {
        if !self.batched(out.len(), scratch.len()) {
            for (k, o) in out.iter_mut().enumerate() {
                point(k, scratch)?;
                *o = self.parts(scratch)?;
            }
            return Ok(());
        }
        for (c, chunk) in out.chunks_mut(K).enumerate() {
            self.load(c.saturating_mul(K), chunk.len(), point)?;
            let Some(batch) = self.batch.as_deref_mut() else {
                break;
            };
            let eval = batch.evaluate(self.mdp, self.policies.each_ref(), self.tau)?;
            let parts = eval
                .j_true()
                .into_iter()
                .zip(eval.j_tau())
                .zip(eval.j_entropy());
            for (o, ((j_true, j_tau), j_entropy)) in chunk.iter_mut().zip(parts) {
                *o = ExactParts {
                    j_true,
                    j_tau,
                    j_entropy,
                };
            }
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize, const F: usize, M, const K: usize> defmt::Format
    for ExactObjective<'_, T, S, A, F, M, K>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "ExactObjective {{ tau: {=f64}, lanes: {=usize} }}",
            self.tau.to_f64(),
            if self.batch.is_some() { K } else { 1 },
        );
    }
}

impl<
    T: Real,
    const S: usize,
    const A: usize,
    const F: usize,
    M: FeatureMap<T, S, F>,
    const K: usize,
> Objective<T> for ExactObjective<'_, T, S, A, F, M, K>
{
    fn evaluate(&mut self, theta: &[T]) -> Result<Estimate<T>> {
        let policy = lane0(&mut self.policies)?;
        policy.set_params(theta)?;
        Ok(Estimate {
            value: self.ws.objective(self.mdp, policy, self.tau)?,
            std_error: T::ZERO,
        })
    }

    fn lanes(&self) -> usize {
        if self.batch.is_some() { K } else { 1 }
    }

    fn evaluate_points(
        &mut self,
        scratch: &mut [T],
        point: &mut dyn FnMut(usize, &mut [T]) -> Result<()>,
        out: &mut [Estimate<T>],
    ) -> Result<()> {
        if !self.batched(out.len(), scratch.len()) {
            for (k, o) in out.iter_mut().enumerate() {
                point(k, scratch)?;
                *o = self.evaluate(scratch)?;
            }
            return Ok(());
        }
        for (c, chunk) in out.chunks_mut(K).enumerate() {
            self.load(c.saturating_mul(K), chunk.len(), point)?;
            let Some(batch) = self.batch.as_deref_mut() else {
                break;
            };
            let js = batch.objective(self.mdp, self.policies.each_ref(), self.tau)?;
            for (o, value) in chunk.iter_mut().zip(js) {
                *o = Estimate {
                    value,
                    std_error: T::ZERO,
                };
            }
        }
        Ok(())
    }
}
