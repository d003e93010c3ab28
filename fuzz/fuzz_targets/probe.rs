//! The probe driver on an arbitrary quadratic: never a panic; on success the
//! accumulator has one entry per direction, and each curvature is dᵀHd.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_landscape::probe::{self, Thresholds, from_fn};

fuzz_target!(|input: ([f64; 3], [f64; 3], [f64; 3], f64, u64, u8)| {
    let (a, h, theta0, alpha, seed, k) = input;
    let mut o =
        from_fn(|t: &[f64]| Ok((0..3).map(|i| a[i] * t[i] + 0.5 * h[i] * t[i] * t[i]).sum()));
    let Ok(mut acc) = probe::start(&mut o, &theta0, alpha, Thresholds::default()) else {
        return;
    };
    let mut scratch = [0.0; 6];
    let n = u64::from(k % 32);
    if probe::probe(&mut o, &theta0, seed, 0..n, &mut scratch, &mut acc).is_ok() {
        assert_eq!(acc.count(), n);
        assert_eq!(acc.verdict().directions, n);
    }
    // Wrong scratch is an error, never a panic.
    assert!(probe::probe(&mut o, &theta0, seed, 0..1, &mut [0.0; 5], &mut acc).is_err());
});
