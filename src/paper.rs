//! The paper's world (§3.1, Fig. 3) under short names: its gridworld, the
//! softmax policy with a bias feature the authors trained, and the exact
//! workspace that evaluates it.
//!
//! The scalar defaults to `f64`; a microcontroller names `f32`.
//!
//! # Examples
//!
//! ```
//! use policy_landscape::paper;
//!
//! let mdp = paper::mdp::<f64>();
//! let policy = paper::Policy::tabular_with_bias(); // uniform
//! let mut ws = paper::Workspace::new();
//! let j = ws.objective(&mdp, &policy, 0.0)?;
//! let mut grad = [0.0; <paper::Policy>::PARAMS];
//! ws.evaluate(&mdp, &policy, 0.0)?.gradient_into(&mut grad)?;
//! assert!(j > 0.0 && grad.iter().any(|&g| g != 0.0));
//! # Ok::<(), policy_landscape::Error>(())
//! ```

use crate::exact::ExactWorkspace;
use crate::mdp::{Gridworld, RewardCell, TabularMdp};
use crate::policy::{OneHotBias, Softmax};
use crate::real::Real;

/// States: the 5 x 5 cells and the absorbing state.
pub const STATES: usize = 26;
/// Actions: left, right, up, down.
pub const ACTIONS: usize = 4;
/// Features of [`Policy`]: one per state and a bias.
pub const FEATURES: usize = STATES + 1;

/// The paper's gridworld as a type (see [`mdp`]).
pub type Mdp<T = f64> = TabularMdp<T, STATES, ACTIONS>;

/// The policy the paper trains: softmax over the one-hot state with a bias
/// feature ([`OneHotBias`]), as the authors' `nn.Linear` layer;
/// [`Policy::PARAMS`](Softmax::PARAMS) = 108 parameters.
pub type Policy<T = f64> = Softmax<T, STATES, ACTIONS, FEATURES, OneHotBias>;

/// The exact evaluation's workspace for the paper's world.
pub type Workspace<T = f64> = ExactWorkspace<T, STATES, ACTIONS>;

/// The paper's world (§3.1, Fig. 3): 5 x 5, reward 5 at `(0, 4)` and
/// `0.9 * 5 = 4.5` at `(4, 0)`, deterministic moves, `γ = 0.99`, start at
/// `(0, 0)`. Going straight right returns `5 · 0.99⁴`, straight down
/// `4.5 · 0.99⁴`.
pub fn mdp<T: Real>() -> Mdp<T> {
    let cells = [
        RewardCell::new(0, 4, T::from_f64(5.0)),
        RewardCell::new(4, 0, T::from_f64(0.9) * T::from_f64(5.0)),
    ];
    match Gridworld::new(5, &cells).build() {
        Ok(mdp) => mdp,
        // The specification above is valid for both scalars; this arm is
        // unreachable but keeps the function panic-free.
        Err(_) => TabularMdp::zeroed(T::ZERO),
    }
}
