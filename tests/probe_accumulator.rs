//! The probe accumulator on hand-made pairs `(D+, D−)`: the paper's cases
//! (§2.1.2), detectability (footnote 6), verdicts with Wilson intervals, the
//! footnote-5 curvature pick, quantiles, the curvature histogram, the
//! plotting axes, merging, and serde.

use policy_landscape::probe::{Accumulator, Cases, PairErrors, Thresholds, VerdictKind};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::random::standard_normal;
use policy_landscape::stats::{LogHistogram, Moments};
use proptest::prelude::*;

const SQRT2: f64 = std::f64::consts::SQRT_2;

fn acc(alpha: f64) -> Accumulator<f64> {
    Accumulator::new(alpha, 4, 0.0).unwrap()
}

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// The pair of a direction with gradient projection `g` and curvature `c`
/// at step `α` (eq. 1–2 inverted): `D± = ±α g + α² c / 2`.
fn pair(alpha: f64, g: f64, c: f64) -> (f64, f64) {
    (
        alpha * g + 0.5 * alpha * alpha * c,
        -alpha * g + 0.5 * alpha * alpha * c,
    )
}

/// A copy of a `Moments` whether the accessor returns it by reference or by
/// value.
fn own(m: &Moments<f64>) -> Moments<f64> {
    *m
}

#[track_caller]
fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tol {tol})"
    );
}

#[test]
fn each_pair_lands_in_the_papers_case() {
    // (D+, D−, case, curvature sign)
    let table: [(f64, f64, &str, i8); 11] = [
        (-1.0, -1.0, "both_negative", -1),
        (-0.5, -2.0, "both_negative", -1),
        (2.0, 3.0, "both_positive", 1),
        (1.0, -1.0, "opposite", 0),
        (-1.0, 0.5, "opposite", -1),
        (1.0, -0.5, "opposite", 1),
        (0.0, 0.0, "both_zero", 0),
        (0.0, -1.0, "zero_and_negative", -1),
        (-1.0, 0.0, "zero_and_negative", -1),
        (0.0, 1.0, "zero_and_positive", 1),
        (1.0, 0.0, "zero_and_positive", 1),
    ];
    let mut total = acc(0.1);
    for (p, m, case, sign) in table {
        let mut a = acc(0.1);
        a.push(p, m).unwrap();
        total.push(p, m).unwrap();
        let c = *a.cases();
        let mut want = Cases {
            total: 1,
            ..Cases::default()
        };
        match case {
            "both_negative" => want.both_negative = 1,
            "both_positive" => want.both_positive = 1,
            "opposite" => want.opposite = 1,
            "both_zero" => want.both_zero = 1,
            "zero_and_negative" => want.zero_and_negative = 1,
            _ => want.zero_and_positive = 1,
        }
        match sign {
            1 => want.curvature_positive = 1,
            -1 => want.curvature_negative = 1,
            _ => {}
        }
        assert_eq!(c, want, "({p}, {m})");
        // Improving: some side goes detectably up; worsening: some side down.
        assert_eq!(c.improving(), u64::from(p > 0.0 || m > 0.0), "({p}, {m})");
        assert_eq!(c.worsening(), u64::from(p < 0.0 || m < 0.0), "({p}, {m})");
    }
    let c = total.cases();
    assert_eq!(
        (
            c.total,
            c.both_negative,
            c.both_positive,
            c.opposite,
            c.both_zero
        ),
        (11, 2, 1, 3, 1)
    );
    assert_eq!((c.zero_and_negative, c.zero_and_positive), (2, 2));
    assert_eq!((c.curvature_negative, c.curvature_positive), (5, 4));
}

fn verdict_of(pairs: &[((f64, f64), u64)]) -> policy_landscape::probe::Verdict {
    let mut a = acc(0.1);
    for &((p, m), times) in pairs {
        for _ in 0..times {
            a.push(p, m).unwrap();
        }
    }
    a.verdict()
}

