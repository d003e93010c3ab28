//! The firmware check (`tests/firmware/check.rs` of the core library) through
//! the core's Rust API, printing the lines `capi/c/check.h` prints through
//! the C API: `capi/c/run.sh` compares them byte for byte.
//!
//! `cargo run --release -p policy-landscape-c --example check_reference`
//! prints the `f64` result; with `--features f32`, the `f32` one (the
//! constants of `tests/firmware/expected.rs`).
//!
//! The steps are check.rs's: the paper's gridworld as next-state lists, the
//! sparse evaluator with the natural ordering, a tabular softmax policy drawn
//! like torch's `nn.Linear` from xoshiro256++ seeded 2019, 300 exact gradient
//! steps on `J_tau` (step 0.1, tau 0.1 decayed x0.99 per step), then 100
//! directions of the true `J` around the trained parameters at alpha 0.5.

use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Gridworld, RewardCell, SparseStorage};
use policy_landscape::policy::SoftmaxRow;
use policy_landscape::probe::{self, Cases, Thresholds, Verdict};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;
use policy_landscape::{Error, Real, Softmax};

/// The scalar of the C library this is compared with.
type R = policy_landscape_c::pl_real;

/// The name check.h prints for the scalar.
#[cfg(feature = "f32")]
const REAL_NAME: &str = "f32";
#[cfg(not(feature = "f32"))]
const REAL_NAME: &str = "f64";

const STATES: usize = 26;
const ACTIONS: usize = 4;
type Policy = Softmax<R, STATES, ACTIONS>;
const SEED: u64 = 2019;
const UPDATES: usize = 300;
const DIRECTIONS: u64 = 100;

fn step() -> R {
    R::from_f64(0.1)
}
fn tau0() -> R {
    R::from_f64(0.1)
}
fn tau_decay() -> R {
    R::from_f64(0.99)
}
fn alpha() -> R {
    R::from_f64(0.5)
}

/// `name 0x<bits> <decimal>`: the bits in hex (8 digits for `f32`, 16 for
/// `f64`), then the value rounded to 9 (`f32`) or 17 (`f64`) significant
/// digits in Rust's `{:e}` notation (check.h formats the same without stdio).
fn real_line(name: &str, x: R) -> String {
    #[cfg(feature = "f32")]
    {
        format!("{name} {:#010x} {:.8e}", x.to_bits(), x)
    }
    #[cfg(not(feature = "f32"))]
    {
        format!("{name} {:#018x} {:.16e}", x.to_bits(), x)
    }
}

/// The logits of a flat parameter vector (`s * 4 + a`), one row per state.
fn rows_of(theta: &[R]) -> Vec<[R; ACTIONS]> {
    theta
        .chunks_exact(ACTIONS)
        .map(|c| {
            let mut row = [R::ZERO; ACTIONS];
            row.copy_from_slice(c);
            row
        })
        .collect()
}

struct Report {
    j_initial: R,
    j_final: R,
    j_tau_final: R,
    tau_final: R,
    gradient_mean: R,
    curvature_mean: R,
    cases: Cases,
    verdict: Verdict,
}

