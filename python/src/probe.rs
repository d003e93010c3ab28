//! Landscape probes (§2.1): directions from `(seed, index)`, objectives
//! (the library's own, or any Python callable), the streaming accumulator
//! with its verdict, the probe driver, and the pairs a shard ships to be
//! replayed elsewhere with the same bits.

use std::sync::Arc;

use numpy::PyArray1;
use policy_landscape::probe::{
    self as core_probe, Accumulator as CoreAccumulator, Objective as CoreObjective, PairErrors,
    Thresholds,
};
use policy_landscape::stats::{Estimate, Moments};
use policy_landscape::{Error as CoreError, Result as CoreResult};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::arrays::{read_vec, write};
use crate::dispatch;
use crate::error::{NumericalError, SnapshotError, err, invalid, shape};
use crate::exact::{Buffers, objective as exact_objective};
use crate::mdp::Mdp;
use crate::policy::{Params, Softmax};

/// A native objective: makes evaluators (one per thread or call) of a
/// fixed dimension. Implemented by the exact objective here and by the
/// Monte-Carlo objectives of `continuous`.
pub trait Factory: Send + Sync {
    /// The number of parameters.
    fn dim(&self) -> usize;
    /// A fresh evaluator.
    fn make(&self) -> Box<dyn CoreObjective<f64> + Send + '_>;
}

/// The base class of the library's own objectives: `O(θ)` with its
/// standard error (0 for exact objectives). Probing one releases the GIL.
/// Any Python callable `f(theta) -> float` or `-> (value, std_error)` can
/// be probed too (holding the GIL).
#[pyclass(module = "policy_landscape._core", subclass, frozen)]
pub struct Objective {
    pub f: Arc<dyn Factory>,
}

impl Objective {
    pub fn new(f: Arc<dyn Factory>) -> Self {
        Self { f }
    }
}

#[pymethods]
impl Objective {
    /// The number of parameters.
    #[getter]
    fn dim(&self) -> usize {
        self.f.dim()
    }

    /// `(O(θ), standard error)`.
    fn evaluate(&self, py: Python<'_>, theta: &Bound<'_, PyAny>) -> PyResult<(f64, f64)> {
        let theta = read_theta(theta, self.f.dim())?;
        let f = self.f.clone();
        let e = py.detach(|| f.make().evaluate(&theta)).map_err(err)?;
        Ok((e.value, e.std_error))
    }

    /// `O(θ)`.
    fn __call__(&self, py: Python<'_>, theta: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(self.evaluate(py, theta)?.0)
    }
}

fn read_theta(theta: &Bound<'_, PyAny>, dim: usize) -> PyResult<Vec<f64>> {
    let v = read_vec(theta, "theta")?;
    if v.len() != dim {
        return Err(shape(format!(
            "theta must have shape ({dim},), found ({},)",
            v.len()
        )));
    }
    Ok(v)
}

struct ExactFactory {
    mdp: Py<Mdp>,
    params: Params,
    tau: f64,
}

struct ExactEval<'a, const A: usize> {
    plan: &'a policy_landscape::exact::OwnedSparsePlan<f64, A>,
    buf: Buffers<A>,
    params: Params,
    tau: f64,
}

impl<const A: usize> CoreObjective<f64> for ExactEval<'_, A> {
    fn evaluate(&mut self, theta: &[f64]) -> CoreResult<Estimate<f64>> {
        if theta.len() != self.params.torch.len() {
            return Err(CoreError::LengthMismatch {
                what: "theta",
                expected: self.params.torch.len(),
                found: theta.len(),
            });
        }
        // Named in the caller's (torch) layout: the evaluator would name
        // the logit the non-finite entry spoils instead.
        if let Some(index) = theta.iter().position(|x| !x.is_finite()) {
            return Err(CoreError::NonFinite {
                what: "theta",
                index,
            });
        }
        self.params.torch.copy_from_slice(theta);
        let logits = self.params.logits::<A>();
        let value = exact_objective(self.plan, &mut self.buf, &logits, self.params.mix, self.tau)?;
        Ok(Estimate {
            value,
            std_error: 0.0,
        })
    }
}

