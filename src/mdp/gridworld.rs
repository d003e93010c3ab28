//! The gridworlds of the authors' MDP library, and the paper's world.

// Lints `indexing_slicing` and `arithmetic_side_effects` allowed here:
// cell indices s = n row + col < n² = S − 1 after the shape check
// (cells + 1 == S, computed with checked_mul) and the range checks on
// every reward cell; moves stay inside the grid (each is guarded by the
// row/column test next to it); start < cells is checked.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "cell indices below S after the shape and range checks (see above)"
)]

#[cfg(feature = "std")]
use super::OwnedSparseMdp;
use super::{SparseMdp, SparseStorage, TabularMdp};
use crate::error::{Error, Result};
use crate::real::Real;

/// A reward cell of a [`Gridworld`]: it pays `reward` for any action taken
/// in it, and then moves to the absorbing state.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
// `#[repr(C)]`: the C interface (`capi/`) reads a caller's array of
// `pl_reward_cell { size_t row, col; pl_real reward; }` as these.
#[repr(C)]
pub struct RewardCell<T> {
    /// Row, 0 at the top.
    pub row: usize,
    /// Column, 0 at the left.
    pub col: usize,
    /// The reward paid on leaving the cell.
    pub reward: T,
}

impl<T> RewardCell<T> {
    /// A reward cell at `(row, col)`.
    pub const fn new(row: usize, col: usize, reward: T) -> Self {
        Self { row, col, reward }
    }
}

/// The specification of a gridworld, with the semantics of the authors' MDP
/// library (`emdp.gridworld.build_simple_grid`, with terminal states).
///
/// - `size x size` cells; cell `(row, col)` is state `size * row + col`; one
///   extra absorbing state is last, so the MDP has `S = size² + 1` states.
/// - Actions [`LEFT`](super::LEFT) = 0, [`RIGHT`](super::RIGHT) = 1,
///   [`UP`](super::UP) = 2, [`DOWN`](super::DOWN) = 3.
/// - The chosen move happens with probability `p_success`; a move into the
///   outer wall stays put. The remaining `1 - p_success` is split evenly over
///   the *other feasible* moves (those that do not hit the wall): 3 inside,
///   2 on an edge, 1 or 2 in a corner. (On a 1 x 1 grid, where no move is
///   feasible, the agent stays.)
/// - A reward cell pays its reward for any action and moves to the absorbing
///   state with probability 1; the absorbing state loops to itself with
///   reward 0. Every other reward is 0.
/// - The start distribution is the single state `start`.
///
/// # Examples
///
/// ```
/// use policy_landscape::mdp::{Gridworld, RewardCell, TabularMdp};
///
/// let cells = [RewardCell::new(0, 3, 1.0), RewardCell::new(3, 0, 0.5)];
/// let mdp: TabularMdp<f64, 17, 4> = Gridworld::new(4, &cells)
///     .p_success(0.8)
///     .gamma(0.95)
///     .build()?;
/// assert_eq!(mdp.rewards()[3], [1.0; 4]);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Gridworld<'a, T> {
    /// Side length.
    pub size: usize,
    /// The reward cells.
    pub rewards: &'a [RewardCell<T>],
    /// Probability that the chosen move happens.
    pub p_success: T,
    /// Discount.
    pub gamma: T,
    /// Start state (`size * row + col`).
    pub start: usize,
}

