//! Hardened edges (issue 9, section 3): each input that once panicked,
//! produced a NaN or infinity from finite data, or was silently wrong now
//! yields the exact documented error (with the state unchanged) or the exact
//! finite value.

use policy_landscape::env::{Env, LinearQuadratic};
use policy_landscape::linalg::Lu;
use policy_landscape::mdp::{Chain, RIGHT};
use policy_landscape::policy::{Gaussian, SoftmaxRow};
use policy_landscape::probe::Objective;
use policy_landscape::probe::{Accumulator, Cases, VerdictKind, from_fn, interpolate};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::reinforce::{
    BatchSums, Estimator, MonteCarlo, Rollouts, mean_return, reinforce_gradient,
};
use policy_landscape::stats::{Estimate, Moments};
use policy_landscape::{Error, ExactWorkspace, Gridworld, Real, RewardCell, Softmax, TabularMdp};

// ------------------------------------------------------------- softmax row

#[test]
fn softmax_row_rejects_a_mix_outside_the_unit_interval() {
    // mix = 2 once gave π = (1 - 2) p + 2 / 2 < 0 for the likelier action.
    for mix in [2.0, -0.5, f64::NAN, f64::INFINITY] {
        assert_eq!(
            SoftmaxRow::from_logits(&[0.0, 3.0], mix),
            Err(Error::InvalidProbability { what: "mix" }),
            "mix = {mix}"
        );
    }
}

#[test]
fn softmax_row_rejects_non_finite_logits() {
    assert_eq!(
        SoftmaxRow::from_logits(&[0.0, f64::INFINITY, 1.0], 0.0),
        Err(Error::NonFinite {
            what: "logits",
            index: 1
        })
    );
    assert_eq!(
        SoftmaxRow::from_logits(&[f64::NAN, 0.0], 0.5),
        Err(Error::NonFinite {
            what: "logits",
            index: 0
        })
    );
}

#[test]
fn softmax_row_at_the_mix_bounds_is_exact() {
    // mix = 1: the uniform policy whatever the logits.
    let row = SoftmaxRow::from_logits(&[0.0, 50.0], 1.0).unwrap();
    assert_eq!(row.pi, [0.5, 0.5]);
    assert_eq!(row.entropy, core::f64::consts::LN_2);
    // mix = 0.5 over equal logits: still uniform, never negative.
    let row = SoftmaxRow::from_logits(&[7.0, 7.0, 7.0, 7.0], 0.5).unwrap();
    assert_eq!(row.pi, [0.25; 4]);
    assert_eq!(row.p, [0.25; 4]);
}

// ------------------------------------------------------------------ cases

fn full_cases() -> Cases {
    Cases {
        total: u64::MAX,
        both_negative: u64::MAX,
        both_positive: u64::MAX,
        opposite: u64::MAX,
        both_zero: u64::MAX,
        zero_and_negative: u64::MAX,
        zero_and_positive: u64::MAX,
        curvature_negative: u64::MAX,
        curvature_positive: u64::MAX,
    }
}

#[test]
fn cases_record_saturates_at_the_largest_count() {
    let mut c = full_cases();
    for (plus, minus, sum) in [(1, 1, 1), (-1, -1, -1), (0, 0, 0), (1, -1, 0), (0, 1, 1)] {
        c.record(plus, minus, sum);
    }
    assert_eq!(c, full_cases());
    assert_eq!(c.improving(), u64::MAX);
    assert_eq!(c.worsening(), u64::MAX);
}

#[test]
fn cases_merge_saturates_at_the_largest_count() {
    let mut c = full_cases();
    c.merge(&full_cases());
    assert_eq!(c, full_cases());
}