impl Factory for ExactFactory {
    fn dim(&self) -> usize {
        self.params.torch.len()
    }
    fn make(&self) -> Box<dyn CoreObjective<f64> + Send + '_> {
        let mdp: &Mdp = self.mdp.get();
        dispatch!(&mdp.plans, p => Box::new(ExactEval {
            plan: p,
            buf: Buffers::new(p),
            params: self.params.clone(),
            tau: self.tau,
        }))
    }
}

/// The exact objective `θ ↦ J_τ(π_θ)` on `mdp` for the policy's shape
/// (states, actions, bias, mix); `θ` in the torch layout.
#[pyclass(module = "policy_landscape._core", extends = Objective, frozen)]
pub struct ExactObjective {
    mdp: Py<Mdp>,
    policy: Softmax,
    tau: f64,
}

#[pymethods]
impl ExactObjective {
    #[new]
    #[pyo3(signature = (mdp, policy, tau = 0.0))]
    fn new(
        mdp: Bound<'_, Mdp>,
        policy: PyRef<'_, Softmax>,
        tau: f64,
    ) -> PyResult<PyClassInitializer<Self>> {
        if !(tau.is_finite() && tau >= 0.0) {
            return Err(invalid(format!(
                "tau must be finite and non-negative, found {tau}"
            )));
        }
        let m = mdp.get();
        policy.p.check_for(m.plans.states(), m.plans.actions())?;
        let f = ExactFactory {
            mdp: mdp.clone().unbind(),
            params: policy.p.clone(),
            tau,
        };
        Ok(
            PyClassInitializer::from(Objective::new(Arc::new(f))).add_subclass(Self {
                mdp: mdp.unbind(),
                policy: policy.clone(),
                tau,
            }),
        )
    }

    /// The entropy weight.
    #[getter]
    fn tau(&self) -> f64 {
        self.tau
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let m = self
            .mdp
            .bind(py)
            .repr()
            .map_or_else(|_| "Mdp".to_string(), |r| r.to_string());
        format!("ExactObjective({m}, tau={})", self.tau)
    }

    fn __reduce__<'py>(
        slf: PyRef<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let args = PyTuple::new(
            py,
            [
                slf.mdp.clone_ref(py).into_bound(py).into_any(),
                Bound::new(py, slf.policy.clone())?.into_any(),
                slf.tau.into_pyobject(py)?.into_any(),
            ],
        )?;
        Ok((py.get_type::<ExactObjective>().into_any(), args))
    }
}

/// A Python callable as an objective (evaluated with the GIL held). Its
/// exception, if any, is kept and raised again after the driver stops.
struct Callable<'py> {
    f: Bound<'py, PyAny>,
    dim: usize,
    error: Option<PyErr>,
}

impl Callable<'_> {
    fn call(&mut self, theta: &[f64]) -> PyResult<Estimate<f64>> {
        let py = self.f.py();
        let out = self.f.call1((PyArray1::from_slice(py, theta),))?;
        if let Ok((value, std_error)) = out.extract::<(f64, f64)>() {
            return Ok(Estimate { value, std_error });
        }
        let value: f64 = out.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "an objective must return a float or (value, std_error), returned {}",
                out.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })?;
        Ok(Estimate {
            value,
            std_error: 0.0,
        })
    }
}

impl CoreObjective<f64> for Callable<'_> {
    fn evaluate(&mut self, theta: &[f64]) -> CoreResult<Estimate<f64>> {
        if theta.len() != self.dim {
            return Err(CoreError::LengthMismatch {
                what: "theta",
                expected: self.dim,
                found: theta.len(),
            });
        }
        match self.call(theta) {
            Ok(e) if e.value.is_finite() && e.std_error.is_finite() && e.std_error >= 0.0 => Ok(e),
            Ok(e) => {
                self.error = Some(NumericalError::new_err(format!(
                    "the objective returned value {} with standard error {}: the value must be finite, the standard error finite and non-negative",
                    e.value, e.std_error
                )));
                Err(CoreError::NumericalOverflow {
                    what: "objective value",
                })
            }
            Err(e) => {
                self.error = Some(e);
                Err(CoreError::InvalidParameter {
                    what: "objective",
                    rule: "not raise",
                })
            }
        }
    }
}

