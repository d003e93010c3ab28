//! Criterion benchmarks of exact evaluation, the exact gradient, training and
//! the paper's §3.1 sweep on the 5 x 5 gridworld (26 states, 4 actions), with
//! the torch-style tabular-with-bias policy (27 features), in `f64` and `f32`;
//! one parameter vector at a time and `K = 4` or `8` in the lanes of
//! `ExactBatch` and `BatchTrainer` (throughput: time per parameter vector).
//!
//! Also a 26 x 26 LU + one solve of `I - γ P_π`, ours against nalgebra's,
//! and the exact Hessian (108 parameters) with its eigenvalues, ours against
//! nalgebra's symmetric eigensolver.
//!
//! `cargo bench -p policy-landscape-benches --bench exact` (about two and a half minutes: the four sweeps
//! alone take about 50 s);
//! `cargo bench -p policy-landscape-benches --bench exact -- --test` runs every routine once.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{Bencher, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use nalgebra::{SMatrix, SVector};
use policy_landscape::linalg::Lu;
use policy_landscape::paper::{self, Policy};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::train::{BatchTrainer, Classification, TrainConfig, Trainer};
use policy_landscape::{ExactBatch, ExactWorkspace, Real, TabularMdp};
use rand_core::{Rng, SeedableRng};

const S: usize = 26;
const F: usize = S + 1;
const A: usize = 4;
const P: usize = F * A;

/// The paper's §3.1 sweep: seeds, step size, updates.
const SEEDS: u64 = 100;
const STEP_SIZE: f64 = 0.1;
const UPDATES: usize = 1500;

/// Always DOWN: the deterministic policy reaching the sub-optimal reward
/// (footnote 2's threshold).
const DOWN: [usize; S] = [3; S];

/// A torch-style `nn.Linear(26, 4)` initialisation: every parameter uniform
/// in `±1/sqrt(26)`, drawn in `f64` from xoshiro256++ (so both scalars start
/// from the same point up to rounding).
fn init_params<T: Real>(policy: &mut Policy<T>, seed: u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let bound = 1.0 / 26.0_f64.sqrt(); // 1/sqrt(in_features), as torch
    let mut theta = [T::ZERO; P];
    for x in &mut theta {
        let u = f64::unit_from_u64(rng.next_u64());
        *x = T::from_f64(bound * (2.0 * u - 1.0));
    }
    policy
        .set_params(&theta)
        .expect("finite initial parameters");
}

fn seeded_policy<T: Real>(seed: u64) -> Policy<T> {
    let mut policy = Policy::<T>::tabular_with_bias();
    init_params(&mut policy, seed);
    policy
}

fn bench_objective<T: Real>(b: &mut Bencher<'_>, tau: f64) {
    let mdp = paper::mdp::<T>();
    let policy = seeded_policy::<T>(0);
    let tau = T::from_f64(tau);
    let mut ws = ExactWorkspace::new();
    b.iter(|| {
        let j = ws
            .objective(black_box(&mdp), black_box(&policy), black_box(tau))
            .expect("objective");
        black_box(j)
    });
}

fn bench_gradient<T: Real>(b: &mut Bencher<'_>, tau: f64) {
    let mdp = paper::mdp::<T>();
    let policy = seeded_policy::<T>(0);
    let tau = T::from_f64(tau);
    let mut ws = ExactWorkspace::new();
    let mut grad = [T::ZERO; P];
    b.iter(|| {
        let eval = ws
            .evaluate(black_box(&mdp), black_box(&policy), black_box(tau))
            .expect("evaluate");
        eval.gradient_into(&mut grad).expect("gradient");
        black_box(&grad);
    });
}

/// `J_τ` of `K` seeded policies in one pass of [`ExactBatch`]; criterion's
/// throughput gives the time per parameter vector.
fn bench_objective_batch<T: Real, const K: usize>(b: &mut Bencher<'_>, tau: f64) {
    let mdp = paper::mdp::<T>();
    let policies: [Policy<T>; K] = std::array::from_fn(|k| seeded_policy::<T>(k as u64));
    let tau = T::from_f64(tau);
    let mut batch = ExactBatch::<T, S, A, K>::new();
    b.iter(|| {
        let j = batch
            .objective(
                black_box(&mdp),
                black_box(policies.each_ref()),
                black_box(tau),
            )
            .expect("objective");
        black_box(j)
    });
}

