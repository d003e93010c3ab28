//! Python bindings of `policy-landscape`: the extension module
//! `policy_landscape._core`, wrapped by the pure-Python package
//! `policy_landscape` (see `python/policy_landscape/`).
//!
//! Arrays come in as anything numpy converts to float64 and go out as new
//! numpy arrays; the core's errors become the exceptions of [`error`];
//! every call that evaluates, trains or probes with the library's own
//! objectives releases the GIL.

#![forbid(unsafe_code)]

mod arrays;
mod continuous;
mod error;
mod exact;
mod mdp;
mod policy;
mod probe;

use pyo3::prelude::*;

/// What `__reduce__` returns: the callable that rebuilds an object and its
/// arguments.
pub(crate) type Reduce<'py, Args> = (Bound<'py, PyAny>, Args);

/// Does nothing: the cost of a call through the bindings (benchmarks).
#[pyfunction]
fn _noop() {}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Whether this build has the MuJoCo environments (feature `mujoco`).
    m.add("HAS_MUJOCO", cfg!(feature = "mujoco"))?;
    m.add(
        "PolicyLandscapeError",
        py.get_type::<error::PolicyLandscapeError>(),
    )?;
    m.add("ShapeError", py.get_type::<error::ShapeError>())?;
    m.add("InvalidMdpError", py.get_type::<error::InvalidMdpError>())?;
    m.add(
        "InvalidParameterError",
        py.get_type::<error::InvalidParameterError>(),
    )?;
    m.add("NumericalError", py.get_type::<error::NumericalError>())?;
    m.add("MergeError", py.get_type::<error::MergeError>())?;
    m.add("SnapshotError", py.get_type::<error::SnapshotError>())?;
    m.add_class::<mdp::Mdp>()?;
    m.add_class::<policy::Softmax>()?;
    m.add_class::<exact::Evaluation>()?;
    m.add_class::<exact::PyTrainConfig>()?;
    m.add_function(wrap_pyfunction!(exact::evaluate_exact, m)?)?;
    m.add_function(wrap_pyfunction!(exact::objective_exact, m)?)?;
    m.add_function(wrap_pyfunction!(exact::deterministic_return, m)?)?;
    m.add_function(wrap_pyfunction!(exact::train_exact, m)?)?;
    m.add_function(wrap_pyfunction!(exact::classify, m)?)?;
    m.add_function(wrap_pyfunction!(exact::sweep, m)?)?;
    m.add_class::<probe::Objective>()?;
    m.add_class::<probe::ExactObjective>()?;
    m.add_class::<probe::Accumulator>()?;
    m.add_class::<probe::Verdict>()?;
    m.add_function(wrap_pyfunction!(probe::direction, m)?)?;
    m.add_function(wrap_pyfunction!(probe::directions, m)?)?;
    m.add_function(wrap_pyfunction!(probe::start, m)?)?;
    m.add_function(wrap_pyfunction!(probe::probe, m)?)?;
    m.add_function(wrap_pyfunction!(probe::probe_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(probe::interpolate, m)?)?;
    m.add_function(wrap_pyfunction!(probe::improving_curvature, m)?)?;
    continuous::register(m)?;
    m.add_function(wrap_pyfunction!(_noop, m)?)?;
    Ok(())
}