/// A borrowed trait object as a sized objective (the driver is generic).
pub struct Dyn<'a>(pub &'a mut dyn CoreObjective<f64>);

impl CoreObjective<f64> for Dyn<'_> {
    fn evaluate(&mut self, theta: &[f64]) -> CoreResult<Estimate<f64>> {
        self.0.evaluate(theta)
    }
    fn lanes(&self) -> usize {
        self.0.lanes()
    }
    fn evaluate_points(
        &mut self,
        scratch: &mut [f64],
        point: &mut dyn FnMut(usize, &mut [f64]) -> CoreResult<()>,
        out: &mut [Estimate<f64>],
    ) -> CoreResult<()> {
        self.0.evaluate_points(scratch, point, out)
    }
}

/// Runs `body` on the objective: natively with the GIL released, or on the
/// Python callable with it held. A callable's own exception wins over the
/// driver's error.
fn with_objective<R: Send>(
    obj: &Bound<'_, PyAny>,
    dim: usize,
    body: impl Fn(&mut dyn CoreObjective<f64>) -> CoreResult<R> + Send + Sync,
) -> PyResult<R> {
    let py = obj.py();
    if let Ok(native) = obj.cast::<Objective>() {
        let f = native.get().f.clone();
        if f.dim() != dim {
            return Err(shape(format!(
                "theta must have shape ({},), found ({dim},)",
                f.dim()
            )));
        }
        return py.detach(|| body(&mut *f.make())).map_err(err);
    }
    if !obj.is_callable() {
        return Err(PyTypeError::new_err(
            "objective must be one of the library's objectives or a callable f(theta) -> float | (float, float)",
        ));
    }
    let mut c = Callable {
        f: obj.clone(),
        dim,
        error: None,
    };
    let out = body(&mut c);
    match (out, c.error) {
        (_, Some(e)) => Err(e),
        (r, None) => r.map_err(err),
    }
}

/// The unit direction `index` of `seed` in `dim` dimensions (uniform on the
/// sphere; the same on every machine).
#[pyfunction]
pub fn direction<'py>(
    py: Python<'py>,
    seed: u64,
    index: u64,
    dim: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let mut d = vec![0.0; dim];
    core_probe::direction_into(seed, index, &mut d).map_err(err)?;
    write(py, d, &[dim])
}

/// Directions `start..start + count` of `seed`, shape `(count, dim)`.
#[pyfunction]
pub fn directions<'py>(
    py: Python<'py>,
    seed: u64,
    start: u64,
    count: usize,
    dim: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let mut out = vec![0.0; count.saturating_mul(dim)];
    for (k, d) in out.chunks_exact_mut(dim.max(1)).enumerate().take(count) {
        core_probe::direction_into(seed, start + k as u64, d).map_err(err)?;
    }
    write(py, out, &[count, dim])
}

fn thresholds(k_sigma: f64, rel_floor: Option<f64>) -> Thresholds<f64> {
    let d = Thresholds::<f64>::default();
    Thresholds {
        k_sigma,
        rel_floor: rel_floor.unwrap_or(d.rel_floor),
    }
}

fn moments_dict<'py>(py: Python<'py>, m: &Moments<f64>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("count", m.count())?;
    d.set_item("mean", m.mean())?;
    d.set_item("variance", m.variance())?;
    d.set_item("std", m.std_dev())?;
    d.set_item("std_error", m.std_error())?;
    d.set_item("min", m.min())?;
    d.set_item("max", m.max())?;
    Ok(d)
}

