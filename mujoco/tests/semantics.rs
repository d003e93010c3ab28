//! The parts of the v5 semantics the recorded episodes do not reach:
//! Hopper's height and state-range terminations, Hopper's velocity clip,
//! a reset that forgets the previous episode, the reset noise's spread,
//! and MuJoCo's own instability resets.

use policy_landscape::env::Env;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape_mujoco::{HalfCheetah, Hopper, Task, Walker2d};

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Hopper's initial state (qpos0, zero velocities) with some entries set.
fn hopper_at(qpos: &[(usize, f64)], qvel: &[(usize, f64)]) -> Hopper {
    let mut env = Hopper::new(Task::Hopper).unwrap();
    let (mut q, mut v) = (env.qpos().to_vec(), env.qvel().to_vec());
    for &(i, x) in qpos {
        q[i] = x;
    }
    for &(i, x) in qvel {
        v[i] = x;
    }
    env.set_state(&q, &v).unwrap();
    env
}

#[test]
fn hopper_is_unhealthy_below_height_0_7_and_outside_the_state_range() {
    assert!(hopper_at(&[], &[]).is_healthy());
    // Height z = qpos[1]: (0.7, inf).
    assert!(!hopper_at(&[(1, 0.69)], &[]).is_healthy());
    assert!(hopper_at(&[(1, 0.71)], &[]).is_healthy());
    // Angle qpos[2]: (-0.2, 0.2), open.
    assert!(!hopper_at(&[(2, 0.2)], &[]).is_healthy());
    assert!(hopper_at(&[(2, 0.199)], &[]).is_healthy());
    // State range (-100, 100) on qpos[2..] and qvel, open.
    assert!(!hopper_at(&[], &[(4, 150.0)]).is_healthy());
    assert!(!hopper_at(&[], &[(0, -100.0)]).is_healthy());
    assert!(hopper_at(&[], &[(0, -99.0)]).is_healthy());
    assert!(!hopper_at(&[(5, 100.0)], &[]).is_healthy());
    // Walker2d has no state range and a height range of (0.8, 2).
    let mut walker = Walker2d::new(Task::Walker2d).unwrap();
    let (mut q, mut v) = (walker.qpos().to_vec(), walker.qvel().to_vec());
    v[4] = 150.0;
    walker.set_state(&q, &v).unwrap();
    assert!(walker.is_healthy());
    q[1] = 2.0;
    walker.set_state(&q, &v).unwrap();
    assert!(!walker.is_healthy());
    // A step terminates exactly when the state after it is unhealthy, and
    // an unhealthy step earns no healthy reward.
    let mut fast = hopper_at(&[], &[(4, 150.0)]);
    let step = fast.step(&[0.0; 3]).unwrap();
    assert_eq!(step.terminated, !fast.is_healthy());
    let mut env = hopper_at(&[], &[]);
    let step = env.step(&[0.0; 3]).unwrap();
    assert!(!step.terminated && env.is_healthy());
    let x_velocity = (env.qpos()[0] - 0.0) / env.dt();
    assert_eq!(step.reward, (x_velocity + 1.0) - 0.0);
}

#[test]
fn hopper_clips_observed_velocities_to_10_and_halfcheetah_does_not() {
    let mut env = Hopper::new(Task::Hopper).unwrap();
    let q = env.qpos().to_vec();
    let v = [20.0, -30.0, 5.0, 0.0, 11.0, -10.5];
    let obs = env.set_state(&q, &v).unwrap();
    assert_eq!(obs[5..], [10.0, -10.0, 5.0, 0.0, 10.0, -10.0]);
    let mut cheetah = HalfCheetah::new(Task::HalfCheetah).unwrap();
    let q = cheetah.qpos().to_vec();
    let mut v = vec![0.0; 9];
    v[0] = 20.0;
    v[8] = -30.0;
    let obs = cheetah.set_state(&q, &v).unwrap();
    assert_eq!((obs[8], obs[16]), (20.0, -30.0));
}