#[test]
fn cases_verdict_on_huge_counts_does_not_overflow() {
    // 2 * opposite once overflowed here; opposite = 2^63 is exactly half of
    // 2^64 - 1 rounded up, so the directions are "linear".
    let c = Cases {
        total: u64::MAX,
        opposite: 1 << 63,
        both_positive: (1 << 63) - 1,
        ..Cases::default()
    };
    let v = c.verdict();
    assert_eq!(v.kind, VerdictKind::Linear);
    assert_eq!((v.support, v.directions), (1 << 63, u64::MAX));
    // One direction fewer: below half, undetermined.
    let c = Cases {
        opposite: (1 << 63) - 1,
        both_positive: 1 << 63,
        ..c
    };
    assert_eq!(c.verdict().kind, VerdictKind::Undetermined);
    // Counts inconsistent with the total (public fields): still no panic.
    let c = Cases {
        total: 3,
        opposite: u64::MAX,
        both_positive: u64::MAX,
        zero_and_positive: u64::MAX,
        ..Cases::default()
    };
    assert_eq!(c.improving(), u64::MAX);
    assert_eq!(c.worsening(), u64::MAX);
    assert_eq!(c.verdict().kind, VerdictKind::Linear);
}

// ------------------------------------------------------------ accumulator

#[test]
fn accumulator_refuses_curvatures_whose_statistics_overflow() {
    // ±0.5e308 pushes once gave a mean curvature and a trace of -inf and a
    // variance of 0.
    let mut acc = Accumulator::<f64>::new(1.0, 5, 0.0).unwrap();
    let before = acc.clone();
    assert_eq!(
        acc.push(0.5e308, 0.5e308),
        Err(Error::NumericalOverflow {
            what: "probe statistics"
        })
    );
    assert_eq!(acc, before, "unchanged on error");
    // A pair whose shifted sum of squares overflows: curvatures 4e307 then
    // -4e307, so (c - c0)² = 6.4e615.
    let mut acc = Accumulator::<f64>::new(1.0, 1, 0.0).unwrap();
    acc.push(2e307, 2e307).unwrap();
    let before = acc.clone();
    assert_eq!(
        acc.push(-2e307, -2e307),
        Err(Error::NumericalOverflow {
            what: "probe statistics"
        })
    );
    assert_eq!(acc, before, "unchanged on error");
    assert_eq!(acc.curvature().mean(), Some(4e307));
    assert_eq!(acc.count(), 1);
}

#[test]
fn accumulator_keeps_exact_statistics_of_large_but_representable_curvatures() {
    let mut acc = Accumulator::<f64>::new(1.0, 5, 0.0).unwrap();
    acc.push(1e150, 1e150).unwrap(); // curvature 2e150
    acc.push(-1e150, -1e150).unwrap(); // curvature -2e150
    let c = acc.curvature();
    assert_eq!(c.mean(), Some(0.0));
    // Sample variance of {2e150, -2e150}: 8e300.
    let v = c.variance().unwrap();
    assert!((v - 8e300).abs() <= 1e-15 * 8e300, "{v:e}");
    let t = acc.hessian_trace().unwrap();
    assert_eq!(t.value, 0.0);
    // n sd / √2 = 5 · √(8e300) / √2 = 5 · 2e150.
    assert!(
        (t.std_error - 1e151).abs() <= 1e-15 * 1e151,
        "{:e}",
        t.std_error
    );
}

#[test]
fn accumulator_refuses_gradients_whose_norm_estimate_overflows() {
    // g = ±1.3e154: g² = 1.69e308 is finite but n g² is not; the estimate
    // ‖∇O‖² ≈ n mean(g²) once read +inf.
    let mut acc = Accumulator::<f64>::new(1.0, 5, 0.0).unwrap();
    let before = acc.clone();
    assert_eq!(
        acc.push(1.3e154, -1.3e154),
        Err(Error::NumericalOverflow {
            what: "probe statistics"
        })
    );
    assert_eq!(acc, before, "unchanged on error");
    // g = ±1e150: n g² = 5e300 exactly represented, and so is the estimate.
    acc.push(1e150, -1e150).unwrap();
    acc.push(-1e150, 1e150).unwrap();
    let e = acc.gradient_norm_sq().unwrap();
    assert_eq!(e.value, 5.0 * (1e150 * 1e150));
    assert_eq!(e.std_error, 0.0);
}