/// `J_τ` and the gradients of `K` seeded policies in one pass.
fn bench_gradient_batch<T: Real, const K: usize>(b: &mut Bencher<'_>, tau: f64) {
    let mdp = paper::mdp::<T>();
    let policies: [Policy<T>; K] = std::array::from_fn(|k| seeded_policy::<T>(k as u64));
    let tau = T::from_f64(tau);
    let mut batch = ExactBatch::<T, S, A, K>::new();
    let mut grad = [T::ZERO; P];
    b.iter(|| {
        let eval = batch
            .evaluate(
                black_box(&mdp),
                black_box(policies.each_ref()),
                black_box(tau),
            )
            .expect("evaluate");
        for k in 0..K {
            eval.gradient_into(k, &mut grad).expect("gradient");
            black_box(&grad);
        }
    });
}

/// One `Trainer::step`. Every `UPDATES` steps the policy and trainer restart
/// from the initial point, so the measured steps are those of a §3.1 run
/// (the restart is a 108-number copy, amortised over 1500 steps).
fn bench_train_step<T: Real>(b: &mut Bencher<'_>) {
    let mdp = paper::mdp::<T>();
    let init = seeded_policy::<T>(0);
    let mut policy = init.clone();
    let mut ws = ExactWorkspace::new();
    let config = TrainConfig::new(T::from_f64(STEP_SIZE), UPDATES);
    let mut trainer = Trainer::new(config).expect("valid config");
    b.iter(|| {
        if trainer.updates() == UPDATES {
            policy.clone_from(&init);
            trainer = Trainer::new(config).expect("valid config");
        }
        let report = trainer
            .step(black_box(&mdp), &mut policy, &mut ws)
            .expect("step");
        black_box(report)
    });
}

/// One [`BatchTrainer::step`] of `K` seeded policies (one pass of the exact
/// evaluator for all of them); restarts as [`bench_train_step`] does.
/// Criterion's throughput gives the time per parameter vector.
fn bench_train_step_batch<T: Real, const K: usize>(b: &mut Bencher<'_>) {
    let mdp = paper::mdp::<T>();
    let init: [Policy<T>; K] = std::array::from_fn(|k| seeded_policy::<T>(k as u64));
    let mut policies = init.clone();
    let mut batch = ExactBatch::new();
    let config = TrainConfig::new(T::from_f64(STEP_SIZE), UPDATES);
    let mut trainer = BatchTrainer::<T, S, A, K, F>::new(config).expect("valid config");
    b.iter(|| {
        if trainer.updates() == UPDATES {
            policies.clone_from(&init);
            trainer = BatchTrainer::new(config).expect("valid config");
        }
        let reports = trainer.step(black_box(&mdp), &mut policies, &mut batch);
        black_box(reports)
    });
}

/// The whole §3.1 sweep, single-threaded: 100 seeds x 1500 exact updates,
/// each run classified against the always-DOWN threshold. Returns the number
/// of runs that found the better optimum.
fn sweep<T: Real>(
    mdp: &TabularMdp<T, S, A>,
    ws: &mut ExactWorkspace<T, S, A>,
    threshold: T,
) -> usize {
    let config = TrainConfig::new(T::from_f64(STEP_SIZE), UPDATES);
    let mut policy = Policy::<T>::tabular_with_bias();
    let mut optimal = 0;
    for seed in 0..SEEDS {
        init_params(&mut policy, seed);
        let outcome = Trainer::new(config)
            .expect("valid config")
            .run(mdp, &mut policy, ws, |_| ControlFlow::Continue(()))
            .expect("training run");
        if Classification::classify(outcome.final_j_true, threshold) == Classification::Optimal {
            optimal += 1;
        }
    }
    optimal
}

/// [`sweep`] with the seeds in groups of `K`, one per lane of a
/// [`BatchTrainer`] (the last group padded with copies of its last seed,
/// whose results are dropped): the same runs, bit for bit.
fn sweep_batch<T: Real, const K: usize>(
    mdp: &TabularMdp<T, S, A>,
    batch: &mut ExactBatch<T, S, A, K>,
    threshold: T,
) -> usize {
    let config = TrainConfig::new(T::from_f64(STEP_SIZE), UPDATES);
    let mut policies: [Policy<T>; K] = std::array::from_fn(|_| Policy::tabular_with_bias());
    let mut optimal = 0;
    for first in (0..SEEDS).step_by(K) {
        let runs = (SEEDS - first).min(K as u64) as usize;
        for (k, policy) in policies.iter_mut().enumerate() {
            init_params(policy, first + (k.min(runs - 1)) as u64);
        }
        let outcomes = BatchTrainer::<T, S, A, K, F>::new(config)
            .expect("valid config")
            .run(mdp, &mut policies, batch, |_| ControlFlow::Continue(()));
        for outcome in outcomes.iter().take(runs) {
            let outcome = outcome.as_ref().expect("training run");
            if Classification::classify(outcome.final_j_true, threshold) == Classification::Optimal
            {
                optimal += 1;
            }
        }
    }
    optimal
}

