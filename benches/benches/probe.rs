//! Criterion benchmarks of the landscape probes: the streaming accumulator
//! (push, push with standard errors, merge), direction generation on the
//! 108-dimensional sphere, and a whole 500-direction exact probe of the
//! paper's 5 x 5 gridworld (26 states, 4 actions, torch-style
//! tabular-with-bias policy: 27 x 4 = 108 parameters), in `f64` and `f32`,
//! around a seeded initialisation and around a trained policy; one point at
//! a time and with the `±` points of consecutive directions in the lanes of
//! an `ExactBatch` (`K = 4`, `8`).
//!
//! Targets: a push in at most 20 ns; a 500-direction exact probe (1000
//! evaluations plus the base) in at most 2 ms on one core.
//!
//! `cargo bench -p policy-landscape-benches --bench probe` (about a minute and a half);
//! `cargo bench -p policy-landscape-benches --bench probe -- --test` runs every routine once.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{Bencher, Criterion, Throughput, criterion_group, criterion_main};
use policy_landscape::paper::{self, Policy};
use policy_landscape::probe::{self, Accumulator, ExactObjective, PairErrors, Thresholds};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::train::{TrainConfig, Trainer};
use policy_landscape::{ExactBatch, ExactWorkspace, Real, TabularMdp};
use rand_core::{Rng, SeedableRng};

const S: usize = 26;
const F: usize = S + 1;
const A: usize = 4;
const P: usize = F * A;

/// Pairs per timed iteration of the push benchmarks.
const PAIRS: usize = 4096;
/// Pushes into each of the two merged accumulators.
const MERGE_PUSHES: usize = 1000;
/// Directions of the exact probe.
const DIRECTIONS: u64 = 500;
/// Probe step of the exact probe (the `gridworld_landscape` example's
/// default).
const ALPHA: f64 = 1.0;
/// Probe step and base value of the synthetic accumulator streams.
const ACC_ALPHA: f64 = 0.1;
const ACC_BASE: f64 = 0.5;
/// Direction seed of every probe.
const PROBE_SEED: u64 = 2019;

/// The paper's §3.1 training run: step size, updates.
const STEP_SIZE: f64 = 0.1;
const UPDATES: usize = 1500;

/// A torch-style `nn.Linear(26, 4)` initialisation: every parameter uniform
/// in `±1/sqrt(26)`, drawn in `f64` from xoshiro256++ (so both scalars start
/// from the same point up to rounding), as in `benches/exact.rs`.
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

/// The seed-0 policy after the paper's 1500 exact updates of step 0.1
/// (no entropy), trained in `T`.
fn trained_policy<T: Real>(mdp: &TabularMdp<T, S, A>) -> Policy<T> {
    let mut policy = seeded_policy::<T>(0);
    let mut ws = ExactWorkspace::new();
    Trainer::new(TrainConfig::new(T::from_f64(STEP_SIZE), UPDATES))
        .expect("valid config")
        .run(mdp, &mut policy, &mut ws, |_| ControlFlow::Continue(()))
        .expect("training run");
    policy
}

/// `count` synthetic `(D+, D−)` pairs of a probe of step `ACC_ALPHA`:
/// `D± = ±α g + α² c / 2` with gradient projections `g` and curvatures `c`
/// of random signs and magnitudes spread over `1e-7..1`, and one pair in 16
/// below the exact-objective floor (the "both ≈ 0" case). Every case of the
/// paper occurs.
fn synthetic_pairs<T: Real>(count: usize, seed: u64) -> Vec<(T, T)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut signed_log_uniform = |lo: f64, hi: f64| {
        let u = f64::unit_from_u64(rng.next_u64());
        let sign = if rng.next_u64() & 1 == 0 { 1.0 } else { -1.0 };
        sign * 10.0_f64.powf(lo + (hi - lo) * u)
    };
    (0..count)
        .map(|i| {
            let (g, c) = if i % 16 == 0 {
                (
                    signed_log_uniform(-18.0, -16.0),
                    signed_log_uniform(-18.0, -16.0),
                )
            } else {
                (signed_log_uniform(-7.0, 0.0), signed_log_uniform(-7.0, 0.0))
            };
            let (lin, quad) = (ACC_ALPHA * g, 0.5 * ACC_ALPHA * ACC_ALPHA * c);
            (T::from_f64(lin + quad), T::from_f64(-lin + quad))
        })
        .collect()
}

/// Standard errors for [`synthetic_pairs`]: `1e-4` to `1e-2`, as from a few
/// hundred Monte-Carlo returns.
fn synthetic_errors<T: Real>(count: usize, seed: u64) -> Vec<PairErrors<T>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut se = || T::from_f64(10.0_f64.powf(-4.0 + 2.0 * f64::unit_from_u64(rng.next_u64())));
    (0..count)
        .map(|_| PairErrors {
            base: se(),
            plus: se(),
            minus: se(),
        })
        .collect()
}

