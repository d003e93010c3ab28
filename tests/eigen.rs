//! The symmetric eigensolver (`linalg::symmetric_eigen`): closed forms,
//! invariants, eigenvector equations, bad input, f32.

use policy_landscape::Error;
use policy_landscape::linalg::{EigenReport, symmetric_eigen, symmetric_eigen_with};

/// SplitMix64: a tiny deterministic generator for test matrices.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    fn sym(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn random_symmetric(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Mix(seed);
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in i..n {
            let x = rng.sym();
            a[i * n + j] = x;
            a[j * n + i] = x;
        }
    }
    a
}

/// The Householder reflector `I − 2 u uᵀ / uᵀu` (orthogonal, symmetric).
fn householder(u: &[f64]) -> Vec<f64> {
    let n = u.len();
    let uu: f64 = u.iter().map(|x| x * x).sum();
    let mut q = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            q[i * n + j] = f64::from(u8::from(i == j)) - 2.0 * u[i] * u[j] / uu;
        }
    }
    q
}

/// `Q diag(d) Qᵀ`.
fn with_spectrum(q: &[f64], d: &[f64]) -> Vec<f64> {
    let n = d.len();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = (0..n).map(|k| q[i * n + k] * d[k] * q[j * n + k]).sum();
        }
    }
    a
}

fn eig(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>, EigenReport<f64>) {
    let mut work = a.to_vec();
    let mut values = vec![0.0; n];
    let mut vectors = vec![0.0; n * n];
    let report = symmetric_eigen(&mut work, n, &mut values, Some(&mut vectors)).unwrap();
    (values, vectors, report)
}

fn max_abs(xs: &[f64]) -> f64 {
    xs.iter().fold(0.0_f64, |m, x| m.max(x.abs()))
}

/// `max_k ‖A v_k − λ_k v_k‖∞` and `max |VᵀV − I|`.
fn residuals(a: &[f64], values: &[f64], v: &[f64]) -> (f64, f64) {
    let n = values.len();
    let mut res = 0.0_f64;
    let mut orth = 0.0_f64;
    for k in 0..n {
        for i in 0..n {
            let av: f64 = (0..n).map(|j| a[i * n + j] * v[j * n + k]).sum();
            res = res.max((av - values[k] * v[i * n + k]).abs());
        }
        for l in 0..n {
            let dot: f64 = (0..n).map(|i| v[i * n + k] * v[i * n + l]).sum();
            orth = orth.max((dot - f64::from(u8::from(k == l))).abs());
        }
    }
    (res, orth)
}

#[test]
fn two_by_two_closed_form() {
    for (a, b, c) in [
        (2.0, 1.0, 2.0),
        (1.0, -3.0, 5.0),
        (0.0, 1e-3, 1e3),
        (-7.5, 0.25, -7.5),
    ] {
        let (values, vectors, _) = eig(&[a, b, b, c], 2);
        let mid = (a + c) / 2.0;
        let rad = (((a - c) / 2.0).powi(2) + b * b).sqrt();
        let scale = rad.max(mid.abs());
        assert!(
            (values[0] - (mid - rad)).abs() <= 4e-16 * scale,
            "{values:?}"
        );
        assert!(
            (values[1] - (mid + rad)).abs() <= 4e-16 * scale,
            "{values:?}"
        );
        // The eigenvector of λ satisfies (a − λ) x + b y = 0.
        for k in 0..2 {
            let (x, y) = (vectors[k], vectors[2 + k]);
            assert!(((a - values[k]) * x + b * y).abs() <= 1e-15 * scale);
            assert!((x * x + y * y - 1.0).abs() < 1e-15);
        }
    }
}

#[test]
fn diagonal_matrices_need_no_rotation() {
    let d = [3.0, -1.0, 0.0, 2.5, -1.0];
    let n = d.len();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        a[i * n + i] = d[i];
    }
    let (values, vectors, report) = eig(&a, n);
    assert_eq!(values, [-1.0, -1.0, 0.0, 2.5, 3.0]);
    assert_eq!(report.rotations, 0);
    assert_eq!(report.sweeps, 1);
    assert_eq!(report.discarded, 0.0);
    // The eigenvectors are the permuted unit vectors.
    for k in 0..n {
        let col: Vec<f64> = (0..n).map(|i| vectors[i * n + k]).collect();
        let i = col.iter().position(|&x| x == 1.0).unwrap();
        assert_eq!(d[i], values[k]);
        assert_eq!(col.iter().filter(|&&x| x == 0.0).count(), n - 1);
    }
}

