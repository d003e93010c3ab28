//! Exact gradient ascent with an entropy schedule (paper §3.1).
//!
//! `θ_{k+1} = θ_k + η ∇J_{τ_k}(θ_k)` with `τ_k = τ_0 · decay^k`. Each update
//! reports the entropy-regularised and the true (`τ = 0`) objective at `θ_k`
//! to an observer; a final evaluation classifies the result (footnote 2).

use core::ops::ControlFlow;

use crate::error::{Error, Result, rule};
use crate::exact::{BatchEvaluation, ExactBatch, ExactWorkspace};
use crate::mdp::TabularMdp;
use crate::policy::{FeatureMap, Softmax};
use crate::real::Real;

/// Hyper-parameters of exact gradient ascent.
///
/// # Examples
///
/// ```
/// use policy_landscape::train::TrainConfig;
///
/// // The paper's §3.1 run with a decayed entropy bonus.
/// let config = TrainConfig::new(0.1, 1500).tau(0.3).tau_decay(0.995);
/// assert_eq!(config.updates, 1500);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainConfig<T> {
    /// Step size `η`.
    pub step_size: T,
    /// Initial entropy weight `τ_0`.
    pub tau: T,
    /// Multiplier applied to `τ` after every update (1 keeps it constant).
    pub tau_decay: T,
    /// Number of updates.
    pub updates: usize,
}

impl<T: Real> TrainConfig<T> {
    /// `updates` steps of size `step_size`, no entropy.
    pub fn new(step_size: T, updates: usize) -> Self {
        Self {
            step_size,
            tau: T::ZERO,
            tau_decay: T::ONE,
            updates,
        }
    }

    /// Sets the initial entropy weight.
    pub fn tau(self, tau: T) -> Self {
        Self { tau, ..self }
    }

    /// Sets the per-update decay of the entropy weight.
    pub fn tau_decay(self, tau_decay: T) -> Self {
        Self { tau_decay, ..self }
    }

    /// Checks the configuration.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming `step_size`, `tau` or `tau_decay`
    /// when negative or not finite.
    pub fn check(&self) -> Result<()> {
        let ok = |x: T| x.is_finite() && x >= T::ZERO;
        if !ok(self.step_size) {
            return Err(Error::InvalidParameter {
                what: "step_size",
                rule: rule::NON_NEGATIVE,
            });
        }
        if !ok(self.tau) {
            return Err(Error::InvalidParameter {
                what: "tau",
                rule: rule::NON_NEGATIVE,
            });
        }
        if !ok(self.tau_decay) {
            return Err(Error::InvalidParameter {
                what: "tau_decay",
                rule: rule::NON_NEGATIVE,
            });
        }
        Ok(())
    }
}

/// What one update saw, at the parameters before the update.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainStep<T> {
    /// Update index, from 0.
    pub update: usize,
    /// The entropy weight used.
    pub tau: T,
    /// `J_τ` at the current parameters.
    pub j_tau: T,
    /// The true objective `J` (`τ = 0`) at the current parameters.
    pub j_true: T,
    /// `‖∇J_τ‖₂`.
    pub grad_norm: T,
}

/// The result of a training run.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainOutcome<T> {
    /// Updates made (fewer than configured if the observer stopped early).
    pub updates: usize,
    /// The true objective `J` of the final parameters.
    pub final_j_true: T,
    /// `J_τ` of the final parameters at the final `τ`.
    pub final_j_tau: T,
    /// The entropy weight after the last decay.
    pub final_tau: T,
}

/// Whether a final policy found the better optimum (paper, footnote 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Classification {
    /// Its true return exceeds that of the deterministic policy reaching the
    /// sub-optimal reward.
    Optimal,
    /// It does not.
    SubOptimal,
}

impl Classification {
    /// Footnote 2: optimal iff `j_true > sub_optimal_return`.
    pub fn classify<T: Real>(j_true: T, sub_optimal_return: T) -> Self {
        if j_true > sub_optimal_return {
            Classification::Optimal
        } else {
            Classification::SubOptimal
        }
    }
}

