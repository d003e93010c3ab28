//! The Gymnasium ports (`Pendulum`, `MountainCarContinuous`) against
//! transitions recorded from Gymnasium 1.4.0 itself
//! (`tests/data/gym_fixtures.py` → `tests/data/gym_*.json`), bit for bit where
//! the elementary functions agree; plus reset distributions, the float32
//! observations and the error cases.
//!
//! Run with `--nocapture` to see the bit-exactness counts.

use policy_landscape::Error;
use policy_landscape::env::{Env, MountainCarContinuous, Pendulum};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use rand_core::{Infallible, SeedableRng, TryRng};
use serde::Deserialize;

// ------------------------------------------------------------ fixtures

#[derive(Deserialize, Debug)]
struct Fixture {
    meta: serde_json::Value,
    max_episode_steps: usize,
    episodes: Vec<Episode>,
    resets: Vec<Reset>,
}

#[derive(Deserialize, Debug)]
struct Episode {
    name: String,
    #[serde(default)]
    g: Option<String>,
    reset: Reset,
    steps: Vec<Step>,
}

#[derive(Deserialize, Debug)]
struct Reset {
    seed: u64,
    raw_u64: Vec<String>,
    state: Vec<String>,
    state_dtype: String,
    observation: Vec<String>,
}

#[derive(Deserialize, Debug)]
struct Step {
    state: Vec<String>,
    state_dtype: String,
    action: String,
    action_dtype: String,
    next_state: Vec<String>,
    next_state_dtype: String,
    observation: Vec<String>,
    reward: String,
    terminated: bool,
    truncated: bool,
    elapsed_steps: usize,
}

fn fixture(text: &str) -> Fixture {
    let f: Fixture = serde_json::from_str(text).expect("fixture parses");
    assert_eq!(f.meta["gymnasium"], "1.4.0");
    f
}

fn f64_hex(s: &str) -> f64 {
    assert_eq!(s.len(), 16, "{s}");
    f64::from_bits(u64::from_str_radix(s, 16).expect("hex"))
}

fn f32_hex(s: &str) -> f32 {
    assert_eq!(s.len(), 8, "{s}");
    f32::from_bits(u32::from_str_radix(s, 16).expect("hex"))
}

fn pair(v: &[String]) -> [f64; 2] {
    [f64_hex(&v[0]), f64_hex(&v[1])]
}

fn f32s<const N: usize>(v: &[String]) -> [f32; N] {
    assert_eq!(v.len(), N);
    core::array::from_fn(|i| f32_hex(&v[i]))
}

/// Replays recorded raw generator outputs (numpy's PCG64 words).
struct Replay(Vec<u64>);

impl Replay {
    fn new(raw: &[String]) -> Self {
        let mut words: Vec<u64> = raw
            .iter()
            .map(|s| u64::from_str_radix(s, 16).unwrap())
            .collect();
        words.reverse();
        Replay(words)
    }
}

impl TryRng for Replay {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unreachable!("the resets draw 64-bit words")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0.pop().expect("enough recorded words"))
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Infallible> {
        unreachable!()
    }
}

