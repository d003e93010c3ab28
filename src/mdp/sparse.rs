//! [`SparseMdp`]: a tabular MDP whose number of states is chosen at run
//! time, its transitions stored as next-state lists on caller storage.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// validation checks every length, offset and next state before any of them
// is used as an index (offsets non-decreasing and ending at the number of
// transitions, next states below the number of states); counts are bounded
// by slice lengths.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "indices checked by the validation before use (see above)"
)]

use crate::error::{Error, Result, check_len, rule};
use crate::real::Real;

/// A finite MDP with `A` actions and `S` states (`S` chosen at run time),
/// with the transitions of each `(s, a)` stored as a list of next states
/// and probabilities: memory linear in the number of transitions, so a
/// gridworld of 10⁵ states takes a few megabytes where the dense
/// [`super::TabularMdp`] would need `8 S² A` bytes.
///
/// The lists live in caller-owned slices (a `static` in firmware, a `Vec`
/// on a host, see `OwnedSparseMdp` with the `std` feature):
///
/// - `offsets` (`S · A + 1` entries): the transitions of `(s, a)` are
///   `offsets[s·A + a]..offsets[s·A + a + 1]` of `next` and `prob`;
/// - `next`, `prob`: next states, strictly increasing within each `(s, a)`,
///   and their probabilities;
/// - `rewards`: `R[s][a]`; `start`: `p0`; `gamma`: the discount.
///
/// Invariants, checked on construction: lengths consistent, offsets
/// non-decreasing from 0 to the number of transitions, next states in
/// range and increasing within a list, probabilities finite and
/// non-negative, each list and `p0` summing to 1 (within `8 max(len, 4) ε`
/// for a list of `len` entries, `8 max(S, 4) ε` for `p0`), rewards finite,
/// `0 ≤ γ < 1 − 4 S ε` (as [`super::TabularMdp::max_discount`]; for `f32`
/// with 10⁵ states that is 0.95).
///
/// # Examples
///
/// ```
/// use policy_landscape::mdp::SparseMdp;
///
/// // Two states, one action: 0 → 1 → 1 (absorbing), reward 1 in state 0.
/// let offsets = [0, 1, 2];
/// let next = [1, 1];
/// let prob = [1.0, 1.0];
/// let rewards = [[1.0], [0.0]];
/// let start = [1.0, 0.0];
/// let mdp = SparseMdp::try_new(&offsets, &next, &prob, &rewards, 0.9, &start)?;
/// assert_eq!(mdp.states(), 2);
/// assert_eq!(mdp.transitions_of(0, 0), (&[1u32][..], &[1.0][..]));
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SparseMdp<'a, T, const A: usize> {
    offsets: &'a [u32],
    next: &'a [u32],
    prob: &'a [T],
    rewards: &'a [[T; A]],
    start: &'a [T],
    gamma: T,
}