/// What a probe says about `θ0`: `kind` (`"LocalMaximum"`,
/// `"LocalMinimum"`, `"Saddle"`, `"Linear"`, `"Flat"` or
/// `"Undetermined"`), the directions that support it out of those seen,
/// and the 95 % Wilson interval of that fraction.
#[pyclass(module = "policy_landscape._core", frozen, eq, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct Verdict {
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    support: u64,
    #[pyo3(get)]
    directions: u64,
}

#[pymethods]
impl Verdict {
    /// `support / directions` (`None` without data).
    #[getter]
    fn fraction(&self) -> Option<f64> {
        (self.directions > 0).then(|| self.support as f64 / self.directions as f64)
    }
    /// The 95 % Wilson interval of the fraction (`None` without data).
    #[getter]
    fn interval(&self) -> Option<(f64, f64)> {
        policy_landscape::probe::Verdict {
            kind: policy_landscape::probe::VerdictKind::Undetermined,
            support: self.support,
            directions: self.directions,
        }
        .interval()
    }
    fn __repr__(&self) -> String {
        format!(
            "Verdict(kind={:?}, support={}, directions={})",
            self.kind, self.support, self.directions
        )
    }
}

/// The streaming statistics of a probe of step `alpha` around a point of
/// value `base` in `dim` dimensions: the gradient and curvature
/// projections `(D+ - D-)/2α` and `(D+ + D-)/α²` of each direction (eq.
/// 1-2), the paper's nine cases, a curvature histogram, quantiles, the
/// zeroth-order `‖∇O‖²` and `tr H`, and the verdict. Fixed memory whatever
/// the number of directions; mergeable; picklable (the state is the Rust
/// API's serde JSON, every float exact).
#[pyclass(module = "policy_landscape._core", from_py_object)]
#[derive(Clone)]
pub struct Accumulator {
    pub a: CoreAccumulator<f64>,
}

#[pymethods]
impl Accumulator {
    #[new]
    #[pyo3(signature = (alpha, dim, base, *, base_error = 0.0, k_sigma = 2.0, rel_floor = None, quantiles = true))]
    fn new(
        alpha: f64,
        dim: usize,
        base: f64,
        base_error: f64,
        k_sigma: f64,
        rel_floor: Option<f64>,
        quantiles: bool,
    ) -> PyResult<Self> {
        let mut a = CoreAccumulator::with_base(
            alpha,
            dim,
            Estimate {
                value: base,
                std_error: base_error,
            },
            thresholds(k_sigma, rel_floor),
        )
        .map_err(err)?;
        a.set_quantiles(quantiles).map_err(err)?;
        Ok(Self { a })
    }

    /// Adds one direction's differences `D± = O(θ0 ± αd) - O(θ0)` of an
    /// exact objective.
    fn push(&mut self, d_plus: f64, d_minus: f64) -> PyResult<()> {
        self.a.push(d_plus, d_minus).map_err(err)
    }

    /// Adds one direction of a noisy objective, with the standard errors of
    /// `O(θ0)` (`base`), `O(θ0 + αd)` and `O(θ0 - αd)`.
    fn push_with_errors(
        &mut self,
        d_plus: f64,
        d_minus: f64,
        base: f64,
        plus: f64,
        minus: f64,
    ) -> PyResult<()> {
        self.a
            .push_with_errors(d_plus, d_minus, PairErrors { base, plus, minus })
            .map_err(err)
    }

