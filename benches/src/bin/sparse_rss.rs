//! Peak memory of exact evaluation on a large sparse gridworld: builds the
//! `k × k` world (default 316, about 10⁵ states), plans it (nested
//! dissection), evaluates `J_τ` and the exact gradient once for the uniform
//! policy, and prints one JSON line with the sizes, `J_τ` (17 digits, to
//! compare with `benches/sparse/spsolve.py`), the bytes the library's
//! storage takes and the process's peak resident set (Linux `VmHWM`).
//!
//! The single-run times it prints are indicative; the criterion benchmark
//! `sparse` measures them properly.
//!
//! `cargo run --release -p policy-landscape-benches --bin sparse_rss -- 316`

use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Gridworld, RewardCell};
use policy_landscape::policy::SoftmaxRow;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let k: usize = std::env::args().nth(1).map_or(Ok(316), |s| s.parse())?;
    let cells = [
        RewardCell::new(0, k - 1, 5.0),
        RewardCell::new(k - 1, 0, 4.5),
    ];
    let owned = Gridworld::new(k, &cells).build_sparse_owned::<4>()?;
    let mdp = owned.view();
    let n = mdp.states();
    let m = mdp.transitions();
    let ordering = Ordering::NestedDissection;
    let clock = std::time::Instant::now();
    let index_len = SparsePlan::index_len(&mdp, ordering)?;
    let mut indices = vec![0u32; index_len];
    let plan = SparsePlan::new(mdp, ordering, &mut indices)?;
    let plan_s = clock.elapsed().as_secs_f64() / 2.0; // index_len plans once too
    let mut scalars = vec![0.0_f64; plan.scalar_len()];
    let mut rows = vec![SoftmaxRow::default(); n];
    let mut q = vec![[0.0; 4]; n];
    let entries = plan.factor_entries();
    // The plan's indices, the workspace's scalars, rows and Q; then the
    // MDP's own lists (offsets, next states, probabilities, rewards, p0).
    let storage =
        4 * index_len + 8 * scalars.len() + std::mem::size_of::<SoftmaxRow<f64, 4>>() * n + 32 * n;
    let mdp_bytes = 4 * (4 * n + 1) + (4 + 8) * m + 32 * n + 8 * n;
    let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q)?;
    let theta = vec![[0.0; 4]; n];
    let clock = std::time::Instant::now();
    let j_only = ws.objective(&theta, 0.0, 0.0)?;
    let j_s = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let e = ws.evaluate(&theta, 0.0, 0.0)?;
    let mut grad = vec![[0.0; 4]; n];
    e.gradient_into(&mut grad)?;
    let grad_s = clock.elapsed().as_secs_f64();
    assert_eq!(j_only.to_bits(), e.j_tau().to_bits());
    println!(
        "{{\"k\": {k}, \"states\": {n}, \"transitions\": {m}, \"factor_entries\": {entries}, \
         \"j\": {:.17e}, \"plan_s\": {plan_s:.4}, \"j_s\": {j_s:.4}, \"j_and_gradient_s\": {grad_s:.4}, \"storage_bytes\": {storage}, \"mdp_bytes\": {mdp_bytes}, \"peak_rss_kib\": {}}}",
        e.j_tau(),
        peak_rss_kib().map_or("null".into(), |x| x.to_string())
    );
    Ok(())
}
