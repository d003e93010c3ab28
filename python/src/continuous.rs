//! Continuous control (§3.2): the library's environments (Gymnasium's
//! Pendulum-v1 and MountainCarContinuous-v0, a linear-quadratic system with
//! an exact expected return and gradient), the linear Gaussian policy,
//! Monte-Carlo returns, REINFORCE gradients, SGD training and the
//! Monte-Carlo objective for landscape probes.
//!
//! With the feature `mujoco`, Gymnasium's Hopper-v5, Walker2d-v5 and
//! HalfCheetah-v5 on MuJoCo (`policy-landscape-mujoco`, bit for bit as
//! Gymnasium) join them.
//!
//! The core's environments and policies are const-generic in their sizes;
//! here they are fixed enums over the combinations that exist (one action
//! and 3, 2 or 1 observations; with `mujoco` also 11 observations and 3
//! actions, 17 and 6; a linear or affine mean). Every rollout, gradient,
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

#[cfg(feature = "mujoco")]
use policy_landscape_mujoco::{Mujoco, Task};

/// Seed of the deterministic evaluations' episodes during training (the
/// figures' `EVAL_SEED`).
const EVAL_SEED: u64 = u64::MAX - 7;
/// Seed of the curvature probes' episodes (the figures' `PROBE_SEED`).
const PROBE_SEED: u64 = u64::MAX - 9;
/// Seed of the curvature probes' directions (the figures' `DIRECTION_SEED`).
const DIRECTION_SEED: u64 = 2019;

// ---------------------------------------------------------------------------
// Environments.

/// Hopper-v5 (11 observations, 3 actions).
#[cfg(feature = "mujoco")]
type Mj11 = Mujoco<11, 3>;
/// Walker2d-v5 and HalfCheetah-v5 (17 observations, 6 actions; the task
/// tells them apart).
#[cfg(feature = "mujoco")]
type Mj17 = Mujoco<17, 6>;

/// Every environment the bindings hold: the library's own (one action) and,
/// with `mujoco`, the MuJoCo tasks.
#[derive(Clone, Debug)]
enum EnvKind {
    Pendulum(CorePendulum),
    PendulumClip(ClipAction<CorePendulum, f64, 1>),
    MountainCar(CoreMountainCar),
    MountainCarClip(ClipAction<CoreMountainCar, f64, 1>),
    Lq(CoreLq<f64>),
    LqClip(ClipAction<CoreLq<f64>, f64, 1>),
    #[cfg(feature = "mujoco")]
    Mj11(Mj11),
    #[cfg(feature = "mujoco")]
    Mj11Clip(ClipAction<Mj11, f64, 3>),
    #[cfg(feature = "mujoco")]
    Mj17(Mj17),
    #[cfg(feature = "mujoco")]
    Mj17Clip(ClipAction<Mj17, f64, 6>),
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
            #[cfg(feature = "mujoco")]
            EnvKind::Mj11($e) => $body,
            #[cfg(feature = "mujoco")]
            EnvKind::Mj11Clip($e) => $body,
            #[cfg(feature = "mujoco")]
            EnvKind::Mj17($e) => $body,
            #[cfg(feature = "mujoco")]
            EnvKind::Mj17Clip($e) => $body,
        }
    };
}

/// `body` with `$e` bound to the MuJoCo environment of a MuJoCo variant
/// (the inner one of a clipped variant); an error for the others.
#[cfg(feature = "mujoco")]
macro_rules! each_mujoco {
    ($kind:expr, $e:ident => $body:expr) => {
        match $kind {
            EnvKind::Mj11($e) => $body,
            EnvKind::Mj11Clip(c) => {
                let $e = c.inner();
                $body
            }
            EnvKind::Mj17($e) => $body,
            EnvKind::Mj17Clip(c) => {
                let $e = c.inner();
                $body
            }
            _ => return Err(invalid("not a MuJoCo environment")),
        }
    };
}

/// As `each_mujoco!`, mutably.
#[cfg(feature = "mujoco")]
macro_rules! each_mujoco_mut {
    ($kind:expr, $e:ident => $body:expr) => {
        match $kind {
            EnvKind::Mj11($e) => $body,
            EnvKind::Mj11Clip(c) => {
                let $e = c.inner_mut();
                $body
            }
            EnvKind::Mj17($e) => $body,
            EnvKind::Mj17Clip(c) => {
                let $e = c.inner_mut();
                $body
            }
            _ => return Err(invalid("not a MuJoCo environment")),
        }
    };
}

/// What `__reduce__` returns: the callable that rebuilds, and its arguments.
type Reduce<'py, Args> = PyResult<(Bound<'py, PyAny>, Args)>;

/// One step's `(observation, reward, terminated, truncated)`.
type Step = (Vec<f64>, f64, bool, bool);

