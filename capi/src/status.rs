//! Status codes, their messages, and the core's errors mapped onto them.

use core::ffi::c_char;
use core::fmt;

use policy_landscape::Error;

/// What a function returns: [`PL_OK`] (0) or one of the `PL_ERR_*` codes.
pub type pl_status = i32;

/// Success.
pub const PL_OK: pl_status = 0;
/// A required pointer was NULL.
pub const PL_ERR_NULL: pl_status = 1;
/// A pointer was not aligned for its type (objects: [`crate::pl_align`]).
pub const PL_ERR_MISALIGNED: pl_status = 2;
/// An array's length was wrong.
pub const PL_ERR_LENGTH: pl_status = 3;
/// A number was NaN or infinite.
pub const PL_ERR_NON_FINITE: pl_status = 4;
/// An MDP was invalid: a transition row, reward, start distribution,
/// discount or reward cell broke its rule.
pub const PL_ERR_INVALID_MDP: pl_status = 5;
/// A parameter was outside its range (a negative `tau`, `mix` outside
/// \[0, 1\], a zero `alpha`, a state out of range, more than 8 actions, ...).
pub const PL_ERR_INVALID_ARGUMENT: pl_status = 6;
/// The caller's memory was too small: `*needed` holds the bytes needed.
pub const PL_ERR_BUFFER_TOO_SMALL: pl_status = 7;
/// Not a live object of the expected kind: another kind, never
/// initialised, already ended (`pl_*_deinit`), or `pl_*_free` of an object
/// that is not on the heap.
pub const PL_ERR_BAD_HANDLE: pl_status = 8;
/// The computation failed: a singular system, an overflow to infinity.
pub const PL_ERR_NUMERICAL: pl_status = 9;
/// Objects that do not fit together: a policy whose states or actions are
/// not the MDP's, accumulators with another step or dimension.
pub const PL_ERR_INCOMPATIBLE: pl_status = 10;
/// A call out of order: a probe advanced before it started, a summary of an
/// accumulator never started.
pub const PL_ERR_STATE: pl_status = 11;
/// The heap refused an allocation.
pub const PL_ERR_ALLOCATION: pl_status = 12;
/// A bug inside the library was stopped at the boundary (a panic); please
/// report it. Nothing was written.
pub const PL_ERR_PANIC: pl_status = 13;
/// The objective callback of a probe returned an error (its own code is in
/// the probe's `pl_last_error`).
pub const PL_ERR_CALLBACK: pl_status = 14;

/// The message of a status code: a static NUL-terminated English sentence,
/// never NULL (an unknown code has a message that says so).
#[unsafe(no_mangle)]
pub extern "C" fn pl_status_message(code: pl_status) -> *const c_char {
    let s: &'static str = match code {
        PL_OK => "success\0",
        PL_ERR_NULL => "a required pointer was NULL\0",
        PL_ERR_MISALIGNED => "a pointer was not aligned for its type\0",
        PL_ERR_LENGTH => "an array had the wrong length\0",
        PL_ERR_NON_FINITE => "a number was NaN or infinite\0",
        PL_ERR_INVALID_MDP => "the MDP is invalid\0",
        PL_ERR_INVALID_ARGUMENT => "a parameter was outside its range\0",
        PL_ERR_BUFFER_TOO_SMALL => "the memory given is too small (see *needed)\0",
        PL_ERR_BAD_HANDLE => "not a live object of the expected kind\0",
        PL_ERR_NUMERICAL => "the computation failed numerically\0",
        PL_ERR_INCOMPATIBLE => "the objects do not fit together\0",
        PL_ERR_STATE => "the call came out of order\0",
        PL_ERR_ALLOCATION => "the heap refused an allocation\0",
        PL_ERR_PANIC => "an internal error was stopped at the boundary (a bug)\0",
        PL_ERR_CALLBACK => "the objective callback returned an error\0",
        _ => "unknown status code\0",
    };
    s.as_ptr().cast()
}

/// The code of a core error.
pub(crate) fn status_of(e: &Error) -> pl_status {
    match e {
        Error::LengthMismatch { .. } | Error::ShapeMismatch { .. } => PL_ERR_LENGTH,
        Error::NonFinite { .. } => PL_ERR_NON_FINITE,
        Error::NonFiniteTransition { .. }
        | Error::NegativeProbability { .. }
        | Error::NotStochastic { .. }
        | Error::NonFiniteReward { .. }
        | Error::InvalidStartDistribution { .. }
        | Error::InvalidDiscount { .. }
        | Error::CellOutOfRange { .. }
        | Error::DuplicateRewardCell { .. }
        | Error::DuplicateReward { .. } => PL_ERR_INVALID_MDP,
        Error::Singular { .. }
        | Error::NotSymmetric { .. }
        | Error::NoConvergence { .. }
        | Error::NotFactored
        | Error::LogitOverflow { .. }
        | Error::NumericalOverflow { .. }
        | Error::CountOverflow { .. } => PL_ERR_NUMERICAL,
        Error::IncompatibleMerge { .. } => PL_ERR_INCOMPATIBLE,
        _ => PL_ERR_INVALID_ARGUMENT,
    }
}

/// What went wrong, kept by the object for [`crate::pl_last_error`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Detail {
    /// The core's error.
    Core(Error),
    /// A NULL pointer, by parameter name.
    Null(&'static str),
    /// A misaligned pointer, by parameter name.
    Misaligned(&'static str),
    /// Memory too small: bytes needed and given.
    TooSmall { needed: usize, cap: usize },
    /// A handle of another kind, or ended.
    BadHandle(&'static str),
    /// Objects that do not fit: a sentence.
    Incompatible(&'static str),
    /// Out of order: a sentence.
    State(&'static str),
    /// The callback's own code.
    Callback(pl_status),
    /// The heap refused `bytes` (host builds).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    Allocation(usize),
    /// A panic at the boundary (host builds).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    Panic,
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Core(e) => write!(f, "{e}"),
            Detail::Null(what) => write!(f, "the pointer `{what}` is NULL"),
            Detail::Misaligned(what) => {
                write!(f, "the pointer `{what}` is not aligned for its type")
            }
            Detail::TooSmall { needed, cap } => write!(
                f,
                "the memory given holds {cap} bytes; the object needs {needed}"
            ),
            Detail::BadHandle(what) => write!(
                f,
                "`{what}` is not a live object of its kind (another kind, never initialised, or ended)"
            ),
            Detail::Incompatible(what) | Detail::State(what) => f.write_str(what),
            Detail::Callback(code) => {
                write!(f, "the objective callback returned status {code}")
            }
            Detail::Allocation(bytes) => write!(f, "the heap refused {bytes} bytes"),
            Detail::Panic => f.write_str("a panic was stopped at the boundary (a bug)"),
        }
    }
}

/// A failure: its code and, when known, its detail.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fail {
    pub(crate) status: pl_status,
    pub(crate) detail: Detail,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail {
            status: status_of(&e),
            detail: Detail::Core(e),
        }
    }
}

impl Fail {
    pub(crate) fn new(status: pl_status, detail: Detail) -> Self {
        Fail { status, detail }
    }
}

/// Results inside the library.
pub(crate) type Res<T> = Result<T, Fail>;
