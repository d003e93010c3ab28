//! The linear Gaussian policy against closed forms, finite differences and
//! sampling statistics.

#![allow(clippy::needless_range_loop)]

use policy_landscape::Error;
use policy_landscape::policy::Gaussian;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;

const LN_2PI: f64 = 1.8378770664093453;

fn policy() -> Gaussian<f64, 3, 2, 4> {
    let mut pi = Gaussian::<f64, 3, 2, 4>::affine();
    pi.set_params(&[0.5, -1.0, 0.25, 0.75, -0.3, 0.1, 0.2, -0.4])
        .unwrap();
    pi.set_sigmas(&[0.7, 1.3]).unwrap();
    pi
}

#[test]
fn mean_log_prob_and_entropy_closed_forms() {
    let pi = policy();
    let s = [0.3, -1.2, 2.0];
    // μ_j = Σ_f φ_f θ[f][j] with φ = [s, 1].
    let mu = [
        0.5 * 0.3 + 0.25 * -1.2 + -0.3 * 2.0 + 0.2,
        -0.3 + 0.75 * -1.2 + 0.1 * 2.0 - 0.4,
    ];
    let mut mean = [0.0; 2];
    pi.mean_into(&s, &mut mean).unwrap();
    for j in 0..2 {
        assert!((mean[j] - mu[j]).abs() < 1e-15);
    }
    let a = [0.9, -2.5];
    let sig = [0.7, 1.3];
    let want: f64 = (0..2)
        .map(|j| -0.5 * ((a[j] - mu[j]) / sig[j]).powi(2) - sig[j].ln() - 0.5 * LN_2PI)
        .sum();
    assert!((pi.log_prob(&s, &a).unwrap() - want).abs() < 1e-14);
    // ½ ln(2πe σ²) per dimension.
    let h: f64 = sig
        .iter()
        .map(|s| 0.5 * (LN_2PI + 1.0 + 2.0 * s.ln()))
        .sum();
    assert!((pi.entropy().unwrap() - h).abs() < 1e-15);
    // The f32 policy agrees.
    let mut p32 = Gaussian::<f32, 3, 2, 4>::affine();
    let theta: Vec<f32> = pi.params().iter().map(|&x| x as f32).collect();
    p32.set_params(&theta).unwrap();
    p32.set_sigmas(&[0.7, 1.3]).unwrap();
    let lp32 = p32.log_prob(&[0.3, -1.2, 2.0], &[0.9, -2.5]).unwrap();
    assert!((lp32 as f64 - want).abs() < 1e-5 * want.abs());
}

#[test]
fn score_equals_finite_differences_of_the_log_probability() {
    let pi = policy();
    let s = [0.3, -1.2, 2.0];
    let a = [0.9, -2.5];
    let mut score = [0.0; 8];
    pi.score_into(&s, &a, &mut score).unwrap();
    let h = 1e-6;
    for i in 0..8 {
        let mut plus = pi.clone();
        plus.params_mut()[i] += h;
        let mut minus = pi.clone();
        minus.params_mut()[i] -= h;
        let fd = (plus.log_prob(&s, &a).unwrap() - minus.log_prob(&s, &a).unwrap()) / (2.0 * h);
        assert!(
            (score[i] - fd).abs() < 1e-7 * (1.0 + fd.abs()),
            "θ[{i}]: {} vs {fd}",
            score[i]
        );
    }
    // Linear (no bias) policy too.
    let mut lin = Gaussian::<f64, 2, 1>::linear();
    lin.set_params(&[0.4, -0.2]).unwrap();
    lin.set_sigma(0.5).unwrap();
    let mut g = [0.0; 2];
    lin.score_into(&[1.5, -0.5], &[0.3], &mut g).unwrap();
    let mu = 0.4 * 1.5 + 0.2 * 0.5;
    assert!((g[0] - 1.5 * (0.3 - mu) / 0.25).abs() < 1e-14);
    assert!((g[1] + 0.5 * (0.3 - mu) / 0.25).abs() < 1e-14);
}