fn reset_env<E: CoreEnv<f64, O, A>, const O: usize, const A: usize>(
    e: &mut E,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f64> {
    e.reset(rng).to_vec()
}

/// One step with `action` read as the environment's `A` actions.
fn step_env<E: CoreEnv<f64, O, A>, const O: usize, const A: usize>(
    e: &mut E,
    action: &Bound<'_, PyAny>,
) -> PyResult<Step> {
    let a = read_action::<A>(action)?;
    let t = e.step(&a).map_err(err)?;
    Ok((t.observation.to_vec(), t.reward, t.terminated, t.truncated))
}

impl EnvKind {
    fn obs_dim(&self) -> usize {
        match self {
            Self::Pendulum(_) | Self::PendulumClip(_) => 3,
            Self::MountainCar(_) | Self::MountainCarClip(_) => 2,
            Self::Lq(_) | Self::LqClip(_) => 1,
            #[cfg(feature = "mujoco")]
            Self::Mj11(_) | Self::Mj11Clip(_) => 11,
            #[cfg(feature = "mujoco")]
            Self::Mj17(_) | Self::Mj17Clip(_) => 17,
        }
    }

    fn act_dim(&self) -> usize {
        match self {
            #[cfg(feature = "mujoco")]
            Self::Mj11(_) | Self::Mj11Clip(_) => 3,
            #[cfg(feature = "mujoco")]
            Self::Mj17(_) | Self::Mj17Clip(_) => 6,
            _ => 1,
        }
    }

    /// The environment's own time limit: no episode is longer.
    fn max_episode_steps(&self) -> usize {
        match self {
            Self::Pendulum(_) | Self::PendulumClip(_) => CorePendulum::MAX_EPISODE_STEPS,
            Self::MountainCar(_) | Self::MountainCarClip(_) => CoreMountainCar::MAX_EPISODE_STEPS,
            Self::Lq(e) => e.horizon(),
            Self::LqClip(e) => e.inner().horizon(),
            #[cfg(feature = "mujoco")]
            Self::Mj11(e) => e.max_episode_steps(),
            #[cfg(feature = "mujoco")]
            Self::Mj11Clip(e) => e.inner().max_episode_steps(),
            #[cfg(feature = "mujoco")]
            Self::Mj17(e) => e.max_episode_steps(),
            #[cfg(feature = "mujoco")]
            Self::Mj17Clip(e) => e.inner().max_episode_steps(),
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
            #[cfg(feature = "mujoco")]
            Self::Mj11(e) => mujoco_state(e),
            #[cfg(feature = "mujoco")]
            Self::Mj11Clip(e) => mujoco_state(e.inner()),
            #[cfg(feature = "mujoco")]
            Self::Mj17(e) => mujoco_state(e),
            #[cfg(feature = "mujoco")]
            Self::Mj17Clip(e) => mujoco_state(e.inner()),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Pendulum(_) | Self::PendulumClip(_) => "Pendulum",
            Self::MountainCar(_) | Self::MountainCarClip(_) => "MountainCarContinuous",
            Self::Lq(_) | Self::LqClip(_) => "LinearQuadratic",
            #[cfg(feature = "mujoco")]
            Self::Mj11(_) | Self::Mj11Clip(_) => "Hopper",
            #[cfg(feature = "mujoco")]
            Self::Mj17(e) => task_name(e.task()),
            #[cfg(feature = "mujoco")]
            Self::Mj17Clip(e) => task_name(e.inner().task()),
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

/// `env` with every action dimension clipped to `[low, high]`.
fn clipped<E, const A: usize>(env: E, (low, high): (f64, f64)) -> PyResult<ClipAction<E, f64, A>> {
    ClipAction::new(env, [low; A], [high; A]).map_err(err)
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

/// An action of `A` dimensions: shape `(A,)`, or a scalar when `A = 1`.
fn read_action<const A: usize>(action: &Bound<'_, PyAny>) -> PyResult<[f64; A]> {
    let (data, dims) = read(action, "action")?;
    let ok = match dims.as_slice() {
        [] => A == 1,
        [n] => *n == A,
        _ => false,
    };
    match <[f64; A]>::try_from(data.as_slice()) {
        Ok(a) if ok => Ok(a),
        _ if A == 1 => Err(shape(format!(
            "action must have shape (1,) (or be a scalar), found {dims:?}"
        ))),
        _ => Err(shape(format!(
            "action must have shape ({A},), found {dims:?}"
        ))),
    }
}

/// The base class of the continuous-control environments (float64
/// observations and actions): `reset(seed)` starts an episode,
/// `step(action)` advances it. Not constructible itself: use `Pendulum`,
/// `MountainCarContinuous` or `LinearQuadratic` (one action), or, in a
/// build with MuJoCo (`HAS_MUJOCO`), `Hopper`, `Walker2d` or `HalfCheetah`.
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
    /// MountainCarContinuous, 1 for LinearQuadratic, 11 for Hopper, 17 for
    /// Walker2d and HalfCheetah).
    #[getter]
    fn observation_dim(&self) -> usize {
        self.kind.obs_dim()
    }

    /// The number of actions (1; 3 for Hopper, 6 for Walker2d and
    /// HalfCheetah).
    #[getter]
    fn action_dim(&self) -> usize {
        self.kind.act_dim()
    }

    /// The time limit: episodes are truncated at this many steps (200 for
    /// Pendulum-v1, 999 for MountainCarContinuous-v0, the horizon of a
    /// LinearQuadratic, `max_episode_steps` of a MuJoCo task).
    #[getter]
    fn max_episode_steps(&self) -> usize {
        self.kind.max_episode_steps()
    }

    /// The Gymnasium action box `(low, high)` (`(-2, 2)` for Pendulum,
    /// `(-1, 1)` for MountainCarContinuous and, in every dimension, the
    /// MuJoCo tasks), `None` for LinearQuadratic.
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
            #[cfg(feature = "mujoco")]
            _ => Some(MUJOCO_BOX),
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
    /// (LinearQuadratic), `qpos` then `qvel` (MuJoCo).
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

    /// Applies `action` (shape `(action_dim,)`, or a scalar for one action)
    /// for one step and returns `(observation, reward, terminated,
    /// truncated)`. A NaN action raises `InvalidParameterError` (the
    /// environment is unchanged).
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyAny>, f64, bool, bool)> {
        let (obs, reward, terminated, truncated) =
            each_env!(&mut self.kind, e => step_env(e, action))?;
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
// MuJoCo (feature `mujoco`).

/// The tasks' control range (`ctrlrange`), in every dimension.
#[cfg(feature = "mujoco")]
const MUJOCO_BOX: (f64, f64) = (-1.0, 1.0);

#[cfg(feature = "mujoco")]
fn task_name(task: Task) -> &'static str {
    match task {
        Task::Hopper => "Hopper",
        Task::Walker2d => "Walker2d",
        Task::HalfCheetah => "HalfCheetah",
    }
}

#[cfg(feature = "mujoco")]
fn mujoco_state<const O: usize, const A: usize>(e: &Mujoco<O, A>) -> Vec<f64> {
    e.qpos().iter().chain(e.qvel()).copied().collect()
}

/// The exception for an error of the MuJoCo crate: the core's own as
/// usual, a missing model or library (naming `mujoco/setup.sh`) or a model
/// MuJoCo rejects as `PolicyLandscapeError`.
#[cfg(feature = "mujoco")]
fn mj_err(e: policy_landscape_mujoco::Error) -> PyErr {
    match e {
        policy_landscape_mujoco::Error::Core(c) => err(c),
        other => crate::error::PolicyLandscapeError::new_err(other.to_string()),
    }
}

#[cfg(feature = "mujoco")]
fn load_task<const O: usize, const A: usize>(
    task: Task,
    max_episode_steps: usize,
) -> PyResult<Mujoco<O, A>> {
    Mujoco::<O, A>::new(task)
        .and_then(|e| e.with_max_episode_steps(max_episode_steps))
        .map_err(mj_err)
}

#[cfg(feature = "mujoco")]
fn mujoco_kind(
    task: Task,
    max_episode_steps: usize,
    clip: Option<(f64, f64)>,
) -> PyResult<EnvKind> {
    let n = max_episode_steps;
    Ok(match (task, clip) {
        (Task::Hopper, None) => EnvKind::Mj11(load_task(task, n)?),
        (Task::Hopper, Some(c)) => EnvKind::Mj11Clip(clipped(load_task(task, n)?, c)?),
        (Task::Walker2d | Task::HalfCheetah, None) => EnvKind::Mj17(load_task(task, n)?),
        (Task::Walker2d | Task::HalfCheetah, Some(c)) => {
            EnvKind::Mj17Clip(clipped(load_task(task, n)?, c)?)
        }
    })
}

#[cfg(feature = "mujoco")]
fn mujoco_elapsed(kind: &EnvKind) -> PyResult<usize> {
    Ok(each_mujoco!(kind, e => e.elapsed_steps()))
}

#[cfg(feature = "mujoco")]
fn mujoco_dt(kind: &EnvKind) -> PyResult<f64> {
    Ok(each_mujoco!(kind, e => e.dt()))
}

#[cfg(feature = "mujoco")]
fn mujoco_task(kind: &EnvKind) -> PyResult<Task> {
    Ok(each_mujoco!(kind, e => e.task()))
}

#[cfg(feature = "mujoco")]
fn mujoco_healthy(kind: &EnvKind) -> PyResult<bool> {
    Ok(each_mujoco!(kind, e => e.is_healthy()))
}

#[cfg(feature = "mujoco")]
fn mujoco_vec<'py>(py: Python<'py>, v: &[f64]) -> PyResult<Bound<'py, PyAny>> {
    write(py, v.to_vec(), &[v.len()])
}

#[cfg(feature = "mujoco")]
fn mujoco_qpos<'py>(py: Python<'py>, kind: &EnvKind) -> PyResult<Bound<'py, PyAny>> {
    each_mujoco!(kind, e => mujoco_vec(py, e.qpos()))
}

