//! The exact evaluator's f64 results, bit for bit, against those of the
//! implementation before the symbolic phase (dense right-looking LU with row
//! profiles, commit 81d3488): an FNV-1a hash over `J_τ`, `V`, `Q`, `d`, the
//! gradient and the deterministic return for 200 random policies on four
//! worlds (deterministic and stochastic gridworlds, a chain, an MDP with
//! random dense transitions), with and without entropy and mixing.
//!
//! The hash was recorded by running this very file on that commit; a change
//! of any bit of any result changes it.

use policy_landscape::mdp::{Chain, RewardCell, TabularMdp};
use policy_landscape::paper;
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};
use policy_landscape::{Error, ExactBatch, ExactWorkspace, Gridworld, Softmax};

struct Fnv(u64);

impl Fnv {
    fn push(&mut self, x: f64) {
        // +0 and -0 hash alike: only the sign of an exact zero may differ
        // between elimination orders that skip or keep exact zeros.
        let bits = if x == 0.0 { 0 } else { x.to_bits() };
        for b in bits.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }
}

fn uniform(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    lo + (hi - lo) * u
}

fn hash_world<const S: usize, const A: usize>(mdp: &TabularMdp<f64, S, A>, seed: u64, h: &mut Fnv) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut ws = ExactWorkspace::<f64, S, A>::new();
    let mut policy = Softmax::<f64, S, A>::tabular();
    let mut grad = vec![0.0; S * A];
    for i in 0..50 {
        let scale = [0.1, 1.0, 5.0, 30.0][i % 4];
        for t in policy.params_mut() {
            *t = uniform(&mut rng, -scale, scale);
        }
        policy.set_mix([0.0, 0.0, 0.2][i % 3]).unwrap();
        let tau = [0.0, 0.01, 0.1, 1.0][(i / 4) % 4];
        let j = ws.objective(mdp, &policy, tau).unwrap();
        h.push(j);
        let e = ws.evaluate(mdp, &policy, tau).unwrap();
        assert_eq!(e.j_tau().to_bits(), j.to_bits());
        h.push(e.j_true());
        for &x in e.value() {
            h.push(x);
        }
        for &x in e.occupancy() {
            h.push(x);
        }
        for &x in e.q().as_flattened() {
            h.push(x);
        }
        e.gradient_into(&mut grad).unwrap();
        for &x in &grad {
            h.push(x);
        }
        let actions: [usize; S] = core::array::from_fn(|s| (s * 7 + i) % A);
        h.push(ws.deterministic_return(mdp, &actions).unwrap());
    }
}

fn results_hash() -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    hash_world(&paper::mdp::<f64>(), 1, &mut h);
    let cells = [RewardCell::new(0, 3, 1.0), RewardCell::new(3, 1, -0.5)];
    let stochastic: TabularMdp<f64, 17, 4> = Gridworld::new(4, &cells)
        .p_success(0.7)
        .gamma(0.95)
        .build()
        .unwrap();
    hash_world(&stochastic, 2, &mut h);
    let chain: TabularMdp<f64, 9, 2> = Chain::new(&[(0, 0, 0.2), (7, 1, 1.0)], &[8])
        .p_success(0.9)
        .build()
        .unwrap();
    hash_world(&chain, 3, &mut h);
    // Random dense dynamics: every next state possible.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let mut p = [[[0.0; 7]; 3]; 7];
    let mut r = [[0.0; 3]; 7];
    for s in 0..7 {
        for a in 0..3 {
            let row: Vec<f64> = (0..7).map(|_| uniform(&mut rng, 0.01, 1.0)).collect();
            let sum: f64 = row.iter().sum();
            for (x, y) in p[s][a].iter_mut().zip(&row) {
                *x = y / sum;
            }
            r[s][a] = uniform(&mut rng, -1.0, 1.0);
        }
    }
    let mut p0 = [0.0; 7];
    p0[2] = 0.5;
    p0[5] = 0.5;
    let dense = TabularMdp::try_new(p, r, 0.9, p0).unwrap();
    hash_world(&dense, 5, &mut h);
    h.0
}

#[cfg_attr(miri, ignore = "too slow under Miri (hundreds of exact evaluations)")]
#[test]
fn exact_results_are_bit_identical_to_the_dense_elimination() {
    let got = results_hash();
    println!("results hash {got:#018x}");
    assert_eq!(
        got, 0xfd3f_2882_9b6b_bead,
        "hash of the exact results changed"
    );
}