#[test]
fn verdict_rules_and_wilson_intervals() {
    use VerdictKind::*;
    let (neg, pos, opp, zero) = ((-1.0, -2.0), (1.0, 0.5), (1.0, -1.0), (0.0, 0.0));
    let (zneg, zpos) = ((0.0, -1.0), (2.0, 0.0));

    let v = verdict_of(&[]);
    assert_eq!((v.kind, v.support, v.directions), (Undetermined, 0, 0));
    assert_eq!((v.interval(), v.fraction()), (None, None));

    // 100 of 100 both negative: a local maximum, with the 95 % Wilson
    // interval [0.963, 1] for the probability a direction does not improve.
    let v = verdict_of(&[(neg, 100)]);
    assert_eq!((v.kind, v.support, v.directions), (LocalMaximum, 100, 100));
    let (lo, hi) = v.interval().unwrap();
    assert_close("Wilson lo 100/100", lo, 0.963_006_5, 1e-6);
    assert_eq!(hi, 1.0);
    assert_eq!(v.fraction(), Some(1.0));

    // Flat directions beside negative ones: still a maximum (Fig. 1a).
    assert_eq!(
        verdict_of(&[(neg, 50), (zneg, 30), (zero, 20)]).kind,
        LocalMaximum
    );
    assert_eq!(verdict_of(&[(zneg, 10)]).kind, LocalMaximum);
    // The mirror images.
    assert_eq!(verdict_of(&[(pos, 100)]).kind, LocalMinimum);
    assert_eq!(
        verdict_of(&[(pos, 5), (zpos, 5), (zero, 5)]).kind,
        LocalMinimum
    );
    // Nothing detectable anywhere: flat.
    let v = verdict_of(&[(zero, 10)]);
    assert_eq!((v.kind, v.support), (Flat, 10));
    let (lo, hi) = v.interval().unwrap();
    assert_close("Wilson lo 10/10", lo, 0.722_467_2, 1e-6);
    assert_eq!(hi, 1.0);
    // Both kinds of curvature: a saddle, whatever else is there.
    let v = verdict_of(&[(neg, 30), (pos, 20), (opp, 50)]);
    assert_eq!((v.kind, v.support, v.directions), (Saddle, 50, 100));
    let (lo, hi) = v.interval().unwrap();
    assert_close("Wilson 50/100 lo", lo, 0.403_831_5, 1e-6);
    assert_close("Wilson 50/100 hi", hi, 0.596_168_5, 1e-6);
    assert_eq!(verdict_of(&[(neg, 1), (pos, 1), (zero, 98)]).kind, Saddle);
    // Opposite signs in at least half the directions: linear.
    let v = verdict_of(&[(opp, 60), (zero, 40)]);
    assert_eq!((v.kind, v.support), (Linear, 60));
    let (lo, hi) = v.interval().unwrap();
    assert_close("Wilson 60/100 lo", lo, 0.502_002_6, 1e-6);
    assert_close("Wilson 60/100 hi", hi, 0.690_598_7, 1e-6);
    assert_eq!(verdict_of(&[(opp, 50), (neg, 50)]).kind, Linear);
    // Less than half: undetermined, with support 0.
    let v = verdict_of(&[(opp, 49), (neg, 51)]);
    assert_eq!((v.kind, v.support, v.directions), (Undetermined, 0, 100));
    assert_eq!(v.interval(), Some((0.0, v.interval().unwrap().1)));
    assert_eq!(verdict_of(&[(zneg, 1), (zpos, 1)]).kind, Undetermined);
}