/// Exact gradient ascent, one update at a time or all at once.
///
/// The gradient buffer lives in the trainer (`F * A` scalars), so a step
/// allocates nothing; a game loop can call [`Trainer::step`] once per frame.
/// The parameters are those of the trained [`Softmax`] policy: `T` the
/// scalar, `S` states, `A` actions, `F` features (default `S`, one-hot).
///
/// # Examples
///
/// ```
/// use policy_landscape::{ExactWorkspace, paper, policy::Softmax};
/// use policy_landscape::train::{Classification, TrainConfig, Trainer};
///
/// let mdp = paper::mdp::<f64>();
/// let mut policy = Softmax::<f64, 26, 4>::tabular();
/// let mut ws = ExactWorkspace::new();
/// let mut trainer = Trainer::new(TrainConfig::new(1.0, 40))?;
/// let outcome = trainer.run(&mdp, &mut policy, &mut ws, |_| core::ops::ControlFlow::Continue(()))?;
/// assert_eq!(outcome.updates, 40);
/// // From the uniform policy, exact ascent finds the better corner.
/// let threshold = ws.deterministic_return(&mdp, &[3; 26])?; // always DOWN
/// assert_eq!(Classification::classify(outcome.final_j_true, threshold), Classification::Optimal);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Trainer<T, const S: usize, const A: usize, const F: usize = S> {
    config: TrainConfig<T>,
    tau: T,
    update: usize,
    grad: [[T; A]; F],
}

impl<T: Real, const S: usize, const A: usize, const F: usize> Trainer<T, S, A, F> {
    /// A trainer at update 0 with `τ = τ_0`.
    ///
    /// # Errors
    ///
    /// As [`TrainConfig::check`].
    pub fn new(config: TrainConfig<T>) -> Result<Self> {
        const { assert!(F > 0 && A > 0, "need at least one feature and one action") };
        config.check()?;
        Ok(Self {
            config,
            tau: config.tau,
            update: 0,
            grad: [[T::ZERO; A]; F],
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig<T> {
        &self.config
    }

    /// The entropy weight the next update will use.
    pub fn tau(&self) -> T {
        self.tau
    }

    /// Updates made so far.
    pub fn updates(&self) -> usize {
        self.update
    }

    /// The last gradient, `[f][a]`.
    pub fn gradient(&self) -> &[[T; A]; F] {
        &self.grad
    }

    /// One update: evaluates at the current parameters, steps along the exact
    /// gradient, decays `τ`.
    ///
    /// # Errors
    ///
    /// As [`ExactWorkspace::evaluate`]; [`Error::NumericalOverflow`] if the
    /// step would make a parameter non-finite (the policy is then unchanged).
    pub fn step<M: FeatureMap<T, S, F>>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policy: &mut Softmax<T, S, A, F, M>,
        ws: &mut ExactWorkspace<T, S, A>,
    ) -> Result<TrainStep<T>> {
        let eval = ws.evaluate(mdp, policy, self.tau)?;
        eval.gradient_array(&mut self.grad)?;
        let report = TrainStep {
            update: self.update,
            tau: self.tau,
            j_tau: eval.j_tau(),
            j_true: eval.j_true(),
            grad_norm: self
                .grad
                .as_flattened()
                .iter()
                .fold(T::ZERO, |acc, &g| acc + g * g)
                .sqrt(),
        };
        ascend(
            policy.params_mut(),
            self.grad.as_flattened(),
            self.config.step_size,
        )?;
        self.tau *= self.config.tau_decay;
        self.update = self.update.saturating_add(1);
        Ok(report)
    }

    /// Runs the remaining updates, calling `observer` after each (with the
    /// values before the update); the observer can stop early by returning
    /// `ControlFlow::Break(())`. Then evaluates the final parameters.
    ///
    /// # Errors
    ///
    /// As [`Trainer::step`].
    pub fn run<M: FeatureMap<T, S, F>, O>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policy: &mut Softmax<T, S, A, F, M>,
        ws: &mut ExactWorkspace<T, S, A>,
        mut observer: O,
    ) -> Result<TrainOutcome<T>>
    where
        O: FnMut(&TrainStep<T>) -> ControlFlow<()>,
    {
        while self.update < self.config.updates {
            let report = self.step(mdp, policy, ws)?;
            if observer(&report).is_break() {
                break;
            }
        }
        let eval = ws.evaluate(mdp, policy, self.tau)?;
        Ok(TrainOutcome {
            updates: self.update,
            final_j_true: eval.j_true(),
            final_j_tau: eval.j_tau(),
            final_tau: self.tau,
        })
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize, const F: usize> defmt::Format
    for Trainer<T, S, A, F>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Trainer {{ updates: {=usize}, tau: {=f64}, step_size: {=f64} }}",
            self.update,
            self.tau.to_f64(),
            self.config.step_size.to_f64(),
        );
    }
}

