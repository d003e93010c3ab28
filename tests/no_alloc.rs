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
    // S² + S (4 A + 5) scalars and 3 S indices (plus a flag and padding).
    let scalars = 26 * 26 + 26 * (4 * 4 + 5);
    let ws64 = std::mem::size_of::<ExactWorkspace<f64, 26, 4>>();
    assert!(
        ws64 >= scalars * 8 + 3 * 26 * 8 && ws64 <= scalars * 8 + 3 * 26 * 8 + 16,
        "{ws64}"
    );
    assert!((10_300..10_500).contains(&ws64), "{ws64}");
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
