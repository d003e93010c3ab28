//! Log-spaced histogram: exact edges at 2^k and 2^(k+1/2), both signs, the
//! zero and overflow bins, f32/f64 agreement, exact merges.

use policy_landscape::Error;
use policy_landscape::stats::LogHistogram;
use proptest::prelude::*;

type H64 = LogHistogram<f64>;
type H32 = LogHistogram<f32>;

const ZERO: usize = H64::ZERO_BIN;

/// 2^k, exact.
fn p2(k: i32) -> f64 {
    2.0_f64.powi(k)
}

/// The largest f64 below a positive finite `x`.
fn below(x: f64) -> f64 {
    f64::from_bits(x.to_bits() - 1)
}

/// The largest f32 below a positive finite `x`.
fn below32(x: f32) -> f32 {
    f32::from_bits(x.to_bits() - 1)
}

/// The positive magnitude bin of `2^k` (k in -64..64).
fn pos_bin(k: i32) -> usize {
    ZERO + 1 + 2 * (k + 64) as usize
}

/// `true` if `x` lies in bin `i` as `bin_range` documents it.
fn in_range<T: policy_landscape::Real>(i: usize, x: T) -> bool {
    let (lo, hi) = LogHistogram::<T>::bin_range(i).unwrap();
    match i.cmp(&LogHistogram::<T>::ZERO_BIN) {
        std::cmp::Ordering::Less => lo < x && x <= hi,
        std::cmp::Ordering::Equal => lo < x && x < hi,
        std::cmp::Ordering::Greater => lo <= x && x < hi,
    }
}

fn hist(xs: &[f64]) -> H64 {
    let mut h = H64::new();
    for &x in xs {
        h.push(x).unwrap();
    }
    h
}

#[test]
fn layout_constants() {
    assert_eq!(H64::num_bins(), 513);
    assert_eq!(H32::num_bins(), H64::NUM_BINS);
    assert_eq!(ZERO, 256);
    assert_eq!(H64::BINS_PER_OCTAVE, 2);
    assert_eq!((H64::MIN_EXP, H64::MAX_EXP), (-64, 64));
    assert_eq!(H64::bin_range(513), None);
    assert_eq!(H64::bin_range(usize::MAX), None);
    assert_eq!(H64::new().bin_count(513), 0);
    assert_eq!(H64::new(), H64::default());
    // About 2 KiB: 512 u32 bins, four u64 totals.
    assert_eq!(core::mem::size_of::<H64>(), 512 * 4 + 4 * 8);
}

#[test]
fn bins_tile_the_line_in_order() {
    for i in 0..H64::NUM_BINS - 1 {
        let (lo, hi) = H64::bin_range(i).unwrap();
        let (next_lo, _) = H64::bin_range(i + 1).unwrap();
        assert!(lo < hi, "bin {i}");
        assert_eq!(hi, next_lo, "bins {i} and {}", i + 1);
        let (lo32, hi32) = H32::bin_range(i).unwrap();
        assert_eq!(hi32, H32::bin_range(i + 1).unwrap().0);
        assert!(lo32 < hi32);
    }
    assert_eq!(H64::bin_range(0).unwrap().0, -p2(64));
    assert_eq!(H64::bin_range(512).unwrap().1, p2(64));
    assert_eq!(H64::bin_range(ZERO), Some((-p2(-64), p2(-64))));
    assert_eq!(
        H32::bin_range(ZERO),
        Some((-p2(-64) as f32, p2(-64) as f32))
    );
}

