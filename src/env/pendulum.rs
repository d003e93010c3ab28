//! Gymnasium's `Pendulum-v1`, ported exactly from Gymnasium 1.4.0
//! (`gymnasium/envs/classic_control/pendulum.py`, with the `TimeLimit` of
//! 200 steps that `gymnasium.make` adds). The dynamics and the precision of
//! each operation are documented on [`Pendulum`]; the tests replay
//! transitions recorded from Gymnasium (`tests/data/gym_fixtures.py`).

use rand_core::Rng;

use super::{Env, Transition};
use crate::error::{Error, Result, check_finite, rule};
use crate::math::f64m;
use crate::random::uniform01;
use crate::real::Real;

/// Gymnasium's `Pendulum-v1`: swing a pendulum up and hold it upright.
///
/// Observation `[cos θ, sin θ, θ̇]` (`O = 3`, float32 values), action
/// `[torque]` (`A = 1`). The state `(θ, θ̇)` is float64, θ = 0 upright.
/// One step with torque `u` (Gymnasium 1.4.0, `pendulum.py`):
///
/// - `u ← clip(u, −2, 2)`
/// - `cost = norm(θ)² + 0.1 θ̇² + 0.001 u²`, with
///   `norm(x) = ((x + π) mod 2π) − π` and Python's floor modulo
///   (`fmod`, plus 2π when negative)
/// - `θ̇' = clip(θ̇ + (3g/(2l) sin θ + 3/(m l²) u) dt, −8, 8)`
/// - `θ' = θ + θ̇' dt` (θ itself is never wrapped)
/// - observation `[cos θ', sin θ', θ̇']` computed in float64 and rounded to
///   float32; reward `−cost` (float64); never terminated; truncated from the
///   200th step since reset on (and on every later step, as `TimeLimit`).
///
/// `dt = 0.05`, `m = l = 1`, `g = 10` unless given
/// ([`Pendulum::with_gravity`]). Reset draws `θ ~ U[−π, π)` then
/// `θ̇ ~ U[−1, 1)`, each as numpy's `low + (high − low) · U` with `U` from
/// the top 53 bits of one `u64`: numpy's own stream cannot be matched, but
/// the same two 64-bit words as numpy's generator give the same state.
///
/// **Precision.** The arithmetic follows numpy 2 (NEP 50) operation by
/// operation, and numpy's depends on the action's dtype: a float32 torque
/// (`Env<f32, 3, 1>`, [`Pendulum::step_f32_action`]) makes numpy compute
/// `3.0 * u` and `0.001 * u**2` in float32, a float64 torque
/// (`Env<f64, 3, 1>`) keeps them in float64. Everything else is float64.
///
/// **Exactness.** Bit-identical to Gymnasium except where the elementary
/// functions round differently: Gymnasium's `np.sin`/`np.cos` (glibc's on
/// the x86-64 machine the fixtures come from) and this crate's (`libm`) are
/// both within 1 ULP but disagree on a few percent of arguments, which
/// moves `θ̇'` and `θ'` by an ULP in about 1 transition in 100 (the float32
/// observations almost never change). numpy's scalar `x**2` calls C
/// `pow`/`powf`, which glibc rounds wrongly about once in 1000; this port
/// squares with `x * x` (correctly rounded).
///
/// Differences from Gymnasium: [`Pendulum::new`] starts at `θ = θ̇ = 0`, so
/// stepping before [`Env::reset`] works (Gymnasium's `OrderEnforcing`
/// raises); a NaN or infinite torque is an error instead of a NaN state; a
/// state that would overflow gives [`Error::NumericalOverflow`] instead of
/// an infinite reward; `g` must be non-negative.
///
/// # Examples
///
/// ```
/// use policy_landscape::env::{Env, Pendulum};
/// use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
/// use rand_core::SeedableRng;
///
/// let mut env = Pendulum::new();
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
/// let obs: [f64; 3] = env.reset(&mut rng);
/// assert!((obs[0] * obs[0] + obs[1] * obs[1] - 1.0).abs() < 1e-6);
///
/// let mut steps = 0;
/// loop {
///     let t = env.step(&[2.0_f64])?;
///     steps += 1;
///     assert!(!t.terminated && t.reward <= 0.0 && t.observation[2].abs() <= 8.0);
///     if t.truncated {
///         break;
///     }
/// }
/// assert_eq!(steps, Pendulum::MAX_EPISODE_STEPS);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Pendulum {
    g: f64,
    theta: f64,
    theta_dot: f64,
    elapsed: usize,
}