/// Distance in units in the last place (same sign assumed; 0 for equal bits).
fn ulps64(a: f64, b: f64) -> u64 {
    if a.to_bits() == b.to_bits() {
        return 0;
    }
    (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
}

fn ulps32(a: f32, b: f32) -> u64 {
    if a.to_bits() == b.to_bits() {
        return 0;
    }
    u64::from((a.to_bits() as i32 - b.to_bits() as i32).unsigned_abs())
}

/// Counts of exact and inexact transitions.
#[derive(Default, Debug)]
struct Tally {
    transitions: usize,
    exact: usize,
    obs_exact: usize,
    reward_exact: usize,
    state_exact: usize,
    /// Sequential steps whose pre-state our own previous step reproduced
    /// bit for bit.
    chained: usize,
    chained_exact: usize,
    max_obs_ulps: u64,
    max_state_abs: f64,
    max_reward_abs: f64,
}

impl Tally {
    fn record(&mut self, obs_ulps: u64, state_diff: f64, reward_diff: f64) {
        self.transitions += 1;
        self.obs_exact += usize::from(obs_ulps == 0);
        self.state_exact += usize::from(state_diff == 0.0);
        self.reward_exact += usize::from(reward_diff == 0.0);
        self.exact += usize::from(obs_ulps == 0 && state_diff == 0.0 && reward_diff == 0.0);
        self.max_obs_ulps = self.max_obs_ulps.max(obs_ulps);
        self.max_state_abs = self.max_state_abs.max(state_diff);
        self.max_reward_abs = self.max_reward_abs.max(reward_diff);
    }
}

fn diff(a: f64, b: f64) -> f64 {
    if a.to_bits() == b.to_bits() {
        0.0
    } else {
        (a - b).abs()
    }
}

// ------------------------------------------------------------ Pendulum

const PENDULUM: &str = include_str!("data/gym_pendulum.json");
const MOUNTAIN_CAR: &str = include_str!("data/gym_mountain_car.json");

fn check_pendulum_reset(r: &Reset) {
    let mut env = Pendulum::new();
    let mut rng = Replay::new(&r.raw_u64);
    assert_eq!(r.state_dtype, "float64");
    let obs: [f64; 3] = env.reset(&mut rng);
    assert_eq!(
        env.state().map(f64::to_bits),
        pair(&r.state).map(f64::to_bits),
        "seed {}",
        r.seed
    );
    let want: [f32; 3] = f32s(&r.observation);
    // cos/sin of the reset angle: libm against glibc.
    for i in 0..3 {
        assert!(
            ulps32(obs[i] as f32, want[i]) <= 1,
            "seed {} obs {i}",
            r.seed
        );
    }
    assert_eq!(env.elapsed_steps(), 0);
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (parsing the 226 KB Gymnasium fixture)"
)]
#[test]
fn pendulum_resets_match_gymnasium_given_the_same_bits() {
    let f = fixture(PENDULUM);
    assert_eq!(f.max_episode_steps, Pendulum::MAX_EPISODE_STEPS);
    for r in f.resets.iter().chain(f.episodes.iter().map(|e| &e.reset)) {
        check_pendulum_reset(r);
    }
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (replaying the 226 KB Gymnasium fixture)"
)]
#[test]
fn pendulum_replays_gymnasium() {
    let f = fixture(PENDULUM);
    let mut tally = Tally::default();
    let (mut f32_actions, mut f64_actions) = (0, 0);
    for ep in &f.episodes {
        let g = f64_hex(ep.g.as_deref().expect("g recorded"));
        let mut env = Pendulum::with_gravity(g).unwrap();
        env.reset(&mut Replay::new(&ep.reset.raw_u64)) as [f64; 3];
        let mut previous_exact = true;
        for (i, s) in ep.steps.iter().enumerate() {
            let ctx = format!("{} step {i}", ep.name);
            assert_eq!(s.state_dtype, "float64", "{ctx}");
            assert_eq!(s.next_state_dtype, "float64", "{ctx}");
            let pre = pair(&s.state);
            if env.state().map(f64::to_bits) == pre.map(f64::to_bits) {
                tally.chained += 1;
                tally.chained_exact += usize::from(previous_exact);
            }
            env.set_state(pre).unwrap();
            let action = f64_hex(&s.action);
            let t = match s.action_dtype.as_str() {
                "float32" => {
                    f32_actions += 1;
                    assert_eq!(action as f32 as f64, action);
                    env.step_f32_action(action as f32).unwrap()
                }
                "float64" => {
                    f64_actions += 1;
                    env.step(&[action]).unwrap()
                }
                other => panic!("{other}"),
            };
            // The flags and the counter are exact, always.
            assert!(!t.terminated, "{ctx}");
            assert_eq!(t.truncated, s.truncated, "{ctx}");
            assert!(!s.terminated);
            assert_eq!(env.elapsed_steps(), s.elapsed_steps, "{ctx}");
            let want_obs: [f32; 3] = f32s(&s.observation);
            let obs_ulps = (0..3)
                .map(|k| ulps32(t.observation[k] as f32, want_obs[k]))
                .max()
                .unwrap();
            let next = pair(&s.next_state);
            let got = env.state();
            let state_diff = diff(got[0], next[0]).max(diff(got[1], next[1]));
            let reward_diff = diff(t.reward, f64_hex(&s.reward));
            // Tolerances (only where sin/cos/pow differ; see the module docs):
            // observations 1 float32 ULP; the state by the few float64 ULPs
            // a 1-ULP sine moves θ̇ and θ; the reward by one ULP of a
            // squared term, in float32 for the torque cost of a float32
            // action (0.001 · ulp_f32(4) < 1e-9).
            assert!(obs_ulps <= 1, "{ctx}: {:?} vs {want_obs:?}", t.observation);
            assert!(state_diff <= 1e-14, "{ctx}: {got:?} vs {next:?}");
            assert!(
                reward_diff <= 1e-9,
                "{ctx}: {} vs {}",
                t.reward,
                f64_hex(&s.reward)
            );
            if s.action_dtype == "float64" {
                assert!(ulps64(t.reward, f64_hex(&s.reward)) <= 2, "{ctx}");
            }
            previous_exact = obs_ulps == 0 && state_diff == 0.0 && reward_diff == 0.0;
            tally.record(obs_ulps, state_diff, reward_diff);
        }
    }
    println!("Pendulum: {tally:#?}; float32 actions {f32_actions}, float64 actions {f64_actions}");
    assert!(tally.transitions > 600);
    // Measured with the default `libm` backend: 624 of 629 bit-exact; the
    // other 5 differ only in the float64 state, by one ULP of sin θ moving
    // θ̇ (libm's sin/cos disagree with glibc's on 18 and 12 of the 629
    // angles). With `--no-default-features --features std` on x86-64 glibc
    // (numpy's own sin/cos there) all 629 are bit-exact. Demand 97 %.
    assert!(tally.exact * 100 >= tally.transitions * 97, "{tally:?}");
}

