//! Criterion benchmarks of the MuJoCo environments (Gymnasium v5 tasks on
//! MuJoCo 3.17.0), in `f64`:
//!
//! - `env_step/<task>`: `STEPS` environment steps of `hopper`, `walker2d`
//!   and `half_cheetah` per iteration, through a fixed table of in-range
//!   actions, resetting whenever an episode ends (reported as steps per
//!   second; the resets are part of the cost, as in a rollout). Every
//!   iteration starts from the same reset, so every iteration steps the same
//!   trajectory;
//! - `mj_step/<task>`: the same trajectory on the bare engine (`ctrl ← a`,
//!   then `mj_step` `frame_skip` times, and the same resets replayed through
//!   `mj_resetData` and `mj_forward`): the difference to `env_step` is the
//!   wrapper's own cost (checks, reward, health, observation);
//! - `reinforce_batch/<task>[_parallel]`: one REINFORCE gradient (the
//!   authors' normalised estimator) from a batch of 16 episodes of at most
//!   1000 steps, affine Gaussian policy at θ = 0 with σ = 0.5, γ = 0.995, on
//!   one thread and with `parallel::reinforce_gradient` on a pool of 2
//!   threads (reported as environment steps per second). The parallel path
//!   spreads chunks of `CHUNK` = 16 episodes, so a batch of 16 is a single
//!   chunk on one thread: `_parallel` shows its overhead (an environment
//!   clone, a reward buffer, the pool), not a speed-up. θ = 0 makes Hopper
//!   fall within a few dozen steps, HalfCheetah never ends before 1000.
//!
//! The action table is SplitMix64 from `TABLE_SEED`, uniform in [−1, 1)
//! (the tasks' `ctrlrange`), the same numbers that `gymnasium_step.py`
//! feeds to `gymnasium.make("<Task>-v5").step()`; `compare.sh` runs both
//! in one session and prints µs per step side by side.
//!
//! `mujoco/setup.sh` once, then
//! `cargo bench -p policy-landscape-mujoco --bench mujoco` (about a minute);
//! `cargo bench -p policy-landscape-mujoco --bench mujoco -- --test` runs every routine once.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use mujoco_rs::prelude::{MjData, MjModel};
use policy_landscape::env::Env;
use policy_landscape::policy::Gaussian;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::reinforce::{BatchSums, Estimator, Rollouts, parallel, reinforce_gradient};
use policy_landscape_mujoco::{HalfCheetah, Hopper, MAX_EPISODE_STEPS, Mujoco, Task};

/// Steps per timed iteration of `env_step` and `mj_step` (one pass through
/// the action table); `gymnasium_step.py` uses the same number.
const STEPS: usize = 1024;

/// Samples of `env_step` and `mj_step` (flat sampling: every sample times
/// the same number of passes, so its time per step is comparable with one
/// timed pass of `gymnasium_step.py`).
const PASS_SAMPLES: usize = 20;

/// Seed of the action table (SplitMix64), shared with `gymnasium_step.py`.
const TABLE_SEED: u64 = 2019;

/// Seed of the resets within one pass (xoshiro256++).
const RESET_SEED: u64 = 7;

/// Batch settings of `reinforce_batch`.
const EPISODES: usize = 16;
const GAMMA: f64 = 0.995;
const SIGMA: f64 = 0.5;
const BATCH_SEED: u64 = 42;
const THREADS: usize = 2;

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// `STEPS` actions of `A` numbers uniform in [−1, 1): SplitMix64's outputs
/// in order, `u = (x >> 11) · 2⁻⁵³`, `a = 2u − 1`, row after row.
fn action_table<const A: usize>() -> Vec<[f64; A]> {
    let mut state = TABLE_SEED;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let u = (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        2.0 * u - 1.0
    };
    (0..STEPS)
        .map(|_| core::array::from_fn(|_| next()))
        .collect()
}

/// One pass through `actions` from the reset drawn with `RESET_SEED`,
/// resetting at every episode end; `on_reset(i, env)` sees each reset
/// (`i`: the number of steps taken before it). Returns the rewards' sum.
fn pass<const O: usize, const A: usize>(
    env: &mut Mujoco<O, A>,
    actions: &[[f64; A]],
    mut on_reset: impl FnMut(usize, &Mujoco<O, A>),
) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(RESET_SEED);
    black_box(env.reset(&mut rng));
    on_reset(0, env);
    let mut total = 0.0;
    for (i, action) in actions.iter().enumerate() {
        let t = env.step(action).expect("step");
        total += t.reward;
        if t.terminated || t.truncated {
            black_box(env.reset(&mut rng));
            on_reset(i + 1, env);
        }
    }
    total
}

/// A reset of the bare-engine replay: before step `at`, start from
/// (`qpos`, `qvel`).
struct Reset {
    at: usize,
    qpos: Vec<f64>,
    qvel: Vec<f64>,
}

/// `env_step/<task>`: `pass` over the action table.
fn bench_env<const O: usize, const A: usize>(group: &mut Group<'_>, task: Task) {
    let actions = action_table::<A>();
    group.bench_function(task.name(), |b| {
        let mut env = Mujoco::<O, A>::new(task).expect("model");
        b.iter(|| black_box(pass(&mut env, black_box(&actions), |_, _| {})));
    });
}

