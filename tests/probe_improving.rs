//! The `K` most-improving probe directions (`probe::Improving`) on a known
//! quadratic `O(θ) = a·θ + ½ θᵀHθ` with a dense symmetric `H`, where around
//! `θ0` the pair of direction `d` is exactly
//! `D± = ±α g·d + ½ α² dᵀHd` with `g = a + Hθ0` (eq. 1–2).
//!
//! Checked: the kept directions against a brute-force sort of every
//! direction's improvement; shards merged in any order and split against
//! one pass; stepping to the recorded improvement; `K` above the number of
//! directions; ties; errors; serde.

use policy_landscape::Error;
use policy_landscape::probe::{
    self, Accumulator, Improving, Objective, ProbedDirection, Side, Thresholds, direction_into,
    from_fn,
};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::{Rng, SeedableRng};

const N: usize = 5;
const ALPHA: f64 = 0.25;
const SEED: u64 = 2019;

fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// `a`, a symmetric indefinite `H`, and `θ0`, all drawn from `seed`.
struct Quadratic {
    a: [f64; N],
    h: [[f64; N]; N],
    theta0: [f64; N],
}

impl Quadratic {
    fn new(seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut a = [0.0; N];
        let mut h = [[0.0; N]; N];
        let mut theta0 = [0.0; N];
        for x in a.iter_mut() {
            *x = uniform(&mut rng);
        }
        // The upper triangle row by row, mirrored.
        for (i, j) in (0..N).flat_map(|i| (i..N).map(move |j| (i, j))) {
            let v = 4.0 * uniform(&mut rng);
            h[i][j] = v;
            h[j][i] = v;
        }
        for x in theta0.iter_mut() {
            *x = uniform(&mut rng);
        }
        Self { a, h, theta0 }
    }

    fn value(&self, t: &[f64]) -> f64 {
        let mut v = 0.0;
        for i in 0..N {
            v += self.a[i] * t[i];
            for j in 0..N {
                v += 0.5 * t[i] * self.h[i][j] * t[j];
            }
        }
        v
    }

    fn objective(&self) -> impl Objective<f64> + '_ {
        from_fn(move |t: &[f64]| Ok(self.value(t)))
    }

    /// `(g·d, dᵀHd)` with `g = a + Hθ0`.
    fn projections(&self, d: &[f64]) -> (f64, f64) {
        let (mut gd, mut dhd) = (0.0, 0.0);
        for i in 0..N {
            let hi_theta: f64 = (0..N).map(|j| self.h[i][j] * self.theta0[j]).sum();
            gd += (self.a[i] + hi_theta) * d[i];
            dhd += d[i] * (0..N).map(|j| self.h[i][j] * d[j]).sum::<f64>();
        }
        (gd, dhd)
    }

    /// The pair of direction `i` computed as the probe computes it.
    fn pair(&self, i: u64) -> ProbedDirection<f64> {
        let mut d = [0.0; N];
        direction_into(SEED, i, &mut d).unwrap();
        let base = self.value(&self.theta0);
        let mut t = [0.0; N];
        for k in 0..N {
            t[k] = self.theta0[k] + ALPHA * d[k];
        }
        let d_plus = self.value(&t) - base;
        for k in 0..N {
            t[k] = self.theta0[k] - ALPHA * d[k];
        }
        let d_minus = self.value(&t) - base;
        ProbedDirection {
            index: i,
            d_plus,
            d_minus,
        }
    }

    fn start(&self) -> Accumulator<f64> {
        let mut o = self.objective();
        probe::start(&mut o, &self.theta0, ALPHA, Thresholds::default()).unwrap()
    }

    /// One probe of `range` feeding an accumulator and a top-`K`.
    fn run<const K: usize>(
        &self,
        range: std::ops::Range<u64>,
    ) -> (Accumulator<f64>, Improving<f64, K>) {
        let mut acc = self.start();
        let mut top = Improving::new(SEED, &acc);
        let mut o = self.objective();
        let mut scratch = [0.0; 2 * N];
        probe::probe_improving(
            &mut o,
            &self.theta0,
            range,
            &mut scratch,
            &mut acc,
            &mut top,
        )
        .unwrap();
        (acc, top)
    }
}

/// Every direction of `range`, sorted by improvement (descending), ties by
/// index: the reference the kept directions must equal.
fn brute_force(q: &Quadratic, range: std::ops::Range<u64>) -> Vec<ProbedDirection<f64>> {
    let mut all: Vec<_> = range.map(|i| q.pair(i)).collect();
    all.sort_by(|x, y| {
        y.improvement()
            .partial_cmp(&x.improvement())
            .unwrap()
            .then(x.index.cmp(&y.index))
    });
    all
}