impl<'a, T: Real> Gridworld<'a, T> {
    /// A deterministic (`p_success = 1`) world with `γ = 0.99` starting in
    /// the top-left cell: the defaults of the authors' library.
    pub fn new(size: usize, rewards: &'a [RewardCell<T>]) -> Self {
        Self {
            size,
            rewards,
            p_success: T::ONE,
            gamma: T::from_f64(0.99),
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

    /// Builds the MDP; `S` must be `size² + 1` and `A` must be 4.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for the wrong `S` or `A`;
    /// [`Error::InvalidProbability`] for `p_success` outside `[0, 1]`;
    /// [`Error::CellOutOfRange`] for a reward cell outside the grid;
    /// [`Error::DuplicateRewardCell`] for a cell listed twice;
    /// [`Error::StateOutOfRange`] for a start state that is not a cell; [`Error::NonFiniteReward`] for a NaN
    /// or infinite reward; [`Error::InvalidDiscount`].
    pub fn build<const S: usize, const A: usize>(&self) -> Result<TabularMdp<T, S, A>> {
        let () = TabularMdp::<T, S, A>::SIZES_OK;
        let n = self.size;
        let cells = n.checked_mul(n).ok_or(Error::ShapeMismatch {
            what: "gridworld states (size² + 1)",
            expected: usize::MAX,
            found: S,
        })?;
        if n == 0 {
            return Err(Error::ShapeMismatch {
                what: "gridworld size (at least 1)",
                expected: 1,
                found: 0,
            });
        }
        if cells + 1 != S {
            return Err(Error::ShapeMismatch {
                what: "gridworld states (size² + 1)",
                expected: cells.saturating_add(1),
                found: S,
            });
        }
        if A != 4 {
            return Err(Error::ShapeMismatch {
                what: "gridworld actions",
                expected: 4,
                found: A,
            });
        }
        if !(self.p_success >= T::ZERO && self.p_success <= T::ONE) {
            return Err(Error::InvalidProbability { what: "p_success" });
        }
        if self.start >= cells {
            return Err(Error::StateOutOfRange {
                state: self.start,
                states: cells,
            });
        }
        let absorbing = cells;
        let mut mdp = TabularMdp::<T, S, A>::zeroed(self.gamma);
        let mut terminal = [false; S];
        for cell in self.rewards {
            if cell.row >= n || cell.col >= n {
                return Err(Error::CellOutOfRange {
                    row: cell.row,
                    col: cell.col,
                    size: n,
                });
            }
            let s = n * cell.row + cell.col;
            if !cell.reward.is_finite() {
                return Err(Error::NonFiniteReward {
                    state: s,
                    action: 0,
                });
            }
            if terminal[s] {
                return Err(Error::DuplicateRewardCell {
                    row: cell.row,
                    col: cell.col,
                });
            }
            terminal[s] = true;
            mdp.r[s] = [cell.reward; A];
        }
        for s in 0..cells {
            if terminal[s] {
                for a in 0..A {
                    mdp.p[s][a][absorbing] = T::ONE;
                }
                continue;
            }
            for a in 0..A {
                let (moves, count) = self.cell_transitions(s, a);
                for &(next, p) in &moves[..count] {
                    mdp.p[s][a][next] += p;
                }
            }
        }
        for a in 0..A {
            mdp.p[absorbing][a][absorbing] = T::ONE;
        }
        mdp.p0[self.start] = T::ONE;
        mdp.validate()?;
        Ok(mdp)
    }
}

impl<'a, T: Real> Gridworld<'a, T> {
    /// The transitions of the non-terminal cell `s` under action `a`:
    /// `(next, probability)` in the order the library adds them (the chosen
    /// move, then the other feasible moves), a next state listed twice
    /// summed in that order; returns them and their count (at most 4).
    fn cell_transitions(&self, s: usize, a: usize) -> ([(usize, T); 4], usize) {
        let n = self.size;
        let (row, col) = (s / n, s % n);
        // The neighbour reached by each move, if the move is feasible.
        let moves: [Option<usize>; 4] = [
            (col > 0).then(|| s - 1),
            (col + 1 < n).then(|| s + 1),
            (row > 0).then(|| s - n),
            (row + 1 < n).then(|| s + n),
        ];
        let mut out = [(0, T::ZERO); 4];
        let mut count = 0;
        let mut add = |next: usize, p: T| match out[..count].iter_mut().find(|(m, _)| *m == next) {
            Some((_, q)) => *q += p,
            None => {
                out[count] = (next, p);
                count += 1;
            }
        };
        add(moves[a].unwrap_or(s), self.p_success);
        let p_fail = T::ONE - self.p_success;
        let others = moves
            .iter()
            .enumerate()
            .filter(|&(b, m)| b != a && m.is_some())
            .count();
        if others == 0 {
            add(s, p_fail);
        } else {
            // The library's order of operations: (1 - p) / k.
            let share = p_fail / T::from_usize(others);
            for (b, m) in moves.iter().enumerate() {
                if let (true, Some(next)) = (b != a, m) {
                    add(*next, share);
                }
            }
        }
        (out, count)
    }

    /// Checks the specification for the sparse builders and returns the
    /// number of cells.
    fn check_sparse(&self) -> Result<usize> {
        let n = self.size;
        if n == 0 {
            return Err(Error::ShapeMismatch {
                what: "gridworld size (at least 1)",
                expected: 1,
                found: 0,
            });
        }
        let cells = n
            .checked_mul(n)
            .filter(|&c| c < u32::MAX as usize - 1)
            .ok_or(Error::ShapeMismatch {
                what: "gridworld size (size² + 1 states below u32::MAX)",
                expected: 65_535,
                found: n,
            })?;
        if !(self.p_success >= T::ZERO && self.p_success <= T::ONE) {
            return Err(Error::InvalidProbability { what: "p_success" });
        }
        if self.start >= cells {
            return Err(Error::StateOutOfRange {
                state: self.start,
                states: cells,
            });
        }
        for (i, cell) in self.rewards.iter().enumerate() {
            if cell.row >= n || cell.col >= n {
                return Err(Error::CellOutOfRange {
                    row: cell.row,
                    col: cell.col,
                    size: n,
                });
            }
            if !cell.reward.is_finite() {
                return Err(Error::NonFiniteReward {
                    state: n * cell.row + cell.col,
                    action: 0,
                });
            }
            if self.rewards[..i]
                .iter()
                .any(|c| (c.row, c.col) == (cell.row, cell.col))
            {
                return Err(Error::DuplicateRewardCell {
                    row: cell.row,
                    col: cell.col,
                });
            }
        }
        Ok(cells)
    }

    /// The reward of cell `s` if it is a reward cell.
    fn reward_at(&self, s: usize) -> Option<T> {
        let n = self.size;
        self.rewards
            .iter()
            .find(|c| n * c.row + c.col == s)
            .map(|c| c.reward)
    }

    /// The number of states of the world: `size² + 1`.
    pub fn states(&self) -> usize {
        self.size.saturating_mul(self.size).saturating_add(1)
    }

    /// The number of transitions [`Gridworld::build_sparse`] stores (those
    /// of non-zero probability).
    ///
    /// # Errors
    ///
    /// As [`Gridworld::build_sparse`].
    pub fn sparse_transitions(&self) -> Result<usize> {
        let cells = self.check_sparse()?;
        let mut total = 4; // the absorbing state's loops
        for s in 0..cells {
            total += match self.reward_at(s) {
                Some(_) => 4,
                None => (0..4)
                    .map(|a| {
                        let (moves, count) = self.cell_transitions(s, a);
                        moves[..count].iter().filter(|m| m.1 != T::ZERO).count()
                    })
                    .sum(),
            };
        }
        Ok(total)
    }

    /// Builds the world as a [`SparseMdp`] over `storage`, with the same
    /// states, actions, probabilities (bit for bit) and rewards as
    /// [`Gridworld::build`], at any size: storage needs
    /// [`Gridworld::states`] states and [`Gridworld::sparse_transitions`]
    /// transitions. Transitions of probability 0 are not stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use policy_landscape::mdp::{Gridworld, RewardCell, SparseStorage};
    ///
    /// let cells = [RewardCell::new(0, 99, 5.0), RewardCell::new(99, 0, 4.5)];
    /// let world = Gridworld::new(100, &cells); // 10 001 states
    /// let (states, transitions) = (world.states(), world.sparse_transitions()?);
    /// let mut offsets = vec![0; states * 4 + 1];
    /// let mut next = vec![0; transitions];
    /// let mut prob = vec![0.0; transitions];
    /// let mut rewards = vec![[0.0; 4]; states];
    /// let mut start = vec![0.0; states];
    /// let mdp = world.build_sparse(SparseStorage {
    ///     offsets: &mut offsets,
    ///     next: &mut next,
    ///     prob: &mut prob,
    ///     rewards: &mut rewards,
    ///     start: &mut start,
    /// })?;
    /// assert_eq!(mdp.states(), 10_001);
    /// # Ok::<(), policy_landscape::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for size 0 or a world of `u32::MAX` states
    /// or more; [`Error::LengthMismatch`] for storage of the wrong size; then
    /// as [`Gridworld::build`].
    pub fn build_sparse<'s, const A: usize>(
        &self,
        storage: SparseStorage<'s, T, A>,
    ) -> Result<SparseMdp<'s, T, A>> {
        if A != 4 {
            return Err(Error::ShapeMismatch {
                what: "gridworld actions",
                expected: 4,
                found: A,
            });
        }
        let cells = self.check_sparse()?;
        let transitions = self.sparse_transitions()?;
        storage.check(cells + 1, transitions)?;
        let absorbing = cells;
        let mut k = 0;
        for s in 0..=cells {
            let reward = if s == absorbing {
                None
            } else {
                self.reward_at(s)
            };
            storage.rewards[s] = [reward.unwrap_or(T::ZERO); A];
            storage.start[s] = if s == self.start { T::ONE } else { T::ZERO };
            for a in 0..A {
                storage.offsets[s * A + a] = k as u32;
                if s == absorbing || reward.is_some() {
                    storage.next[k] = absorbing as u32;
                    storage.prob[k] = T::ONE;
                    k += 1;
                    continue;
                }
                let (mut moves, count) = self.cell_transitions(s, a);
                let moves = &mut moves[..count];
                moves.sort_unstable_by_key(|m| m.0);
                for &(next, p) in moves.iter() {
                    if p != T::ZERO {
                        storage.next[k] = next as u32;
                        storage.prob[k] = p;
                        k += 1;
                    }
                }
            }
        }
        storage.offsets[(cells + 1) * A] = k as u32;
        storage.finish(self.gamma)
    }

