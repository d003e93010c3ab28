//! Bad input gives a clear error and changes nothing; resets are seeded.

use policy_landscape::env::Env;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape_mujoco::{Error, HalfCheetah, Hopper, Mujoco, Task, Walker2d};

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn state<const O: usize, const A: usize>(env: &Mujoco<O, A>) -> (Vec<u64>, Vec<u64>, usize) {
    (
        env.qpos().iter().map(|x| x.to_bits()).collect(),
        env.qvel().iter().map(|x| x.to_bits()).collect(),
        env.elapsed_steps(),
    )
}

#[test]
fn nan_and_huge_actions_are_errors_that_change_nothing() {
    let mut env = Hopper::new(Task::Hopper).unwrap();
    env.reset(&mut rng(1));
    env.step(&[0.1, 0.2, 0.3]).unwrap();
    let before = state(&env);
    assert_eq!(
        env.step(&[0.0, f64::NAN, 0.0]),
        Err(policy_landscape::Error::NonFinite {
            what: "action",
            index: 1
        })
    );
    assert_eq!(state(&env), before);
    assert!(matches!(
        env.step(&[f64::INFINITY, 0.0, 0.0]),
        Err(policy_landscape::Error::NonFinite { index: 0, .. })
    ));
    assert_eq!(state(&env), before);
    // 1e200² overflows the control cost: refused before stepping.
    let e = env.step(&[1e200, 0.0, 0.0]).unwrap_err();
    assert!(
        matches!(e, policy_landscape::Error::NumericalOverflow { .. }),
        "{e}"
    );
    assert_eq!(state(&env), before);
    // A large but finite action is Gymnasium's business: MuJoCo clamps the
    // control, the cost is charged on the action as given.
    let mut clamped = env.clone();
    let big = env.step(&[1e3, -1e3, 1e3]).unwrap();
    let edge = clamped.step(&[1.0, -1.0, 1.0]).unwrap();
    assert_eq!(big.observation, edge.observation);
    let cost = |a: f64| 1e-3 * (a * a + a * a + a * a);
    assert!(((edge.reward - big.reward) - (cost(1e3) - cost(1.0))).abs() < 1e-6);
}