#[test]
fn known_spectrum_through_a_householder_reflector() {
    let q = householder(&[1.0, -2.0, 0.5, 3.0, 0.25, -1.0]);
    let d = [4.0, -2.0, 0.5, 1e-3, -7.0, 10.0];
    let a = with_spectrum(&q, &d);
    let (values, vectors, report) = eig(&a, 6);
    let mut sorted = d;
    sorted.sort_by(f64::total_cmp);
    for (x, y) in values.iter().zip(&sorted) {
        assert!((x - y).abs() <= 1e-14 * 10.0, "{values:?} vs {sorted:?}");
    }
    let (res, orth) = residuals(&a, &values, &vectors);
    assert!(res < 1e-13 && orth < 1e-14, "{res:e} {orth:e}");
    assert!(report.sweeps >= 2 && report.sweeps < 12, "{report:?}");
}

#[test]
fn repeated_eigenvalues() {
    let q = householder(&[0.3, 1.0, -1.0, 2.0, 0.7, -0.2]);
    let d = [2.0, -3.0, 2.0, 1.0, 2.0, 1.0];
    let a = with_spectrum(&q, &d);
    let (values, vectors, _) = eig(&a, 6);
    let expect = [-3.0, 1.0, 1.0, 2.0, 2.0, 2.0];
    for (x, y) in values.iter().zip(&expect) {
        assert!((x - y).abs() <= 1e-14, "{values:?}");
    }
    // The eigenvectors of a repeated eigenvalue are still an orthonormal
    // basis of its eigenspace.
    let (res, orth) = residuals(&a, &values, &vectors);
    assert!(res < 1e-13 && orth < 1e-14, "{res:e} {orth:e}");
    // A multiple of the identity: every vector is an eigenvector.
    let mut c = vec![0.0; 16];
    for i in 0..4 {
        c[i * 4 + i] = -0.5;
    }
    let (values, _, report) = eig(&c, 4);
    assert_eq!(values, [-0.5; 4]);
    assert_eq!(report.rotations, 0);
}

#[test]
fn orders_one_and_zero() {
    let (values, vectors, report) = eig(&[-4.25], 1);
    assert_eq!((values[0], vectors[0]), (-4.25, 1.0));
    assert_eq!((report.sweeps, report.rotations), (0, 0));
    let mut empty: [f64; 0] = [];
    let mut none: [f64; 0] = [];
    let report = symmetric_eigen(&mut empty, 0, &mut none, None).unwrap();
    assert_eq!(report.sweeps, 0);
}

#[test]
fn trace_frobenius_and_eigen_equations_on_random_matrices() {
    for (n, seed) in [(2, 1), (3, 2), (5, 3), (6, 4)] {
        let a = random_symmetric(n, seed);
        let (values, vectors, report) = eig(&a, n);
        let trace: f64 = (0..n).map(|i| a[i * n + i]).sum();
        let frob2: f64 = a.iter().map(|x| x * x).sum();
        let sum: f64 = values.iter().sum();
        let sq: f64 = values.iter().map(|x| x * x).sum();
        assert!((trace - sum).abs() < 1e-14 * n as f64, "n = {n}");
        assert!((frob2 - sq).abs() < 1e-14 * frob2, "n = {n}");
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
        let (res, orth) = residuals(&a, &values, &vectors);
        assert!(res < 1e-14 * n as f64 && orth < 1e-14, "{res:e} {orth:e}");
        assert!(report.discarded <= 1e-15 * frob2.sqrt(), "{report:?}");
        // Without eigenvectors: the same eigenvalues, bit for bit.
        let mut work = a.clone();
        let mut alone = vec![0.0; n];
        symmetric_eigen(&mut work, n, &mut alone, None).unwrap();
        assert_eq!(alone, values);
    }
}

#[test]
fn power_of_two_scaling_is_exact_at_the_ends_of_the_range() {
    let a = random_symmetric(4, 9);
    let (values, _, _) = eig(&a, 4);
    for k in [-1060, -600, -20, 20, 600, 1020] {
        // (powi(-1070) would round 1 / 2^1070 to 0)
        let s = 2.0_f64.powi(k / 2) * 2.0_f64.powi(k - k / 2);
        let scaled: Vec<f64> = a.iter().map(|x| x * s).collect();
        let (v, _, _) = eig(&scaled, 4);
        for (x, y) in v.iter().zip(&values) {
            // Exact unless scaled entries fell into the subnormals.
            let tol = if k < -1000 { 1e-3 } else { 0.0 };
            assert!((x / s - y).abs() <= tol * max_abs(&values), "2^{k}: {v:?}");
        }
    }
}