#[test]
fn detectability_with_standard_errors() {
    let pe = |base, plus, minus| PairErrors { base, plus, minus };
    let cases_of = |p: f64, m: f64, e: PairErrors<f64>, th: Thresholds<f64>| {
        let mut a = Accumulator::with_thresholds(0.1, 3, 0.0, th).unwrap();
        a.push_with_errors(p, m, e).unwrap();
        *a.cases()
    };
    let k2 = Thresholds::default();
    assert_eq!(k2.k_sigma, 2.0);
    // A difference of 1 with standard error 1 is within 2 SE of 0 ...
    let c = cases_of(1.0, 1.0, pe(0.0, 1.0, 1.0), k2);
    assert_eq!((c.both_zero, c.curvature_positive), (1, 0));
    assert_eq!(c.verdict().kind, VerdictKind::Flat);
    // ... with 0.1 it is detectable (and so is the sum, 2 > 2·√0.02).
    let c = cases_of(1.0, 1.0, pe(0.0, 0.1, 0.1), k2);
    assert_eq!((c.both_positive, c.curvature_positive), (1, 1));
    // With k = 0.5, standard error 1 is enough.
    let k_half = Thresholds { k_sigma: 0.5, ..k2 };
    assert_eq!(
        cases_of(1.0, 1.0, pe(0.0, 1.0, 1.0), k_half).both_positive,
        1
    );
    // The base value's error counts for both sides: √(b² + s²).
    assert_eq!(cases_of(1.0, -1.0, pe(0.6, 0.0, 0.0), k2).both_zero, 1); // 1 < 1.2
    assert_eq!(cases_of(1.0, -1.0, pe(0.4, 0.0, 0.0), k2).opposite, 1); // 1 > 0.8
    assert_eq!(cases_of(0.99, -0.99, pe(0.3, 0.4, 0.4), k2).both_zero, 1); // < 2·0.5
    assert_eq!(cases_of(1.01, -1.01, pe(0.3, 0.4, 0.4), k2).opposite, 1); // > 2·0.5
    // "Beyond k SE" is strict: |D| = k·se exactly is not detectable.
    assert_eq!(cases_of(1.0, 1.0, pe(0.0, 0.5, 0.5), k2).both_zero, 1);
    // One side noisy, the other precise.
    let c = cases_of(1.0, 1.0, pe(0.0, 1.0, 0.01), k2);
    assert_eq!(c.zero_and_positive, 1);
    // The sum D+ + D− = O+ + O− − 2 O0 has SE √(s+² + s−² + 4b²).
    // 0.5 + 0.5 = 1 vs 2·√(0.1² + 0.1² + 4·0.2²) = 0.849: detectable.
    assert_eq!(
        cases_of(0.5, 0.5, pe(0.2, 0.1, 0.1), k2).curvature_positive,
        1
    );
    // vs 2·√(0.1² + 0.1² + 4·0.3²) = 1.23: not.
    let c = cases_of(0.5, 0.5, pe(0.3, 0.1, 0.1), k2);
    assert_eq!((c.curvature_positive, c.curvature_negative), (0, 0));

    // Zero errors are the exact-objective rule, bit for bit.
    let mut a = acc(0.1);
    let mut b = acc(0.1);
    for (p, m) in [(1e-14, -3e-13), (0.5, 0.25), (-1.0, 1e-16)] {
        a.push(p, m).unwrap();
        b.push_with_errors(p, m, pe(0.0, 0.0, 0.0)).unwrap();
    }
    assert_eq!(a, b);
}

