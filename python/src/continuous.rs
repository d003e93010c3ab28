//! Continuous control (§3.2): the library's environments (Gymnasium's
//! Pendulum-v1 and MountainCarContinuous-v0, a linear-quadratic system with
//! an exact expected return and gradient), the linear Gaussian policy,
//! Monte-Carlo returns, REINFORCE gradients, SGD training and the
//! Monte-Carlo objective for landscape probes.
//!
//! The core's environments and policies are const-generic in their sizes;
//! here they are fixed enums over the combinations that exist (one action;
//! 3, 2 or 1 observations; a linear or affine mean). Every rollout, gradient,
//! training run and objective evaluation releases the GIL, and with
//! `threads != 1` runs the core's rayon versions, whose results equal the
//! single-threaded ones bit for bit.

use std::ops::ControlFlow;
use std::sync::Arc;

use numpy::PyArray1;
use policy_landscape::env::{
    ClipAction, Env as CoreEnv, LinearQuadratic as CoreLq, LqReturn,
    MountainCarContinuous as CoreMountainCar, Pendulum as CorePendulum,
};
use policy_landscape::policy::Gaussian as CoreGaussian;
use policy_landscape::probe::Objective as CoreObjective;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::random::{episode_rng, uniform01};
use policy_landscape::reinforce::{
    self as rf, BatchSums, CurvatureProbe, Estimator, GradientReport, Rollouts, SgdConfig, SgdStep,
    parallel,
};
use policy_landscape::stats::Estimate;
use policy_landscape::{Error as CoreError, Result as CoreResult};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyTuple};

use crate::arrays::{read, write};
use crate::error::{err, invalid, shape};
use crate::probe::{Factory, Objective};

/// Seed of the deterministic evaluations' episodes during training (the
/// figures' `EVAL_SEED`).
const EVAL_SEED: u64 = u64::MAX - 7;
/// Seed of the curvature probes' episodes (the figures' `PROBE_SEED`).
const PROBE_SEED: u64 = u64::MAX - 9;
/// Seed of the curvature probes' directions (the figures' `DIRECTION_SEED`).
const DIRECTION_SEED: u64 = 2019;

// ---------------------------------------------------------------------------
// Environments.

/// Every environment the bindings hold (all with one action).
#[derive(Clone, Debug)]
enum EnvKind {
    Pendulum(CorePendulum),
    PendulumClip(ClipAction<CorePendulum, f64, 1>),
    MountainCar(CoreMountainCar),
    MountainCarClip(ClipAction<CoreMountainCar, f64, 1>),
    Lq(CoreLq<f64>),
    LqClip(ClipAction<CoreLq<f64>, f64, 1>),
}

/// `body` with `$e` bound to the environment of every variant.
macro_rules! each_env {
    ($kind:expr, $e:ident => $body:expr) => {
        match $kind {
            EnvKind::Pendulum($e) => $body,
            EnvKind::PendulumClip($e) => $body,
            EnvKind::MountainCar($e) => $body,
            EnvKind::MountainCarClip($e) => $body,
            EnvKind::Lq($e) => $body,
            EnvKind::LqClip($e) => $body,
        }
    };
}

/// What `__reduce__` returns: the callable that rebuilds, and its arguments.
type Reduce<'py, Args> = PyResult<(Bound<'py, PyAny>, Args)>;

/// One step's `(observation, reward, terminated, truncated)`.
type Step = (Vec<f64>, f64, bool, bool);

fn reset_env<E: CoreEnv<f64, O, 1>, const O: usize>(
    e: &mut E,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f64> {
    e.reset(rng).to_vec()
}

fn step_env<E: CoreEnv<f64, O, 1>, const O: usize>(e: &mut E, a: &[f64; 1]) -> CoreResult<Step> {
    let t = e.step(a)?;
    Ok((t.observation.to_vec(), t.reward, t.terminated, t.truncated))
}

impl EnvKind {
    fn obs_dim(&self) -> usize {
        match self {
            Self::Pendulum(_) | Self::PendulumClip(_) => 3,
            Self::MountainCar(_) | Self::MountainCarClip(_) => 2,
            Self::Lq(_) | Self::LqClip(_) => 1,
        }
    }

    /// The environment's own time limit: no episode is longer.
    fn max_episode_steps(&self) -> usize {
        match self {
            Self::Pendulum(_) | Self::PendulumClip(_) => CorePendulum::MAX_EPISODE_STEPS,
            Self::MountainCar(_) | Self::MountainCarClip(_) => CoreMountainCar::MAX_EPISODE_STEPS,
            Self::Lq(e) => e.horizon(),
            Self::LqClip(e) => e.inner().horizon(),
        }
    }

    fn state(&self) -> Vec<f64> {
        match self {
            Self::Pendulum(e) => e.state().to_vec(),
            Self::PendulumClip(e) => e.inner().state().to_vec(),
            Self::MountainCar(e) => e.state().to_vec(),
            Self::MountainCarClip(e) => e.inner().state().to_vec(),
            Self::Lq(e) => vec![e.state()],
            Self::LqClip(e) => vec![e.inner().state()],
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Pendulum(_) | Self::PendulumClip(_) => "Pendulum",
            Self::MountainCar(_) | Self::MountainCarClip(_) => "MountainCarContinuous",
            Self::Lq(_) | Self::LqClip(_) => "LinearQuadratic",
        }
    }
}

/// How a constructor's `clip` argument reads: `None`/`False` (no clipping),
/// `True` (the environment's action box) or `(low, high)`.
fn parse_clip(
    clip: Option<&Bound<'_, PyAny>>,
    action_box: Option<(f64, f64)>,
    name: &str,
) -> PyResult<Option<(f64, f64)>> {
    let Some(c) = clip else { return Ok(None) };
    if c.is_none() {
        return Ok(None);
    }
    if let Ok(b) = c.cast::<PyBool>() {
        if !b.is_true() {
            return Ok(None);
        }
        return action_box
            .map(Some)
            .ok_or_else(|| invalid(format!("{name} has no action box: give clip=(low, high)")));
    }
    c.extract::<(f64, f64)>().map(Some).map_err(|_| {
        PyTypeError::new_err("clip must be None, a bool or a (low, high) pair of floats")
    })
}

fn clipped<E>(env: E, (low, high): (f64, f64)) -> PyResult<ClipAction<E, f64, 1>> {
    ClipAction::new(env, [low], [high]).map_err(err)
}

/// The clip argument as `__reduce__` gives it back.
fn clip_arg<'py>(py: Python<'py>, clip: Option<(f64, f64)>) -> PyResult<Bound<'py, PyAny>> {
    match clip {
        Some(c) => Ok(c.into_pyobject(py)?.into_any()),
        None => Ok(py.None().into_bound(py)),
    }
}

fn show_clip(clip: Option<(f64, f64)>) -> String {
    clip.map_or_else(|| "None".into(), |(l, h)| format!("({l:?}, {h:?})"))
}

/// An action of one dimension: shape `(1,)` or a scalar.
fn read_action(action: &Bound<'_, PyAny>) -> PyResult<[f64; 1]> {
    let (data, dims) = read(action, "action")?;
    match (dims.as_slice(), data.as_slice()) {
        ([] | [1], &[a]) => Ok([a]),
        _ => Err(shape(format!(
            "action must have shape (1,) (or be a scalar), found {dims:?}"
        ))),
    }
}

/// The base class of the continuous-control environments (one action,
/// float64 observations): `reset(seed)` starts an episode, `step(action)`
/// advances it. Not constructible itself: use `Pendulum`,
/// `MountainCarContinuous` or `LinearQuadratic`.
///
/// Functions that roll out episodes (`mean_return`, `reinforce_gradient`,
/// `train_sgd`, `MonteCarloObjective`) use the environment's configuration
/// only: each episode resets a copy, and the object's own state is neither
/// used nor changed. Pickling (and copying) gives a fresh environment of the
/// same configuration.
#[pyclass(module = "policy_landscape._core", name = "Env", subclass)]
pub struct PyEnv {
    kind: EnvKind,
    clip: Option<(f64, f64)>,
}

#[pymethods]
impl PyEnv {
    /// The number of observations (3 for Pendulum, 2 for
    /// MountainCarContinuous, 1 for LinearQuadratic).
    #[getter]
    fn observation_dim(&self) -> usize {
        self.kind.obs_dim()
    }

    /// The number of actions (always 1).
    #[getter]
    fn action_dim(&self) -> usize {
        1
    }

    /// The time limit: episodes are truncated at this many steps (200 for
    /// Pendulum-v1, 999 for MountainCarContinuous-v0, the horizon of a
    /// LinearQuadratic).
    #[getter]
    fn max_episode_steps(&self) -> usize {
        self.kind.max_episode_steps()
    }