/// `mj_step/<task>`: records the wrapper's resets in one `pass`, then
/// replays the pass on a bare `MjData` of the same model (the final states
/// must agree bit for bit).
fn bench_engine<const O: usize, const A: usize>(group: &mut Group<'_>, task: Task) {
    let actions = action_table::<A>();
    group.bench_function(task.name(), |b| {
        let mut env = Mujoco::<O, A>::new(task).expect("model");
        let mut resets = Vec::new();
        pass(&mut env, &actions, |at, e| {
            resets.push(Reset {
                at,
                qpos: e.qpos().to_vec(),
                qvel: e.qvel().to_vec(),
            });
        });
        // One line for compare.sh: the pass's episodes (the workload).
        eprintln!(
            "{}: {} episodes per pass of {STEPS} steps",
            task.name(),
            resets.len()
        );
        let model: &MjModel = env.model();
        let frame_skip = (env.dt() / model.opt().timestep).round() as usize;
        let replay = |data: &mut MjData<&MjModel>, actions: &[[f64; A]]| {
            let mut next = resets.iter().peekable();
            for i in 0..=actions.len() {
                while let Some(r) = next.next_if(|r| r.at == i) {
                    data.reset();
                    data.qpos_mut().copy_from_slice(&r.qpos);
                    data.qvel_mut().copy_from_slice(&r.qvel);
                    data.forward();
                }
                if let Some(action) = actions.get(i) {
                    data.ctrl_mut().copy_from_slice(action);
                    for _ in 0..frame_skip {
                        data.step();
                    }
                }
            }
            data.qpos()[0]
        };
        let mut data = MjData::new(model);
        replay(&mut data, &actions);
        let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert!(
            bits(data.qpos()) == bits(env.qpos()) && bits(data.qvel()) == bits(env.qvel()),
            "the bare engine left the wrapper's trajectory"
        );
        b.iter(|| black_box(replay(&mut data, black_box(&actions))));
    });
}

fn env_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("env_step");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(PASS_SAMPLES)
        .throughput(Throughput::Elements(STEPS as u64));
    bench_env::<11, 3>(&mut group, Task::Hopper);
    bench_env::<17, 6>(&mut group, Task::Walker2d);
    bench_env::<17, 6>(&mut group, Task::HalfCheetah);
    group.finish();
}

fn mj_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("mj_step");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(PASS_SAMPLES)
        .throughput(Throughput::Elements(STEPS as u64));
    bench_engine::<11, 3>(&mut group, Task::Hopper);
    bench_engine::<17, 6>(&mut group, Task::Walker2d);
    bench_engine::<17, 6>(&mut group, Task::HalfCheetah);
    group.finish();
}

/// `reinforce_batch/<task>` and `reinforce_batch/<task>_parallel`.
fn bench_reinforce<const O: usize, const A: usize, const F: usize>(
    group: &mut Group<'_>,
    pool: &rayon::ThreadPool,
    env: Mujoco<O, A>,
) {
    let name = env.task().name();
    let mut pi = Gaussian::<f64, O, A, F>::affine();
    pi.set_sigma(SIGMA).expect("sigma");
    let rollouts = Rollouts {
        episodes: EPISODES,
        gamma: GAMMA,
        seed: BATCH_SEED,
        max_steps: MAX_EPISODE_STEPS,
    };
    let estimator = Estimator::Normalized;
    let mut one = env.clone();
    let mut sums = BatchSums::<f64, O, A, F>::new();
    let mut rewards = vec![0.0; MAX_EPISODE_STEPS];
    let mut grad = vec![0.0; F * A];
    let mut single = || {
        reinforce_gradient(
            &mut one,
            black_box(&pi),
            black_box(&rollouts),
            estimator,
            &mut sums,
            &mut rewards,
            &mut grad,
        )
        .expect("gradient");
        grad.clone()
    };
    let mut par_sums = BatchSums::<f64, O, A, F>::new();
    let mut par_grad = vec![0.0; F * A];
    let mut threaded = || {
        let report = pool
            .install(|| {
                parallel::reinforce_gradient(
                    &env,
                    black_box(&pi),
                    black_box(&rollouts),
                    estimator,
                    MAX_EPISODE_STEPS,
                    &mut par_sums,
                    &mut par_grad,
                )
            })
            .expect("gradient");
        (par_grad.clone(), report.steps)
    };
    // The batch's steps set the throughput; both paths agree bit for bit.
    let (reference, batch_steps) = threaded();
    assert_eq!(single(), reference, "threads changed the gradient");
    group.throughput(Throughput::Elements(batch_steps as u64));
    group.bench_function(name, |b| b.iter(|| black_box(single())));
    group.bench_function(format!("{name}_parallel"), |b| {
        b.iter(|| black_box(threaded()))
    });
}

fn reinforce_batch(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("thread pool");
    let mut group = c.benchmark_group("reinforce_batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    bench_reinforce::<11, 3, 12>(&mut group, &pool, Hopper::new(Task::Hopper).expect("model"));
    bench_reinforce::<17, 6, 18>(
        &mut group,
        &pool,
        HalfCheetah::new(Task::HalfCheetah).expect("model"),
    );
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = env_step, mj_step, reinforce_batch
}
criterion_main!(benches);