fn run() -> Result<Report, Error> {
    // The paper's world (paper::mdp's cells) as next-state lists.
    let cells = [
        RewardCell::new(0, 4, R::from_f64(5.0)),
        RewardCell::new(4, 0, R::from_f64(0.9) * R::from_f64(5.0)),
    ];
    let world = Gridworld::new(5, &cells);
    let m = world.sparse_transitions()?;
    let mut offsets = vec![0u32; STATES * ACTIONS + 1];
    let mut next = vec![0u32; m];
    let mut prob = vec![R::ZERO; m];
    let mut rewards = vec![[R::ZERO; ACTIONS]; STATES];
    let mut start = vec![R::ZERO; STATES];
    let mdp = world.build_sparse(SparseStorage {
        offsets: &mut offsets,
        next: &mut next,
        prob: &mut prob,
        rewards: &mut rewards,
        start: &mut start,
    })?;

    // The plan's indices: the planning length, or the exact length the plan
    // reports when that is short.
    let mut index_len = SparsePlan::planning_len(&mdp, Ordering::Natural);
    {
        let mut probe_buf = vec![0u32; index_len];
        match SparsePlan::new(mdp, Ordering::Natural, &mut probe_buf) {
            Ok(_) => {}
            Err(Error::LengthMismatch { expected, .. }) => index_len = expected,
            Err(e) => return Err(e),
        }
    }
    let mut indices = vec![0u32; index_len];
    let plan = SparsePlan::new(mdp, Ordering::Natural, &mut indices)?;
    let mut scalars = vec![R::ZERO; plan.scalar_len()];
    let row = SoftmaxRow {
        p: [R::ZERO; ACTIONS],
        pi: [R::ZERO; ACTIONS],
        log_pi: [R::ZERO; ACTIONS],
        entropy: R::ZERO,
    };
    let mut rows = vec![row; STATES];
    let mut q = vec![[R::ZERO; ACTIONS]; STATES];
    let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q)?;

    // Training (check.rs's `train`).
    let mut policy = Policy::tabular();
    policy.init_like_torch(&mut Xoshiro256PlusPlus::seed_from_u64(SEED));
    let mut theta = rows_of(policy.params());
    let j_initial = ws.objective(&theta, R::ZERO, R::ZERO)?;
    let mut tau = tau0();
    let mut grad = vec![[R::ZERO; ACTIONS]; STATES];
    for _ in 0..UPDATES {
        ws.evaluate(&theta, R::ZERO, tau)?
            .gradient_into(&mut grad)?;
        for (t, g) in theta.as_flattened_mut().iter_mut().zip(grad.as_flattened()) {
            *t += step() * *g;
        }
        tau *= tau_decay();
    }
    let j_final = ws.objective(&theta, R::ZERO, R::ZERO)?;
    let j_tau_final = ws.objective(&theta, R::ZERO, tau)?;
    let flat: Vec<R> = theta.as_flattened().to_vec();

    // The probe (check.rs's `probe_at`).
    let mut j = probe::from_fn(|t: &[R]| ws.objective(&rows_of(t), R::ZERO, R::ZERO));
    let mut scratch = vec![R::ZERO; 2 * Policy::PARAMS];
    let mut acc = probe::start(&mut j, &flat, alpha(), Thresholds::default())?;
    probe::probe(&mut j, &flat, SEED, 0..DIRECTIONS, &mut scratch, &mut acc)?;
    Ok(Report {
        j_initial,
        j_final,
        j_tau_final,
        tau_final: tau,
        gradient_mean: acc.gradient().mean().unwrap_or(R::NAN),
        curvature_mean: acc.curvature().mean().unwrap_or(R::NAN),
        cases: *acc.cases(),
        verdict: acc.verdict(),
    })
}

fn main() {
    let r = match run() {
        Ok(r) => r,
        Err(e) => {
            println!("error {e}");
            std::process::exit(1);
        }
    };
    let c = &r.cases;
    let v = &r.verdict;
    println!("real {REAL_NAME}");
    println!("{}", real_line("j_initial", r.j_initial));
    println!("{}", real_line("j_final", r.j_final));
    println!("{}", real_line("tau_final", r.tau_final));
    println!("{}", real_line("j_tau_final", r.j_tau_final));
    println!("{}", real_line("gradient_mean", r.gradient_mean));
    println!("{}", real_line("curvature_mean", r.curvature_mean));
    println!(
        "cases total={} both_negative={} both_positive={} opposite={} both_zero={} \
         zero_and_negative={} zero_and_positive={} curvature_negative={} curvature_positive={}",
        c.total,
        c.both_negative,
        c.both_positive,
        c.opposite,
        c.both_zero,
        c.zero_and_negative,
        c.zero_and_positive,
        c.curvature_negative,
        c.curvature_positive
    );
    println!("verdict {} {}/{}", v.kind.name(), v.support, v.directions);
}