#[cfg(feature = "mujoco")]
fn mujoco_qvel<'py>(py: Python<'py>, kind: &EnvKind) -> PyResult<Bound<'py, PyAny>> {
    each_mujoco!(kind, e => mujoco_vec(py, e.qvel()))
}

#[cfg(feature = "mujoco")]
fn mujoco_set_state<'py>(
    py: Python<'py>,
    kind: &mut EnvKind,
    qpos: &Bound<'py, PyAny>,
    qvel: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let qpos = crate::arrays::read_vec(qpos, "qpos")?;
    let qvel = crate::arrays::read_vec(qvel, "qvel")?;
    each_mujoco_mut!(kind, e => {
        let obs = e.set_state(&qpos, &qvel).map_err(mj_err)?;
        mujoco_vec(py, &obs)
    })
}

/// The class of a MuJoCo task: the constructor, its getters, `set_state`
/// and pickling (the environments differ in their task and docstring).
#[cfg(feature = "mujoco")]
macro_rules! mujoco_class {
    ($ty:ident, $name:tt, $task:expr, $doc:tt) => {
        #[doc = $doc]
        #[pyclass(module = "policy_landscape._core", extends = PyEnv, name = $name)]
        pub struct $ty {}

        #[pymethods]
        impl $ty {
            /// The task with the time limit `max_episode_steps` (Gymnasium's
            /// 1000 by default), in its initial state (`qpos0`, zero
            /// velocities) until reset.
            #[new]
            #[pyo3(signature = (*, max_episode_steps = policy_landscape_mujoco::MAX_EPISODE_STEPS, clip = None))]
            fn new(
                max_episode_steps: usize,
                clip: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<PyClassInitializer<Self>> {
                let clip = parse_clip(clip, Some(MUJOCO_BOX), $name)?;
                let kind = mujoco_kind($task, max_episode_steps, clip)?;
                Ok(PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}))
            }

            /// Gymnasium's id (`"Hopper-v5"`, ...).
            #[getter]
            fn gym_id(slf: PyRef<'_, Self>) -> PyResult<&'static str> {
                Ok(mujoco_task(&slf.as_super().kind)?.gym_id())
            }

            /// Steps taken since the last reset (the time-limit counter).
            #[getter]
            fn elapsed_steps(slf: PyRef<'_, Self>) -> PyResult<usize> {
                mujoco_elapsed(&slf.as_super().kind)
            }

            /// The time of one step, `timestep * frame_skip` (Gymnasium's
            /// `dt`).
            #[getter]
            fn dt(slf: PyRef<'_, Self>) -> PyResult<f64> {
                mujoco_dt(&slf.as_super().kind)
            }

            /// The joint positions `qpos` (a copy).
            #[getter]
            fn qpos<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                mujoco_qpos(slf.py(), &slf.as_super().kind)
            }

            /// The joint velocities `qvel` (a copy).
            #[getter]
            fn qvel<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                mujoco_qvel(slf.py(), &slf.as_super().kind)
            }

            /// Gymnasium's `is_healthy` of the current state (always
            /// true for HalfCheetah).
            #[getter]
            fn is_healthy(slf: PyRef<'_, Self>) -> PyResult<bool> {
                mujoco_healthy(&slf.as_super().kind)
            }

            /// Starts an episode from the state `(qpos, qvel)`, as
            /// Gymnasium's reset does after drawing one (`mj_resetData`,
            /// the state, `mj_forward`), and returns the first observation.
            /// Raises for a wrong length or a NaN or infinite entry (the
            /// environment is then unchanged).
            fn set_state<'py>(
                mut slf: PyRefMut<'py, Self>,
                qpos: &Bound<'py, PyAny>,
                qvel: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let py = slf.py();
                mujoco_set_state(py, &mut slf.as_super().kind, qpos, qvel)
            }

            fn __repr__(slf: PyRef<'_, Self>) -> String {
                let base = slf.as_super();
                format!(
                    "{}(max_episode_steps={}, clip={})",
                    $name,
                    base.kind.max_episode_steps(),
                    show_clip(base.clip)
                )
            }

            fn __reduce__<'py>(
                slf: PyRef<'py, Self>,
            ) -> Reduce<'py, (usize, Bound<'py, PyAny>)> {
                let py = slf.py();
                let base = slf.as_super();
                let ctor = py.get_type::<$ty>().getattr("_from_state")?;
                Ok((
                    ctor,
                    (base.kind.max_episode_steps(), clip_arg(py, base.clip)?),
                ))
            }

            /// Rebuilds an environment (used by pickling; the model is
            /// loaded again from the models' folder).
            #[staticmethod]
            fn _from_state(
                py: Python<'_>,
                max_episode_steps: usize,
                clip: Option<(f64, f64)>,
            ) -> PyResult<Py<Self>> {
                let kind = mujoco_kind($task, max_episode_steps, clip)?;
                Py::new(
                    py,
                    PyClassInitializer::from(PyEnv { kind, clip }).add_subclass(Self {}),
                )
            }
        }
    };
}

