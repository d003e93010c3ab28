//! LU with partial pivoting: small residuals and forward errors for random
//! well-conditioned systems (both `A x = b` and `Aᵀ y = c`), cases that need
//! pivoting, and the resolvent `I - γ P` that exact evaluation factors.

use policy_landscape::linalg::Lu;
use proptest::prelude::{ProptestConfig, prop_assert};
use proptest::proptest;

/// splitmix64: a tiny deterministic generator for permutations.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn unit(state: &mut u64) -> f64 {
    (splitmix(state) >> 11) as f64 / (1u64 << 53) as f64
}

/// A row-diagonally-dominant matrix (margin at least 1, off-diagonal entries
/// in `[-1, 1]`, so `‖A⁻¹‖∞ <= 1`) with its rows shuffled, so that partial
/// pivoting has to swap rows.
fn random_matrix<const N: usize>(seed: u64) -> [[f64; N]; N] {
    let mut st = seed;
    let mut a = [[0.0; N]; N];
    for (i, row) in a.iter_mut().enumerate() {
        let mut off = 0.0;
        for (j, x) in row.iter_mut().enumerate() {
            if i != j {
                *x = 2.0 * unit(&mut st) - 1.0;
                off += x.abs();
            }
        }
        let sign = if splitmix(&mut st) & 1 == 0 {
            1.0
        } else {
            -1.0
        };
        row[i] = sign * (off + 1.0 + unit(&mut st));
    }
    for i in (1..N).rev() {
        let j = (splitmix(&mut st) % (i as u64 + 1)) as usize;
        a.swap(i, j);
    }
    a
}

fn random_vector<const N: usize>(seed: u64) -> [f64; N] {
    let mut st = seed ^ 0x5555_5555;
    let mut x = [0.0; N];
    for v in x.iter_mut() {
        *v = 10.0 * unit(&mut st) - 5.0;
    }
    x
}

fn mat_vec<const N: usize>(a: &[[f64; N]; N], x: &[f64; N]) -> [f64; N] {
    let mut y = [0.0; N];
    for (yi, row) in y.iter_mut().zip(a) {
        *yi = row.iter().zip(x).map(|(p, q)| p * q).sum();
    }
    y
}

fn mat_t_vec<const N: usize>(a: &[[f64; N]; N], x: &[f64; N]) -> [f64; N] {
    let mut y = [0.0; N];
    for (i, row) in a.iter().enumerate() {
        for (yj, &aij) in y.iter_mut().zip(row) {
            *yj += aij * x[i];
        }
    }
    y
}

