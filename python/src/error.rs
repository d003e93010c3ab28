//! The core's errors as Python exceptions.
//!
//! Every exception derives from [`PolicyLandscapeError`], itself a
//! `ValueError`, and carries the core's message (it names what was wrong and
//! where: `theta[3] is not finite`, `transition row P[2][1] does not sum
//! to 1`, ...).

use policy_landscape::Error;
use pyo3::exceptions::PyValueError;
use pyo3::{PyErr, create_exception};

create_exception!(
    policy_landscape,
    PolicyLandscapeError,
    PyValueError,
    "The base of every error the library raises (a ValueError)."
);
create_exception!(
    policy_landscape,
    ShapeError,
    PolicyLandscapeError,
    "An array of the wrong shape or length."
);
create_exception!(
    policy_landscape,
    InvalidMdpError,
    PolicyLandscapeError,
    "An MDP that is not one: a row of P that is not a distribution, a NaN reward, gamma outside [0, 1), ..."
);
create_exception!(
    policy_landscape,
    InvalidParameterError,
    PolicyLandscapeError,
    "A parameter out of its range: a NaN in theta, a negative tau, mix outside [0, 1], ..."
);
create_exception!(
    policy_landscape,
    NumericalError,
    PolicyLandscapeError,
    "A computation whose result is not finite, or a solver that did not converge."
);
create_exception!(
    policy_landscape,
    MergeError,
    PolicyLandscapeError,
    "Two accumulators (or top-k lists) of different probes: their alpha, dimension, base or thresholds differ."
);
create_exception!(
    policy_landscape,
    SnapshotError,
    PolicyLandscapeError,
    "A serialised state that does not parse or is not consistent."
);

/// The exception for a core error.
pub fn err(e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::LengthMismatch { .. } | Error::ShapeMismatch { .. } => ShapeError::new_err(msg),
        Error::NonFiniteTransition { .. }
        | Error::NegativeProbability { .. }
        | Error::NotStochastic { .. }
        | Error::NonFiniteReward { .. }
        | Error::InvalidStartDistribution { .. }
        | Error::InvalidDiscount { .. }
        | Error::StateOutOfRange { .. }
        | Error::CellOutOfRange { .. }
        | Error::DuplicateRewardCell { .. }
        | Error::DuplicateReward { .. } => InvalidMdpError::new_err(msg),
        Error::NonFinite { .. }
        | Error::InvalidProbability { .. }
        | Error::InvalidParameter { .. }
        | Error::ActionOutOfRange { .. }
        | Error::NotSymmetric { .. } => InvalidParameterError::new_err(msg),
        Error::Singular { .. }
        | Error::NoConvergence { .. }
        | Error::NotFactored
        | Error::LogitOverflow { .. }
        | Error::NumericalOverflow { .. }
        | Error::CountOverflow { .. } => NumericalError::new_err(msg),
        Error::IncompatibleMerge { .. } => MergeError::new_err(msg),
        Error::InvalidSnapshot { .. } => SnapshotError::new_err(msg),
        _ => PolicyLandscapeError::new_err(msg),
    }
}

/// A [`ShapeError`] with a message.
pub fn shape(msg: impl Into<String>) -> PyErr {
    ShapeError::new_err(msg.into())
}

/// An [`InvalidParameterError`] with a message.
pub fn invalid(msg: impl Into<String>) -> PyErr {
    InvalidParameterError::new_err(msg.into())
}
