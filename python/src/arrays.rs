//! numpy in and out.

use numpy::{AllowTypeChange, PyArray1, PyArrayLikeDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::error::shape;

/// A float64 array read from anything numpy converts (arrays of any dtype
/// that casts to float64, lists, scalars), copied in C order, and its
/// shape.
pub fn read(obj: &Bound<'_, PyAny>) -> PyResult<(Vec<f64>, Vec<usize>)> {
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
            dims.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A float64 array of exactly `dims`; `what` names it in the error.
pub fn read_shape(obj: &Bound<'_, PyAny>, what: &str, dims: &[usize]) -> PyResult<Vec<f64>> {
    let (data, found) = read(obj)?;
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
    let (data, found) = read(obj)?;
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
    let (data, found) = read(obj)?;
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