/// Every lane of [`ExactBatch`] against the one-vector workspace, bit for
/// bit: `J_τ`, `J`, `J_H`, `V`, `d`, `Q` and the gradient (lane by lane and
/// all lanes at once).
fn batch_matches_one<const S: usize, const A: usize, const K: usize>(
    mdp: &TabularMdp<f64, S, A>,
    seed: u64,
) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut one = ExactWorkspace::<f64, S, A>::new();
    let mut batch = ExactBatch::<f64, S, A, K>::new();
    let mut policies: [Softmax<f64, S, A>; K] = core::array::from_fn(|_| Softmax::tabular());
    for i in 0..12 {
        let mix = [0.0, 0.25][i % 2];
        let tau = [0.0, 0.01, 1.0][i % 3];
        for (k, p) in policies.iter_mut().enumerate() {
            let scale = [0.5, 3.0, 20.0][(i + k) % 3];
            for t in p.params_mut() {
                *t = uniform(&mut rng, -scale, scale);
            }
            p.set_mix(mix).unwrap();
        }
        let js = batch.objective(mdp, policies.each_ref(), tau).unwrap();
        let e = batch.evaluate(mdp, policies.each_ref(), tau).unwrap();
        let mut v = [0.0; S];
        let mut d = [0.0; S];
        let mut q = [[0.0; A]; S];
        let mut g = vec![0.0; S * A];
        let mut g1 = vec![0.0; S * A];
        let mut all = [[[0.0; A]; S]; K];
        assert!(e.gradients(&mut all).iter().all(Result::is_ok));
        for (k, p) in policies.iter().enumerate() {
            let j1 = one.objective(mdp, p, tau).unwrap();
            assert_eq!(js[k].to_bits(), j1.to_bits(), "J lane {k}");
            let e1 = one.evaluate(mdp, p, tau).unwrap();
            assert_eq!(e.j_tau()[k].to_bits(), e1.j_tau().to_bits());
            assert_eq!(e.j_true()[k].to_bits(), e1.j_true().to_bits(), "J lane {k}");
            assert_eq!(e.j_entropy()[k].to_bits(), e1.j_entropy().to_bits());
            e.value_into(k, &mut v).unwrap();
            e.occupancy_into(k, &mut d).unwrap();
            e.q_into(k, &mut q).unwrap();
            e.gradient_into(k, &mut g).unwrap();
            e1.gradient_into(&mut g1).unwrap();
            let bits = |x: &[f64]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&v), bits(e1.value()), "V lane {k}");
            assert_eq!(bits(&d), bits(e1.occupancy()), "d lane {k}");
            assert_eq!(bits(q.as_flattened()), bits(e1.q().as_flattened()));
            assert_eq!(bits(&g), bits(&g1), "gradient lane {k}");
            assert_eq!(
                bits(all[k].as_flattened()),
                bits(&g1),
                "gradients, lane {k}"
            );
        }
        assert!(e.value_into(K, &mut v).is_err());
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (hundreds of exact evaluations)")]
#[test]
fn batch_lanes_are_bit_identical_to_one_vector() {
    batch_matches_one::<26, 4, 4>(&paper::mdp(), 10);
    batch_matches_one::<26, 4, 8>(&paper::mdp(), 11);
    let cells = [RewardCell::new(0, 2, 1.0)];
    let stochastic: TabularMdp<f64, 10, 4> =
        Gridworld::new(3, &cells).p_success(0.8).build().unwrap();
    batch_matches_one::<10, 4, 3>(&stochastic, 12);
    batch_matches_one::<10, 4, 1>(&stochastic, 13);
}

#[test]
fn batch_reports_the_first_bad_lane_and_bad_tau() {
    let mdp = paper::mdp::<f64>();
    let mut policies: [Softmax<f64, 26, 4>; 4] = core::array::from_fn(|_| Softmax::tabular());
    policies[2].params_mut()[5] = f64::NAN;
    policies[3].params_mut()[7] = f64::INFINITY;
    let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
    let err = batch.objective(&mdp, policies.each_ref(), 0.0).unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "theta",
            index: 5
        }
    );
    policies[2].params_mut()[5] = 0.0;
    policies[3].params_mut()[7] = 0.0;
    assert!(batch.objective(&mdp, policies.each_ref(), -1.0).is_err());
    assert!(
        batch
            .objective(&mdp, policies.each_ref(), f64::NAN)
            .is_err()
    );
    let js = batch.objective(&mdp, policies.each_ref(), 0.0).unwrap();
    assert!(js.iter().all(|&j| j == js[0]));
}