    /// The Gymnasium action box `(low, high)` (`(-2, 2)` for Pendulum,
    /// `(-1, 1)` for MountainCarContinuous), `None` for LinearQuadratic.
    #[getter]
    fn action_bounds(&self) -> Option<(f64, f64)> {
        match self.kind {
            EnvKind::Pendulum(_) | EnvKind::PendulumClip(_) => {
                Some((-CorePendulum::MAX_TORQUE, CorePendulum::MAX_TORQUE))
            }
            EnvKind::MountainCar(_) | EnvKind::MountainCarClip(_) => {
                Some((CoreMountainCar::MIN_ACTION, CoreMountainCar::MAX_ACTION))
            }
            EnvKind::Lq(_) | EnvKind::LqClip(_) => None,
        }
    }

    /// The box `(low, high)` actions are clipped to before the environment
    /// sees them (`ClipAction`), or `None`.
    #[getter]
    fn clip(&self) -> Option<(f64, f64)> {
        self.clip
    }

    /// The current state as float64: `[theta, theta_dot]` (Pendulum, theta
    /// unwrapped), `[position, velocity]` (MountainCarContinuous), `[s]`
    /// (LinearQuadratic).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = self.kind.state();
        let n = s.len();
        write(py, s, &[n])
    }

    /// Starts an episode and returns the first observation, shape
    /// `(observation_dim,)`. The initial state is drawn from the generator
    /// of episode `episode` of `seed`, the one the rollouts use: `reset(s,
    /// e)` starts as episode `e` of a batch of seed `s` does.
    #[pyo3(signature = (seed, episode = 0))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: u64,
        episode: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut rng = episode_rng(seed, episode);
        let obs = each_env!(&mut self.kind, e => reset_env(e, &mut rng));
        let n = obs.len();
        write(py, obs, &[n])
    }

    /// Applies `action` (shape `(1,)` or a scalar) for one step and returns
    /// `(observation, reward, terminated, truncated)`. A NaN action raises
    /// `InvalidParameterError` (the environment is unchanged).
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyAny>, f64, bool, bool)> {
        let a = read_action(action)?;
        let (obs, reward, terminated, truncated) =
            each_env!(&mut self.kind, e => step_env(e, &a)).map_err(err)?;
        let n = obs.len();
        Ok((write(py, obs, &[n])?, reward, terminated, truncated))
    }

    fn __repr__(&self) -> String {
        format!("{}(clip={})", self.kind.name(), show_clip(self.clip))
    }
}

/// Gymnasium's `Pendulum-v1` (a port of Gymnasium 1.4.0 with its 200-step
/// time limit): observation `[cos theta, sin theta, theta_dot]` (float32
/// values), action `[torque]`. One step with torque `u` (clipped to
/// `[-2, 2]`): `cost = angle_normalize(theta)^2 + 0.1 theta_dot^2 + 0.001
/// u^2`, `theta_dot' = clip(theta_dot + (3 g / 2 sin(theta) + 3 u) dt, -8,
/// 8)`, `theta' = theta + theta_dot' dt` with `dt = 0.05`, `m = l = 1`;
/// reward `-cost`. Reset draws `theta ~ U[-pi, pi)`, `theta_dot ~ U[-1, 1)`.
///
/// `g` is the gravity (default 10); `clip=True` clips actions to `[-2, 2]`
/// before the environment sees them (the paper's code does; Pendulum clips
/// the torque itself, so only infinite actions change), `clip=(low, high)`
/// to another box.
#[pyclass(module = "policy_landscape._core", extends = PyEnv, name = "Pendulum")]
pub struct PyPendulum {}

fn pendulum_kind(g: f64, clip: Option<(f64, f64)>) -> PyResult<EnvKind> {
    let env = CorePendulum::with_gravity(g).map_err(err)?;
    Ok(match clip {
        Some(c) => EnvKind::PendulumClip(clipped(env, c)?),
        None => EnvKind::Pendulum(env),
    })
}

fn pendulum_mut(kind: &mut EnvKind) -> PyResult<&mut CorePendulum> {
    match kind {
        EnvKind::Pendulum(e) => Ok(e),
        EnvKind::PendulumClip(e) => Ok(e.inner_mut()),
        _ => Err(invalid("not a Pendulum")),
    }
}

fn pendulum_ref(kind: &EnvKind) -> PyResult<&CorePendulum> {
    match kind {
        EnvKind::Pendulum(e) => Ok(e),
        EnvKind::PendulumClip(e) => Ok(e.inner()),
        _ => Err(invalid("not a Pendulum")),
    }
}

/// Reads a float64 state of exactly `n` numbers.
fn read_state(state: &Bound<'_, PyAny>, n: usize) -> PyResult<Vec<f64>> {
    crate::arrays::read_shape(state, "state", &[n])
}

#[pymethods]
impl PyPendulum {
    /// `Pendulum-v1` with gravity `g`, at `theta = theta_dot = 0` until
    /// reset.
    #[new]
    #[pyo3(signature = (g = 10.0, *, clip = None))]
    fn new(g: f64, clip: Option<&Bound<'_, PyAny>>) -> PyResult<PyClassInitializer<Self>> {
        let bounds = Some((-CorePendulum::MAX_TORQUE, CorePendulum::MAX_TORQUE));
        let clip = parse_clip(clip, bounds, "Pendulum")?;
        let kind = pendulum_kind(g, clip)?;
        Ok(PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}))
    }

    /// The gravity `g`.
    #[getter]
    fn g(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(pendulum_ref(&slf.as_super().kind)?.gravity())
    }

    /// Steps taken since the last reset (the time-limit counter).
    #[getter]
    fn elapsed_steps(slf: PyRef<'_, Self>) -> PyResult<usize> {
        Ok(pendulum_ref(&slf.as_super().kind)?.elapsed_steps())
    }

    /// Replaces the state `[theta, theta_dot]` (like assigning
    /// `env.unwrapped.state` in Gymnasium; the step counter is kept). Raises
    /// for a NaN or infinite entry.
    fn set_state(mut slf: PyRefMut<'_, Self>, state: &Bound<'_, PyAny>) -> PyResult<()> {
        let s = read_state(state, 2)?;
        let env = pendulum_mut(&mut slf.as_super().kind)?;
        env.set_state([s[0], s[1]]).map_err(err)
    }

    fn __repr__(slf: PyRef<'_, Self>) -> PyResult<String> {
        let base = slf.as_super();
        Ok(format!(
            "Pendulum(g={:?}, clip={})",
            pendulum_ref(&base.kind)?.gravity(),
            show_clip(base.clip)
        ))
    }

    fn __reduce__<'py>(slf: PyRef<'py, Self>) -> Reduce<'py, (f64, Bound<'py, PyAny>)> {
        let py = slf.py();
        let base = slf.as_super();
        let g = pendulum_ref(&base.kind)?.gravity();
        let ctor = py.get_type::<PyPendulum>().getattr("_from_state")?;
        Ok((ctor, (g, clip_arg(py, base.clip)?)))
    }

    /// Rebuilds an environment (used by pickling).
    #[staticmethod]
    fn _from_state(py: Python<'_>, g: f64, clip: Option<(f64, f64)>) -> PyResult<Py<Self>> {
        let kind = pendulum_kind(g, clip)?;
        Py::new(
            py,
            PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}),
        )
    }
}

/// Gymnasium's `MountainCarContinuous-v0` (a port of Gymnasium 1.4.0 with
/// its 999-step time limit): observation `[position, velocity]` (float32
/// values), action `[force]`. One step with action `a`: `f = min(max(a,
/// -1), 1)`, `v += 0.0015 f - 0.0025 cos(3 x)` clipped to `[-0.07, 0.07]`,
/// `x += v` clipped to `[-1.2, 0.6]` (a negative `v` becomes 0 at the left
/// wall); terminated when `x >= 0.45` and `v >= 0`; reward `100
/// [terminated] - 0.1 a^2` with the unclipped action; the state is stored
/// as float32. Reset draws `x ~ U[-0.6, -0.4)`, `v = 0`.
///
/// `clip=True` clips actions to `[-1, 1]` before the environment sees them
/// (as the paper's code does: the control cost is then that of the clipped
/// action), `clip=(low, high)` to another box.
#[pyclass(module = "policy_landscape._core", extends = PyEnv, name = "MountainCarContinuous")]
pub struct PyMountainCar {}

fn mountain_car_kind(clip: Option<(f64, f64)>) -> PyResult<EnvKind> {
    let env = CoreMountainCar::new();
    Ok(match clip {
        Some(c) => EnvKind::MountainCarClip(clipped(env, c)?),
        None => EnvKind::MountainCar(env),
    })
}

