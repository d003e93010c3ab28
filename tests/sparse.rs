//! The sparse MDP and its exact evaluation: bit for bit against the
//! fixed-size evaluator in the natural order (same kernels, same operations),
//! to rounding under nested dissection, against finite differences on a
//! 1025-state world, and every bad input refused with its error.

use policy_landscape::exact::{Ordering, SparsePlan, SparseWorkspace};
use policy_landscape::mdp::{Chain, Gridworld, RewardCell, SparseMdp, SparseStorage, TabularMdp};
use policy_landscape::policy::SoftmaxRow;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::{Error, ExactWorkspace, Softmax, paper};

fn uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    lo + (hi - lo) * u
}

/// Owned storage of a sparse MDP, filled by a builder.
struct Storage<const A: usize> {
    offsets: Vec<u32>,
    next: Vec<u32>,
    prob: Vec<f64>,
    rewards: Vec<[f64; A]>,
    start: Vec<f64>,
}

impl<const A: usize> Storage<A> {
    fn new(states: usize, transitions: usize) -> Self {
        Self {
            offsets: vec![0; states * A + 1],
            next: vec![0; transitions],
            prob: vec![0.0; transitions],
            rewards: vec![[0.0; A]; states],
            start: vec![0.0; states],
        }
    }
    fn storage(&mut self) -> SparseStorage<'_, f64, A> {
        SparseStorage {
            offsets: &mut self.offsets,
            next: &mut self.next,
            prob: &mut self.prob,
            rewards: &mut self.rewards,
            start: &mut self.start,
        }
    }
}

/// The plan's indices through the no_std protocol: the planning length,
/// then the exact length the first attempt reports.
fn plan_indices<const A: usize>(mdp: &SparseMdp<'_, f64, A>, ordering: Ordering) -> Vec<u32> {
    let mut indices = vec![0; SparsePlan::planning_len(mdp, ordering)];
    let needed = match SparsePlan::new(*mdp, ordering, &mut indices) {
        Ok(_) => return indices,
        Err(Error::LengthMismatch {
            what: "plan indices",
            expected,
            found,
        }) => {
            assert_eq!(found, indices.len());
            expected
        }
        Err(e) => panic!("plan: {e}"),
    };
    assert!(needed > indices.len());
    let mut exact = vec![0; needed];
    SparsePlan::new(*mdp, ordering, &mut exact).expect("the reported length suffices");
    // One index fewer is refused with the same report.
    let mut short = vec![0; needed - 1];
    assert!(matches!(
        SparsePlan::new(*mdp, ordering, &mut short),
        Err(Error::LengthMismatch { what: "plan indices", expected, .. }) if expected == needed
    ));
    exact
}

struct Results {
    j: f64,
    v: Vec<f64>,
    d: Vec<f64>,
    q: Vec<f64>,
    grad: Vec<f64>,
}

fn dense_results<const S: usize, const A: usize>(
    mdp: &TabularMdp<f64, S, A>,
    theta: &[[f64; A]],
    mix: f64,
    tau: f64,
) -> Results {
    let mut policy = Softmax::<f64, S, A>::tabular();
    policy.set_params(theta.as_flattened()).unwrap();
    policy.set_mix(mix).unwrap();
    let mut ws = ExactWorkspace::<f64, S, A>::new();
    let j = ws.objective(mdp, &policy, tau).unwrap();
    let e = ws.evaluate(mdp, &policy, tau).unwrap();
    assert_eq!(j.to_bits(), e.j_tau().to_bits());
    let mut grad = vec![0.0; S * A];
    e.gradient_into(&mut grad).unwrap();
    Results {
        j,
        v: e.value().to_vec(),
        d: e.occupancy().to_vec(),
        q: e.q().as_flattened().to_vec(),
        grad,
    }
}