    /// Replays pairs in order as the probe driver pushes them: `push` when
    /// the base and both errors are 0, `push_with_errors` otherwise. Stops
    /// at the first refused pair (those before it stay).
    #[pyo3(signature = (d_plus, d_minus, se_plus = None, se_minus = None))]
    fn push_pairs(
        &mut self,
        d_plus: &Bound<'_, PyAny>,
        d_minus: &Bound<'_, PyAny>,
        se_plus: Option<&Bound<'_, PyAny>>,
        se_minus: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let dp = read_vec(d_plus, "d_plus")?;
        let dm = read_vec(d_minus, "d_minus")?;
        let ep = se_plus
            .map(|x| read_vec(x, "se_plus"))
            .transpose()?
            .unwrap_or_else(|| vec![0.0; dp.len()]);
        let em = se_minus
            .map(|x| read_vec(x, "se_minus"))
            .transpose()?
            .unwrap_or_else(|| vec![0.0; dp.len()]);
        if dm.len() != dp.len() || ep.len() != dp.len() || em.len() != dp.len() {
            return Err(shape(
                "d_plus, d_minus, se_plus and se_minus must have equal lengths",
            ));
        }
        replay(&mut self.a, &dp, &dm, &ep, &em).map_err(err)
    }

    /// Merges another accumulator of the same probe (same `alpha`, `dim`,
    /// `base`, thresholds); raises `MergeError` otherwise and changes
    /// nothing. Counts, cases, extremes and the histogram merge exactly,
    /// the moments to rounding.
    fn merge(&mut self, other: &Accumulator) -> PyResult<()> {
        self.a.merge(&other.a).map_err(err)
    }

    #[getter]
    fn alpha(&self) -> f64 {
        self.a.alpha()
    }
    #[getter]
    fn dim(&self) -> usize {
        self.a.dim()
    }
    #[getter]
    fn base(&self) -> f64 {
        self.a.base()
    }
    #[getter]
    fn base_error(&self) -> f64 {
        self.a.base_error()
    }
    /// The number of directions pushed.
    #[getter]
    fn count(&self) -> u64 {
        self.a.count()
    }
    /// Moments of the gradient projections `(D+ - D-)/2α`: a dict of count,
    /// mean, variance, std, std_error, min, max (`None` where undefined).
    #[getter]
    fn gradient<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        moments_dict(py, self.a.gradient())
    }
    /// Moments of the curvature projections `(D+ + D-)/α²`.
    #[getter]
    fn curvature<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        moments_dict(py, self.a.curvature())
    }
    /// Moments of the paper's scatter-plot x, `(D+ - D-)/√2`.
    #[getter]
    fn plot_x<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        moments_dict(py, &self.a.plot_x().map_err(err)?)
    }
    /// Moments of the paper's scatter-plot y, `(D+ + D-)/√2`.
    #[getter]
    fn plot_y<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        moments_dict(py, &self.a.plot_y().map_err(err)?)
    }
    /// The paper's cases (dict of counts): `total`, `both_negative`
    /// (maximum evidence), `both_positive` (minimum), `opposite` (linear),
    /// `both_zero` (flat), `zero_and_negative`, `zero_and_positive`,
    /// `curvature_negative`, `curvature_positive` (detectable signs of
    /// `D+ + D-`).
    #[getter]
    fn cases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let v = serde_json::to_value(self.a.cases()).map_err(|e| invalid(e.to_string()))?;
        let d = PyDict::new(py);
        if let serde_json::Value::Object(m) = v {
            for (k, x) in m {
                d.set_item(k, x.as_u64())?;
            }
        }
        Ok(d)
    }
    /// The curvature histogram: `(low, high, count)` of every non-empty
    /// bin, in increasing order.
    fn histogram(&self) -> Vec<(f64, f64, u64)> {
        let h = self.a.curvature_histogram();
        h.iter().filter(|b| b.2 > 0).collect()
    }
    /// The P² estimate of the `p`-quantile (0.1, 0.5 or 0.9) of the
    /// gradient projection.
    fn gradient_quantile(&self, p: f64) -> Option<f64> {
        self.a.gradient_quantile(p)
    }
    /// Footnote 5: `(gradient projection, curvature)` of the improving
    /// direction nearest the 90th percentile of the improving ones.
    fn improving_curvature(&self) -> Option<(f64, f64)> {
        self.a.improving_curvature()
    }
    /// `(estimate, standard error)` of `‖∇O‖²`.
    fn gradient_norm_sq(&self) -> Option<(f64, f64)> {
        self.a.gradient_norm_sq().map(|e| (e.value, e.std_error))
    }
    /// `(estimate, standard error)` of `tr H`.
    fn hessian_trace(&self) -> Option<(f64, f64)> {
        self.a.hessian_trace().map(|e| (e.value, e.std_error))
    }
    /// The verdict on `θ0`.
    fn verdict(&self) -> Verdict {
        let v = self.a.verdict();
        Verdict {
            kind: v.kind.name(),
            support: v.support,
            directions: v.directions,
        }
    }
    /// The state as the Rust API's serde JSON (`Accumulator<f64>`); every
    /// float round-trips exactly.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.a).map_err(|e| SnapshotError::new_err(e.to_string()))
    }
    /// An accumulator from `to_json`'s text (validated: raises
    /// `SnapshotError` for text that does not parse or an inconsistent
    /// state).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        serde_json::from_str(text)
            .map(|a| Self { a })
            .map_err(|e| SnapshotError::new_err(format!("not an accumulator snapshot: {e}")))
    }
    fn copy(&self) -> Self {
        self.clone()
    }
    fn __copy__(&self) -> Self {
        self.clone()
    }
    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.clone()
    }
    /// Equal when the whole state is equal, bit for bit.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.extract::<PyRef<'_, Accumulator>>() {
            Ok(o) => Ok(self.to_json()? == o.to_json()?),
            Err(_) => Ok(false),
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "Accumulator(alpha={}, dim={}, base={}, count={}, verdict={})",
            self.a.alpha(),
            self.a.dim(),
            self.a.base(),
            self.a.count(),
            self.a.verdict().kind.name()
        )
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            py.get_type::<Accumulator>().getattr("from_json")?,
            (self.to_json()?,),
        ))
    }
}

