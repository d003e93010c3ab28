//! The three Gymnasium v5 tasks: their models and constants.

/// Which of Gymnasium's v5 locomotion tasks an environment runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Task {
    /// `Hopper-v5`: 11 observations, 3 actions.
    Hopper,
    /// `Walker2d-v5`: 17 observations, 6 actions.
    Walker2d,
    /// `HalfCheetah-v5`: 17 observations, 6 actions.
    HalfCheetah,
}

/// Termination of Hopper and Walker2d: the episode ends when the torso's
/// height `qpos[1]` or angle `qpos[2]` leaves its open interval (and, for
/// Hopper, any of `qpos[2..]`, `qvel` leaves `state`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Health {
    pub(crate) reward: f64,
    pub(crate) z: (f64, f64),
    pub(crate) angle: (f64, f64),
    pub(crate) state: Option<(f64, f64)>,
}

/// The constants of one task, as Gymnasium 1.4.0's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Spec {
    pub(crate) file: &'static str,
    pub(crate) frame_skip: usize,
    pub(crate) forward_reward_weight: f64,
    pub(crate) ctrl_cost_weight: f64,
    pub(crate) reset_noise_scale: f64,
    /// HalfCheetah draws the initial velocities from a normal, the others
    /// from a uniform.
    pub(crate) normal_qvel_noise: bool,
    /// Hopper and Walker2d clip the observed velocities to ±10.
    pub(crate) clip_velocity: Option<f64>,
    pub(crate) health: Option<Health>,
}

impl Task {
    /// All three, in the paper's order.
    pub const ALL: [Task; 3] = [Task::Hopper, Task::Walker2d, Task::HalfCheetah];

    /// Gymnasium's id (`"Hopper-v5"`, ...).
    pub fn gym_id(self) -> &'static str {
        match self {
            Task::Hopper => "Hopper-v5",
            Task::Walker2d => "Walker2d-v5",
            Task::HalfCheetah => "HalfCheetah-v5",
        }
    }

    /// A short lowercase name (`"hopper"`, `"walker2d"`, `"half_cheetah"`).
    pub fn name(self) -> &'static str {
        match self {
            Task::Hopper => "hopper",
            Task::Walker2d => "walker2d",
            Task::HalfCheetah => "half_cheetah",
        }
    }

    /// The task of a short name or Gymnasium id, case-insensitive.
    pub fn parse(s: &str) -> Option<Task> {
        let s = s.to_ascii_lowercase();
        Task::ALL.into_iter().find(|t| {
            s == t.name() || s == t.gym_id().to_ascii_lowercase() || s == t.name().replace('_', "")
        })
    }

    /// The observation size.
    pub fn observation_size(self) -> usize {
        match self {
            Task::Hopper => 11,
            Task::Walker2d | Task::HalfCheetah => 17,
        }
    }

    /// The action size.
    pub fn action_size(self) -> usize {
        match self {
            Task::Hopper => 3,
            Task::Walker2d | Task::HalfCheetah => 6,
        }
    }

    /// The model's file name in Gymnasium's assets.
    pub fn model_file(self) -> &'static str {
        self.spec().file
    }

    pub(crate) fn spec(self) -> Spec {
        match self {
            Task::Hopper => Spec {
                file: "hopper.xml",
                frame_skip: 4,
                forward_reward_weight: 1.0,
                ctrl_cost_weight: 1e-3,
                reset_noise_scale: 5e-3,
                normal_qvel_noise: false,
                clip_velocity: Some(10.0),
                health: Some(Health {
                    reward: 1.0,
                    z: (0.7, f64::INFINITY),
                    angle: (-0.2, 0.2),
                    state: Some((-100.0, 100.0)),
                }),
            },
            Task::Walker2d => Spec {
                file: "walker2d_v5.xml",
                frame_skip: 4,
                forward_reward_weight: 1.0,
                ctrl_cost_weight: 1e-3,
                reset_noise_scale: 5e-3,
                normal_qvel_noise: false,
                clip_velocity: Some(10.0),
                health: Some(Health {
                    reward: 1.0,
                    z: (0.8, 2.0),
                    angle: (-1.0, 1.0),
                    state: None,
                }),
            },
            Task::HalfCheetah => Spec {
                file: "half_cheetah.xml",
                frame_skip: 5,
                forward_reward_weight: 1.0,
                ctrl_cost_weight: 0.1,
                reset_noise_scale: 0.1,
                normal_qvel_noise: true,
                clip_velocity: None,
                health: None,
            },
        }
    }
}

impl core::fmt::Display for Task {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.gym_id())
    }
}