fn sparse_results<const A: usize>(
    plan: &SparsePlan<'_, f64, A>,
    theta: &[[f64; A]],
    mix: f64,
    tau: f64,
) -> Results {
    let n = plan.mdp().states();
    let mut scalars = vec![0.0; plan.scalar_len()];
    let mut rows = vec![SoftmaxRow::default(); n];
    let mut q = vec![[0.0; A]; n];
    let mut ws = SparseWorkspace::new(plan, &mut scalars, &mut rows, &mut q).unwrap();
    let j = ws.objective(theta, mix, tau).unwrap();
    let e = ws.evaluate(theta, mix, tau).unwrap();
    assert_eq!(j.to_bits(), e.j_tau().to_bits());
    let mut grad = vec![[0.0; A]; n];
    e.gradient_into(&mut grad).unwrap();
    Results {
        j,
        v: e.value().to_vec(),
        d: e.occupancy().to_vec(),
        q: e.q().as_flattened().to_vec(),
        grad: grad.as_flattened().to_vec(),
    }
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter()
        .map(|x| if *x == 0.0 { 0 } else { x.to_bits() })
        .collect()
}

#[track_caller]
fn assert_close(what: &str, got: &[f64], want: &[f64], rel: f64) {
    let scale = want.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rel * scale,
            "{what}[{i}]: {g} vs {w} (scale {scale})"
        );
    }
}

