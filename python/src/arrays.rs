//! numpy in and out.

use numpy::{
    AllowTypeChange, PyArray1, PyArrayDescrMethods, PyArrayLikeDyn, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::error::{invalid, shape};

/// A float64 array read from an array, a (nested) list or a scalar of
/// numbers (bool, integer or float dtype), copied in C order, and its
/// shape; `what` names it in the errors. Strings, objects and complex
/// numbers are refused (`InvalidParameterError`) rather than parsed or
/// truncated; a ragged list is a `ShapeError`.
pub fn read(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<(Vec<f64>, Vec<usize>)> {
    let converted;
    let obj = if obj.cast::<PyUntypedArray>().is_ok() {
        obj
    } else {
        let py = obj.py();
        converted = py
            .import("numpy")?
            .getattr("asarray")?
            .call1((obj,))
            .map_err(|e| {
                if e.is_instance_of::<PyValueError>(py) {
                    shape(format!(
                        "{what} must be a regular array of numbers: {}",
                        e.value(py)
                    ))
                } else {
                    e
                }
            })?;
        &converted
    };
    let dtype = obj.cast::<PyUntypedArray>()?.dtype();
    if !matches!(dtype.kind(), b'b' | b'i' | b'u' | b'f') {
        return Err(invalid(format!(
            "{what} must hold numbers (bool, integer or float), found dtype {}",
            dtype.str()?
        )));
    }
    let arr: PyArrayLikeDyn<'_, f64, AllowTypeChange> = obj.extract()?;
    let shape = arr.shape().to_vec();
    let data = arr.as_array().iter().copied().collect();
    Ok((data, shape))
}

fn show(dims: &[usize]) -> String {
    match dims {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            dims.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A float64 array of exactly `dims`; `what` names it in the error.
pub fn read_shape(obj: &Bound<'_, PyAny>, what: &str, dims: &[usize]) -> PyResult<Vec<f64>> {
    let (data, found) = read(obj, what)?;
    if found != dims {
        return Err(shape(format!(
            "{what} must have shape {}, found {}",
            show(dims),
            show(&found)
        )));
    }
    Ok(data)
}

/// A one-dimensional float64 array of any length.
pub fn read_vec(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f64>> {
    let (data, found) = read(obj, what)?;
    if found.len() != 1 {
        return Err(shape(format!(
            "{what} must be one-dimensional, found shape {}",
            show(&found)
        )));
    }
    Ok(data)
}

/// An unsigned integer array (indices), one-dimensional.
pub fn read_indices(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u64>> {
    let (data, found) = read(obj, what)?;
    if found.len() != 1 {
        return Err(shape(format!(
            "{what} must be one-dimensional, found shape {}",
            show(&found)
        )));
    }
    data.iter()
        .enumerate()
        .map(|(i, &x)| {
            if x >= 0.0 && x.fract() == 0.0 && x < 9.007_199_254_740_992e15 {
                Ok(x as u64)
            } else {
                Err(crate::error::invalid(format!(
                    "{what}[{i}] = {x} is not a non-negative integer"
                )))
            }
        })
        .collect()
}

/// A new float64 array of shape `dims` holding `data` (C order).
pub fn write<'py>(py: Python<'py>, data: Vec<f64>, dims: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let flat = PyArray1::from_vec(py, data);
    if dims.len() == 1 {
        return Ok(flat.into_any());
    }
    Ok(flat.reshape(dims)?.into_any())
}