#[test]
fn accumulator_plot_axes_overflow_is_an_error() {
    // α = 1e100, curvatures 2e100 and 4e100: the vertical axis holds
    // (D+ + D−) / √2 = √2 e300 and 2√2 e300, whose variance (1e600) is not
    // representable; the horizontal axis (all 0) is.
    let mut acc = Accumulator::<f64>::new(1e100, 1, 0.0).unwrap();
    acc.push(1e300, 1e300).unwrap();
    acc.push(2e300, 2e300).unwrap();
    assert_eq!(acc.curvature().max(), Some(4e100));
    assert_eq!(
        acc.plot_y(),
        Err(Error::NumericalOverflow {
            what: "plotting axis"
        })
    );
    let x = acc.plot_x().unwrap();
    assert_eq!((x.mean(), x.variance()), (Some(0.0), Some(0.0)));
}

#[test]
fn accumulator_alpha_squared_must_be_a_normal_number() {
    // α² overflowed to inf (every curvature read 0) or underflowed to 0.
    for alpha in [1e200, 1e-170, f64::MAX, 0.0, -1.0, f64::NAN] {
        assert_eq!(
            Accumulator::<f64>::new(alpha, 1, 0.0),
            Err(Error::InvalidParameter {
                what: "alpha",
                rule: "be positive, with alpha squared a normal number"
            }),
            "alpha = {alpha:e}"
        );
    }
    // The extremes that stay: α² just inside the normal range.
    assert!(Accumulator::<f64>::new(1e154, 1, 0.0).is_ok());
    assert!(Accumulator::<f64>::new(1e-153, 1, 0.0).is_ok());
}

#[test]
fn accumulator_count_overflow_on_push_is_an_error() {
    #[cfg(feature = "serde")]
    {
        let mut acc = saturated_accumulator();
        let before = acc.clone();
        assert_eq!(
            acc.push(1.0, -1.0),
            Err(Error::CountOverflow { what: "direction" })
        );
        assert_eq!(acc, before, "unchanged on error");
    }
}

/// An accumulator with one direction whose counts read `u64::MAX`, as a
/// deserialised snapshot can.
#[cfg(feature = "serde")]
fn saturated_accumulator() -> Accumulator<f64> {
    let mut acc = Accumulator::<f64>::new(0.5, 3, 1.0).unwrap();
    acc.push(0.25, -0.25).unwrap();
    let mut v = serde_json::to_value(&acc).unwrap();
    for m in ["gradient", "curvature", "gradient_sq"] {
        v[m]["count"] = serde_json::json!(u64::MAX);
    }
    v["cases"]["total"] = serde_json::json!(u64::MAX);
    v["cases"]["opposite"] = serde_json::json!(u64::MAX);
    serde_json::from_value(v).unwrap()
}

#[cfg(feature = "serde")]
#[test]
fn accumulator_merge_with_a_huge_count_is_an_error() {
    let mut acc = saturated_accumulator();
    let mut other = Accumulator::<f64>::new(0.5, 3, 1.0).unwrap();
    other.push(0.5, -0.5).unwrap();
    let before = acc.clone();
    assert_eq!(
        acc.merge(&other),
        Err(Error::CountOverflow { what: "direction" })
    );
    assert_eq!(acc, before, "unchanged on error");
    // Merging the other way round is refused as well, with `other` unchanged.
    let before = other.clone();
    assert_eq!(
        other.merge(&acc),
        Err(Error::CountOverflow { what: "direction" })
    );
    assert_eq!(other, before);
    // An empty shard merges into the huge one.
    let empty = Accumulator::<f64>::new(0.5, 3, 1.0).unwrap();
    acc.merge(&empty).unwrap();
    assert_eq!(acc.count(), u64::MAX);
}

