//! One exact training step from arbitrary parameters, τ, mix and step size
//! on the paper's world: an error or finite parameters, never NaN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_landscape::{ExactWorkspace, TrainConfig, Trainer, paper};

fuzz_target!(|input: (Vec<f64>, f64, f64, f64)| {
    let (theta, tau, mix, step) = input;
    let mdp = paper::mdp::<f64>();
    let mut policy = paper::Policy::tabular_with_bias();
    let mut flat = [0.0; <paper::Policy>::PARAMS];
    for (f, t) in flat.iter_mut().zip(&theta) {
        *f = *t;
    }
    if policy.set_params(&flat).is_err() || policy.set_mix(mix).is_err() {
        return;
    }
    let Ok(mut trainer) = Trainer::new(TrainConfig::new(step, 1).tau(tau)) else {
        return;
    };
    let mut ws = ExactWorkspace::new();
    let before = policy.clone();
    match trainer.step(&mdp, &mut policy, &mut ws) {
        Ok(report) => {
            assert!(report.j_tau.is_finite() && report.j_true.is_finite());
            assert!(policy.params().iter().all(|x| x.is_finite()));
        }
        Err(_) => assert_eq!(policy, before, "unchanged on error"),
    }
});
