//! `policy_landscape::linalg::symmetric_eigen` against nalgebra's
//! `SymmetricEigen` on random symmetric matrices of order 1 to 20, 104 and
//! 108 (the sizes of the paper's policies), and on the paper world's
//! Hessian.

use nalgebra::DMatrix;
use policy_landscape::linalg::symmetric_eigen;
use policy_landscape::paper;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Relative disagreement of the sorted spectra, `max |λ − μ| / ‖A‖₂`, and
/// the eigenvector residual `max_k ‖A v_k − λ_k v_k‖∞ / ‖A‖₂`.
fn compare(a: &[f64], n: usize) -> (f64, f64) {
    let mut work = a.to_vec();
    let mut values = vec![0.0; n];
    let mut vectors = vec![0.0; n * n];
    symmetric_eigen(&mut work, n, &mut values, Some(&mut vectors)).unwrap();
    let m = DMatrix::from_row_slice(n, n, a);
    let mut reference: Vec<f64> = m.symmetric_eigen().eigenvalues.iter().copied().collect();
    reference.sort_by(f64::total_cmp);
    let norm = reference
        .iter()
        .fold(0.0_f64, |x, l| x.max(l.abs()))
        .max(f64::MIN_POSITIVE);
    let agree = values
        .iter()
        .zip(&reference)
        .fold(0.0_f64, |x, (l, r)| x.max((l - r).abs()))
        / norm;
    let mut residual = 0.0_f64;
    for k in 0..n {
        for i in 0..n {
            let av: f64 = (0..n).map(|j| a[i * n + j] * vectors[j * n + k]).sum();
            residual = residual.max((av - values[k] * vectors[i * n + k]).abs());
        }
    }
    (agree, residual / norm)
}

#[test]
fn agrees_with_nalgebra_on_random_symmetric_matrices() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2019);
    let mut worst = (0.0_f64, 0.0_f64);
    for n in (1..=20).chain([104, 108]) {
        for _ in 0..if n <= 20 { 5 } else { 1 } {
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in i..n {
                    let x = uniform(&mut rng);
                    a[i * n + j] = x;
                    a[j * n + i] = x;
                }
            }
            let (agree, residual) = compare(&a, n);
            assert!(agree < 1e-12, "n = {n}: {agree:e}");
            assert!(residual < 1e-12, "n = {n}: residual {residual:e}");
            worst = (worst.0.max(agree), worst.1.max(residual));
        }
    }
    println!(
        "random: worst relative disagreement {:.2e}, residual {:.2e}",
        worst.0, worst.1
    );
}

#[test]
fn agrees_with_nalgebra_on_the_paper_worlds_hessian() {
    const P: usize = <paper::Policy>::PARAMS;
    let mdp = paper::mdp::<f64>();
    let mut policy = paper::Policy::tabular_with_bias();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    let mut h = vec![0.0; P * P];
    for tau in [0.0, 0.01] {
        paper::Workspace::new()
            .hessian_into(&mdp, &policy, tau, &mut h)
            .unwrap();
        let (agree, residual) = compare(&h, P);
        println!(
            "paper world Hessian, tau {tau}: disagreement {agree:.2e}, residual {residual:.2e}"
        );
        assert!(agree < 1e-12 && residual < 1e-12, "{agree:e} {residual:e}");
    }
}