#[cfg(feature = "mujoco")]
mujoco_class!(
    PyHopper,
    "Hopper",
    Task::Hopper,
    "Gymnasium's `Hopper-v5` on MuJoCo 3.17.0, stepped bit for bit as
`gymnasium.make(\"Hopper-v5\")` steps it from the same state and actions
(the `policy-landscape-mujoco` crate). Observation `qpos[1:]` then `qvel`
(11 numbers, velocities clipped to +-10); action the 3 joint torques
(MuJoCo clamps them to `[-1, 1]`). One step: `ctrl = a`, 4 MuJoCo steps,
reward `x_velocity + 1[healthy] - 1e-3 sum(a^2)` (the cost of the action
given); terminated when not healthy (`z > 0.7`, `|angle| < 0.2`, every
`qpos[2:]`, `qvel` within 100); truncated after `max_episode_steps` steps.

`reset(seed, episode)` draws `qpos = qpos0 + U(-0.005, 0.005)`, `qvel =
U(-0.005, 0.005)` from the library's generator (Gymnasium's
distributions, not numpy's streams); `set_state(qpos, qvel)` starts from
any state. `clip=True` clips actions to `[-1, 1]` before the environment
sees them (the control cost is then that of the clipped action, as in
the paper's code), `clip=(low, high)` to another box. A step MuJoCo finds
unstable raises `NumericalError` (reset the episode).

The model is read from the `.mujoco/assets` folder of the checkout that
built the extension, or `$POLICY_LANDSCAPE_MUJOCO_ASSETS`."
);

#[cfg(feature = "mujoco")]
mujoco_class!(
    PyWalker2d,
    "Walker2d",
    Task::Walker2d,
    "Gymnasium's `Walker2d-v5` on MuJoCo 3.17.0, stepped bit for bit as
`gymnasium.make(\"Walker2d-v5\")` steps it from the same state and actions
(the `policy-landscape-mujoco` crate). Observation `qpos[1:]` then `qvel`
(17 numbers, velocities clipped to +-10); action the 6 joint torques
(MuJoCo clamps them to `[-1, 1]`). One step: `ctrl = a`, 4 MuJoCo steps,
reward `x_velocity + 1[healthy] - 1e-3 sum(a^2)`; terminated when not
healthy (`0.8 < z < 2`, `|angle| < 1`); truncated after
`max_episode_steps` steps.

`reset(seed, episode)` draws `qpos = qpos0 + U(-0.005, 0.005)`, `qvel =
U(-0.005, 0.005)` from the library's generator; `set_state(qpos, qvel)`
starts from any state. `clip` as for `Hopper`. A step MuJoCo finds
unstable raises `NumericalError` (reset the episode).

The model is read from the `.mujoco/assets` folder of the checkout that
built the extension, or `$POLICY_LANDSCAPE_MUJOCO_ASSETS`."
);

#[cfg(feature = "mujoco")]
mujoco_class!(
    PyHalfCheetah,
    "HalfCheetah",
    Task::HalfCheetah,
    "Gymnasium's `HalfCheetah-v5` on MuJoCo 3.17.0, stepped bit for bit as
`gymnasium.make(\"HalfCheetah-v5\")` steps it from the same state and
actions (the `policy-landscape-mujoco` crate). Observation `qpos[1:]`
then `qvel` (17 numbers, not clipped); action the 6 joint torques (MuJoCo
clamps them to `[-1, 1]`). One step: `ctrl = a`, 5 MuJoCo steps, reward
`x_velocity - 0.1 sum(a^2)`; never terminated; truncated after
`max_episode_steps` steps.

`reset(seed, episode)` draws `qpos = qpos0 + U(-0.1, 0.1)`, `qvel = 0.1
N(0, 1)` from the library's generator; `set_state(qpos, qvel)` starts
from any state. `clip` as for `Hopper`. A step MuJoCo finds unstable
raises `NumericalError` (reset the episode).

The model is read from the `.mujoco/assets` folder of the checkout that
built the extension, or `$POLICY_LANDSCAPE_MUJOCO_ASSETS`."
);

// ---------------------------------------------------------------------------
// The Gaussian policy.

/// A policy of `O` observations, `A` actions and `F` features (`O`, or
/// `O + 1` with a bias).
type G<const O: usize, const A: usize, const F: usize> = CoreGaussian<f64, O, A, F>;

/// Every Gaussian policy the bindings hold: one action and 1 to 3
/// observations, or (with `mujoco`) 11 observations and 3 actions
/// (Hopper), 17 and 6 (Walker2d, HalfCheetah); linear (`L`, mean `w·s`) or
/// affine (`A`, mean `w·s + b`).
#[derive(Clone, Debug, PartialEq)]
enum GaussKind {
    L1(G<1, 1, 1>),
    A1(G<1, 1, 2>),
    L2(G<2, 1, 2>),
    A2(G<2, 1, 3>),
    L3(G<3, 1, 3>),
    A3(G<3, 1, 4>),
    #[cfg(feature = "mujoco")]
    L11(G<11, 3, 11>),
    #[cfg(feature = "mujoco")]
    A11(G<11, 3, 12>),
    #[cfg(feature = "mujoco")]
    L17(G<17, 6, 17>),
    #[cfg(feature = "mujoco")]
    A17(G<17, 6, 18>),
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
            #[cfg(feature = "mujoco")]
            GaussKind::L11($p) => $body,
            #[cfg(feature = "mujoco")]
            GaussKind::A11($p) => $body,
            #[cfg(feature = "mujoco")]
            GaussKind::L17($p) => $body,
            #[cfg(feature = "mujoco")]
            GaussKind::A17($p) => $body,
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
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj11($e), GaussKind::L11($p)) => $body,
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj11($e), GaussKind::A11($p)) => $body,
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj11Clip($e), GaussKind::L11($p)) => $body,
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj11Clip($e), GaussKind::A11($p)) => $body,
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj17($e), GaussKind::L17($p)) => $body,
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj17($e), GaussKind::A17($p)) => $body,
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj17Clip($e), GaussKind::L17($p)) => $body,
            #[cfg(feature = "mujoco")]
            (EnvKind::Mj17Clip($e), GaussKind::A17($p)) => $body,
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