#[test]
fn kept_directions_are_the_brute_force_top_k() {
    // Smaller under Miri, whose interpreter is slow.
    let (seeds, count): (&[u64], u64) = if cfg!(miri) {
        (&[1], 80)
    } else {
        (&[1, 2, 3], 400)
    };
    for &seed in seeds {
        let q = Quadratic::new(seed);
        let (_, top) = q.run::<8>(0..count);
        let want = brute_force(&q, 0..count);
        assert_eq!(top.directions(), &want[..8], "seed {seed}");
        assert_eq!(top.best(), want.first());
        // The pairs are the quadratic's, eq. 1–2 exactly up to rounding,
        // and the improvement is the better side's.
        for e in top.directions() {
            let mut d = [0.0; N];
            direction_into(SEED, e.index, &mut d).unwrap();
            let (gd, dhd) = q.projections(&d);
            let plus = ALPHA * gd + 0.5 * ALPHA * ALPHA * dhd;
            let minus = -ALPHA * gd + 0.5 * ALPHA * ALPHA * dhd;
            assert!((e.d_plus - plus).abs() < 1e-13, "{} vs {plus}", e.d_plus);
            assert!(
                (e.d_minus - minus).abs() < 1e-13,
                "{} vs {minus}",
                e.d_minus
            );
            assert!((e.gradient(ALPHA) - gd).abs() < 1e-12);
            assert!((e.curvature(ALPHA) - dhd).abs() < 1e-11);
            let side = if gd >= 0.0 { Side::Plus } else { Side::Minus };
            assert_eq!(e.side(), side);
            assert_eq!(e.improvement(), e.d_plus.max(e.d_minus));
        }
        // Strictly decreasing improvements (no ties among random directions).
        for w in top.directions().windows(2) {
            assert!(w[0].improvement() > w[1].improvement());
        }
    }
}

#[test]
fn the_accumulator_sees_what_plain_probe_gives_it() {
    let q = Quadratic::new(4);
    let (acc, _) = q.run::<3>(0..120);
    let mut plain = q.start();
    let mut o = q.objective();
    let mut scratch = [0.0; 2 * N];
    probe::probe(&mut o, &q.theta0, SEED, 0..120, &mut scratch, &mut plain).unwrap();
    assert_eq!(acc, plain);
}

#[cfg_attr(
    miri,
    ignore = "too slow under Miri (about 3000 directions over 18 shards)"
)]
#[test]
fn shards_merge_to_one_pass_in_any_order_and_split() {
    let q = Quadratic::new(5);
    let (_, whole) = q.run::<6>(0..300);
    let splits: [&[u64]; 4] = [
        &[0, 100, 170, 300],
        &[0, 1, 2, 299, 300],
        &[0, 150, 300],
        &[0, 7, 40, 41, 200, 250, 300],
    ];
    for cuts in splits {
        let shards: Vec<Improving<f64, 6>> = cuts.windows(2).map(|w| q.run(w[0]..w[1]).1).collect();
        // Left to right, right to left, and as a balanced tree.
        let mut forward = shards[0].clone();
        for s in &shards[1..] {
            forward.merge(s).unwrap();
        }
        let mut backward = shards[shards.len() - 1].clone();
        for s in shards[..shards.len() - 1].iter().rev() {
            backward.merge(s).unwrap();
        }
        let mut level = shards.clone();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|c| {
                    let mut m = c[0].clone();
                    if let Some(o) = c.get(1) {
                        m.merge(o).unwrap();
                    }
                    m
                })
                .collect();
        }
        assert_eq!(forward, whole, "cuts {cuts:?}");
        assert_eq!(backward, whole, "cuts {cuts:?}");
        assert_eq!(level[0], whole, "cuts {cuts:?}");
    }
    // Overlapping shards: each direction is kept once.
    let mut a = q.run::<6>(0..200).1;
    a.merge(&q.run::<6>(100..300).1).unwrap();
    assert_eq!(a, whole);
    let mut twice = whole.clone();
    twice.merge(&whole).unwrap();
    assert_eq!(twice, whole);
}

