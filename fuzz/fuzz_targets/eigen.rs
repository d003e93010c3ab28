//! The symmetric eigensolver: never a panic for any order `n ≤ 12` and any
//! entries (NaN, infinities, huge and subnormal values, asymmetric
//! matrices); when it succeeds, the eigenvalues are finite and sorted, the
//! trace and the Frobenius norm are preserved and the eigenvectors are
//! orthonormal and satisfy `A v = λ v`, all within rounding bounds measured
//! in units of the largest entry (so nothing overflows).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use policy_landscape::linalg::{symmetric_eigen, symmetric_eigen_with};

#[derive(Arbitrary, Debug)]
struct Input {
    n: u8,
    /// Mirror the upper triangle (a symmetric matrix), else take the
    /// entries as they come (almost always refused as asymmetric).
    mirror: bool,
    with_vectors: bool,
    max_sweeps: u8,
    entries: Vec<f64>,
}

fuzz_target!(|input: Input| {
    let n = usize::from(input.n % 13);
    let mut a = vec![0.0; n * n];
    for (k, x) in a.iter_mut().enumerate() {
        *x = input.entries.get(k).copied().unwrap_or(0.0);
    }
    if input.mirror {
        for i in 0..n {
            for j in 0..i {
                a[i * n + j] = a[j * n + i];
            }
        }
    }
    let original = a.clone();
    let mut values = vec![0.0; n];
    let mut vectors = vec![0.0; n * n];
    let vecs = input.with_vectors.then_some(&mut vectors[..]);
    let result = if input.max_sweeps.is_multiple_of(4) {
        symmetric_eigen(&mut a, n, &mut values, vecs)
    } else {
        symmetric_eigen_with(
            &mut a,
            n,
            &mut values,
            vecs,
            usize::from(input.max_sweeps % 8),
        )
    };
    let Ok(report) = result else {
        return;
    };
    assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    assert!(report.discarded.is_finite() && report.discarded >= 0.0);
    let m = original.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    if m == 0.0 {
        assert!(values.iter().all(|&v| v == 0.0));
        return;
    }
    // Units of the largest entry; the symmetric part (the accepted
    // asymmetry is at most √ε m).
    let s = |i: usize, j: usize| (original[i * n + j] / m + original[j * n + i] / m) / 2.0;
    let l: Vec<f64> = values.iter().map(|v| v / m).collect();
    let nf = n as f64;
    let eps = f64::EPSILON;
    // Rounding in the rotations, plus the eigenvalues' own rounding when
    // they are subnormal (an absolute 2^-1074 each, here in units of m).
    let tol = 64.0 * nf * nf * eps + 4.0 * nf * f64::MIN_POSITIVE * eps / m;
    let trace: f64 = (0..n).map(|i| s(i, i)).sum();
    let sum: f64 = l.iter().sum();
    assert!(
        (trace - sum).abs() <= tol * nf,
        "trace {trace} vs {sum} ({report:?})"
    );
    let frob2: f64 = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| s(i, j).powi(2))
        .sum();
    let sq: f64 = l.iter().map(|x| x * x).sum();
    assert!(
        (frob2 - sq).abs() <= tol * nf * frob2.max(1.0),
        "‖A‖² {frob2} vs {sq}"
    );
    if input.with_vectors {
        for k in 0..n {
            for q in 0..n {
                let dot: f64 = (0..n)
                    .map(|i| vectors[i * n + k] * vectors[i * n + q])
                    .sum();
                let want = if k == q { 1.0 } else { 0.0 };
                assert!((dot - want).abs() <= tol, "VᵀV[{k}][{q}] = {dot}");
            }
            for i in 0..n {
                let av: f64 = (0..n).map(|j| s(i, j) * vectors[j * n + k]).sum();
                assert!(
                    (av - l[k] * vectors[i * n + k]).abs() <= tol * nf,
                    "A v - λ v at ({i}, {k})"
                );
            }
        }
    }
});