impl Pendulum {
    /// Bound on `|θ̇|` (`max_speed`).
    pub const MAX_SPEED: f64 = 8.0;
    /// Bound on the torque (`max_torque`).
    pub const MAX_TORQUE: f64 = 2.0;
    /// Time step.
    pub const DT: f64 = 0.05;
    /// Mass.
    pub const MASS: f64 = 1.0;
    /// Length.
    pub const LENGTH: f64 = 1.0;
    /// Gymnasium's default gravity.
    pub const DEFAULT_GRAVITY: f64 = 10.0;
    /// The `TimeLimit` of `Pendulum-v1`.
    pub const MAX_EPISODE_STEPS: usize = 200;

    /// `Pendulum-v1` with `g = 10`, at `θ = θ̇ = 0` until reset.
    pub const fn new() -> Self {
        Self {
            g: Self::DEFAULT_GRAVITY,
            theta: 0.0,
            theta_dot: 0.0,
            elapsed: 0,
        }
    }

    /// `Pendulum-v1` with gravity `g` (Gymnasium's `g` argument).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `g` is finite and non-negative.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::env::Pendulum;
    ///
    /// assert_eq!(Pendulum::with_gravity(9.81)?.gravity(), 9.81);
    /// assert!(Pendulum::with_gravity(f64::NAN).is_err());
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn with_gravity(g: f64) -> Result<Self> {
        if !(g.is_finite() && g >= 0.0) {
            return Err(Error::InvalidParameter {
                what: "g",
                rule: rule::NON_NEGATIVE,
            });
        }
        Ok(Self { g, ..Self::new() })
    }

    /// The gravity `g`.
    pub fn gravity(&self) -> f64 {
        self.g
    }

    /// The state `[θ, θ̇]` (θ unwrapped, as Gymnasium keeps it).
    pub fn state(&self) -> [f64; 2] {
        [self.theta, self.theta_dot]
    }

    /// Replaces the state `[θ, θ̇]`, like assigning `env.unwrapped.state` in
    /// Gymnasium: the step counter is left alone, and any finite values are
    /// accepted (a `θ̇` beyond the speed bound is clipped by the next step).
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] (`what: "state"`) for a NaN or infinite entry;
    /// the environment is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::env::{Env, Pendulum};
    ///
    /// let mut env = Pendulum::new();
    /// env.set_state([core::f64::consts::PI, 0.0])?; // hanging down, at rest
    /// let t = env.step(&[0.0_f64])?;
    /// assert_eq!(t.observation[0], -1.0);
    /// assert_eq!(t.reward, -core::f64::consts::PI * core::f64::consts::PI);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn set_state(&mut self, state: [f64; 2]) -> Result<()> {
        check_finite("state", &state)?;
        [self.theta, self.theta_dot] = state;
        Ok(())
    }

    /// The observation of the current state: `[cos θ, sin θ, θ̇]` computed in
    /// float64 and rounded to float32 (Gymnasium's `_get_obs`).
    pub fn observation(&self) -> [f32; 3] {
        [
            Real::cos(self.theta) as f32,
            Real::sin(self.theta) as f32,
            self.theta_dot as f32,
        ]
    }

    /// Steps taken since the last reset (the `TimeLimit` counter).
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed
    }

    /// Gymnasium's step with a float32 torque, as `Env<f32, 3, 1>` takes it,
    /// but returning Gymnasium's float64 reward unrounded.
    ///
    /// # Errors
    ///
    /// As for [`Env::step`].
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::env::{Env, Pendulum};
    ///
    /// let mut a = Pendulum::new();
    /// let mut b = a.clone();
    /// // numpy computes 3.0 * u in float32 for a float32 torque.
    /// a.step_f32_action(0.1)?;
    /// b.step(&[f64::from(0.1_f32)])?;
    /// assert_ne!(a.state()[1], b.state()[1]);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    pub fn step_f32_action(&mut self, action: f32) -> Result<Transition<f64, 3>> {
        let (observation, reward, truncated) = self.advance(action)?;
        Ok(Transition {
            observation: observation.map(f64::from),
            reward,
            terminated: false,
            truncated,
        })
    }

    /// One step with a torque of numpy dtype `U`; the observation is float32
    /// and the reward float64, as in Gymnasium.
    fn advance<U: Torque>(&mut self, action: U) -> Result<([f32; 3], f64, bool)> {
        check_finite("action", &[action])?;
        let (th, thdot) = (self.theta, self.theta_dot);
        let (g, m, l, dt) = (self.g, Self::MASS, Self::LENGTH, Self::DT);
        let u = action.clip_torque();
        // costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
        let an = angle_normalize(th);
        let costs = an * an + 0.1 * (thdot * thdot) + u.cost();
        // newthdot = thdot + (3 * g / (2 * l) * np.sin(th) + 3.0 / (m * l**2) * u) * dt
        let gravity = 3.0 * g / (2.0 * l) * Real::sin(th);
        let torque = u.times(3.0 / (m * (l * l)));
        let newthdot = thdot + (gravity + torque) * dt;
        let newthdot = newthdot.clamp(-Self::MAX_SPEED, Self::MAX_SPEED);
        let newth = th + newthdot * dt;
        let reward = -costs;
        if !(reward.is_finite() && newth.is_finite()) {
            return Err(Error::NumericalOverflow {
                what: "pendulum state",
            });
        }
        self.theta = newth;
        self.theta_dot = newthdot;
        self.elapsed = self.elapsed.saturating_add(1);
        let truncated = self.elapsed >= Self::MAX_EPISODE_STEPS;
        Ok((self.observation(), reward, truncated))
    }

    /// Draws `θ ~ U[−π, π)` then `θ̇ ~ U[−1, 1)` (numpy's
    /// `low + (high − low) · U` with one 53-bit uniform each, two `u64`s in
    /// all) and zeroes the step counter.
    fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let high = [core::f64::consts::PI, 1.0];
        let u0: f64 = uniform01(rng);
        let u1: f64 = uniform01(rng);
        self.theta = -high[0] + (high[0] - -high[0]) * u0;
        self.theta_dot = -high[1] + (high[1] - -high[1]) * u1;
        self.elapsed = 0;
    }
}