#[test]
fn powers_of_two_open_even_bins_exactly() {
    for k in -64..64 {
        let x = p2(k);
        let i = pos_bin(k);
        assert_eq!(H64::bin_of(x), Some(i), "2^{k}");
        assert_eq!(H64::bin_range(i).unwrap().0, x);
        assert_eq!(H64::bin_range(i - 1).unwrap().1, x);
        // The float just below 2^k is in the previous bin (or the zero bin).
        assert_eq!(H64::bin_of(below(x)), Some(i - 1), "below 2^{k}");
        // Negative side: the mirror image, closed towards zero.
        let m = 2 * ZERO - i;
        assert_eq!(H64::bin_of(-x), Some(m), "-2^{k}");
        assert_eq!(H64::bin_range(m).unwrap().1, -x);
        assert_eq!(H64::bin_of(-below(x)), Some(m + 1));
        // f32 agrees.
        let x32 = x as f32;
        assert_eq!(H32::bin_of(x32), Some(i));
        assert_eq!(H32::bin_of(below32(x32)), Some(i - 1));
        assert_eq!(H32::bin_of(-x32), Some(m));
        assert_eq!(H32::bin_range(i).unwrap().0, x32);
    }
    // Values inside an octave, e.g. 1.0 .. 2.0 at k = 0.
    assert_eq!(H64::bin_of(1.0), Some(pos_bin(0)));
    assert_eq!(H64::bin_of(1.25), Some(pos_bin(0)));
    assert_eq!(H64::bin_of(1.5), Some(pos_bin(0) + 1));
    assert_eq!(H64::bin_of(1.999), Some(pos_bin(0) + 1));
    assert_eq!(H64::bin_of(3.0), Some(pos_bin(1) + 1));
    assert_eq!(H64::bin_of(0.7), Some(pos_bin(-1)));
    assert_eq!(H64::bin_of(-0.75), Some(2 * ZERO - pos_bin(-1) - 1));
}

#[test]
fn half_octave_edges_are_exact_at_the_square_root_of_two() {
    // √2 = 1.41421356237309504880...: f64's nearest (SQRT_2) lies above it,
    // f32's nearest lies below it, so f32's first upper value is the next one.
    let sqrt2_32_up = f32::from_bits(std::f32::consts::SQRT_2.to_bits() + 1);
    for k in -64..64 {
        let i = pos_bin(k) + 1;
        let edge = std::f64::consts::SQRT_2 * p2(k);
        assert_eq!(H64::bin_range(i).unwrap().0, edge, "k = {k}");
        assert_eq!(H64::bin_of(edge), Some(i));
        assert_eq!(H64::bin_of(below(edge)), Some(i - 1));
        assert_eq!(H64::bin_of(-edge), Some(2 * ZERO - i));
        assert_eq!(H64::bin_of(-below(edge)), Some(2 * ZERO - i + 1));

        let scale = p2(k) as f32;
        let edge32 = sqrt2_32_up * scale;
        assert_eq!(H32::bin_range(i).unwrap().0, edge32, "k = {k}");
        assert_eq!(H32::bin_of(edge32), Some(i));
        let nearest32 = std::f32::consts::SQRT_2 * scale; // just below √2·2^k
        assert_eq!(H32::bin_of(nearest32), Some(i - 1));
        assert_eq!(H32::bin_of(-nearest32), Some(2 * ZERO - i + 1));
        // The same two f32 values, widened, land in the same f64 bins.
        assert_eq!(H64::bin_of(f64::from(edge32)), Some(i));
        assert_eq!(H64::bin_of(f64::from(nearest32)), Some(i - 1));
    }
}

#[test]
fn zero_bin_and_tiny_values() {
    let tiny = p2(-64);
    for x in [
        0.0,
        -0.0,
        5e-324,
        -5e-324,
        f64::MIN_POSITIVE,
        1e-30,
        -1e-25,
        p2(-65),
        below(tiny),
        -below(tiny),
    ] {
        assert_eq!(H64::bin_of(x), Some(ZERO), "{x:e}");
    }
    assert_eq!(H64::bin_of(tiny), Some(ZERO + 1));
    assert_eq!(H64::bin_of(-tiny), Some(ZERO - 1));
    for x in [
        0.0_f32,
        -0.0,
        1e-45,
        f32::MIN_POSITIVE,
        1e-20,
        -below32(tiny as f32),
    ] {
        assert_eq!(H32::bin_of(x), Some(ZERO), "{x:e}");
    }
    assert_eq!(H32::bin_of(tiny as f32), Some(ZERO + 1));
    let h = hist(&[0.0, -0.0, 1e-300, -1e-300, tiny]);
    assert_eq!(h.zero_count(), 4);
    assert_eq!(h.positive_count(), 1);
    assert_eq!(h.negative_count(), 0);
    assert_eq!(h.bin_count(ZERO), 4);
}

