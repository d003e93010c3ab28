//! What the C interface costs over the Rust API on the same work: the
//! paper's world (26 states, 4 actions, natural ordering, `f64`), a tabular
//! policy drawn like torch's `nn.Linear` from seed 2019, `τ = 0.01`.
//!
//! - `J_τ` alone: `pl_exact_objective` against the core's `SparseWorkspace`
//!   (the same evaluator the interface wraps) and the fixed-size
//!   `ExactWorkspace`.
//! - `J_τ` and the gradient in the torch layout: `pl_exact_evaluate`
//!   against `SparseWorkspace::evaluate` + `gradient_into`.
//! - Four probe directions (eight evaluations), as an engine's frame would
//!   run them: `pl_probe_advance_exact` against `probe::probe`.
//!
//! The interface's extra work per call: the handle and pointer checks, the
//! dispatch on the action count, the logits copied from the policy's
//! parameters, and for probes the accumulator's backup (so that a failing
//! call changes nothing).
//!
//! `cargo bench -p policy-landscape-benches --bench capi`;
//! `-- --test` runs every routine once.

use std::hint::black_box;
use std::ptr::null_mut;

use criterion::{Criterion, criterion_group, criterion_main};
use policy_landscape::exact::{ExactWorkspace, Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Gridworld, RewardCell};
use policy_landscape::paper;
use policy_landscape::policy::SoftmaxRow;
use policy_landscape::probe::{self, Thresholds, from_fn};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::{Softmax, rand_xoshiro::rand_core::SeedableRng};
use policy_landscape_c::*;

/// The interface's scalar (`f64`; `f32` when a build enables its feature
/// `f32`, as `--all-features` does).
type R = pl_real;

const TAU: R = 0.01;
const SEED: u64 = 2019;

fn ok(code: pl_status) {
    assert_eq!(code, PL_OK, "status {code}");
}

fn rows(theta: &[R]) -> Vec<[R; 4]> {
    theta
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect()
}

fn capi(c: &mut Criterion) {
    // The C interface's objects.
    let (mut ex, mut pol, mut pr, mut acc) = (null_mut(), null_mut(), null_mut(), null_mut());
    unsafe {
        ok(pl_exact_new_paper(&mut ex));
        ok(pl_softmax_new(26, 4, false, &mut pol));
        ok(pl_softmax_init_like_torch(pol, SEED));
        ok(pl_probe_new(104, &mut pr));
        ok(pl_accumulator_new(&mut acc));
    }

    // The Rust API's: the same world as next-state lists, the same policy.
    let cells = [RewardCell::new(0, 4, 5.0), RewardCell::new(4, 0, 4.5)];
    let owned = Gridworld::new(5, &cells)
        .build_sparse_owned::<4>()
        .expect("the paper's world");
    let mdp = owned.view();
    let mut indices = vec![0; SparsePlan::index_len(&mdp, Ordering::Natural).expect("plan size")];
    let plan = SparsePlan::new(mdp, Ordering::Natural, &mut indices).expect("plan");
    let mut scalars = vec![0.0; plan.scalar_len()];
    let mut row_store = vec![SoftmaxRow::default(); 26];
    let mut q = vec![[0.0; 4]; 26];
    let mut ws =
        SparseWorkspace::new(&plan, &mut scalars, &mut row_store, &mut q).expect("workspace");
    let mut policy = Softmax::<R, 26, 4>::tabular();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(SEED));
    let theta = rows(policy.params());
    let dense = paper::mdp::<R>();
    let mut fixed = ExactWorkspace::<R, 26, 4>::new();

    // The same numbers, or the comparison means nothing.
    let mut j: R = 0.0;
    unsafe { ok(pl_exact_objective(ex, pol, TAU, &mut j)) };
    assert_eq!(
        j.to_bits(),
        ws.objective(&theta, 0.0, TAU).expect("J").to_bits()
    );

    let mut g = c.benchmark_group("capi_objective");
    g.bench_function("c_interface", |b| {
        b.iter(|| {
            let mut j: R = 0.0;
            unsafe { ok(pl_exact_objective(ex, pol, black_box(TAU), &mut j)) };
            black_box(j)
        })
    });
    g.bench_function("rust_sparse", |b| {
        b.iter(|| black_box(ws.objective(&theta, 0.0, black_box(TAU)).expect("J")))
    });
    g.bench_function("rust_fixed_size", |b| {
        b.iter(|| black_box(fixed.objective(&dense, &policy, black_box(TAU)).expect("J")))
    });
    g.finish();

    let mut g = c.benchmark_group("capi_evaluate_gradient");
    g.bench_function("c_interface", |b| {
        let mut grad: [R; 104] = [0.0; 104];
        b.iter(|| {
            let mut j: R = 0.0;
            unsafe {
                ok(pl_exact_evaluate(
                    ex,
                    pol,
                    black_box(TAU),
                    &mut j,
                    grad.as_mut_ptr(),
                    104,
                    null_mut(),
                    0,
                    null_mut(),
                    0,
                    null_mut(),
                    0,
                ))
            };
            black_box((j, grad[0]))
        })
    });
    g.bench_function("rust_sparse", |b| {
        let mut grad: Vec<[R; 4]> = vec![[0.0; 4]; 26];
        let mut torch: [R; 104] = [0.0; 104];
        b.iter(|| {
            let e = ws
                .evaluate(&theta, 0.0, black_box(TAU))
                .expect("evaluation");
            e.gradient_into(&mut grad).expect("gradient");
            Softmax::<R, 26, 4>::to_torch_layout(grad.as_flattened(), &mut torch).expect("layout");
            black_box((e.j_tau(), torch[0]))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("capi_probe_4_directions");
    g.bench_function("c_interface", |b| {
        b.iter(|| unsafe {
            ok(pl_probe_start_exact(pr, ex, pol, TAU, 0.5, SEED, 0, 4, acc));
            ok(pl_probe_advance_exact(pr, ex, acc, 4, null_mut()));
        })
    });
    g.bench_function("rust", |b| {
        let flat: Vec<R> = policy.params().to_vec();
        let mut scratch: Vec<R> = vec![0.0; 208];
        b.iter(|| {
            let mut o = from_fn(|t: &[R]| {
                let mut z: [[R; 4]; 26] = [[0.0; 4]; 26];
                for (r, c) in z.iter_mut().zip(t.chunks_exact(4)) {
                    r.copy_from_slice(c);
                }
                ws.objective(&z, 0.0, TAU)
            });
            let mut a = probe::start(&mut o, &flat, 0.5, Thresholds::default()).expect("start");
            probe::probe(&mut o, &flat, SEED, 0..4, &mut scratch, &mut a).expect("probe");
            black_box(a.count())
        })
    });
    g.finish();

    unsafe {
        ok(pl_accumulator_free(&mut acc));
        ok(pl_probe_free(&mut pr));
        ok(pl_softmax_free(&mut pol));
        ok(pl_exact_free(&mut ex));
    }
}

criterion_group!(benches, capi);
criterion_main!(benches);
