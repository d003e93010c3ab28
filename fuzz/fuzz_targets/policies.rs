//! Softmax and Gaussian policies on arbitrary finite input: probabilities in
//! [0, 1] summing to 1, finite log-probabilities where positive, entropy in
//! [0, ln A]; Gaussian densities finite or an error, never NaN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_landscape::Softmax;
use policy_landscape::policy::Gaussian;

fuzz_target!(
    |input: ([f64; 6], f64, [f64; 8], [f64; 3], f64, [f64; 2])| {
        let (theta, mix, gtheta, obs, sigma, action) = input;
        let mut pi = Softmax::<f64, 2, 2, 3, _>::tabular_with_bias();
        if pi.set_params(&theta).is_ok() {
            let _ = pi.set_mix(mix);
            for s in 0..2 {
                if let Ok(row) = pi.row(s) {
                    let sum: f64 = row.pi.iter().sum();
                    assert!((sum - 1.0).abs() < 1e-12, "Σπ = {sum}");
                    assert!(row.pi.iter().all(|&p| (0.0..=1.0).contains(&p)));
                    for (&p, &l) in row.pi.iter().zip(&row.log_pi) {
                        if p > 0.0 {
                            assert!(l.is_finite() && l <= 1e-12);
                        }
                    }
                    assert!(
                        row.entropy >= -1e-12 && row.entropy <= 2f64.ln() + 1e-12,
                        "H = {}",
                        row.entropy
                    );
                }
            }
        }
        let mut g = Gaussian::<f64, 3, 2, 4>::affine();
        if g.set_params(&gtheta).is_ok() && g.set_sigma(sigma).is_ok() {
            if let Ok(lp) = g.log_prob(&obs, &action) {
                assert!(lp.is_finite());
            }
            let mut grad = [0.0; 8];
            if g.score_into(&obs, &action, &mut grad).is_ok() {
                assert!(grad.iter().all(|x| x.is_finite()));
            }
            if let Ok(h) = g.entropy() {
                assert!(h.is_finite());
            }
        }
    }
);
