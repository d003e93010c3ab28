//! The scalar math against an oracle: `exp` in `f64` (the crate's own
//! table-driven implementation under the default `libm` feature) against
//! correctly rounded values computed with 200-bit arithmetic (mpmath), in
//! `tests/data/exp_oracle.txt`.

use policy_landscape::Real;

fn ulp_distance(a: f64, b: f64) -> u64 {
    // Both positive here: the bit patterns are ordered like the values.
    a.to_bits().abs_diff(b.to_bits())
}

#[cfg_attr(miri, ignore = "too slow under Miri (the 3309-point f64 exp oracle)")]
#[test]
fn exp_is_within_one_ulp_of_the_correctly_rounded_value() {
    let text = include_str!("data/exp_oracle.txt");
    let mut checked = 0;
    let mut exact = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut it = line.split_whitespace();
        let x = f64::from_bits(u64::from_str_radix(it.next().unwrap(), 16).unwrap());
        let want = f64::from_bits(u64::from_str_radix(it.next().unwrap(), 16).unwrap());
        let got = Real::exp(x);
        let d = ulp_distance(got, want);
        assert!(
            d <= 1,
            "exp({x:e}) = {got:e}, correctly rounded {want:e} ({d} ulp)"
        );
        exact += usize::from(d == 0);
        checked += 1;
    }
    assert!(checked > 3000);
    // Below 0.52 ULP the result is correctly rounded nearly always.
    assert!(
        exact * 100 >= checked * 99,
        "{exact} of {checked} correctly rounded"
    );
}

#[test]
fn exp_edge_cases() {
    assert_eq!(Real::exp(0.0_f64), 1.0);
    assert_eq!(Real::exp(-0.0_f64), 1.0);
    assert!(Real::exp(f64::NAN).is_nan());
    assert_eq!(Real::exp(f64::INFINITY), f64::INFINITY);
    assert_eq!(Real::exp(f64::NEG_INFINITY), 0.0);
    assert_eq!(Real::exp(710.0_f64), f64::INFINITY);
    assert_eq!(Real::exp(-746.0_f64), 0.0);
    // Subnormal results come from the libm path.
    let tiny = Real::exp(-740.0_f64);
    assert!(tiny > 0.0 && tiny < f64::MIN_POSITIVE);
    assert!((Real::exp(-740.0_f64) / 4.1995579896506e-322 - 1.0).abs() < 0.02);
    // Monotone across the fast path's edge at ±707.
    assert!(Real::exp(706.999_f64) < Real::exp(707.0_f64));
    assert!(Real::exp(707.0_f64) < Real::exp(707.001_f64));
    assert!(Real::exp(-707.001_f64) < Real::exp(-707.0_f64));
}
