//! Gymnasium's `MountainCarContinuous-v0`, ported exactly from Gymnasium
//! 1.4.0 (`gymnasium/envs/classic_control/continuous_mountain_car.py`, with
//! the `TimeLimit` of 999 steps that `gymnasium.make` adds). The dynamics
//! and the precision of each operation are documented on
//! [`MountainCarContinuous`]; the tests replay transitions recorded from
//! Gymnasium (`tests/data/gym_fixtures.py`).

use rand_core::Rng;

use super::{Env, Transition};
use crate::error::{Error, Result, check_finite};
use crate::random::uniform01;
use crate::real::Real;

/// Gymnasium's `MountainCarContinuous-v0`: drive an under-powered car up a
/// hill by swinging.
///
/// Observation `[position, velocity]` (`O = 2`, float32 values), action
/// `[force]` (`A = 1`). One step with action `a` (Gymnasium 1.4.0,
/// `continuous_mountain_car.py`):
///
/// - `f = min(max(a, −1), 1)`
/// - `v ← v + 0.0015 f − 0.0025 cos(3x)`, then `v` clipped to `[−0.07, 0.07]`
/// - `x ← x + v`, then `x` clipped to `[−1.2, 0.6]`; at the left wall
///   (`x == −1.2`) a negative `v` becomes 0
/// - terminated when `x ≥ 0.45` and `v ≥ 0`; reward `100·[terminated] − 0.1 a²`
///   with the *unclipped* action
/// - the new state is stored as float32 and is the observation; truncated
///   from the 999th step since reset on (and on every later step, as
///   `TimeLimit`).
///
/// Reset draws `x ~ U[−0.6, −0.4)` as numpy's `low + (high − low) · U`, `U`
/// from the top 53 bits of one `u64` (the same 64-bit word as numpy's
/// generator gives the same state), and `v = 0`.
///
/// **Precision.** Which precision each operation runs in is the subtle part,
/// and this port follows it exactly. `reset` leaves a float64 state
/// (`np.array([x, 0])`), `step` stores a float32 one, and the state
/// remembers which ([`MountainCarContinuous::state_is_f32`]). Inside `step`
/// the values are numpy scalars (float32 or float64, from the state and the
/// action's dtype) or Python floats, and numpy 2 (NEP 50) promotes float32
/// with a Python float to float32 — in comparisons too, so `v > 0.07`
/// compares with `0.07f32` — but float32 with float64 to float64. So with a
/// float32 state and a float32 action (`Env<f32, 2, 1>`), `3x` and
/// `0.0015 f − 0.0025 cos(3x)` and both updates are float32 arithmetic
/// (only `math.cos` runs in float64), while a float64 action
/// (`Env<f64, 2, 1>`), a float64 state or a clipped force (a Python float)
/// moves parts of it to float64.
///
/// **Exactness.** The only elementary function is `math.cos` (glibc in
/// Gymnasium, `libm` here; both within 1 ULP, sometimes apart), and its
/// result is rounded to float32 before use in all but float64 paths, so
/// transitions are bit-identical in practice (all recorded ones are). The
/// reward squares with `a * a` where Python calls C `pow(a, 2)`: identical
/// for float32 actions (the square is exact in float64), 1 ULP apart about
/// once in 1000 for float64 actions.
///
/// Differences from Gymnasium: [`MountainCarContinuous::new`] starts at
/// `(−0.5, 0)`, so stepping before [`Env::reset`] works (Gymnasium's
/// `OrderEnforcing` raises); a NaN or infinite action is an error; an action
/// whose square overflows gives [`Error::NumericalOverflow`] (Python raises
/// `OverflowError` from `math.pow`), as does a set state that overflows.
///
/// # Examples
///
/// ```
/// use policy_landscape::env::{Env, MountainCarContinuous};
/// use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
/// use rand_core::SeedableRng;
///
/// let mut env = MountainCarContinuous::new();
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
/// let obs: [f32; 2] = env.reset(&mut rng);
/// assert!((-0.6..-0.4).contains(&obs[0]) && obs[1] == 0.0);
///
/// // Swing: push along the velocity until the goal.
/// let mut velocity = obs[1];
/// let mut total = 0.0_f32;
/// loop {
///     let push = if velocity >= 0.0 { 1.0_f32 } else { -1.0 };
///     let t = env.step(&[push])?;
///     velocity = t.observation[1];
///     total += t.reward;
///     if t.terminated || t.truncated {
///         assert!(t.terminated && t.observation[0] >= 0.45);
///         break;
///     }
/// }
/// assert!(total > 80.0);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MountainCarContinuous {
    position: f64,
    velocity: f64,
    /// Gymnasium holds the state as a float32 array (after a step) rather
    /// than a float64 one (after reset).
    float32_state: bool,
    elapsed: usize,
}

