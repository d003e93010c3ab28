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
use policy_landscape::{ExactWorkspace, Gridworld, Softmax};

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

fn hash_world<const S: usize, const A: usize>(
    mdp: &TabularMdp<f64, S, A>,
    seed: u64,
    h: &mut Fnv,
) {
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

#[test]
fn exact_results_are_bit_identical_to_the_dense_elimination() {
    let got = results_hash();
    println!("results hash {got:#018x}");
    assert_eq!(got, 0xfd3f_2882_9b6b_bead, "hash of the exact results changed");
}
