//! The chain MDPs of the authors' MDP library.

#[cfg(feature = "std")]
use super::OwnedSparseMdp;
use super::{SparseMdp, SparseStorage, TabularMdp};
use crate::error::{Error, Result};
use crate::real::Real;

/// The specification of a chain MDP, with the semantics of the authors'
/// library (`emdp.chainworld.build_chain_MDP`).
///
/// - States `0..S` in a line; actions [`LEFT`](super::LEFT) = 0 (towards 0)
///   and [`RIGHT`](super::RIGHT) = 1 (towards `S - 1`); `A` must be 2.
/// - The chosen move happens with probability `p_success`; otherwise the agent
///   stays. Moving past either end stays put.
/// - `rewards` lists `(state, action, reward)`: the reward for that action
///   in that state only.
/// - Terminal states loop to themselves for both actions (no extra absorbing
///   state is added).
/// - The start distribution is the single state `start`.
///
/// # Examples
///
/// ```
/// use policy_landscape::mdp::{Chain, RIGHT, TabularMdp};
///
/// let rewards = [(3, RIGHT, 1.0)];
/// let mdp: TabularMdp<f64, 5, 2> = Chain::new(&rewards, &[4]).p_success(0.9).build()?;
/// assert_eq!(mdp.transitions()[2][RIGHT][3], 0.9);
/// assert_eq!(mdp.transitions()[2][RIGHT][2], 0.09999999999999998);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Chain<'a, T> {
    /// `(state, action, reward)` triples.
    pub rewards: &'a [(usize, usize, T)],
    /// States that loop to themselves.
    pub terminal: &'a [usize],
    /// Probability that the chosen move happens.
    pub p_success: T,
    /// Discount.
    pub gamma: T,
    /// Start state.
    pub start: usize,
}

impl<'a, T: Real> Chain<'a, T> {
    /// A deterministic chain with `γ = 0.9` starting in state 0.
    pub fn new(rewards: &'a [(usize, usize, T)], terminal: &'a [usize]) -> Self {
        Self {
            rewards,
            terminal,
            p_success: T::ONE,
            gamma: T::from_f64(0.9),
            start: 0,
        }
    }

    /// Sets the probability that the chosen move happens.
    pub fn p_success(self, p_success: T) -> Self {
        Self { p_success, ..self }
    }

    /// Sets the discount.
    pub fn gamma(self, gamma: T) -> Self {
        Self { gamma, ..self }
    }

    /// Sets the start state.
    pub fn start(self, start: usize) -> Self {
        Self { start, ..self }
    }

    /// Builds the MDP; `A` must be 2.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `A == 2`; [`Error::StateOutOfRange`],
    /// [`Error::ActionOutOfRange`], [`Error::NonFiniteReward`],
    /// [`Error::InvalidProbability`], [`Error::InvalidDiscount`];
    /// [`Error::DuplicateReward`] for a `(state, action)` listed twice.
    #[allow(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        reason = "s < S and a < A = 2 (loops over 0..S and the two moves); next is s ± 1 \
                  clamped to 0..S; start < S is checked above; S >= 1 (SIZES_OK)"
    )]
    pub fn build<const S: usize, const A: usize>(&self) -> Result<TabularMdp<T, S, A>> {
        let () = TabularMdp::<T, S, A>::SIZES_OK;
        if A != 2 {
            return Err(Error::ShapeMismatch {
                what: "chain actions",
                expected: 2,
                found: A,
            });
        }
        if !(self.p_success >= T::ZERO && self.p_success <= T::ONE) {
            return Err(Error::InvalidProbability { what: "p_success" });
        }
        let out = |state| Error::StateOutOfRange { state, states: S };
        if self.start >= S {
            return Err(out(self.start));
        }
        let mut mdp = TabularMdp::<T, S, A>::zeroed(self.gamma);
        let mut terminal = [false; S];
        for &t in self.terminal {
            *terminal.get_mut(t).ok_or(out(t))? = true;
        }
        let p_fail = T::ONE - self.p_success;
        for s in 0..S {
            if terminal[s] {
                for a in 0..A {
                    mdp.p[s][a][s] = T::ONE;
                }
                continue;
            }
            let targets = [s.saturating_sub(1), (s + 1).min(S - 1)];
            for (a, &next) in targets.iter().enumerate() {
                mdp.p[s][a][next] += self.p_success;
                mdp.p[s][a][s] += p_fail;
            }
        }
        let mut rewarded = [[false; A]; S];
        for &(s, a, reward) in self.rewards {
            if a >= A {
                return Err(Error::ActionOutOfRange {
                    action: a,
                    actions: A,
                });
            }
            if !reward.is_finite() {
                return Err(Error::NonFiniteReward {
                    state: s,
                    action: a,
                });
            }
            let seen = rewarded
                .get_mut(s)
                .ok_or(out(s))?
                .get_mut(a)
                .ok_or(out(s))?;
            if *seen {
                return Err(Error::DuplicateReward {
                    state: s,
                    action: a,
                });
            }
            *seen = true;
            *mdp.r.get_mut(s).ok_or(out(s))?.get_mut(a).ok_or(out(s))? = reward;
        }
        mdp.p0[self.start] = T::ONE;
        mdp.validate()?;
        Ok(mdp)
    }
}