/// The batched sweep; checks once that it finds what [`sweep`] finds.
fn bench_sweep_batch<T: Real, const K: usize>(b: &mut Bencher<'_>) {
    let mdp = paper::mdp::<T>();
    let mut ws = ExactWorkspace::new();
    let threshold = ws.deterministic_return(&mdp, &DOWN).expect("threshold");
    let mut batch = ExactBatch::new();
    let optimal = sweep_batch::<T, K>(&mdp, &mut batch, threshold);
    assert_eq!(optimal, sweep(&mdp, &mut ws, threshold), "batched sweep");
    b.iter(|| black_box(sweep_batch::<T, K>(black_box(&mdp), &mut batch, threshold)));
}

fn bench_sweep<T: Real>(b: &mut Bencher<'_>) {
    let mdp = paper::mdp::<T>();
    let mut ws = ExactWorkspace::new();
    let threshold = ws.deterministic_return(&mdp, &DOWN).expect("threshold");
    b.iter(|| black_box(sweep(black_box(&mdp), &mut ws, threshold)));
}

/// `I - γ P_π` and `r_π` for the seed-0 policy (τ = 0), in `f64`.
fn lu_system() -> ([[f64; S]; S], [f64; S]) {
    let mdp = paper::mdp::<f64>();
    let policy = seeded_policy::<f64>(0);
    let mut ws = ExactWorkspace::new();
    let eval = ws.evaluate(&mdp, &policy, 0.0).expect("evaluate");
    let mut m = [[0.0; S]; S];
    eval.p_pi_into(&mut m);
    let gamma = mdp.gamma();
    for (i, row) in m.iter_mut().enumerate() {
        for x in row.iter_mut() {
            *x *= -gamma;
        }
        row[i] += 1.0;
    }
    (m, *eval.reward())
}

fn bench_lu(c: &mut Criterion) {
    let (m, r) = lu_system();

    // Both factorisations must agree with each other before timing them.
    let a = SMatrix::<f64, S, S>::from_fn(|i, j| m[i][j]);
    let b = SVector::<f64, S>::from_column_slice(&r);
    let x_na = a.lu().solve(&b).expect("nalgebra: non-singular");
    let mut lu = Lu::<f64, S>::new();
    lu.factor(&m).expect("ours: non-singular");
    let mut x = [0.0; S];
    lu.solve(&r, &mut x).expect("ours: solve");
    let diff = x
        .iter()
        .zip(x_na.iter())
        .fold(0.0_f64, |acc, (p, q)| acc.max((p - q).abs()));
    assert!(diff < 1e-10, "LU solutions differ by {diff}");

    let mut group = c.benchmark_group("nalgebra_lu_26");
    group.bench_function("f64", |bench| {
        bench.iter(|| {
            let lu = black_box(a).lu();
            black_box(lu.solve(black_box(&b)))
        });
    });
    group.finish();

    let mut group = c.benchmark_group("our_lu_26");
    group.bench_function("f64", |bench| {
        let mut lu = Lu::<f64, S>::new();
        let mut x = [0.0; S];
        bench.iter(|| {
            lu.factor(black_box(&m)).expect("factor");
            lu.solve(black_box(&r), &mut x).expect("solve");
            black_box(&x);
        });
    });
    group.finish();
}

