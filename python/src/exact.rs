//! Exact evaluation, the exact gradient, exact training and the §3.1 sweep.

use policy_landscape::exact::{OwnedSparsePlan, SparseWorkspace};
use policy_landscape::policy::SoftmaxRow;
use policy_landscape::train::{Classification, TrainConfig};
use policy_landscape::{Error as CoreError, Result as CoreResult};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

use crate::arrays::write;
use crate::dispatch;
use crate::error::{err, invalid};
use crate::mdp::Mdp;
use crate::policy::{Params, Softmax};

/// Storage of one sparse workspace, kept across calls.
pub struct Buffers<const A: usize> {
    scalars: Vec<f64>,
    rows: Vec<SoftmaxRow<f64, A>>,
    q: Vec<[f64; A]>,
    grad: Vec<[f64; A]>,
}

impl<const A: usize> Buffers<A> {
    pub fn new(plan: &OwnedSparsePlan<f64, A>) -> Self {
        let p = plan.plan();
        let n = p.mdp().states();
        Self {
            scalars: vec![0.0; p.scalar_len()],
            rows: vec![SoftmaxRow::default(); n],
            q: vec![[0.0; A]; n],
            grad: vec![[0.0; A]; n],
        }
    }
}

/// Everything one exact evaluation gives.
#[derive(Clone, Debug)]
pub struct EvalData {
    pub states: usize,
    pub actions: usize,
    pub tau: f64,
    pub j_tau: f64,
    pub j_true: f64,
    pub j_entropy: f64,
    pub value: Vec<f64>,
    pub q: Vec<f64>,
    pub occupancy: Vec<f64>,
    pub policy: Vec<f64>,
    pub entropy: Vec<f64>,
    pub logit_gradient: Vec<f64>,
    pub gradient: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |acc, (&x, &y)| acc + x * y)
}

/// `J_τ` only.
pub fn objective<const A: usize>(
    plan: &OwnedSparsePlan<f64, A>,
    buf: &mut Buffers<A>,
    logits: &[[f64; A]],
    mix: f64,
    tau: f64,
) -> CoreResult<f64> {
    let p = plan.plan();
    let mut ws = SparseWorkspace::new(&p, &mut buf.scalars, &mut buf.rows, &mut buf.q)?;
    ws.objective(logits, mix, tau)
}

/// The full evaluation, the logit gradient left in `buf.grad`.
pub fn evaluate<const A: usize>(
    plan: &OwnedSparsePlan<f64, A>,
    buf: &mut Buffers<A>,
    params: &Params,
    tau: f64,
) -> CoreResult<EvalData> {
    let logits = params.logits::<A>();
    let p = plan.plan();
    let mdp = p.mdp();
    let n = mdp.states();
    let mut ws = SparseWorkspace::new(&p, &mut buf.scalars, &mut buf.rows, &mut buf.q)?;
    let e = ws.evaluate(&logits, params.mix, tau)?;
    e.gradient_into(&mut buf.grad)?;
    let mut policy = Vec::with_capacity(n * A);
    let mut entropy = Vec::with_capacity(n);
    let mut j_true = 0.0;
    for (s, z) in logits.iter().enumerate() {
        let pi = e.policy_row(s).copied().unwrap_or([0.0; A]);
        policy.extend_from_slice(&pi);
        entropy.push(SoftmaxRow::from_logits(z, params.mix)?.entropy);
        j_true += e.occupancy()[s] * dot(&pi, &mdp.rewards()[s]);
    }
    let occupancy = e.occupancy().to_vec();
    Ok(EvalData {
        states: n,
        actions: A,
        tau,
        j_tau: e.j_tau(),
        j_true,
        j_entropy: dot(&occupancy, &entropy),
        value: e.value().to_vec(),
        q: e.q().as_flattened().to_vec(),
        occupancy,
        policy,
        entropy,
        logit_gradient: buf.grad.as_flattened().to_vec(),
        gradient: params.torch_gradient(&buf.grad),
    })
}

/// One exact evaluation: `J_τ`, `J` (true reward), `J_H`, `V`, `Q`, the
/// discounted occupancy `d`, `π`, the entropies and the exact gradient of
/// eq. 3, with respect to the logits and to the parameters (torch layout).
#[pyclass(module = "policy_landscape._core", frozen)]
pub struct Evaluation {
    pub d: EvalData,
}