impl Default for Pendulum {
    fn default() -> Self {
        Self::new()
    }
}

/// `((x + π) % (2π)) − π` with Python's floor modulo as numpy computes it:
/// `r = fmod(a, b)` (exact), then `r + b` when `r < 0`, and `+0` for a zero
/// remainder.
fn angle_normalize(x: f64) -> f64 {
    let a = x + core::f64::consts::PI;
    let b = 2.0 * core::f64::consts::PI;
    let mut r = f64m::fmod(a, b);
    if r != 0.0 {
        if r < 0.0 {
            r += b;
        }
    } else {
        r = 0.0;
    }
    r - core::f64::consts::PI
}

/// A torque of a numpy dtype: what `np.clip`, `3.0 * u` and `0.001 * u**2`
/// do to it (NEP 50: a Python float meeting a float32 becomes float32).
trait Torque: Real {
    fn clip_torque(self) -> Self;
    /// `c * u` in the torque's dtype (`c` a Python float), widened.
    fn times(self, c: f64) -> f64;
    /// `0.001 * (u**2)` in the torque's dtype, widened.
    fn cost(self) -> f64;
}

impl Torque for f64 {
    fn clip_torque(self) -> Self {
        self.clamp(-Pendulum::MAX_TORQUE, Pendulum::MAX_TORQUE)
    }
    fn times(self, c: f64) -> f64 {
        c * self
    }
    fn cost(self) -> f64 {
        0.001 * (self * self)
    }
}

impl Torque for f32 {
    fn clip_torque(self) -> Self {
        self.clamp(-Pendulum::MAX_TORQUE as f32, Pendulum::MAX_TORQUE as f32)
    }
    fn times(self, c: f64) -> f64 {
        (c as f32 * self) as f64
    }
    fn cost(self) -> f64 {
        // numpy rounds the Python float 0.001 (a float64) to float32.
        (0.001_f64 as f32 * (self * self)) as f64
    }
}

impl Env<f64, 3, 1> for Pendulum {
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [f64; 3] {
        self.draw(rng);
        self.observation().map(f64::from)
    }

    /// Steps with a float64 torque.
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] for a NaN or infinite torque;
    /// [`Error::NumericalOverflow`] if a (set) state makes the reward or the
    /// angle overflow. The environment is unchanged on error.
    fn step(&mut self, action: &[f64; 1]) -> Result<Transition<f64, 3>> {
        let (observation, reward, truncated) = self.advance(action[0])?;
        Ok(Transition {
            observation: observation.map(f64::from),
            reward,
            terminated: false,
            truncated,
        })
    }
}

impl Env<f32, 3, 1> for Pendulum {
    fn reset<R: Rng + ?Sized>(&mut self, rng: &mut R) -> [f32; 3] {
        self.draw(rng);
        self.observation()
    }

    /// Steps with a float32 torque; the float64 reward is rounded to f32.
    ///
    /// # Errors
    ///
    /// As for `Env<f64, 3, 1>`.
    fn step(&mut self, action: &[f32; 1]) -> Result<Transition<f32, 3>> {
        Ok(self.step_f32_action(action[0])?.to_f32())
    }
}