#[test]
fn default_relative_floor_for_exact_objectives() {
    let th = Thresholds::<f64>::default();
    assert_eq!(th.rel_floor, 1024.0 * f64::EPSILON);
    assert_close("f64 floor", th.rel_floor, 2.27e-13, 1e-15);
    let th32 = Thresholds::<f32>::default();
    assert_eq!(th32.rel_floor, 1024.0 * f32::EPSILON);
    assert_close("f32 floor", f64::from(th32.rel_floor), 1.22e-4, 1e-6);
    assert_eq!(th32.k_sigma, 2.0);

    let kind = |base: f64, d: f64| {
        let mut a = Accumulator::new(0.1, 3, base).unwrap();
        a.push(d, d).unwrap();
        a.verdict().kind
    };
    // Scaled by max(|O(θ0)|, 1).
    for base in [0.0, 0.5, -1.0] {
        assert_eq!(kind(base, 2e-13), VerdictKind::Flat);
        assert_eq!(kind(base, -2e-13), VerdictKind::Flat);
        assert_eq!(kind(base, 3e-13), VerdictKind::LocalMinimum);
        assert_eq!(kind(base, -3e-13), VerdictKind::LocalMaximum);
    }
    for base in [1000.0, -1000.0] {
        assert_eq!(kind(base, 2e-10), VerdictKind::Flat);
        assert_eq!(kind(base, 3e-10), VerdictKind::LocalMinimum);
    }
    // f32: the floor is 1.2e-4 relative.
    let mut a = Accumulator::<f32>::new(0.1, 3, 10.0).unwrap();
    a.push(1e-3, -1e-3).unwrap(); // below 1.2e-3
    a.push(2e-3, 2e-3).unwrap();
    let c = a.cases();
    assert_eq!((c.both_zero, c.both_positive), (1, 1));
    // An explicit floor of 0 detects any non-zero difference.
    let exact = Thresholds {
        rel_floor: 0.0,
        ..th
    };
    let mut a = Accumulator::with_thresholds(0.1, 3, 1e6, exact).unwrap();
    a.push(1e-300, -5e-324).unwrap();
    assert_eq!(a.cases().opposite, 1);
}

#[test]
fn calibrated_projections_and_plotting_axes() {
    let alpha = 0.5;
    let mut a = Accumulator::new(alpha, 7, 1.0).unwrap();
    let pairs = [(3.0, 1.0), (-1.0, 2.0), (0.5, 0.5)];
    for (p, m) in pairs {
        a.push(p, m).unwrap();
    }
    let xs: Vec<f64> = pairs.iter().map(|(p, m)| (p - m) / SQRT2).collect();
    let ys: Vec<f64> = pairs.iter().map(|(p, m)| (p + m) / SQRT2).collect();
    // x = √2, −3/√2, 0 and y = 4/√2, 1/√2, 1/√2.
    let tol = 1e-15;
    assert_close(
        "x min",
        a.plot_x().unwrap().min().unwrap(),
        -3.0 / SQRT2,
        tol,
    );
    assert_close("x max", a.plot_x().unwrap().max().unwrap(), SQRT2, tol);
    assert_close(
        "x mean",
        a.plot_x().unwrap().mean().unwrap(),
        xs.iter().sum::<f64>() / 3.0,
        tol,
    );
    assert_close(
        "y min",
        a.plot_y().unwrap().min().unwrap(),
        1.0 / SQRT2,
        tol,
    );
    assert_close(
        "y max",
        a.plot_y().unwrap().max().unwrap(),
        4.0 / SQRT2,
        tol,
    );
    assert_close(
        "y mean",
        a.plot_y().unwrap().mean().unwrap(),
        ys.iter().sum::<f64>() / 3.0,
        tol,
    );
    // Gradient (D+ − D−)/2α = 2, −3, 0 and curvature (D+ + D−)/α² = 16, 4, 4.
    assert_close("g max", a.gradient().max().unwrap(), 2.0, tol);
    assert_close("g min", a.gradient().min().unwrap(), -3.0, tol);
    assert_close("g mean", a.gradient().mean().unwrap(), -1.0 / 3.0, tol);
    assert_close("c mean", a.curvature().mean().unwrap(), 8.0, tol);
    assert_close("c var", a.curvature().variance().unwrap(), 48.0, 1e-13);
    // x = √2 α g and y = α² c / √2.
    assert_close(
        "x = √2αg",
        a.plot_x().unwrap().max().unwrap(),
        SQRT2 * alpha * 2.0,
        tol,
    );
    assert_close(
        "y = α²c/√2",
        a.plot_y().unwrap().max().unwrap(),
        alpha * alpha * 16.0 / SQRT2,
        tol,
    );
    // n · mean(g²) = 7 · 13/3; SE = 7 · sd(4, 9, 0) / √3.
    let g2 = a.gradient_norm_sq().unwrap();
    assert_close("‖∇O‖²", g2.value, 7.0 * 13.0 / 3.0, 1e-13);
    let sd = ((1.0 / 9.0 + 196.0 / 9.0 + 169.0 / 9.0) / 2.0_f64).sqrt();
    assert_close("SE ‖∇O‖²", g2.std_error, 7.0 * sd / 3.0_f64.sqrt(), 1e-13);
    let tr = a.hessian_trace().unwrap();
    assert_close("tr H", tr.value, 7.0 * 8.0, 1e-13);
    assert_close("SE tr H", tr.std_error, 7.0 * 4.0, 1e-13);
    assert_eq!(
        (a.alpha(), a.dim(), a.base(), a.base_error()),
        (0.5, 7, 1.0, 0.0)
    );

    // The estimates need two directions.
    let mut one = acc(1.0);
    assert_eq!((one.gradient_norm_sq(), one.hessian_trace()), (None, None));
    one.push(1.0, 0.0).unwrap();
    assert_eq!((one.gradient_norm_sq(), one.hessian_trace()), (None, None));
    assert_eq!(one.gradient().mean(), Some(0.5));
}