#[pymethods]
impl Evaluation {
    /// `J_τ = p0 · V` (reward plus `τ` times the entropy).
    #[getter]
    fn j_tau(&self) -> f64 {
        self.d.j_tau
    }
    /// The true objective `J` (reward only) of the same policy.
    #[getter]
    fn j_true(&self) -> f64 {
        self.d.j_true
    }
    /// `J_H = d · H`, the discounted entropy.
    #[getter]
    fn j_entropy(&self) -> f64 {
        self.d.j_entropy
    }
    /// The entropy weight `τ`.
    #[getter]
    fn tau(&self) -> f64 {
        self.d.tau
    }
    /// `V[s]`, shape `(S,)`.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(py, self.d.value.clone(), &[self.d.states])
    }
    /// `Q[s, a] = R[s, a] + τ H(π(·|s)) + γ Σ P V` (the authors'
    /// convention), shape `(S, A)`.
    #[getter]
    fn q<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(py, self.d.q.clone(), &[self.d.states, self.d.actions])
    }
    /// The unnormalised discounted occupancy `d = (I - γ P_πᵀ)⁻¹ p0`.
    #[getter]
    fn occupancy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(py, self.d.occupancy.clone(), &[self.d.states])
    }
    /// `π(a|s)`, shape `(S, A)`.
    #[getter]
    fn policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(py, self.d.policy.clone(), &[self.d.states, self.d.actions])
    }
    /// `H(π(·|s))`, shape `(S,)`.
    #[getter]
    fn entropy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(py, self.d.entropy.clone(), &[self.d.states])
    }
    /// `∂J_τ/∂z[s, a]` (the logits), shape `(S, A)`.
    #[getter]
    fn logit_gradient<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(
            py,
            self.d.logit_gradient.clone(),
            &[self.d.states, self.d.actions],
        )
    }
    /// `∂J_τ/∂θ` in the policy's torch layout.
    #[getter]
    fn gradient<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        write(py, self.d.gradient.clone(), &[self.d.gradient.len()])
    }
    fn __repr__(&self) -> String {
        format!(
            "Evaluation(j_tau={}, j_true={}, tau={}, states={}, actions={})",
            self.d.j_tau, self.d.j_true, self.d.tau, self.d.states, self.d.actions
        )
    }
}

fn check_tau(tau: f64) -> PyResult<()> {
    if tau.is_finite() && tau >= 0.0 {
        Ok(())
    } else {
        Err(invalid(format!(
            "tau must be finite and non-negative, found {tau}"
        )))
    }
}

/// Exact evaluation of `policy` on `mdp` with entropy weight `tau` (the
/// GIL is released while it runs).
#[pyfunction]
#[pyo3(signature = (mdp, policy, tau = 0.0))]
pub fn evaluate_exact(
    py: Python<'_>,
    mdp: &Mdp,
    policy: &Softmax,
    tau: f64,
) -> PyResult<Evaluation> {
    check_tau(tau)?;
    policy
        .p
        .check_for(mdp.plans.states(), mdp.plans.actions())?;
    let params = policy.p.clone();
    let d = py
        .detach(|| dispatch!(&mdp.plans, p => evaluate(p, &mut Buffers::new(p), &params, tau)))
        .map_err(err)?;
    Ok(Evaluation { d })
}

/// `J_τ` of `policy` on `mdp` (no occupancy, no gradient: one solve).
#[pyfunction]
#[pyo3(signature = (mdp, policy, tau = 0.0))]
pub fn objective_exact(py: Python<'_>, mdp: &Mdp, policy: &Softmax, tau: f64) -> PyResult<f64> {
    check_tau(tau)?;
    policy
        .p
        .check_for(mdp.plans.states(), mdp.plans.actions())?;
    let params = policy.p.clone();
    py.detach(|| {
        dispatch!(&mdp.plans, p => objective(p, &mut Buffers::new(p), &params.logits(), params.mix, tau))
    })
    .map_err(err)
}

/// The return of a deterministic policy (`actions[s]` in state `s`): the
/// footnote-2 threshold when `actions` is "always down" on the paper's
/// world.
#[pyfunction]
pub fn deterministic_return(py: Python<'_>, mdp: &Mdp, actions: Vec<usize>) -> PyResult<f64> {
    let (s, a) = (mdp.plans.states(), mdp.plans.actions());
    if actions.len() != s {
        return Err(crate::error::shape(format!(
            "actions must have one entry per state ({s}), found {}",
            actions.len()
        )));
    }
    if let Some(i) = actions.iter().position(|&x| x >= a) {
        return Err(invalid(format!(
            "actions[{i}] = {} is not an action (0..{a})",
            actions[i]
        )));
    }
    py.detach(|| {
        dispatch!(&mdp.plans, p => {
            // Logits 0 for the chosen action, -1e4 for the others: exp(-1e4)
            // is 0 in f64, so π is exactly one-hot.
            let logits: Vec<_> = actions
                .iter()
                .map(|&k| core::array::from_fn(|j| if j == k { 0.0 } else { -1e4 }))
                .collect();
            objective(p, &mut Buffers::new(p), &logits, 0.0, 0.0)
        })
    })
    .map_err(err)
}