#[test]
fn pendulum_truncates_at_exactly_200_and_stays_truncated() {
    let mut env = Pendulum::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    Env::<f64, 3, 1>::reset(&mut env, &mut rng);
    for k in 1..=205 {
        let t = env.step(&[0.5_f64]).unwrap();
        assert_eq!(t.truncated, k >= 200, "step {k}");
        assert!(!t.terminated);
        assert_eq!(env.elapsed_steps(), k);
    }
    Env::<f32, 3, 1>::reset(&mut env, &mut rng);
    assert_eq!(env.elapsed_steps(), 0);
    // set_state leaves the counter alone.
    env.step(&[0.0_f32]).unwrap();
    env.set_state([1.0, 1.0]).unwrap();
    assert_eq!(env.elapsed_steps(), 1);
}

#[cfg_attr(miri, ignore = "too slow under Miri (40 000 resets)")]
#[test]
fn pendulum_reset_distribution() {
    let mut env = Pendulum::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let n = 40_000;
    let (mut s_th, mut s_dot, mut s_th2, mut s_dot2) = (0.0, 0.0, 0.0, 0.0);
    for _ in 0..n {
        let obs: [f64; 3] = env.reset(&mut rng);
        let [th, dot] = env.state();
        assert!((-core::f64::consts::PI..core::f64::consts::PI).contains(&th));
        assert!((-1.0..1.0).contains(&dot));
        assert_eq!(obs[2], dot as f32 as f64);
        assert_eq!(env.elapsed_steps(), 0);
        s_th += th;
        s_dot += dot;
        s_th2 += th * th;
        s_dot2 += dot * dot;
    }
    let n = n as f64;
    let pi2 = core::f64::consts::PI * core::f64::consts::PI;
    // Uniform on [-a, a): mean 0, variance a²/3; the mean's standard
    // error is a/√(3n). Four standard errors.
    let se_th = (pi2 / 3.0 / n).sqrt();
    let se_dot = (1.0 / 3.0 / n).sqrt();
    assert!((s_th / n).abs() < 4.0 * se_th, "{}", s_th / n);
    assert!((s_dot / n).abs() < 4.0 * se_dot, "{}", s_dot / n);
    // E[x²] = a²/3 with variance a⁴(1/5 − 1/9) per draw.
    let se_th2 = (pi2 * pi2 * (1.0 / 5.0 - 1.0 / 9.0) / n).sqrt();
    let se_dot2 = ((1.0 / 5.0 - 1.0 / 9.0) / n).sqrt();
    assert!((s_th2 / n - pi2 / 3.0).abs() < 4.0 * se_th2);
    assert!((s_dot2 / n - 1.0 / 3.0).abs() < 4.0 * se_dot2);
}

