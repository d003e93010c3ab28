//! The ziggurat normals behind the probe directions are standard normal:
//! moments, a Kolmogorov–Smirnov test against Φ, and the tail beyond the
//! ziggurat's base `r = 3.654…` (which takes the separate tail algorithm).

use policy_landscape::random::{direction_rng, standard_normal};

/// `erfc` (Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let ans = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 { ans } else { 2.0 - ans }
}

fn phi(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn samples(n: usize) -> Vec<f64> {
    let mut rng = direction_rng(12345, 0);
    (0..n)
        .map(|_| standard_normal::<f64, _>(&mut rng))
        .collect()
}

#[cfg_attr(miri, ignore = "too slow under Miri (10^6 samples)")]
#[test]
fn moments_are_those_of_the_standard_normal() {
    let n = 1_000_000;
    let xs = samples(n);
    let nf = n as f64;
    let mean = xs.iter().sum::<f64>() / nf;
    let m2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / nf;
    let m3 = xs.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / nf;
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / nf;
    // Standard errors: mean 1/√n, variance √(2/n), skewness √(6/n), kurtosis √(24/n).
    let se = 1.0 / nf.sqrt();
    assert!(mean.abs() < 4.0 * se, "mean {mean}");
    assert!((m2 - 1.0).abs() < 4.0 * 2f64.sqrt() * se, "variance {m2}");
    let skew = m3 / m2.powf(1.5);
    assert!(skew.abs() < 4.0 * 6f64.sqrt() * se, "skewness {skew}");
    let kurt = m4 / (m2 * m2);
    assert!(
        (kurt - 3.0).abs() < 4.0 * 24f64.sqrt() * se,
        "kurtosis {kurt}"
    );
}

#[cfg_attr(miri, ignore = "too slow under Miri (200 000 samples)")]
#[test]
fn kolmogorov_smirnov_against_phi() {
    let mut xs = samples(200_000);
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let d = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = phi(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    // The 0.1 % critical value is 1.95 / √n.
    assert!(d < 1.95 / n.sqrt(), "KS distance {d}");
}

#[cfg_attr(miri, ignore = "too slow under Miri (4 x 10^6 samples)")]
#[test]
fn the_tail_beyond_the_ziggurat_base_has_the_right_mass() {
    let n = 4_000_000;
    let r = 3.654152885361009;
    let xs = samples(n);
    let beyond = xs.iter().filter(|x| x.abs() > r).count() as f64;
    let p = 2.0 * (1.0 - phi(r)); // 2.58e-4
    let expected = p * n as f64;
    assert!(
        (beyond - expected).abs() < 4.0 * expected.sqrt(),
        "{beyond} vs {expected}"
    );
    // Far in the tail too: |x| > 4.5 has probability 6.8e-6.
    let far = xs.iter().filter(|x| x.abs() > 4.5).count() as f64;
    let expected = 2.0 * (1.0 - phi(4.5)) * n as f64;
    assert!(
        (far - expected).abs() < 4.0 * expected.sqrt() + 1.0,
        "{far} vs {expected}"
    );
    // Both signs of the tail.
    assert!(xs.iter().any(|&x| x > r) && xs.iter().any(|&x| x < -r));
}

#[cfg_attr(miri, ignore = "too slow under Miri (400 000 samples)")]
#[test]
fn f32_normals_are_standard_normal() {
    // The f32 sampler is its own (f32 arithmetic, 24-bit uniforms): the same
    // moment and KS checks at f32's resolution.
    let mut rng = direction_rng(777, 1);
    let n = 400_000;
    let mut xs: Vec<f64> = (0..n)
        .map(|_| f64::from(standard_normal::<f32, _>(&mut rng)))
        .collect();
    let nf = n as f64;
    let mean = xs.iter().sum::<f64>() / nf;
    let m2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / nf;
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / nf;
    let se = 1.0 / nf.sqrt();
    assert!(mean.abs() < 4.0 * se, "mean {mean}");
    assert!((m2 - 1.0).abs() < 4.0 * 2f64.sqrt() * se, "variance {m2}");
    let kurt = m4 / (m2 * m2);
    assert!(
        (kurt - 3.0).abs() < 4.0 * 24f64.sqrt() * se,
        "kurtosis {kurt}"
    );
    let r = 3.654152885361009;
    let beyond = xs.iter().filter(|x| x.abs() > r).count() as f64;
    let expected = 2.0 * (1.0 - phi(r)) * nf;
    assert!(
        (beyond - expected).abs() < 4.0 * expected.sqrt() + 1.0,
        "{beyond} vs {expected}"
    );
    xs.sort_by(f64::total_cmp);
    let d = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = phi(x);
            (f - i as f64 / nf)
                .abs()
                .max(((i + 1) as f64 / nf - f).abs())
        })
        .fold(0.0, f64::max);
    assert!(d < 1.95 / nf.sqrt(), "KS distance {d}");
}