/// Exact gradient ascent on `J_τ` (what the Rust API's `Trainer` does,
/// on the sparse evaluator): `updates` steps `θ ← θ + η ∇J_τ`, `τ`
/// multiplied by `tau_decay` after each.
#[pyclass(
    module = "policy_landscape._core",
    name = "TrainConfig",
    frozen,
    eq,
    from_py_object
)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PyTrainConfig {
    pub c: TrainConfig<f64>,
}

#[pymethods]
impl PyTrainConfig {
    #[new]
    #[pyo3(signature = (step_size, updates, *, tau = 0.0, tau_decay = 1.0))]
    fn new(step_size: f64, updates: usize, tau: f64, tau_decay: f64) -> PyResult<Self> {
        let c = TrainConfig::new(step_size, updates)
            .tau(tau)
            .tau_decay(tau_decay);
        c.check().map_err(err)?;
        Ok(Self { c })
    }
    #[getter]
    fn step_size(&self) -> f64 {
        self.c.step_size
    }
    #[getter]
    fn updates(&self) -> usize {
        self.c.updates
    }
    #[getter]
    fn tau(&self) -> f64 {
        self.c.tau
    }
    #[getter]
    fn tau_decay(&self) -> f64 {
        self.c.tau_decay
    }
    fn __repr__(&self) -> String {
        format!(
            "TrainConfig(step_size={}, updates={}, tau={}, tau_decay={})",
            self.c.step_size, self.c.updates, self.c.tau, self.c.tau_decay
        )
    }
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<crate::Reduce<'py, (f64, usize, f64, f64)>> {
        Ok((
            py.get_type::<PyTrainConfig>().getattr("_from_state")?,
            (
                self.c.step_size,
                self.c.updates,
                self.c.tau,
                self.c.tau_decay,
            ),
        ))
    }
    #[staticmethod]
    fn _from_state(step_size: f64, updates: usize, tau: f64, tau_decay: f64) -> PyResult<Self> {
        Self::new(step_size, updates, tau, tau_decay)
    }
}

/// A training run's record.
pub struct Run {
    pub final_j_true: f64,
    pub final_j_tau: f64,
    pub final_tau: f64,
    pub updates: usize,
    /// Every `record_every`-th step: (update, tau, j_tau, j_true, grad_norm).
    pub history: Vec<[f64; 5]>,
}

/// Exact training of `params` (updated in place).
pub fn train<const A: usize>(
    plan: &OwnedSparsePlan<f64, A>,
    params: &mut Params,
    config: TrainConfig<f64>,
    record_every: usize,
) -> CoreResult<Run> {
    config.check()?;
    let mut buf = Buffers::new(plan);
    let mut tau = config.tau;
    let mut history = Vec::new();
    let f = params.features();
    for update in 0..config.updates {
        let e = evaluate(plan, &mut buf, params, tau)?;
        if record_every > 0 && update % record_every == 0 {
            // ‖∇‖ summed in the core's flat order ([f][a]), as `TrainStep`.
            let mut sq = 0.0;
            for ff in 0..f {
                for a in 0..A {
                    let g = e.gradient[params.index(ff, a)];
                    sq += g * g;
                }
            }
            history.push([update as f64, tau, e.j_tau, e.j_true, sq.sqrt()]);
        }
        let eta = config.step_size;
        if !params
            .torch
            .iter()
            .zip(&e.gradient)
            .fold(true, |ok, (&t, &g)| ok & (t + eta * g).is_finite())
        {
            return Err(CoreError::NumericalOverflow { what: "parameters" });
        }
        for (t, &g) in params.torch.iter_mut().zip(&e.gradient) {
            *t += eta * g;
        }
        tau *= config.tau_decay;
    }
    let e = evaluate(plan, &mut buf, params, tau)?;
    Ok(Run {
        final_j_true: e.j_true,
        final_j_tau: e.j_tau,
        final_tau: tau,
        updates: config.updates,
        history,
    })
}