#[test]
fn pendulum_f32_and_f64_resets_draw_the_same_state() {
    let mut a = Pendulum::new();
    let mut b = Pendulum::new();
    let o64: [f64; 3] = a.reset(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    let o32: [f32; 3] = b.reset(&mut Xoshiro256PlusPlus::seed_from_u64(5));
    assert_eq!(a, b);
    assert_eq!(o64, o32.map(f64::from));
}

#[test]
fn pendulum_observations_are_float32_and_bounded() {
    let mut env = Pendulum::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut action_rng = Xoshiro256PlusPlus::seed_from_u64(10);
    for _ in 0..5 {
        let obs: [f64; 3] = env.reset(&mut rng);
        assert!(obs.iter().all(|&x| x as f32 as f64 == x));
        loop {
            let u = (rand_core::Rng::next_u64(&mut action_rng) >> 11) as f64 / (1u64 << 53) as f64;
            let t = env.step(&[8.0 * u - 4.0]).unwrap();
            assert!(t.observation.iter().all(|&x| x as f32 as f64 == x));
            assert!(t.observation[0].abs() <= 1.0 && t.observation[1].abs() <= 1.0);
            assert!(t.observation[2].abs() <= 8.0);
            // Reward bounds from the Gymnasium docs: [-16.2736044, 0].
            assert!((-16.2736045..=0.0).contains(&t.reward));
            if t.truncated {
                break;
            }
        }
    }
}

#[test]
fn pendulum_errors_leave_the_env_unchanged() {
    let mut env = Pendulum::new();
    Env::<f64, 3, 1>::reset(&mut env, &mut Xoshiro256PlusPlus::seed_from_u64(1));
    env.step(&[1.0_f64]).unwrap();
    let before = env.clone();
    let nonfinite = Error::NonFinite {
        what: "action",
        index: 0,
    };
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(env.step(&[bad]), Err(nonfinite));
        assert_eq!(env.step(&[bad as f32]), Err(nonfinite));
        assert_eq!(env.step_f32_action(bad as f32), Err(nonfinite));
        assert_eq!(env, before);
        assert_eq!(
            env.set_state([bad, 0.0]),
            Err(Error::NonFinite {
                what: "state",
                index: 0
            })
        );
        assert_eq!(
            env.set_state([0.0, bad]),
            Err(Error::NonFinite {
                what: "state",
                index: 1
            })
        );
        assert_eq!(env, before);
        assert_eq!(
            Pendulum::with_gravity(bad),
            Err(Error::InvalidParameter {
                what: "g",
                rule: "be finite and non-negative"
            })
        );
    }
    assert_eq!(
        Pendulum::with_gravity(-1.0),
        Err(Error::InvalidParameter {
            what: "g",
            rule: "be finite and non-negative"
        })
    );
    assert_eq!(Pendulum::with_gravity(0.0).unwrap().gravity(), 0.0);
    // A set state whose cost overflows: an error, not an infinite reward.
    env.set_state([0.0, 1e200]).unwrap();
    let before = env.clone();
    assert!(matches!(
        env.step(&[0.0_f64]),
        Err(Error::NumericalOverflow { .. })
    ));
    assert_eq!(env, before);
    // Huge but finite torques are clipped (the fixture has ±1e30 too).
    env.set_state([0.0, 0.0]).unwrap();
    let t = env.step(&[f64::MAX]).unwrap();
    assert_eq!(env.state()[1], 2.0 * 3.0 * 0.05);
    assert_eq!(t.reward, -(0.0 + 0.1 * 0.0 + 0.001 * 4.0));
}