fn empty_accumulator<T: Real>() -> Accumulator<T> {
    Accumulator::new(T::from_f64(ACC_ALPHA), P, T::from_f64(ACC_BASE)).expect("accumulator")
}

/// Checks that a stream of pairs exercises every case of the paper.
fn check_cases<T: Real>(pairs: &[(T, T)]) {
    let mut acc = empty_accumulator::<T>();
    for &(d_plus, d_minus) in pairs {
        acc.push(d_plus, d_minus).expect("push");
    }
    let cases = acc.cases();
    assert!(
        cases.both_negative > 0
            && cases.both_positive > 0
            && cases.opposite > 0
            && cases.both_zero > 0,
        "synthetic pairs miss a case: {cases:?}"
    );
}

/// `PAIRS` pushes per iteration into one long-lived accumulator (the steady
/// state of a long probe: P² and histogram already initialised).
fn bench_push<T: Real>(b: &mut Bencher<'_>) {
    let pairs = synthetic_pairs::<T>(PAIRS, 1);
    check_cases(&pairs);
    let mut acc = empty_accumulator::<T>();
    b.iter(|| {
        for &(d_plus, d_minus) in black_box(&pairs) {
            acc.push(d_plus, d_minus).expect("push");
        }
        black_box(acc.count())
    });
}

/// As [`bench_push`] with the P² quantiles switched off.
fn bench_push_no_quantiles<T: Real>(b: &mut Bencher<'_>) {
    let pairs = synthetic_pairs::<T>(PAIRS, 1);
    let mut acc = empty_accumulator::<T>();
    acc.set_quantiles(false).expect("empty accumulator");
    b.iter(|| {
        for &(d_plus, d_minus) in black_box(&pairs) {
            acc.push(d_plus, d_minus).expect("push");
        }
        black_box(acc.count())
    });
}

fn bench_push_with_errors<T: Real>(b: &mut Bencher<'_>) {
    let pairs = synthetic_pairs::<T>(PAIRS, 1);
    let errors = synthetic_errors::<T>(PAIRS, 2);
    let mut acc = empty_accumulator::<T>();
    b.iter(|| {
        for (&(d_plus, d_minus), &e) in black_box(&pairs).iter().zip(black_box(&errors)) {
            acc.push_with_errors(d_plus, d_minus, e).expect("push");
        }
        black_box(acc.count())
    });
}

fn filled_accumulator<T: Real>(seed: u64) -> Accumulator<T> {
    let mut acc = empty_accumulator::<T>();
    for (d_plus, d_minus) in synthetic_pairs::<T>(MERGE_PUSHES, seed) {
        acc.push(d_plus, d_minus).expect("push");
    }
    acc
}

/// Clone one accumulator, merge the other into it: combining two shards
/// without consuming either. (Timing the merge alone with the clone as
/// `iter_batched` set-up reads worse, not better: the batch of 4.5 KB
/// clones is cold in cache; see `accumulator_clone` for the clone's share.)
fn bench_merge<T: Real>(b: &mut Bencher<'_>) {
    let left = filled_accumulator::<T>(3);
    let right = filled_accumulator::<T>(4);
    b.iter(|| {
        let mut acc = black_box(&left).clone();
        acc.merge(black_box(&right)).expect("merge");
        black_box(acc)
    });
}

fn bench_clone<T: Real>(b: &mut Bencher<'_>) {
    let left = filled_accumulator::<T>(3);
    b.iter(|| black_box(black_box(&left).clone()));
}

fn bench_direction<T: Real>(b: &mut Bencher<'_>) {
    let mut d = [T::ZERO; P];
    let mut index = 0_u64;
    b.iter(|| {
        probe::direction_into(black_box(PROBE_SEED), black_box(index), &mut d).expect("direction");
        index = index.wrapping_add(1);
        black_box(&d);
    });
}

/// A whole probe: `probe::start` (the base evaluation) then `DIRECTIONS`
/// directions (two exact evaluations each), into a fresh accumulator.
fn bench_exact_probe<T: Real>(b: &mut Bencher<'_>, trained: bool, tau: f64) {
    let mdp = paper::mdp::<T>();
    let policy = if trained {
        trained_policy(&mdp)
    } else {
        seeded_policy::<T>(0)
    };
    let mut theta0 = [T::ZERO; P];
    theta0.copy_from_slice(policy.params());
    let mut ws = ExactWorkspace::new();
    let mut objective =
        ExactObjective::new(&mdp, policy, &mut ws, T::from_f64(tau)).expect("objective");
    let mut scratch = [T::ZERO; 2 * P];
    let alpha = T::from_f64(ALPHA);
    b.iter(|| {
        let mut acc = probe::start(
            &mut objective,
            black_box(&theta0),
            alpha,
            Thresholds::default(),
        )
        .expect("start");
        probe::probe(
            &mut objective,
            black_box(&theta0),
            PROBE_SEED,
            0..DIRECTIONS,
            &mut scratch,
            &mut acc,
        )
        .expect("probe");
        debug_assert_eq!(acc.count(), DIRECTIONS);
        black_box(acc.verdict())
    });
}

