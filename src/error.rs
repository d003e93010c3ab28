//! The crate's one error type.

use core::fmt;

use crate::real::Real;

/// Everything that can go wrong, with enough context to find the culprit.
///
/// Bad input never panics and never yields a silent NaN: it yields one of
/// these. Indices are zero-based; `state`, `action` and `next` index the MDP,
/// `index` indexes the slice named by `what`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A slice had the wrong length.
    LengthMismatch {
        /// Which slice.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A slice or matrix entry was NaN or infinite.
    NonFinite {
        /// Which input.
        what: &'static str,
        /// The first offending (flat) index.
        index: usize,
    },
    /// A transition probability `P[state][action][next]` was NaN or infinite.
    NonFiniteTransition {
        /// State.
        state: usize,
        /// Action.
        action: usize,
        /// Next state.
        next: usize,
    },
    /// A transition probability `P[state][action][next]` was negative.
    NegativeProbability {
        /// State.
        state: usize,
        /// Action.
        action: usize,
        /// Next state.
        next: usize,
    },
    /// The row `P[state][action][..]` did not sum to 1.
    NotStochastic {
        /// State.
        state: usize,
        /// Action.
        action: usize,
    },
    /// A reward `R[state][action]` was NaN or infinite.
    NonFiniteReward {
        /// State.
        state: usize,
        /// Action.
        action: usize,
    },
    /// The start distribution had a NaN, infinite or negative entry, or did
    /// not sum to 1; `index` is the first bad entry (or the length for a bad sum).
    InvalidStartDistribution {
        /// The offending state, or the number of states when the sum is wrong.
        index: usize,
    },
    /// The discount broke its rule: `[0, 1]` for an episodic environment,
    /// `[0, 1 − 4 S ε)` for a tabular MDP (`S` states, `ε` the scalar's
    /// machine epsilon: closer to 1 the exact solver could not tell
    /// `I − γ P_π` from singular).
    InvalidDiscount {
        /// The rule, completing "discount gamma must …".
        rule: &'static str,
    },
    /// A probability-like parameter (`p_success`, `mix`) was outside `[0, 1]`.
    InvalidProbability {
        /// Which parameter.
        what: &'static str,
    },
    /// A parameter broke its rule (`rule` says which: finite and
    /// non-negative for an entropy weight or a step size, at least 1 for a
    /// count of episodes, …).
    InvalidParameter {
        /// Which parameter.
        what: &'static str,
        /// The rule, completing "`what` must …".
        rule: &'static str,
    },
    /// A state index was not below the number of states.
    StateOutOfRange {
        /// The state given.
        state: usize,
        /// The number of states.
        states: usize,
    },
    /// A gridworld cell `(row, col)` lies outside the `size x size` grid.
    CellOutOfRange {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
        /// Side length of the grid.
        size: usize,
    },
    /// A gridworld cell `(row, col)` was given a reward twice.
    DuplicateRewardCell {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
    },
    /// A chain's `(state, action)` was given a reward twice.
    DuplicateReward {
        /// State.
        state: usize,
        /// Action.
        action: usize,
    },
    /// An action index was not below the number of actions.
    ActionOutOfRange {
        /// The action given.
        action: usize,
        /// The number of actions.
        actions: usize,
    },
    /// The const-generic sizes do not fit the requested construction, e.g. a
    /// `size x size` gridworld needs `S = size * size + 1` states.
    ShapeMismatch {
        /// What was being built.
        what: &'static str,
        /// The size the construction needs.
        expected: usize,
        /// The size of the type.
        found: usize,
    },
    /// A linear system was singular (or numerically so) at this pivot.
    Singular {
        /// The elimination step (column) whose pivot vanished.
        pivot: usize,
    },
    /// A matrix that must be symmetric is not: `|a[row][col] − a[col][row]|`
    /// exceeds the documented tolerance (the first such pair, `row < col`).
    NotSymmetric {
        /// Row of the upper-triangle entry.
        row: usize,
        /// Column of the upper-triangle entry.
        col: usize,
    },
    /// An iterative method did not converge within its iteration limit.
    NoConvergence {
        /// Which iteration.
        what: &'static str,
        /// The limit that was reached.
        iterations: usize,
    },
    /// A solve was requested before a successful factorisation.
    NotFactored,
    /// A logit of `state` overflowed although the parameters are finite.
    LogitOverflow {
        /// State.
        state: usize,
    },
    /// Two accumulators of different probes cannot be merged.
    IncompatibleMerge {
        /// What differs (`alpha`, `dimension`, ...).
        what: &'static str,
    },
    /// A computation that started from valid input produced a NaN or an
    /// infinity (e.g. an overflowing gradient step).
    NumericalOverflow {
        /// Which quantity.
        what: &'static str,
    },
    /// A count would exceed `u64::MAX` (merging or extending a restored
    /// snapshot whose counts are already huge).
    CountOverflow {
        /// What is counted.
        what: &'static str,
    },
    /// Deserialised data breaks an invariant the type keeps (e.g. counts
    /// that disagree, or a negative sum of squares).
    InvalidSnapshot {
        /// Which part.
        what: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::LengthMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what} has length {found}, expected {expected}"),
            Error::NonFinite { what, index } => {
                write!(f, "{what}[{index}] is not finite")
            }
            Error::NonFiniteTransition {
                state,
                action,
                next,
            } => write!(
                f,
                "transition probability P[{state}][{action}][{next}] is not finite"
            ),
            Error::NegativeProbability {
                state,
                action,
                next,
            } => write!(
                f,
                "transition probability P[{state}][{action}][{next}] is negative"
            ),
            Error::NotStochastic { state, action } => {
                write!(f, "transition row P[{state}][{action}] does not sum to 1")
            }
            Error::NonFiniteReward { state, action } => {
                write!(f, "reward R[{state}][{action}] is not finite")
            }
            Error::InvalidStartDistribution { index } => write!(
                f,
                "start distribution is not a probability vector (at index {index})"
            ),
            Error::InvalidDiscount { rule } => write!(f, "discount gamma must {rule}"),
            Error::InvalidProbability { what } => write!(f, "{what} must lie in [0, 1]"),
            Error::InvalidParameter { what, rule } => write!(f, "{what} must {rule}"),
            Error::StateOutOfRange { state, states } => {
                write!(
                    f,
                    "state {state} is out of range (there are {states} states)"
                )
            }
            Error::CellOutOfRange { row, col, size } => {
                write!(f, "cell ({row}, {col}) is outside the {size} x {size} grid")
            }
            Error::DuplicateRewardCell { row, col } => {
                write!(f, "cell ({row}, {col}) is given a reward twice")
            }
            Error::DuplicateReward { state, action } => {
                write!(f, "state {state}, action {action} is given a reward twice")
            }
            Error::ActionOutOfRange { action, actions } => write!(
                f,
                "action {action} is out of range (there are {actions} actions)"
            ),
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what} needs size {expected}, the type has {found}"),
            Error::Singular { pivot } => {
                write!(f, "the linear system is singular (pivot {pivot} vanished)")
            }
            Error::NotSymmetric { row, col } => write!(
                f,
                "the matrix is not symmetric: entries [{row}][{col}] and [{col}][{row}] differ beyond the tolerance"
            ),
            Error::NoConvergence { what, iterations } => {
                write!(f, "{what} did not converge within {iterations} iterations")
            }
            Error::NotFactored => write!(f, "solve called before a successful factorisation"),
            Error::LogitOverflow { state } => {
                write!(f, "a logit of state {state} overflowed")
            }
            Error::IncompatibleMerge { what } => {
                write!(f, "cannot merge accumulators whose {what} differ")
            }
            Error::NumericalOverflow { what } => {
                write!(f, "{what} overflowed to a non-finite value")
            }
            Error::CountOverflow { what } => {
                write!(f, "the {what} count would exceed {}", u64::MAX)
            }
            Error::InvalidSnapshot { what } => {
                write!(f, "the restored {what} are inconsistent")
            }
        }
    }
}

