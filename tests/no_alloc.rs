//! The core never allocates: a counting global allocator sees no allocation
//! over 10⁴ evaluate + gradient calls (and objective calls and training
//! steps) on the paper's world.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use policy_landscape::paper;
use policy_landscape::policy::OneHotBias;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{ExactWorkspace, Softmax, TrainConfig, Trainer};

struct Counting;

thread_local! {
    // Only allocations made by the measuring thread count, in a per-thread
    // counter: the harness and the other tests allocate on other threads.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if MEASURING.with(|m| m.get()) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if MEASURING.with(|m| m.get()) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    MEASURING.with(|m| m.set(true));
    let r = f();
    MEASURING.with(|m| m.set(false));
    (r, ALLOCATIONS.with(Cell::get) - before)
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (10 000 exact evaluations and gradients)"
)]
#[test]
fn ten_thousand_evaluations_allocate_nothing() {
    // The counter works: a Vec allocates.
    let (_, n) = measure(|| std::hint::black_box(vec![1u8; 16]));
    assert_eq!(n, 1);

    let mdp = paper::mdp::<f64>();
    let mut policy = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(7));
    policy.set_mix(0.1).unwrap();
    let mut ws = ExactWorkspace::new();
    let mut grad = [0.0; 108];

    let (sum, allocations) = measure(|| {
        let mut sum = 0.0;
        for i in 0..10_000 {
            policy.params_mut()[i % 108] += 1e-6;
            let tau = if i % 2 == 0 { 0.0 } else { 0.05 };
            let eval = ws.evaluate(&mdp, &policy, tau).unwrap();
            eval.gradient_into(&mut grad).unwrap();
            sum += eval.j_tau() + grad[i % 108];
            sum += ws.objective(&mdp, &policy, tau).unwrap();
        }
        let mut trainer =
            Trainer::new(TrainConfig::new(0.1, 100).tau(0.1).tau_decay(0.99)).unwrap();
        let out = trainer
            .run(&mdp, &mut policy, &mut ws, |_| {
                std::ops::ControlFlow::Continue(())
            })
            .unwrap();
        sum + out.final_j_true
    });
    assert!(sum.is_finite());
    assert_eq!(allocations, 0, "the core allocated {allocations} times");
}

#[test]
fn documented_sizes_of_the_core_types() {
    use policy_landscape::linalg::Lu;
    // S² + S (5 A + 6) scalars, 2 S² + 2 S A two-byte indices (the LU
    // pattern's columns and action masks, the supports it was computed
    // for), 3 S four-byte ones (row starts, diagonals, ends), two flags.
    let scalars = 26 * 26 + 26 * (5 * 4 + 6);
    let indices = 2 * (2 * 26 * 26 + 2 * 26 * 4) + 4 * 3 * 26;
    let ws64 = std::mem::size_of::<ExactWorkspace<f64, 26, 4>>();
    assert!(
        ws64 >= scalars * 8 + indices && ws64 <= scalars * 8 + indices + 16,
        "{ws64}"
    );
    let ws32 = std::mem::size_of::<ExactWorkspace<f32, 26, 4>>();
    assert!(
        ws32 >= scalars * 4 + indices && ws32 <= scalars * 4 + indices + 16,
        "{ws32}"
    );
    let lu = std::mem::size_of::<Lu<f64, 26>>();
    assert!(lu <= (26 * 26 + 26) * 8 + 3 * 26 * 8 + 8, "{lu}");
}

