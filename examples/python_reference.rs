//! The core's results through its Rust API, for the Python bindings' test
//! of bit identity (`python/tests/test_rust_api.py`).
//!
//! Prints one JSON object; every `f64` is written as its IEEE bits
//! (`to_bits`, a `u64`), so the test compares bits, not decimal text:
//!
//! - `cases`: the paper's world through the fixed-size evaluator
//!   (`paper::mdp`, `paper::Policy`, `ExactWorkspace`) for a policy from
//!   `init_like_torch(Xoshiro256PlusPlus::seed_from_u64(seed))` and given
//!   `mix` and `tau`: `J_tau`, `J`, `V`, `Q`, `d`, `π`, the parameters and
//!   the gradient in the torch layout (`gradient_torch_into`); and the
//!   same evaluation through the sparse API (`SparsePlan`,
//!   `SparseWorkspace`, `Ordering::Natural`) on the gridworld built sparse,
//!   its logit gradient taken to the torch layout by the one-hot-with-bias
//!   rule (`dW[a][s] = g[s][a]`, `db[a] = Σ_s g[s][a]` in state order);
//! - `train`: 100 updates of the core's `Trainer` from such a policy:
//!   final parameters (torch layout), final `J` and `J_tau`;
//! - `probe`: `probe::start` and `probe::probe` of 50 directions on the
//!   core's `ExactObjective`, the accumulator as the Rust API's serde JSON.
//!
//! The core's `ExactObjective` takes the policy's flat layout (`[f][a]`),
//! the bindings' the torch layout; the probe here runs in the torch
//! layout (the directions are drawn in the coordinates of the probed
//! vector) through a closure that permutes each point to the flat layout
//! (no arithmetic) before calling the core's objective.
//!
//! Run: `cargo run -q --features std,serde --example python_reference`
//! (the debug build gives the same bits: IEEE arithmetic, no fast math).

use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Gridworld, RewardCell};
use policy_landscape::policy::SoftmaxRow;
use policy_landscape::probe::{self, ExactObjective, Objective, Thresholds, from_fn};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::train::{TrainConfig, Trainer};
use policy_landscape::{ExactWorkspace, Result, paper};
use serde_json::{Value, json};

const S: usize = paper::STATES;
const A: usize = paper::ACTIONS;
const P: usize = <paper::Policy>::PARAMS;

fn bits(x: &[f64]) -> Value {
    Value::from(x.iter().map(|v| v.to_bits()).collect::<Vec<u64>>())
}

fn bit(x: f64) -> Value {
    Value::from(x.to_bits())
}

/// The paper's policy from `init_like_torch` with `Xoshiro256PlusPlus`
/// seeded by `seed` (what the bindings' `Softmax.init_like_torch(seed)`
/// documents), mixed by `mix`.
fn policy(seed: u64, mix: f64) -> Result<paper::Policy> {
    let mut p = paper::Policy::tabular_with_bias();
    p.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    p.set_mix(mix)?;
    Ok(p)
}

fn torch_params(p: &paper::Policy) -> Result<Vec<f64>> {
    let mut t = vec![0.0; P];
    p.params_to_torch(&mut t)?;
    Ok(t)
}

fn dense_case(mdp: &paper::Mdp, seed: u64, mix: f64, tau: f64) -> Result<Value> {
    let pol = policy(seed, mix)?;
    let mut ws = ExactWorkspace::new();
    let objective = ws.objective(mdp, &pol, tau)?;
    let e = ws.evaluate(mdp, &pol, tau)?;
    let mut grad = vec![0.0; P];
    e.gradient_torch_into(&mut grad)?;
    let mut pi = [[0.0; A]; S];
    e.policy_into(&mut pi);
    let mut h = [0.0; S];
    e.entropy_into(&mut h);
    Ok(json!({
        "seed": seed,
        "mix": bit(mix),
        "tau": bit(tau),
        "params": bits(&torch_params(&pol)?),
        "objective": bit(objective),
        "j_tau": bit(e.j_tau()),
        "j_true": bit(e.j_true()),
        "j_entropy": bit(e.j_entropy()),
        "value": bits(e.value()),
        "q": bits(e.q().as_flattened()),
        "occupancy": bits(e.occupancy()),
        "policy": bits(pi.as_flattened()),
        "entropy": bits(&h),
        "gradient": bits(&grad),
    }))
}

