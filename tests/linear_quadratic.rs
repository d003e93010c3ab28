//! The linear-quadratic system: its closed-form expected return and gradient
//! against finite differences and Monte-Carlo rollouts of the environment.

use policy_landscape::Error;
use policy_landscape::env::{Env, LinearQuadratic};
use policy_landscape::policy::Gaussian;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;

fn system() -> LinearQuadratic<f64> {
    LinearQuadratic::new(0.95, 0.4, 25)
        .and_then(|lq| lq.with_noise(0.3))
        .and_then(|lq| lq.with_start(0.5, 0.8))
        .and_then(|lq| lq.with_costs(1.0, 0.2))
        .unwrap()
}

#[test]
fn gradient_equals_finite_differences_of_the_closed_form() {
    let lq = system();
    let (k, beta, sigma, gamma) = (-0.6, 0.15, 0.4, 0.97);
    let j = lq.expected_return(k, beta, sigma, gamma).unwrap();
    let h = 1e-6;
    let fd_k = (lq.expected_return(k + h, beta, sigma, gamma).unwrap().value
        - lq.expected_return(k - h, beta, sigma, gamma).unwrap().value)
        / (2.0 * h);
    let fd_b = (lq.expected_return(k, beta + h, sigma, gamma).unwrap().value
        - lq.expected_return(k, beta - h, sigma, gamma).unwrap().value)
        / (2.0 * h);
    assert!(
        (j.d_gain - fd_k).abs() < 1e-7 * fd_k.abs().max(1.0),
        "{} vs {fd_k}",
        j.d_gain
    );
    assert!(
        (j.d_bias - fd_b).abs() < 1e-7 * fd_b.abs().max(1.0),
        "{} vs {fd_b}",
        j.d_bias
    );
}

#[test]
fn one_step_closed_form() {
    // H = 1: J = −(q E[s0²] + ρ E[u0²]) with u0 = k s0 + β + σ ε.
    let lq = LinearQuadratic::new(0.5, 2.0, 1)
        .and_then(|lq| lq.with_start(1.0, 0.25))
        .unwrap();
    let (k, beta, sigma) = (0.3, -0.2, 0.5);
    let es2: f64 = 1.0 + 0.25;
    let eu2 = k * k * es2 + 2.0 * k * beta * 1.0 + beta * beta + sigma * sigma;
    let j = lq.expected_return(k, beta, sigma, 0.9).unwrap();
    assert!((j.value + (es2 + 0.1 * eu2)).abs() < 1e-15);
    assert!((j.d_gain + 0.1 * (2.0 * k * es2 + 2.0 * beta)).abs() < 1e-15);
    assert!((j.d_bias + 0.1 * (2.0 * k + 2.0 * beta)).abs() < 1e-15);
}

#[cfg_attr(miri, ignore = "too slow under Miri (20 000 episodes)")]
#[test]
fn monte_carlo_rollouts_agree_with_the_closed_form() {
    let mut lq = system();
    let (k, beta, sigma, gamma) = (-0.6, 0.15, 0.4, 0.97);
    let want = lq.expected_return(k, beta, sigma, gamma).unwrap().value;
    let mut policy = Gaussian::<f64, 1, 1, 2>::affine();
    policy.set_params(&[k, beta]).unwrap();
    policy.set_sigma(sigma).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let episodes = 20_000;
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for _ in 0..episodes {
        let mut s = lq.reset(&mut rng);
        let (mut ret, mut discount) = (0.0, 1.0);
        loop {
            let mut u = [0.0];
            policy.sample_into(&s, &mut rng, &mut u).unwrap();
            let t = lq.step(&u).unwrap();
            ret += discount * t.reward;
            discount *= gamma;
            s = t.observation;
            if t.terminated || t.truncated {
                break;
            }
        }
        sum += ret;
        sum_sq += ret * ret;
    }
    let mean = sum / episodes as f64;
    let se = ((sum_sq / episodes as f64 - mean * mean) / episodes as f64).sqrt();
    assert!((mean - want).abs() < 4.0 * se, "{mean} ± {se} vs {want}");
}

#[test]
fn episodes_are_reproducible_from_the_reset_generator() {
    let mut a = system();
    let mut b = system();
    let sa = a.reset(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    let sb = b.reset(&mut Xoshiro256PlusPlus::seed_from_u64(9));
    assert_eq!(sa, sb);
    for i in 0..25 {
        let u = [0.1 * i as f64];
        let ta = a.step(&u).unwrap();
        let tb = b.step(&u).unwrap();
        assert_eq!(ta, tb);
        assert_eq!(ta.truncated, i == 24);
    }
}

#[test]
fn bad_input_is_an_error() {
    assert_eq!(
        LinearQuadratic::new(f64::NAN, 1.0, 3).unwrap_err(),
        Error::InvalidParameter {
            what: "LQ coefficient",
            rule: "be finite"
        }
    );
    assert_eq!(
        LinearQuadratic::new(1.0, 1.0, 0).unwrap_err(),
        Error::InvalidParameter {
            what: "LQ horizon",
            rule: "be at least 1"
        }
    );
    let mut lq = system();
    lq.reset(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    let before = lq.clone();
    assert_eq!(
        lq.step(&[f64::NAN]),
        Err(Error::NonFinite {
            what: "action",
            index: 0
        })
    );
    assert_eq!(lq, before, "unchanged on error");
    assert_eq!(
        lq.expected_return(0.0, 0.0, -1.0, 0.9).unwrap_err(),
        Error::InvalidParameter {
            what: "sigma",
            rule: "be finite and non-negative"
        }
    );
    assert_eq!(
        lq.expected_return(0.0, 0.0, 1.0, 1.5).unwrap_err(),
        Error::InvalidDiscount {
            rule: "lie in [0, 1]"
        }
    );
    // An unstable closed loop over a long horizon overflows: an error.
    let unstable = LinearQuadratic::new(10.0, 1.0, 400).unwrap();
    assert_eq!(
        unstable.expected_return(5.0, 0.0, 1.0, 1.0).unwrap_err(),
        Error::NumericalOverflow { what: "LQ return" }
    );
}