    /// As [`Gridworld::build_sparse`], into storage it allocates (`std`
    /// feature).
    ///
    /// # Errors
    ///
    /// As [`Gridworld::build_sparse`].
    #[cfg(feature = "std")]
    pub fn build_sparse_owned<const A: usize>(&self) -> Result<OwnedSparseMdp<T, A>> {
        let transitions = self.sparse_transitions()?;
        OwnedSparseMdp::build(self.states(), transitions, |storage| {
            self.build_sparse(storage)
        })
    }
}

impl<T: Real, const S: usize> TabularMdp<T, S, 4> {
    /// The two-corner world of the paper's §3.1 at any size: reward
    /// `best_reward` at `(0, size - 1)` (top right) and `eps * best_reward` at
    /// `(size - 1, 0)` (bottom left), start in the top-left corner.
    /// (`make_symmetric_epsilon_reward_env` of the authors' library.)
    ///
    /// # Errors
    ///
    /// As [`Gridworld::build`].
    pub fn corners_gridworld(
        size: usize,
        best_reward: T,
        eps: T,
        p_success: T,
        gamma: T,
    ) -> Result<Self> {
        let cells = [
            RewardCell::new(0, size.saturating_sub(1), best_reward),
            RewardCell::new(size.saturating_sub(1), 0, eps * best_reward),
        ];
        Gridworld::new(size, &cells)
            .p_success(p_success)
            .gamma(gamma)
            .build()
    }

    /// The multi-minima world (`make_multi_minima_reward_env` of the authors'
    /// library): `size` reward cells on the anti-diagonal, cell
    /// `(i, size - 1 - i)` paying `best_reward * (i + 1) / size`, all at the
    /// same distance `size - 1` from the top-left start. The bottom-left cell
    /// is the global optimum; each other cell is a local one.
    ///
    /// # Errors
    ///
    /// As [`Gridworld::build`].
    pub fn diagonal_gridworld(size: usize, best_reward: T, p_success: T, gamma: T) -> Result<Self> {
        let mut cells = [RewardCell::new(0, 0, T::ZERO); S];
        if size >= S {
            return Err(Error::ShapeMismatch {
                what: "gridworld states (size² + 1)",
                expected: size.saturating_mul(size).saturating_add(1),
                found: S,
            });
        }
        for (i, c) in cells.iter_mut().enumerate().take(size) {
            *c = RewardCell::new(
                i,
                size - 1 - i,
                best_reward * T::from_usize(i + 1) / T::from_usize(size),
            );
        }
        Gridworld::new(size, &cells[..size])
            .p_success(p_success)
            .gamma(gamma)
            .build()
    }
}
