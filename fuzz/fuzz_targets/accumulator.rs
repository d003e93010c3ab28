//! Arbitrary push/merge sequences: merging shards equals pushing the whole
//! stream into one accumulator (counts, cases, min, max, histogram), the
//! accumulator is unchanged by a refused push or merge, and every query is
//! finite or an error (`None` only for lack of data).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use policy_landscape::Error;
use policy_landscape::probe::{Accumulator, GRADIENT_QUANTILES};
use policy_landscape::stats::Moments;

#[derive(Arbitrary, Debug)]
struct Input {
    alpha: f64,
    base: f64,
    pairs: Vec<(f64, f64, bool)>,
}

/// Every statistic of a `Moments` is finite when present; present exactly
/// when there is enough data.
fn check_moments(what: &str, m: &Moments<f64>) {
    let n = m.count();
    for (name, v, needs) in [
        ("mean", m.mean(), 1),
        ("min", m.min(), 1),
        ("max", m.max(), 1),
        ("variance", m.variance(), 2),
        ("std_dev", m.std_dev(), 2),
        ("std_error", m.std_error(), 2),
    ] {
        assert_eq!(v.is_some(), n >= needs, "{what}.{name} with {n} values");
        if let Some(x) = v {
            assert!(x.is_finite(), "{what}.{name} = {x}");
        }
    }
    if let (Some(lo), Some(hi), Some(mean)) = (m.min(), m.max(), m.mean()) {
        assert!(lo <= hi, "{what}: min {lo} > max {hi}");
        // The mean of finite values lies in their range, up to rounding.
        let slack = 4.0 * f64::EPSILON * lo.abs().max(hi.abs());
        assert!(
            lo - slack <= mean && mean <= hi + slack,
            "{what}: mean {mean} outside [{lo}, {hi}]"
        );
    }
    if let Some(v) = m.variance() {
        assert!(v >= 0.0, "{what}: variance {v}");
    }
}

/// Every query of the accumulator is finite or an error.
fn check_queries(acc: &Accumulator<f64>) {
    check_moments("gradient", acc.gradient());
    check_moments("curvature", acc.curvature());
    for (name, axis) in [("plot_x", acc.plot_x()), ("plot_y", acc.plot_y())] {
        match axis {
            Ok(m) => check_moments(name, &m),
            Err(e) => assert_eq!(
                e,
                Error::NumericalOverflow {
                    what: "plotting axis"
                }
            ),
        }
    }
    let enough = acc.count() >= 2;
    for (name, e) in [
        ("gradient_norm_sq", acc.gradient_norm_sq()),
        ("hessian_trace", acc.hessian_trace()),
    ] {
        assert_eq!(e.is_some(), enough, "{name}");
        if let Some(e) = e {
            assert!(
                e.value.is_finite() && e.std_error.is_finite(),
                "{name}: {e:?}"
            );
            assert!(e.std_error >= 0.0, "{name}: {e:?}");
        }
    }
    if let Some(e) = acc.gradient_norm_sq() {
        assert!(e.value >= 0.0, "‖∇O‖² estimate {}", e.value);
    }
    if let Some((g, c)) = acc.improving_curvature() {
        assert!(g > 0.0 && g.is_finite() && c.is_finite());
    }
    for p in GRADIENT_QUANTILES {
        let q = acc.gradient_quantile(p);
        assert_eq!(q.is_some(), acc.count() > 0);
        if let Some(q) = q {
            assert!(q.is_finite(), "quantile {p}: {q}");
        }
    }
    let v = acc.verdict();
    assert_eq!(v.directions, acc.count());
    assert!(v.support <= v.directions);
    if let Some((lo, hi)) = v.interval() {
        assert!((0.0..=1.0).contains(&lo) && lo <= hi && hi <= 1.0);
    }
    if let Some(f) = v.fraction() {
        assert!((0.0..=1.0).contains(&f));
    }
}

fuzz_target!(|input: Input| {
    let Ok(mut whole) = Accumulator::<f64>::new(input.alpha, 5, input.base) else {
        return;
    };
    let mut a = whole.clone();
    let mut b = whole.clone();
    for &(dp, dm, to_a) in &input.pairs {
        let before = whole.clone();
        match whole.push(dp, dm) {
            Ok(()) => {
                let shard = if to_a { &mut a } else { &mut b };
                let shard_before = shard.clone();
                if let Err(e) = shard.push(dp, dm) {
                    // A shard's sums are shifted by its own first value, so
                    // they can overflow where the whole's did not; nothing
                    // else may differ. Undo the whole's push to stay equal.
                    assert_eq!(
                        e,
                        Error::NumericalOverflow {
                            what: "probe statistics"
                        }
                    );
                    assert_eq!(*shard, shard_before, "unchanged on error");
                    whole = before;
                }
            }
            Err(_) => assert_eq!(whole, before, "unchanged on error"),
        }
        check_queries(&whole);
    }
    let a_before = a.clone();
    match a.merge(&b) {
        Ok(()) => {
            assert_eq!(a.count(), whole.count());
            assert_eq!(a.cases(), whole.cases());
            assert_eq!(a.curvature_histogram(), whole.curvature_histogram());
            assert_eq!(a.gradient().min(), whole.gradient().min());
            assert_eq!(a.curvature().max(), whole.curvature().max());
        }
        Err(e) => {
            // Shards' sums relative to different shifts may not combine.
            assert_eq!(
                e,
                Error::NumericalOverflow {
                    what: "probe statistics"
                }
            );
            assert_eq!(a, a_before, "unchanged on error");
        }
    }
    check_queries(&a);
    check_queries(&b);
});