fn mean_rows<const O: usize, const A: usize, const F: usize>(
    p: &G<O, A, F>,
    obs: &[f64],
) -> CoreResult<Vec<f64>> {
    let mut out = Vec::with_capacity(obs.len() / O * A);
    for s in obs.chunks_exact(O) {
        let mut m = [0.0; A];
        p.mean_into(&row(s)?, &mut m)?;
        out.extend_from_slice(&m);
    }
    Ok(out)
}

fn sample_rows<const O: usize, const A: usize, const F: usize>(
    p: &G<O, A, F>,
    obs: &[f64],
    seed: u64,
) -> CoreResult<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = Vec::with_capacity(obs.len() / O * A);
    for s in obs.chunks_exact(O) {
        let mut a = [0.0; A];
        p.sample_into(&row(s)?, &mut rng, &mut a)?;
        out.extend_from_slice(&a);
    }
    Ok(out)
}

fn log_prob_rows<const O: usize, const A: usize, const F: usize>(
    p: &G<O, A, F>,
    obs: &[f64],
    actions: &[f64],
) -> CoreResult<Vec<f64>> {
    obs.chunks_exact(O)
        .zip(actions.chunks_exact(A))
        .map(|(s, a)| p.log_prob(&row(s)?, &row(a)?))
        .collect()
}