#[test]
fn a_missing_model_names_the_setup_command() {
    let dir = std::env::temp_dir().join("policy-landscape-mujoco-no-models");
    std::fs::create_dir_all(&dir).unwrap();
    let e = Walker2d::from_dir(Task::Walker2d, &dir).unwrap_err();
    assert!(matches!(e, Error::ModelMissing { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("mujoco/setup.sh") && text.contains("walker2d_v5.xml"),
        "{text}"
    );
}

#[test]
fn a_model_that_does_not_parse_is_an_error() {
    let dir = std::env::temp_dir().join("policy-landscape-mujoco-bad-model");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hopper.xml"), "<mujoco><worldbody><body>").unwrap();
    let e = Hopper::from_dir(Task::Hopper, &dir).unwrap_err();
    assert!(matches!(e, Error::ModelInvalid { .. }), "{e:?}");
}

#[test]
fn the_type_must_fit_the_task() {
    let e = Hopper::new(Task::HalfCheetah).unwrap_err();
    assert_eq!(
        e,
        Error::Shape {
            what: "observation",
            model: 17,
            requested: 11
        }
    );
    assert!(matches!(
        Mujoco::<11, 6>::new(Task::Hopper),
        Err(Error::Shape { what: "action", .. })
    ));
}

#[test]
fn set_state_checks_its_input_and_changes_nothing_on_error() {
    let mut env = HalfCheetah::new(Task::HalfCheetah).unwrap();
    env.reset(&mut rng(2));
    env.step(&[0.5; 6]).unwrap();
    let before = state(&env);
    let (q, v) = (env.qpos().to_vec(), env.qvel().to_vec());
    assert!(env.set_state(&q[1..], &v).is_err());
    let mut bad = v.clone();
    bad[4] = f64::NAN;
    let e = env.set_state(&q, &bad).unwrap_err();
    assert_eq!(
        e,
        Error::Core(policy_landscape::Error::NonFinite {
            what: "qvel",
            index: 4
        })
    );
    assert_eq!(state(&env), before);
    // A valid state restarts the episode there.
    let obs = env.set_state(&q, &v).unwrap();
    assert_eq!(env.elapsed_steps(), 0);
    assert_eq!(obs[..8], q[1..]);
    assert_eq!(obs[8..], v[..]);
}

#[test]
fn resets_are_seeded_and_within_gymnasiums_noise() {
    let mut a = Hopper::new(Task::Hopper).unwrap();
    let mut b = a.clone();
    let oa = a.reset(&mut rng(5));
    let ob = b.reset(&mut rng(5));
    assert_eq!(oa.map(f64::to_bits), ob.map(f64::to_bits));
    let oc = b.reset(&mut rng(6));
    assert_ne!(oa, oc);
    // qpos0 + U(-5e-3, 5e-3), qvel U(-5e-3, 5e-3).
    let qpos0 = [0.0, 1.25, 0.0, 0.0, 0.0, 0.0];
    for seed in 0..50 {
        a.reset(&mut rng(seed));
        for (q, q0) in a.qpos().iter().zip(qpos0) {
            assert!((q - q0).abs() <= 5e-3, "{q} vs {q0}");
        }
        assert!(a.qvel().iter().all(|v| v.abs() <= 5e-3));
    }
    // HalfCheetah: qvel = 0.1 N(0, 1): sample sd of 50 resets x 9 numbers
    // within 10 % of 0.1 (fixed seeds: deterministic).
    let mut c = HalfCheetah::new(Task::HalfCheetah).unwrap();
    let mut all = Vec::new();
    for seed in 0..50 {
        c.reset(&mut rng(seed));
        all.extend_from_slice(c.qvel());
    }
    let n = all.len() as f64;
    let mean = all.iter().sum::<f64>() / n;
    let sd = (all.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((sd - 0.1).abs() < 0.01, "sd {sd}");
    assert!(mean.abs() < 0.02, "mean {mean}");
}

#[test]
fn the_time_limit_truncates_and_can_be_changed() {
    let mut env = HalfCheetah::new(Task::HalfCheetah)
        .unwrap()
        .with_max_episode_steps(3)
        .unwrap();
    env.reset(&mut rng(0));
    let flags: Vec<bool> = (0..4)
        .map(|_| env.step(&[0.0; 6]).unwrap().truncated)
        .collect();
    assert_eq!(flags, [false, false, true, true]);
    assert!(
        HalfCheetah::new(Task::HalfCheetah)
            .unwrap()
            .with_max_episode_steps(0)
            .is_err()
    );
    assert_eq!(Hopper::new(Task::Hopper).unwrap().max_episode_steps(), 1000);
    // dt = 0.002 · 4 (Hopper) and 0.01 · 5 (HalfCheetah), Gymnasium's.
    assert_eq!(Hopper::new(Task::Hopper).unwrap().dt(), 0.002 * 4.0);
    assert_eq!(env.dt(), 0.01 * 5.0);
}

#[test]
fn tasks_parse_from_names_and_gym_ids() {
    for t in Task::ALL {
        assert_eq!(Task::parse(t.name()), Some(t));
        assert_eq!(Task::parse(t.gym_id()), Some(t));
    }
    assert_eq!(Task::parse("HalfCheetah"), Some(Task::HalfCheetah));
    assert_eq!(Task::parse("ant"), None);
}

#[test]
fn any_action_steps_or_errs_without_changing_anything() {
    // 600 actions mixing ordinary, out-of-range, huge, infinite and NaN
    // entries: each step either succeeds with finite outputs or is an
    // error that leaves the state as it was.
    use policy_landscape::rand_xoshiro::rand_core::Rng;
    let specials = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        3.5,
        1e10,
        -1e150,
        1e160,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    let mut r = rng(11);
    let mut env = Walker2d::new(Task::Walker2d).unwrap();
    env.reset(&mut r);
    let (mut ok, mut err) = (0, 0);
    for _ in 0..600 {
        let mut a = [0.0; 6];
        for x in a.iter_mut() {
            let k = (r.next_u64() % 20) as usize;
            *x = specials
                .get(k)
                .copied()
                .unwrap_or_else(|| (r.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0);
        }
        let before = state(&env);
        match env.step(&a) {
            Ok(t) => {
                ok += 1;
                assert!(t.reward.is_finite() && t.observation.iter().all(|x| x.is_finite()));
                if t.terminated || t.truncated {
                    env.reset(&mut r);
                }
            }
            Err(_) => {
                err += 1;
                assert_eq!(state(&env), before, "{a:?}");
            }
        }
    }
    assert!(ok > 100 && err > 100, "ok {ok}, err {err}");
}