fn inf_norm(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// `‖A‖∞` (max row sum) and `‖A‖₁` (max column sum).
fn norms<const N: usize>(a: &[[f64; N]; N]) -> (f64, f64) {
    let inf = a
        .iter()
        .map(|r| r.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let one = (0..N)
        .map(|j| a.iter().map(|r| r[j].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    (inf, one)
}

/// Solves with a random matrix and right-hand sides; returns an error
/// message on failure.
fn check_random_system<const N: usize>(seed: u64) -> Result<(), String> {
    let a = random_matrix::<N>(seed);
    let copy = a;
    let mut lu = Lu::<f64, N>::new();
    lu.factor(&a).map_err(|e| format!("N = {N}: {e}"))?;
    if a != copy {
        return Err("the input matrix changed".into());
    }
    let (norm_inf, norm_one) = norms(&a);
    let tol = 4.0 * N as f64 * f64::EPSILON;

    // A x = b.
    let x_true = random_vector::<N>(seed);
    let b = mat_vec(&a, &x_true);
    let mut x = [0.0; N];
    lu.solve(&b, &mut x).map_err(|e| e.to_string())?;
    let ax = mat_vec(&a, &x);
    let r: Vec<f64> = ax.iter().zip(&b).map(|(p, q)| p - q).collect();
    let bound = tol * norm_inf * inf_norm(&x);
    if inf_norm(&r) > bound {
        return Err(format!(
            "N = {N}: ‖Ax - b‖ = {:e} > {bound:e}",
            inf_norm(&r)
        ));
    }
    // ‖A⁻¹‖∞ <= 1, so the forward error is at most the residual, plus the
    // rounding of b itself.
    let err: Vec<f64> = x.iter().zip(&x_true).map(|(p, q)| p - q).collect();
    let fwd = 100.0 * tol * norm_inf * inf_norm(&x_true);
    if inf_norm(&err) > fwd {
        return Err(format!(
            "N = {N}: ‖x - x*‖ = {:e} > {fwd:e}",
            inf_norm(&err)
        ));
    }
    // Solving again gives the same bits (solves do not disturb the factors).
    let mut again = [0.0; N];
    lu.solve(&b, &mut again).map_err(|e| e.to_string())?;
    if again != x {
        return Err("a second solve differs".into());
    }

    // Aᵀ y = c.
    let y_true = random_vector::<N>(seed.wrapping_add(1));
    let c = mat_t_vec(&a, &y_true);
    let mut y = [0.0; N];
    lu.solve_transpose(&c, &mut y).map_err(|e| e.to_string())?;
    let aty = mat_t_vec(&a, &y);
    let r: Vec<f64> = aty.iter().zip(&c).map(|(p, q)| p - q).collect();
    let bound = tol * norm_one * inf_norm(&y);
    if inf_norm(&r) > bound {
        return Err(format!(
            "N = {N}: ‖Aᵀy - c‖ = {:e} > {bound:e}",
            inf_norm(&r)
        ));
    }
    let err: Vec<f64> = y.iter().zip(&y_true).map(|(p, q)| p - q).collect();
    // Aᵀ is column-dominant, ‖A⁻ᵀ‖₁ <= 1; compare in the ∞-norm loosely.
    let fwd = 100.0 * N as f64 * tol * norm_one * inf_norm(&y_true);
    if inf_norm(&err) > fwd {
        return Err(format!(
            "N = {N}: ‖y - y*‖ = {:e} > {fwd:e}",
            inf_norm(&err)
        ));
    }
    Ok(())
}

fn check_size(size: usize, seed: u64) -> Result<(), String> {
    match size {
        1 => check_random_system::<1>(seed),
        2 => check_random_system::<2>(seed),
        3 => check_random_system::<3>(seed),
        5 => check_random_system::<5>(seed),
        8 => check_random_system::<8>(seed),
        13 => check_random_system::<13>(seed),
        21 => check_random_system::<21>(seed),
        30 => check_random_system::<30>(seed),
        _ => unreachable!(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    #[cfg_attr(miri, ignore = "too slow under Miri (256 proptest cases of LU)")]
    #[test]
    fn prop_random_well_conditioned_systems(
        size in proptest::sample::select(vec![1usize, 2, 3, 5, 8, 13, 21, 30]),
        seed in proptest::num::u64::ANY,
    ) {
        let r = check_size(size, seed);
        prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (256 proptest cases of LU)")]
    #[test]
    fn prop_scaling_does_not_change_the_verdict(
        seed in proptest::num::u64::ANY,
        exponent in -280i32..280,
    ) {
        // The singularity test is relative: a well-conditioned matrix scaled
        // by 10^±280 still factors, and x scales inversely.
        let s = 10f64.powi(exponent);
        let a = random_matrix::<5>(seed);
        let mut scaled = a;
        for x in scaled.as_flattened_mut() {
            *x *= s;
        }
        let b = random_vector::<5>(seed);
        let (mut lu, mut lu_s) = (Lu::<f64, 5>::new(), Lu::<f64, 5>::new());
        lu.factor(&a).unwrap();
        prop_assert!(lu_s.factor(&scaled).is_ok(), "scale {:e} rejected", s);
        let (mut x, mut xs) = ([0.0; 5], [0.0; 5]);
        lu.solve(&b, &mut x).unwrap();
        lu_s.solve(&b, &mut xs).unwrap();
        for i in 0..5 {
            let got = xs[i] * s;
            prop_assert!((got - x[i]).abs() <= 1e-12 * inf_norm(&x), "{} vs {}", got, x[i]);
        }
    }
}

#[test]
fn every_fixed_size_passes_a_fixed_seed() {
    // Deterministic coverage of each size, independent of proptest's draws.
    for size in [1, 2, 3, 5, 8, 13, 21, 30] {
        for seed in 0..4 {
            check_size(size, seed).unwrap();
        }
    }
}

#[test]
fn permutation_matrix_needs_pivoting() {
    let a = [[0.0, 1.0], [1.0, 0.0]];
    let mut lu = Lu::<f64, 2>::new();
    lu.factor(&a).unwrap();
    let mut x = [0.0; 2];
    lu.solve(&[3.0, 5.0], &mut x).unwrap();
    assert_eq!(x, [5.0, 3.0]);
    lu.solve_transpose(&[3.0, 5.0], &mut x).unwrap();
    assert_eq!(x, [5.0, 3.0]);
}

#[test]
fn non_symmetric_pivoting_case_solves_both_systems_exactly() {
    // A = [[0, 2], [3, 1]]: A x = (4, 5) at x = (1, 2); Aᵀ y = (6, 4) at y = (1, 2).
    let a = [[0.0, 2.0], [3.0, 1.0]];
    let mut lu = Lu::<f64, 2>::new();
    lu.factor(&a).unwrap();
    let mut x = [0.0; 2];
    lu.solve(&[4.0, 5.0], &mut x).unwrap();
    assert_eq!(x, [1.0, 2.0]);
    lu.solve_transpose(&[6.0, 4.0], &mut x).unwrap();
    assert_eq!(x, [1.0, 2.0]);
}

#[test]
fn cyclic_permutation_three_by_three() {
    // Rows of diag(4, 2, 1) rotated: every step pivots.
    let a = [[0.0, 0.0, 1.0], [4.0, 0.0, 0.0], [0.0, 2.0, 0.0]];
    let mut lu = Lu::<f64, 3>::new();
    lu.factor(&a).unwrap();
    let mut x = [0.0; 3];
    // x = (1, 2, 3): A x = (3, 4, 4).
    lu.solve(&[3.0, 4.0, 4.0], &mut x).unwrap();
    assert_eq!(x, [1.0, 2.0, 3.0]);
    // Aᵀ y with y = (1, 2, 3): (8, 6, 1).
    lu.solve_transpose(&[8.0, 6.0, 1.0], &mut x).unwrap();
    assert_eq!(x, [1.0, 2.0, 3.0]);
}

#[test]
fn tiny_pivot_is_swapped_away() {
    // Without pivoting the 1e-20 pivot would give x0 = 0; with it, x ≈ (1, 1).
    let a = [[1e-20, 1.0], [1.0, 1.0]];
    let mut lu = Lu::<f64, 2>::new();
    lu.factor(&a).unwrap();
    let mut x = [0.0; 2];
    lu.solve(&[1.0, 2.0], &mut x).unwrap();
    assert!(
        (x[0] - 1.0).abs() < 1e-15 && (x[1] - 1.0).abs() < 1e-15,
        "{x:?}"
    );
    // Aᵀ y = (1, 2): y1 = 1 - 1e-20 y0 ... y ≈ (1, 1).
    lu.solve_transpose(&[1.0, 2.0], &mut x).unwrap();
    assert!(
        (x[0] - 1.0).abs() < 1e-15 && (x[1] - 1.0).abs() < 1e-15,
        "{x:?}"
    );
}

#[test]
fn one_by_one() {
    let mut lu = Lu::<f64, 1>::new();
    lu.factor(&[[-4.0]]).unwrap();
    let mut x = [0.0];
    lu.solve(&[2.0], &mut x).unwrap();
    assert_eq!(x, [-0.5]);
    lu.solve_transpose(&[-8.0], &mut x).unwrap();
    assert_eq!(x, [2.0]);
}

#[test]
fn resolvent_of_a_stochastic_matrix() {
    // A = I - γ P with P row-stochastic: A 1 = (1 - γ) 1, and for
    // dᵀ A = p0ᵀ, Σ d = 1 / (1 - γ). The evaluator relies on both.
    const N: usize = 21;
    let mut st = 42;
    for gamma in [0.5, 0.9, 0.99, 0.999] {
        let mut p = [[0.0; N]; N];
        for row in p.iter_mut() {
            let mut sum = 0.0;
            for x in row.iter_mut() {
                // Sparse-ish: about a third of the entries non-zero.
                let u = unit(&mut st);
                *x = if u < 0.33 { u } else { 0.0 };
                sum += *x;
            }
            if sum == 0.0 {
                row[0] = 1.0;
                sum = 1.0;
            }
            for x in row.iter_mut() {
                *x /= sum;
            }
        }
        let mut a = [[0.0; N]; N];
        for i in 0..N {
            for j in 0..N {
                a[i][j] = if i == j { 1.0 } else { 0.0 } - gamma * p[i][j];
            }
        }
        let mut lu = Lu::<f64, N>::new();
        lu.factor(&a).unwrap();
        let mut v = [0.0; N];
        lu.solve(&[1.0; N], &mut v).unwrap();
        let h = 1.0 / (1.0 - gamma);
        for (i, &x) in v.iter().enumerate() {
            assert!(
                (x - h).abs() <= 1e-11 * h,
                "γ = {gamma}: V[{i}] = {x} vs {h}"
            );
        }
        let mut p0 = [0.0; N];
        p0[3] = 0.25;
        p0[17] = 0.75;
        let mut d = [0.0; N];
        lu.solve_transpose(&p0, &mut d).unwrap();
        let total: f64 = d.iter().sum();
        assert!(
            (total - h).abs() <= 1e-11 * h,
            "γ = {gamma}: Σd = {total} vs {h}"
        );
        assert!(d.iter().all(|&x| x >= -1e-12 * h), "γ = {gamma}: {d:?}");
    }
}

#[test]
fn f32_residual_is_small() {
    const N: usize = 13;
    let a64 = random_matrix::<N>(9);
    let mut a = [[0.0_f32; N]; N];
    for (r, r64) in a.iter_mut().zip(&a64) {
        for (x, &y) in r.iter_mut().zip(r64) {
            *x = y as f32;
        }
    }
    let b: [f32; N] = core::array::from_fn(|i| (i as f32) - 6.0);
    let mut lu = Lu::<f32, N>::new();
    lu.factor(&a).unwrap();
    let mut x = [0.0_f32; N];
    lu.solve(&b, &mut x).unwrap();
    let mut a_f = [[0.0; N]; N];
    for (r, rr) in a_f.iter_mut().zip(&a) {
        for (p, &q) in r.iter_mut().zip(rr) {
            *p = f64::from(q);
        }
    }
    let x64: [f64; N] = core::array::from_fn(|i| f64::from(x[i]));
    let ax = mat_vec(&a_f, &x64);
    let r: Vec<f64> = ax.iter().zip(&b).map(|(p, &q)| p - f64::from(q)).collect();
    let (norm_inf, _) = norms(&a_f);
    let bound = 4.0 * N as f64 * f64::from(f32::EPSILON) * norm_inf * inf_norm(&x64);
    assert!(inf_norm(&r) <= bound, "{:e} > {bound:e}", inf_norm(&r));
}

/// A well-conditioned but tiny-scaled system whose solution overflows must
/// not come back as `Ok` with a non-finite `x` (the crate promises no silent
/// NaN). Currently `solve_transpose` returns `Ok(())` and `y = [NaN, inf, inf]`.
#[test]
fn overflowing_solution_is_an_error_not_a_silent_nan() {
    let a =
        [[1.0, 1.0, 1.0], [1.0, -1.0, 1.0], [1.0, 1.0, -1.0]].map(|r| r.map(|v: f64| v * 1e-300));
    let mut lu = Lu::<f64, 3>::new();
    lu.factor(&a).unwrap();
    let mut x = [0.0; 3];
    let r = lu.solve(&[1e300, 1e300, -1e300], &mut x);
    assert!(
        r.is_err() || x.iter().all(|v| v.is_finite()),
        "{r:?}: x = {x:?}"
    );
    let mut y = [0.0; 3];
    let r = lu.solve_transpose(&[1e300, -1e300, 1e300], &mut y);
    assert!(
        r.is_err() || y.iter().all(|v| v.is_finite()),
        "{r:?}: y = {y:?}"
    );
}
