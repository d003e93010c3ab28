//! Dense tabular MDPs, validated on construction, and the builders of the
//! paper's worlds.
//!
//! A [`TabularMdp`] holds `P[s][a][s']`, `R[s][a]`, the discount `γ` and the
//! start distribution `p0`. The gridworld builder reproduces the MDP library
//! the authors used (`emdp`): see [`Gridworld`].

use crate::error::{Error, Result, check_len};
use crate::real::Real;

/// Gridworld action: move one column left.
pub const LEFT: usize = 0;
/// Gridworld action: move one column right.
pub const RIGHT: usize = 1;
/// Gridworld action: move one row up (towards row 0).
pub const UP: usize = 2;
/// Gridworld action: move one row down.
pub const DOWN: usize = 3;

/// A finite MDP with `S` states and `A` actions, stored densely.
///
/// `P` is `[[[T; S]; A]; S]` indexed `[s][a][s']`, `R` is `[[T; A]; S]`
/// indexed `[s][a]` (the reward for taking `a` in `s`), `p0` is `[T; S]`.
/// Invariants, checked on construction: every entry finite, probabilities
/// non-negative, each row `P[s][a][..]` and `p0` summing to 1 within
/// [`TabularMdp::row_tolerance`], and `0 ≤ γ < 1` (so `I - γ P_π` is invertible
/// for every policy).
///
/// The MDP also records, for each `(s, a)`, the range of next states with
/// non-zero probability, so evaluation skips the zeros of sparse dynamics.
///
/// # Examples
///
/// ```
/// use policy_landscape::mdp::TabularMdp;
///
/// // One state, one action, reward 1, discount 0.5: V = 1 / (1 - 0.5) = 2.
/// let mdp = TabularMdp::<f64, 1, 1>::try_new([[[1.0]]], [[1.0]], 0.5, [1.0])?;
/// assert_eq!(mdp.gamma(), 0.5);
/// # Ok::<(), policy_landscape::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TabularMdp<T, const S: usize, const A: usize> {
    p: [[[T; S]; A]; S],
    r: [[T; A]; S],
    gamma: T,
    p0: [T; S],
    /// `[lo, hi)` of the non-zero next states of each `(s, a)`.
    support: [[[u16; 2]; A]; S],
}

impl<T: Real, const S: usize, const A: usize> TabularMdp<T, S, A> {
    const SIZES_OK: () = assert!(
        S > 0 && A > 0 && S <= u16::MAX as usize,
        "need 0 < S <= 65535 and A > 0"
    );

    /// The tolerance on `|Σ P[s][a][..] - 1|` and `|Σ p0 - 1|`:
    /// `8 max(S, 4) ε` (2.5e-5 for `f32` with 26 states, 4.6e-14 for `f64`).
    pub fn row_tolerance() -> T {
        T::EPSILON * T::from_usize(8 * S.max(4))
    }

    /// Builds and validates an MDP.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteTransition`], [`Error::NegativeProbability`],
    /// [`Error::NotStochastic`] (naming the state and action),
    /// [`Error::NonFiniteReward`], [`Error::InvalidDiscount`],
    /// [`Error::InvalidStartDistribution`].
    pub fn try_new(p: [[[T; S]; A]; S], r: [[T; A]; S], gamma: T, p0: [T; S]) -> Result<Self> {
        let () = Self::SIZES_OK;
        let mut mdp = Self {
            p,
            r,
            gamma,
            p0,
            support: [[[0, 0]; A]; S],
        };
        mdp.validate()?;
        Ok(mdp)
    }

    /// Builds an MDP from flat slices: `p` is `[s][a][s']` row-major
    /// (`S * A * S` numbers), `r` is `[s][a]` (`S * A`), `p0` has `S`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`], then as [`TabularMdp::try_new`].
    pub fn from_slices(p: &[T], r: &[T], gamma: T, p0: &[T]) -> Result<Self> {
        let () = Self::SIZES_OK;
        check_len("P", p.len(), S * A * S)?;
        check_len("R", r.len(), S * A)?;
        check_len("p0", p0.len(), S)?;
        let mut mdp = Self::zeroed(gamma);
        mdp.p
            .as_flattened_mut()
            .as_flattened_mut()
            .copy_from_slice(p);
        mdp.r.as_flattened_mut().copy_from_slice(r);
        mdp.p0.copy_from_slice(p0);
        mdp.validate()?;
        Ok(mdp)
    }

    fn zeroed(gamma: T) -> Self {
        Self {
            p: [[[T::ZERO; S]; A]; S],
            r: [[T::ZERO; A]; S],
            gamma,
            p0: [T::ZERO; S],
            support: [[[0, 0]; A]; S],
        }
    }

    fn validate(&mut self) -> Result<()> {
        self.support = T::validate_tabular(&self.p, &self.r, self.gamma, &self.p0)?;
        Ok(())
    }

