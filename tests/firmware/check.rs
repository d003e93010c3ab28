//! The landscape check the firmware runs, written once for the device and the
//! host: the firmware (`examples/firmware`, which includes this file) calls
//! [`run`] on a Cortex-M, and the library's host test (`tests/firmware.rs`)
//! includes this very file, runs it and asserts that the constants in
//! `expected.rs` are what the host computes, bit for bit. It lives in the
//! library's package so that the published crate's tests find it.
//!
//! The check, all in `f32`:
//! 1. the paper's 5×5 gridworld and a tabular softmax policy drawn like a
//!    torch `nn.Linear` from xoshiro256++ seeded with [`SEED`];
//! 2. [`UPDATES`] exact gradient steps of size [`STEP`] on `J_τ` with
//!    `τ = TAU` decayed by [`TAU_DECAY`] per step (paper §3.1);
//! 3. [`DIRECTIONS`] random directions of the true objective `J` around the
//!    trained parameters at step [`ALPHA`] (paper §2.1.2), streamed into an
//!    accumulator, and its verdict.

use policy_landscape::probe::{self, Cases, ExactObjective, Thresholds, Verdict};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{Error, ExactWorkspace, Softmax, TabularMdp, TrainConfig, Trainer};

/// The paper's gridworld in `f32`.
pub type Mdp = TabularMdp<f32, 26, 4>;
/// A tabular softmax policy over it.
pub type Policy = Softmax<f32, 26, 4>;
/// The exact evaluator's scratch space.
pub type Workspace = ExactWorkspace<f32, 26, 4>;

/// Seed of the initial parameters and of the probe directions.
pub const SEED: u64 = 2019;
/// Exact gradient steps.
pub const UPDATES: usize = 300;
/// Step size.
pub const STEP: f32 = 0.1;
/// Initial entropy weight.
pub const TAU: f32 = 0.1;
/// Per-step decay of the entropy weight.
pub const TAU_DECAY: f32 = 0.99;
/// Probe directions.
pub const DIRECTIONS: u64 = 100;
/// Probe step `α`.
pub const ALPHA: f32 = 0.5;

/// What the check measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Report {
    /// `J` of the initial policy.
    pub j_initial: f32,
    /// `J` after training.
    pub j_final: f32,
    /// `J_τ` after training, at the decayed `τ`.
    pub j_tau_final: f32,
    /// Mean of the gradient projection `(D+ − D−) / 2α` over the directions.
    pub gradient_mean: f32,
    /// Mean of the curvature projection `(D+ + D−) / α²`.
    pub curvature_mean: f32,
    /// The paper's case counts.
    pub cases: Cases,
    /// The verdict.
    pub verdict: Verdict,
}

impl Report {
    /// Equality with every float compared by its bits (`==` would equate
    /// `0.0` and `-0.0`).
    pub fn same_bits(&self, other: &Self) -> bool {
        let floats = |r: &Self| {
            [
                r.j_initial,
                r.j_final,
                r.j_tau_final,
                r.gradient_mean,
                r.curvature_mean,
            ]
            .map(f32::to_bits)
        };
        floats(self) == floats(other) && self.cases == other.cases && self.verdict == other.verdict
    }
}

/// Runs the check on `mdp` (the paper's gridworld, however it was built).
///
/// # Errors
///
/// Any error of the library (none is expected: the inputs are valid).
pub fn run(mdp: &Mdp, ws: &mut Workspace) -> Result<Report, Error> {
    let (policy, j_initial, j_final, j_tau_final) = train(mdp, ws)?;
    let mut report = probe_at(mdp, ws, policy)?;
    report.j_initial = j_initial;
    report.j_final = j_final;
    report.j_tau_final = j_tau_final;
    Ok(report)
}

/// Steps 1–2: the trained policy, `J` before, `J` and `J_τ` after. Not
/// inlined, so that its frame and [`probe_at`]'s are not on the stack at
/// once.
#[inline(never)]
fn train(mdp: &Mdp, ws: &mut Workspace) -> Result<(Policy, f32, f32, f32), Error> {
    let mut policy = Policy::tabular();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(SEED));
    let j_initial = ws.objective(mdp, &policy, 0.0)?;
    let config = TrainConfig::new(STEP, UPDATES)
        .tau(TAU)
        .tau_decay(TAU_DECAY);
    let mut trainer = Trainer::new(config)?;
    let outcome = trainer.run(mdp, &mut policy, ws, |_| {
        core::ops::ControlFlow::Continue(())
    })?;
    Ok((policy, j_initial, outcome.final_j_true, outcome.final_j_tau))
}

/// Step 3: the probe of `J` around `policy`'s parameters (the objectives of
/// the report are left at 0).
#[inline(never)]
fn probe_at(mdp: &Mdp, ws: &mut Workspace, policy: Policy) -> Result<Report, Error> {
    let mut theta = [0.0_f32; Policy::PARAMS];
    theta.copy_from_slice(policy.params());
    let mut j = ExactObjective::new(mdp, policy, ws, 0.0)?;
    let mut scratch = [0.0_f32; 2 * Policy::PARAMS];
    // The accumulator (2.7 KB) is used where `start` returned it rather than
    // moved into a local: one copy on the stack, not two.
    probe::start(&mut j, &theta, ALPHA, Thresholds::default()).and_then(|mut acc| {
        probe::probe(&mut j, &theta, SEED, 0..DIRECTIONS, &mut scratch, &mut acc)?;
        Ok(Report {
            j_initial: 0.0,
            j_final: 0.0,
            j_tau_final: 0.0,
            gradient_mean: acc.gradient().mean().unwrap_or(f32::NAN),
            curvature_mean: acc.curvature().mean().unwrap_or(f32::NAN),
            cases: *acc.cases(),
            verdict: acc.verdict(),
        })
    })
}
