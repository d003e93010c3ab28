//! REINFORCE and the Monte-Carlo objective where the truth is known: the
//! scalar linear-quadratic system with an affine Gaussian policy
//! `u = k s + β + σ ε`, whose expected return and gradient are exact.

use policy_landscape::Error;
use policy_landscape::env::LinearQuadratic;
use policy_landscape::policy::Gaussian;
use policy_landscape::probe::Objective;
use policy_landscape::reinforce::{
    BatchSums, Estimator, MonteCarlo, Rollouts, mean_return, reinforce_gradient,
};

const K: f64 = -0.6;
const BETA: f64 = 0.15;
const SIGMA: f64 = 0.4;
const GAMMA: f64 = 0.97;

fn system() -> LinearQuadratic<f64> {
    LinearQuadratic::new(0.95, 0.4, 25)
        .and_then(|lq| lq.with_noise(0.3))
        .and_then(|lq| lq.with_start(0.5, 0.8))
        .and_then(|lq| lq.with_costs(1.0, 0.2))
        .unwrap()
}

fn policy() -> Gaussian<f64, 1, 1, 2> {
    let mut p = Gaussian::<f64, 1, 1, 2>::affine();
    p.set_params(&[K, BETA]).unwrap();
    p.set_sigma(SIGMA).unwrap();
    p
}

fn rollouts(episodes: usize, seed: u64) -> Rollouts<f64> {
    Rollouts {
        episodes,
        gamma: GAMMA,
        seed,
        max_steps: 1000,
    }
}

fn unbiased(episodes: usize, seed: u64) -> ([f64; 2], [f64; 2]) {
    let mut env = system();
    let mut sums = BatchSums::new();
    let mut rewards = [0.0; 64];
    let mut grad = [0.0; 2];
    reinforce_gradient(
        &mut env,
        &policy(),
        &rollouts(episodes, seed),
        Estimator::Unbiased,
        &mut sums,
        &mut rewards,
        &mut grad,
    )
    .unwrap();
    assert_eq!(sums.episodes(), episodes);
    let mut se = [0.0; 2];
    sums.std_errors_into(&mut se).unwrap();
    (grad, se)
}