/// `K` exact training runs in lockstep: the same configuration, `K`
/// policies (e.g. `K` seeds of the paper's §3.1 sweep), each update
/// evaluating all of them in one pass of an [`ExactBatch`].
///
/// Lane `k` follows exactly the trajectory of a [`Trainer`] on policy `k`
/// alone, bit for bit: the batch evaluates every lane as
/// [`ExactWorkspace`] does, and the gradient, the report and the step are
/// the one-vector code per lane. A lane whose update fails stops there,
/// with its policy at the parameters where it failed and the error
/// [`Trainer::step`] would have returned; the other lanes go on (a failed
/// lane is evaluated no more).
///
/// `T` the scalar, `S` states, `A` actions, `K` lanes, `F` features
/// (default `S`, one-hot). The gradients live in the trainer (`K F A`
/// scalars): a step allocates nothing.
///
/// # Examples
///
/// ```
/// use core::ops::ControlFlow;
/// use policy_landscape::train::{BatchTrainer, TrainConfig, Trainer};
/// use policy_landscape::{ExactBatch, ExactWorkspace, paper, policy::Softmax};
///
/// let mdp = paper::mdp::<f64>();
/// let config = TrainConfig::new(0.5, 30).tau(0.1).tau_decay(0.99);
/// // Four different starting points.
/// let mut policies = [(); 4].map(|_| Softmax::<f64, 26, 4>::tabular());
/// for (k, p) in policies.iter_mut().enumerate() {
///     p.params_mut()[3] = k as f64;
/// }
/// let starts = policies.clone();
/// let mut batch = ExactBatch::new();
/// let outcomes = BatchTrainer::new(config)?.run(&mdp, &mut policies, &mut batch, |_| {
///     ControlFlow::Continue(())
/// });
/// // Each lane is the one-vector run, bit for bit.
/// let mut ws = ExactWorkspace::new();
/// for ((start, trained), outcome) in starts.into_iter().zip(&policies).zip(outcomes) {
///     let mut alone = start;
///     let one = Trainer::new(config)?.run(&mdp, &mut alone, &mut ws, |_| ControlFlow::Continue(()))?;
///     assert_eq!(outcome?, one);
///     assert_eq!(&alone, trained);
/// }
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BatchTrainer<T, const S: usize, const A: usize, const K: usize, const F: usize = S> {
    config: TrainConfig<T>,
    tau: T,
    update: usize,
    grads: [[[T; A]; F]; K],
    /// The error that stopped each lane (`None`: still training).
    failed: [Option<Error>; K],
}

