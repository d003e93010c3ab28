//! A Gymnasium v5 locomotion task on MuJoCo, as the core's [`Env`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once, PoisonError};

use mujoco_rs::prelude::{MjData, MjModel};
use mujoco_rs::wrappers::mj_data::MjtWarning;
use mujoco_rs::wrappers::mj_logging::{log_config, set_log_config};
use policy_landscape::env::{Env, Transition};
use policy_landscape::rand_xoshiro::rand_core::Rng;
use policy_landscape::random::{standard_normal, uniform01};

use crate::error::{Error, Result};
use crate::task::{Spec, Task};

/// The MuJoCo version this crate is built for (mujoco-rs 7.0.0's).
pub const MUJOCO_VERSION: &str = "3.17.0";

/// The episode length of Gymnasium's `TimeLimit` for the three tasks.
pub const MAX_EPISODE_STEPS: usize = 1000;

/// The environment variable that overrides where the models are read from.
pub const ASSETS_VAR: &str = "POLICY_LANDSCAPE_MUJOCO_ASSETS";

/// The folder the models are read from: `$POLICY_LANDSCAPE_MUJOCO_ASSETS`
/// when set, else the `.mujoco/assets` folder that `mujoco/setup.sh` fills
/// (beside the library folder this crate was linked against).
pub fn assets_dir() -> PathBuf {
    match std::env::var_os(ASSETS_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("POLICY_LANDSCAPE_MUJOCO_ASSETS_DEFAULT")),
    }
}

/// Checks that the MuJoCo library loaded at run time is
/// [`MUJOCO_VERSION`] (mujoco-rs would panic on a mismatch; this returns an
/// error first).
///
/// # Errors
///
/// [`Error::WrongVersion`].
pub fn check_version() -> Result<()> {
    expect_version(mujoco_rs::mujoco_version())
}

/// [`Error::WrongVersion`] unless `found` is [`MUJOCO_VERSION`].
fn expect_version(found: &str) -> Result<()> {
    if found == MUJOCO_VERSION {
        Ok(())
    } else {
        Err(Error::WrongVersion {
            found: found.to_owned(),
            expected: MUJOCO_VERSION,
        })
    }
}

/// MuJoCo's default log handler appends warnings to `MUJOCO_LOG.TXT` in the
/// working directory (HalfCheetah's model uses a deprecated attribute and
/// triggers one at every load): keep them on the console only.
fn quiet_log_file() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let config = log_config().with_logto_file(false);
        // SAFETY: runs once, before this crate loads its first model; the
        // configuration is a plain global of MuJoCo that no other thread of
        // this crate reads at that moment.
        #[allow(unsafe_code)]
        unsafe {
            set_log_config(config)
        };
    });
}

