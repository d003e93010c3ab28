//! Replays episodes recorded from Gymnasium 1.4.0 on MuJoCo 3.17.0
//! (`tests/data/record_fixtures.py`) and requires every step to match bit
//! for bit: reward, terminated, truncated, and (observation, qpos, qvel),
//! through an FNV-1a hash of their bits at every step and in full at the
//! steps the fixture stores.

use policy_landscape::env::Env;
use policy_landscape_mujoco::{HalfCheetah, Hopper, Mujoco, Task, Walker2d};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    env: String,
    gymnasium: String,
    mujoco: String,
    thighs: Vec<usize>,
    episodes: Vec<Episode>,
}

#[derive(Deserialize)]
struct Episode {
    reset_seed: u64,
    action_seed: u64,
    kp: f64,
    kd: f64,
    kt: f64,
    scale: f64,
    qpos0: Vec<String>,
    qvel0: Vec<String>,
    obs0: Vec<String>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    reward: String,
    terminated: bool,
    truncated: bool,
    hash: String,
    obs: Option<Vec<String>>,
    qpos: Option<Vec<String>>,
    qvel: Option<Vec<String>>,
}

fn f(hex: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(hex, 16).expect("16 hex digits"))
}

fn fs(hex: &[String]) -> Vec<f64> {
    hex.iter().map(|h| f(h)).collect()
}

fn bits(xs: &[f64]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits()).collect()
}

/// The fixture script's SplitMix64.
struct SplitMix64(u64);

impl SplitMix64 {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
}

fn fnv1a(parts: &[&[f64]]) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for part in parts {
        for x in part.iter() {
            for b in x.to_bits().to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01B3);
            }
        }
    }
    format!("{h:016x}")
}

/// Replays every episode of `file`; returns (episodes, steps) checked.
fn replay<const O: usize, const A: usize>(task: Task, file: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture");
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture JSON");
    assert_eq!(fixture.env, task.gym_id());
    assert_eq!(fixture.gymnasium, "1.4.0");
    assert_eq!(fixture.mujoco, "3.17.0");
    let mut env = Mujoco::<O, A>::new(task).expect("model loads (run mujoco/setup.sh)");
    let mut steps = 0;
    for ep in &fixture.episodes {
        let label = format!("{} reset seed {} scale {}", task, ep.reset_seed, ep.scale);
        let obs0 = env
            .set_state(&fs(&ep.qpos0), &fs(&ep.qvel0))
            .expect("state");
        assert_eq!(
            bits(&obs0),
            bits(&fs(&ep.obs0)),
            "{label}: first observation"
        );
        let mut rng = SplitMix64(ep.action_seed);
        for (t, rec) in ep.steps.iter().enumerate() {
            let (qpos, qvel) = (env.qpos(), env.qvel());
            let mut a = [0.0; A];
            for (i, a) in a.iter_mut().enumerate() {
                *a = -(ep.kp * qpos[3 + i]) - (ep.kd * qvel[3 + i]);
            }
            for &j in &fixture.thighs {
                a[j] += ep.kt * qpos[2];
            }
            for a in a.iter_mut() {
                *a += ep.scale * (2.0 * rng.uniform() - 1.0);
            }
            let step = env
                .step(&a)
                .unwrap_or_else(|e| panic!("{label}, step {t}: {e}"));
            assert_eq!(
                step.reward.to_bits(),
                f(&rec.reward).to_bits(),
                "{label}, step {t}: reward {} vs Gymnasium's {}",
                step.reward,
                f(&rec.reward)
            );
            assert_eq!(
                step.terminated, rec.terminated,
                "{label}, step {t}: terminated"
            );
            assert_eq!(
                step.truncated, rec.truncated,
                "{label}, step {t}: truncated"
            );
            if let (Some(o), Some(q), Some(v)) = (&rec.obs, &rec.qpos, &rec.qvel) {
                assert_eq!(
                    bits(&step.observation),
                    bits(&fs(o)),
                    "{label}, step {t}: obs"
                );
                assert_eq!(bits(env.qpos()), bits(&fs(q)), "{label}, step {t}: qpos");
                assert_eq!(bits(env.qvel()), bits(&fs(v)), "{label}, step {t}: qvel");
            }
            assert_eq!(
                fnv1a(&[&step.observation, env.qpos(), env.qvel()]),
                rec.hash,
                "{label}, step {t}: hash of (obs, qpos, qvel)"
            );
            steps += 1;
        }
        let last = ep.steps.last().expect("steps");
        assert!(last.terminated || last.truncated, "{label}: episode ends");
    }
    (fixture.episodes.len(), steps)
}

#[test]
fn hopper_matches_gymnasium_bit_for_bit() {
    let (episodes, steps) = replay::<11, 3>(Task::Hopper, "hopper.json");
    assert_eq!((episodes, steps), (6, 2093));
}

#[test]
fn walker2d_matches_gymnasium_bit_for_bit() {
    let (episodes, steps) = replay::<17, 6>(Task::Walker2d, "walker2d.json");
    assert_eq!((episodes, steps), (6, 1157));
}

#[test]
fn half_cheetah_matches_gymnasium_bit_for_bit() {
    let (episodes, steps) = replay::<17, 6>(Task::HalfCheetah, "half_cheetah.json");
    assert_eq!((episodes, steps), (4, 4000));
}

#[test]
fn aliases_have_the_tasks_sizes() {
    assert!(Hopper::new(Task::Hopper).is_ok());
    assert!(Walker2d::new(Task::Walker2d).is_ok());
    assert!(HalfCheetah::new(Task::HalfCheetah).is_ok());
    // A type of the wrong size is an error, not a panic.
    let e = Hopper::new(Task::Walker2d).unwrap_err();
    assert!(e.to_string().contains("observation has 17"), "{e}");
}