fn replay(
    a: &mut CoreAccumulator<f64>,
    dp: &[f64],
    dm: &[f64],
    ep: &[f64],
    em: &[f64],
) -> CoreResult<()> {
    let base_error = a.base_error();
    for k in 0..dp.len() {
        if base_error == 0.0 && ep[k] == 0.0 && em[k] == 0.0 {
            a.push(dp[k], dm[k])?;
        } else {
            a.push_with_errors(
                dp[k],
                dm[k],
                PairErrors {
                    base: base_error,
                    plus: ep[k],
                    minus: em[k],
                },
            )?;
        }
    }
    Ok(())
}

/// An objective that records every estimate it returns (in call order).
struct Recording<'o> {
    inner: &'o mut dyn CoreObjective<f64>,
    seen: Vec<Estimate<f64>>,
}

impl CoreObjective<f64> for Recording<'_> {
    fn evaluate(&mut self, theta: &[f64]) -> CoreResult<Estimate<f64>> {
        let e = self.inner.evaluate(theta)?;
        self.seen.push(e);
        Ok(e)
    }
}

/// The pairs of one range of directions, as a shard ships them.
#[derive(Default)]
struct Pairs {
    index: Vec<u64>,
    d_plus: Vec<f64>,
    d_minus: Vec<f64>,
    se_plus: Vec<f64>,
    se_minus: Vec<f64>,
}

/// Probes `start..end` into `acc`, recording each accepted pair with its
/// standard errors (the driver evaluates `+` then `-` per direction).
fn probe_recorded(
    o: &mut dyn CoreObjective<f64>,
    theta0: &[f64],
    seed: u64,
    range: std::ops::Range<u64>,
    acc: &mut CoreAccumulator<f64>,
) -> CoreResult<Pairs> {
    let mut rec = Recording {
        inner: o,
        seen: Vec::new(),
    };
    let mut scratch = vec![0.0; 2 * theta0.len()];
    let mut pairs = Pairs::default();
    core_probe::probe_each(
        &mut rec,
        theta0,
        seed,
        range,
        &mut scratch,
        acc,
        |i, p, m| {
            pairs.index.push(i);
            pairs.d_plus.push(p);
            pairs.d_minus.push(m);
        },
    )?;
    for e in rec.seen.chunks_exact(2) {
        pairs.se_plus.push(e[0].std_error);
        pairs.se_minus.push(e[1].std_error);
    }
    Ok(pairs)
}