/// Sparse (both orders) against dense on one world, 12 random policies.
fn compare<const S: usize, const A: usize>(
    dense: &TabularMdp<f64, S, A>,
    sparse: &SparseMdp<'_, f64, A>,
    seed: u64,
) {
    assert_eq!(sparse.states(), S);
    let mut natural = plan_indices(sparse, Ordering::Natural);
    let natural = SparsePlan::new(*sparse, Ordering::Natural, &mut natural).unwrap();
    let mut nd = plan_indices(sparse, Ordering::NestedDissection);
    let nd = SparsePlan::new(*sparse, Ordering::NestedDissection, &mut nd).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for i in 0..12 {
        let scale = [0.3, 2.0, 10.0][i % 3];
        let theta: Vec<[f64; A]> = (0..S)
            .map(|_| std::array::from_fn(|_| uniform(&mut rng, -scale, scale)))
            .collect();
        let mix = [0.0, 0.1][i % 2];
        let tau = [0.0, 0.01, 1.0][(i / 2) % 3];
        let want = dense_results(dense, &theta, mix, tau);
        let got = sparse_results(&natural, &theta, mix, tau);
        assert_eq!(got.j.to_bits(), want.j.to_bits(), "J, natural order");
        assert_eq!(bits(&got.v), bits(&want.v), "V, natural order");
        assert_eq!(bits(&got.d), bits(&want.d), "d, natural order");
        assert_eq!(bits(&got.q), bits(&want.q), "Q, natural order");
        assert_eq!(bits(&got.grad), bits(&want.grad), "gradient, natural order");
        let got = sparse_results(&nd, &theta, mix, tau);
        assert!(
            (got.j - want.j).abs() <= 1e-12 * want.j.abs().max(1.0),
            "J: {} vs {}",
            got.j,
            want.j
        );
        assert_close("V", &got.v, &want.v, 1e-12);
        assert_close("d", &got.d, &want.d, 1e-12);
        assert_close("Q", &got.q, &want.q, 1e-12);
        assert_close("gradient", &got.grad, &want.grad, 1e-10);
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (worlds of up to 10^4 states)")]
#[test]
fn sparse_paper_world_equals_dense() {
    let dense = paper::mdp::<f64>();
    let cells = [RewardCell::new(0, 4, 5.0), RewardCell::new(4, 0, 4.5)];
    let world = Gridworld::new(5, &cells);
    let mut st = Storage::<4>::new(world.states(), world.sparse_transitions().unwrap());
    let sparse = world.build_sparse(st.storage()).unwrap();
    // The same MDP: every stored probability is the dense one, bit for bit.
    for s in 0..26 {
        for a in 0..4 {
            let (next, prob) = sparse.transitions_of(s, a);
            let mut row = [0.0; 26];
            for (&j, &p) in next.iter().zip(prob) {
                assert!(p > 0.0);
                row[j as usize] = p;
            }
            assert_eq!(bits(&row), bits(&dense.transitions()[s][a]), "P[{s}][{a}]");
        }
    }
    assert_eq!(sparse.rewards(), &dense.rewards()[..]);
    assert_eq!(sparse.start(), &dense.start()[..]);
    assert_eq!(sparse.gamma(), dense.gamma());
    assert_eq!(sparse.transitions(), 104);
    compare(&dense, &sparse, 1);
}

#[cfg_attr(miri, ignore = "too slow under Miri (worlds of up to 10^4 states)")]
#[test]
fn sparse_stochastic_worlds_and_chain_equal_dense() {
    let cells = [
        RewardCell::new(0, 9, 1.0),
        RewardCell::new(9, 0, 0.5),
        RewardCell::new(4, 4, -1.0),
    ];
    let world = Gridworld::new(10, &cells)
        .p_success(0.7)
        .gamma(0.95)
        .start(12);
    let dense: TabularMdp<f64, 101, 4> = world.build().unwrap();
    let mut st = Storage::<4>::new(world.states(), world.sparse_transitions().unwrap());
    let sparse = world.build_sparse(st.storage()).unwrap();
    compare(&dense, &sparse, 2);

    let rewards = [(0, 0, 0.3), (8, 1, 1.0), (4, 1, -0.2)];
    let chain = Chain::new(&rewards, &[9]).p_success(0.8).start(3);
    let dense: TabularMdp<f64, 10, 2> = chain.build().unwrap();
    let mut st = Storage::<2>::new(10, chain.sparse_transitions(10).unwrap());
    let sparse = chain.build_sparse(10, st.storage()).unwrap();
    compare(&dense, &sparse, 3);

    let chain = Chain::new(&rewards, &[9]); // deterministic: zeros not stored
    let dense: TabularMdp<f64, 10, 2> = chain.build().unwrap();
    let mut st = Storage::<2>::new(10, chain.sparse_transitions(10).unwrap());
    let sparse = chain.build_sparse(10, st.storage()).unwrap();
    assert_eq!(sparse.transitions(), 20);
    compare(&dense, &sparse, 4);
}

/// Nested dissection keeps the factors of a grid small: fewer entries than
/// the natural order's band, by a growing factor.
#[cfg_attr(miri, ignore = "too slow under Miri (worlds of up to 10^4 states)")]
#[test]
fn nested_dissection_reduces_fill_on_grids() {
    for (k, at_least) in [(32, 2.0), (64, 3.0)] {
        let cells = [
            RewardCell::new(0, k - 1, 5.0),
            RewardCell::new(k - 1, 0, 4.5),
        ];
        let world = Gridworld::new(k, &cells).p_success(0.9);
        let mut st = Storage::<4>::new(world.states(), world.sparse_transitions().unwrap());
        let mdp = world.build_sparse(st.storage()).unwrap();
        let mut a = plan_indices(&mdp, Ordering::Natural);
        let natural = SparsePlan::new(mdp, Ordering::Natural, &mut a).unwrap();
        let mut b = plan_indices(&mdp, Ordering::NestedDissection);
        let nd = SparsePlan::new(mdp, Ordering::NestedDissection, &mut b).unwrap();
        let ratio = natural.factor_entries() as f64 / nd.factor_entries() as f64;
        assert!(
            ratio >= at_least,
            "k = {k}: natural {} vs nested dissection {} entries",
            natural.factor_entries(),
            nd.factor_entries()
        );
    }
}

/// The exact gradient of a 1025-state world against central differences of
/// the sparse objective, on 12 logits spread over the grid.
#[cfg_attr(miri, ignore = "too slow under Miri (worlds of up to 10^4 states)")]
#[test]
fn sparse_gradient_matches_finite_differences() {
    let cells = [RewardCell::new(0, 31, 5.0), RewardCell::new(31, 0, 4.5)];
    let world = Gridworld::new(32, &cells).p_success(0.9);
    let mut st = Storage::<4>::new(world.states(), world.sparse_transitions().unwrap());
    let mdp = world.build_sparse(st.storage()).unwrap();
    let mut idx = plan_indices(&mdp, Ordering::NestedDissection);
    let plan = SparsePlan::new(mdp, Ordering::NestedDissection, &mut idx).unwrap();
    let n = mdp.states();
    let mut scalars = vec![0.0; plan.scalar_len()];
    let mut rows = vec![SoftmaxRow::default(); n];
    let mut q = vec![[0.0; 4]; n];
    let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut theta: Vec<[f64; 4]> = (0..n)
        .map(|_| std::array::from_fn(|_| uniform(&mut rng, -1.0, 1.0)))
        .collect();
    // Lean towards the top-right reward so the gradient is not tiny.
    for t in theta.iter_mut() {
        t[1] += 1.0;
        t[2] += 1.0;
    }
    let (mix, tau) = (0.05, 0.01);
    let mut grad = vec![[0.0; 4]; n];
    ws.evaluate(&theta, mix, tau)
        .unwrap()
        .gradient_into(&mut grad)
        .unwrap();
    let norm = grad
        .as_flattened()
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt();
    assert!(norm > 1e-3, "gradient norm {norm}");
    for i in 0..12 {
        let (s, a) = ((i * 83 + 5) % (n - 1), i % 4);
        let h = 1e-5;
        let x = theta[s][a];
        theta[s][a] = x + h;
        let up = ws.objective(&theta, mix, tau).unwrap();
        theta[s][a] = x - h;
        let down = ws.objective(&theta, mix, tau).unwrap();
        theta[s][a] = x;
        let fd = (up - down) / (2.0 * h);
        assert!(
            (fd - grad[s][a]).abs() <= 1e-6 * norm,
            "dJ/dθ[{s}][{a}]: exact {} vs differences {fd}",
            grad[s][a]
        );
    }
}

#[test]
fn sparse_mdp_refuses_bad_input() {
    let rewards = [[1.0], [0.0]];
    let start = [1.0, 0.0];
    let ok = SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &start);
    assert!(ok.is_ok());
    let cases: Vec<(Result<SparseMdp<'_, f64, 1>, Error>, &str)> = vec![
        (
            SparseMdp::try_new(&[0, 1], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &start),
            "offsets length",
        ),
        (
            SparseMdp::try_new(&[1, 1, 2], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &start),
            "offsets start",
        ),
        (
            SparseMdp::try_new(&[0, 2, 1], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &start),
            "offsets decrease",
        ),
        (
            SparseMdp::try_new(&[0, 1, 3], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &start),
            "offsets end",
        ),
        (
            SparseMdp::try_new(&[0, 1, 2], &[2, 1], &[1.0, 1.0], &rewards, 0.9, &start),
            "next range",
        ),
        (
            SparseMdp::try_new(&[0, 2, 2], &[1, 0], &[0.5, 0.5], &rewards, 0.9, &start),
            "unsorted",
        ),
        (
            SparseMdp::try_new(&[0, 2, 2], &[1, 1], &[0.5, 0.5], &rewards, 0.9, &start),
            "duplicate",
        ),
        (
            SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[0.9, 1.0], &rewards, 0.9, &start),
            "not stochastic",
        ),
        (
            SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[f64::NAN, 1.0], &rewards, 0.9, &start),
            "NaN",
        ),
        (
            SparseMdp::try_new(
                &[0, 2, 3],
                &[0, 1, 1],
                &[-0.5, 1.5, 1.0],
                &rewards,
                0.9,
                &start,
            ),
            "negative",
        ),
        (
            SparseMdp::try_new(
                &[0, 1, 2],
                &[1, 1],
                &[1.0, 1.0],
                &[[f64::INFINITY], [0.0]],
                0.9,
                &start,
            ),
            "reward",
        ),
        (
            SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[1.0, 1.0], &rewards, 1.0, &start),
            "gamma",
        ),
        (
            SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &[0.5, 0.4]),
            "start sum",
        ),
        (
            SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &[1.0]),
            "start length",
        ),
        (
            SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[1.0], &rewards, 0.9, &start),
            "prob length",
        ),
        (
            SparseMdp::try_new(&[0], &[], &[], &[], 0.9, &[]),
            "no states",
        ),
    ];
    for (result, what) in cases {
        assert!(result.is_err(), "{what} accepted");
    }
    assert_eq!(
        SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[1.0, 1.0], &rewards, 0.9, &[0.5, 0.4])
            .unwrap_err(),
        Error::InvalidStartDistribution { index: 2 }
    );
    assert_eq!(
        SparseMdp::try_new(&[0, 1, 2], &[1, 1], &[0.9, 1.0], &rewards, 0.9, &start).unwrap_err(),
        Error::NotStochastic {
            state: 0,
            action: 0
        }
    );
}