#[test]
fn pendulum_angle_wrap_and_speed_limit() {
    let pi = core::f64::consts::PI;
    let mut env = Pendulum::new();
    // norm(π) = −π, norm(−π) = −π: both cost π².
    for th in [pi, -pi, 3.0 * pi, -3.0 * pi] {
        env.set_state([th, 0.0]).unwrap();
        let t = env.step(&[0.0_f64]).unwrap();
        let an = ((th + pi) % (2.0 * pi) + 2.0 * pi) % (2.0 * pi) - pi;
        assert!((t.reward + an * an).abs() < 1e-12, "{th}");
    }
    // θ is not wrapped in the state.
    env.set_state([100.0, 0.0]).unwrap();
    env.step(&[0.0_f64]).unwrap();
    assert!(env.state()[0] > 99.0);
    // The speed is clipped to ±8 before θ moves.
    env.set_state([pi / 2.0, 7.9]).unwrap();
    env.step(&[2.0_f64]).unwrap();
    assert_eq!(env.state(), [pi / 2.0 + 8.0 * 0.05, 8.0]);
}

// ------------------------------------------------ MountainCarContinuous

fn set_car_state(env: &mut MountainCarContinuous, state: [f64; 2], dtype: &str) {
    match dtype {
        "float32" => {
            let s = [state[0] as f32, state[1] as f32];
            assert_eq!(s.map(f64::from), state);
            env.set_state_f32(s).unwrap();
            assert!(env.state_is_f32());
        }
        "float64" => {
            env.set_state(state).unwrap();
            assert!(!env.state_is_f32());
        }
        other => panic!("{other}"),
    }
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (parsing the 489 KB Gymnasium fixture)"
)]
#[test]
fn mountain_car_resets_match_gymnasium_given_the_same_bits() {
    let f = fixture(MOUNTAIN_CAR);
    assert_eq!(
        f.max_episode_steps,
        MountainCarContinuous::MAX_EPISODE_STEPS
    );
    for r in f.resets.iter().chain(f.episodes.iter().map(|e| &e.reset)) {
        let mut env = MountainCarContinuous::new();
        let obs: [f32; 2] = env.reset(&mut Replay::new(&r.raw_u64));
        assert_eq!(r.state_dtype, "float64");
        assert!(!env.state_is_f32());
        assert_eq!(
            env.state().map(f64::to_bits),
            pair(&r.state).map(f64::to_bits),
            "seed {}",
            r.seed
        );
        assert_eq!(
            obs.map(f32::to_bits),
            f32s::<2>(&r.observation).map(f32::to_bits)
        );
    }
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (replaying the 489 KB Gymnasium fixture)"
)]
#[test]
fn mountain_car_replays_gymnasium() {
    let f = fixture(MOUNTAIN_CAR);
    let mut tally = Tally::default();
    let (mut goals, mut walls, mut truncations, mut speed_clips) = (0, 0, 0, 0);
    for ep in &f.episodes {
        let mut env = MountainCarContinuous::new();
        let _: [f64; 2] = env.reset(&mut Replay::new(&ep.reset.raw_u64));
        let mut previous_exact = true;
        for (i, s) in ep.steps.iter().enumerate() {
            let ctx = format!("{} step {i}", ep.name);
            let pre = pair(&s.state);
            let carried = env.state().map(f64::to_bits) == pre.map(f64::to_bits)
                && env.state_is_f32() == (s.state_dtype == "float32");
            if carried {
                tally.chained += 1;
                tally.chained_exact += usize::from(previous_exact);
            }
            set_car_state(&mut env, pre, &s.state_dtype);
            let action = f64_hex(&s.action);
            let t = match s.action_dtype.as_str() {
                "float32" => {
                    assert_eq!(action as f32 as f64, action);
                    env.step_f32_action(action as f32).unwrap()
                }
                "float64" => env.step(&[action]).unwrap(),
                other => panic!("{other}"),
            };
            assert_eq!(s.next_state_dtype, "float32");
            assert!(env.state_is_f32());
            assert_eq!(t.terminated, s.terminated, "{ctx}");
            assert_eq!(t.truncated, s.truncated, "{ctx}");
            assert_eq!(env.elapsed_steps(), s.elapsed_steps, "{ctx}");
            let want_obs: [f32; 2] = f32s(&s.observation);
            let obs_ulps = (0..2)
                .map(|k| ulps32(t.observation[k] as f32, want_obs[k]))
                .max()
                .unwrap();
            let next = pair(&s.next_state);
            let got = env.state();
            let state_diff = diff(got[0], next[0]).max(diff(got[1], next[1]));
            let reward_diff = diff(t.reward, f64_hex(&s.reward));
            assert!(obs_ulps <= 1, "{ctx}: {:?} vs {want_obs:?}", t.observation);
            assert!(ulps64(t.reward, f64_hex(&s.reward)) <= 1, "{ctx}");
            previous_exact = obs_ulps == 0 && state_diff == 0.0 && reward_diff == 0.0;
            tally.record(obs_ulps, state_diff, reward_diff);
            goals += usize::from(t.terminated);
            truncations += usize::from(t.truncated);
            walls += usize::from(t.observation == [-1.2_f32 as f64, 0.0] && pre[1] < 0.0);
            speed_clips += usize::from(t.observation[1].abs() == 0.07_f32 as f64);
        }
    }
    println!(
        "MountainCarContinuous: {tally:#?}; goals {goals}, left-wall hits {walls}, \
         truncations {truncations}, speed clips {speed_clips}"
    );
    assert!(goals >= 3 && walls >= 3 && truncations >= 1 && speed_clips >= 2);
    assert!(tally.exact * 100 >= tally.transitions * 99, "{tally:?}");
}