fn sparse_case(seed: u64, mix: f64, tau: f64) -> Result<Value> {
    let cells = [RewardCell::new(0, 4, 5.0), RewardCell::new(4, 0, 0.9 * 5.0)];
    let world = Gridworld::new(5, &cells).build_sparse_owned::<A>()?;
    let mdp = world.view();
    let mut indices = vec![0u32; SparsePlan::index_len(&mdp, Ordering::Natural)?];
    let plan = SparsePlan::new(mdp, Ordering::Natural, &mut indices)?;
    let n = plan.mdp().states();
    let mut scalars = vec![0.0; plan.scalar_len()];
    let mut rows = vec![SoftmaxRow::default(); n];
    let mut q = vec![[0.0; A]; n];
    let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q)?;
    let pol = policy(seed, mix)?;
    let logits: Vec<[f64; A]> = (0..S)
        .map(|s| {
            let mut z = [0.0; A];
            pol.logits(s, &mut z).map(|()| z)
        })
        .collect::<Result<_>>()?;
    let objective = ws.objective(&logits, mix, tau)?;
    let e = ws.evaluate(&logits, mix, tau)?;
    let mut g = vec![[0.0; A]; n];
    e.gradient_into(&mut g)?;
    // One-hot features with a bias: dW[a][s] = g[s][a], db[a] = Σ_s g[s][a].
    let mut grad = vec![0.0; P];
    for a in 0..A {
        let mut b = 0.0;
        for (s, gs) in g.iter().enumerate() {
            grad[a * S + s] = gs[a];
            b += gs[a];
        }
        grad[A * S + a] = b;
    }
    Ok(json!({
        "seed": seed,
        "objective": bit(objective),
        "j_tau": bit(e.j_tau()),
        "value": bits(e.value()),
        "q": bits(e.q().as_flattened()),
        "occupancy": bits(e.occupancy()),
        "logit_gradient": bits(g.as_flattened()),
        "gradient": bits(&grad),
    }))
}

fn train(mdp: &paper::Mdp, seed: u64, config: TrainConfig<f64>) -> Result<Value> {
    let mut pol = policy(seed, 0.0)?;
    let mut ws = ExactWorkspace::new();
    let mut trainer = Trainer::new(config)?;
    let out = trainer.run(mdp, &mut pol, &mut ws, |_| {
        core::ops::ControlFlow::Continue(())
    })?;
    Ok(json!({
        "seed": seed,
        "step_size": bit(config.step_size),
        "updates": config.updates,
        "tau": bit(config.tau),
        "tau_decay": bit(config.tau_decay),
        "final_params": bits(&torch_params(&pol)?),
        "final_j_true": bit(out.final_j_true),
        "final_j_tau": bit(out.final_j_tau),
        "final_tau": bit(out.final_tau),
    }))
}

fn probe_case(
    mdp: &paper::Mdp,
    seed: u64,
    tau: f64,
    alpha: f64,
    dir_seed: u64,
    n: u64,
) -> Result<Value> {
    let pol = policy(seed, 0.0)?;
    let theta0 = torch_params(&pol)?;
    let mut ws = ExactWorkspace::new();
    let mut exact = ExactObjective::new(mdp, pol, &mut ws, tau)?;
    let mut flat = vec![0.0; P];
    let mut o = from_fn(|torch: &[f64]| {
        <paper::Policy>::from_torch_layout(torch, &mut flat)?;
        exact.evaluate(&flat).map(|e| e.value)
    });
    let mut acc = probe::start(&mut o, &theta0, alpha, Thresholds::default())?;
    let mut scratch = vec![0.0; 2 * P];
    probe::probe(&mut o, &theta0, dir_seed, 0..n, &mut scratch, &mut acc)?;
    let snapshot =
        serde_json::to_string(&acc).map_err(|_| policy_landscape::Error::InvalidSnapshot {
            what: "accumulator",
        })?;
    Ok(json!({
        "seed": seed,
        "tau": bit(tau),
        "alpha": bit(alpha),
        "direction_seed": dir_seed,
        "directions": n,
        "theta0": bits(&theta0),
        "accumulator": snapshot,
    }))
}

fn main() -> Result<()> {
    let mdp = paper::mdp::<f64>();
    // (seed, mix, tau): no entropy and no mixing, then both.
    let configs = [(3u64, 0.0, 0.0), (11, 0.2, 0.05), (42, 0.0, 1.0)];
    let mut cases = Vec::new();
    for &(seed, mix, tau) in &configs {
        cases.push(json!({
            "dense": dense_case(&mdp, seed, mix, tau)?,
            "sparse": sparse_case(seed, mix, tau)?,
        }));
    }
    let train_runs = vec![
        train(&mdp, 5, TrainConfig::new(0.1, 100))?,
        train(&mdp, 6, TrainConfig::new(0.1, 100).tau(0.3).tau_decay(0.99))?,
    ];
    let probes = vec![
        probe_case(&mdp, 8, 0.0, 0.5, 123, 50)?,
        probe_case(&mdp, 9, 0.1, 0.05, 7, 50)?,
    ];
    let out = json!({ "cases": cases, "train": train_runs, "probe": probes });
    println!("{out}");
    Ok(())
}