#[cfg(feature = "serde")]
#[test]
fn accumulator_is_validated_when_deserialised() {
    let mut acc = Accumulator::<f64>::new(0.5, 3, 1.0).unwrap();
    acc.push(0.25, -0.25).unwrap();
    let good = serde_json::to_value(&acc).unwrap();
    let back: Accumulator<f64> = serde_json::from_value(good.clone()).unwrap();
    assert_eq!(back, acc);
    let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        serde_json::from_value::<Accumulator<f64>>(v)
            .unwrap_err()
            .to_string()
    };
    let msg = bad(&|v| v["alpha"] = serde_json::json!(-1.0));
    assert!(msg.contains("alpha"), "{msg}");
    let msg = bad(&|v| v["alpha"] = serde_json::json!(0.0));
    assert!(msg.contains("alpha"), "{msg}");
    let msg = bad(&|v| v["dim"] = serde_json::json!(0));
    assert!(msg.contains("theta"), "{msg}");
    let msg = bad(&|v| v["thresholds"]["k_sigma"] = serde_json::json!(-2.0));
    assert!(msg.contains("thresholds"), "{msg}");
    let msg = bad(&|v| v["base_error"] = serde_json::json!(-1.0));
    assert!(msg.contains("standard error"), "{msg}");
    let msg = bad(&|v| v["cases"]["total"] = serde_json::json!(7));
    assert!(msg.contains("count"), "{msg}");
    let msg = bad(&|v| v["curvature"]["count"] = serde_json::json!(2));
    assert!(msg.contains("count"), "{msg}");
    let msg = bad(&|v| v["gradient"]["sum_sq"] = serde_json::json!(-1.0));
    assert!(msg.contains("moments"), "{msg}");
}

// ------------------------------------------------------------ interpolate

#[test]
fn interpolate_over_the_widest_range_never_evaluates_a_nan() {
    // a from -1e308 to 1e308: a1 - a0 overflows, and the abscissae once were
    // NaN. θ(a) = a here, so every point is finite and exact.
    let mut seen = Vec::new();
    let mut o = from_fn(|t: &[f64]| {
        seen.push(t[0]);
        Ok(t[0])
    });
    let mut out = [(
        0.0,
        Estimate {
            value: 0.0,
            std_error: 0.0,
        },
    ); 3];
    interpolate(&mut o, &[0.0], &[1.0], -1e308, 1e308, &mut [0.0], &mut out).unwrap();
    assert_eq!(
        out.map(|(a, e)| (a, e.value)),
        [(-1e308, -1e308), (0.0, 0.0), (1e308, 1e308)]
    );
    assert_eq!(seen, [-1e308, 0.0, 1e308]);
}

#[test]
fn interpolate_with_an_overflowing_point_is_an_error_before_any_evaluation() {
    // θ(a) = 1 - 2a: at a = 1e308 the point is -inf.
    let mut calls = 0;
    let mut o = from_fn(|t: &[f64]| {
        calls += 1;
        assert!(t[0].is_finite());
        Ok(t[0])
    });
    let e = Estimate {
        value: 7.0,
        std_error: 0.0,
    };
    let mut out = [(7.0, e); 3];
    assert_eq!(
        interpolate(&mut o, &[1.0], &[-1.0], -1e308, 1e308, &mut [0.0], &mut out),
        Err(Error::NumericalOverflow {
            what: "interpolation point"
        })
    );
    assert_eq!(calls, 0);
    assert_eq!(out, [(7.0, e); 3], "output untouched on error");
}

// ------------------------------------------------------- linear-quadratic

