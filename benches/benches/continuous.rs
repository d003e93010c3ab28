//! Criterion benchmarks of the continuous-control pieces, in `f64`:
//!
//! - `env_step`: single environment steps of `Pendulum-v1`,
//!   `MountainCarContinuous-v0` and the scalar linear-quadratic system, with
//!   varied actions (reported as steps per second);
//! - `reinforce_batch`: one REINFORCE gradient on `Pendulum-v1` from a batch
//!   of 16 episodes of 200 steps (affine Gaussian policy, 4 parameters,
//!   σ = 0.5, γ = 0.995), with the authors' normalised estimator and with the
//!   unbiased one;
//! - `mc_objective`: one Monte-Carlo evaluation of the same policy (16
//!   episodes, 200 steps each): the cost of one probe evaluation;
//! - `mc_probe`: a whole landscape probe around the affine initialisation,
//!   `probe::start` plus 10 directions (21 evaluations) with α = 0.5.
//!
//! `cargo bench -p policy-landscape-benches --bench continuous` (about a minute);
//! `cargo bench -p policy-landscape-benches --bench continuous -- --test` runs every routine once.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Bencher, Criterion, Throughput, criterion_group, criterion_main};
use policy_landscape::Real;
use policy_landscape::env::{Env, LinearQuadratic, MountainCarContinuous, Pendulum};
use policy_landscape::policy::Gaussian;
use policy_landscape::probe::{self, Objective, Thresholds};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::reinforce::{Estimator, MonteCarlo, Rollouts, reinforce_gradient};
use rand_core::{Rng, SeedableRng};

/// Steps per timed iteration of the `env_step` benchmarks (one action table).
const STEPS: usize = 1024;

/// Pendulum observation size, features (affine: `O + 1`) and actions.
const O: usize = 3;
const F: usize = O + 1;
const A: usize = 1;
const P: usize = F * A;

/// Batch settings of the REINFORCE and Monte-Carlo benchmarks.
const EPISODES: usize = 16;
const HORIZON: usize = Pendulum::MAX_EPISODE_STEPS;
const GAMMA: f64 = 0.995;
const SIGMA: f64 = 0.5;
const BATCH_SEED: u64 = 42;

/// Probe settings.
const DIRECTIONS: u64 = 10;
const ALPHA: f64 = 0.5;
const PROBE_SEED: u64 = 2019;

type Policy = Gaussian<f64, O, A, F>;

/// `STEPS` actions uniform in `[-bound, bound)` from xoshiro256++.
fn actions(bound: f64, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..STEPS)
        .map(|_| bound * (2.0 * f64::unit_from_u64(rng.next_u64()) - 1.0))
        .collect()
}

/// `STEPS` steps per iteration through the action table, resetting at episode
/// ends as a rollout does (the reset is amortised over a whole episode).
fn bench_env<E, const N: usize>(b: &mut Bencher<'_>, mut env: E, actions: &[f64])
where
    E: Env<f64, N, 1>,
{
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    black_box(env.reset(&mut rng));
    b.iter(|| {
        let mut total = 0.0;
        for &a in black_box(actions) {
            let t = env.step(&[a]).expect("step");
            total += t.reward;
            if t.terminated || t.truncated {
                black_box(env.reset(&mut rng));
            }
        }
        black_box(total)
    });
}

fn env_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("env_step");
    group.throughput(Throughput::Elements(STEPS as u64));
    // Torques past the ±2 clip, forces past the ±1 clip: both branches occur.
    let torques = actions(2.5, 1);
    group.bench_function("pendulum_f64", |b| {
        bench_env(b, Pendulum::new(), &torques);
    });
    let forces = actions(1.2, 2);
    group.bench_function("mountain_car_f64", |b| {
        bench_env::<_, 2>(b, MountainCarContinuous::new(), &forces);
    });
    // s' = 0.9 s + 0.5 u + 0.1 w: the noisy path (one normal draw per step).
    let controls = actions(1.0, 3);
    group.bench_function("lq_f64", |b| {
        let lq = LinearQuadratic::<f64>::new(0.9, 0.5, HORIZON)
            .and_then(|lq| lq.with_noise(0.1))
            .expect("LQ");
        bench_env(b, lq, &controls);
    });
    group.finish();
}

/// The affine policy at its initialisation (θ = 0), σ = 0.5.
fn policy() -> Policy {
    let mut pi = Policy::affine();
    pi.set_sigma(SIGMA).expect("sigma");
    pi
}

fn rollouts() -> Rollouts<f64> {
    Rollouts {
        episodes: EPISODES,
        gamma: GAMMA,
        seed: BATCH_SEED,
        max_steps: HORIZON,
    }
}

fn bench_reinforce(b: &mut Bencher<'_>, estimator: Estimator) {
    let mut env = Pendulum::new();
    let pi = policy();
    let rollouts = rollouts();
    // The gradient's scratch (the batch's sums), named by inference only: its
    // type is whatever `reinforce_gradient` takes, zeroed by `Default`.
    let mut scratch = Default::default();
    let mut rewards = [0.0; HORIZON];
    let mut grad = [0.0; P];
    // Every episode runs to the time limit.
    let report = reinforce_gradient(
        &mut env,
        &pi,
        &rollouts,
        estimator,
        &mut scratch,
        &mut rewards,
        &mut grad,
    )
    .expect("gradient");
    assert_eq!(report.steps, EPISODES * HORIZON);
    b.iter(|| {
        let report = reinforce_gradient(
            &mut env,
            black_box(&pi),
            black_box(&rollouts),
            estimator,
            &mut scratch,
            &mut rewards,
            &mut grad,
        )
        .expect("gradient");
        black_box((grad, report))
    });
}

fn objective() -> MonteCarlo<Pendulum, f64, O, A, F> {
    MonteCarlo::new(Pendulum::new(), policy(), rollouts()).expect("objective")
}

fn reinforce_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("reinforce_batch");
    group
        .sample_size(20)
        .throughput(Throughput::Elements((EPISODES * HORIZON) as u64));
    group.bench_function("pendulum_16x200", |b| {
        bench_reinforce(b, Estimator::Normalized);
    });
    group.bench_function("pendulum_16x200_unbiased", |b| {
        bench_reinforce(b, Estimator::Unbiased);
    });
    group.finish();
}

fn monte_carlo(c: &mut Criterion) {
    let theta0 = [0.0; P];

    let mut group = c.benchmark_group("mc_objective");
    group
        .sample_size(20)
        .throughput(Throughput::Elements((EPISODES * HORIZON) as u64));
    group.bench_function("pendulum_16", |b| {
        let mut o = objective();
        b.iter(|| black_box(o.evaluate(black_box(&theta0)).expect("evaluate")));
    });
    group.finish();

    let mut group = c.benchmark_group("mc_probe");
    group.sample_size(10);
    group.bench_function("pendulum_10dirs", |b| {
        let mut o = objective();
        let mut scratch = [0.0; 2 * P];
        b.iter(|| {
            let mut acc = probe::start(&mut o, black_box(&theta0), ALPHA, Thresholds::default())
                .expect("start");
            probe::probe(
                &mut o,
                &theta0,
                PROBE_SEED,
                0..DIRECTIONS,
                &mut scratch,
                &mut acc,
            )
            .expect("probe");
            assert_eq!(acc.count(), DIRECTIONS);
            black_box(acc.verdict())
        });
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = env_step, reinforce_batch, monte_carlo
}
criterion_main!(benches);