fn pairs_dict<'py>(py: Python<'py>, p: Pairs) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("index", PyArray1::from_vec(py, p.index))?;
    d.set_item("d_plus", PyArray1::from_vec(py, p.d_plus))?;
    d.set_item("d_minus", PyArray1::from_vec(py, p.d_minus))?;
    d.set_item("se_plus", PyArray1::from_vec(py, p.se_plus))?;
    d.set_item("se_minus", PyArray1::from_vec(py, p.se_minus))?;
    Ok(d)
}

/// Evaluates `O(θ0)` and returns an empty accumulator for probes of step
/// `alpha` around `theta0` (the driver's `start`).
#[pyfunction]
#[pyo3(signature = (objective, theta0, alpha, *, k_sigma = 2.0, rel_floor = None))]
pub fn start(
    objective: &Bound<'_, PyAny>,
    theta0: &Bound<'_, PyAny>,
    alpha: f64,
    k_sigma: f64,
    rel_floor: Option<f64>,
) -> PyResult<Accumulator> {
    let theta0 = read_vec(theta0, "theta0")?;
    let t = thresholds(k_sigma, rel_floor);
    let a = with_objective(objective, theta0.len(), |o| {
        core_probe::start(&mut Dyn(o), &theta0, alpha, t)
    })?;
    Ok(Accumulator { a })
}

/// Probes directions `start..start + directions` of `seed` around
/// `theta0`: `D± = O(θ0 ± αd) - O(θ0)` into a new accumulator (or into
/// `accumulator`, continued: its `alpha` and base are used and it is
/// updated in place). With `pairs=True` also returns the pairs as a dict of
/// arrays (`index`, `d_plus`, `d_minus`, `se_plus`, `se_minus`): the points
/// of the paper's scatter plots, and what a shard ships.
///
/// `objective` is one of the library's objectives (run with the GIL
/// released) or a callable `f(theta) -> float | (value, std_error)`.
#[pyfunction]
#[pyo3(signature = (objective, theta0, alpha, seed, directions, *, start = 0, accumulator = None, k_sigma = 2.0, rel_floor = None, pairs = false))]
#[allow(clippy::too_many_arguments)]
pub fn probe<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    theta0: &Bound<'py, PyAny>,
    alpha: f64,
    seed: u64,
    directions: u64,
    start: u64,
    accumulator: Option<PyRefMut<'py, Accumulator>>,
    k_sigma: f64,
    rel_floor: Option<f64>,
    pairs: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let theta0 = read_vec(theta0, "theta0")?;
    let end = start
        .checked_add(directions)
        .ok_or_else(|| invalid("start + directions overflows"))?;
    let t = thresholds(k_sigma, rel_floor);
    let initial = accumulator.as_ref().map(|a| a.a.clone());
    if let Some(a) = &initial {
        if a.alpha().to_bits() != alpha.to_bits() {
            return Err(invalid(format!(
                "alpha {alpha} differs from the accumulator's {}",
                a.alpha()
            )));
        }
    }
    let (acc, recorded) = with_objective(objective, theta0.len(), |o| {
        let mut acc = match &initial {
            Some(a) => a.clone(),
            None => core_probe::start(&mut Dyn(&mut *o), &theta0, alpha, t)?,
        };
        let p = probe_recorded(o, &theta0, seed, start..end, &mut acc)?;
        Ok((acc, p))
    })?;
    let result = match accumulator {
        Some(mut a) => {
            a.a = acc;
            a.into_pyobject(py)?.into_any()
        }
        None => Bound::new(py, Accumulator { a: acc })?.into_any(),
    };
    if pairs {
        Ok(PyTuple::new(py, [result, pairs_dict(py, recorded)?.into_any()])?.into_any())
    } else {
        Ok(result)
    }
}