/// Lanes whose policies differ in `mix` (zero and not, and one so small that
/// `mix / A` underflows), with logits far apart (`exp` of arguments below
/// -707, the scalar fallback's range, and down to a zero probability), in
/// `f64` and `f32` and with a bias feature: every lane bit-identical to the
/// one-vector evaluation, `J_τ`, `J`, `J_H`, `V`, `d`, `Q` and the gradient.
fn mixed_lanes_match_one<T: policy_landscape::Real, const K: usize>(seed: u64) {
    use policy_landscape::policy::OneHotBias;
    let mdp = paper::mdp::<T>();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut one = ExactWorkspace::<T, 26, 4>::new();
    let mut batch = ExactBatch::<T, 26, 4, K>::new();
    let mut policies: [Softmax<T, 26, 4, 27, OneHotBias>; K] =
        core::array::from_fn(|_| Softmax::tabular_with_bias());
    let bits = |x: &[T]| x.iter().map(|x| x.to_bits_u64()).collect::<Vec<_>>();
    for i in 0..24 {
        let tau = T::from_f64([0.0, 0.01, 1.0][i % 3]);
        for (k, p) in policies.iter_mut().enumerate() {
            let scale = [0.5, 20.0, 400.0, 800.0][(i + k) % 4];
            for t in p.params_mut() {
                *t = T::from_f64(uniform(&mut rng, -scale, scale));
            }
            let mix = [0.0, 0.25, 5e-324, 1.0, 1e-3][(i + 2 * k) % 5];
            p.set_mix(T::from_f64(mix)).unwrap();
        }
        let js = batch.objective(&mdp, policies.each_ref(), tau).unwrap();
        let e = batch.evaluate(&mdp, policies.each_ref(), tau).unwrap();
        let mut v = [T::ZERO; 26];
        let mut d = [T::ZERO; 26];
        let mut q = [[T::ZERO; 4]; 26];
        let mut g = vec![T::ZERO; 108];
        let mut g1 = vec![T::ZERO; 108];
        let mut all = [[[T::ZERO; 4]; 27]; K];
        assert!(e.gradients(&mut all).iter().all(Result::is_ok));
        for (k, p) in policies.iter().enumerate() {
            let j1 = one.objective(&mdp, p, tau).unwrap();
            assert_eq!(
                js[k].to_bits_u64(),
                j1.to_bits_u64(),
                "J lane {k}, case {i}"
            );
            let e1 = one.evaluate(&mdp, p, tau).unwrap();
            assert_eq!(e.j_true()[k].to_bits_u64(), e1.j_true().to_bits_u64());
            assert_eq!(e.j_entropy()[k].to_bits_u64(), e1.j_entropy().to_bits_u64());
            e.value_into(k, &mut v).unwrap();
            e.occupancy_into(k, &mut d).unwrap();
            e.q_into(k, &mut q).unwrap();
            e.gradient_into(k, &mut g).unwrap();
            e1.gradient_into(&mut g1).unwrap();
            assert_eq!(bits(&v), bits(e1.value()), "V lane {k}, case {i}");
            assert_eq!(bits(&d), bits(e1.occupancy()), "d lane {k}, case {i}");
            assert_eq!(bits(q.as_flattened()), bits(e1.q().as_flattened()));
            assert_eq!(bits(&g), bits(&g1), "gradient lane {k}, case {i}");
            assert_eq!(
                bits(all[k].as_flattened()),
                bits(&g1),
                "gradients, lane {k}, case {i}"
            );
        }
    }
}

#[cfg_attr(miri, ignore = "too slow under Miri (hundreds of exact evaluations)")]
#[test]
fn batch_lanes_with_different_mixes_and_extreme_logits_are_bit_identical() {
    mixed_lanes_match_one::<f64, 4>(20);
    mixed_lanes_match_one::<f64, 8>(21);
    mixed_lanes_match_one::<f64, 3>(22);
    mixed_lanes_match_one::<f32, 4>(23);
    mixed_lanes_match_one::<f32, 8>(24);
}

/// The first bad lane in lane order, whatever the kind of its error: a
/// logit overflow in lane 1 is reported before non-finite parameters in
/// lane 2, as four one-vector evaluations in turn would.
#[test]
fn batch_reports_errors_in_lane_order() {
    use policy_landscape::policy::OneHotBias;
    let mdp = paper::mdp::<f64>();
    let mut policies: [Softmax<f64, 26, 4, 27, OneHotBias>; 4] =
        core::array::from_fn(|_| Softmax::tabular_with_bias());
    // Finite parameters whose sum (state 3's weight plus the bias) overflows.
    policies[1].params_mut()[3 * 4 + 2] = f64::MAX;
    policies[1].params_mut()[26 * 4 + 2] = f64::MAX;
    policies[2].params_mut()[0] = f64::NAN;
    let mut batch = ExactBatch::<f64, 26, 4, 4>::new();
    let err = batch.objective(&mdp, policies.each_ref(), 0.0).unwrap_err();
    assert_eq!(err, Error::LogitOverflow { state: 3 });
    let mut one = ExactWorkspace::new();
    assert_eq!(one.objective(&mdp, &policies[1], 0.0).unwrap_err(), err);
    policies[1].params_mut()[3 * 4 + 2] = 0.0;
    let err = batch.objective(&mdp, policies.each_ref(), 0.0).unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "theta",
            index: 0
        }
    );
}