impl MountainCarContinuous {
    /// Smallest force (`min_action`).
    pub const MIN_ACTION: f64 = -1.0;
    /// Largest force (`max_action`).
    pub const MAX_ACTION: f64 = 1.0;
    /// Left wall (`min_position`).
    pub const MIN_POSITION: f64 = -1.2;
    /// Right bound (`max_position`).
    pub const MAX_POSITION: f64 = 0.6;
    /// Bound on `|velocity|` (`max_speed`).
    pub const MAX_SPEED: f64 = 0.07;
    /// The goal is reached at `position >= GOAL_POSITION`...
    pub const GOAL_POSITION: f64 = 0.45;
    /// ...with `velocity >= GOAL_VELOCITY` (Gymnasium's default, 0).
    pub const GOAL_VELOCITY: f64 = 0.0;
    /// Force scale (`power`).
    pub const POWER: f64 = 0.0015;
    /// The reward for reaching the goal.
    pub const GOAL_REWARD: f64 = 100.0;
    /// The `TimeLimit` of `MountainCarContinuous-v0`.
    pub const MAX_EPISODE_STEPS: usize = 999;
    /// Reset draws the position uniformly from `[RESET_LOW, RESET_HIGH)`.
    pub const RESET_LOW: f64 = -0.6;
    /// See [`MountainCarContinuous::RESET_LOW`].
    pub const RESET_HIGH: f64 = -0.4;

    /// `MountainCarContinuous-v0` at `(−0.5, 0)` (a float64 state) until reset.
    pub const fn new() -> Self {
        Self {
            position: -0.5,
            velocity: 0.0,
            float32_state: false,
            elapsed: 0,
        }
    }

    /// The state `[position, velocity]`.
    pub fn state(&self) -> [f64; 2] {
        [self.position, self.velocity]
    }

    /// `true` when Gymnasium would hold the state as float32 (after a step
    /// or [`MountainCarContinuous::set_state_f32`]), `false` for float64
    /// (after reset or [`MountainCarContinuous::set_state`]).
    pub fn state_is_f32(&self) -> bool {
        self.float32_state
    }

    /// Replaces the state with a float64 one, like
    /// `env.unwrapped.state = np.array([x, v])` (what reset leaves). The step
    /// counter is left alone; any finite values are accepted.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (`what: "state"`) for a NaN or infinite entry;
    /// the environment is unchanged.
    pub fn set_state(&mut self, state: [f64; 2]) -> Result<()> {
        check_finite("state", &state)?;
        [self.position, self.velocity] = state;
        self.float32_state = false;
        Ok(())
    }