#[test]
fn bad_input_is_an_error() {
    let mut a = [1.0, 2.0, 2.0, 1.0];
    let mut values = [0.0; 2];
    let mut vectors = [7.0; 4];
    assert_eq!(
        symmetric_eigen(&mut a[..3], 2, &mut values, None),
        Err(Error::LengthMismatch {
            what: "matrix",
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        symmetric_eigen(&mut a, 2, &mut values[..1], None),
        Err(Error::LengthMismatch {
            what: "eigenvalues",
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        symmetric_eigen(&mut a, 2, &mut values, Some(&mut vectors[..2])),
        Err(Error::LengthMismatch {
            what: "eigenvectors",
            expected: 4,
            found: 2
        })
    );
    assert!(matches!(
        symmetric_eigen(&mut a, usize::MAX, &mut values, None),
        Err(Error::LengthMismatch { what: "matrix", .. })
    ));
    assert_eq!(
        symmetric_eigen_with(&mut a, 2, &mut values, None, 0),
        Err(Error::InvalidParameter {
            what: "max_sweeps",
            rule: "be at least 1"
        })
    );
    for (bad, index) in [(f64::NAN, 2), (f64::INFINITY, 1), (f64::NEG_INFINITY, 3)] {
        let mut b = [1.0, 2.0, 2.0, 1.0];
        b[index] = bad;
        assert_eq!(
            symmetric_eigen(&mut b, 2, &mut values, Some(&mut vectors)),
            Err(Error::NonFinite {
                what: "matrix",
                index
            })
        );
    }
    // Untouched by the input checks.
    assert_eq!((values, vectors), ([0.0; 2], [7.0; 4]));

    // Asymmetric beyond √ε max|a| (1.5e-8 here): refused, naming the pair.
    let mut c = [1.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.5 + 1e-7, 1.0];
    let mut v3 = [0.0_f64; 3];
    assert_eq!(
        symmetric_eigen(&mut c, 3, &mut v3, None),
        Err(Error::NotSymmetric { row: 1, col: 2 })
    );
    assert!(
        Error::NotSymmetric { row: 1, col: 2 }
            .to_string()
            .contains("[1][2]")
    );
    // Within the tolerance: the symmetric part is decomposed.
    let mut c = [1.0, 0.0, 0.0, 0.0, 1.0, 0.5 - 1e-9, 0.0, 0.5 + 1e-9, 1.0];
    symmetric_eigen(&mut c, 3, &mut v3, None).unwrap();
    assert!((v3[0] - 0.5).abs() < 1e-15 && (v3[2] - 1.5).abs() < 1e-15);

    // One sweep is not enough for a full 4 x 4.
    let mut d = [
        4.0, 1.0, 2.0, 0.5, 1.0, 3.0, 0.1, 1.5, 2.0, 0.1, -1.0, 0.7, 0.5, 1.5, 0.7, 2.0,
    ];
    let mut v4 = [0.0; 4];
    let mut vec4 = [0.0; 16];
    assert_eq!(
        symmetric_eigen_with(&mut d, 4, &mut v4, Some(&mut vec4), 1),
        Err(Error::NoConvergence {
            what: "symmetric eigensolver (Jacobi sweeps)",
            iterations: 1
        })
    );
    assert_eq!((v4, vec4), ([0.0; 4], [0.0; 16]));

    // Eigenvalues beyond the largest float.
    let m = f64::MAX;
    assert_eq!(
        symmetric_eigen(&mut [m, m, m, m], 2, &mut values, None),
        Err(Error::NumericalOverflow {
            what: "eigenvalues"
        })
    );
    // Entries at the largest float whose eigenvalues fit.
    symmetric_eigen(&mut [m, 0.0, 0.0, -m], 2, &mut values, None).unwrap();
    assert_eq!(values, [-m, m]);
}

#[test]
fn f32_known_spectrum() {
    let q = householder(&[1.0, 0.5, -2.0, 1.0, 0.0]);
    let d = [3.0, -1.0, 0.25, 2.0, -4.0];
    let a: Vec<f32> = with_spectrum(&q, &d).iter().map(|&x| x as f32).collect();
    let mut work = a.clone();
    let mut values = [0.0_f32; 5];
    let mut vectors = [0.0_f32; 25];
    symmetric_eigen(&mut work, 5, &mut values, Some(&mut vectors)).unwrap();
    let mut sorted = d;
    sorted.sort_by(f64::total_cmp);
    for (x, y) in values.iter().zip(&sorted) {
        assert!((f64::from(*x) - y).abs() < 4.0 * 4.0 * 5.0 * f64::from(f32::EPSILON));
    }
    for k in 0..5 {
        for i in 0..5 {
            let av: f32 = (0..5).map(|j| a[i * 5 + j] * vectors[j * 5 + k]).sum();
            assert!((av - values[k] * vectors[i * 5 + k]).abs() < 1e-5);
        }
    }
}
