//! The LU solve: never a panic; when factorisation and solve succeed, the
//! residual is within the backward-error bound of partial pivoting, and the
//! input is untouched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_landscape::linalg::Lu;

const N: usize = 6;

fuzz_target!(|input: ([[f64; N]; N], [f64; N])| {
    let (a, b) = input;
    let copy = a;
    let mut lu = Lu::<f64, N>::new();
    let factored = lu.factor(&a);
    assert_eq!(
        a.map(|r| r.map(f64::to_bits)),
        copy.map(|r| r.map(f64::to_bits))
    );
    if factored.is_err() {
        let mut x = [0.0; N];
        assert!(lu.solve(&b, &mut x).is_err());
        return;
    }
    let norm_a = a.iter().flatten().fold(0.0_f64, |m, x| m.max(x.abs()));
    for transpose in [false, true] {
        let mut x = [0.0; N];
        let solved = if transpose {
            lu.solve_transpose(&b, &mut x)
        } else {
            lu.solve(&b, &mut x)
        };
        if solved.is_err() {
            continue;
        }
        assert!(x.iter().all(|v| v.is_finite()));
        let norm_x = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for i in 0..N {
            let mut r = -b[i];
            let mut scale = b[i].abs();
            for j in 0..N {
                let aij = if transpose { a[j][i] } else { a[i][j] };
                r += aij * x[j];
                scale += (aij * x[j]).abs();
            }
            // Growth ≤ 2^(N-1) for partial pivoting; generous constant. Below
            // the normal range rounding is absolute, hence the floor.
            let bound = 1e-12 * (N as f64 * norm_a * norm_x).max(scale)
                + 64.0 * N as f64 * (1.0 + norm_a) * f64::MIN_POSITIVE;
            if bound.is_finite() {
                assert!(r.abs() <= bound, "row {i}: residual {r:e} > {bound:e}");
            }
        }
    }
});
