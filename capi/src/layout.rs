//! The torch `nn.Linear` layout of a linear policy's parameters, and the
//! core's flat layout.
//!
//! A policy over `w` input features (one-hot states, or observations) and
//! `k` outputs (actions) keeps its parameters as the core does, feature
//! major: `flat[f * k + a]`, the bias (when there is one) as the last
//! feature `f = w`. Torch keeps `W[a][f]` row-major, then `b[a]`.

// Indices: `f < w` and `a < k` in loops bounded by the lengths, checked
// equal to `(w + bias) * k` by the callers.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::ffi::{self, Object, OutSlice, Raw, guard, live, live_mut};
use crate::pl_real;
use crate::status::pl_status;

/// Parameters of `w` features (plus a bias) and `k` outputs.
pub(crate) fn params_len(w: usize, k: usize, bias: bool) -> Option<usize> {
    w.checked_add(usize::from(bias))?.checked_mul(k)
}

/// Flat (`[f][a]`) to torch (`W[a][f]`, then `b[a]`), into an output
/// array of the same length.
pub(crate) fn to_torch<X: Copy>(flat: &[X], torch: &mut OutSlice<X>, w: usize, k: usize) {
    for (i, &x) in flat.iter().enumerate() {
        torch.set(torch_index(i, w, k), x);
    }
}

/// Where flat index `i` (`f * k + a`) goes in the torch layout.
pub(crate) fn torch_index(i: usize, w: usize, k: usize) -> usize {
    let (f, a) = (i / k, i % k);
    if f < w { a * w + f } else { k * w + a }
}

/// The inverse of [`to_torch`].
pub(crate) fn from_torch<X: Copy>(torch: &[X], flat: &mut [X], w: usize, k: usize, bias: bool) {
    for a in 0..k {
        for f in 0..w {
            flat[f * k + a] = torch[a * w + f];
        }
    }
    if bias {
        for a in 0..k {
            flat[w * k + a] = torch[k * w + a];
        }
    }
}

/// A linear policy object (softmax or Gaussian): its flat parameters and
/// its shape, for the parameter functions both kinds expose.
pub(crate) trait Linear: Object {
    /// The handle's name in messages.
    const WHAT: &'static str;
    /// The flat parameters (`theta[f * k + a]`).
    fn theta(&self) -> &Raw<pl_real>;
    fn theta_mut(&mut self) -> &mut Raw<pl_real>;
    /// Inputs `w` (without the bias), outputs `k`, and whether there is a bias.
    fn shape(&self) -> (usize, usize, bool);
}

/// `pl_*_params_len`.
///
/// # Safety
///
/// `obj` is NULL or a handle of this library; `len` is NULL or valid for
/// writes.
pub(crate) unsafe fn get_params_len<O: Linear>(obj: *const O, len: *mut usize) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live(obj, O::WHAT)? };
        // SAFETY: the caller's contract.
        p.record(unsafe { ffi::out(len, "len") })?
            .put(p.theta().len());
        Ok(())
    })
}

/// `pl_*_set_params`: finite parameters in the torch layout, or nothing
/// changes.
///
/// # Safety
///
/// `obj` is NULL or a handle of this library; `torch` is NULL or valid for
/// reads of `len` numbers.
pub(crate) unsafe fn set_params<O: Linear>(
    obj: *mut O,
    torch: *const pl_real,
    len: usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live_mut(obj, O::WHAT)? };
        // SAFETY: the caller's contract.
        let r = unsafe { ffi::input_finite(torch, len, p.theta().len(), "torch") };
        let t = p.record(r)?;
        let (w, k, bias) = p.shape();
        from_torch(t, p.theta_mut().slice_mut(), w, k, bias);
        Ok(())
    })
}

/// `pl_*_get_params`: the parameters in the torch layout.
///
/// # Safety
///
/// `obj` is NULL or a handle of this library; `torch` is NULL or valid for
/// writes of `len` numbers.
pub(crate) unsafe fn get_params<O: Linear>(
    obj: *const O,
    torch: *mut pl_real,
    len: usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live(obj, O::WHAT)? };
        // SAFETY: the caller's contract.
        let mut t = p.record(unsafe { ffi::output(torch, len, p.theta().len(), "torch") })?;
        let (w, k, _) = p.shape();
        to_torch(p.theta().slice(), &mut t, w, k);
        Ok(())
    })
}