#[test]
fn curvature_histogram_counts_every_direction() {
    let alpha = 0.5;
    let mut a = acc(alpha);
    // (curvature, times): negatives, exact zeros, sub-2⁻⁶⁴ values, positives.
    let spec = [
        (-3.0, 5_u64),
        (0.0, 2),
        (1e-30, 3),
        (2.5, 7),
        (1e30, 1),
        (-1e-3, 4),
    ];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    for &(c, times) in &spec {
        for _ in 0..times {
            let (p, m) = pair(alpha, uniform(&mut rng) - 0.5, c);
            a.push(p, m).unwrap();
        }
    }
    let h = a.curvature_histogram();
    assert_eq!(h.count(), a.count());
    assert_eq!(h.count(), 22);
    assert_eq!(
        (h.negative_count(), h.zero_count(), h.positive_count()),
        (9, 5, 8)
    );
    assert_eq!(h.overflow_count(), 1);
    type H = LogHistogram<f64>;
    assert_eq!(h.bin_count(H::ZERO_BIN), 5);
    // The recovered curvatures are within rounding of c, in the same bins.
    for (c, times) in [(-3.0, 5), (2.5, 7), (-1e-3, 4)] {
        let bin = H::bin_of(c).unwrap();
        assert_eq!(h.bin_count(bin), times, "c = {c}");
        let (lo, hi) = H::bin_range(bin).unwrap();
        assert!(lo <= c && c <= hi);
    }
    assert_eq!(h.iter().map(|(_, _, n)| n).sum::<u64>(), 22);
    // The histogram holds (D+ + D−)/α², not D+ + D−.
    let mut b = acc(0.5);
    b.push(0.25, 0.25).unwrap();
    assert_eq!(
        b.curvature_histogram().bin_count(H::bin_of(2.0).unwrap()),
        1
    );
    assert_eq!(
        b.curvature_histogram().bin_count(H::bin_of(0.5).unwrap()),
        0
    );
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (8000 pushes with quantile tracking)"
)]
#[test]
fn footnote_five_pick_is_near_the_ninetieth_percentile_of_improving_directions() {
    let alpha = 0.3;
    // A curvature attached to each gradient, to check the pairing.
    let curv = |g: f64| -g / 100.0 + (g * 0.37).sin();
    let mut a = acc(alpha);
    assert_eq!(a.improving_curvature(), None);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    // Non-improving directions only: still no pick.
    for _ in 0..50 {
        let g = -500.0 * uniform(&mut rng);
        let (p, m) = pair(alpha, g, curv(g));
        a.push(p, m).unwrap();
    }
    assert_eq!(a.improving_curvature(), None);
    // Nor with zero gradient projections (∇O·d = 0 does not improve).
    for c in [-1.0, 0.0, 2.0] {
        let (p, m) = pair(alpha, 0.0, c);
        a.push(p, m).unwrap();
    }
    assert_eq!(a.gradient().max(), Some(0.0));
    assert_eq!(a.improving_curvature(), None);
    // Improving gradients uniform on (0, 1000) (90th percentile 900), mixed
    // with as many non-improving ones and a few huge outliers.
    let mut improving = Vec::new();
    for i in 0..8000 {
        let g = if i % 2 == 0 {
            1000.0 * uniform(&mut rng)
        } else if i % 1000 == 1 {
            1e6
        } else {
            -500.0 * uniform(&mut rng)
        };
        if g > 0.0 {
            improving.push(g);
        }
        let (p, m) = pair(alpha, g, curv(g));
        a.push(p, m).unwrap();
    }
    improving.sort_by(f64::total_cmp);
    let q90 = improving[(0.9 * improving.len() as f64) as usize];
    let (g, c) = a.improving_curvature().unwrap();
    assert!(
        (g - 900.0).abs() < 10.0,
        "picked g = {g}, sample q90 = {q90}"
    );
    assert!((g - q90).abs() < 10.0, "picked g = {g}, sample q90 = {q90}");
    // Its curvature is the one pushed with it (to the rounding of D±).
    assert_close("picked curvature", c, curv(g), 1e-6);
    // Never an outlier.
    assert!(g < 1000.0);
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (5000 pushes with quantile tracking)"
)]
#[test]
fn gradient_quantiles_track_the_sample_quantiles() {
    let mut a = acc(1.0);
    assert_eq!(a.gradient_quantile(0.5), None);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut gs = Vec::new();
    for _ in 0..5000 {
        let g = 3.0 + 2.0 * standard_normal::<f64, _>(&mut rng);
        gs.push(g);
        let (p, m) = pair(1.0, g, 0.0);
        a.push(p, m).unwrap();
    }
    gs.sort_by(f64::total_cmp);
    let sample = |p: f64| gs[(p * (gs.len() - 1) as f64).round() as usize];
    // The population quantiles are 3 ∓ 2·1.2816 and 3.
    for (p, pop) in [
        (0.1, 3.0 - 2.0 * 1.281_551_6),
        (0.5, 3.0),
        (0.9, 3.0 + 2.0 * 1.281_551_6),
    ] {
        let est = a.gradient_quantile(p).unwrap();
        assert_close(&format!("q{p} vs sample"), est, sample(p), 0.05);
        assert_close(&format!("q{p} vs population"), est, pop, 0.15);
    }
    // Only the tracked probabilities.
    assert_eq!(a.gradient_quantile(0.25), None);
    assert_eq!(a.gradient_quantile(0.95), None);
    // Below five values the quantiles are exact (type 7).
    let mut b = acc(1.0);
    for g in [4.0, 1.0, 2.0] {
        let (p, m) = pair(1.0, g, 0.0);
        b.push(p, m).unwrap();
    }
    assert_eq!(b.gradient_quantile(0.5), Some(2.0));
    assert_close("q0.1 of 3", b.gradient_quantile(0.1).unwrap(), 1.2, 1e-12);
}

