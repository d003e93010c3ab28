//! The landscape check the firmware runs, written once for the device and the
//! host: the firmware (`examples/firmware`, which includes this file) calls
//! [`run`] on a Cortex-M, and the library's host test (`tests/firmware.rs`)
//! includes this very file, runs it and asserts that the constants in
//! `expected.rs` are what the host computes, bit for bit. It lives in the
//! library's package so that the published crate's tests find it.
//!
//! The check, all in `f32`, on the sparse types (the MDP's next-state lists
//! in flash, the plan and workspace in [`Storage`], sized exactly):
//! 1. the paper's 5×5 gridworld and a tabular softmax policy drawn like a
//!    torch `nn.Linear` from xoshiro256++ seeded with [`SEED`];
//! 2. [`UPDATES`] exact gradient steps of size [`STEP`] on `J_τ` with
//!    `τ = TAU` decayed by [`TAU_DECAY`] per step (paper §3.1);
//! 3. [`DIRECTIONS`] random directions of the true objective `J` around the
//!    trained parameters at step [`ALPHA`] (paper §2.1.2), streamed into an
//!    accumulator, and its verdict.

use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::SparseMdp;
use policy_landscape::policy::SoftmaxRow;
use policy_landscape::probe::{self, Cases, Thresholds, Verdict};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{Error, Softmax};

/// The paper's gridworld in `f32`, as next-state lists.
pub type Mdp<'a> = SparseMdp<'a, f32, 4>;
/// States of the paper's world.
pub const STATES: usize = 26;
/// A tabular softmax policy over it (its parameters are the logits).
pub type Policy = Softmax<f32, STATES, 4>;
/// The plan's indices (the host test checks this is exact).
pub const INDEX_LEN: usize = 719;
/// The workspace's scalars (the host test checks this is exact).
pub const SCALAR_LEN: usize = 432;

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

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

/// Everything the check writes: the plan's indices, the workspace's
/// scalars, policy rows and `Q` (a `static` on the device).
#[derive(Debug)]
pub struct Storage {
    /// The plan's indices.
    pub indices: [u32; INDEX_LEN],
    /// The workspace's scalars.
    pub scalars: [f32; SCALAR_LEN],
    /// Policy rows.
    pub rows: [SoftmaxRow<f32, 4>; STATES],
    /// `Q`.
    pub q: [[f32; 4]; STATES],
}

impl Storage {
    /// Zeroed storage.
    pub const fn new() -> Self {
        let row = SoftmaxRow {
            p: [0.0; 4],
            pi: [0.0; 4],
            log_pi: [0.0; 4],
            entropy: 0.0,
        };
        Self {
            indices: [0; INDEX_LEN],
            scalars: [0.0; SCALAR_LEN],
            rows: [row; STATES],
            q: [[0.0; 4]; STATES],
        }
    }
}

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

/// The logits of a flat parameter vector (`s * 4 + a`), one row per state.
fn rows_of(theta: &[f32]) -> [[f32; 4]; STATES] {
    let mut rows = [[0.0; 4]; STATES];
    for (row, chunk) in rows.iter_mut().zip(theta.chunks_exact(4)) {
        row.copy_from_slice(chunk);
    }
    rows
}

/// Runs the check on `mdp` (the paper's gridworld, however it was built),
/// in `storage`.
///
/// # Errors
///
/// Any error of the library (none is expected: the inputs are valid).
pub fn run(mdp: Mdp<'_>, storage: &mut Storage) -> Result<Report, Error> {
    let Storage {
        indices,
        scalars,
        rows,
        q,
    } = storage;
    // The natural order: on the paper's world the factors are small, and
    // the results are those of the fixed-size evaluator, bit for bit.
    let plan = SparsePlan::new(mdp, Ordering::Natural, indices)?;
    let mut ws = SparseWorkspace::new(&plan, scalars, rows, q)?;
    let (theta, j_initial, j_final, j_tau_final) = train(&mut ws)?;
    let mut report = probe_at(&mut ws, &theta)?;
    report.j_initial = j_initial;
    report.j_final = j_final;
    report.j_tau_final = j_tau_final;
    Ok(report)
}

/// Steps 1–2: the trained logits, `J` before, `J` and `J_τ` after: gradient
/// ascent on `J_τ` with `τ` decayed after every step (as `Trainer`). Not
/// inlined, so that its frame and [`probe_at`]'s are not on the stack at
/// once.
#[inline(never)]
fn train(
    ws: &mut SparseWorkspace<'_, f32, 4>,
) -> Result<([f32; Policy::PARAMS], f32, f32, f32), Error> {
    let mut policy = Policy::tabular();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(SEED));
    let mut theta = rows_of(policy.params());
    let j_initial = ws.objective(&theta, 0.0, 0.0)?;
    let mut tau = TAU;
    let mut grad = [[0.0_f32; 4]; STATES];
    for _ in 0..UPDATES {
        ws.evaluate(&theta, 0.0, tau)?.gradient_into(&mut grad)?;
        for (t, g) in theta.as_flattened_mut().iter_mut().zip(grad.as_flattened()) {
            *t += STEP * g;
        }
        tau *= TAU_DECAY;
    }
    let j_final = ws.objective(&theta, 0.0, 0.0)?;
    let j_tau_final = ws.objective(&theta, 0.0, tau)?;
    let mut flat = [0.0_f32; Policy::PARAMS];
    flat.copy_from_slice(theta.as_flattened());
    Ok((flat, j_initial, j_final, j_tau_final))
}

/// Step 3: the probe of `J` around `theta` (the objectives of the report
/// are left at 0).
#[inline(never)]
fn probe_at(
    ws: &mut SparseWorkspace<'_, f32, 4>,
    theta: &[f32; Policy::PARAMS],
) -> Result<Report, Error> {
    let mut j = probe::from_fn(|t: &[f32]| ws.objective(&rows_of(t), 0.0, 0.0));
    let mut scratch = [0.0_f32; 2 * Policy::PARAMS];
    // The accumulator (2.7 KB) is used where `start` returned it rather than
    // moved into a local: one copy on the stack, not two.
    probe::start(&mut j, theta, ALPHA, Thresholds::default()).and_then(|mut acc| {
        probe::probe(&mut j, theta, SEED, 0..DIRECTIONS, &mut scratch, &mut acc)?;
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
