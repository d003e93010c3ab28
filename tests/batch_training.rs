//! [`BatchTrainer`]: `K` exact training runs in lockstep, each lane's
//! trajectory (every update's report, the final outcome and parameters)
//! bit-identical to a one-vector [`Trainer`] run on that policy, with and
//! without a decayed entropy bonus; a lane that fails stops alone, with the
//! one-vector error.

use core::ops::ControlFlow;

use policy_landscape::paper::{self, Policy};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::train::{BatchTrainer, TrainConfig, TrainOutcome, TrainStep, Trainer};
use policy_landscape::{Error, ExactBatch, ExactWorkspace, TabularMdp};

fn seeded(seed: u64) -> Policy<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut policy = Policy::tabular_with_bias();
    policy.init_like_torch(&mut rng);
    policy
}

fn step_bits(s: &TrainStep<f64>) -> [u64; 5] {
    [
        s.update as u64,
        s.tau.to_bits(),
        s.j_tau.to_bits(),
        s.j_true.to_bits(),
        s.grad_norm.to_bits(),
    ]
}

fn outcome_bits(o: &TrainOutcome<f64>) -> [u64; 4] {
    [
        o.updates as u64,
        o.final_j_true.to_bits(),
        o.final_j_tau.to_bits(),
        o.final_tau.to_bits(),
    ]
}

fn params_bits(p: &Policy<f64>) -> Vec<u64> {
    p.params().iter().map(|x| x.to_bits()).collect()
}

/// The bits of a run: every report, the outcome (or the error) and the
/// final parameters.
type Run = (Vec<[u64; 5]>, Result<[u64; 4], Error>, Vec<u64>);

/// A one-vector run: its reports, its outcome (or error) and its final
/// parameters; the observer stops after update `stop` when given.
fn alone(
    mdp: &TabularMdp<f64, 26, 4>,
    config: TrainConfig<f64>,
    mut policy: Policy<f64>,
    stop: Option<usize>,
) -> Run {
    let mut ws = ExactWorkspace::new();
    let mut steps = Vec::new();
    let outcome = Trainer::new(config)
        .unwrap()
        .run(mdp, &mut policy, &mut ws, |s| {
            steps.push(step_bits(s));
            match stop {
                Some(u) if s.update == u => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        })
        .map(|o| outcome_bits(&o));
    (steps, outcome, params_bits(&policy))
}

/// Runs `policies` in lockstep and checks every lane against [`alone`].
fn lockstep<const K: usize>(
    config: TrainConfig<f64>,
    policies: [Policy<f64>; K],
    stop: Option<usize>,
) -> [Result<TrainOutcome<f64>, Error>; K] {
    let mdp = paper::mdp::<f64>();
    let expected: Vec<_> = policies
        .iter()
        .map(|p| alone(&mdp, config, p.clone(), stop))
        .collect();
    let mut trained = policies;
    let mut batch = ExactBatch::new();
    let mut steps: Vec<Vec<[u64; 5]>> = vec![Vec::new(); K];
    let mut trainer = BatchTrainer::<f64, 26, 4, K, 27>::new(config).unwrap();
    let outcomes = trainer.run(&mdp, &mut trained, &mut batch, |reports| {
        for (lane, r) in steps.iter_mut().zip(reports) {
            if let Ok(s) = r {
                lane.push(step_bits(s));
            }
        }
        match (stop, reports.iter().find_map(|r| r.as_ref().ok())) {
            (Some(u), Some(s)) if s.update == u => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    });
    for (k, (want, ((got_steps, outcome), policy))) in expected
        .iter()
        .zip(steps.iter().zip(&outcomes).zip(&trained))
        .enumerate()
    {
        assert_eq!(got_steps, &want.0, "lane {k}: the reports");
        let got = outcome.as_ref().map(outcome_bits).map_err(|e| *e);
        assert_eq!(got, want.1, "lane {k}: the outcome");
        assert_eq!(params_bits(policy), want.2, "lane {k}: the parameters");
        assert_eq!(trainer.failure(k), want.1.err(), "lane {k}: the failure");
    }
    outcomes
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (2 x 12 runs of 300 exact updates)"
)]
#[test]
fn lanes_follow_the_one_vector_trainer_bit_for_bit() {
    for config in [
        TrainConfig::new(0.1, 300),
        TrainConfig::new(0.1, 300).tau(0.3).tau_decay(0.99),
        TrainConfig::new(1.0, 300).tau(1.0).tau_decay(0.995),
    ] {
        let four = lockstep(
            config,
            core::array::from_fn::<_, 4, _>(|k| seeded(k as u64)),
            None,
        );
        assert!(four.iter().all(|o| o.as_ref().unwrap().updates == 300));
        let eight = lockstep(
            config,
            core::array::from_fn::<_, 8, _>(|k| seeded(10 + k as u64)),
            None,
        );
        assert!(eight.iter().all(|o| o.as_ref().unwrap().updates == 300));
    }
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (18 updates of 4 lanes: minutes; the lanes' kernels run under Miri in exact_bits)"
)]
#[test]
fn the_observer_stops_every_lane_after_the_same_update() {
    let config = TrainConfig::new(0.1, 300).tau(0.1).tau_decay(0.99);
    let outcomes = lockstep(
        config,
        core::array::from_fn::<_, 4, _>(|k| seeded(k as u64)),
        Some(17),
    );
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().updates == 18));
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (40 updates of 4 lanes: minutes; the lanes' kernels run under Miri in exact_bits)"
)]
#[test]
fn a_failing_lane_stops_alone_with_the_one_vector_error() {
    let config = TrainConfig::new(0.1, 40).tau(0.1).tau_decay(0.99);
    let mut policies: [Policy<f64>; 4] = core::array::from_fn(|k| seeded(k as u64));
    // Finite parameters whose logit in state 3 (weight plus bias) overflows:
    // the lane fails at its first evaluation, the others train on.
    policies[2].params_mut()[3 * 4 + 1] = f64::MAX;
    policies[2].params_mut()[26 * 4 + 1] = f64::MAX;
    let outcomes = lockstep(config, policies, None);
    assert_eq!(outcomes[2], Err(Error::LogitOverflow { state: 3 }));
    for k in [0, 1, 3] {
        assert_eq!(outcomes[k].unwrap().updates, 40);
    }
    // Every lane failing ends the run at once.
    let mut bad: [Policy<f64>; 4] = core::array::from_fn(|k| seeded(k as u64));
    for p in &mut bad {
        p.params_mut()[1] = f64::MAX;
        p.params_mut()[26 * 4 + 1] = f64::MAX;
    }
    let outcomes = lockstep(config, bad, None);
    assert!(
        outcomes
            .iter()
            .all(|o| *o == Err(Error::LogitOverflow { state: 0 }))
    );
}
