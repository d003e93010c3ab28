//! Criterion benchmarks of exact evaluation on large sparse gridworlds
//! (`Gridworld::build_sparse`, the paper's two corner rewards, deterministic
//! moves, γ = 0.99): k × k cells for k ∈ {10, 32, 100, 316}, i.e. about
//! 10², 10³, 10⁴ and 10⁵ states, ordered by nested dissection.
//!
//! Per size: the symbolic phase (`SparsePlan::new`, once per MDP), `J_τ`
//! alone, and `J_τ` with the exact gradient, for a seeded random tabular
//! policy with τ = 0.01. The anchor is SuperLU driven by
//! `benches/sparse/spsolve.py` on the same systems (see `compare.sh` there).
//!
//! `cargo bench -p policy-landscape-benches --bench sparse`;
//! `cargo bench -p policy-landscape-benches --bench sparse -- --test` runs
//! every routine once.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Gridworld, OwnedSparseMdp, RewardCell};
use policy_landscape::policy::SoftmaxRow;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use rand_core::{Rng, SeedableRng};

const SIZES: [usize; 4] = [10, 32, 100, 316];
const TAU: f64 = 0.01;

fn world(k: usize) -> OwnedSparseMdp<f64, 4> {
    let cells = [
        RewardCell::new(0, k - 1, 5.0),
        RewardCell::new(k - 1, 0, 4.5),
    ];
    Gridworld::new(k, &cells)
        .build_sparse_owned::<4>()
        .expect("a valid world")
}

fn policy(n: usize) -> Vec<[f64; 4]> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    (0..n)
        .map(|_| {
            std::array::from_fn(|_| {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                2.0 * u - 1.0
            })
        })
        .collect()
}

fn sparse(c: &mut Criterion) {
    for k in SIZES {
        let owned = world(k);
        let mdp = owned.view();
        let n = mdp.states();
        let ordering = Ordering::NestedDissection;
        let len = SparsePlan::index_len(&mdp, ordering).expect("plan size");
        let mut group = c.benchmark_group(format!("sparse_gridworld_{k}x{k}"));
        if k >= 100 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(if k >= 316 { 20 } else { 8 }));
        }
        group.bench_function(BenchmarkId::new("plan", n), |b| {
            let mut indices = vec![0u32; len];
            b.iter(|| {
                let plan = SparsePlan::new(black_box(mdp), ordering, &mut indices).expect("plan");
                black_box(plan.factor_entries())
            });
        });
        let mut indices = vec![0u32; len];
        let plan = SparsePlan::new(mdp, ordering, &mut indices).expect("plan");
        let mut scalars = vec![0.0; plan.scalar_len()];
        let mut rows = vec![SoftmaxRow::default(); n];
        let mut q = vec![[0.0; 4]; n];
        let mut ws =
            SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q).expect("workspace");
        let theta = policy(n);
        let mut grad = vec![[0.0; 4]; n];
        group.bench_function(BenchmarkId::new("j", n), |b| {
            b.iter(|| black_box(ws.objective(black_box(&theta), 0.0, TAU).expect("J")));
        });
        group.bench_function(BenchmarkId::new("j_and_gradient", n), |b| {
            b.iter(|| {
                let e = ws.evaluate(black_box(&theta), 0.0, TAU).expect("evaluate");
                e.gradient_into(&mut grad).expect("gradient");
                black_box(e.j_tau())
            });
        });
        group.finish();
    }
}

criterion_group!(benches, sparse);
criterion_main!(benches);