    /// `P[s][a][s']`.
    pub fn transitions(&self) -> &[[[T; S]; A]; S] {
        &self.p
    }

    /// `R[s][a]`.
    pub fn rewards(&self) -> &[[T; A]; S] {
        &self.r
    }

    /// The discount `γ`.
    pub fn gamma(&self) -> T {
        self.gamma
    }

    /// The start distribution `p0`.
    pub fn start(&self) -> &[T; S] {
        &self.p0
    }

    /// The next states `s'` with `P[s][a][s'] > 0` lie in the returned range.
    #[inline(always)]
    pub(crate) fn support(&self, s: usize, a: usize) -> core::ops::Range<usize> {
        let [lo, hi] = self.support[s][a];
        lo as usize..hi as usize
    }

    /// Sets the discount.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDiscount`] outside `[0, 1)`; unchanged on error.
    pub fn set_gamma(&mut self, gamma: T) -> Result<()> {
        if gamma >= T::ZERO && gamma < T::ONE {
            self.gamma = gamma;
            Ok(())
        } else {
            Err(Error::InvalidDiscount)
        }
    }

    /// Sets the start distribution to the single state `s`.
    ///
    /// # Errors
    ///
    /// [`Error::StateOutOfRange`]; unchanged on error.
    pub fn set_start_state(&mut self, s: usize) -> Result<()> {
        if s >= S {
            return Err(Error::StateOutOfRange {
                state: s,
                states: S,
            });
        }
        self.p0 = [T::ZERO; S];
        self.p0[s] = T::ONE;
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl<T: Real, const S: usize, const A: usize> defmt::Format for TabularMdp<T, S, A> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "TabularMdp {{ states: {=usize}, actions: {=usize}, gamma: {=f64} }}",
            S,
            A,
            self.gamma.to_f64(),
        );
    }
}

/// A reward cell of a [`Gridworld`]: it pays `reward` for any action taken
/// in it, and then moves to the absorbing state.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
/// - Actions [`LEFT`] = 0, [`RIGHT`] = 1, [`UP`] = 2, [`DOWN`] = 3.
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
            terminal[s] = true;
            mdp.r[s] = [cell.reward; A];
        }
        let p_fail = T::ONE - self.p_success;
        for s in 0..cells {
            if terminal[s] {
                for a in 0..A {
                    mdp.p[s][a][absorbing] = T::ONE;
                }
                continue;
            }
            let (row, col) = (s / n, s % n);
            // The neighbour reached by each move, if the move is feasible.
            let moves: [Option<usize>; 4] = [
                (col > 0).then(|| s - 1),
                (col + 1 < n).then(|| s + 1),
                (row > 0).then(|| s - n),
                (row + 1 < n).then(|| s + n),
            ];
            for a in 0..A {
                let p = &mut mdp.p[s][a];
                p[moves[a].unwrap_or(s)] += self.p_success;
                let others = moves
                    .iter()
                    .enumerate()
                    .filter(|&(b, m)| b != a && m.is_some())
                    .count();
                if others == 0 {
                    p[s] += p_fail;
                    continue;
                }
                // The library's order of operations: (1 - p) / k.
                let share = p_fail / T::from_usize(others);
                for (b, m) in moves.iter().enumerate() {
                    if let (true, Some(next)) = (b != a, m) {
                        p[*next] += share;
                    }
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

impl<T: Real> TabularMdp<T, 26, 4> {
    /// The paper's world (§3.1, Fig. 3): 5 x 5, reward 5 at `(0, 4)` and
    /// `0.9 * 5 = 4.5` at `(4, 0)`, deterministic moves, `γ = 0.99`, start at
    /// `(0, 0)`. Going straight right returns `5 · 0.99⁴`, straight down
    /// `4.5 · 0.99⁴`.
    pub fn paper_gridworld() -> Self {
        let cells = [
            RewardCell::new(0, 4, T::from_f64(5.0)),
            RewardCell::new(4, 0, T::from_f64(0.9) * T::from_f64(5.0)),
        ];
        match Gridworld::new(5, &cells).build() {
            Ok(mdp) => mdp,
            // The specification above is valid for both scalars; this arm is
            // unreachable but keeps the function panic-free.
            Err(_) => Self::zeroed(T::ZERO),
        }
    }
}

/// The specification of a chain MDP, with the semantics of the authors'
/// library (`emdp.chainworld.build_chain_MDP`).
///
/// - States `0..S` in a line; actions [`LEFT`] = 0 (towards 0) and
///   [`RIGHT`] = 1 (towards `S - 1`); `A` must be 2.
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
    /// [`Error::InvalidProbability`], [`Error::InvalidDiscount`].
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
            *mdp.r.get_mut(s).ok_or(out(s))?.get_mut(a).ok_or(out(s))? = reward;
        }
        mdp.p0[self.start] = T::ONE;
        mdp.validate()?;
        Ok(mdp)
    }
}