    /// Replaces the state with a float32 one, like
    /// `env.unwrapped.state = np.array([x, v], dtype=np.float32)` (what a
    /// step leaves). The step counter is left alone.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (`what: "state"`) for a NaN or infinite entry;
    /// the environment is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::env::{Env, MountainCarContinuous};
    ///
    /// let mut env = MountainCarContinuous::new();
    /// env.set_state_f32([-1.19, -0.05])?;
    /// let t = env.step(&[-1.0_f32])?;
    /// // Hit the left wall: clipped, and the velocity is zeroed.
    /// assert_eq!(t.observation, [-1.2, 0.0]);
    /// assert!(!t.terminated && (t.reward + 0.1).abs() < 1e-7);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn set_state_f32(&mut self, state: [f32; 2]) -> Result<()> {
        check_finite("state", &state)?;
        self.position = f64::from(state[0]);
        self.velocity = f64::from(state[1]);
        self.float32_state = true;
        Ok(())
    }

    /// The observation: the state rounded to float32.
    pub fn observation(&self) -> [f32; 2] {
        [self.position as f32, self.velocity as f32]
    }

    /// Steps taken since the last reset (the `TimeLimit` counter).
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed
    }

    /// Gymnasium's step with a float32 action, as `Env<f32, 2, 1>` takes it,
    /// but returning Gymnasium's float64 reward unrounded.
    ///
    /// # Errors
    ///
    /// As for [`Env::step`].
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::env::MountainCarContinuous;
    ///
    /// let mut env = MountainCarContinuous::new();
    /// // The reward uses the unclipped action: −0.1 · 1.5².
    /// let t = env.step_f32_action(1.5)?;
    /// assert_eq!(t.reward, 0.0 - 1.5 * 1.5 * 0.1);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn step_f32_action(&mut self, action: f32) -> Result<Transition<f64, 2>> {
        let (observation, reward, terminated, truncated) =
            self.advance(Np::new(f64::from(action), Kind::F32))?;
        Ok(Transition {
            observation: observation.map(f64::from),
            reward,
            terminated,
            truncated,
        })
    }

    /// Gymnasium's `step`, line by line; `action` is a numpy scalar.
    fn advance(&mut self, action: Np) -> Result<([f32; 2], f64, bool, bool)> {
        if !action.v.is_finite() {
            return Err(Error::NonFinite {
                what: "action",
                index: 0,
            });
        }
        let kind = if self.float32_state {
            Kind::F32
        } else {
            Kind::F64
        };
        let py = Np::py;
        let mut position = Np::new(self.position, kind);
        let mut velocity = Np::new(self.velocity, kind);
        // force = min(max(action[0], self.min_action), self.max_action);
        // the builtins return the first argument unless the second is
        // strictly greater (max) or smaller (min).
        let mut force = action;
        if py(Self::MIN_ACTION).gt(force) {
            force = py(Self::MIN_ACTION);
        }
        if py(Self::MAX_ACTION).lt(force) {
            force = py(Self::MAX_ACTION);
        }
        // velocity += force * self.power - 0.0025 * math.cos(3 * position)
        let cos = py(Real::cos(py(3.0).mul(position).v));
        velocity = velocity.add(force.mul(py(Self::POWER)).sub(py(0.0025).mul(cos)));
        if velocity.gt(py(Self::MAX_SPEED)) {
            velocity = py(Self::MAX_SPEED);
        }
        if velocity.lt(py(-Self::MAX_SPEED)) {
            velocity = py(-Self::MAX_SPEED);
        }
        position = position.add(velocity);
        if position.gt(py(Self::MAX_POSITION)) {
            position = py(Self::MAX_POSITION);
        }
        if position.lt(py(Self::MIN_POSITION)) {
            position = py(Self::MIN_POSITION);
        }
        if position.eq(py(Self::MIN_POSITION)) && velocity.lt(py(0.0)) {
            velocity = py(0.0);
        }
        let terminated =
            position.ge(py(Self::GOAL_POSITION)) && velocity.ge(py(Self::GOAL_VELOCITY));
        // reward = 0 (or 100.0); reward -= math.pow(action[0], 2) * 0.1
        let base = if terminated { Self::GOAL_REWARD } else { 0.0 };
        let reward = base - action.v * action.v * 0.1;
        // self.state = np.array([position, velocity], dtype=np.float32)
        let next = [position.v as f32, velocity.v as f32];
        if !reward.is_finite() {
            return Err(Error::NumericalOverflow {
                what: "mountain car reward",
            });
        }
        if !(next[0].is_finite() && next[1].is_finite()) {
            return Err(Error::NumericalOverflow {
                what: "mountain car state",
            });
        }
        self.position = f64::from(next[0]);
        self.velocity = f64::from(next[1]);
        self.float32_state = true;
        self.elapsed = self.elapsed.saturating_add(1);
        let truncated = self.elapsed >= Self::MAX_EPISODE_STEPS;
        Ok((next, reward, terminated, truncated))
    }

    /// Draws the position as numpy's `uniform(-0.6, -0.4)` does,
    /// `low + (high − low) · U` with one 53-bit uniform (one `u64`); the
    /// velocity is 0 and the state float64. Zeroes the step counter.
    fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let u: f64 = uniform01(rng);
        self.position = Self::RESET_LOW + (Self::RESET_HIGH - Self::RESET_LOW) * u;
        self.velocity = 0.0;
        self.float32_state = false;
        self.elapsed = 0;
    }
}

