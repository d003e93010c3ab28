//! Arbitrary push/merge sequences: merging shards equals pushing the whole
//! stream into one accumulator (counts, cases, min, max, histogram), and no
//! query panics or returns NaN.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use policy_landscape::probe::Accumulator;

#[derive(Arbitrary, Debug)]
struct Input {
    alpha: f64,
    base: f64,
    pairs: Vec<(f64, f64, bool)>,
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
                shard
                    .push(dp, dm)
                    .expect("a shard accepts what the whole accepted");
            }
            Err(_) => assert_eq!(whole, before, "unchanged on error"),
        }
    }
    a.merge(&b).expect("same probe");
    assert_eq!(a.count(), whole.count());
    assert_eq!(a.cases(), whole.cases());
    assert_eq!(a.curvature_histogram(), whole.curvature_histogram());
    assert_eq!(a.gradient().min(), whole.gradient().min());
    assert_eq!(a.curvature().max(), whole.curvature().max());
    let v = a.verdict();
    assert_eq!(v.directions, whole.count());
    if let Some((lo, hi)) = v.interval() {
        assert!((0.0..=1.0).contains(&lo) && lo <= hi && hi <= 1.0);
    }
    let _ = (
        a.gradient_norm_sq(),
        a.hessian_trace(),
        a.improving_curvature(),
        a.gradient_quantile(0.5),
    );
});