/// One shard of a probe: the pairs of directions `start..end` of `seed`
/// around `theta0`, judged against the given `base` value and its standard
/// error (from `start()` on the driver, so every shard uses the same
/// bits). Returns the dict of arrays of `probe(..., pairs=True)`; replay
/// them in index order with `Accumulator.push_pairs` to get the single
/// process's accumulator bit for bit.
#[pyfunction]
#[pyo3(signature = (objective, theta0, alpha, seed, start, end, base, *, base_error = 0.0))]
#[allow(clippy::too_many_arguments)]
pub fn probe_pairs<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    theta0: &Bound<'py, PyAny>,
    alpha: f64,
    seed: u64,
    start: u64,
    end: u64,
    base: f64,
    base_error: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let theta0 = read_vec(theta0, "theta0")?;
    if end < start {
        return Err(invalid(format!("end ({end}) is before start ({start})")));
    }
    // Thresholds play no part in the pairs; a permissive accumulator only
    // carries alpha and the base through the driver.
    let mut acc = CoreAccumulator::with_base(
        alpha,
        theta0.len(),
        Estimate {
            value: base,
            std_error: base_error,
        },
        Thresholds::default(),
    )
    .map_err(err)?;
    acc.set_quantiles(false).map_err(err)?;
    let p = with_objective(objective, theta0.len(), |o| {
        probe_recorded(o, &theta0, seed, start..end, &mut acc.clone())
    })?;
    pairs_dict(py, p)
}

/// `O` along the segment `θ(a) = (1 - a) θ0 + a θ1` at `points` evenly
/// spaced `a` from `a0` to `a1`: returns `(a, value, std_error)` arrays.
#[pyfunction]
#[pyo3(signature = (objective, theta0, theta1, points = 51, *, a0 = 0.0, a1 = 1.0))]
pub fn interpolate<'py>(
    py: Python<'py>,
    objective: &Bound<'py, PyAny>,
    theta0: &Bound<'py, PyAny>,
    theta1: &Bound<'py, PyAny>,
    points: usize,
    a0: f64,
    a1: f64,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let t0 = read_vec(theta0, "theta0")?;
    let t1 = read_vec(theta1, "theta1")?;
    if t1.len() != t0.len() {
        return Err(shape(format!(
            "theta1 must have shape ({},), found ({},)",
            t0.len(),
            t1.len()
        )));
    }
    let out = with_objective(objective, t0.len(), |o| {
        let mut out = vec![
            (
                0.0,
                Estimate {
                    value: 0.0,
                    std_error: 0.0
                }
            );
            points
        ];
        let mut scratch = vec![0.0; t0.len()];
        core_probe::interpolate(&mut Dyn(o), &t0, &t1, a0, a1, &mut scratch, &mut out)?;
        Ok(out)
    })?;
    Ok((
        write(py, out.iter().map(|x| x.0).collect(), &[points])?,
        write(py, out.iter().map(|x| x.1.value).collect(), &[points])?,
        write(py, out.iter().map(|x| x.1.std_error).collect(), &[points])?,
    ))
}

/// Footnote 5's point of the curvature series: probes directions
/// `0..directions` of `seed` and returns `(∇O·d, dᵀHd)` of the improving
/// direction nearest the 90th percentile of the improving ones (`None` if
/// none improves).
#[pyfunction]
pub fn improving_curvature(
    objective: &Bound<'_, PyAny>,
    theta0: &Bound<'_, PyAny>,
    alpha: f64,
    seed: u64,
    directions: u64,
) -> PyResult<Option<(f64, f64)>> {
    let t0 = read_vec(theta0, "theta0")?;
    with_objective(objective, t0.len(), |o| {
        let mut scratch = vec![0.0; 2 * t0.len()];
        core_probe::improving_curvature(&mut Dyn(o), &t0, alpha, seed, directions, &mut scratch)
    })
}
