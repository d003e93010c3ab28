//! Shared test helpers: the reference data and two-sided comparisons.
#![allow(dead_code)]

use serde::Deserialize;

/// One case of `tests/data/exact_cases_public.json` (copied from the
/// project's independent reference data).
#[derive(Deserialize, Debug, Clone)]
pub struct Case {
    pub name: String,
    pub config: Config,
    pub theta: Vec<f64>,
    pub mdp: MdpData,
    pub pi: Vec<Vec<f64>>,
    pub entropy: Vec<f64>,
    #[serde(rename = "V")]
    pub v: Vec<f64>,
    #[serde(rename = "Q")]
    pub q: Vec<Vec<f64>>,
    pub d: Vec<f64>,
    #[serde(rename = "J_tau")]
    pub j_tau: f64,
    #[serde(rename = "J_true")]
    pub j_true: f64,
    #[serde(rename = "grad_J_autodiff")]
    pub grad_j_autodiff: Vec<f64>,
    pub grad_surrogate_notebook: Vec<f64>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Config {
    pub size: usize,
    pub eps: f64,
    pub best_reward: f64,
    pub p_success: f64,
    pub gamma: f64,
    pub start_state: usize,
    pub tau: f64,
    pub mix: f64,
    pub n_states: usize,
    pub n_actions: usize,
}

#[derive(Deserialize, Debug, Clone)]
pub struct MdpData {
    #[serde(rename = "R")]
    pub r: Vec<Vec<f64>>,
    #[serde(rename = "P_sparse")]
    pub p_sparse: Vec<(usize, usize, usize, f64)>,
    pub p0: Vec<f64>,
}

pub fn exact_cases() -> Vec<Case> {
    let text = include_str!("../data/exact_cases_public.json");
    serde_json::from_str(text).expect("reference cases parse")
}

#[derive(Deserialize, Debug, Clone)]
pub struct Training {
    pub step_size: f64,
    pub n_updates: usize,
    pub optimal_threshold: f64,
    pub seeds: Vec<TrainingSeed>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct TrainingSeed {
    pub seed: u64,
    pub init_theta: Vec<f64>,
    pub final_j: f64,
    pub optimal: bool,
    pub final_theta: Vec<f64>,
}

pub fn training() -> Training {
    let text = include_str!("../data/training_public.json");
    let mut t: Training = serde_json::from_str(&text.replace("\"final_J\"", "\"final_j\""))
        .expect("reference training parses");
    t.seeds.sort_by_key(|s| s.seed);
    t
}

/// `|a - b| <= rel * max(|b|, floor)`, printing both values on failure.
#[track_caller]
pub fn assert_close(what: &str, a: f64, b: f64, rel: f64, floor: f64) {
    let tol = rel * b.abs().max(floor);
    assert!(
        (a - b).abs() <= tol,
        "{what}: got {a:e}, expected {b:e} (|diff| = {:e} > {tol:e})",
        (a - b).abs()
    );
}

/// Element-wise [`assert_close`] with the floor set to `floor_frac` of the
/// largest magnitude in `b` (so tiny components are compared on the vector's
/// scale, not their own).
#[track_caller]
pub fn assert_all_close(what: &str, a: &[f64], b: &[f64], rel: f64, floor_frac: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let scale = b.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        assert_close(&format!("{what}[{i}]"), x, y, rel, scale * floor_frac);
    }
}
