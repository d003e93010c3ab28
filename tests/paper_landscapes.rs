//! The paper's landscape findings, as the examples reproduce them.
//!
//! - Fig. 1–2: for `O(θ) = −(1 − θ₀θ₁)²` the probe calls `(−0.5, −2)` a local
//!   maximum and `(0, 0)` a saddle.
//! - Fig. 4a: at a sub-optimal solution of the gridworld no direction
//!   improves the true objective beyond 0.1 % of `J` (a flat region), while
//!   with an entropy bonus most directions do.
//! - Fig. 4b: the interpolation from the sub-optimal to the optimal solution
//!   crosses a valley of the true objective that the regularised objective
//!   (entropy and a more stochastic policy) makes much shallower.

use std::ops::ControlFlow;

use policy_landscape::mdp::DOWN;
use policy_landscape::paper::{self, Policy};
use policy_landscape::probe::{
    self, ExactObjective, ExactParts, Thresholds, VerdictKind, from_fn, interpolate_exact,
};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{Classification, ExactWorkspace, TabularMdp, TrainConfig, Trainer};

#[cfg_attr(miri, ignore = "too slow under Miri (1000-direction probes)")]
#[test]
fn saddle_function_verdicts_are_the_papers() {
    let mut o = from_fn(|t: &[f64]| Ok(-(1.0 - t[0] * t[1]).powi(2)));
    let mut scratch = [0.0; 4];
    let mut verdict = |theta0: [f64; 2]| {
        let mut acc = probe::start(&mut o, &theta0, 0.5, Thresholds::default()).unwrap();
        probe::probe(&mut o, &theta0, 2019, 0..1000, &mut scratch, &mut acc).unwrap();
        (acc.verdict(), *acc.cases(), acc.hessian_trace().unwrap())
    };
    let (v, cases, trace) = verdict([-0.5, -2.0]);
    assert_eq!(v.kind, VerdictKind::LocalMaximum);
    assert_eq!(cases.improving(), 0);
    let (lo, hi) = v.interval().unwrap();
    assert!(lo > 0.99 && hi == 1.0, "{lo} {hi}");
    // Quartic terms at α = 0.5 shift the curvature estimate from tr H = -8.5.
    assert!(trace.value < -4.0, "{trace:?}");

    let (v, cases, trace) = verdict([0.0, 0.0]);
    assert_eq!(v.kind, VerdictKind::Saddle);
    assert!(
        cases.both_negative > 400 && cases.both_positive > 400,
        "{cases:?}"
    );
    assert_eq!(cases.opposite, 0, "no gradient at the saddle");
    // tr H = 0 at the origin; the probe's estimate must not exclude it.
    assert!(trace.value.abs() < 3.0 * trace.std_error + 0.3, "{trace:?}");
}

fn solution(
    mdp: &TabularMdp<f64, 26, 4>,
    ws: &mut ExactWorkspace<f64, 26, 4>,
    want: Classification,
) -> Policy {
    let threshold = ws.deterministic_return(mdp, &[DOWN; 26]).unwrap();
    for seed in 0..50 {
        let mut policy = Policy::tabular_with_bias();
        policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
        let out = Trainer::new(TrainConfig::new(0.1, 1500))
            .unwrap()
            .run(mdp, &mut policy, ws, |_| ControlFlow::Continue(()))
            .unwrap();
        if Classification::classify(out.final_j_true, threshold) == want {
            return policy;
        }
    }
    panic!("no seed in 0..50 ends {want:?}");
}

#[cfg_attr(miri, ignore = "too slow under Miri (300-direction exact probes)")]
#[test]
fn gridworld_sub_optimal_solution_is_flat_without_entropy_and_improvable_with_it() {
    let mdp = paper::mdp::<f64>();
    let mut ws = ExactWorkspace::new();
    let sub = solution(&mdp, &mut ws, Classification::SubOptimal);
    let coarse = Thresholds {
        rel_floor: 1e-3,
        ..Thresholds::default()
    };
    let mut scratch = [0.0; 216];
    let mut run = |tau: f64, mix: f64| {
        let mut policy = sub.clone();
        policy.set_mix(mix).unwrap();
        let theta0 = *policy.theta();
        let mut objective = ExactObjective::new(&mdp, policy, &mut ws, tau).unwrap();
        let theta0 = theta0.as_flattened();
        let mut acc = probe::start(&mut objective, theta0, 1.0, coarse).unwrap();
        probe::probe(&mut objective, theta0, 4, 0..300, &mut scratch, &mut acc).unwrap();
        acc
    };
    let plain = run(0.0, 0.0);
    assert_eq!(plain.cases().improving(), 0, "{:?}", plain.cases());
    assert_eq!(plain.verdict().kind, VerdictKind::Flat);
    // "small strictly negative curvature values" (paper §3.1.2).
    assert!(plain.curvature().max().unwrap() < 0.0);
    assert!(plain.curvature().min().unwrap() > -1e-2);

    let entropy = run(0.01, 0.0);
    assert!(
        entropy.cases().improving() * 2 > entropy.cases().total,
        "{:?}",
        entropy.cases()
    );
    let stochastic = run(0.0, 0.2);
    assert!(stochastic.cases().improving() * 2 > stochastic.cases().total);
    // The gradient along random directions is an order of magnitude larger.
    let spread =
        |a: &probe::Accumulator<f64>| a.gradient().max().unwrap() - a.gradient().min().unwrap();
    assert!(spread(&entropy) > 10.0 * spread(&plain));
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (exact evaluations along interpolation paths)"
)]
#[test]
fn gridworld_interpolation_valley_is_shallower_with_entropy_and_mixing() {
    let mdp = paper::mdp::<f64>();
    let mut ws = ExactWorkspace::new();
    let sub = solution(&mdp, &mut ws, Classification::SubOptimal);
    let opt = solution(&mdp, &mut ws, Classification::Optimal);
    let empty = ExactParts {
        j_true: 0.0,
        j_tau: 0.0,
        j_entropy: 0.0,
    };
    let mut point = [0.0; 108];
    let mut path = |tau: f64, mix: f64| {
        let mut policy = sub.clone();
        policy.set_mix(mix).unwrap();
        let mut objective = ExactObjective::new(&mdp, policy, &mut ws, tau).unwrap();
        let mut out = [(0.0, empty); 21];
        interpolate_exact(
            &mut objective,
            sub.params(),
            opt.params(),
            0.0,
            1.0,
            &mut point,
            &mut out,
        )
        .unwrap();
        out.map(|(_, p)| p.j_tau)
    };
    let dip = |v: [f64; 21]| {
        let end = v[0].min(v[20]);
        (end - v.iter().copied().fold(f64::INFINITY, f64::min)) / end
    };
    let plain = path(0.0, 0.0);
    let smoothed = path(0.01, 0.2);
    assert!(
        dip(plain) > 0.2,
        "the true objective has a deep valley: {plain:?}"
    );
    assert!(dip(smoothed) < 0.5 * dip(plain), "{smoothed:?}");
    // The ends are the two solutions.
    assert!(plain[20] > plain[0] + 0.4);
}