fn mountain_car_mut(kind: &mut EnvKind) -> PyResult<&mut CoreMountainCar> {
    match kind {
        EnvKind::MountainCar(e) => Ok(e),
        EnvKind::MountainCarClip(e) => Ok(e.inner_mut()),
        _ => Err(invalid("not a MountainCarContinuous")),
    }
}

fn mountain_car_ref(kind: &EnvKind) -> PyResult<&CoreMountainCar> {
    match kind {
        EnvKind::MountainCar(e) => Ok(e),
        EnvKind::MountainCarClip(e) => Ok(e.inner()),
        _ => Err(invalid("not a MountainCarContinuous")),
    }
}

#[pymethods]
impl PyMountainCar {
    /// `MountainCarContinuous-v0` at `(-0.5, 0)` until reset.
    #[new]
    #[pyo3(signature = (*, clip = None))]
    fn new(clip: Option<&Bound<'_, PyAny>>) -> PyResult<PyClassInitializer<Self>> {
        let bounds = Some((CoreMountainCar::MIN_ACTION, CoreMountainCar::MAX_ACTION));
        let clip = parse_clip(clip, bounds, "MountainCarContinuous")?;
        let kind = mountain_car_kind(clip)?;
        Ok(PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}))
    }

    /// Steps taken since the last reset (the time-limit counter).
    #[getter]
    fn elapsed_steps(slf: PyRef<'_, Self>) -> PyResult<usize> {
        Ok(mountain_car_ref(&slf.as_super().kind)?.elapsed_steps())
    }

    /// Whether Gymnasium would hold the state as float32 (after a step or
    /// `set_state(..., float32=True)`) rather than float64 (after reset):
    /// numpy's arithmetic, hence the next step, depends on it.
    #[getter]
    fn state_is_float32(slf: PyRef<'_, Self>) -> PyResult<bool> {
        Ok(mountain_car_ref(&slf.as_super().kind)?.state_is_f32())
    }

    /// Replaces the state `[position, velocity]`, as float64 (what reset
    /// leaves) or, with `float32=True`, rounded to float32 (what a step
    /// leaves). The step counter is kept. Raises for a NaN or infinite
    /// entry.
    #[pyo3(signature = (state, *, float32 = false))]
    fn set_state(
        mut slf: PyRefMut<'_, Self>,
        state: &Bound<'_, PyAny>,
        float32: bool,
    ) -> PyResult<()> {
        let s = read_state(state, 2)?;
        let env = mountain_car_mut(&mut slf.as_super().kind)?;
        if float32 {
            env.set_state_f32([s[0] as f32, s[1] as f32]).map_err(err)
        } else {
            env.set_state([s[0], s[1]]).map_err(err)
        }
    }

    fn __repr__(slf: PyRef<'_, Self>) -> String {
        format!(
            "MountainCarContinuous(clip={})",
            show_clip(slf.as_super().clip)
        )
    }

    fn __reduce__<'py>(slf: PyRef<'py, Self>) -> Reduce<'py, (Bound<'py, PyAny>,)> {
        let py = slf.py();
        let ctor = py.get_type::<PyMountainCar>().getattr("_from_state")?;
        Ok((ctor, (clip_arg(py, slf.as_super().clip)?,)))
    }

    /// Rebuilds an environment (used by pickling).
    #[staticmethod]
    fn _from_state(py: Python<'_>, clip: Option<(f64, f64)>) -> PyResult<Py<Self>> {
        let kind = mountain_car_kind(clip)?;
        Py::new(
            py,
            PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}),
        )
    }
}

/// A scalar linear-quadratic system: `s' = a s + b u + w`, `w ~ N(0,
/// noise^2)`, reward `-(q s^2 + rho u^2)`, `s_0 ~ N(m0, v0)`, episodes of
/// `horizon` steps; observation `[s]`, action `[u]`. For the linear
/// Gaussian policy `u = k s + beta + sigma eps` the expected discounted
/// return and its gradient are exact finite sums (`expected_return`,
/// `expected_gradient`): the ground truth for Monte-Carlo returns and
/// REINFORCE.
///
/// `clip=(low, high)` clips actions before the system sees them (the exact
/// return is then unavailable).
#[pyclass(module = "policy_landscape._core", extends = PyEnv, name = "LinearQuadratic")]
pub struct PyLinearQuadratic {}

/// The LQ configuration as its constructor takes it.
type LqArgs = (f64, f64, usize, f64, f64, f64, f64, f64);

#[allow(clippy::too_many_arguments)]
fn lq_kind(
    a: f64,
    b: f64,
    horizon: usize,
    q: f64,
    rho: f64,
    noise: f64,
    m0: f64,
    v0: f64,
    clip: Option<(f64, f64)>,
) -> PyResult<EnvKind> {
    let env = CoreLq::new(a, b, horizon)
        .and_then(|e| e.with_costs(q, rho))
        .and_then(|e| e.with_noise(noise))
        .and_then(|e| e.with_start(m0, v0))
        .map_err(err)?;
    Ok(match clip {
        Some(c) => EnvKind::LqClip(clipped(env, c)?),
        None => EnvKind::Lq(env),
    })
}

fn lq_ref(kind: &EnvKind) -> PyResult<&CoreLq<f64>> {
    match kind {
        EnvKind::Lq(e) => Ok(e),
        EnvKind::LqClip(e) => Ok(e.inner()),
        _ => Err(invalid("not a LinearQuadratic")),
    }
}

fn lq_args(e: &CoreLq<f64>) -> LqArgs {
    (
        e.a(),
        e.b(),
        e.horizon(),
        e.q(),
        e.rho(),
        e.noise(),
        e.m0(),
        e.v0(),
    )
}

/// The exact return of a one-observation policy, `(gain, bias)` read from
/// its parameters.
fn lq_exact(kind: &EnvKind, policy: &PyGaussian, gamma: f64) -> PyResult<LqReturn<f64>> {
    if matches!(kind, EnvKind::LqClip(_)) {
        return Err(invalid(
            "the exact return is that of unclipped actions: this LinearQuadratic clips them",
        ));
    }
    let lq = lq_ref(kind)?;
    let (k, beta) = match &policy.g {
        GaussKind::L1(p) => (p.params()[0], 0.0),
        GaussKind::A1(p) => (p.params()[0], p.params()[1]),
        other => {
            return Err(shape(format!(
                "the policy takes {} observations, a LinearQuadratic gives 1",
                other.obs_dim()
            )));
        }
    };
    lq.expected_return(k, beta, policy.g.sigma(), gamma)
        .map_err(err)
}