#[test]
fn sparse_workspace_refuses_bad_input_and_changes_nothing() {
    let cells = [RewardCell::new(0, 2, 1.0)];
    let world = Gridworld::new(3, &cells);
    let mut st = Storage::<4>::new(world.states(), world.sparse_transitions().unwrap());
    let mdp = world.build_sparse(st.storage()).unwrap();
    let mut idx = plan_indices(&mdp, Ordering::NestedDissection);
    let plan = SparsePlan::new(mdp, Ordering::NestedDissection, &mut idx).unwrap();
    let n = mdp.states();
    let mut scalars = vec![0.0; plan.scalar_len()];
    let mut rows = vec![SoftmaxRow::default(); n];
    let mut q = vec![[0.0; 4]; n];
    // Wrong storage lengths.
    let mut short = vec![0.0; plan.scalar_len() - 1];
    assert!(SparseWorkspace::new(&plan, &mut short, &mut rows, &mut q).is_err());
    let mut ws = SparseWorkspace::new(&plan, &mut scalars, &mut rows, &mut q).unwrap();
    let theta = vec![[0.0; 4]; n];
    let j = ws.objective(&theta, 0.0, 0.1).unwrap();
    assert!(ws.objective(&theta[1..], 0.0, 0.1).is_err());
    assert!(ws.objective(&theta, -0.1, 0.1).is_err());
    assert!(ws.objective(&theta, 1.5, 0.1).is_err());
    assert!(ws.objective(&theta, 0.0, -1.0).is_err());
    assert!(ws.objective(&theta, 0.0, f64::NAN).is_err());
    let mut bad = theta.clone();
    bad[3][2] = f64::NAN;
    assert_eq!(
        ws.objective(&bad, 0.0, 0.1).unwrap_err(),
        Error::NonFinite {
            what: "theta",
            index: 14
        }
    );
    let e = ws.evaluate(&theta, 0.0, 0.1).unwrap();
    assert_eq!(e.j_tau().to_bits(), j.to_bits());
    let mut grad = vec![[7.0; 4]; n - 1];
    assert!(e.gradient_into(&mut grad).is_err());
    assert!(grad.iter().all(|g| *g == [7.0; 4]), "untouched on error");
    // Huge logits stay finite.
    let mut huge = theta.clone();
    huge[0] = [1e300, -1e300, 0.0, 1e300];
    let jh = ws.objective(&huge, 0.0, 0.1).unwrap();
    assert!(jh.is_finite());
}