/// Without P² tracking the accumulator keeps everything else identical and
/// reports no quantiles and no footnote-5 pick.
#[test]
fn quantile_tracking_can_be_turned_off_before_pushing() {
    let mut on = acc(0.2);
    let mut off = acc(0.2);
    assert!(on.tracks_quantiles());
    off.set_quantiles(false).unwrap();
    assert!(!off.tracks_quantiles());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let mut pairs = Vec::new();
    for _ in 0..500 {
        pairs.push(pair(
            0.2,
            standard_normal::<f64, _>(&mut rng),
            standard_normal::<f64, _>(&mut rng),
        ));
    }
    push_all(&mut on, &pairs);
    push_all(&mut off, &pairs);
    assert_eq!(off.cases(), on.cases());
    assert_eq!(off.curvature_histogram(), on.curvature_histogram());
    assert_eq!(off.gradient(), on.gradient());
    assert_eq!(off.curvature(), on.curvature());
    assert_eq!(off.gradient_norm_sq(), on.gradient_norm_sq());
    assert_eq!(off.hessian_trace(), on.hessian_trace());
    assert_eq!(off.verdict(), on.verdict());
    assert!(on.gradient_quantile(0.5).is_some() && on.improving_curvature().is_some());
    assert_eq!(off.gradient_quantile(0.5), None);
    assert_eq!(off.improving_curvature(), None);
    // Too late once directions are in; the accumulator is unchanged.
    let before = off.clone();
    assert!(off.set_quantiles(true).is_err());
    assert_eq!(off, before);
    // Shards must agree on tracking.
    assert_eq!(
        on.merge(&off),
        Err(policy_landscape::Error::IncompatibleMerge {
            what: "quantile tracking"
        })
    );
    // Turning it off and on again before pushing changes nothing.
    let mut again = acc(0.2);
    again.set_quantiles(false).unwrap();
    again.set_quantiles(true).unwrap();
    assert_eq!(again, acc(0.2));
}

