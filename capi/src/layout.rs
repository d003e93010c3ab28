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

/// Parameters of `w` features (plus a bias) and `k` outputs.
pub(crate) fn params_len(w: usize, k: usize, bias: bool) -> Option<usize> {
    w.checked_add(usize::from(bias))?.checked_mul(k)
}

/// Flat (`[f][a]`) to torch (`W[a][f]`, then `b[a]`), into an output
/// array of the same length.
pub(crate) fn to_torch<X: Copy>(
    flat: &[X],
    torch: &mut crate::ffi::OutSlice<X>,
    w: usize,
    k: usize,
) {
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