impl<T: Real> Chain<'_, T> {
    /// The transitions a sparse chain of `states` states stores: those of
    /// non-zero probability.
    ///
    /// # Errors
    ///
    /// As [`Chain::build_sparse`].
    pub fn sparse_transitions(&self, states: usize) -> Result<usize> {
        self.check_sparse(states)?;
        let mut total = 0usize;
        for s in 0..states {
            for a in 0..2 {
                total = total.saturating_add(self.sparse_row(states, s, a).1);
            }
        }
        Ok(total)
    }

    fn check_sparse(&self, states: usize) -> Result<()> {
        if states == 0 || states >= u32::MAX as usize / 2 {
            return Err(Error::ShapeMismatch {
                what: "chain states (at least 1, below u32::MAX / 2)",
                expected: 1,
                found: states,
            });
        }
        if !(self.p_success >= T::ZERO && self.p_success <= T::ONE) {
            return Err(Error::InvalidProbability { what: "p_success" });
        }
        let out = |state| Error::StateOutOfRange { state, states };
        if self.start >= states {
            return Err(out(self.start));
        }
        if let Some(&t) = self.terminal.iter().find(|&&t| t >= states) {
            return Err(out(t));
        }
        for (i, &(s, a, reward)) in self.rewards.iter().enumerate() {
            if a >= 2 {
                return Err(Error::ActionOutOfRange {
                    action: a,
                    actions: 2,
                });
            }
            if s >= states {
                return Err(out(s));
            }
            if !reward.is_finite() {
                return Err(Error::NonFiniteReward {
                    state: s,
                    action: a,
                });
            }
            if self.rewards.iter().take(i).any(|r| (r.0, r.1) == (s, a)) {
                return Err(Error::DuplicateReward {
                    state: s,
                    action: a,
                });
            }
        }
        Ok(())
    }

    /// The stored transitions of `(s, a)`, sorted, zeros left out, with the
    /// probabilities of [`Chain::build`] bit for bit.
    #[allow(
        clippy::arithmetic_side_effects,
        reason = "s < states < u32::MAX / 2, so s + 1 does not overflow"
    )]
    fn sparse_row(&self, states: usize, s: usize, a: usize) -> ([(usize, T); 2], usize) {
        if self.terminal.contains(&s) {
            return ([(s, T::ONE), (s, T::ZERO)], 1);
        }
        let next = if a == 0 {
            s.saturating_sub(1)
        } else {
            (s + 1).min(states - 1)
        };
        let p_fail = T::ONE - self.p_success;
        let pairs = if next == s {
            [(s, self.p_success + p_fail), (s, T::ZERO)]
        } else if next < s {
            [(next, self.p_success), (s, p_fail)]
        } else {
            [(s, p_fail), (next, self.p_success)]
        };
        let mut out = [(s, T::ZERO); 2];
        let mut count = 0;
        for pair in pairs {
            if pair.1 != T::ZERO {
                if let Some(o) = out.get_mut(count) {
                    *o = pair;
                }
                count += 1;
            }
        }
        (out, count)
    }

    /// Builds a chain of `states` states (chosen at run time) as a
    /// [`SparseMdp`] over `storage`, with the probabilities and rewards of
    /// [`Chain::build`] bit for bit; storage needs `states` states and
    /// [`Chain::sparse_transitions`] transitions.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `A == 2` or for no states;
    /// [`Error::LengthMismatch`] for storage of the wrong size; then as
    /// [`Chain::build`].
    #[allow(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        reason = "lengths checked by storage.check; s < states, a < 2, k below the \
                  transition count that sized the storage"
    )]
    pub fn build_sparse<'s, const A: usize>(
        &self,
        states: usize,
        storage: SparseStorage<'s, T, A>,
    ) -> Result<SparseMdp<'s, T, A>> {
        if A != 2 {
            return Err(Error::ShapeMismatch {
                what: "chain actions",
                expected: 2,
                found: A,
            });
        }
        let transitions = self.sparse_transitions(states)?;
        storage.check(states, transitions)?;
        let mut k = 0;
        for s in 0..states {
            storage.rewards[s] = [T::ZERO; A];
            storage.start[s] = if s == self.start { T::ONE } else { T::ZERO };
            for a in 0..A {
                storage.offsets[s * A + a] = k as u32;
                let (row, count) = self.sparse_row(states, s, a);
                for &(next, p) in &row[..count] {
                    storage.next[k] = next as u32;
                    storage.prob[k] = p;
                    k += 1;
                }
            }
        }
        storage.offsets[states * A] = k as u32;
        for &(s, a, reward) in self.rewards {
            storage.rewards[s][a] = reward;
        }
        storage.finish(self.gamma)
    }

    /// As [`Chain::build_sparse`], into storage it allocates (`std`
    /// feature).
    ///
    /// # Errors
    ///
    /// As [`Chain::build_sparse`].
    #[cfg(feature = "std")]
    pub fn build_sparse_owned<const A: usize>(
        &self,
        states: usize,
    ) -> Result<OwnedSparseMdp<T, A>> {
        let transitions = self.sparse_transitions(states)?;
        OwnedSparseMdp::build(states, transitions, |storage| {
            self.build_sparse(states, storage)
        })
    }
}