#[cfg_attr(miri, ignore = "too slow under Miri (600-direction exact probe)")]
#[test]
fn an_exact_probe_and_an_interpolation_allocate_nothing() {
    use policy_landscape::probe::{self, ExactObjective, ExactParts, Thresholds};
    let mdp = paper::mdp::<f64>();
    let mut policy = Softmax::<f64, 26, 4, 27, OneHotBias>::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    policy.set_mix(0.2).unwrap();
    let theta0 = *policy.theta();
    let theta0 = theta0.as_flattened();
    let theta1 = [0.5; 108];
    let mut ws = ExactWorkspace::new();
    let mut scratch = [0.0; 216];
    let mut point = [0.0; 108];
    let empty = ExactParts {
        j_true: 0.0,
        j_tau: 0.0,
        j_entropy: 0.0,
    };
    let mut slice = [(0.0, empty); 11];
    let (_, warmup) = measure(|| ());
    assert_eq!(warmup, 0);
    let mut objective = ExactObjective::new(&mdp, policy.clone(), &mut ws, 0.01).unwrap();
    let (acc, a1) =
        measure(|| probe::start(&mut objective, theta0, 0.5, Thresholds::default()).unwrap());
    let mut acc = acc;
    let (_, a2) = measure(|| {
        probe::probe(&mut objective, theta0, 9, 0..500, &mut scratch, &mut acc).unwrap()
    });
    let mut other = probe::start(&mut objective, theta0, 0.5, Thresholds::default()).unwrap();
    probe::probe(
        &mut objective,
        theta0,
        9,
        500..600,
        &mut scratch,
        &mut other,
    )
    .unwrap();
    let (_, a3) = measure(|| acc.merge(&other).unwrap());
    let (_, a4) = measure(|| {
        probe::interpolate_exact(
            &mut objective,
            theta0,
            &theta1,
            0.0,
            1.0,
            &mut point,
            &mut slice,
        )
        .unwrap()
    });
    let (verdict, a5) = measure(|| acc.verdict());
    let allocations = a1 + a2 + a3 + a4 + a5;
    assert_eq!(verdict.directions, 600);
    assert!(slice.iter().all(|(_, p)| p.j_tau.is_finite()));
    assert_eq!(allocations, 0, "the probe allocated {allocations} times");
}