#[test]
fn huge_values_fill_the_outermost_bins_and_count_as_overflow() {
    let big = p2(64);
    assert_eq!(H64::bin_of(below(big)), Some(512));
    assert_eq!(H64::bin_of(-below(big)), Some(0));
    for x in [big, 1e30, f64::MAX] {
        assert_eq!(H64::bin_of(x), Some(512), "{x:e}");
        assert_eq!(H64::bin_of(-x), Some(0), "{x:e}");
    }
    assert_eq!(H32::bin_of(f32::MAX), Some(512));
    assert_eq!(H32::bin_of(-f32::MAX), Some(0));
    assert_eq!(H32::bin_of(big as f32), Some(512));

    let h = hist(&[below(big), big, f64::MAX, -f64::MAX, -1e20, 1.0]);
    assert_eq!(h.overflow_count(), 4);
    assert_eq!(h.bin_count(512), 3);
    assert_eq!(h.bin_count(0), 2);
    assert_eq!(h.count(), 6);
    assert_eq!(
        (h.negative_count(), h.zero_count(), h.positive_count()),
        (2, 0, 4)
    );
}

#[test]
fn non_finite_values_are_rejected_and_change_nothing() {
    let mut h = hist(&[1.0, -2.0, 0.0]);
    let before = h.clone();
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN] {
        assert_eq!(H64::bin_of(x), None);
        assert_eq!(
            h.push(x),
            Err(Error::NonFinite {
                what: "observation",
                index: 0
            })
        );
        assert_eq!(h, before);
    }
    let mut h32 = H32::new();
    assert_eq!(H32::bin_of(f32::NAN), None);
    assert!(h32.push(f32::NEG_INFINITY).is_err());
    assert_eq!(h32.count(), 0);
}

#[test]
fn counts_and_iteration() {
    let xs = [3.0, 3.5, -3.0, 0.0, 1e-30, 1.0, 1.0, 1.0, -1e40, 2.9];
    let h = hist(&xs);
    assert_eq!(h.count(), 10);
    assert_eq!(h.negative_count(), 2);
    assert_eq!(h.zero_count(), 2);
    assert_eq!(h.positive_count(), 6);
    assert_eq!(h.overflow_count(), 1);
    let bins: Vec<(f64, f64, u64)> = h.iter().collect();
    let s = std::f64::consts::SQRT_2;
    assert_eq!(
        bins,
        vec![
            (-p2(64), -s * p2(63), 1), // -1e40, outermost
            (-4.0, -2.0 * s, 1),       // -3
            (-p2(-64), p2(-64), 2),    // 0, 1e-30
            (1.0, s, 3),               // 1, 1, 1
            (2.0 * s, 4.0, 3),         // 2.9, 3, 3.5
        ]
    );
    assert_eq!(bins.iter().map(|b| b.2).sum::<u64>(), h.count());
    let backwards: Vec<_> = h.iter().rev().collect();
    assert_eq!(backwards, bins.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!((&h).into_iter().count(), 5);
    let mut it = h.iter();
    assert_eq!(it.next(), Some(bins[0]));
    assert_eq!(it.next_back(), Some(bins[4]));
    assert_eq!(it.by_ref().count(), 3);
    assert_eq!(it.next(), None);
    assert_eq!(it.next_back(), None);
}

#[test]
fn merge_equals_pushing_both_streams() {
    let a_xs = [1.0, -2.0, 0.5, 1e70, 0.0, 7.0];
    let b_xs = [3.0, -1e-70, -2.5, 7.0, 7.0];
    let mut a = hist(&a_xs);
    a.merge(&hist(&b_xs));
    let both: Vec<f64> = a_xs.iter().chain(&b_xs).copied().collect();
    assert_eq!(a, hist(&both));
    assert_eq!(a.count(), 11);
    assert_eq!(a.bin_count(H64::bin_of(7.0).unwrap()), 3);
    // Merging an empty histogram changes nothing.
    let before = a.clone();
    a.merge(&H64::new());
    assert_eq!(a, before);
}

#[test]
fn bin_counts_saturate_while_totals_stay_exact() {
    let mut h = hist(&[1.0]);
    for _ in 0..32 {
        let copy = h.clone();
        h.merge(&copy);
    }
    let i = H64::bin_of(1.0).unwrap();
    assert_eq!(h.count(), 1 << 32);
    assert_eq!(h.positive_count(), 1 << 32);
    assert_eq!(h.bin_count(i), u64::from(u32::MAX));
    h.push(1.0).unwrap();
    assert_eq!(h.bin_count(i), u64::from(u32::MAX));
    assert_eq!(h.count(), (1 << 32) + 1);
}

#[test]
fn f32_and_f64_histograms_agree() {
    let xs32 = [
        1.0_f32,
        -1.5,
        0.1,
        3e-20,
        -7e30,
        0.0,
        123_456.79,
        // f32's nearest to √2 (below it) and the next f32 (above it).
        std::f32::consts::SQRT_2,
        f32::from_bits(std::f32::consts::SQRT_2.to_bits() + 1),
    ];
    let mut h32 = H32::new();
    let mut h64 = H64::new();
    for &x in &xs32 {
        h32.push(x).unwrap();
        h64.push(f64::from(x)).unwrap();
    }
    for i in 0..H64::NUM_BINS {
        assert_eq!(h32.bin_count(i), h64.bin_count(i), "bin {i}");
    }
    assert_eq!(h32.overflow_count(), h64.overflow_count());
    assert_eq!(h32.count(), 9);
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip() {
    let h = hist(&[1.0, -2.0, 0.0, 1e80]);
    let json = serde_json::to_string(&h).unwrap();
    let back: H64 = serde_json::from_str(&json).unwrap();
    assert_eq!(back, h);
}

/// Finite f64 values spread over every bin (exponents -70..70, both signs,
/// random significands) plus arbitrary finite bit patterns.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-70_i32..70, any::<u64>(), any::<bool>()).prop_map(|(e, m, neg)| {
            let x = f64::from_bits(((e + 1023) as u64) << 52 | (m >> 12));
            if neg { -x } else { x }
        }),
        any::<u64>()
            .prop_map(f64::from_bits)
            .prop_filter("finite", |x| x.is_finite()),
        Just(0.0),
        Just(-0.0),
    ]
}