#[test]
fn stepping_along_the_best_direction_gains_the_recorded_improvement() {
    let q = Quadratic::new(6);
    let (acc, top) = q.run::<4>(0..200);
    let base = q.value(&q.theta0);
    assert_eq!(acc.base(), base);
    let mut theta = [0.0; N];
    for e in top.directions() {
        // The probed point itself: the same bits as the probe's evaluation.
        top.step_into(e, &q.theta0, &mut theta).unwrap();
        assert_eq!(q.value(&theta) - base, e.improvement());
        let mut d = [0.0; N];
        direction_into(SEED, e.index, &mut d).unwrap();
        let s = if e.side() == Side::Plus { 1.0 } else { -1.0 };
        for k in 0..N {
            assert!((theta[k] - (q.theta0[k] + s * ALPHA * d[k])).abs() < 1e-15);
        }
        // Another step along the same ray: O(θ0 + η s d) − O(θ0) =
        // η |g·d| + ½ η² dᵀHd.
        let (gd, dhd) = q.projections(&d);
        for eta in [0.01, 0.1, 0.5, -0.2] {
            top.step_by_into(e, &q.theta0, eta, &mut theta).unwrap();
            let want = eta * gd.abs() + 0.5 * eta * eta * dhd;
            let got = q.value(&theta) - base;
            assert!((got - want).abs() < 1e-13, "eta {eta}: {got} vs {want}");
        }
    }
    // The best improves the objective (the quadratic has a gradient).
    assert!(top.best().unwrap().improvement() > 0.0);
}

#[test]
fn capacity_above_the_number_of_directions_keeps_them_all_sorted() {
    let q = Quadratic::new(7);
    let (_, top) = q.run::<16>(0..5);
    assert_eq!(top.len(), 5);
    assert_eq!(top.directions(), &brute_force(&q, 0..5)[..]);
    let mut indices: Vec<u64> = top.directions().iter().map(|e| e.index).collect();
    indices.sort();
    assert_eq!(indices, [0, 1, 2, 3, 4]);
    // K = 1 keeps the best of all.
    let (_, one) = q.run::<1>(0..5);
    assert_eq!(one.directions(), &brute_force(&q, 0..5)[..1]);
    // An empty range keeps nothing.
    let (_, none) = q.run::<4>(3..3);
    assert!(none.is_empty() && none.best().is_none());
}

#[test]
fn ties_go_to_the_smaller_index_whatever_the_order() {
    // A flat objective: every improvement is 0.
    let mut o = from_fn(|_: &[f64]| Ok(1.0));
    let theta0 = [0.0; 3];
    let mut acc = probe::start(&mut o, &theta0, 0.1, Thresholds::default()).unwrap();
    let mut top = Improving::<f64, 3>::new(1, &acc);
    let mut scratch = [0.0; 6];
    probe::probe_improving(&mut o, &theta0, 10..20, &mut scratch, &mut acc, &mut top).unwrap();
    probe::probe_improving(&mut o, &theta0, 0..10, &mut scratch, &mut acc, &mut top).unwrap();
    let idx: Vec<u64> = top.directions().iter().map(|e| e.index).collect();
    assert_eq!(idx, [0, 1, 2]);
    // By hand, pushed in reverse.
    let mut by_hand = Improving::<f64, 2>::new(1, &acc);
    for i in (0..6).rev() {
        by_hand.push(i, 0.5, 0.5).unwrap();
    }
    by_hand.push(9, 0.25, 0.75).unwrap();
    let got: Vec<(u64, Side)> = by_hand
        .directions()
        .iter()
        .map(|e| (e.index, e.side()))
        .collect();
    assert_eq!(got, [(9, Side::Minus), (0, Side::Plus)]);
}