impl<'a, T: Real, const A: usize> SparseMdp<'a, T, A> {
    /// Builds and validates a sparse MDP over caller storage.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for no states or no actions, or more than
    /// `u32::MAX - 1` states or transitions; [`Error::LengthMismatch`] for
    /// inconsistent lengths; [`Error::InvalidParameter`] for offsets that
    /// do not start at 0, decrease, or do not end at the number of
    /// transitions; [`Error::StateOutOfRange`] for a next state out of
    /// range; [`Error::InvalidParameter`] for next states not increasing
    /// within a list; [`Error::NonFiniteTransition`],
    /// [`Error::NegativeProbability`], [`Error::NotStochastic`] (naming the
    /// state and action; `next` is the position in the list);
    /// [`Error::NonFiniteReward`]; [`Error::InvalidDiscount`];
    /// [`Error::InvalidStartDistribution`].
    pub fn try_new(
        offsets: &'a [u32],
        next: &'a [u32],
        prob: &'a [T],
        rewards: &'a [[T; A]],
        gamma: T,
        start: &'a [T],
    ) -> Result<Self> {
        let states = rewards.len();
        if states == 0 || A == 0 {
            return Err(Error::ShapeMismatch {
                what: "sparse MDP states and actions (at least 1)",
                expected: 1,
                found: 0,
            });
        }
        let limit = u32::MAX as usize - 1;
        if states > limit || next.len() > limit {
            return Err(Error::ShapeMismatch {
                what: "sparse MDP size (below u32::MAX)",
                expected: limit,
                found: states.max(next.len()),
            });
        }
        check_len("start", start.len(), states)?;
        check_len(
            "offsets",
            offsets.len(),
            states.saturating_mul(A).saturating_add(1),
        )?;
        check_len("prob", prob.len(), next.len())?;
        let bad_offsets = Error::InvalidParameter {
            what: "offsets",
            rule: "start at 0, never decrease, end at the number of transitions",
        };
        if offsets.first() != Some(&0) || offsets.last().map(|&x| x as usize) != Some(next.len()) {
            return Err(bad_offsets);
        }
        if offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad_offsets);
        }
        for s in 0..states {
            for a in 0..A {
                let (lo, hi) = (offsets[s * A + a] as usize, offsets[s * A + a + 1] as usize);
                let mut sum = T::ZERO;
                let mut last = None;
                for (k, (&j, &p)) in next[lo..hi].iter().zip(&prob[lo..hi]).enumerate() {
                    if j as usize >= states {
                        return Err(Error::StateOutOfRange {
                            state: j as usize,
                            states,
                        });
                    }
                    if last.is_some_and(|l| l >= j) {
                        return Err(Error::InvalidParameter {
                            what: "next states",
                            rule: "be strictly increasing within each (state, action)",
                        });
                    }
                    last = Some(j);
                    if !p.is_finite() {
                        return Err(Error::NonFiniteTransition {
                            state: s,
                            action: a,
                            next: k,
                        });
                    }
                    if p < T::ZERO {
                        return Err(Error::NegativeProbability {
                            state: s,
                            action: a,
                            next: k,
                        });
                    }
                    sum += p;
                }
                let tol = T::EPSILON * T::from_usize(8 * (hi - lo).max(4));
                if !((sum - T::ONE).abs() <= tol) {
                    return Err(Error::NotStochastic {
                        state: s,
                        action: a,
                    });
                }
                if !rewards[s][a].is_finite() {
                    return Err(Error::NonFiniteReward {
                        state: s,
                        action: a,
                    });
                }
            }
        }
        let max_discount = T::ONE - T::from_usize(4 * states) * T::EPSILON;
        if !(gamma >= T::ZERO && gamma < max_discount) {
            return Err(Error::InvalidDiscount {
                rule: rule::DISCOUNT_TABULAR,
            });
        }
        let mut total = T::ZERO;
        for (index, &p) in start.iter().enumerate() {
            if !(p.is_finite() && p >= T::ZERO) {
                return Err(Error::InvalidStartDistribution { index });
            }
            total += p;
        }
        if !((total - T::ONE).abs() <= T::EPSILON * T::from_usize(8 * states.max(4))) {
            return Err(Error::InvalidStartDistribution { index: states });
        }
        Ok(Self {
            offsets,
            next,
            prob,
            rewards,
            start,
            gamma,
        })
    }

    /// The number of states.
    pub fn states(&self) -> usize {
        self.rewards.len()
    }

    /// The number of stored transitions (entries of `next` and `prob`).
    pub fn transitions(&self) -> usize {
        self.next.len()
    }

    /// The next states and probabilities of `(s, a)` (empty out of range).
    pub fn transitions_of(&self, s: usize, a: usize) -> (&'a [u32], &'a [T]) {
        let range = self.range(s, a);
        match (self.next.get(range.clone()), self.prob.get(range)) {
            (Some(n), Some(p)) => (n, p),
            _ => (&[], &[]),
        }
    }

    /// The offsets (`S · A + 1`).
    pub fn offsets(&self) -> &'a [u32] {
        self.offsets
    }

    /// All next states, list after list.
    pub fn next_states(&self) -> &'a [u32] {
        self.next
    }

    /// All probabilities, aligned with [`SparseMdp::next_states`].
    pub fn probabilities(&self) -> &'a [T] {
        self.prob
    }

    /// `R[s][a]`.
    pub fn rewards(&self) -> &'a [[T; A]] {
        self.rewards
    }

    /// The start distribution `p0`.
    pub fn start(&self) -> &'a [T] {
        self.start
    }

    /// The discount `γ`.
    pub fn gamma(&self) -> T {
        self.gamma
    }

    /// The entries of `(s, a)` in `next` and `prob` (empty out of range).
    pub(crate) fn range(&self, s: usize, a: usize) -> core::ops::Range<usize> {
        let i = s.saturating_mul(A).saturating_add(a);
        match (self.offsets.get(i), self.offsets.get(i.saturating_add(1))) {
            (Some(&lo), Some(&hi)) if s < self.states() && a < A => lo as usize..hi as usize,
            _ => 0..0,
        }
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const A: usize> defmt::Format for SparseMdp<'_, T, A> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "SparseMdp {{ states: {=usize}, actions: {=usize}, transitions: {=usize}, gamma: {=f64} }}",
            self.states(),
            A,
            self.transitions(),
            self.gamma.to_f64(),
        );
    }
}