proptest! {
    #[cfg_attr(miri, ignore = "too slow under Miri (256 proptest cases)")]
    #[test]
    fn every_value_lies_in_its_bin(x in value()) {
        let i = H64::bin_of(x).unwrap();
        if x.abs() >= p2(64) {
            prop_assert_eq!(i, if x > 0.0 { 512 } else { 0 });
        } else {
            prop_assert!(in_range(i, x), "{:e} not in bin {} = {:?}", x, i, H64::bin_range(i));
        }
        let mut h = H64::new();
        h.push(x).unwrap();
        prop_assert_eq!(h.bin_count(i), 1);
        prop_assert_eq!(h.iter().count(), 1);
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (256 proptest cases)")]
    #[test]
    fn every_f32_lies_in_its_bin_and_agrees_with_f64(bits in any::<u32>()) {
        let x = f32::from_bits(bits);
        prop_assume!(x.is_finite());
        let i = H32::bin_of(x).unwrap();
        prop_assert_eq!(Some(i), H64::bin_of(f64::from(x)));
        if f64::from(x).abs() < p2(64) {
            prop_assert!(in_range(i, x), "{:e} not in bin {} = {:?}", x, i, H32::bin_range(i));
        }
    }

    #[cfg_attr(miri, ignore = "too slow under Miri (256 proptest cases of three histograms)")]
    #[test]
    fn merge_is_exact_associative_and_commutative(
        a in proptest::collection::vec(value(), 0..50),
        b in proptest::collection::vec(value(), 0..50),
        c in proptest::collection::vec(value(), 0..50),
    ) {
        let (ha, hb, hc) = (hist(&a), hist(&b), hist(&c));
        let mut left = ha.clone();
        left.merge(&hb);
        left.merge(&hc);
        let mut bc = hb.clone();
        bc.merge(&hc);
        let mut right = ha.clone();
        right.merge(&bc);
        prop_assert_eq!(&left, &right);
        let all: Vec<f64> = a.iter().chain(&b).chain(&c).copied().collect();
        prop_assert_eq!(&left, &hist(&all));
        let mut ba = hb.clone();
        ba.merge(&ha);
        let mut ab = ha.clone();
        ab.merge(&hb);
        prop_assert_eq!(ab, ba);
        prop_assert_eq!(left.count(), all.len() as u64);
    }
}