#[test]
fn errors_leave_the_set_unchanged() {
    let q = Quadratic::new(8);
    let (acc, mut top) = q.run::<3>(0..20);
    let before = top.clone();
    assert_eq!(
        top.push(99, f64::NAN, 0.0),
        Err(Error::NonFinite {
            what: "probe difference",
            index: 0
        })
    );
    assert_eq!(
        top.push(99, 1e300, f64::INFINITY),
        Err(Error::NonFinite {
            what: "probe difference",
            index: 1
        })
    );
    assert_eq!(top, before);

    // Another seed, step or base: not the same probe.
    let other_seed = Improving::<f64, 3>::new(SEED + 1, &acc);
    assert_eq!(
        top.merge(&other_seed),
        Err(Error::IncompatibleMerge { what: "seed" })
    );
    let other_alpha =
        Improving::<f64, 3>::new(SEED, &Accumulator::new(0.5, N, acc.base()).unwrap());
    assert_eq!(
        top.merge(&other_alpha),
        Err(Error::IncompatibleMerge { what: "alpha" })
    );
    let other_base = Accumulator::new(ALPHA, N, acc.base() + 1.0).unwrap();
    assert_eq!(
        top.merge(&Improving::new(SEED, &other_base)),
        Err(Error::IncompatibleMerge { what: "base value" })
    );
    assert_eq!(top, before);

    // The driver refuses an accumulator of another probe, before probing.
    let mut o = q.objective();
    let mut acc2 = other_base.clone();
    let mut scratch = [0.0; 2 * N];
    assert_eq!(
        probe::probe_improving(&mut o, &q.theta0, 0..5, &mut scratch, &mut acc2, &mut top),
        Err(Error::IncompatibleMerge { what: "base value" })
    );
    assert_eq!((acc2.count(), &top), (0, &before));

    // Stepping checks its buffers and the step.
    let best = *top.best().unwrap();
    let mut out = [0.0; N];
    assert!(matches!(
        top.step_into(&best, &q.theta0[..N - 1], &mut out),
        Err(Error::LengthMismatch { what: "theta", .. })
    ));
    assert!(matches!(
        top.step_into(&best, &q.theta0, &mut out[..2]),
        Err(Error::LengthMismatch {
            what: "step output",
            ..
        })
    ));
    assert!(matches!(
        top.step_by_into(&best, &q.theta0, f64::NAN, &mut out),
        Err(Error::InvalidParameter { .. })
    ));
    let mut nan_theta = q.theta0;
    nan_theta[2] = f64::NAN;
    assert!(matches!(
        top.step_into(&best, &nan_theta, &mut out),
        Err(Error::NonFinite {
            what: "theta",
            index: 2
        })
    ));
    assert!(matches!(
        top.step_by_into(&best, &[f64::MAX; N], f64::MAX, &mut out),
        Err(Error::NumericalOverflow { .. })
    ));
}

#[test]
fn f32_probes_keep_the_same_directions_as_their_brute_force() {
    let mut o = from_fn(|t: &[f32]| Ok(t[0] - 2.0 * t[1] * t[1] + t[2] * t[0]));
    let theta0 = [0.5f32, -0.25, 1.0];
    let base = 0.5f32 - 2.0 * 0.0625 + 0.5;
    let mut acc = probe::start(&mut o, &theta0, 0.1, Thresholds::default()).unwrap();
    let mut top = Improving::<f32, 5>::new(3, &acc);
    let mut scratch = [0.0f32; 6];
    probe::probe_improving(&mut o, &theta0, 0..64, &mut scratch, &mut acc, &mut top).unwrap();
    let mut all = Vec::new();
    for i in 0..64 {
        let mut d = [0.0f32; 3];
        direction_into(3, i, &mut d).unwrap();
        let mut t = [0.0f32; 3];
        let mut eval = |s: f32| {
            for k in 0..3 {
                t[k] = if s > 0.0 {
                    theta0[k] + 0.1 * d[k]
                } else {
                    theta0[k] - 0.1 * d[k]
                };
            }
            o.evaluate(&t).unwrap().value - acc.base()
        };
        let (p, m) = (eval(1.0), eval(-1.0));
        all.push((p.max(m), i));
    }
    all.sort_by(|x, y| y.0.partial_cmp(&x.0).unwrap().then(x.1.cmp(&y.1)));
    let got: Vec<(f32, u64)> = top
        .directions()
        .iter()
        .map(|e| (e.improvement(), e.index))
        .collect();
    assert_eq!(got, all[..5]);
    assert!((acc.base() - base).abs() < 1e-6);
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip_and_validation() {
    let q = Quadratic::new(9);
    let (_, top) = q.run::<4>(0..50);
    let value = serde_json::to_value(&top).unwrap();
    let back: Improving<f64, 4> = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(back, top);

    // Out of order: rejected, since merges rely on the order.
    let mut swapped = value.clone();
    swapped["top"].as_array_mut().unwrap().swap(0, 1);
    assert!(serde_json::from_value::<Improving<f64, 4>>(swapped).is_err());
    // Duplicated entry: rejected.
    let mut dup = value.clone();
    let first = dup["top"][0].clone();
    dup["top"][1] = first;
    assert!(serde_json::from_value::<Improving<f64, 4>>(dup).is_err());
    // More entries than K: rejected.
    assert!(serde_json::from_value::<Improving<f64, 3>>(value.clone()).is_err());
    // A non-positive alpha: rejected.
    let mut bad_alpha = value;
    bad_alpha["alpha"] = serde_json::json!(-1.0);
    assert!(serde_json::from_value::<Improving<f64, 4>>(bad_alpha).is_err());
}