#[test]
fn linear_quadratic_start_variance_must_be_non_negative() {
    // With public fields, v0 = -1 made reset return sqrt(-1) z = NaN.
    let lq = LinearQuadratic::<f64>::new(0.9, 0.5, 10).unwrap();
    assert_eq!(
        lq.clone().with_start(0.0, -1.0).unwrap_err(),
        Error::InvalidParameter {
            what: "v0",
            rule: "be finite and non-negative"
        }
    );
    assert_eq!(
        lq.clone().with_start(f64::NAN, 1.0).unwrap_err(),
        Error::InvalidParameter {
            what: "m0",
            rule: "be finite"
        }
    );
    assert_eq!(
        lq.clone().with_noise(-0.1).unwrap_err(),
        Error::InvalidParameter {
            what: "noise",
            rule: "be finite and non-negative"
        }
    );
    assert_eq!(
        lq.clone().with_costs(1.0, f64::INFINITY).unwrap_err(),
        Error::InvalidParameter {
            what: "rho",
            rule: "be finite and non-negative"
        }
    );
    assert_eq!(
        lq.clone().with_costs(-1.0, 0.1).unwrap_err(),
        Error::InvalidParameter {
            what: "q",
            rule: "be finite and non-negative"
        }
    );
    // The extreme valid start: reset stays finite (√MAX · z is far below
    // half an ulp of MAX).
    let mut lq = lq.with_start(f64::MAX, f64::MAX).unwrap();
    assert_eq!((lq.m0(), lq.v0()), (f64::MAX, f64::MAX));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for _ in 0..100 {
        let [s] = lq.reset(&mut rng);
        assert!(s.is_finite());
    }
}

#[test]
fn linear_quadratic_setters_keep_the_closed_form() {
    // J for H = 1, σ = 0, k = β = 0: -q E[s0²] = -q (m0² + v0).
    let lq = LinearQuadratic::<f64>::new(0.5, 2.0, 1)
        .unwrap()
        .with_start(1.0, 0.25)
        .unwrap()
        .with_costs(3.0, 0.1)
        .unwrap();
    assert_eq!((lq.q(), lq.rho(), lq.noise()), (3.0, 0.1, 0.0));
    let j = lq.expected_return(0.0, 0.0, 0.0, 0.9).unwrap();
    assert_eq!(j.value, -3.0 * 1.25);
}

// -------------------------------------------------------------------- LU

#[test]
fn lu_refuses_an_overflowing_pivot() {
    // Elimination gives U[1][1] = -1e308 - 1e308 = -inf; the solve once
    // returned Ok with x = [1e-308, 0] for b = [2e308 / 2, ...].
    let a = [[1e308, 1e308], [1e308, -1e308]];
    let mut lu = Lu::<f64, 2>::new();
    assert_eq!(
        lu.factor(&a),
        Err(Error::NumericalOverflow { what: "LU pivot" })
    );
    assert!(!lu.is_factored());
    let mut x = [5.0; 2];
    assert_eq!(lu.solve(&[1e308, 0.0], &mut x), Err(Error::NotFactored));
    assert_eq!(x, [5.0; 2], "untouched on error");
    // The same system with entries 2^1020 fits: x = [1, 1] for b = A [1, 1],
    // exactly (every operation is on powers of two).
    let big = 2.0_f64.powi(1020);
    let a = [[big, big], [big, -big]];
    lu.factor(&a).unwrap();
    lu.solve(&[2.0 * big, 0.0], &mut x).unwrap();
    assert_eq!(x, [1.0, 1.0]);
}

// ------------------------------------------------------------------ Real

#[test]
fn real_max_and_min_propagate_nan() {
    assert!(Real::max(1.0_f64, f64::NAN).is_nan());
    assert!(Real::max(f64::NAN, 1.0_f64).is_nan());
    assert!(Real::min(2.0_f32, f32::NAN).is_nan());
    assert!(Real::min(f32::NAN, 2.0_f32).is_nan());
    assert_eq!(Real::max(1.0_f64, 2.0), 2.0);
    assert_eq!(Real::min(1.0_f32, 2.0), 1.0);
    assert_eq!(Real::max(-0.0_f64, -1.0), -0.0);
}

// ---------------------------------------------------------------- moments