fn score_rows<const O: usize, const A: usize, const F: usize>(
    p: &G<O, A, F>,
    obs: &[f64],
    actions: &[f64],
) -> CoreResult<Vec<f64>> {
    let k = F * A;
    let mut out = vec![0.0; actions.len() / A * k];
    for ((s, a), g) in obs
        .chunks_exact(O)
        .zip(actions.chunks_exact(A))
        .zip(out.chunks_exact_mut(k))
    {
        p.score_into(&row(s)?, &row(a)?, g)?;
    }
    Ok(out)
}

/// Glorot-uniform weights (limit `sqrt(6 / (O + A))`) and a zero bias, as
/// the figures' runs initialise (those of `policy-landscape-mujoco` too).
fn glorot<const O: usize, const A: usize, const F: usize>(p: &mut G<O, A, F>, seed: u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let limit = (6.0 / (O + A) as f64).sqrt();
    for (i, x) in p.params_mut().iter_mut().enumerate() {
        let u: f64 = uniform01(&mut rng);
        *x = if i / A < O {
            limit * (2.0 * u - 1.0)
        } else {
            0.0
        };
    }
}

impl GaussKind {
    fn new(obs: usize, act: usize, bias: bool) -> Option<Self> {
        Some(match (obs, act, bias) {
            (1, 1, false) => Self::L1(G::linear()),
            (1, 1, true) => Self::A1(G::affine()),
            (2, 1, false) => Self::L2(G::linear()),
            (2, 1, true) => Self::A2(G::affine()),
            (3, 1, false) => Self::L3(G::linear()),
            (3, 1, true) => Self::A3(G::affine()),
            #[cfg(feature = "mujoco")]
            (11, 3, false) => Self::L11(G::linear()),
            #[cfg(feature = "mujoco")]
            (11, 3, true) => Self::A11(G::affine()),
            #[cfg(feature = "mujoco")]
            (17, 6, false) => Self::L17(G::linear()),
            #[cfg(feature = "mujoco")]
            (17, 6, true) => Self::A17(G::affine()),
            _ => return None,
        })
    }

    fn obs_dim(&self) -> usize {
        match self {
            Self::L1(_) | Self::A1(_) => 1,
            Self::L2(_) | Self::A2(_) => 2,
            Self::L3(_) | Self::A3(_) => 3,
            #[cfg(feature = "mujoco")]
            Self::L11(_) | Self::A11(_) => 11,
            #[cfg(feature = "mujoco")]
            Self::L17(_) | Self::A17(_) => 17,
        }
    }

    fn act_dim(&self) -> usize {
        match self {
            #[cfg(feature = "mujoco")]
            Self::L11(_) | Self::A11(_) => 3,
            #[cfg(feature = "mujoco")]
            Self::L17(_) | Self::A17(_) => 6,
            _ => 1,
        }
    }