impl Default for MountainCarContinuous {
    fn default() -> Self {
        Self::new()
    }
}

/// What a value is in Python: a weak Python float (or int), or a numpy
/// float64 or float32 scalar.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Py,
    F64,
    F32,
}

/// A Python/numpy scalar: its value (exact in f64) and its kind.
#[derive(Clone, Copy)]
struct Np {
    v: f64,
    kind: Kind,
}

impl Np {
    fn new(v: f64, kind: Kind) -> Self {
        Self { v, kind }
    }

    fn py(v: f64) -> Self {
        Self::new(v, Kind::Py)
    }

    /// NEP 50 promotion: float64 wins, then float32; a Python float is weak.
    fn promote(self, other: Self) -> Kind {
        match (self.kind, other.kind) {
            (Kind::F64, _) | (_, Kind::F64) => Kind::F64,
            (Kind::F32, _) | (_, Kind::F32) => Kind::F32,
            _ => Kind::Py,
        }
    }

    fn arith(self, other: Self, f32op: fn(f32, f32) -> f32, f64op: fn(f64, f64) -> f64) -> Self {
        let kind = self.promote(other);
        let v = if kind == Kind::F32 {
            f64::from(f32op(self.v as f32, other.v as f32))
        } else {
            f64op(self.v, other.v)
        };
        Self::new(v, kind)
    }

    fn add(self, other: Self) -> Self {
        self.arith(other, |a, b| a + b, |a, b| a + b)
    }

    fn sub(self, other: Self) -> Self {
        self.arith(other, |a, b| a - b, |a, b| a - b)
    }

    fn mul(self, other: Self) -> Self {
        self.arith(other, |a, b| a * b, |a, b| a * b)
    }

    /// Both operands in the promoted precision (a Python float compared
    /// with a float32 is rounded to float32 first).
    fn operands(self, other: Self) -> (f64, f64) {
        if self.promote(other) == Kind::F32 {
            (f64::from(self.v as f32), f64::from(other.v as f32))
        } else {
            (self.v, other.v)
        }
    }

    fn gt(self, other: Self) -> bool {
        let (a, b) = self.operands(other);
        a > b
    }

    fn lt(self, other: Self) -> bool {
        let (a, b) = self.operands(other);
        a < b
    }

    fn ge(self, other: Self) -> bool {
        let (a, b) = self.operands(other);
        a >= b
    }

    fn eq(self, other: Self) -> bool {
        let (a, b) = self.operands(other);
        a == b
    }
}

impl Env<f64, 2, 1> for MountainCarContinuous {
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [f64; 2] {
        self.draw(rng);
        self.observation().map(f64::from)
    }

    /// Steps with a float64 action.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for a NaN or infinite action;
    /// [`Error::NumericalOverflow`] if the squared action or a (set) state
    /// overflows. The environment is unchanged on error.
    fn step(&mut self, action: &[f64; 1]) -> Result<Transition<f64, 2>> {
        let (observation, reward, terminated, truncated) =
            self.advance(Np::new(action[0], Kind::F64))?;
        Ok(Transition {
            observation: observation.map(f64::from),
            reward,
            terminated,
            truncated,
        })
    }
}

impl Env<f32, 2, 1> for MountainCarContinuous {
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [f32; 2] {
        self.draw(rng);
        self.observation()
    }

    /// Steps with a float32 action; the float64 reward is rounded to f32.
    ///
    /// # Errors
    ///
    /// As for `Env<f64, 2, 1>`.
    fn step(&mut self, action: &[f32; 1]) -> Result<Transition<f32, 2>> {
        Ok(self.step_f32_action(action[0])?.to_f32())
    }
}