impl core::error::Error for Error {}

/// The rules of [`Error::InvalidParameter`] and [`Error::InvalidDiscount`]
/// that several parameters share, each completing "… must …".
pub(crate) mod rule {
    /// An entropy weight, a step size, a standard deviation, a cost.
    pub(crate) const NON_NEGATIVE: &str = "be finite and non-negative";
    /// A coefficient or a point.
    pub(crate) const FINITE: &str = "be finite";
    /// A count of episodes or steps.
    pub(crate) const AT_LEAST_ONE: &str = "be at least 1";
    /// A count of episodes behind a standard error.
    pub(crate) const AT_LEAST_TWO: &str = "be at least 2 (a standard error needs two)";
    /// The discount of an episodic environment.
    pub(crate) const DISCOUNT_EPISODIC: &str = "lie in [0, 1]";
    /// The discount of a tabular MDP (see [`super::Error::InvalidDiscount`]).
    pub(crate) const DISCOUNT_TABULAR: &str =
        "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)";
}

/// Shorthand for `core::result::Result<T, Error>`.
pub type Result<T> = core::result::Result<T, Error>;

/// Checks a slice's length.
#[inline]
pub(crate) fn check_len(what: &'static str, found: usize, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what,
            expected,
            found,
        })
    }
}

/// Checks that every entry of an input is finite: the crate's one
/// finiteness check. A NaN or infinity is [`Error::NonFinite`], naming
/// `what` and the index of the first bad entry.
#[inline]
pub(crate) fn check_finite<T: Real>(what: &'static str, xs: &[T]) -> Result<()> {
    // One branch-free pass, which vectorises; the index only on failure.
    if xs.iter().fold(true, |ok, x| ok & x.is_finite()) {
        return Ok(());
    }
    match xs.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::NonFinite { what, index }),
    }
}

/// [`check_finite`] for a computed result (one from finite inputs): a NaN or
/// infinity there is [`Error::NumericalOverflow`] naming `what`.
#[inline]
pub(crate) fn check_overflow<T: Real>(what: &'static str, xs: &[T]) -> Result<()> {
    check_finite(what, xs).map_err(|_| Error::NumericalOverflow { what })
}