/// `[lo, hi)` of the non-zero next states of each `(s, a)`.
pub(crate) type Support<const S: usize, const A: usize> = [[[u16; 2]; A]; S];

/// The validation of [`TabularMdp::try_new`], written once per scalar as a
/// `const fn` so that an MDP can also be validated at compile time (and live
/// in a microcontroller's flash, see [`TabularMdp::try_new_const`]). The
/// generic constructors reach it through the sealed part of [`Real`].
macro_rules! const_tabular {
    ($t:ident, $validate:ident) => {
        pub(crate) const fn $validate<const S: usize, const A: usize>(
            p: &[[[$t; S]; A]; S],
            r: &[[$t; A]; S],
            gamma: $t,
            p0: &[$t; S],
        ) -> Result<Support<S, A>> {
            // `row_tolerance`: 8 max(S, 4) ε.
            let tol = <$t>::EPSILON * (8 * if S > 4 { S } else { 4 }) as $t;
            let mut support = [[[0u16; 2]; A]; S];
            let mut s = 0;
            while s < S {
                let mut a = 0;
                while a < A {
                    let row = &p[s][a];
                    let mut sum: $t = 0.0;
                    let mut lo = S;
                    let mut hi = 0;
                    let mut next = 0;
                    while next < S {
                        let x = row[next];
                        if !x.is_finite() {
                            return Err(Error::NonFiniteTransition {
                                state: s,
                                action: a,
                                next,
                            });
                        }
                        if x < 0.0 {
                            return Err(Error::NegativeProbability {
                                state: s,
                                action: a,
                                next,
                            });
                        }
                        if x > 0.0 {
                            if next < lo {
                                lo = next;
                            }
                            hi = next + 1;
                        }
                        sum += x;
                        next += 1;
                    }
                    if !((sum - 1.0).abs() <= tol) {
                        return Err(Error::NotStochastic {
                            state: s,
                            action: a,
                        });
                    }
                    // S <= u16::MAX is a compile-time invariant of `TabularMdp`.
                    support[s][a] = [lo as u16, hi as u16];
                    a += 1;
                }
                s += 1;
            }
            let mut s = 0;
            while s < S {
                let mut a = 0;
                while a < A {
                    if !r[s][a].is_finite() {
                        return Err(Error::NonFiniteReward {
                            state: s,
                            action: a,
                        });
                    }
                    a += 1;
                }
                s += 1;
            }
            if !(gamma >= 0.0 && gamma < 1.0) {
                return Err(Error::InvalidDiscount);
            }
            let mut sum: $t = 0.0;
            let mut s = 0;
            while s < S {
                let x = p0[s];
                if !x.is_finite() || x < 0.0 {
                    return Err(Error::InvalidStartDistribution { index: s });
                }
                sum += x;
                s += 1;
            }
            if !((sum - 1.0).abs() <= tol) {
                return Err(Error::InvalidStartDistribution { index: S });
            }
            Ok(support)
        }

        impl<const S: usize, const A: usize> TabularMdp<$t, S, A> {
            /// [`TabularMdp::try_new`] as a `const fn`, for `
            #[doc = stringify!($t)]
            /// ` only: an MDP validated at compile time can be a `static`, which
            /// a microcontroller keeps in flash instead of RAM (the paper's
            /// gridworld is 11.8 KB in `f32`). Same checks, same errors, same
            /// result as `try_new`.
            ///
            /// # Errors
            ///
            /// As [`TabularMdp::try_new`]; in a `const` or `static` item, an
            /// error can be turned into a compile error with `panic!`.
            ///
            /// # Examples
            ///
            /// ```
            /// use policy_landscape::TabularMdp;
            ///
            #[doc = concat!("type Coin = TabularMdp<", stringify!($t), ", 2, 1>;")]
            ///
            /// static COIN: Coin = match Coin::try_new_const(
            ///     [[[0.5, 0.5]], [[0.0, 1.0]]],
            ///     [[1.0], [0.0]],
            ///     0.9,
            ///     [1.0, 0.0],
            /// ) {
            ///     Ok(mdp) => mdp,
            ///     Err(_) => panic!("invalid MDP"),
            /// };
            /// assert_eq!(COIN.rewards()[0][0], 1.0);
            /// ```
            pub const fn try_new_const(
                p: [[[$t; S]; A]; S],
                r: [[$t; A]; S],
                gamma: $t,
                p0: [$t; S],
            ) -> Result<Self> {
                let () = Self::SIZES_OK;
                match $validate(&p, &r, gamma, &p0) {
                    Ok(support) => Ok(Self {
                        p,
                        r,
                        gamma,
                        p0,
                        support,
                    }),
                    Err(e) => Err(e),
                }
            }
        }
    };
}

const_tabular!(f32, validate_f32);
const_tabular!(f64, validate_f64);