#[test]
fn moments_push_refuses_what_it_cannot_represent() {
    let mut m = Moments::<f64>::new();
    assert_eq!(
        m.push(f64::NAN),
        Err(Error::NonFinite {
            what: "value",
            index: 0
        })
    );
    m.push(1e308).unwrap();
    let before = m;
    // (x - shift)² = 4e616: the variance is not representable.
    assert_eq!(
        m.push(-1e308),
        Err(Error::NumericalOverflow { what: "moments" })
    );
    assert_eq!(m, before, "unchanged on error");
    assert_eq!((m.count(), m.mean()), (1, Some(1e308)));
}

#[test]
fn moments_variance_when_the_square_of_the_sum_overflows() {
    // 0 then 99 times 1e153: the shifted sum 9.9e154 squares to +inf (the
    // variance once read 0), yet the variance is 1e304.
    let mut m = Moments::<f64>::new();
    m.push(0.0).unwrap();
    for _ in 0..99 {
        m.push(1e153).unwrap();
    }
    let v = m.variance().unwrap();
    assert!((v - 1e304).abs() <= 1e-12 * 1e304, "{v:e}");
    let mean = m.mean().unwrap();
    assert!((mean - 0.99e153).abs() <= 1e-14 * 0.99e153, "{mean:e}");
}

#[test]
fn moments_merge_whose_sums_overflow_is_an_error() {
    let (mut a, mut b) = (Moments::<f64>::new(), Moments::<f64>::new());
    // Each shard is constant; together their variance (about 1.3e600) is
    // not representable.
    for x in [1e300, 1e300] {
        a.push(x).unwrap();
        b.push(-x).unwrap();
    }
    let before = a;
    assert_eq!(
        a.merge(&b),
        Err(Error::NumericalOverflow { what: "moments" })
    );
    assert_eq!(a, before, "unchanged on error");
}

#[cfg(feature = "serde")]
#[test]
fn moments_merge_and_push_with_a_huge_count_are_errors() {
    let mut m = Moments::<f64>::new();
    m.push(2.0).unwrap();
    let mut v = serde_json::to_value(m).unwrap();
    v["count"] = serde_json::json!(u64::MAX);
    let mut huge: Moments<f64> = serde_json::from_value(v).unwrap();
    let before = huge;
    assert_eq!(huge.merge(&m), Err(Error::CountOverflow { what: "value" }));
    assert_eq!(huge.push(2.0), Err(Error::CountOverflow { what: "value" }));
    assert_eq!(huge, before, "unchanged on error");
    let mut small = m;
    assert_eq!(
        small.merge(&huge),
        Err(Error::CountOverflow { what: "value" })
    );
    assert_eq!(small, m);
}

#[cfg(feature = "serde")]
#[test]
fn moments_are_validated_when_deserialised() {
    let mut m = Moments::<f64>::new();
    m.push(2.0).unwrap();
    m.push(3.0).unwrap();
    let good = serde_json::to_value(m).unwrap();
    let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        serde_json::from_value::<Moments<f64>>(v)
            .unwrap_err()
            .to_string()
    };
    for msg in [
        bad(&|v| v["sum_sq"] = serde_json::json!(-1.0)),
        bad(&|v| v["min"] = serde_json::json!(9.0)),
        bad(&|v| v["count"] = serde_json::json!(0)),
    ] {
        assert!(msg.contains("restored moments are inconsistent"), "{msg}");
    }
}

// -------------------------------------------------------------------- MDP