/// Compiles the model at `path`, once per process: later environments of
/// the same file share it (MuJoCo's compile warnings, such as
/// HalfCheetah's deprecated `settotalmass`, print once).
fn load(path: &Path) -> Result<Arc<MjModel>> {
    static MODELS: Mutex<BTreeMap<PathBuf, Arc<MjModel>>> = Mutex::new(BTreeMap::new());
    let mut models = MODELS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(model) = models.get(path) {
        return Ok(Arc::clone(model));
    }
    quiet_log_file();
    let model = MjModel::from_xml(path).map_err(|e| Error::ModelInvalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let model = Arc::new(model);
    models.insert(path.to_path_buf(), Arc::clone(&model));
    Ok(model)
}

/// A Gymnasium v5 locomotion task (Hopper, Walker2d or HalfCheetah) on
/// MuJoCo 3.17.0, stepped exactly as `gymnasium.make("<Task>-v5")` steps
/// it: the same model file, frame skip, reward terms, health test and
/// termination, observations and `TimeLimit` of 1000 steps, bit for bit
/// (`tests/gymnasium.rs` replays episodes recorded from Gymnasium 1.4.0).
///
/// `O` and `A` are the observation and action sizes: use the aliases
/// [`Hopper`], [`Walker2d`] and [`HalfCheetah`]. One step with action `a`:
///
/// - `ctrl ← a`, then `mj_step` `frame_skip` times (4, 4, 5); MuJoCo
///   clamps the control to the model's `ctrlrange` ([−1, 1]);
/// - `x_velocity = (qpos[0]' − qpos[0]) / dt`, `dt = timestep · frame_skip`;
/// - `ctrl_cost = w · Σ a_i²` on the **unclipped** action, summed left to
///   right as numpy does for fewer than 8 numbers (w = 1e-3, 1e-3, 0.1);
/// - Hopper, Walker2d: `reward = (x_velocity + 1[healthy]) − ctrl_cost`,
///   terminated when not healthy (Hopper: `0.7 < z`, `|angle| < 0.2` and
///   every entry of `qpos[2..]`, `qvel` in (−100, 100); Walker2d:
///   `0.8 < z < 2`, `|angle| < 1`; `z = qpos[1]`, `angle = qpos[2]`);
/// - HalfCheetah: `reward = x_velocity − ctrl_cost`, never terminated;
/// - observation `qpos[1..] ++ qvel`, with `qvel` clipped to ±10 for Hopper
///   and Walker2d;
/// - truncated once 1000 steps have passed since the reset (and on every
///   later step, like `TimeLimit`).
///
/// [`Env::reset`] draws `qpos = qpos0 + U(−s, s)` and `qvel = U(−s, s)`
/// (HalfCheetah: `qvel = s · N(0, 1)`), `s` = 5e-3, 5e-3, 0.1, each uniform
/// computed as numpy's `low + (high − low) · u`, from the caller's
/// generator: the distributions are Gymnasium's, the streams are not
/// numpy's (a seed gives another initial state than `reset(seed=...)`;
/// [`Mujoco::set_state`] starts from any state given).
///
/// Differences from Gymnasium, all on input Gymnasium accepts silently: a
/// NaN or infinite action is [`policy_landscape::Error::NonFinite`], an
/// action whose control cost overflows is
/// [`policy_landscape::Error::NumericalOverflow`], both before anything
/// changes; if MuJoCo finds the simulation unstable (a bad position,
/// velocity or acceleration, after which it resets the state to `qpos0`
/// itself and Gymnasium would carry on from there), the step returns
/// [`policy_landscape::Error::NumericalOverflow`] and the episode must be
/// reset. A finite control beyond the range is clamped by MuJoCo, as under
/// Gymnasium. `mj_rnePostConstraint`, which Gymnasium runs after each
/// step for the contact forces no v5 observation of these tasks uses, is
/// skipped.
///
/// Clones share the compiled model and copy the simulation state, so a
/// batch can run one clone per thread.
///
/// # Examples
///
/// ```no_run
/// use policy_landscape::env::Env;
/// use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
/// use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
/// use policy_landscape_mujoco::{Hopper, Task};
///
/// let mut env = Hopper::new(Task::Hopper)?;
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
/// let first = env.reset(&mut rng);
/// assert_eq!(first.len(), 11);
/// let step = env.step(&[0.1, -0.2, 0.3])?;
/// assert!(step.reward.is_finite() && !step.truncated);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Mujoco<const O: usize, const A: usize> {
    task: Task,
    spec: Spec,
    data: MjData<Arc<MjModel>>,
    init: Arc<(Vec<f64>, Vec<f64>)>,
    dt: f64,
    elapsed: usize,
    max_episode_steps: usize,
}

/// `Hopper-v5`.
pub type Hopper = Mujoco<11, 3>;
/// `Walker2d-v5`.
pub type Walker2d = Mujoco<17, 6>;
/// `HalfCheetah-v5`.
pub type HalfCheetah = Mujoco<17, 6>;

impl<const O: usize, const A: usize> Clone for Mujoco<O, A> {
    fn clone(&self) -> Self {
        Self {
            task: self.task,
            spec: self.spec,
            data: self.data.clone(),
            init: Arc::clone(&self.init),
            dt: self.dt,
            elapsed: self.elapsed,
            max_episode_steps: self.max_episode_steps,
        }
    }
}

impl<const O: usize, const A: usize> core::fmt::Debug for Mujoco<O, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mujoco")
            .field("task", &self.task)
            .field("elapsed", &self.elapsed)
            .field("max_episode_steps", &self.max_episode_steps)
            .field("qpos", &self.data.qpos())
            .field("qvel", &self.data.qvel())
            .finish()
    }
}

impl<const O: usize, const A: usize> Mujoco<O, A> {
    /// Loads `task`'s model from [`assets_dir`], in its initial state
    /// (`qpos0`, zero velocities; call [`Env::reset`] to draw one).
    ///
    /// # Errors
    ///
    /// [`Error::WrongVersion`], [`Error::ModelMissing`] (naming
    /// `mujoco/setup.sh`), [`Error::ModelInvalid`], [`Error::Shape`] when
    /// `O`, `A` are not the task's sizes.
    pub fn new(task: Task) -> Result<Self> {
        Self::from_dir(task, &assets_dir())
    }