#[cfg(feature = "std")]
#[cfg_attr(miri, ignore = "too slow under Miri (worlds of up to 10^4 states)")]
#[test]
fn owned_builders_and_index_len() {
    let cells = [RewardCell::new(0, 6, 5.0), RewardCell::new(6, 0, 4.5)];
    let world = Gridworld::new(7, &cells).p_success(0.8);
    let owned = world.build_sparse_owned::<4>().unwrap();
    let mdp = owned.view();
    for ordering in [Ordering::Natural, Ordering::NestedDissection] {
        let len = SparsePlan::index_len(&mdp, ordering).unwrap();
        assert_eq!(len, plan_indices(&mdp, ordering).len());
    }
    let chain = Chain::new(&[(5, 1, 1.0)], &[6])
        .build_sparse_owned::<2>(7)
        .unwrap();
    assert_eq!(chain.view().states(), 7);
}

/// An owned plan re-slices the indices `SparsePlan::new` wrote: the same
/// results, bit for bit, as a borrowed plan, in both orderings.
#[cfg(feature = "std")]
#[test]
fn owned_plan_equals_borrowed_plan() {
    use policy_landscape::exact::OwnedSparsePlan;
    let cells = [RewardCell::new(0, 5, 5.0), RewardCell::new(5, 0, 4.5)];
    let world = Gridworld::new(6, &cells).p_success(0.7);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(31);
    let n = world.states();
    let theta: Vec<[f64; 4]> = (0..n)
        .map(|_| core::array::from_fn(|_| uniform(&mut rng, -2.0, 2.0)))
        .collect();
    for ordering in [Ordering::Natural, Ordering::NestedDissection] {
        let owned =
            OwnedSparsePlan::new(world.build_sparse_owned::<4>().unwrap(), ordering).unwrap();
        let plan = owned.plan();
        assert_eq!(plan.ordering(), ordering);
        let mdp = owned.mdp().view();
        let mut indices = plan_indices(&mdp, ordering);
        let borrowed = SparsePlan::new(mdp, ordering, &mut indices).unwrap();
        assert_eq!(plan.factor_entries(), borrowed.factor_entries());
        let (a, b) = (
            sparse_results(&plan, &theta, 0.1, 0.03),
            sparse_results(&borrowed, &theta, 0.1, 0.03),
        );
        assert_eq!(a.j.to_bits(), b.j.to_bits());
        for (x, y) in [(&a.v, &b.v), (&a.d, &b.d), (&a.q, &b.q), (&a.grad, &b.grad)] {
            assert_eq!(bits(x), bits(y));
        }
    }
}