#[cfg_attr(
    miri,
    ignore = "a third of the suite's Miri time (f32 solves over many discounts)"
)]
#[test]
fn f32_gridworld_discount_is_validated_against_the_solver_precision() {
    // S = 26 in f32: the bound 1 - 4 S eps = 0.9999876. Above about
    // 0.999997 the solver once reported Singular for a valid MDP.
    type Mdp = TabularMdp<f32, 26, 4>;
    let max = Mdp::max_discount();
    assert_eq!(max, 1.0 - 104.0 * f32::EPSILON);
    let mut mdp = policy_landscape::paper::mdp();
    for g in [0.999998, 0.999997, max] {
        assert_eq!(
            mdp.set_gamma(g),
            Err(Error::InvalidDiscount {
                rule: "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)"
            }),
            "gamma = {g}"
        );
    }
    // Every valid discount up to the bound evaluates, for flat, random and
    // nearly deterministic policies.
    let mut ws = ExactWorkspace::<f32, 26, 4>::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut g = max.next_down();
    for _ in 0..64 {
        mdp.set_gamma(g).unwrap();
        for scale in [0.0_f32, 1.0, 30.0] {
            let mut policy = Softmax::<f32, 26, 4>::tabular();
            policy.init_like_torch(&mut rng);
            for x in policy.params_mut() {
                *x *= scale;
            }
            let j = ws.objective(&mdp, &policy, 0.01);
            assert!(
                j.is_ok_and(f32::is_finite),
                "gamma {g}, scale {scale}: {j:?}"
            );
        }
        g = g.next_down();
    }
}

#[test]
fn f64_discount_bound_is_one_minus_four_s_eps() {
    type Mdp = TabularMdp<f64, 26, 4>;
    assert_eq!(Mdp::max_discount(), 1.0 - 104.0 * f64::EPSILON);
    let mut mdp = policy_landscape::paper::mdp();
    mdp.set_gamma(Mdp::max_discount().next_down()).unwrap();
    let mut ws = ExactWorkspace::<f64, 26, 4>::new();
    let policy = Softmax::<f64, 26, 4>::tabular();
    assert!(ws.objective(&mdp, &policy, 0.0).unwrap().is_finite());
}

#[test]
fn duplicate_reward_cells_are_an_error() {
    let cells = [
        RewardCell::new(0, 1, 1.0),
        RewardCell::new(1, 1, 2.0),
        RewardCell::new(0, 1, 3.0),
    ];
    assert_eq!(
        Gridworld::new(2, &cells).build::<5, 4>(),
        Err(Error::DuplicateRewardCell { row: 0, col: 1 })
    );
    let rewards = [(1, RIGHT, 1.0), (2, RIGHT, 2.0), (1, RIGHT, 5.0)];
    assert_eq!(
        Chain::new(&rewards, &[]).build::<4, 2>(),
        Err(Error::DuplicateReward {
            state: 1,
            action: RIGHT
        })
    );
    // The same state with two different actions is fine.
    let rewards = [(1, RIGHT, 1.0), (1, RIGHT - 1, 2.0)];
    let mdp = Chain::new(&rewards, &[]).build::<4, 2>().unwrap();
    assert_eq!(mdp.rewards()[1], [2.0, 1.0]);
}

// ----------------------------------------------- Monte-Carlo and REINFORCE

fn lq() -> LinearQuadratic<f64> {
    LinearQuadratic::new(0.95, 0.4, 25)
        .and_then(|lq| lq.with_start(0.5, 0.8))
        .unwrap()
}

fn affine(k: f64, beta: f64, sigma: f64) -> Gaussian<f64, 1, 1, 2> {
    let mut p = Gaussian::<f64, 1, 1, 2>::affine();
    p.set_params(&[k, beta]).unwrap();
    p.set_sigma(sigma).unwrap();
    p
}

fn batch(episodes: usize) -> Rollouts<f64> {
    Rollouts {
        episodes,
        gamma: 0.97,
        seed: 3,
        max_steps: 100,
    }
}

#[test]
fn monte_carlo_needs_two_episodes_for_a_standard_error() {
    // One episode once reported a standard error of 0: "exact" to a probe.
    let two = Error::InvalidParameter {
        what: "episodes",
        rule: "be at least 2 (a standard error needs two)",
    };
    assert_eq!(
        MonteCarlo::new(lq(), affine(-0.5, 0.0, 0.3), batch(1)).err(),
        Some(two)
    );
    assert_eq!(
        mean_return(&mut lq(), &affine(-0.5, 0.0, 0.3), &batch(1)),
        Err(two)
    );
    assert_eq!(
        two.to_string(),
        "episodes must be at least 2 (a standard error needs two)"
    );
    // Two episodes: a positive standard error, and the probe sees noise.
    let mut mc = MonteCarlo::new(lq(), affine(-0.5, 0.0, 0.3), batch(2)).unwrap();
    let e = mc.evaluate(&[-0.5, 0.0]).unwrap();
    assert!(e.value.is_finite() && e.std_error > 0.0, "{e:?}");
}