#[pymethods]
impl PyLinearQuadratic {
    /// The system `s' = a s + b u` over `horizon` steps, with state cost `q`,
    /// control cost `rho`, process noise `noise` (a standard deviation) and
    /// `s_0 ~ N(m0, v0)`.
    #[new]
    #[pyo3(signature = (a, b, horizon, *, q = 1.0, rho = 0.1, noise = 0.0, m0 = 0.0, v0 = 1.0, clip = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        a: f64,
        b: f64,
        horizon: usize,
        q: f64,
        rho: f64,
        noise: f64,
        m0: f64,
        v0: f64,
        clip: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let clip = parse_clip(clip, None, "LinearQuadratic")?;
        let kind = lq_kind(a, b, horizon, q, rho, noise, m0, v0, clip)?;
        Ok(PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}))
    }

    /// State coefficient `a`.
    #[getter]
    fn a(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(lq_ref(&slf.as_super().kind)?.a())
    }
    /// Control coefficient `b`.
    #[getter]
    fn b(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(lq_ref(&slf.as_super().kind)?.b())
    }
    /// Episode length.
    #[getter]
    fn horizon(slf: PyRef<'_, Self>) -> PyResult<usize> {
        Ok(lq_ref(&slf.as_super().kind)?.horizon())
    }
    /// State cost `q`.
    #[getter]
    fn q(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(lq_ref(&slf.as_super().kind)?.q())
    }
    /// Control cost `rho`.
    #[getter]
    fn rho(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(lq_ref(&slf.as_super().kind)?.rho())
    }
    /// Process-noise standard deviation.
    #[getter]
    fn noise(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(lq_ref(&slf.as_super().kind)?.noise())
    }
    /// Mean of the initial state.
    #[getter]
    fn m0(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(lq_ref(&slf.as_super().kind)?.m0())
    }
    /// Variance of the initial state.
    #[getter]
    fn v0(slf: PyRef<'_, Self>) -> PyResult<f64> {
        Ok(lq_ref(&slf.as_super().kind)?.v0())
    }

    /// The exact `(J, dJ/dk, dJ/dbeta)` of the policy `u = k s + beta +
    /// sigma eps` with discount `gamma` in `[0, 1]`, `J = E[sum_{t<H}
    /// gamma^t r_t]`.
    #[pyo3(signature = (k, beta, sigma, gamma))]
    fn exact_return(
        slf: PyRef<'_, Self>,
        k: f64,
        beta: f64,
        sigma: f64,
        gamma: f64,
    ) -> PyResult<(f64, f64, f64)> {
        let r = lq_ref(&slf.as_super().kind)?
            .expected_return(k, beta, sigma, gamma)
            .map_err(err)?;
        Ok((r.value, r.d_gain, r.d_bias))
    }

    /// The exact expected discounted return of a one-observation `Gaussian`
    /// policy (its sigma included): what `mean_return` estimates.
    fn expected_return(
        slf: PyRef<'_, Self>,
        policy: PyRef<'_, PyGaussian>,
        gamma: f64,
    ) -> PyResult<f64> {
        Ok(lq_exact(&slf.as_super().kind, &policy, gamma)?.value)
    }

    /// The exact gradient of `expected_return` with respect to the policy's
    /// parameters, in their layout: `[dJ/dk]` (linear) or `[dJ/dk,
    /// dJ/dbeta]` (affine). What `reinforce_gradient(...,
    /// estimator="unbiased")` estimates.
    fn expected_gradient<'py>(
        slf: PyRef<'py, Self>,
        policy: PyRef<'py, PyGaussian>,
        gamma: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let r = lq_exact(&slf.as_super().kind, &policy, gamma)?;
        let g = if policy.g.bias() {
            vec![r.d_gain, r.d_bias]
        } else {
            vec![r.d_gain]
        };
        let n = g.len();
        write(py, g, &[n])
    }

    fn __repr__(slf: PyRef<'_, Self>) -> PyResult<String> {
        let base = slf.as_super();
        let (a, b, h, q, rho, noise, m0, v0) = lq_args(lq_ref(&base.kind)?);
        Ok(format!(
            "LinearQuadratic({a:?}, {b:?}, {h}, q={q:?}, rho={rho:?}, noise={noise:?}, m0={m0:?}, v0={v0:?}, clip={})",
            show_clip(base.clip)
        ))
    }

    fn __reduce__<'py>(slf: PyRef<'py, Self>) -> Reduce<'py, (LqArgs, Bound<'py, PyAny>)> {
        let py = slf.py();
        let base = slf.as_super();
        let args = lq_args(lq_ref(&base.kind)?);
        let ctor = py.get_type::<PyLinearQuadratic>().getattr("_from_state")?;
        Ok((ctor, (args, clip_arg(py, base.clip)?)))
    }

    /// Rebuilds an environment (used by pickling).
    #[staticmethod]
    fn _from_state(py: Python<'_>, args: LqArgs, clip: Option<(f64, f64)>) -> PyResult<Py<Self>> {
        let (a, b, h, q, rho, noise, m0, v0) = args;
        let kind = lq_kind(a, b, h, q, rho, noise, m0, v0, clip)?;
        Py::new(
            py,
            PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}),
        )
    }
}

// ---------------------------------------------------------------------------
// The Gaussian policy.

type G<const O: usize, const F: usize> = CoreGaussian<f64, O, 1, F>;

/// Every Gaussian policy the bindings hold: one action, 1 to 3
/// observations, linear (`L`, mean `w·s`) or affine (`A`, mean `w·s + b`).
#[derive(Clone, Debug, PartialEq)]
enum GaussKind {
    L1(G<1, 1>),
    A1(G<1, 2>),
    L2(G<2, 2>),
    A2(G<2, 3>),
    L3(G<3, 3>),
    A3(G<3, 4>),
}

/// `body` with `$p` bound to the policy of every variant.
macro_rules! with_gauss {
    ($g:expr, $p:ident => $body:expr) => {
        match $g {
            GaussKind::L1($p) => $body,
            GaussKind::A1($p) => $body,
            GaussKind::L2($p) => $body,
            GaussKind::A2($p) => $body,
            GaussKind::L3($p) => $body,
            GaussKind::A3($p) => $body,
        }
    };
}

/// `body` with `$e` and `$p` bound to an environment and a policy of the
/// same observation size; a length error otherwise (callers check first).
macro_rules! with_pair {
    ($env:expr, $pol:expr, |$e:ident, $p:ident| $body:expr) => {
        match ($env, $pol) {
            (EnvKind::Pendulum($e), GaussKind::L3($p)) => $body,
            (EnvKind::Pendulum($e), GaussKind::A3($p)) => $body,
            (EnvKind::PendulumClip($e), GaussKind::L3($p)) => $body,
            (EnvKind::PendulumClip($e), GaussKind::A3($p)) => $body,
            (EnvKind::MountainCar($e), GaussKind::L2($p)) => $body,
            (EnvKind::MountainCar($e), GaussKind::A2($p)) => $body,
            (EnvKind::MountainCarClip($e), GaussKind::L2($p)) => $body,
            (EnvKind::MountainCarClip($e), GaussKind::A2($p)) => $body,
            (EnvKind::Lq($e), GaussKind::L1($p)) => $body,
            (EnvKind::Lq($e), GaussKind::A1($p)) => $body,
            (EnvKind::LqClip($e), GaussKind::L1($p)) => $body,
            (EnvKind::LqClip($e), GaussKind::A1($p)) => $body,
            (e, p) => Err(CoreError::LengthMismatch {
                what: "policy observation",
                expected: e.obs_dim(),
                found: p.obs_dim(),
            }),
        }
    };
}

fn row<const O: usize>(obs: &[f64]) -> CoreResult<[f64; O]> {
    <[f64; O]>::try_from(obs).map_err(|_| CoreError::LengthMismatch {
        what: "observation",
        expected: O,
        found: obs.len(),
    })
}

fn mean_rows<const O: usize, const F: usize>(p: &G<O, F>, obs: &[f64]) -> CoreResult<Vec<f64>> {
    let mut out = Vec::with_capacity(obs.len() / O);
    for s in obs.chunks_exact(O) {
        let mut m = [0.0];
        p.mean_into(&row(s)?, &mut m)?;
        out.push(m[0]);
    }
    Ok(out)
}

fn sample_rows<const O: usize, const F: usize>(
    p: &G<O, F>,
    obs: &[f64],
    seed: u64,
) -> CoreResult<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = Vec::with_capacity(obs.len() / O);
    for s in obs.chunks_exact(O) {
        let mut a = [0.0];
        p.sample_into(&row(s)?, &mut rng, &mut a)?;
        out.push(a[0]);
    }
    Ok(out)
}

fn log_prob_rows<const O: usize, const F: usize>(
    p: &G<O, F>,
    obs: &[f64],
    actions: &[f64],
) -> CoreResult<Vec<f64>> {
    obs.chunks_exact(O)
        .zip(actions)
        .map(|(s, &a)| p.log_prob(&row(s)?, &[a]))
        .collect()
}

fn score_rows<const O: usize, const F: usize>(
    p: &G<O, F>,
    obs: &[f64],
    actions: &[f64],
) -> CoreResult<Vec<f64>> {
    let mut out = vec![0.0; actions.len() * F];
    for ((s, &a), g) in obs
        .chunks_exact(O)
        .zip(actions)
        .zip(out.chunks_exact_mut(F))
    {
        p.score_into(&row(s)?, &[a], g)?;
    }
    Ok(out)
}

/// Glorot-uniform weights and a zero bias, as the figures' runs initialise.
fn glorot<const O: usize, const F: usize>(p: &mut G<O, F>, seed: u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let limit = (6.0 / (O as f64 + 1.0)).sqrt();
    for (i, x) in p.params_mut().iter_mut().enumerate() {
        let u: f64 = uniform01(&mut rng);
        *x = if i < O { limit * (2.0 * u - 1.0) } else { 0.0 };
    }
}

impl GaussKind {
    fn new(obs: usize, bias: bool) -> Option<Self> {
        Some(match (obs, bias) {
            (1, false) => Self::L1(G::linear()),
            (1, true) => Self::A1(G::affine()),
            (2, false) => Self::L2(G::linear()),
            (2, true) => Self::A2(G::affine()),
            (3, false) => Self::L3(G::linear()),
            (3, true) => Self::A3(G::affine()),
            _ => return None,
        })
    }

    fn obs_dim(&self) -> usize {
        match self {
            Self::L1(_) | Self::A1(_) => 1,
            Self::L2(_) | Self::A2(_) => 2,
            Self::L3(_) | Self::A3(_) => 3,
        }
    }

    fn bias(&self) -> bool {
        matches!(self, Self::A1(_) | Self::A2(_) | Self::A3(_))
    }

    fn params(&self) -> &[f64] {
        with_gauss!(self, p => p.params())
    }