/// Trains `policy` in place by exact gradient ascent (the GIL is released)
/// and returns a dict: `final_j_true`, `final_j_tau`, `final_tau`,
/// `updates`, and, with `record_every > 0`, `history` of shape `(k, 5)`:
/// columns update, tau, j_tau, j_true, gradient norm, every
/// `record_every`-th update (before the step).
#[pyfunction]
#[pyo3(signature = (mdp, policy, config, *, record_every = 0))]
pub fn train_exact<'py>(
    py: Python<'py>,
    mdp: &Mdp,
    mut policy: PyRefMut<'py, Softmax>,
    config: PyTrainConfig,
    record_every: usize,
) -> PyResult<Bound<'py, PyDict>> {
    policy
        .p
        .check_for(mdp.plans.states(), mdp.plans.actions())?;
    let mut params = policy.p.clone();
    let run = py
        .detach(|| dispatch!(&mdp.plans, p => train(p, &mut params, config.c, record_every)))
        .map_err(err)?;
    policy.p = params;
    let d = PyDict::new(py);
    d.set_item("final_j_true", run.final_j_true)?;
    d.set_item("final_j_tau", run.final_j_tau)?;
    d.set_item("final_tau", run.final_tau)?;
    d.set_item("updates", run.updates)?;
    if record_every > 0 {
        let k = run.history.len();
        d.set_item(
            "history",
            write(py, run.history.into_iter().flatten().collect(), &[k, 5])?,
        )?;
    }
    Ok(d)
}

/// Footnote 2: `"optimal"` when `j_true > sub_optimal_return`, else
/// `"sub-optimal"`.
#[pyfunction]
pub fn classify(j_true: f64, sub_optimal_return: f64) -> &'static str {
    match Classification::classify(j_true, sub_optimal_return) {
        Classification::Optimal => "optimal",
        Classification::SubOptimal => "sub-optimal",
    }
}

/// The §3.1 experiment on any MDP: for every `(tau0, decay)` cell and every
/// seed, a policy initialised by `init_like_torch(seed)` trained for
/// `updates` exact steps of `step_size`; a run is sub-optimal when its
/// final true return is at most `threshold`. Runs in parallel on
/// `threads` threads (0: all cores; the results do not depend on it) with
/// the GIL released.
///
/// Returns a dict: `taus`, `decays`, `seeds` (as given), `final_j_true` of
/// shape `(cells, seeds)` (cells in the order of `taus` x `decays`),
/// `sub_optimal` (bool, same shape) and `fraction` (per cell).
#[pyfunction]
#[pyo3(signature = (mdp, seeds, taus, decays, *, threshold, updates = 1500, step_size = 0.1, bias = true, mix = 0.0, threads = 0))]
#[allow(clippy::too_many_arguments)]
pub fn sweep<'py>(
    py: Python<'py>,
    mdp: &Mdp,
    seeds: Vec<u64>,
    taus: Vec<f64>,
    decays: Vec<f64>,
    threshold: f64,
    updates: usize,
    step_size: f64,
    bias: bool,
    mix: f64,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let (s, a) = (mdp.plans.states(), mdp.plans.actions());
    let cells: Vec<(f64, f64)> = taus
        .iter()
        .flat_map(|&t| decays.iter().map(move |&d| (t, d)))
        .collect();
    let mut configs = Vec::with_capacity(cells.len());
    for &(t, d) in &cells {
        configs.push(PyTrainConfig::new(step_size, updates, t, d)?.c);
    }
    let base = Softmax::new(s, a, bias, mix, None)?;
    let jobs: Vec<(usize, u64)> = (0..cells.len())
        .flat_map(|c| seeds.iter().map(move |&sd| (c, sd)))
        .collect();
    let run_all = || -> CoreResult<Vec<f64>> {
        jobs.par_iter()
            .map(|&(c, seed)| {
                let mut params = base.p.clone();
                crate::policy::init_like_torch(&mut params, seed);
                dispatch!(&mdp.plans, p => train(p, &mut params, configs[c], 0))
                    .map(|r| r.final_j_true)
            })
            .collect()
    };
    let finals = py
        .detach(|| {
            if threads == 0 {
                Ok(run_all())
            } else {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .map(|pool| pool.install(run_all))
            }
        })
        .map_err(|e| invalid(format!("could not start {threads} threads: {e}")))?
        .map_err(err)?;
    let k = seeds.len();
    let sub: Vec<bool> = finals
        .iter()
        .map(|&j| Classification::classify(j, threshold) == Classification::SubOptimal)
        .collect();
    let fraction: Vec<f64> = sub
        .chunks(k.max(1))
        .map(|c| c.iter().filter(|&&x| x).count() as f64 / k.max(1) as f64)
        .collect();
    let d = PyDict::new(py);
    d.set_item("taus", taus)?;
    d.set_item("decays", decays)?;
    d.set_item("seeds", seeds)?;
    d.set_item("final_j_true", write(py, finals, &[cells.len(), k])?)?;
    let sub_arr =
        numpy::PyArrayMethods::reshape(&numpy::PyArray1::from_vec(py, sub), [cells.len(), k])?;
    d.set_item("sub_optimal", sub_arr)?;
    d.set_item("fraction", write(py, fraction, &[cells.len()])?)?;
    Ok(d)
}