    fn bias(&self) -> bool {
        match self {
            Self::A1(_) | Self::A2(_) | Self::A3(_) => true,
            #[cfg(feature = "mujoco")]
            Self::A11(_) | Self::A17(_) => true,
            _ => false,
        }
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

/// The linear Gaussian policy of §3.2: `a ~ N(mu(s), sigma^2 I)` with mean
/// `mu(s) = w^T s` (`bias=False`) or `w^T s + b` (`bias=True`, the default,
/// as the paper's code) and a fixed standard deviation `sigma >= 0`, the
/// same in every action dimension (`sigma = 0` is the deterministic
/// policy; densities then raise). `(observation_dim, action_dim)` is `(1,
/// 1)`, `(2, 1)` or `(3, 1)` (LinearQuadratic, MountainCarContinuous,
/// Pendulum) or, in a build with MuJoCo, `(11, 3)` (Hopper) or `(17, 6)`
/// (Walker2d, HalfCheetah).
///
/// `params` is the core's flat layout `[f][a]` (index `f * action_dim +
/// a`): `w` row by row (shape `(observation_dim, action_dim)`), then `b`
/// when `bias=True`; `(observation_dim + bias) * action_dim` numbers. With
/// one action that is `[w_0, ..., w_{O-1}]` then `b`.
///
/// Observations are `(observation_dim,)` arrays, or `(N,
/// observation_dim)` for a batch; actions `(action_dim,)` (or scalars for
/// one action), or `(N, action_dim)` for a batch (also `(N,)` for one
/// action).
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

/// Actions matching `batch`: `(a,)` (or a scalar for `a = 1`) for one,
/// `(N, a)` (or `(N,)` for `a = 1`) for a batch of `N`.
fn read_actions(action: &Bound<'_, PyAny>, batch: Option<usize>, a: usize) -> PyResult<Vec<f64>> {
    let (data, dims) = read(action, "action")?;
    let ok = match (batch, dims.as_slice()) {
        (None, []) => a == 1,
        (None, [k]) => *k == a,
        (Some(n), [m]) => *m == n && a == 1,
        (Some(n), [m, k]) => *m == n && *k == a,
        _ => false,
    };
    if !ok {
        let want = match batch {
            None if a == 1 => "(1,) or a scalar".to_string(),
            None => format!("({a},)"),
            Some(n) if a == 1 => format!("({n},) or ({n}, 1)"),
            Some(n) => format!("({n}, {a})"),
        };
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
    /// A policy for `observation_dim` observations and `action_dim`
    /// actions (the shapes of the environments: 1 to 3 observations and one
    /// action; with MuJoCo also 11 and 3, 17 and 6), all parameters zero
    /// unless `params` is given, standard deviation `sigma`.
    #[new]
    #[pyo3(signature = (observation_dim, *, action_dim = 1, bias = true, sigma = 1.0, params = None))]
    fn new(
        observation_dim: usize,
        action_dim: usize,
        bias: bool,
        sigma: f64,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let g = GaussKind::new(observation_dim, action_dim, bias).ok_or_else(|| {
            if action_dim == 1 {
                shape(format!(
                    "a Gaussian policy of 1 action takes 1 to 3 observations (LinearQuadratic 1, MountainCarContinuous 2, Pendulum 3), found {observation_dim}"
                ))
            } else if cfg!(feature = "mujoco") {
                shape(format!(
                    "a Gaussian policy of {action_dim} actions must fit an environment: 11 observations and 3 actions (Hopper), 17 and 6 (Walker2d, HalfCheetah), or 1 action; found observation_dim={observation_dim}"
                ))
            } else {
                shape(format!(
                    "a Gaussian policy has 1 action (that of the environments; this build has no MuJoCo), found action_dim={action_dim}"
                ))
            }
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
        Self::new(env.kind.obs_dim(), env.kind.act_dim(), bias, sigma, None)
    }

    /// The number of observations.
    #[getter]
    fn observation_dim(&self) -> usize {
        self.g.obs_dim()
    }

    /// The number of actions.
    #[getter]
    fn action_dim(&self) -> usize {
        self.g.act_dim()
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
        let (o, a) = (self.g.obs_dim(), self.g.act_dim());
        let p = self.g.params();
        let b = if self.g.bias() {
            Some(write(py, p[o * a..].to_vec(), &[a])?)
        } else {
            None
        };
        Ok((write(py, p[..o * a].to_vec(), &[o, a])?, b))
    }

    /// Glorot-uniform weights (`U[-l, l)`, `l = sqrt(6 / (observation_dim +
    /// action_dim))`, one `u64` of `Xoshiro256PlusPlus(seed)` each in
    /// parameter order) and a zero bias: the Keras `Dense` default of the
    /// paper's code, and the figures' initial policies bit for bit (the
    /// MuJoCo experiments' too).
    fn init_glorot(&mut self, seed: u64) {
        with_gauss!(&mut self.g, p => glorot(p, seed));
    }

    /// The mean action `mu(s)`: shape `(action_dim,)`, or `(N, action_dim)`
    /// for a batch.
    fn mean<'py>(&self, py: Python<'py>, obs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let (o, batch) = read_obs(obs, self.g.obs_dim())?;
        let m = with_gauss!(&self.g, p => mean_rows(p, &o)).map_err(err)?;
        let a = self.g.act_dim();
        match batch {
            None => write(py, m, &[a]),
            Some(n) => write(py, m, &[n, a]),
        }
    }

    /// Actions `mu(s) + sigma eps`, `eps` standard normal from
    /// `Xoshiro256PlusPlus(seed)` (one draw per action dimension, row after
    /// row): shape `(action_dim,)`, or `(N, action_dim)` for a batch. With
    /// `sigma = 0` the mean.
    fn sample<'py>(
        &self,
        py: Python<'py>,
        obs: &Bound<'py, PyAny>,
        seed: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (o, batch) = read_obs(obs, self.g.obs_dim())?;
        let a = with_gauss!(&self.g, p => sample_rows(p, &o, seed)).map_err(err)?;
        let k = self.g.act_dim();
        match batch {
            None => write(py, a, &[k]),
            Some(n) => write(py, a, &[n, k]),
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
        let a = read_actions(action, batch, self.g.act_dim())?;
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
        let a = read_actions(action, batch, self.g.act_dim())?;
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
                && self.g.act_dim() == o.g.act_dim()
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
        let actions = match self.g.act_dim() {
            1 => String::new(),
            a => format!(", action_dim={a}"),
        };
        format!(
            "Gaussian({}{actions}, bias={}, sigma={:?}, params={:?})",
            self.g.obs_dim(),
            if self.g.bias() { "True" } else { "False" },
            self.g.sigma(),
            self.g.params()
        )
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> Reduce<'py, Bound<'py, PyTuple>> {
        let ctor = py.get_type::<PyGaussian>().getattr("_from_state")?;
        let mut args = vec![
            self.g.obs_dim().into_pyobject(py)?.into_any(),
            PyBool::new(py, self.g.bias()).to_owned().into_any(),
            self.g.sigma().into_pyobject(py)?.into_any(),
            self.params(py)?,
        ];
        // One action: the arguments of the builds without MuJoCo.
        if self.g.act_dim() != 1 {
            args.push(self.g.act_dim().into_pyobject(py)?.into_any());
        }
        Ok((ctor, PyTuple::new(py, args)?))
    }

    /// Rebuilds a policy (used by pickling).
    #[staticmethod]
    #[pyo3(signature = (observation_dim, bias, sigma, params, action_dim = 1))]
    fn _from_state(
        observation_dim: usize,
        bias: bool,
        sigma: f64,
        params: &Bound<'_, PyAny>,
        action_dim: usize,
    ) -> PyResult<Self> {
        Self::new(observation_dim, action_dim, bias, sigma, Some(params))
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
    if env.act_dim() != policy.act_dim() {
        return Err(shape(format!(
            "the policy gives {} actions, {} takes {}",
            policy.act_dim(),
            env.name(),
            env.act_dim()
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

fn mean_in<E, const O: usize, const A: usize, const F: usize>(
    env: &E,
    p: &G<O, A, F>,
    r: &Rollouts<f64>,
    t: &Threads,
) -> CoreResult<Estimate<f64>>
where
    E: CoreEnv<f64, O, A> + Clone + Send + Sync,
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

fn grad_in<E, const O: usize, const A: usize, const F: usize>(
    env: &E,
    p: &G<O, A, F>,
    r: &Rollouts<f64>,
    estimator: Estimator,
    len: usize,
    t: &Threads,
) -> CoreResult<GradOut>
where
    E: CoreEnv<f64, O, A> + Clone + Send + Sync,
{
    let mut sums = BatchSums::<f64, O, A, F>::new();
    let mut grad = vec![0.0; F * A];
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
        let mut se = vec![0.0; F * A];
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

fn train_in<E, const O: usize, const A: usize, const F: usize>(
    env: &E,
    p: &mut G<O, A, F>,
    c: &SgdConfig<f64>,
    len: usize,
    t: &Threads,
) -> CoreResult<TrainOut>
where
    E: CoreEnv<f64, O, A> + Clone + Send + Sync,
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
        let mut scratch = vec![0.0; 2 * F * A];
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

fn mc_eval<'a, E, const O: usize, const A: usize, const F: usize>(
    env: &E,
    p: &G<O, A, F>,
    r: Rollouts<f64>,
    t: &'a Threads,
) -> CoreResult<DynObjective<'a>>
where
    E: CoreEnv<f64, O, A> + Clone + Send + Sync + 'static,
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
    #[cfg(feature = "mujoco")]
    {
        m.add_class::<PyHopper>()?;
        m.add_class::<PyWalker2d>()?;
        m.add_class::<PyHalfCheetah>()?;
    }
    m.add_class::<PyGaussian>()?;
    m.add_class::<MonteCarloObjective>()?;
    m.add_function(wrap_pyfunction!(mean_return, m)?)?;
    m.add_function(wrap_pyfunction!(reinforce_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(train_sgd, m)?)?;
    Ok(())
}