    /// As [`Mujoco::new`], reading the model from `dir`.
    ///
    /// # Errors
    ///
    /// As [`Mujoco::new`].
    pub fn from_dir(task: Task, dir: &Path) -> Result<Self> {
        if task.observation_size() != O {
            return Err(Error::Shape {
                what: "observation",
                model: task.observation_size(),
                requested: O,
            });
        }
        if task.action_size() != A {
            return Err(Error::Shape {
                what: "action",
                model: task.action_size(),
                requested: A,
            });
        }
        check_version()?;
        let spec = task.spec();
        let path = dir.join(spec.file);
        if !path.is_file() {
            return Err(Error::ModelMissing { path });
        }
        let model = load(&path)?;
        let (nq, nv, nu) = {
            let m = model.ffi();
            (m.nq as usize, m.nv as usize, m.nu as usize)
        };
        // The observation drops qpos[0]; the type's sizes were checked
        // against the task, this checks the file against the task.
        if nq + nv != O + 1 || nu != A || nq < 3 {
            return Err(Error::ModelInvalid {
                path,
                message: format!(
                    "nq = {nq}, nv = {nv}, nu = {nu} do not fit {} ({O} observations, {A} actions)",
                    task.gym_id()
                ),
            });
        }
        let timestep = model.opt().timestep;
        let data = MjData::new(Arc::clone(&model));
        let init = Arc::new((data.qpos().to_vec(), data.qvel().to_vec()));
        Ok(Self {
            task,
            spec,
            data,
            init,
            dt: timestep * spec.frame_skip as f64,
            elapsed: 0,
            max_episode_steps: MAX_EPISODE_STEPS,
        })
    }

    /// The task.
    pub fn task(&self) -> Task {
        self.task
    }

    /// The time of one environment step (`timestep · frame_skip`), as
    /// Gymnasium's `dt`.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Steps since the last reset.
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed
    }

    /// The `TimeLimit` (1000 unless changed).
    pub fn max_episode_steps(&self) -> usize {
        self.max_episode_steps
    }

    /// The same environment with another `TimeLimit` (at least 1).
    ///
    /// # Errors
    ///
    /// [`policy_landscape::Error::InvalidParameter`] for 0.
    pub fn with_max_episode_steps(mut self, steps: usize) -> Result<Self> {
        if steps == 0 {
            return Err(Error::Core(policy_landscape::Error::InvalidParameter {
                what: "max_episode_steps",
                rule: "must be at least 1",
            }));
        }
        self.max_episode_steps = steps;
        Ok(self)
    }

    /// The joint positions (`nq` numbers).
    pub fn qpos(&self) -> &[f64] {
        self.data.qpos()
    }

    /// The joint velocities (`nv` numbers).
    pub fn qvel(&self) -> &[f64] {
        self.data.qvel()
    }

    /// The compiled model (shared by clones).
    pub fn model(&self) -> &MjModel {
        self.data.model()
    }

    /// Starts an episode from the given state, as Gymnasium's reset does
    /// after drawing it (`mj_resetData`, then `qpos`, `qvel`, then
    /// `mj_forward`), and returns the first observation.
    ///
    /// # Errors
    ///
    /// [`policy_landscape::Error::LengthMismatch`] or
    /// [`policy_landscape::Error::NonFinite`] (inside [`Error::Core`]); the
    /// environment is unchanged on error.
    pub fn set_state(&mut self, qpos: &[f64], qvel: &[f64]) -> Result<[f64; O]> {
        check_vector("qpos", qpos, self.init.0.len())?;
        check_vector("qvel", qvel, self.init.1.len())?;
        self.data.reset();
        self.data.qpos_mut().copy_from_slice(qpos);
        self.data.qvel_mut().copy_from_slice(qvel);
        self.data.forward();
        self.elapsed = 0;
        Ok(self.observation())
    }

    /// The observation of the current state.
    pub fn observation(&self) -> [f64; O] {
        let (qpos, qvel) = (self.data.qpos(), self.data.qvel());
        let clip = self.spec.clip_velocity;
        let mut obs = [0.0; O];
        for (o, &q) in obs.iter_mut().zip(qpos.iter().skip(1).chain(qvel)) {
            *o = q;
        }
        if let Some(c) = clip {
            for o in obs.iter_mut().skip(qpos.len() - 1) {
                // np.clip(v, -c, c): NaN stays NaN.
                *o = if *o < -c {
                    -c
                } else if *o > c {
                    c
                } else {
                    *o
                };
            }
        }
        obs
    }

    /// Gymnasium's `is_healthy` (always true for HalfCheetah).
    pub fn is_healthy(&self) -> bool {
        let Some(h) = self.spec.health else {
            return true;
        };
        let qpos = self.data.qpos();
        let (z, angle) = (qpos[1], qpos[2]);
        let inside = |x: f64, (lo, hi): (f64, f64)| lo < x && x < hi;
        let state_ok = match h.state {
            None => true,
            Some(range) => qpos[2..]
                .iter()
                .chain(self.data.qvel())
                .all(|&x| inside(x, range)),
        };
        state_ok && inside(z, h.z) && inside(angle, h.angle)
    }

    /// MuJoCo's counters of the warnings after which it resets the state
    /// itself: a bad position, velocity or acceleration (`mjWARN_BADQPOS`,
    /// `mjWARN_BADQVEL`, `mjWARN_BADQACC`). Other warnings (a full contact
    /// buffer, a bad control that MuJoCo zeroes) leave the state to the
    /// dynamics, as under Gymnasium.
    fn resets(&self) -> [i32; 3] {
        let w = self.data.warning();
        [
            MjtWarning::mjWARN_BADQPOS,
            MjtWarning::mjWARN_BADQVEL,
            MjtWarning::mjWARN_BADQACC,
        ]
        .map(|k| w.get(k as usize).map_or(0, |s| s.number))
    }
}