#[cfg_attr(miri, ignore = "too slow under Miri (200 000 samples)")]
#[test]
fn samples_have_the_policy_mean_and_variance() {
    let pi = policy();
    let s = [0.3, -1.2, 2.0];
    let mut mean = [0.0; 2];
    pi.mean_into(&s, &mut mean).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let n = 200_000;
    let (mut sum, mut sum_sq) = ([0.0; 2], [0.0; 2]);
    let mut a = [0.0; 2];
    for _ in 0..n {
        pi.sample_into(&s, &mut rng, &mut a).unwrap();
        for j in 0..2 {
            sum[j] += a[j];
            sum_sq[j] += a[j] * a[j];
        }
    }
    let sig = [0.7, 1.3];
    for j in 0..2 {
        let m = sum[j] / n as f64;
        let v = sum_sq[j] / n as f64 - m * m;
        let se_mean = sig[j] / (n as f64).sqrt();
        let se_var = sig[j] * sig[j] * (2.0 / n as f64).sqrt();
        assert!(
            (m - mean[j]).abs() < 4.0 * se_mean,
            "mean {m} vs {}",
            mean[j]
        );
        assert!((v - sig[j] * sig[j]).abs() < 4.0 * se_var, "variance {v}");
    }
}

#[test]
fn sigma_zero_is_the_deterministic_policy() {
    let mut pi = policy();
    pi.set_sigma(0.0).unwrap();
    assert!(pi.is_deterministic());
    let s = [0.3, -1.2, 2.0];
    let (mut mean, mut a) = ([0.0; 2], [1.0; 2]);
    pi.mean_into(&s, &mut mean).unwrap();
    pi.sample_into(&s, &mut Xoshiro256PlusPlus::seed_from_u64(1), &mut a)
        .unwrap();
    assert_eq!(a, mean);
    let density = Err(Error::InvalidParameter {
        what: "sigma",
        rule: "be positive in every dimension for a density",
    });
    assert_eq!(pi.log_prob(&s, &a), density);
    assert_eq!(pi.entropy(), density);
    assert_eq!(
        pi.score_into(&s, &a, &mut [0.0; 8]),
        density.map(|_: f64| ())
    );
}

#[test]
fn bad_input_is_an_error() {
    let mut pi = policy();
    let before = pi.clone();
    assert_eq!(
        pi.set_sigma(-0.1),
        Err(Error::InvalidParameter {
            what: "sigma",
            rule: "be finite and non-negative"
        })
    );
    assert_eq!(
        pi.set_sigmas(&[1.0, f64::NAN]),
        Err(Error::InvalidParameter {
            what: "sigma",
            rule: "be finite and non-negative"
        })
    );
    assert_eq!(
        pi.set_params(&[0.0; 7]).unwrap_err(),
        Error::LengthMismatch {
            what: "theta",
            expected: 8,
            found: 7
        }
    );
    assert_eq!(
        pi.set_params(&[f64::NAN; 8]).unwrap_err(),
        Error::NonFinite {
            what: "theta",
            index: 0
        }
    );
    assert_eq!(pi, before, "unchanged on error");
    let mut out = [5.0; 2];
    assert_eq!(
        pi.mean_into(&[0.0, f64::INFINITY, 0.0], &mut out),
        Err(Error::NonFinite {
            what: "observation",
            index: 1
        })
    );
    assert_eq!(out, [5.0; 2]);
    assert_eq!(
        pi.log_prob(&[0.0; 3], &[f64::NAN, 0.0]),
        Err(Error::NonFinite {
            what: "action",
            index: 0
        })
    );
    let mut g = [0.0; 5];
    assert_eq!(
        pi.score_into(&[0.0; 3], &[0.0; 2], &mut g),
        Err(Error::LengthMismatch {
            what: "grad",
            expected: 8,
            found: 5
        })
    );
    pi.params_mut()[3] = f64::NAN;
    assert_eq!(
        pi.mean_into(&[0.0; 3], &mut out),
        Err(Error::NonFinite {
            what: "theta",
            index: 3
        })
    );
    // A mean that overflows is an error, not an infinity.
    let mut big = Gaussian::<f64, 1, 1>::linear();
    big.set_params(&[1e300]).unwrap();
    assert_eq!(
        big.mean_into(&[1e10], &mut [0.0]),
        Err(Error::NumericalOverflow { what: "mean" })
    );
}

#[test]
fn an_overflowing_score_is_an_error_found_by_fuzzing() {
    // (a − μ)/σ² and the observation are finite, their product is not.
    let mut pi = Gaussian::<f64, 1, 1>::linear();
    pi.set_sigma(1e-150).unwrap();
    let mut g = [7.0];
    assert_eq!(
        pi.score_into(&[1e200], &[1e-10], &mut g),
        Err(Error::NumericalOverflow { what: "score" })
    );
    assert_eq!(g, [7.0], "untouched on error");
}