#[test]
fn mountain_car_truncates_at_exactly_999() {
    let mut env = MountainCarContinuous::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let _: [f32; 2] = env.reset(&mut rng);
    for k in 1..=1001 {
        // Zero force never reaches the goal.
        let t = env.step(&[0.0_f32]).unwrap();
        assert!(!t.terminated);
        assert_eq!(t.truncated, k >= 999, "step {k}");
        assert_eq!(t.reward, 0.0);
        assert_eq!(env.elapsed_steps(), k);
    }
}

#[test]
fn mountain_car_goal_wall_and_unclipped_reward() {
    let mut env = MountainCarContinuous::new();
    // Reaching the goal: +100 minus 0.1·a² of the raw action.
    env.set_state_f32([0.44, 0.02]).unwrap();
    let t = env.step(&[3.0_f64]).unwrap();
    assert!(t.terminated);
    assert_eq!(t.reward, 100.0 - 3.0 * 3.0 * 0.1);
    // The goal needs a non-negative velocity.
    env.set_state_f32([0.5, -0.01]).unwrap();
    let t = env.step(&[-1.0_f32]).unwrap();
    assert!(!t.terminated && t.observation[0] < 0.5);
    // The left wall stops the car.
    env.set_state([-1.19, -0.05]).unwrap();
    let t = env.step(&[-1.0_f64]).unwrap();
    assert_eq!(t.observation, [-1.2_f32 as f64, 0.0]);
    // At the wall with a positive velocity nothing is zeroed.
    env.set_state_f32([-1.2, 0.0]).unwrap();
    let t = env.step(&[1.0_f32]).unwrap();
    assert!(t.observation[1] > 0.0);
    // The right bound clips the position but keeps the speed.
    env.set_state_f32([0.6, 0.07]).unwrap();
    let t = env.step_f32_action(1.0).unwrap();
    assert_eq!(t.observation, [0.6_f32 as f64, 0.07_f32 as f64]);
    assert!(t.terminated);
}