/// Caller storage for a builder's sparse MDP: `S · A + 1` offsets, the
/// transitions (as many as the builder's `sparse_transitions` says),
/// `S` reward rows and `S` start probabilities.
#[derive(Debug)]
pub struct SparseStorage<'a, T, const A: usize> {
    /// Offsets, `S · A + 1`.
    pub offsets: &'a mut [u32],
    /// Next states.
    pub next: &'a mut [u32],
    /// Probabilities.
    pub prob: &'a mut [T],
    /// `R[s][a]`, `S` rows.
    pub rewards: &'a mut [[T; A]],
    /// `p0`, `S`.
    pub start: &'a mut [T],
}

impl<'a, T: Real, const A: usize> SparseStorage<'a, T, A> {
    /// Checks the lengths for `states` states and `transitions`
    /// transitions.
    pub(crate) fn check(&self, states: usize, transitions: usize) -> Result<()> {
        check_len(
            "offsets",
            self.offsets.len(),
            states.saturating_mul(A).saturating_add(1),
        )?;
        check_len("next", self.next.len(), transitions)?;
        check_len("prob", self.prob.len(), transitions)?;
        check_len("rewards", self.rewards.len(), states)?;
        check_len("start", self.start.len(), states)
    }

    /// Validates what a builder wrote and returns the MDP over it.
    pub(crate) fn finish(self, gamma: T) -> Result<SparseMdp<'a, T, A>> {
        SparseMdp::try_new(
            self.offsets,
            self.next,
            self.prob,
            self.rewards,
            gamma,
            self.start,
        )
    }
}

/// A [`SparseMdp`] that owns its storage (`std` feature).
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedSparseMdp<T, const A: usize> {
    offsets: std::vec::Vec<u32>,
    next: std::vec::Vec<u32>,
    prob: std::vec::Vec<T>,
    rewards: std::vec::Vec<[T; A]>,
    start: std::vec::Vec<T>,
    gamma: T,
}

#[cfg(feature = "std")]
impl<T: Real, const A: usize> OwnedSparseMdp<T, A> {
    /// Allocates zeroed storage for `states` states and `transitions`
    /// transitions, lets `build` fill it and validates the result.
    ///
    /// # Errors
    ///
    /// The builder's errors, then as [`SparseMdp::try_new`].
    pub fn build(
        states: usize,
        transitions: usize,
        build: impl FnOnce(SparseStorage<'_, T, A>) -> Result<SparseMdp<'_, T, A>>,
    ) -> Result<Self> {
        let mut offsets = std::vec![0u32; states.saturating_mul(A).saturating_add(1)];
        let mut next = std::vec![0u32; transitions];
        let mut prob = std::vec![T::ZERO; transitions];
        let mut rewards = std::vec![[T::ZERO; A]; states];
        let mut start = std::vec![T::ZERO; states];
        let gamma = build(SparseStorage {
            offsets: &mut offsets,
            next: &mut next,
            prob: &mut prob,
            rewards: &mut rewards,
            start: &mut start,
        })?
        .gamma();
        Ok(Self {
            offsets,
            next,
            prob,
            rewards,
            start,
            gamma,
        })
    }

    /// The MDP over this storage (validated when built).
    pub fn view(&self) -> SparseMdp<'_, T, A> {
        SparseMdp {
            offsets: &self.offsets,
            next: &self.next,
            prob: &self.prob,
            rewards: &self.rewards,
            start: &self.start,
            gamma: self.gamma,
        }
    }
}