#[cfg_attr(miri, ignore = "too slow under Miri (batched and sparse evaluations)")]
#[test]
fn batched_and_sparse_evaluations_allocate_nothing() {
    use policy_landscape::ExactBatch;
    use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
    use policy_landscape::mdp::{Gridworld, RewardCell, SparseStorage};
    use policy_landscape::policy::SoftmaxRow;

    let mdp = paper::mdp::<f64>();
    let mut policies: [Softmax<f64, 26, 4>; 4] = std::array::from_fn(|_| Softmax::tabular());
    for (k, p) in policies.iter_mut().enumerate() {
        p.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(k as u64));
    }
    let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
    let mut grad = [0.0; 104];
    let (sum, allocations) = measure(|| {
        let mut sum = 0.0;
        for _ in 0..1000 {
            let e = batch.evaluate(&mdp, policies.each_ref(), 0.01).unwrap();
            e.gradient_into(3, &mut grad).unwrap();
            sum += e.j_tau()[1] + grad[5];
        }
        sum
    });
    assert!(sum.is_finite());
    assert_eq!(allocations, 0, "the batch allocated {allocations} times");

    // A 32 x 32 sparse world: building, planning and evaluating on caller
    // storage allocate nothing.
    let cells = [RewardCell::new(0, 31, 5.0), RewardCell::new(31, 0, 4.5)];
    let world = Gridworld::new(32, &cells).p_success(0.8);
    let (n, m) = (world.states(), world.sparse_transitions().unwrap());
    let (mut offsets, mut next, mut prob) = (vec![0; n * 4 + 1], vec![0; m], vec![0.0; m]);
    let (mut rewards, mut start) = (vec![[0.0; 4]; n], vec![0.0; n]);
    let mut indices = vec![0; 200_000];
    let mut scalars = vec![0.0_f64; 200_000];
    let mut rows = vec![SoftmaxRow::default(); n];
    let mut q = vec![[0.0; 4]; n];
    let theta = vec![[0.3, -0.2, 0.1, 0.0]; n];
    let mut g = vec![[0.0; 4]; n];
    let (j, allocations) = measure(|| {
        let mdp = world
            .build_sparse(SparseStorage {
                offsets: &mut offsets,
                next: &mut next,
                prob: &mut prob,
                rewards: &mut rewards,
                start: &mut start,
            })
            .unwrap();
        let plan = SparsePlan::new(mdp, Ordering::NestedDissection, &mut indices).unwrap();
        let len = plan.scalar_len();
        let mut ws = SparseWorkspace::new(&plan, &mut scalars[..len], &mut rows, &mut q).unwrap();
        let mut j = 0.0_f64;
        for _ in 0..20 {
            let e = ws.evaluate(&theta, 0.1, 0.01).unwrap();
            e.gradient_into(&mut g).unwrap();
            j += e.j_tau();
        }
        j
    });
    assert!(j.is_finite());
    assert_eq!(
        allocations, 0,
        "the sparse path allocated {allocations} times"
    );
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (batched training, probe and interpolation)"
)]
#[test]
fn batched_training_probes_and_interpolation_allocate_nothing() {
    use policy_landscape::probe::{self, ExactObjective, ExactParts, Thresholds};
    use policy_landscape::{BatchTrainer, ExactBatch};
    let mdp = paper::mdp::<f64>();
    let mut policies: [Softmax<f64, 26, 4, 27, OneHotBias>; 4] = core::array::from_fn(|k| {
        let mut p = Softmax::tabular_with_bias();
        p.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(k as u64));
        p
    });
    let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
    let mut ws = ExactWorkspace::new();
    let mut scratch = [0.0; 216];
    let mut point = [0.0; 108];
    let empty = ExactParts {
        j_true: 0.0,
        j_tau: 0.0,
        j_entropy: 0.0,
    };
    let mut slice = [(0.0, empty); 11];
    let (_, warmup) = measure(|| ());
    assert_eq!(warmup, 0);
    let (outcomes, a1) = measure(|| {
        BatchTrainer::new(TrainConfig::new(0.1, 100).tau(0.1).tau_decay(0.99))
            .unwrap()
            .run(&mdp, &mut policies, &mut batch, |_| {
                std::ops::ControlFlow::Continue(())
            })
    });
    assert!(outcomes.iter().all(Result::is_ok));
    let theta0 = *policies[0].theta();
    let theta0 = theta0.as_flattened();
    let theta1 = [0.5; 108];
    let mut objective =
        ExactObjective::with_batch(&mdp, policies[0].clone(), &mut ws, &mut batch, 0.01).unwrap();
    let (verdict, a2) = measure(|| {
        let mut acc = probe::start(&mut objective, theta0, 0.5, Thresholds::default()).unwrap();
        probe::probe(&mut objective, theta0, 9, 0..301, &mut scratch, &mut acc).unwrap();
        acc.verdict()
    });
    let (_, a3) = measure(|| {
        probe::interpolate_exact(
            &mut objective,
            theta0,
            &theta1,
            0.0,
            1.0,
            &mut point,
            &mut slice,
        )
        .unwrap()
    });
    assert_eq!(verdict.directions, 301);
    assert!(slice.iter().all(|(_, p)| p.j_tau.is_finite()));
    let allocations = a1 + a2 + a3;
    assert_eq!(
        allocations, 0,
        "the batched paths allocated {allocations} times"
    );
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (432 exact gradients, a 108 x 108 eigensolve)"
)]
#[test]
fn the_hessian_and_its_eigenvalues_allocate_nothing() {
    use policy_landscape::exact::hessian_len;
    use policy_landscape::linalg::{symmetric_eigen, symmetric_eigen_with};
    const P: usize = <paper::Policy>::PARAMS;
    let mdp = paper::mdp::<f64>();
    let mut policy = paper::Policy::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    policy.set_mix(0.05).unwrap();
    let mut ws = ExactWorkspace::new();
    // Caller storage, allocated before measuring.
    let mut h = vec![0.0; hessian_len(P)];
    let mut values = vec![0.0; P];
    let mut vectors = vec![0.0; P * P];

    let ((acc, report, err), allocations) = measure(|| {
        let acc = ws.hessian_into(&mdp, &policy, 0.01, &mut h).unwrap();
        let report = symmetric_eigen(&mut h, P, &mut values, Some(&mut vectors)).unwrap();
        // The error paths allocate nothing either (`h` is now diagonal).
        h[1] = 1.0;
        let err = symmetric_eigen_with(&mut h, P, &mut values, None, 1).unwrap_err();
        (acc, report, err)
    });
    assert_eq!(allocations, 0, "the core allocated {allocations} times");
    assert!(
        acc.bound() < 1e-7 && report.sweeps > 1,
        "{acc:?} {report:?}"
    );
    assert_eq!(
        err,
        policy_landscape::Error::NotSymmetric { row: 0, col: 1 }
    );
    assert!(values[0] < 0.0 && values[P - 1] > 0.0);
}