    fn set_params(&mut self, theta: &[f64]) -> CoreResult<()> {
        with_gauss!(self, p => p.set_params(theta))
    }

    fn sigma(&self) -> f64 {
        with_gauss!(self, p => p.sigma()[0])
    }

    fn set_sigma(&mut self, sigma: f64) -> CoreResult<()> {
        with_gauss!(self, p => p.set_sigma(sigma))
    }
}

/// The linear Gaussian policy of §3.2: `a ~ N(mu(s), sigma^2)` with mean
/// `mu(s) = w·s` (`bias=False`) or `w·s + b` (`bias=True`, the default, as
/// the paper's code) and a fixed standard deviation `sigma >= 0` (`sigma =
/// 0` is the deterministic policy; densities then raise). One action;
/// `observation_dim` is 1, 2 or 3 (LinearQuadratic, MountainCarContinuous,
/// Pendulum).
///
/// `params` is the core's flat layout `[f][a]` (index `f * action_dim +
/// a`); with one action that is `[w_0, ..., w_{O-1}]` then `b` when
/// `bias=True`: `O + bias` numbers.
///
/// Observations are `(observation_dim,)` arrays, or `(N,
/// observation_dim)` for a batch; actions `(1,)` or scalars, or `(N,)` /
/// `(N, 1)` for a batch.
#[pyclass(module = "policy_landscape._core", name = "Gaussian")]
#[derive(Clone)]
pub struct PyGaussian {
    g: GaussKind,
}

/// Observations: `(O,)` (one, `None`) or `(N, O)` (a batch of `N`).
fn read_obs(obs: &Bound<'_, PyAny>, o: usize) -> PyResult<(Vec<f64>, Option<usize>)> {
    let (data, dims) = read(obs, "obs")?;
    match dims.as_slice() {
        [n] if *n == o => Ok((data, None)),
        [n, m] if *m == o => Ok((data, Some(*n))),
        _ => Err(shape(format!(
            "obs must have shape ({o},) or (N, {o}), found {dims:?}"
        ))),
    }
}

/// Actions matching `batch`: `(1,)` or a scalar for one, `(N,)` or `(N, 1)`
/// for a batch of `N`.
fn read_actions(action: &Bound<'_, PyAny>, batch: Option<usize>) -> PyResult<Vec<f64>> {
    let (data, dims) = read(action, "action")?;
    let ok = match (batch, dims.as_slice()) {
        (None, []) | (None, [1]) => true,
        (Some(n), [m]) | (Some(n), [m, 1]) => *m == n,
        _ => false,
    };
    if !ok {
        let want = batch.map_or_else(
            || "(1,) or a scalar".to_string(),
            |n| format!("({n},) or ({n}, 1)"),
        );
        return Err(shape(format!(
            "action must have shape {want}, found {dims:?}"
        )));
    }
    Ok(data)
}

/// One value per row: a float for one observation, `(N,)` for a batch.
fn per_row<'py>(py: Python<'py>, v: Vec<f64>, batch: Option<usize>) -> PyResult<Bound<'py, PyAny>> {
    match batch {
        None => Ok(v
            .first()
            .copied()
            .unwrap_or(f64::NAN)
            .into_pyobject(py)?
            .into_any()),
        Some(n) => write(py, v, &[n]),
    }
}

#[pymethods]
impl PyGaussian {
    /// A policy for `observation_dim` observations (1 to 3) and one action,
    /// all parameters zero unless `params` is given, standard deviation
    /// `sigma`.
    #[new]
    #[pyo3(signature = (observation_dim, *, action_dim = 1, bias = true, sigma = 1.0, params = None))]
    fn new(
        observation_dim: usize,
        action_dim: usize,
        bias: bool,
        sigma: f64,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        if action_dim != 1 {
            return Err(shape(format!(
                "a Gaussian policy has 1 action (that of the environments), found action_dim={action_dim}"
            )));
        }
        let g = GaussKind::new(observation_dim, bias).ok_or_else(|| {
            shape(format!(
                "a Gaussian policy takes 1 to 3 observations (LinearQuadratic 1, MountainCarContinuous 2, Pendulum 3), found {observation_dim}"
            ))
        })?;
        let mut me = Self { g };
        me.set_sigma(sigma)?;
        if let Some(x) = params {
            me.set_params(x)?;
        }
        Ok(me)
    }

    /// The policy for `env`'s observations, all parameters zero.
    #[staticmethod]
    #[pyo3(signature = (env, *, bias = true, sigma = 1.0))]
    fn for_env(env: PyRef<'_, PyEnv>, bias: bool, sigma: f64) -> PyResult<Self> {
        Self::new(env.kind.obs_dim(), 1, bias, sigma, None)
    }

    /// The number of observations.
    #[getter]
    fn observation_dim(&self) -> usize {
        self.g.obs_dim()
    }

    /// The number of actions (1).
    #[getter]
    fn action_dim(&self) -> usize {
        1
    }

    /// Whether the mean has a bias.
    #[getter]
    fn bias(&self) -> bool {
        self.g.bias()
    }

    /// The number of parameters, `(observation_dim + bias) * action_dim`.
    #[getter]
    fn num_params(&self) -> usize {
        self.g.params().len()
    }

    /// The parameters (a copy; layout in the class docstring).
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = self.g.params().to_vec();
        let n = p.len();
        write(py, p, &[n])
    }

    #[setter]
    fn set_params(&mut self, params: &Bound<'_, PyAny>) -> PyResult<()> {
        let n = self.g.params().len();
        let v = crate::arrays::read_shape(params, "params", &[n])?;
        self.g.set_params(&v).map_err(err)
    }

    /// The standard deviation `sigma >= 0` (0: deterministic).
    #[getter]
    fn sigma(&self) -> f64 {
        self.g.sigma()
    }

    #[setter]
    fn set_sigma(&mut self, sigma: f64) -> PyResult<()> {
        self.g.set_sigma(sigma).map_err(err)
    }

    /// Whether `sigma == 0` (actions are the mean; no density).
    #[getter]
    fn is_deterministic(&self) -> bool {
        self.g.sigma() == 0.0
    }

    /// The weights `w`, shape `(observation_dim, action_dim)`, and the bias
    /// `b`, shape `(action_dim,)` (or `None` without a bias).
    fn weights<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
        let o = self.g.obs_dim();
        let p = self.g.params();
        let b = if self.g.bias() {
            Some(write(py, vec![p[o]], &[1])?)
        } else {
            None
        };
        Ok((write(py, p[..o].to_vec(), &[o, 1])?, b))
    }

    /// Glorot-uniform weights (`U[-l, l)`, `l = sqrt(6 / (observation_dim +
    /// 1))`, one `u64` of `Xoshiro256PlusPlus(seed)` each in parameter
    /// order) and a zero bias: the Keras `Dense` default of the paper's code,
    /// and the figures' initial policies bit for bit.
    fn init_glorot(&mut self, seed: u64) {
        with_gauss!(&mut self.g, p => glorot(p, seed));
    }

    /// The mean action `mu(s)`: shape `(1,)`, or `(N, 1)` for a batch.
    fn mean<'py>(&self, py: Python<'py>, obs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let (o, batch) = read_obs(obs, self.g.obs_dim())?;
        let m = with_gauss!(&self.g, p => mean_rows(p, &o)).map_err(err)?;
        match batch {
            None => write(py, m, &[1]),
            Some(n) => write(py, m, &[n, 1]),
        }
    }

    /// Actions `mu(s) + sigma eps`, `eps` standard normal from
    /// `Xoshiro256PlusPlus(seed)` (one draw per row, in order): shape `(1,)`,
    /// or `(N, 1)` for a batch. With `sigma = 0` the mean.
    fn sample<'py>(
        &self,
        py: Python<'py>,
        obs: &Bound<'py, PyAny>,
        seed: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (o, batch) = read_obs(obs, self.g.obs_dim())?;
        let a = with_gauss!(&self.g, p => sample_rows(p, &o, seed)).map_err(err)?;
        match batch {
            None => write(py, a, &[1]),
            Some(n) => write(py, a, &[n, 1]),
        }
    }

    /// `ln pi(a|s) = -(a - mu)^2 / (2 sigma^2) - ln sigma - ln(2 pi) / 2`
    /// (summed over action dimensions): a float, or `(N,)` for a batch.
    /// Raises for `sigma = 0`.
    fn log_prob<'py>(
        &self,
        py: Python<'py>,
        obs: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (o, batch) = read_obs(obs, self.g.obs_dim())?;
        let a = read_actions(action, batch)?;
        let lp = with_gauss!(&self.g, p => log_prob_rows(p, &o, &a)).map_err(err)?;
        per_row(py, lp, batch)
    }

    /// The score `d ln pi(a|s) / d params` (`phi_f(s) (a - mu) / sigma^2`,
    /// `phi = [s, 1]`) in the parameter layout: shape `(num_params,)`, or
    /// `(N, num_params)` for a batch. Raises for `sigma = 0`.
    fn score<'py>(
        &self,
        py: Python<'py>,
        obs: &Bound<'py, PyAny>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (o, batch) = read_obs(obs, self.g.obs_dim())?;
        let a = read_actions(action, batch)?;
        let s = with_gauss!(&self.g, p => score_rows(p, &o, &a)).map_err(err)?;
        let k = self.g.params().len();
        match batch {
            None => write(py, s, &[k]),
            Some(n) => write(py, s, &[n, k]),
        }
    }

    /// The differential entropy `ln(2 pi e sigma^2) / 2` per action
    /// dimension, summed (it does not depend on the state). Raises for
    /// `sigma = 0`.
    fn entropy(&self) -> PyResult<f64> {
        with_gauss!(&self.g, p => p.entropy()).map_err(err)
    }

    /// A copy.
    fn copy(&self) -> Self {
        self.clone()
    }

    fn __copy__(&self) -> Self {
        self.clone()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.clone()
    }

    /// Equal when the shape, sigma and every parameter are equal, bit for
    /// bit.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.extract::<PyRef<'_, PyGaussian>>().is_ok_and(|o| {
            self.g.obs_dim() == o.g.obs_dim()
                && self.g.bias() == o.g.bias()
                && self.g.sigma().to_bits() == o.g.sigma().to_bits()
                && self.g.params().iter().map(|x| x.to_bits()).eq(o
                    .g
                    .params()
                    .iter()
                    .map(|x| x.to_bits()))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Gaussian({}, bias={}, sigma={:?}, params={:?})",
            self.g.obs_dim(),
            if self.g.bias() { "True" } else { "False" },
            self.g.sigma(),
            self.g.params()
        )
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> Reduce<'py, (usize, bool, f64, Bound<'py, PyAny>)> {
        let ctor = py.get_type::<PyGaussian>().getattr("_from_state")?;
        Ok((
            ctor,
            (
                self.g.obs_dim(),
                self.g.bias(),
                self.g.sigma(),
                self.params(py)?,
            ),
        ))
    }

    /// Rebuilds a policy (used by pickling).
    #[staticmethod]
    fn _from_state(
        observation_dim: usize,
        bias: bool,
        sigma: f64,
        params: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Self::new(observation_dim, 1, bias, sigma, Some(params))
    }
}

