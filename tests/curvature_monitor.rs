//! The footnote-5 curvature window (`probe::CurvatureMonitor`): its contents
//! after wrap-around, its summary against direct computations (closed forms
//! for hand-made series, a two-pass reference for training runs), overflow
//! safety, and its feeds: `probe::improving_curvature` on a known quadratic,
//! REINFORCE SGD and the exact trainer.

use std::ops::ControlFlow;

use policy_landscape::env::LinearQuadratic;
use policy_landscape::policy::Gaussian;
use policy_landscape::probe::{
    self, CurvatureMonitor, CurvaturePoint, CurvatureSummary, ExactObjective, Thresholds,
    direction_into, from_fn,
};
use policy_landscape::reinforce::{CurvatureProbe, Estimator, Rollouts, SgdConfig, train_sgd};
use policy_landscape::train::{TrainConfig, Trainer};
use policy_landscape::{Error, ExactWorkspace, Softmax, paper};

#[track_caller]
fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

fn point(update: usize, curvature: f64) -> CurvaturePoint<f64> {
    CurvaturePoint {
        update,
        gradient: 1.0 + update as f64,
        curvature,
    }
}

/// The summary computed the plain way (two passes, no scaling).
fn reference(points: &[CurvaturePoint<f64>]) -> CurvatureSummary<f64> {
    let n = points.len() as f64;
    let c: Vec<f64> = points.iter().map(|p| p.curvature).collect();
    let mean = c.iter().sum::<f64>() / n;
    let std_dev = (points.len() > 1)
        .then(|| (c.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    let u: Vec<f64> = points.iter().map(|p| p.update as f64).collect();
    let u_mean = u.iter().sum::<f64>() / n;
    let sxx: f64 = u.iter().map(|x| (x - u_mean).powi(2)).sum();
    let sxc: f64 = u
        .iter()
        .zip(&c)
        .map(|(x, y)| (x - u_mean) * (y - mean))
        .sum();
    CurvatureSummary {
        len: points.len(),
        latest: *points.last().unwrap(),
        min: c.iter().copied().fold(f64::INFINITY, f64::min),
        max: c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        mean,
        std_dev,
        positive: c.iter().filter(|&&x| x > 0.0).count(),
        negative: c.iter().filter(|&&x| x < 0.0).count(),
        positive_streak: c.iter().rev().take_while(|&&x| x > 0.0).count(),
        slope: (sxx > 0.0).then(|| sxc / sxx),
    }
}

#[track_caller]
fn assert_summary(got: &CurvatureSummary<f64>, want: &CurvatureSummary<f64>) {
    assert_eq!(got.len, want.len);
    assert_eq!(got.latest, want.latest);
    assert_eq!((got.min, got.max), (want.min, want.max));
    assert_close("mean", got.mean, want.mean, 1e-13);
    match (got.std_dev, want.std_dev) {
        (Some(g), Some(w)) => assert_close("std_dev", g, w, 1e-13),
        (g, w) => assert_eq!(g, w, "std_dev"),
    }
    match (got.slope, want.slope) {
        (Some(g), Some(w)) => assert_close("slope", g, w, 1e-12),
        (g, w) => assert_eq!(g, w, "slope"),
    }
    assert_eq!(
        (got.positive, got.negative, got.positive_streak),
        (want.positive, want.negative, want.positive_streak)
    );
}

#[test]
fn the_window_keeps_the_last_n_points_after_wrap_around() {
    let mut m = CurvatureMonitor::<f64, 4>::new();
    assert!(m.is_empty() && m.summary().is_none() && m.latest().is_none());
    let series = [3.0, -1.0, 2.0, 5.0, -4.0, 0.0, 6.0];
    for (u, &c) in series.iter().enumerate() {
        m.push(u, 1.0 + u as f64, c).unwrap();
        let kept: Vec<_> = m.points().copied().collect();
        let want: Vec<_> = (u.saturating_sub(3)..=u)
            .map(|k| point(k, series[k]))
            .collect();
        assert_eq!(kept, want, "after update {u}");
    }
    assert_eq!(m.len(), 4);
    assert_eq!(m.latest(), Some(&point(6, 6.0)));
    // Newest first, too.
    let newest_first: Vec<usize> = m.points().rev().map(|p| p.update).collect();
    assert_eq!(newest_first, [6, 5, 4, 3]);

    // Curvatures 5, −4, 0, 6 at updates 3..=6, by hand: mean 7/4,
    // Σ(c − mean)² = 3.25² + 5.75² + 1.75² + 4.25² = 64.75, slope
    // Σ(u − 4.5)(c − mean) / Σ(u − 4.5)² = 3.5 / 5.
    let s = m.summary().unwrap();
    assert_eq!(s.len, 4);
    assert_eq!(s.latest, point(6, 6.0));
    assert_eq!((s.min, s.max), (-4.0, 6.0));
    assert_close("mean", s.mean, 1.75, 1e-15);
    assert_close(
        "std_dev",
        s.std_dev.unwrap(),
        (64.75f64 / 3.0).sqrt(),
        1e-15,
    );
    assert_close("slope", s.slope.unwrap(), 0.7, 1e-15);
    assert_eq!((s.positive, s.negative, s.positive_streak), (2, 1, 1));
    assert_eq!((s.fraction_positive(), s.fraction_negative()), (0.5, 0.25));

    m.clear();
    assert!(m.is_empty() && m.summary().is_none());
}

#[test]
fn a_linear_series_has_its_slope_and_a_full_positive_streak() {
    // c = 2 + 0.5 u at u = 10, 20, ..., 100 in a window of 8: the last 8.
    let mut m = CurvatureMonitor::<f64, 8>::new();
    for k in 1..=10 {
        let u = 10 * k;
        m.push(u, 0.1, 2.0 + 0.5 * u as f64).unwrap();
    }
    let s = m.summary().unwrap();
    assert_eq!(s.len, 8);
    assert_close("slope", s.slope.unwrap(), 0.5, 1e-14);
    // c at u = 30..=100 step 10: 17, 22, ..., 52, mean 34.5, sd 5·sd(1..8).
    assert_close("mean", s.mean, 34.5, 1e-15);
    assert_close("std_dev", s.std_dev.unwrap(), 5.0 * 6.0f64.sqrt(), 1e-14);
    assert_eq!((s.min, s.max), (17.0, 52.0));
    assert_eq!((s.positive, s.negative, s.positive_streak), (8, 0, 8));
    assert_eq!(s.fraction_positive(), 1.0);
}

#[test]
fn the_streak_counts_the_newest_positive_run() {
    let mut m = CurvatureMonitor::<f64, 6>::new();
    for (u, c) in [(0, 1.0), (1, -2.0), (2, 0.5), (3, 0.25), (4, 3.0)] {
        m.push(u, 1.0, c).unwrap();
    }
    assert_eq!(m.summary().unwrap().positive_streak, 3);
    m.push(5, 1.0, -1e-300).unwrap();
    assert_eq!(m.summary().unwrap().positive_streak, 0);
    m.push(6, 1.0, 0.0).unwrap();
    let s = m.summary().unwrap();
    assert_eq!((s.positive_streak, s.positive, s.negative), (0, 3, 2));
}

#[test]
fn one_point_or_one_update_has_no_spread_or_slope() {
    let mut m = CurvatureMonitor::<f64, 3>::new();
    m.push(7, 0.5, -2.0).unwrap();
    let s = m.summary().unwrap();
    assert_eq!((s.len, s.mean, s.min, s.max), (1, -2.0, -2.0, -2.0));
    assert_eq!((s.std_dev, s.slope), (None, None));
    assert_eq!(s.fraction_negative(), 1.0);
    // Two probes at the same update: a spread but no slope.
    m.push(7, 0.5, 2.0).unwrap();
    let s = m.summary().unwrap();
    assert_eq!(s.std_dev, Some(8.0f64.sqrt()));
    assert_eq!(s.slope, None);
    // A zero series: zero spread and slope, not NaN.
    let mut z = CurvatureMonitor::<f64, 3>::new();
    for u in 0..3 {
        z.push(u, 0.0, 0.0).unwrap();
    }
    let s = z.summary().unwrap();
    assert_eq!((s.mean, s.std_dev, s.slope), (0.0, Some(0.0), Some(0.0)));
}

#[test]
fn huge_curvatures_give_finite_values_or_none() {
    let mut m = CurvatureMonitor::<f64, 4>::new();
    for (u, c) in [(0, 1e308), (1, -1e308), (2, 1e308), (3, -1e308)] {
        m.push(u, 1.0, c).unwrap();
    }
    let s = m.summary().unwrap();
    assert_eq!(s.mean, 0.0);
    // sd = 1e308 · √(4/3), slope = −2/5 · 1e308: both representable.
    assert_close(
        "std_dev",
        s.std_dev.unwrap(),
        1e308 * (4.0f64 / 3.0).sqrt(),
        1e-15,
    );
    assert_close("slope", s.slope.unwrap(), -0.4e308, 1e-15);
    // sd = 1.7e308 · √(4/3) > f64::MAX: None, never inf.
    for (u, c) in [(4, 1.7e308), (5, -1.7e308), (6, 1.7e308), (7, -1.7e308)] {
        m.push(u, 1.0, c).unwrap();
    }
    let s = m.summary().unwrap();
    assert_eq!((s.mean, s.std_dev), (0.0, None));
    assert!(s.slope.unwrap().is_finite());
    assert!(s.mean.is_finite() && s.min == -1.7e308 && s.max == 1.7e308);
}

#[test]
fn non_finite_points_are_rejected_and_leave_the_window() {
    let mut m = CurvatureMonitor::<f64, 2>::new();
    m.push(0, 1.0, 2.0).unwrap();
    let before = m.clone();
    assert_eq!(
        m.push(1, f64::NAN, 2.0),
        Err(Error::NonFinite {
            what: "curvature point",
            index: 0
        })
    );
    assert_eq!(
        m.push(1, 1.0, f64::NEG_INFINITY),
        Err(Error::NonFinite {
            what: "curvature point",
            index: 1
        })
    );
    assert_eq!(m, before);
}

#[test]
fn f32_keeps_the_slope_at_large_update_counts() {
    // f32 spaces integers near 1e8 by 8, so updates 3 apart would collapse;
    // the monitor measures them from the oldest point instead.
    let mut m = CurvatureMonitor::<f32, 5>::new();
    for k in 0..5 {
        m.push(100_000_000 + 3 * k, 1.0, 0.75 * k as f32).unwrap();
    }
    let s = m.summary().unwrap();
    assert!((s.slope.unwrap() - 0.25).abs() < 1e-6, "{:?}", s.slope);
    assert!((s.mean - 1.5).abs() < 1e-6);
}

#[test]
fn improving_curvature_is_a_direction_of_a_known_quadratic() {
    // O(θ) = a·θ + ½ Σ λ_i θ_i²: D± = ±α a·d + ½ α² Σ λ_i d_i², exactly
    // the pair of eq. 1–2 up to rounding.
    let a = [0.3, -0.2, 0.5, 0.1];
    let lambda = [-1.0, 2.0, -0.5, 0.25];
    let value = |t: &[f64]| -> f64 {
        t.iter()
            .zip(a.iter().zip(&lambda))
            .map(|(x, (ai, li))| ai * x + 0.5 * li * x * x)
            .sum()
    };
    let mut o = from_fn(|t: &[f64]| Ok(value(t)));
    let theta0 = [0.0; 4];
    let mut scratch = [0.0; 8];
    let (g, c) = probe::improving_curvature(&mut o, &theta0, 0.1, 5, 100, &mut scratch)
        .unwrap()
        .unwrap();
    assert!(g > 0.0);
    // It is one of the probed directions, with its closed-form projections.
    let found = (0..100).any(|i| {
        let mut d = [0.0; 4];
        direction_into(5, i, &mut d).unwrap();
        let ad: f64 = a.iter().zip(&d).map(|(x, y)| x * y).sum();
        let dhd: f64 = lambda.iter().zip(&d).map(|(l, x)| l * x * x).sum();
        (g - ad).abs() < 1e-12 && (c - dhd).abs() < 1e-10
    });
    assert!(found, "({g}, {c}) is no probed direction's");
    // And it is what an accumulator over the same probe reports.
    let mut acc = probe::start(&mut o, &theta0, 0.1, Thresholds::default()).unwrap();
    probe::probe(&mut o, &theta0, 5, 0..100, &mut scratch, &mut acc).unwrap();
    assert_eq!(acc.improving_curvature(), Some((g, c)));
    // A maximum has no improving direction: None.
    let mut peak = from_fn(|t: &[f64]| Ok(-t.iter().map(|x| x * x).sum::<f64>()));
    assert_eq!(
        probe::improving_curvature(&mut peak, &theta0, 0.1, 5, 50, &mut scratch).unwrap(),
        None
    );
}

fn lq() -> LinearQuadratic<f64> {
    LinearQuadratic::new(0.95, 0.4, 25)
        .and_then(|lq| lq.with_noise(0.3))
        .unwrap()
}

fn batch(episodes: usize, seed: u64) -> Rollouts<f64> {
    Rollouts {
        episodes,
        gamma: 0.97,
        seed,
        max_steps: 100,
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (40 SGD updates with probes)")]
#[test]
fn reinforce_sgd_feeds_the_monitor_its_last_picks() {
    let config = SgdConfig {
        learning_rate: 0.01,
        updates: 40,
        rollouts: batch(16, 100),
        estimator: Estimator::Unbiased,
        eval_every: 0,
        eval_rollouts: batch(1, 0),
        curvature_every: 3,
        curvature: CurvatureProbe {
            alpha: 0.05,
            directions: 12,
            seed: 3,
            rollouts: batch(32, 9),
        },
    };
    let mut policy = Gaussian::<f64, 1, 1, 2>::affine();
    policy.set_sigma(0.4).unwrap();
    let mut monitor = CurvatureMonitor::<f64, 5>::new();
    let mut all = Vec::new();
    train_sgd(
        &mut lq(),
        &mut policy,
        &config,
        &mut [0.0; 25],
        &mut [0.0; 4],
        |step| {
            if let Some((g, c)) = step.curvature {
                monitor.push(step.update, g, c).unwrap();
                all.push(CurvaturePoint {
                    update: step.update,
                    gradient: g,
                    curvature: c,
                });
            }
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert!(all.len() > 5, "{} probes improved", all.len());
    assert!(all.iter().all(|p| p.update % 3 == 0 && p.gradient > 0.0));
    let last = &all[all.len() - 5..];
    assert_eq!(monitor.points().copied().collect::<Vec<_>>(), last);
    assert_summary(&monitor.summary().unwrap(), &reference(last));
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (120 exact updates and 600 exact evaluations)"
)]
#[test]
fn the_exact_trainer_feeds_the_monitor_the_probes_it_would_see() {
    let mdp = paper::mdp::<f64>();
    let mut policy = Softmax::<f64, 26, 4>::tabular();
    let mut ws = ExactWorkspace::new();
    let mut trainer = Trainer::new(TrainConfig::new(0.1, 120)).unwrap();
    let mut monitor = CurvatureMonitor::<f64, 3>::new();
    let mut all = Vec::new();
    let mut scratch = [0.0; 2 * Softmax::<f64, 26, 4>::PARAMS];
    while trainer.updates() < 120 {
        if trainer.updates() % 20 == 0 {
            let theta = *policy.theta();
            let mut j = ExactObjective::new(&mdp, policy.clone(), &mut ws, 0.0).unwrap();
            let pick =
                probe::improving_curvature(&mut j, theta.as_flattened(), 1e-2, 7, 48, &mut scratch)
                    .unwrap();
            if let Some((g, c)) = pick {
                monitor.push(trainer.updates(), g, c).unwrap();
                all.push(CurvaturePoint {
                    update: trainer.updates(),
                    gradient: g,
                    curvature: c,
                });
            }
        }
        trainer.step(&mdp, &mut policy, &mut ws).unwrap();
    }
    // Early on the exact gradient is non-zero, so every probe improves.
    let updates: Vec<usize> = all.iter().map(|p| p.update).collect();
    assert_eq!(updates, [0, 20, 40, 60, 80, 100]);
    let last = &all[3..];
    assert_eq!(monitor.points().copied().collect::<Vec<_>>(), last);
    assert_summary(&monitor.summary().unwrap(), &reference(last));
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip_keeps_the_window_in_order() {
    let mut m = CurvatureMonitor::<f64, 3>::new();
    for (u, c) in [(0, 1.0), (1, -2.0), (2, 3.5), (3, 0.25)] {
        m.push(u, 0.5, c).unwrap();
    }
    let text = serde_json::to_string(&m).unwrap();
    let back: CurvatureMonitor<f64, 3> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.summary(), m.summary());
    // Into a shorter window: the newest points, as pushing them would keep.
    let short: CurvatureMonitor<f64, 2> = serde_json::from_str(&text).unwrap();
    let updates: Vec<usize> = short.points().map(|p| p.update).collect();
    assert_eq!(updates, [2, 3]);
}