#[test]
fn a_reset_forgets_the_previous_episode() {
    // Stepping a fresh environment from the state a reset drew equals
    // stepping an environment that ran another episode first.
    let mut used = Walker2d::new(Task::Walker2d).unwrap();
    used.reset(&mut rng(1));
    for _ in 0..30 {
        used.step(&[0.7, -0.3, 0.2, 0.9, -0.8, 0.1]).unwrap();
    }
    let first = used.reset(&mut rng(2));
    let mut fresh = Walker2d::new(Task::Walker2d).unwrap();
    let first_fresh = fresh.set_state(used.qpos(), used.qvel()).unwrap();
    assert_eq!(first.map(f64::to_bits), first_fresh.map(f64::to_bits));
    assert_eq!(used.elapsed_steps(), 0);
    for t in 0..40 {
        let a = [0.5, -0.5, 0.25, -0.25, 0.125, -0.125].map(|x| x * (t % 3) as f64);
        let (x, y) = (used.step(&a).unwrap(), fresh.step(&a).unwrap());
        assert_eq!(
            x.observation.map(f64::to_bits),
            y.observation.map(f64::to_bits)
        );
        assert_eq!(x.reward.to_bits(), y.reward.to_bits());
    }
}

#[test]
fn reset_noise_has_gymnasiums_spread() {
    // U(-s, s) has sd s/√3; 400 resets x 6 positions, fixed seeds.
    let mut hopper = Hopper::new(Task::Hopper).unwrap();
    let qpos0 = hopper.qpos().to_vec();
    let mut noise = Vec::new();
    for seed in 0..400 {
        hopper.reset(&mut rng(seed));
        noise.extend(hopper.qpos().iter().zip(&qpos0).map(|(q, q0)| q - q0));
    }
    let sd = (noise.iter().map(|x| x * x).sum::<f64>() / noise.len() as f64).sqrt();
    let expected = 5e-3 / 3f64.sqrt();
    assert!((sd / expected - 1.0).abs() < 0.05, "sd {sd} vs {expected}");
    assert!(noise.iter().all(|x| x.abs() <= 5e-3));
    // HalfCheetah's positions: U(-0.1, 0.1).
    let mut cheetah = HalfCheetah::new(Task::HalfCheetah).unwrap();
    let qpos0 = cheetah.qpos().to_vec();
    let mut noise = Vec::new();
    for seed in 0..400 {
        cheetah.reset(&mut rng(seed));
        noise.extend(cheetah.qpos().iter().zip(&qpos0).map(|(q, q0)| q - q0));
    }
    let sd = (noise.iter().map(|x| x * x).sum::<f64>() / noise.len() as f64).sqrt();
    let expected = 0.1 / 3f64.sqrt();
    assert!((sd / expected - 1.0).abs() < 0.05, "sd {sd} vs {expected}");
    assert!(noise.iter().all(|x| x.abs() <= 0.1));
}

#[test]
fn mujocos_own_instability_reset_is_an_error_each_time() {
    // A velocity beyond MuJoCo's limit (1e10): mj_step warns and resets the
    // state itself. The step says so instead of returning that state.
    let mut env = hopper_at(&[], &[(3, 1e11)]);
    let e = env.step(&[0.0; 3]).unwrap_err();
    assert!(
        matches!(e, policy_landscape::Error::NumericalOverflow { .. }),
        "{e}"
    );
    // Again without a reset in between: still detected (the counters are
    // compared one by one).
    let q = env.qpos().to_vec();
    let mut v = env.qvel().to_vec();
    v[3] = 1e11;
    env.set_state(&q, &v).unwrap();
    assert!(env.step(&[0.0; 3]).is_err());
    // A huge but finite control is clamped to ctrlrange by MuJoCo and is
    // not an error, as under Gymnasium; the cost is charged on the action
    // given.
    let mut ctrl = hopper_at(&[], &[]);
    let mut edge = ctrl.clone();
    let big = ctrl.step(&[1e11, 0.0, 0.0]).unwrap();
    let one = edge.step(&[1.0, 0.0, 0.0]).unwrap();
    assert_eq!(big.observation, one.observation);
    assert_eq!((one.reward + 1e-3) - big.reward, 1e-3 * 1e22);
}