// ---------------------------------------------------------------------------
// Rollouts, gradients, training.

/// Where a batch runs: this thread (the core's single-threaded functions),
/// rayon's global pool, or a pool of its own. All give the same bits.
#[derive(Clone)]
enum Threads {
    One,
    Global,
    Pool(Arc<rayon::ThreadPool>),
}

/// The most threads a call may ask for.
const MAX_THREADS: usize = 1024;

impl Threads {
    fn new(threads: usize) -> PyResult<Self> {
        if threads > MAX_THREADS {
            return Err(invalid(format!(
                "threads must be at most {MAX_THREADS} (0: all cores), found {threads}"
            )));
        }
        match threads {
            1 => Ok(Self::One),
            0 => Ok(Self::Global),
            n => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map(|p| Self::Pool(Arc::new(p)))
                .map_err(|e| invalid(format!("could not start {n} threads: {e}"))),
        }
    }

    fn parallel(&self) -> bool {
        !matches!(self, Self::One)
    }

    fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match self {
            Self::Pool(p) => p.install(f),
            _ => f(),
        }
    }
}

fn make_rollouts(
    episodes: usize,
    gamma: f64,
    seed: u64,
    max_steps: usize,
) -> PyResult<Rollouts<f64>> {
    let r = Rollouts {
        episodes,
        gamma,
        seed,
        max_steps,
    };
    r.check().map_err(err)?;
    Ok(r)
}

fn parse_estimator(name: &str) -> PyResult<Estimator> {
    match name {
        "unbiased" => Ok(Estimator::Unbiased),
        "normalized" => Ok(Estimator::Normalized),
        other => Err(invalid(format!(
            "estimator must be \"unbiased\" or \"normalized\", found {other:?}"
        ))),
    }
}

fn check_pair(env: &EnvKind, policy: &GaussKind) -> PyResult<()> {
    if env.obs_dim() != policy.obs_dim() {
        return Err(shape(format!(
            "the policy takes {} observations, {} gives {}",
            policy.obs_dim(),
            env.name(),
            env.obs_dim()
        )));
    }
    Ok(())
}

/// The longest reward buffer a batch may allocate (1 GiB of float64).
const MAX_EPISODE_LEN: usize = 1 << 27;

/// The reward buffer an episode needs: no longer than the step guard or the
/// environment's own time limit.
fn episode_len(env: &EnvKind, r: &Rollouts<f64>) -> PyResult<usize> {
    let n = r.max_steps.min(env.max_episode_steps()).max(1);
    if n > MAX_EPISODE_LEN {
        return Err(invalid(format!(
            "episodes of up to {n} steps are too long for REINFORCE's reward buffer (at most {MAX_EPISODE_LEN}): lower max_steps"
        )));
    }
    Ok(n)
}

fn mean_in<E, const O: usize, const F: usize>(
    env: &E,
    p: &G<O, F>,
    r: &Rollouts<f64>,
    t: &Threads,
) -> CoreResult<Estimate<f64>>
where
    E: CoreEnv<f64, O, 1> + Clone + Send + Sync,
{
    if t.parallel() {
        t.run(|| parallel::mean_return(env, p, r))
    } else {
        rf::mean_return(&mut env.clone(), p, r)
    }
}

struct GradOut {
    grad: Vec<f64>,
    report: GradientReport<f64>,
    episodes: usize,
    std_error: Option<Vec<f64>>,
}

fn grad_in<E, const O: usize, const F: usize>(
    env: &E,
    p: &G<O, F>,
    r: &Rollouts<f64>,
    estimator: Estimator,
    len: usize,
    t: &Threads,
) -> CoreResult<GradOut>
where
    E: CoreEnv<f64, O, 1> + Clone + Send + Sync,
{
    let mut sums = BatchSums::<f64, O, 1, F>::new();
    let mut grad = vec![0.0; F];
    let report = if t.parallel() {
        t.run(|| parallel::reinforce_gradient(env, p, r, estimator, len, &mut sums, &mut grad))?
    } else {
        let mut rewards = vec![0.0; len];
        rf::reinforce_gradient(
            &mut env.clone(),
            p,
            r,
            estimator,
            &mut sums,
            &mut rewards,
            &mut grad,
        )?
    };
    let std_error = if estimator == Estimator::Unbiased && sums.episodes() >= 2 {
        let mut se = vec![0.0; F];
        sums.std_errors_into(&mut se)?;
        Some(se)
    } else {
        None
    };
    Ok(GradOut {
        grad,
        report,
        episodes: sums.episodes(),
        std_error,
    })
}

struct TrainOut {
    updates: usize,
    steps: Vec<SgdStep<f64>>,
    final_det: Option<Estimate<f64>>,
}

fn train_in<E, const O: usize, const F: usize>(
    env: &E,
    p: &mut G<O, F>,
    c: &SgdConfig<f64>,
    len: usize,
    t: &Threads,
) -> CoreResult<TrainOut>
where
    E: CoreEnv<f64, O, 1> + Clone + Send + Sync,
{
    let mut steps = Vec::with_capacity(c.updates.min(1 << 20));
    let observer = |s: &SgdStep<f64>| {
        steps.push(*s);
        ControlFlow::Continue(())
    };
    let updates = if t.parallel() {
        t.run(|| parallel::train_sgd(env, p, c, len, observer))?
    } else {
        let mut rewards = vec![0.0; len];
        let mut scratch = vec![0.0; 2 * F];
        rf::train_sgd(&mut env.clone(), p, c, &mut rewards, &mut scratch, observer)?
    };
    let final_det = if c.eval_every > 0 {
        let mut det = p.clone();
        det.set_sigma(0.0)?;
        Some(mean_in(env, &det, &c.eval_rollouts, t)?)
    } else {
        None
    };
    Ok(TrainOut {
        updates,
        steps,
        final_det,
    })
}