#[cfg_attr(miri, ignore = "too slow under Miri (20 000 rollouts)")]
#[test]
fn unbiased_estimate_is_within_three_standard_errors_of_the_closed_form() {
    let truth = system().expected_return(K, BETA, SIGMA, GAMMA).unwrap();
    let (grad, se) = unbiased(20_000, 1);
    for (what, est, se, want) in [
        ("k", grad[0], se[0], truth.d_gain),
        ("β", grad[1], se[1], truth.d_bias),
    ] {
        assert!(se > 0.0);
        assert!(
            (est - want).abs() < 3.0 * se,
            "∂J/∂{what}: {est} ± {se}, exact {want}"
        );
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (17 000 rollouts)")]
#[test]
fn standard_error_falls_as_one_over_root_n() {
    let (_, se_small) = unbiased(1_000, 2);
    let (_, se_large) = unbiased(16_000, 3);
    for j in 0..2 {
        let ratio = se_small[j] / se_large[j];
        assert!(
            (ratio - 4.0).abs() < 0.6,
            "component {j}: ratio {ratio}, expected 4"
        );
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (4000-rollout estimates)")]
#[test]
fn normalized_estimate_points_uphill_and_ignores_reward_scale() {
    let truth = system().expected_return(K, BETA, SIGMA, GAMMA).unwrap();
    let run = |scale: f64| {
        let base = system();
        let mut env = base
            .clone()
            .with_costs(base.q() * scale, base.rho() * scale)
            .unwrap();
        let mut grad = [0.0; 2];
        reinforce_gradient(
            &mut env,
            &policy(),
            &rollouts(4_000, 4),
            Estimator::Normalized,
            &mut BatchSums::new(),
            &mut [0.0; 64],
            &mut grad,
        )
        .unwrap();
        grad
    };
    let g = run(1.0);
    let exact = [truth.d_gain, truth.d_bias];
    let dot = g[0] * exact[0] + g[1] * exact[1];
    let cos = dot
        / (g.iter().map(|x| x * x).sum::<f64>().sqrt()
            * exact.iter().map(|x| x * x).sum::<f64>().sqrt());
    assert!(cos > 0.9, "cosine with the exact gradient {cos}");
    // Normalised advantages are invariant to scaling the rewards.
    let g10 = run(10.0);
    for j in 0..2 {
        assert!(
            (g10[j] - g[j]).abs() < 1e-6 * g[j].abs().max(1e-3),
            "{g10:?} vs {g:?}"
        );
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (8000-rollout objectives)")]
#[test]
fn monte_carlo_objective_uses_common_random_numbers() {
    let truth = system().expected_return(K, BETA, SIGMA, GAMMA).unwrap();
    let mut objective = MonteCarlo::new(system(), policy(), rollouts(8_000, 5)).unwrap();
    let a = objective.evaluate(&[K, BETA]).unwrap();
    let b = objective.evaluate(&[K, BETA]).unwrap();
    assert_eq!(a, b, "the same seeds give the same batch");
    assert!(
        (a.value - truth.value).abs() < 4.0 * a.std_error,
        "{a:?} vs {}",
        truth.value
    );
    // Paired differences are far less noisy than the returns themselves.
    let h = 0.05;
    let plus = objective.evaluate(&[K + h, BETA]).unwrap().value;
    let minus = objective.evaluate(&[K - h, BETA]).unwrap().value;
    let fd = (plus - minus) / (2.0 * h);
    assert!(
        (fd - truth.d_gain).abs() < 0.1 * truth.d_gain.abs() + 0.05,
        "{fd} vs {}",
        truth.d_gain
    );
    let direct = mean_return(&mut system(), &policy(), &rollouts(8_000, 5)).unwrap();
    assert_eq!(direct, a);
}

#[test]
fn bad_input_is_an_error() {
    let mut env = system();
    let mut grad = [7.0; 2];
    let mut det = policy();
    det.set_sigma(0.0).unwrap();
    let r = rollouts(10, 1);
    let mut scratch = BatchSums::new();
    assert_eq!(
        reinforce_gradient(
            &mut env,
            &det,
            &r,
            Estimator::Unbiased,
            &mut scratch,
            &mut [0.0; 64],
            &mut grad
        ),
        Err(Error::InvalidParameter {
            what: "sigma",
            rule: "be positive in every dimension (REINFORCE needs a score)"
        })
    );
    assert_eq!(
        reinforce_gradient(
            &mut env,
            &policy(),
            &r,
            Estimator::Unbiased,
            &mut scratch,
            &mut [0.0; 10],
            &mut grad
        ),
        Err(Error::InvalidParameter {
            what: "rewards buffer",
            rule: "hold max_steps rewards (the longest episode)"
        })
    );
    assert_eq!(
        reinforce_gradient(
            &mut env,
            &policy(),
            &r,
            Estimator::Unbiased,
            &mut scratch,
            &mut [0.0; 64],
            &mut [0.0; 3]
        ),
        Err(Error::LengthMismatch {
            what: "grad",
            expected: 2,
            found: 3
        })
    );
    assert_eq!(grad, [7.0; 2], "untouched on error");
    let bad = Rollouts { episodes: 0, ..r };
    assert_eq!(
        mean_return(&mut env, &policy(), &bad),
        Err(Error::InvalidParameter {
            what: "episodes",
            rule: "be at least 1"
        })
    );
    let bad = Rollouts { gamma: 1.5, ..r };
    assert_eq!(
        mean_return(&mut env, &policy(), &bad),
        Err(Error::InvalidDiscount {
            rule: "lie in [0, 1]"
        })
    );
    let mut objective = MonteCarlo::new(system(), policy(), r).unwrap();
    assert_eq!(
        objective.evaluate(&[f64::NAN, 0.0]),
        Err(Error::NonFinite {
            what: "theta",
            index: 0
        })
    );
}

#[cfg(feature = "rayon")]
#[test]
fn threads_give_the_single_thread_result_bit_for_bit() {
    use policy_landscape::reinforce::parallel;
    for estimator in [Estimator::Unbiased, Estimator::Normalized] {
        let r = rollouts(100, 8); // 100 episodes, each its own chunk
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        let (mut sa, mut sb) = (BatchSums::new(), BatchSums::new());
        let ra = reinforce_gradient(
            &mut system(),
            &policy(),
            &r,
            estimator,
            &mut sa,
            &mut [0.0; 64],
            &mut a,
        )
        .unwrap();
        let rb =
            parallel::reinforce_gradient(&system(), &policy(), &r, estimator, 64, &mut sb, &mut b)
                .unwrap();
        assert_eq!(ra, rb);
        assert_eq!(sa, sb);
        assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
    }
}

#[cfg(feature = "rayon")]
#[test]
fn parallel_mean_return_and_objective_equal_one_thread_bit_for_bit() {
    use policy_landscape::reinforce::parallel;
    let r = rollouts(37, 21);
    let one = mean_return(&mut system(), &policy(), &r).unwrap();
    let many = parallel::mean_return(&system(), &policy(), &r).unwrap();
    assert_eq!(one.value.to_bits(), many.value.to_bits());
    assert_eq!(one.std_error.to_bits(), many.std_error.to_bits());
    let theta = [0.3, -0.2];
    let mut a = MonteCarlo::new(system(), policy(), r).unwrap();
    let mut b = parallel::MonteCarlo::new(system(), policy(), r).unwrap();
    let (ea, eb) = (a.evaluate(&theta).unwrap(), b.evaluate(&theta).unwrap());
    assert_eq!(ea.value.to_bits(), eb.value.to_bits());
    assert_eq!(ea.std_error.to_bits(), eb.std_error.to_bits());
    // The same checks as one thread.
    assert_eq!(
        parallel::mean_return(&system(), &policy(), &rollouts(1, 0)),
        mean_return(&mut system(), &policy(), &rollouts(1, 0))
    );
    assert!(parallel::MonteCarlo::new(system(), policy(), rollouts(1, 0)).is_err());
}

mod sgd {
    use super::*;
    use policy_landscape::reinforce::{CurvatureProbe, SgdConfig, train_sgd};
    use std::ops::ControlFlow;

    fn config(updates: usize) -> SgdConfig<f64> {
        SgdConfig {
            learning_rate: 0.01,
            updates,
            rollouts: rollouts(64, 100),
            estimator: Estimator::Unbiased,
            eval_every: 10,
            eval_rollouts: rollouts(200, 7),
            curvature_every: 20,
            curvature: CurvatureProbe {
                alpha: 0.05,
                directions: 20,
                seed: 3,
                rollouts: rollouts(200, 9),
            },
        }
    }

    fn start() -> Gaussian<f64, 1, 1, 2> {
        let mut p = Gaussian::<f64, 1, 1, 2>::affine();
        p.set_params(&[0.0, 0.0]).unwrap();
        p.set_sigma(SIGMA).unwrap();
        p
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (60 SGD updates of 64 rollouts)")]
    #[test]
    fn sgd_climbs_the_exact_objective_and_reports_as_it_goes() {
        let lq = system();
        let mut policy = start();
        let before = lq.expected_return(0.0, 0.0, SIGMA, GAMMA).unwrap().value;
        let mut steps = Vec::new();
        let n = train_sgd(
            &mut system(),
            &mut policy,
            &config(60),
            &mut [0.0; 64],
            &mut [0.0; 4],
            |s| {
                steps.push(*s);
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        assert_eq!(n, 60);
        let [k, beta] = [policy.params()[0], policy.params()[1]];
        let after = lq.expected_return(k, beta, SIGMA, GAMMA).unwrap().value;
        assert!(
            after > before + 0.2 * before.abs(),
            "J {before} -> {after} (k {k}, β {beta})"
        );
        // Deterministic evaluations every 10 updates, curvature every 20.
        let evals: Vec<usize> = steps
            .iter()
            .filter(|s| s.deterministic.is_some())
            .map(|s| s.update)
            .collect();
        assert_eq!(evals, [0, 10, 20, 30, 40, 50]);
        let probes = steps
            .iter()
            .filter(|s| s.update % 20 == 0)
            .filter(|s| s.curvature.is_some())
            .count();
        assert!(
            probes >= 2,
            "the curvature of an improving direction was recorded"
        );
        // Footnote 5 picks improving directions only.
        assert!(
            steps
                .iter()
                .filter_map(|s| s.curvature)
                .all(|(g, _)| g > 0.0)
        );
        // The deterministic return of the first evaluation is the σ = 0
        // closed form at (0, 0), within its standard error.
        let det = steps[0].deterministic.unwrap();
        let exact = lq.expected_return(0.0, 0.0, 0.0, GAMMA).unwrap().value;
        assert!(
            (det.value - exact).abs() < 4.0 * det.std_error,
            "{det:?} vs {exact}"
        );
    }

    #[cfg(feature = "rayon")]
    #[cfg_attr(miri, ignore = "too slow under Miri (SGD with probes, twice)")]
    #[test]
    fn parallel_sgd_equals_one_thread_bit_for_bit() {
        use policy_landscape::reinforce::parallel;
        let config = SgdConfig {
            estimator: Estimator::Normalized,
            ..config(25)
        };
        let (mut one, mut many) = (start(), start());
        let (mut steps_one, mut steps_many) = (Vec::new(), Vec::new());
        let n = train_sgd(
            &mut system(),
            &mut one,
            &config,
            &mut [0.0; 64],
            &mut [0.0; 4],
            |s| {
                steps_one.push(*s);
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        let m = parallel::train_sgd(&system(), &mut many, &config, 64, |s| {
            steps_many.push(*s);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!((n, m), (25, 25));
        // SgdStep's PartialEq compares floats: equal here means equal bits
        // (no NaN, and ±0 cannot both occur in the same computation).
        assert_eq!(steps_one, steps_many);
        assert!(steps_one.iter().any(|s| s.curvature.is_some()));
        let bits =
            |p: &Gaussian<f64, 1, 1, 2>| p.params().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&many));
        assert_ne!(bits(&one), bits(&start()), "training moved the parameters");
    }

    #[cfg_attr(
        miri,
        ignore = "too slow under Miri (30-update SGD runs of 64 rollouts)"
    )]
    #[test]
    fn training_is_reproducible_and_stoppable() {
        let run = |stop: Option<usize>| {
            let mut policy = start();
            train_sgd(
                &mut system(),
                &mut policy,
                &config(30),
                &mut [0.0; 64],
                &mut [0.0; 4],
                |s| {
                    if Some(s.update) == stop {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                },
            )
            .map(|n| (n, policy.params().to_vec()))
            .unwrap()
        };
        assert_eq!(run(None), run(None));
        assert_eq!(run(Some(4)).0, 5);
        assert_ne!(run(Some(4)).1, run(None).1);
        let mut policy = start();
        let bad = SgdConfig {
            learning_rate: f64::NAN,
            ..config(3)
        };
        assert_eq!(
            train_sgd(
                &mut system(),
                &mut policy,
                &bad,
                &mut [0.0; 64],
                &mut [0.0; 4],
                |_| ControlFlow::Continue(())
            ),
            Err(Error::InvalidParameter {
                what: "learning_rate",
                rule: "be finite and non-negative"
            })
        );
    }
}