fn push_all(a: &mut Accumulator<f64>, pairs: &[(f64, f64)]) {
    for &(p, m) in pairs {
        a.push(p, m).unwrap();
    }
}

fn pair_strategy() -> impl Strategy<Value = (f64, f64)> {
    let side = prop_oneof![
        4 => -10.0..10.0_f64,
        1 => Just(0.0),
        1 => -1e-14..1e-14_f64,
        1 => -1e6..1e6_f64,
    ];
    (side.clone(), side)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[cfg_attr(miri, ignore = "too slow under Miri (128 proptest cases of up to 200 pushes)")]
    #[test]
    fn merge_of_random_splits_equals_sequential_push(
        pairs in prop::collection::vec(pair_strategy(), 0..200),
        cut1 in 0.0..1.0_f64,
        cut2 in 0.0..1.0_f64,
    ) {
        let len = pairs.len();
        let (i, j) = {
            let (x, y) = ((cut1 * len as f64) as usize, (cut2 * len as f64) as usize);
            (x.min(y), x.max(y))
        };
        let mut whole = acc(0.1);
        push_all(&mut whole, &pairs);
        let mut shards = [acc(0.1), acc(0.1), acc(0.1)];
        push_all(&mut shards[0], &pairs[..i]);
        push_all(&mut shards[1], &pairs[i..j]);
        push_all(&mut shards[2], &pairs[j..]);
        let mut merged = shards[0].clone();
        merged.merge(&shards[1]).unwrap();
        merged.merge(&shards[2]).unwrap();

        prop_assert_eq!(merged.count(), len as u64);
        prop_assert_eq!(merged.cases(), whole.cases());
        prop_assert_eq!(merged.curvature_histogram(), whole.curvature_histogram());
        prop_assert_eq!(merged.verdict(), whole.verdict());
        for (m, w) in [
            (own(merged.gradient()), own(whole.gradient())),
            (own(merged.curvature()), own(whole.curvature())),
            (own(&merged.plot_x().unwrap()), own(&whole.plot_x().unwrap())),
            (own(&merged.plot_y().unwrap()), own(&whole.plot_y().unwrap())),
        ] {
            prop_assert_eq!(m.count(), w.count());
            prop_assert_eq!(m.min(), w.min());
            prop_assert_eq!(m.max(), w.max());
            if let (Some(mm), Some(wm)) = (m.mean(), w.mean()) {
                let scale = w.min().unwrap().abs().max(w.max().unwrap().abs());
                prop_assert!((mm - wm).abs() <= 1e-9 * wm.abs().max(scale), "mean {} vs {}", mm, wm);
            }
            if let (Some(mv), Some(wv)) = (m.variance(), w.variance()) {
                let scale = w.min().unwrap().powi(2).max(w.max().unwrap().powi(2));
                prop_assert!((mv - wv).abs() <= 1e-9 * wv.abs().max(1e-6 * scale), "var {} vs {}", mv, wv);
            }
        }
        if let (Some(m), Some(w)) = (merged.hessian_trace(), whole.hessian_trace()) {
            let scale = 4.0 * whole.curvature().min().unwrap().abs().max(whole.curvature().max().unwrap().abs());
            prop_assert!((m.value - w.value).abs() <= 1e-9 * w.value.abs().max(scale));
        }
        // Merging into an empty accumulator copies; merging an empty one is a no-op.
        let mut empty = acc(0.1);
        empty.merge(&whole).unwrap();
        prop_assert_eq!(&empty, &whole);
        let mut same = whole.clone();
        same.merge(&acc(0.1)).unwrap();
        prop_assert_eq!(&same, &whole);
    }
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip() {
    let mut a = Accumulator::with_thresholds(
        0.05,
        108,
        0.731,
        Thresholds {
            k_sigma: 2.5,
            rel_floor: 1e-9,
        },
    )
    .unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    for i in 0..300 {
        let g = standard_normal::<f64, _>(&mut rng);
        let c = if i % 7 == 0 {
            0.0
        } else {
            3.0 * standard_normal::<f64, _>(&mut rng)
        };
        let (p, m) = pair(0.05, g, c);
        if i % 3 == 0 {
            let e = PairErrors {
                base: 1e-3,
                plus: 2e-3,
                minus: 1e-4,
            };
            a.push_with_errors(p, m, e).unwrap();
        } else {
            a.push(p, m).unwrap();
        }
    }
    assert!(a.improving_curvature().is_some());
    // Through serde's data model: exact.
    let value = serde_json::to_value(&a).unwrap();
    let back: Accumulator<f64> = serde_json::from_value(value).unwrap();
    assert_eq!(back, a);
    // Through JSON text: serde_json (without `float_roundtrip`) may parse a
    // float one ulp off; counts exact, floats within 2 ulp, and re-serialising
    // the parsed value is stable.
    let text = serde_json::to_string(&a).unwrap();
    let back: Accumulator<f64> = serde_json::from_str(&text).unwrap();
    assert_eq!(back.cases(), a.cases());
    assert_eq!(back.curvature_histogram(), a.curvature_histogram());
    assert_eq!(back.count(), a.count());
    assert_eq!(back.verdict(), a.verdict());
    assert_eq!(back.thresholds(), a.thresholds());
    let ulps = |x: f64, y: f64| (x.to_bits() as i64 - y.to_bits() as i64).unsigned_abs();
    for (m, w) in [
        (own(back.gradient()), own(a.gradient())),
        (own(back.curvature()), own(a.curvature())),
        (own(&back.plot_x().unwrap()), own(&a.plot_x().unwrap())),
        (own(&back.plot_y().unwrap()), own(&a.plot_y().unwrap())),
    ] {
        for (x, y) in [
            (m.mean(), w.mean()),
            (m.variance(), w.variance()),
            (m.min(), w.min()),
            (m.max(), w.max()),
        ] {
            assert!(ulps(x.unwrap(), y.unwrap()) <= 2, "{x:?} vs {y:?}");
        }
    }
    // The round-tripped accumulator keeps working and merges with the original.
    let mut merged = back.clone();
    merged.merge(&a).unwrap();
    assert_eq!(merged.count(), 600);
    let text2 = serde_json::to_string(&back).unwrap();
    let again: Accumulator<f64> = serde_json::from_str(&text2).unwrap();
    assert_eq!(again.cases(), a.cases());
    // Cases and verdicts on their own.
    let cases: Cases = serde_json::from_str(&serde_json::to_string(a.cases()).unwrap()).unwrap();
    assert_eq!(&cases, a.cases());
    let kind: VerdictKind = serde_json::from_str("\"Saddle\"").unwrap();
    assert_eq!(kind, VerdictKind::Saddle);
}