/// The mean discounted return `(value, std_error)` of `episodes` episodes
/// of `policy` in `env` (episode `e` draws everything from the generator
/// of `(seed, e)`: the same seed gives the same episodes), each cut after
/// `max_steps` steps if the environment has not ended it. At least 2
/// episodes. Runs on `threads` threads (1: this one; 0: all cores; the
/// result does not depend on it) with the GIL released.
#[pyfunction]
#[pyo3(signature = (env, policy, *, episodes = 16, gamma = 0.995, seed = 0, max_steps = 1000, threads = 1))]
#[allow(clippy::too_many_arguments)]
pub fn mean_return(
    py: Python<'_>,
    env: PyRef<'_, PyEnv>,
    policy: PyRef<'_, PyGaussian>,
    episodes: usize,
    gamma: f64,
    seed: u64,
    max_steps: usize,
    threads: usize,
) -> PyResult<(f64, f64)> {
    check_pair(&env.kind, &policy.g)?;
    let r = make_rollouts(episodes, gamma, seed, max_steps)?;
    let t = Threads::new(threads)?;
    let (kind, g) = (env.kind.clone(), policy.g.clone());
    let e = py
        .detach(|| with_pair!(&kind, &g, |e, p| mean_in(e, p, &r, &t)))
        .map_err(err)?;
    Ok((e.value, e.std_error))
}

/// A REINFORCE estimate of the gradient of the mean discounted return with
/// respect to the policy's parameters (their layout), over the batch
/// `mean_return` would run. `estimator="unbiased"`: `(1/N) sum_e sum_t
/// gamma^t G_t score_t`, unbiased for `J = E[sum_t gamma^t r_t]`;
/// `"normalized"`: the paper's code (batch-normalised per-step returns, no
/// `gamma^t`; biased, scale-free). `sigma` must be positive.
///
/// Returns `(gradient, report)`, `report` a dict: `mean_return`,
/// `return_std_error` (`None` for one episode), `steps`, `episodes`, and
/// `std_error`, the per-component standard errors of the unbiased estimate
/// (`None` for `"normalized"` or one episode).
#[pyfunction]
#[pyo3(signature = (env, policy, *, episodes = 16, gamma = 0.995, seed = 0, max_steps = 1000, estimator = "unbiased", threads = 1))]
#[allow(clippy::too_many_arguments)]
pub fn reinforce_gradient<'py>(
    py: Python<'py>,
    env: PyRef<'py, PyEnv>,
    policy: PyRef<'py, PyGaussian>,
    episodes: usize,
    gamma: f64,
    seed: u64,
    max_steps: usize,
    estimator: &str,
    threads: usize,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyDict>)> {
    check_pair(&env.kind, &policy.g)?;
    let r = make_rollouts(episodes, gamma, seed, max_steps)?;
    let est = parse_estimator(estimator)?;
    let t = Threads::new(threads)?;
    let len = episode_len(&env.kind, &r)?;
    let (kind, g) = (env.kind.clone(), policy.g.clone());
    let out = py
        .detach(|| with_pair!(&kind, &g, |e, p| grad_in(e, p, &r, est, len, &t)))
        .map_err(err)?;
    let n = out.grad.len();
    let d = PyDict::new(py);
    d.set_item("mean_return", out.report.mean_return)?;
    d.set_item("return_std_error", out.report.return_std_error)?;
    d.set_item("steps", out.report.steps)?;
    d.set_item("episodes", out.episodes)?;
    match out.std_error {
        Some(se) => d.set_item("std_error", write(py, se, &[n])?)?,
        None => d.set_item("std_error", py.None())?,
    }
    Ok((write(py, out.grad, &[n])?, d))
}

/// REINFORCE with plain SGD, `params += learning_rate * gradient` for
/// `updates` updates (the core's `train_sgd`); `policy` is updated in place
/// (left unchanged if training raises). Update `k` uses the batch of seed
/// `seed + k` (`episodes` episodes, discount `gamma`).
///
/// With `eval_every > 0`, the deterministic policy (`sigma = 0`, footnote 4)
/// is evaluated before every `eval_every`-th update and after the last, on
/// `eval_episodes` episodes of `eval_seed` with discount `eval_gamma` (the
/// undiscounted return by default, Fig. 5). With `curvature_every > 0`, the
/// footnote-5 probe (`curvature_directions` directions of
/// `curvature_seed`, step `curvature_alpha`, on the Monte-Carlo objective
/// of `curvature_episodes` episodes of `curvature_rollout_seed`) runs
/// before every `curvature_every`-th update (Fig. 6). The default seeds are
/// the figures'.
///
/// Returns a dict: `params` (the trained parameters), `updates`, per update
/// `update`, `batch_return`, `batch_return_std_error` (NaN for one
/// episode), `grad_norm`; per evaluation `deterministic_update`,
/// `deterministic_return`, `deterministic_std_error`, and
/// `final_deterministic` (`(value, std_error)`, `None` without
/// evaluations); per probe that found an improving direction
/// `curvature_update`, `curvature_gradient` (`grad O · d`) and `curvature`
/// (`d^T H d`). Runs on `threads` threads (1: this one; 0: all cores; the
/// result does not depend on it) with the GIL released.
#[pyfunction]
#[pyo3(signature = (
    env, policy, *, learning_rate, updates, episodes = 16, gamma = 0.995, seed = 0,
    max_steps = 1000, estimator = "unbiased", eval_every = 0, eval_episodes = 16,
    eval_gamma = 1.0, eval_seed = EVAL_SEED, curvature_every = 0, curvature_alpha = 0.1,
    curvature_directions = 50, curvature_seed = DIRECTION_SEED, curvature_episodes = 16,
    curvature_rollout_seed = PROBE_SEED, threads = 1
))]
#[allow(clippy::too_many_arguments)]
pub fn train_sgd<'py>(
    py: Python<'py>,
    env: PyRef<'py, PyEnv>,
    mut policy: PyRefMut<'py, PyGaussian>,
    learning_rate: f64,
    updates: usize,
    episodes: usize,
    gamma: f64,
    seed: u64,
    max_steps: usize,
    estimator: &str,
    eval_every: usize,
    eval_episodes: usize,
    eval_gamma: f64,
    eval_seed: u64,
    curvature_every: usize,
    curvature_alpha: f64,
    curvature_directions: u64,
    curvature_seed: u64,
    curvature_episodes: usize,
    curvature_rollout_seed: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    check_pair(&env.kind, &policy.g)?;
    let rollouts = make_rollouts(episodes, gamma, seed, max_steps)?;
    let eval_rollouts = Rollouts {
        episodes: eval_episodes,
        gamma: eval_gamma,
        seed: eval_seed,
        max_steps,
    };
    let probe_rollouts = Rollouts {
        episodes: curvature_episodes,
        gamma,
        seed: curvature_rollout_seed,
        max_steps,
    };
    let config = SgdConfig {
        learning_rate,
        updates,
        rollouts,
        estimator: parse_estimator(estimator)?,
        eval_every,
        eval_rollouts,
        curvature_every,
        curvature: CurvatureProbe {
            alpha: curvature_alpha,
            directions: curvature_directions,
            seed: curvature_seed,
            rollouts: probe_rollouts,
        },
    };
    let t = Threads::new(threads)?;
    let len = episode_len(&env.kind, &rollouts)?;
    let kind = env.kind.clone();
    let mut g = policy.g.clone();
    let out = py
        .detach(|| with_pair!(&kind, &mut g, |e, p| train_in(e, p, &config, len, &t)))
        .map_err(err)?;
    policy.g = g;
    let d = PyDict::new(py);
    let n = out.steps.len();
    let col = |f: &dyn Fn(&SgdStep<f64>) -> f64| out.steps.iter().map(f).collect::<Vec<f64>>();
    d.set_item("params", policy.params(py)?)?;
    d.set_item("updates", out.updates)?;
    d.set_item(
        "update",
        PyArray1::from_vec(py, out.steps.iter().map(|s| s.update as u64).collect()),
    )?;
    d.set_item("batch_return", write(py, col(&|s| s.batch_return), &[n])?)?;
    d.set_item(
        "batch_return_std_error",
        write(
            py,
            col(&|s| s.batch_return_std_error.unwrap_or(f64::NAN)),
            &[n],
        )?,
    )?;
    d.set_item("grad_norm", write(py, col(&|s| s.grad_norm), &[n])?)?;
    let det: Vec<(u64, Estimate<f64>)> = out
        .steps
        .iter()
        .filter_map(|s| s.deterministic.map(|e| (s.update as u64, e)))
        .collect();
    let k = det.len();
    d.set_item(
        "deterministic_update",
        PyArray1::from_vec(py, det.iter().map(|x| x.0).collect()),
    )?;
    d.set_item(
        "deterministic_return",
        write(py, det.iter().map(|x| x.1.value).collect(), &[k])?,
    )?;
    d.set_item(
        "deterministic_std_error",
        write(py, det.iter().map(|x| x.1.std_error).collect(), &[k])?,
    )?;
    d.set_item(
        "final_deterministic",
        out.final_det.map(|e| (e.value, e.std_error)),
    )?;
    let curv: Vec<(u64, f64, f64)> = out
        .steps
        .iter()
        .filter_map(|s| s.curvature.map(|(g, c)| (s.update as u64, g, c)))
        .collect();
    let m = curv.len();
    d.set_item(
        "curvature_update",
        PyArray1::from_vec(py, curv.iter().map(|x| x.0).collect()),
    )?;
    d.set_item(
        "curvature_gradient",
        write(py, curv.iter().map(|x| x.1).collect(), &[m])?,
    )?;
    d.set_item(
        "curvature",
        write(py, curv.iter().map(|x| x.2).collect(), &[m])?,
    )?;
    Ok(d)
}