fn check_vector(what: &'static str, xs: &[f64], len: usize) -> Result<()> {
    if xs.len() != len {
        return Err(Error::Core(policy_landscape::Error::LengthMismatch {
            what,
            expected: len,
            found: xs.len(),
        }));
    }
    if let Some(index) = xs.iter().position(|x| !x.is_finite()) {
        return Err(Error::Core(policy_landscape::Error::NonFinite {
            what,
            index,
        }));
    }
    Ok(())
}

impl<const O: usize, const A: usize> Env<f64, O, A> for Mujoco<O, A> {
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [f64; O] {
        let s = self.spec.reset_noise_scale;
        let (low, high) = (-s, s);
        let (init_qpos, init_qvel) = (&self.init.0, &self.init.1);
        self.data.reset();
        for (q, &q0) in self.data.qpos_mut().iter_mut().zip(init_qpos) {
            *q = q0 + (low + (high - low) * uniform01::<f64, R>(rng));
        }
        let normal = self.spec.normal_qvel_noise;
        for (v, &v0) in self.data.qvel_mut().iter_mut().zip(init_qvel) {
            *v = if normal {
                v0 + s * standard_normal::<f64, R>(rng)
            } else {
                v0 + (low + (high - low) * uniform01::<f64, R>(rng))
            };
        }
        self.data.forward();
        self.elapsed = 0;
        self.observation()
    }

    fn step(&mut self, action: &[f64; A]) -> policy_landscape::Result<Transition<f64, O>> {
        if let Some(index) = action.iter().position(|a| !a.is_finite()) {
            return Err(policy_landscape::Error::NonFinite {
                what: "action",
                index,
            });
        }
        // np.sum of fewer than 8 numbers adds left to right.
        let squares = action.iter().fold(0.0, |s, &a| s + a * a);
        let ctrl_cost = self.spec.ctrl_cost_weight * squares;
        if !ctrl_cost.is_finite() {
            return Err(policy_landscape::Error::NumericalOverflow {
                what: "control cost (action too large)",
            });
        }
        let resets = self.resets();
        let x_before = self.data.qpos()[0];
        self.data.ctrl_mut().copy_from_slice(action);
        for _ in 0..self.spec.frame_skip {
            self.data.step();
        }
        // Each counter on its own: a reset zeroes them all before counting
        // its own, so a sum could stay the same.
        if self.resets() != resets {
            return Err(policy_landscape::Error::NumericalOverflow {
                what: "MuJoCo simulation (unstable; the episode must be reset)",
            });
        }
        let x_velocity = (self.data.qpos()[0] - x_before) / self.dt;
        let forward = self.spec.forward_reward_weight * x_velocity;
        let (reward, terminated) = match self.spec.health {
            Some(h) => {
                let healthy = self.is_healthy();
                let healthy_reward = if healthy { h.reward } else { 0.0 };
                ((forward + healthy_reward) - ctrl_cost, !healthy)
            }
            None => (forward - ctrl_cost, false),
        };
        self.elapsed = self.elapsed.saturating_add(1);
        Ok(Transition {
            observation: self.observation(),
            reward,
            terminated,
            truncated: self.elapsed >= self.max_episode_steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loaded_library_is_3_17_0_and_another_version_is_an_error() {
        assert_eq!(check_version(), Ok(()));
        let e = expect_version("3.16.1").unwrap_err();
        assert_eq!(
            e,
            Error::WrongVersion {
                found: "3.16.1".into(),
                expected: "3.17.0"
            }
        );
        assert!(e.to_string().contains("mujoco/setup.sh"), "{e}");
    }
}
