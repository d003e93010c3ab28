//! What can go wrong loading or stepping a MuJoCo environment.

use std::fmt;
use std::path::PathBuf;

/// The command that fetches MuJoCo and the models, named by every error
/// about a missing file.
pub const SETUP_COMMAND: &str = "mujoco/setup.sh";

/// An error of this crate. Stepping an environment goes through the core's
/// [`policy_landscape::env::Env`] trait and returns the core's error
/// instead (a NaN action, an overflowing control cost, an unstable
/// simulation).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A model file is missing: MuJoCo was not set up, or the assets folder
    /// given by `POLICY_LANDSCAPE_MUJOCO_ASSETS` does not hold it.
    ModelMissing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The MuJoCo library loaded at run time is not the one this crate was
    /// built for.
    WrongVersion {
        /// The version the library reports.
        found: String,
        /// The version this crate needs.
        expected: &'static str,
    },
    /// MuJoCo could not compile the model.
    ModelInvalid {
        /// The file.
        path: PathBuf,
        /// MuJoCo's message.
        message: String,
    },
    /// The environment type's observation or action size does not match the
    /// model (e.g. a `Mujoco<11, 3>` asked to load Walker2d).
    Shape {
        /// `"observation"` or `"action"`.
        what: &'static str,
        /// The size the model has.
        model: usize,
        /// The size of the type.
        requested: usize,
    },
    /// A state given to [`crate::Mujoco::set_state`] had the wrong length or
    /// a non-finite entry (the core's error says which).
    Core(policy_landscape::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ModelMissing { path } => write!(
                f,
                "MuJoCo model {} not found: run `{SETUP_COMMAND}` from the repository's root \
                 (or point POLICY_LANDSCAPE_MUJOCO_ASSETS at a folder holding Gymnasium 1.4.0's \
                 models)",
                path.display()
            ),
            Self::WrongVersion { found, expected } => write!(
                f,
                "MuJoCo {found} was loaded but this crate needs {expected}: run \
                 `{SETUP_COMMAND}` and rebuild (MUJOCO_DYNAMIC_LINK_DIR must name the folder it \
                 fills)"
            ),
            Self::ModelInvalid { path, message } => {
                write!(f, "MuJoCo could not load {}: {message}", path.display())
            }
            Self::Shape {
                what,
                model,
                requested,
            } => write!(
                f,
                "the model's {what} has {model} numbers but the environment type asks for \
                 {requested}"
            ),
            Self::Core(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Core(e) => Some(e),
            _ => None,
        }
    }
}

impl From<policy_landscape::Error> for Error {
    fn from(e: policy_landscape::Error) -> Self {
        Self::Core(e)
    }
}

/// A result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