// ---------------------------------------------------------------------------
// The Monte-Carlo objective.

/// An objective whose construction failed: every evaluation returns the
/// error.
struct Failed(CoreError);

impl CoreObjective<f64> for Failed {
    fn evaluate(&mut self, _theta: &[f64]) -> CoreResult<Estimate<f64>> {
        Err(self.0)
    }
}

/// An objective evaluated inside a thread pool of its own.
struct InPool<'a, O> {
    inner: O,
    pool: &'a rayon::ThreadPool,
}

impl<O: CoreObjective<f64> + Send> CoreObjective<f64> for InPool<'_, O> {
    fn evaluate(&mut self, theta: &[f64]) -> CoreResult<Estimate<f64>> {
        let inner = &mut self.inner;
        self.pool.install(|| inner.evaluate(theta))
    }
}

type DynObjective<'a> = Box<dyn CoreObjective<f64> + Send + 'a>;

fn mc_eval<'a, E, const O: usize, const F: usize>(
    env: &E,
    p: &G<O, F>,
    r: Rollouts<f64>,
    t: &'a Threads,
) -> CoreResult<DynObjective<'a>>
where
    E: CoreEnv<f64, O, 1> + Clone + Send + Sync + 'static,
{
    Ok(match t {
        Threads::One => Box::new(rf::MonteCarlo::new(env.clone(), p.clone(), r)?),
        Threads::Global => Box::new(parallel::MonteCarlo::new(env.clone(), p.clone(), r)?),
        Threads::Pool(pool) => Box::new(InPool {
            inner: parallel::MonteCarlo::new(env.clone(), p.clone(), r)?,
            pool,
        }),
    })
}

struct McFactory {
    env: EnvKind,
    policy: GaussKind,
    rollouts: Rollouts<f64>,
    threads: Threads,
}

impl Factory for McFactory {
    fn dim(&self) -> usize {
        self.policy.params().len()
    }

    fn make(&self) -> Box<dyn CoreObjective<f64> + Send + '_> {
        let r = self.rollouts;
        let made: CoreResult<DynObjective<'_>> =
            with_pair!(&self.env, &self.policy, |e, p| mc_eval(
                e,
                p,
                r,
                &self.threads
            ));
        made.unwrap_or_else(|e| Box::new(Failed(e)))
    }
}

/// The Monte-Carlo objective of §3.2: `theta -> (mean discounted return,
/// std_error)` of `policy` (its shape and sigma) with parameters `theta`
/// in `env`, over `episodes` episodes of `seed` (at least 2), each cut
/// after `max_steps` steps. Every evaluation uses the same episode seeds
/// (common random numbers), so evaluating the same `theta` twice gives the
/// same bits, and the paired differences of a probe carry less noise.
///
/// A native objective: `probe`, `probe_pairs`, `interpolate`, `start` and
/// `improving_curvature` run it with the GIL released. `threads` spreads
/// each evaluation's episodes over threads (1: this one; 0: all cores); the
/// values do not depend on it. Picklable (Ray ships it). `dim` is the
/// policy's number of parameters.
#[pyclass(module = "policy_landscape._core", extends = Objective, frozen)]
pub struct MonteCarloObjective {
    env: Py<PyEnv>,
    policy: PyGaussian,
    rollouts: Rollouts<f64>,
    threads: usize,
}

impl MonteCarloObjective {
    fn build(
        env: Bound<'_, PyEnv>,
        policy: PyGaussian,
        rollouts: Rollouts<f64>,
        threads: usize,
    ) -> PyResult<PyClassInitializer<Self>> {
        let kind = env.try_borrow()?.kind.clone();
        check_pair(&kind, &policy.g)?;
        rollouts.check().map_err(err)?;
        with_pair!(&kind, &policy.g, |e, p| rf::MonteCarlo::new(
            e.clone(),
            p.clone(),
            rollouts
        )
        .map(|_| ()))
        .map_err(err)?;
        let f = McFactory {
            env: kind,
            policy: policy.g.clone(),
            rollouts,
            threads: Threads::new(threads)?,
        };
        Ok(
            PyClassInitializer::from(Objective::new(Arc::new(f))).add_subclass(Self {
                env: env.unbind(),
                policy,
                rollouts,
                threads,
            }),
        )
    }
}

#[pymethods]
impl MonteCarloObjective {
    #[new]
    #[pyo3(signature = (env, policy, *, episodes = 16, gamma = 0.995, seed = 0, max_steps = 1000, threads = 1))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        env: Bound<'_, PyEnv>,
        policy: PyRef<'_, PyGaussian>,
        episodes: usize,
        gamma: f64,
        seed: u64,
        max_steps: usize,
        threads: usize,
    ) -> PyResult<PyClassInitializer<Self>> {
        let r = Rollouts {
            episodes,
            gamma,
            seed,
            max_steps,
        };
        Self::build(env, policy.clone(), r, threads)
    }

    /// The environment.
    #[getter]
    fn env(&self, py: Python<'_>) -> Py<PyEnv> {
        self.env.clone_ref(py)
    }

    /// The policy (a copy; its parameters are those given, not the last
    /// evaluated).
    #[getter]
    fn policy(&self) -> PyGaussian {
        self.policy.clone()
    }

    /// Episodes per evaluation.
    #[getter]
    fn episodes(&self) -> usize {
        self.rollouts.episodes
    }

    /// Discount of the returns.
    #[getter]
    fn gamma(&self) -> f64 {
        self.rollouts.gamma
    }

    /// Seed of the episodes.
    #[getter]
    fn seed(&self) -> u64 {
        self.rollouts.seed
    }

    /// Step guard of every episode.
    #[getter]
    fn max_steps(&self) -> usize {
        self.rollouts.max_steps
    }

    /// Threads per evaluation (1: the calling one; 0: all cores).
    #[getter]
    fn threads(&self) -> usize {
        self.threads
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let e = self
            .env
            .bind(py)
            .repr()
            .map_or_else(|_| "Env".to_string(), |r| r.to_string());
        let r = &self.rollouts;
        format!(
            "MonteCarloObjective({e}, {}, episodes={}, gamma={:?}, seed={}, max_steps={}, threads={})",
            self.policy.__repr__(),
            r.episodes,
            r.gamma,
            r.seed,
            r.max_steps,
            self.threads
        )
    }

    fn __reduce__<'py>(
        slf: PyRef<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let r = &slf.rollouts;
        let args = PyTuple::new(
            py,
            [
                slf.env.clone_ref(py).into_bound(py).into_any(),
                Bound::new(py, slf.policy.clone())?.into_any(),
                r.episodes.into_pyobject(py)?.into_any(),
                r.gamma.into_pyobject(py)?.into_any(),
                r.seed.into_pyobject(py)?.into_any(),
                r.max_steps.into_pyobject(py)?.into_any(),
                slf.threads.into_pyobject(py)?.into_any(),
            ],
        )?;
        Ok((
            py.get_type::<MonteCarloObjective>()
                .getattr("_from_state")?,
            args,
        ))
    }

    /// Rebuilds an objective (used by pickling).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn _from_state(
        py: Python<'_>,
        env: Bound<'_, PyEnv>,
        policy: PyRef<'_, PyGaussian>,
        episodes: usize,
        gamma: f64,
        seed: u64,
        max_steps: usize,
        threads: usize,
    ) -> PyResult<Py<Self>> {
        let r = Rollouts {
            episodes,
            gamma,
            seed,
            max_steps,
        };
        Py::new(py, Self::build(env, policy.clone(), r, threads)?)
    }
}

/// Adds the classes and functions of continuous control to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEnv>()?;
    m.add_class::<PyPendulum>()?;
    m.add_class::<PyMountainCar>()?;
    m.add_class::<PyLinearQuadratic>()?;
    m.add_class::<PyGaussian>()?;
    m.add_class::<MonteCarloObjective>()?;
    m.add_function(wrap_pyfunction!(mean_return, m)?)?;
    m.add_function(wrap_pyfunction!(reinforce_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(train_sgd, m)?)?;
    Ok(())
}