impl<T: Real, const S: usize, const A: usize, const K: usize, const F: usize>
    BatchTrainer<T, S, A, K, F>
{
    /// `K` trainers at update 0 with `τ = τ_0`.
    ///
    /// # Errors
    ///
    /// As [`TrainConfig::check`].
    pub fn new(config: TrainConfig<T>) -> Result<Self> {
        const { assert!(F > 0 && A > 0 && K > 0, "need features, actions and lanes") };
        config.check()?;
        Ok(Self {
            config,
            tau: config.tau,
            update: 0,
            grads: [[[T::ZERO; A]; F]; K],
            failed: [None; K],
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig<T> {
        &self.config
    }

    /// The entropy weight the next update will use.
    pub fn tau(&self) -> T {
        self.tau
    }

    /// Updates made so far by the lanes still training.
    pub fn updates(&self) -> usize {
        self.update
    }

    /// The error that stopped lane `lane`, `None` while it trains (and for
    /// `lane >= K`).
    pub fn failure(&self, lane: usize) -> Option<Error> {
        self.failed.get(lane).copied().flatten()
    }

    /// The last gradient of lane `lane`, `[f][a]` (`None` for `lane >= K`).
    pub fn gradient(&self, lane: usize) -> Option<&[[T; A]; F]> {
        self.grads.get(lane)
    }

    /// One update of every lane still training: evaluates all of them in
    /// one pass, steps each along its exact gradient, decays `τ`. Lane `k`
    /// of the result is what [`Trainer::step`] returns for policy `k`; a
    /// lane that failed before gets its error again and is left alone.
    pub fn step<M: FeatureMap<T, S, F>>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policies: &mut [Softmax<T, S, A, F, M>; K],
        batch: &mut ExactBatch<T, S, A, K>,
    ) -> [Result<TrainStep<T>>; K] {
        let (update, tau) = (self.update, self.tau);
        let grads = &mut self.grads;
        let mut reports = [Err(Error::NumericalOverflow { what: "lane" }); K];
        let live = with_live_evaluation(batch, mdp, policies, tau, &mut self.failed, |e, live| {
            let done = e.gradients(grads);
            let values = e.j_tau().into_iter().zip(e.j_true());
            let lanes = reports.iter_mut().zip(grads.iter()).zip(values);
            for (((report, grad), (j_tau, j_true)), (&live, done)) in
                lanes.zip(live.iter().zip(done))
            {
                if live {
                    *report = done.map(|()| TrainStep {
                        update,
                        tau,
                        j_tau,
                        j_true,
                        grad_norm: grad
                            .as_flattened()
                            .iter()
                            .fold(T::ZERO, |acc, &g| acc + g * g)
                            .sqrt(),
                    });
                }
            }
        });
        if live {
            let lanes = reports.iter_mut().zip(policies.iter_mut()).zip(&self.grads);
            for ((report, policy), grad) in lanes {
                if report.is_ok() {
                    let stepped = ascend(
                        policy.params_mut(),
                        grad.as_flattened(),
                        self.config.step_size,
                    );
                    if let Err(e) = stepped {
                        *report = Err(e);
                    }
                }
            }
            self.tau *= self.config.tau_decay;
            self.update = self.update.saturating_add(1);
        }
        for (report, failed) in reports.iter_mut().zip(&mut self.failed) {
            match (&*report, *failed) {
                (Err(e), None) => *failed = Some(*e),
                (_, Some(e)) => *report = Err(e),
                (Ok(_), None) => {}
            }
        }
        reports
    }

    /// Runs the remaining updates of every lane, calling `observer` after
    /// each with the lanes' reports (a lane's error once it failed); the
    /// observer can stop every lane early by returning
    /// `ControlFlow::Break(())`. Then evaluates the final parameters. Lane
    /// `k` of the result is what [`Trainer::run`] returns for policy `k`.
    pub fn run<M: FeatureMap<T, S, F>, O>(
        &mut self,
        mdp: &TabularMdp<T, S, A>,
        policies: &mut [Softmax<T, S, A, F, M>; K],
        batch: &mut ExactBatch<T, S, A, K>,
        mut observer: O,
    ) -> [Result<TrainOutcome<T>>; K]
    where
        O: FnMut(&[Result<TrainStep<T>>; K]) -> ControlFlow<()>,
    {
        while self.update < self.config.updates && self.failed.iter().any(Option::is_none) {
            let reports = self.step(mdp, policies, batch);
            if observer(&reports).is_break() {
                break;
            }
        }
        let (updates, tau) = (self.update, self.tau);
        let mut outcomes = [Err(Error::NumericalOverflow { what: "lane" }); K];
        with_live_evaluation(batch, mdp, policies, tau, &mut self.failed, |e, live| {
            let values = e.j_true().into_iter().zip(e.j_tau());
            for ((outcome, (final_j_true, final_j_tau)), &live) in
                outcomes.iter_mut().zip(values).zip(live)
            {
                if live {
                    *outcome = Ok(TrainOutcome {
                        updates,
                        final_j_true,
                        final_j_tau,
                        final_tau: tau,
                    });
                }
            }
        });
        for (outcome, failed) in outcomes.iter_mut().zip(&self.failed) {
            if let Some(e) = failed {
                *outcome = Err(*e);
            }
        }
        outcomes
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize, const K: usize, const F: usize> defmt::Format
    for BatchTrainer<T, S, A, K, F>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "BatchTrainer {{ lanes: {=usize}, updates: {=usize}, tau: {=f64}, step_size: {=f64} }}",
            K,
            self.update,
            self.tau.to_f64(),
            self.config.step_size.to_f64(),
        );
    }
}

/// Evaluates the lanes not yet `failed` in one pass and calls `f` with the
/// evaluation and the mask of live lanes; returns whether any lane was
/// live. A failed lane's slot holds a live lane's policy, so it cannot
/// fail the batch again.
///
/// When the batch fails, each live lane is evaluated on its own (a batch of
/// `K` copies of it, whose results and error are its one-vector ones); the
/// lanes that fail so are marked with their error, and the rest are
/// evaluated together again.
fn with_live_evaluation<T, const S: usize, const A: usize, const K: usize, const F: usize, M>(
    batch: &mut ExactBatch<T, S, A, K>,
    mdp: &TabularMdp<T, S, A>,
    policies: &[Softmax<T, S, A, F, M>; K],
    tau: T,
    failed: &mut [Option<Error>; K],
    f: impl FnOnce(&BatchEvaluation<'_, T, S, A, K, F, M>, &[bool; K]),
) -> bool
where
    T: Real,
    M: FeatureMap<T, S, F>,
{
    let Some(refs) = live_lanes(policies, failed) else {
        return false;
    };
    let live = failed.map(|e| e.is_none());
    if let Ok(e) = batch.evaluate(mdp, refs, tau) {
        f(&e, &live);
        return true;
    }
    for ((policy, failed), &live) in policies.iter().zip(failed.iter_mut()).zip(&live) {
        if live {
            if let Err(e) = batch.evaluate(mdp, [policy; K], tau) {
                *failed = Some(e);
            }
        }
    }
    let Some(refs) = live_lanes(policies, failed) else {
        return false;
    };
    let live = failed.map(|e| e.is_none());
    match batch.evaluate(mdp, refs, tau) {
        Ok(e) => {
            f(&e, &live);
            true
        }
        Err(err) => {
            // Not expected: every live lane evaluated on its own.
            for (failed, &live) in failed.iter_mut().zip(&live) {
                if live {
                    *failed = Some(err);
                }
            }
            false
        }
    }
}

/// The policies of the live lanes, a failed lane's slot holding the first
/// live lane's policy; `None` when no lane is live.
fn live_lanes<'p, T, const S: usize, const A: usize, const K: usize, const F: usize, M>(
    policies: &'p [Softmax<T, S, A, F, M>; K],
    failed: &[Option<Error>; K],
) -> Option<[&'p Softmax<T, S, A, F, M>; K]> {
    let first = failed.iter().position(Option::is_none)?;
    let stand_in = policies.get(first)?;
    let mut refs = policies.each_ref();
    for (r, failed) in refs.iter_mut().zip(failed) {
        if failed.is_some() {
            *r = stand_in;
        }
    }
    Some(refs)
}

/// One step of gradient ascent, `θ ← θ + η g`, shared by the exact
/// [`Trainer`] and REINFORCE's SGD.
///
/// # Errors
///
/// [`Error::NumericalOverflow`] if a parameter would become non-finite;
/// `theta` is then unchanged.
pub(crate) fn ascend<T: Real>(theta: &mut [T], grad: &[T], eta: T) -> Result<()> {
    // A fold rather than `any`: no early exit, so the test vectorises.
    if !theta
        .iter()
        .zip(grad)
        .fold(true, |ok, (&t, &g)| ok & (t + eta * g).is_finite())
    {
        return Err(Error::NumericalOverflow { what: "parameters" });
    }
    for (t, &g) in theta.iter_mut().zip(grad) {
        *t += eta * g;
    }
    Ok(())
}