fn micro(c: &mut Criterion) {
    let mut group = c.benchmark_group("exact_j");
    group.bench_function("f64", |b| bench_objective::<f64>(b, 0.0));
    group.bench_function("f32", |b| bench_objective::<f32>(b, 0.0));
    group.bench_function("f64_tau0.1", |b| bench_objective::<f64>(b, 0.1));
    group.bench_function("f32_tau0.1", |b| bench_objective::<f32>(b, 0.1));
    group.finish();

    let mut group = c.benchmark_group("exact_gradient");
    group.bench_function("f64", |b| bench_gradient::<f64>(b, 0.0));
    group.bench_function("f32", |b| bench_gradient::<f32>(b, 0.0));
    group.bench_function("f64_tau0.1", |b| bench_gradient::<f64>(b, 0.1));
    group.bench_function("f32_tau0.1", |b| bench_gradient::<f32>(b, 0.1));
    group.finish();

    for (name, k) in [("exact_j_batch4", 4u64), ("exact_j_batch8", 8)] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(k));
        if k == 4 {
            group.bench_function("f64", |b| bench_objective_batch::<f64, 4>(b, 0.0));
            group.bench_function("f32", |b| bench_objective_batch::<f32, 4>(b, 0.0));
            group.bench_function("f64_tau0.1", |b| bench_objective_batch::<f64, 4>(b, 0.1));
        } else {
            group.bench_function("f64", |b| bench_objective_batch::<f64, 8>(b, 0.0));
            group.bench_function("f32", |b| bench_objective_batch::<f32, 8>(b, 0.0));
            group.bench_function("f64_tau0.1", |b| bench_objective_batch::<f64, 8>(b, 0.1));
        }
        group.finish();
    }
    for (name, k) in [
        ("exact_gradient_batch4", 4u64),
        ("exact_gradient_batch8", 8),
    ] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(k));
        if k == 4 {
            group.bench_function("f64", |b| bench_gradient_batch::<f64, 4>(b, 0.0));
            group.bench_function("f64_tau0.1", |b| bench_gradient_batch::<f64, 4>(b, 0.1));
        } else {
            group.bench_function("f64", |b| bench_gradient_batch::<f64, 8>(b, 0.0));
            group.bench_function("f64_tau0.1", |b| bench_gradient_batch::<f64, 8>(b, 0.1));
        }
        group.finish();
    }
    let mut group = c.benchmark_group("train_step");
    group.bench_function("f64", bench_train_step::<f64>);
    group.bench_function("f32", bench_train_step::<f32>);
    group.finish();
    for (name, k) in [("train_step_batch4", 4u64), ("train_step_batch8", 8)] {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(k));
        if k == 4 {
            group.bench_function("f64", bench_train_step_batch::<f64, 4>);
            group.bench_function("f32", bench_train_step_batch::<f32, 4>);
        } else {
            group.bench_function("f64", bench_train_step_batch::<f64, 8>);
            group.bench_function("f32", bench_train_step_batch::<f32, 8>);
        }
        group.finish();
    }

    bench_lu(c);
}

fn sweeps(c: &mut Criterion) {
    let mut group = c.benchmark_group("sweep_100x1500");
    // One iteration is ~1 s: ten flat samples of one iteration each (the
    // target time is just above that, so criterion does not warn).
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(12));
    group.bench_function("f64", bench_sweep::<f64>);
    group.bench_function("f32", bench_sweep::<f32>);
    // The same sweep, seeds as lanes of a BatchTrainer.
    group.bench_function("f64_batch4", bench_sweep_batch::<f64, 4>);
    group.bench_function("f64_batch8", bench_sweep_batch::<f64, 8>);
    group.finish();
}

/// The exact Hessian of `J_τ` at a seeded policy (108 parameters) and its
/// eigenvalues: ours (cyclic Jacobi) against nalgebra's `SymmetricEigen`
/// (eigenvalues only) on the same matrix, in the same run.
fn hessian(c: &mut Criterion) {
    let mdp = paper::mdp::<f64>();
    let policy = seeded_policy::<f64>(3);
    let mut ws = ExactWorkspace::new();
    let mut h = vec![0.0; P * P];
    ws.hessian_into(&mdp, &policy, 0.01, &mut h)
        .expect("hessian");
    let mut group = c.benchmark_group("hessian_108");
    group.sample_size(20);
    group.bench_function("ours_hessian_f64", |b| {
        let mut out = vec![0.0; P * P];
        b.iter(|| {
            ws.hessian_into(&mdp, black_box(&policy), 0.01, &mut out)
                .expect("hessian");
            black_box(&out);
        });
    });
    group.bench_function("ours_eigenvalues_f64", |b| {
        let mut a = vec![0.0; P * P];
        let mut values = vec![0.0; P];
        b.iter(|| {
            a.copy_from_slice(black_box(&h));
            policy_landscape::linalg::symmetric_eigen(&mut a, P, &mut values, None).expect("eigen");
            black_box(&values);
        });
    });
    let m = nalgebra::DMatrix::<f64>::from_row_slice(P, P, &h);
    group.bench_function("nalgebra_eigenvalues_f64", |b| {
        b.iter(|| black_box(black_box(&m).clone().symmetric_eigenvalues()));
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = micro, hessian, sweeps
}
criterion_main!(benches);