#[test]
fn reinforce_report_of_one_episode_has_no_standard_error() {
    let mut sums = BatchSums::new();
    let mut grad = [0.0; 2];
    let report = reinforce_gradient(
        &mut lq(),
        &affine(-0.5, 0.0, 0.3),
        &batch(1),
        Estimator::Unbiased,
        &mut sums,
        &mut [0.0; 128],
        &mut grad,
    )
    .unwrap();
    assert_eq!(report.return_std_error, None);
    assert_eq!(Some(report.mean_return), sums.returns().mean());
    let report = reinforce_gradient(
        &mut lq(),
        &affine(-0.5, 0.0, 0.3),
        &batch(2),
        Estimator::Unbiased,
        &mut sums,
        &mut [0.0; 128],
        &mut grad,
    )
    .unwrap();
    assert_eq!(report.return_std_error, sums.returns().std_error());
    assert!(report.return_std_error.unwrap() > 0.0);
}

#[test]
fn reinforce_standard_errors_of_huge_gradients_are_an_error() {
    // σ = 1e-160 around a zero mean: scores ε/σ ~ 1e160, so per-episode
    // estimates square to +inf; the standard errors once read 0.
    let mut sums = BatchSums::new();
    let mut grad = [0.0; 2];
    reinforce_gradient(
        &mut lq(),
        &affine(0.0, 0.0, 1e-160),
        &batch(4),
        Estimator::Unbiased,
        &mut sums,
        &mut [0.0; 128],
        &mut grad,
    )
    .unwrap();
    assert!(
        grad.iter().all(|g| g.is_finite() && g.abs() > 1e150),
        "{grad:?}"
    );
    let mut se = [7.0; 2];
    assert_eq!(
        sums.std_errors_into(&mut se),
        Err(Error::NumericalOverflow {
            what: "REINFORCE standard error"
        })
    );
    assert_eq!(se, [7.0; 2], "untouched on error");
}

// ---------------------------------------------------------------- errors

#[test]
fn discount_errors_are_one_variant_stating_each_rule() {
    let env = lq().expected_return(0.0, 0.0, 0.0, 1.5).unwrap_err();
    let rollouts = Rollouts {
        gamma: -0.1,
        ..batch(2)
    }
    .check()
    .unwrap_err();
    assert_eq!(env, rollouts);
    assert_eq!(env.to_string(), "discount gamma must lie in [0, 1]");
    let mdp = policy_landscape::paper::mdp::<f64>()
        .set_gamma(1.0)
        .unwrap_err();
    assert!(matches!(mdp, Error::InvalidDiscount { .. }));
    assert!(
        mdp.to_string()
            .starts_with("discount gamma must lie in [0, 1 - 4 S eps)"),
        "{mdp}"
    );
}

#[test]
fn invalid_parameter_messages_state_the_broken_rule() {
    let cases = [
        (
            Rollouts {
                episodes: 0,
                ..batch(2)
            }
            .check()
            .unwrap_err(),
            "episodes must be at least 1",
        ),
        (
            Accumulator::<f64>::new(-1.0, 1, 0.0).unwrap_err(),
            "alpha must be positive, with alpha squared a normal number",
        ),
        (
            affine(0.0, 0.0, 0.0).log_prob(&[0.0], &[0.0]).unwrap_err(),
            "sigma must be positive in every dimension for a density",
        ),
        (
            lq().with_start(0.0, -1.0).unwrap_err(),
            "v0 must be finite and non-negative",
        ),
    ];
    for (err, msg) in cases {
        assert_eq!(err.to_string(), msg);
    }
}