/// `J` of the uniform policy on k × k worlds (the paper's two corner
/// rewards, deterministic moves, γ = 0.99) against SuperLU's solve of the
/// same system, computed independently by `benches/sparse/spsolve.py`
/// (scipy 1.17.1, numpy 2.4.6).
#[cfg_attr(miri, ignore = "too slow under Miri (worlds of up to 10^4 states)")]
#[test]
fn sparse_j_matches_superlu() {
    for (k, want) in [
        (10, 1.068_488_988_028_709_4),
        (32, 0.007_310_055_293_422_065_5),
        (100, 4.956_701_945_710_739e-9),
    ] {
        let cells = [
            RewardCell::new(0, k - 1, 5.0),
            RewardCell::new(k - 1, 0, 4.5),
        ];
        let world = Gridworld::new(k, &cells);
        let mut st = Storage::<4>::new(world.states(), world.sparse_transitions().unwrap());
        let mdp = world.build_sparse(st.storage()).unwrap();
        let mut idx = plan_indices(&mdp, Ordering::NestedDissection);
        let plan = SparsePlan::new(mdp, Ordering::NestedDissection, &mut idx).unwrap();
        let theta = vec![[0.0; 4]; mdp.states()];
        let got = sparse_results(&plan, &theta, 0.0, 0.0);
        assert!(
            (got.j - want).abs() <= 1e-12 * want,
            "k = {k}: J = {:e}, SuperLU {want:e}",
            got.j
        );
    }
}