#[test]
fn mountain_car_state_dtype_matters() {
    // The same values, held as float64 (after reset) or float32 (after a
    // step), step differently, as they do in numpy 2.
    let mut differ = 0;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(77);
    for _ in 0..200 {
        let mut a = MountainCarContinuous::new();
        let _: [f64; 2] = a.reset(&mut rng);
        let mut b = a.clone();
        let s = a.state();
        b.set_state_f32([s[0] as f32, 0.0]).unwrap();
        a.set_state([f64::from(s[0] as f32), 0.0]).unwrap();
        let u = 0.3_f32;
        a.step(&[u]).unwrap();
        b.step(&[u]).unwrap();
        differ += usize::from(a.state() != b.state());
    }
    assert!(differ > 0);
}

#[cfg_attr(miri, ignore = "too slow under Miri (40 000 resets)")]
#[test]
fn mountain_car_reset_distribution() {
    let mut env = MountainCarContinuous::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(31);
    let n = 40_000;
    let (mut s, mut s2) = (0.0, 0.0);
    for _ in 0..n {
        let obs: [f64; 2] = env.reset(&mut rng);
        let [x, v] = env.state();
        assert!((-0.6..-0.4).contains(&x));
        assert_eq!(v, 0.0);
        assert_eq!(obs, [x as f32 as f64, 0.0]);
        assert!(!env.state_is_f32());
        s += x;
        s2 += (x + 0.5) * (x + 0.5);
    }
    let n = n as f64;
    // Uniform on [-0.6, -0.4): mean -0.5, variance 0.2²/12.
    let var = 0.04 / 12.0;
    assert!((s / n + 0.5).abs() < 4.0 * (var / n).sqrt(), "{}", s / n);
    let se2 = (0.1_f64.powi(4) * (1.0 / 5.0 - 1.0 / 9.0) / n).sqrt();
    assert!((s2 / n - var).abs() < 4.0 * se2);
}

#[test]
fn mountain_car_errors_leave_the_env_unchanged() {
    let mut env = MountainCarContinuous::new();
    let _: [f64; 2] = env.reset(&mut Xoshiro256PlusPlus::seed_from_u64(1));
    env.step(&[0.5_f64]).unwrap();
    let before = env.clone();
    let nonfinite = Error::NonFinite {
        what: "action",
        index: 0,
    };
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(env.step(&[bad]), Err(nonfinite));
        assert_eq!(env.step(&[bad as f32]), Err(nonfinite));
        assert_eq!(env.step_f32_action(bad as f32), Err(nonfinite));
        let state_err = |index| {
            Err(Error::NonFinite {
                what: "state",
                index,
            })
        };
        assert_eq!(env.set_state([bad, 0.0]), state_err(0));
        assert_eq!(env.set_state([0.0, bad]), state_err(1));
        assert_eq!(env.set_state_f32([bad as f32, 0.0]), state_err(0));
        assert_eq!(env.set_state_f32([0.0, bad as f32]), state_err(1));
        assert_eq!(env, before);
    }
    // Python's math.pow raises OverflowError here.
    assert!(matches!(
        env.step(&[1e200_f64]),
        Err(Error::NumericalOverflow { .. })
    ));
    assert_eq!(env, before);
    // A state whose cos(3x) is undefined (math.cos(inf) raises ValueError).
    env.set_state([1e308, 0.0]).unwrap();
    let before = env.clone();
    assert!(matches!(
        env.step(&[0.0_f64]),
        Err(Error::NumericalOverflow { .. })
    ));
    assert_eq!(env, before);
}

#[test]
fn mountain_car_observations_are_float32() {
    let mut env = MountainCarContinuous::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let mut action_rng = Xoshiro256PlusPlus::seed_from_u64(13);
    let _: [f64; 2] = env.reset(&mut rng);
    for _ in 0..2000 {
        let u = (rand_core::Rng::next_u64(&mut action_rng) >> 11) as f64 / (1u64 << 53) as f64;
        let t = env.step(&[4.0 * u - 2.0]).unwrap();
        assert!(t.observation.iter().all(|&x| x as f32 as f64 == x));
        assert!((-1.2_f32 as f64..=0.6_f32 as f64).contains(&t.observation[0]));
        assert!(t.observation[1].abs() <= 0.07_f32 as f64);
        if t.terminated || t.truncated {
            let _: [f64; 2] = env.reset(&mut rng);
        }
    }
}