/// [`bench_exact_probe`] with the objective built by
/// `ExactObjective::with_batch`: the `±` points of consecutive directions go
/// `K` per pass of an [`ExactBatch`] (the same accumulator, bit for bit,
/// checked once here).
fn bench_exact_probe_batch<T: Real, const K: usize>(b: &mut Bencher<'_>, trained: bool, tau: f64) {
    let mdp = paper::mdp::<T>();
    let policy = if trained {
        trained_policy(&mdp)
    } else {
        seeded_policy::<T>(0)
    };
    let mut theta0 = [T::ZERO; P];
    theta0.copy_from_slice(policy.params());
    let mut scratch = [T::ZERO; 2 * P];
    let alpha = T::from_f64(ALPHA);
    let tau = T::from_f64(tau);
    let mut ws = ExactWorkspace::new();
    let mut one = ExactObjective::new(&mdp, policy.clone(), &mut ws, tau).expect("objective");
    let mut want = probe::start(&mut one, &theta0, alpha, Thresholds::default()).expect("start");
    probe::probe(
        &mut one,
        &theta0,
        PROBE_SEED,
        0..DIRECTIONS,
        &mut scratch,
        &mut want,
    )
    .expect("probe");
    let mut ws = ExactWorkspace::new();
    let mut batch = ExactBatch::<T, S, A, K>::new();
    let mut objective =
        ExactObjective::with_batch(&mdp, policy, &mut ws, &mut batch, tau).expect("objective");
    let mut run = |objective: &mut ExactObjective<'_, T, S, A, F, _, K>| {
        let mut acc = probe::start(objective, black_box(&theta0), alpha, Thresholds::default())
            .expect("start");
        probe::probe(
            objective,
            black_box(&theta0),
            PROBE_SEED,
            0..DIRECTIONS,
            &mut scratch,
            &mut acc,
        )
        .expect("probe");
        acc
    };
    assert_eq!(format!("{:?}", run(&mut objective)), format!("{want:?}"));
    b.iter(|| black_box(run(&mut objective).verdict()));
}

fn accumulator(c: &mut Criterion) {
    let mut group = c.benchmark_group("accumulator_push");
    group.throughput(Throughput::Elements(PAIRS as u64));
    group.bench_function("f64", bench_push::<f64>);
    group.bench_function("f32", bench_push::<f32>);
    group.bench_function("f64_no_quantiles", bench_push_no_quantiles::<f64>);
    group.bench_function("f32_no_quantiles", bench_push_no_quantiles::<f32>);
    group.finish();

    let mut group = c.benchmark_group("accumulator_push_with_errors");
    group.throughput(Throughput::Elements(PAIRS as u64));
    group.bench_function("f64", bench_push_with_errors::<f64>);
    group.bench_function("f32", bench_push_with_errors::<f32>);
    group.finish();

    let mut group = c.benchmark_group("accumulator_merge");
    group.bench_function("f64", bench_merge::<f64>);
    group.finish();

    let mut group = c.benchmark_group("accumulator_clone");
    group.bench_function("f64", bench_clone::<f64>);
    group.finish();

    let mut group = c.benchmark_group("direction");
    group.bench_function("f64_n108", bench_direction::<f64>);
    group.bench_function("f32_n108", bench_direction::<f32>);
    group.finish();
}

fn exact_probe(c: &mut Criterion) {
    let mut group = c.benchmark_group("exact_probe_500");
    // One iteration is a few milliseconds: 20 samples.
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for trained in [false, true] {
        for tau in [0.0, 0.01] {
            let suffix = match (trained, tau == 0.0) {
                (false, true) => "",
                (false, false) => "_tau0.01",
                (true, true) => "_trained",
                (true, false) => "_trained_tau0.01",
            };
            group.bench_function(format!("f64{suffix}"), |b| {
                bench_exact_probe::<f64>(b, trained, tau);
            });
            group.bench_function(format!("f32{suffix}"), |b| {
                bench_exact_probe::<f32>(b, trained, tau);
            });
        }
    }
    // The same probes with the ± points of consecutive directions in the
    // lanes of an ExactBatch.
    for trained in [false, true] {
        let suffix = if trained { "_trained" } else { "" };
        group.bench_function(format!("f64_batch4{suffix}"), |b| {
            bench_exact_probe_batch::<f64, 4>(b, trained, 0.0);
        });
        group.bench_function(format!("f64_batch8{suffix}"), |b| {
            bench_exact_probe_batch::<f64, 8>(b, trained, 0.0);
        });
    }
    group.bench_function("f64_batch4_tau0.01", |b| {
        bench_exact_probe_batch::<f64, 4>(b, false, 0.01);
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
    targets = accumulator, exact_probe
}
criterion_main!(benches);
