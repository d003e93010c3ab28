//! `pl_softmax`: a tabular softmax policy (one-hot states, optional
//! per-action bias), its parameters in and out in the torch layout.

// Indices: `s < states` and `a < A` checked or bounded by loops over the
// policy's own arrays (`theta` holds `(states + bias) · actions`).
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::ffi::c_void;

use policy_landscape::Error;
use policy_landscape::policy::{SoftmaxRow, init_like_torch};
use policy_landscape::rand_xoshiro::Xoshiro256PlusPlus;
use policy_landscape::rand_xoshiro::rand_core::SeedableRng;

use crate::PL_MAX_ACTIONS;
use crate::ffi::{self, Arena, Head, Object, Raw, finite, guard, invalid, live, live_mut};
use crate::layout;
use crate::pl_real;
use crate::status::{PL_ERR_BUFFER_TOO_SMALL, Res, pl_status};

/// A tabular softmax policy: `π(a|s) = (1 − mix) softmax(z_s)_a + mix / A`
/// with logits `z_s[a] = W[a][s] (+ b[a])`. Its parameters, in the torch
/// `nn.Linear` layout over one-hot states, are `W` (actions × states,
/// row-major) then, with a bias, `b` (actions).
#[derive(Debug)]
pub struct pl_softmax {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Debug)]
pub(crate) struct SoftmaxObj {
    head: Head,
    pub(crate) states: usize,
    pub(crate) actions: usize,
    pub(crate) bias: bool,
    pub(crate) mix: pl_real,
    /// The core's flat layout: `theta[f * actions + a]`, the bias last.
    pub(crate) theta: Raw<pl_real>,
}

impl layout::Linear for SoftmaxObj {
    const WHAT: &'static str = "policy";
    fn theta(&self) -> &Raw<pl_real> {
        &self.theta
    }
    fn theta_mut(&mut self) -> &mut Raw<pl_real> {
        &mut self.theta
    }
    fn shape(&self) -> (usize, usize, bool) {
        (self.states, self.actions, self.bias)
    }
}

// SAFETY: `#[repr(C)]`, `Head` first, alignment <= 8, unique magic.
unsafe impl Object for SoftmaxObj {
    const MAGIC: u32 = 0x504C_5301;
    fn head(&self) -> &Head {
        &self.head
    }
}

/// The family of a softmax policy: what an objective over its flat
/// parameters needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Family {
    pub(crate) states: usize,
    pub(crate) actions: usize,
    pub(crate) bias: bool,
    pub(crate) mix: pl_real,
}

impl Family {
    pub(crate) fn params(&self) -> usize {
        (self.states + usize::from(self.bias)) * self.actions
    }

    /// The logits of flat parameters `theta`, one row per state, into `z`.
    pub(crate) fn logits<const A: usize>(&self, theta: &[pl_real], z: &mut [[pl_real; A]]) {
        let bias = self
            .bias
            .then(|| &theta[self.states * A..(self.states + 1) * A]);
        for (s, row) in z.iter_mut().enumerate().take(self.states) {
            for a in 0..A {
                let w = theta[s * A + a];
                row[a] = match bias {
                    Some(b) => w + b[a],
                    None => w,
                };
            }
        }
    }

    /// The gradient in the flat layout from the gradient in the logits:
    /// the bias collects every state's.
    pub(crate) fn flat_gradient<const A: usize>(&self, g: &[[pl_real; A]], flat: &mut [pl_real]) {
        for (s, row) in g.iter().enumerate().take(self.states) {
            flat[s * A..(s + 1) * A].copy_from_slice(row);
        }
        if self.bias {
            let b = &mut flat[self.states * A..(self.states + 1) * A];
            b.fill(0.0);
            for row in g.iter().take(self.states) {
                for (x, &y) in b.iter_mut().zip(row) {
                    *x += y;
                }
            }
        }
    }
}

impl SoftmaxObj {
    pub(crate) fn family(&self) -> Family {
        Family {
            states: self.states,
            actions: self.actions,
            bias: self.bias,
            mix: self.mix,
        }
    }

    fn row<const A: usize>(&self, s: usize) -> Res<SoftmaxRow<pl_real, A>> {
        if s >= self.states {
            return Err(Error::StateOutOfRange {
                state: s,
                states: self.states,
            }
            .into());
        }
        let theta = self.theta.slice();
        let mut z = [0.0; A];
        for (a, x) in z.iter_mut().enumerate() {
            *x = theta[s * A + a];
            if self.bias {
                *x += theta[self.states * A + a];
            }
        }
        Ok(SoftmaxRow::from_logits(&z, self.mix)?)
    }
}

fn shape(states: usize, actions: usize, bias: bool) -> Res<usize> {
    if states == 0 {
        return Err(invalid("states", "be at least 1"));
    }
    with_actions!(actions, A => { let _ = A; }, _ => return Err(invalid("actions", crate::ACTIONS_RULE)));
    layout::params_len(states, actions, bias).ok_or_else(|| invalid("states", "fit in memory"))
}

fn make(arena: &mut Arena, states: usize, actions: usize, bias: bool) -> Res<*mut SoftmaxObj> {
    let n = shape(states, actions, bias)?;
    let obj = arena.reserve::<SoftmaxObj>(1)?;
    let theta = arena.reserve::<pl_real>(n)?;
    arena.check()?;
    let theta = arena.raw(theta, 0.0)?;
    let bytes = arena.used();
    arena.place(
        obj,
        SoftmaxObj {
            head: Head::new(SoftmaxObj::MAGIC, bytes),
            states,
            actions,
            bias,
            mix: 0.0,
            theta,
        },
    )
}

/// The bytes a policy of this shape needs in caller memory (at alignment
/// [`crate::pl_align`]).
///
/// # Safety
///
/// `bytes` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_size(
    states: usize,
    actions: usize,
    bias: bool,
    bytes: *mut usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let bytes = unsafe { ffi::out(bytes, "bytes")? };
        let mut arena = Arena::new(core::ptr::null_mut(), 0)?;
        match make(&mut arena, states, actions, bias) {
            Err(f) if f.status == PL_ERR_BUFFER_TOO_SMALL => {
                bytes.put(arena.used());
                Ok(())
            }
            Err(f) => Err(f),
            Ok(_) => Err(invalid("mem", "be NULL")),
        }
    })
}

/// A uniform policy (all parameters 0, `mix` 0) over `states` states
/// (at least 1) and `actions` actions (1 to 8), with a per-action bias if
/// `bias`, placed in `mem` (`cap` bytes, aligned to [`crate::pl_align`];
/// NULL to ask the size, see the crate's conventions).
///
/// # Safety
///
/// `mem` is NULL or valid for writes of `cap` bytes and stays valid (and
/// unmoved) until [`pl_softmax_deinit`]; `needed` and `out` are NULL or
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_init(
    mem: *mut c_void,
    cap: usize,
    states: usize,
    actions: usize,
    bias: bool,
    needed: *mut usize,
    out: *mut *mut pl_softmax,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::init(mem, cap, needed, out.cast(), |a| {
            make(a, states, actions, bias)
        })
    }
}

/// [`pl_softmax_init`] on the heap; end it with [`pl_softmax_free`].
///
/// # Safety
///
/// `out` is NULL or valid for writes.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_new(
    states: usize,
    actions: usize,
    bias: bool,
    out: *mut *mut pl_softmax,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::new(out.cast(), |a| make(a, states, actions, bias)) }
}

/// Ends a policy placed by [`pl_softmax_init`]; its memory is the caller's
/// again. A second call returns `PL_ERR_BAD_HANDLE`.
///
/// # Safety
///
/// `policy` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_deinit(policy: *mut pl_softmax) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::deinit(policy.cast::<SoftmaxObj>(), "policy") }
}

/// Frees a policy made by [`pl_softmax_new`] and sets `*policy` to NULL.
///
/// # Safety
///
/// `policy` is NULL or valid for reads and writes; `*policy` is NULL or a
/// handle of this library.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_free(policy: *mut *mut pl_softmax) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::free(policy.cast::<*mut SoftmaxObj>(), "policy") }
}

/// The number of parameters: `(states + bias) * actions`.
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `len` is NULL or valid
/// for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_params_len(
    policy: *const pl_softmax,
    len: *mut usize,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { layout::get_params_len(policy.cast::<SoftmaxObj>(), len) }
}

/// Sets the parameters from `torch` (`len` = [`pl_softmax_params_len`], in
/// the torch layout: `W[a][s]` row-major, then `b[a]`). NaN or infinite
/// entries are refused; the policy is then unchanged.
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `torch` is NULL or valid
/// for reads of `len` numbers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_set_params(
    policy: *mut pl_softmax,
    torch: *const pl_real,
    len: usize,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { layout::set_params(policy.cast::<SoftmaxObj>(), torch, len) }
}

/// Writes the parameters into `torch` (`len` = [`pl_softmax_params_len`])
/// in the torch layout.
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `torch` is NULL or valid
/// for writes of `len` numbers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_get_params(
    policy: *const pl_softmax,
    torch: *mut pl_real,
    len: usize,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { layout::get_params(policy.cast::<SoftmaxObj>(), torch, len) }
}

/// Sets the weight of the uniform policy mixed in, in \[0, 1\] (0 at
/// creation).
///
/// # Safety
///
/// `policy` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_set_mix(policy: *mut pl_softmax, mix: pl_real) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live_mut(policy.cast::<SoftmaxObj>(), "policy")? };
        let r = finite(mix, "mix").and_then(|m| {
            if (0.0..=1.0).contains(&m) {
                Ok(m)
            } else {
                Err(Error::InvalidProbability { what: "mix" }.into())
            }
        });
        p.mix = p.record(r)?;
        Ok(())
    })
}

/// Draws every parameter from `U(-1/√states, 1/√states)`, torch's default
/// for an `nn.Linear` over one-hot states, from xoshiro256++ seeded with
/// `seed`: the Rust API's `Softmax::init_like_torch(&mut
/// Xoshiro256PlusPlus::seed_from_u64(seed))`, bit for bit (draws in the
/// core's flat order, one `u64` each).
///
/// # Safety
///
/// `policy` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_init_like_torch(
    policy: *mut pl_softmax,
    seed: u64,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live_mut(policy.cast::<SoftmaxObj>(), "policy")? };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        init_like_torch(p.theta.slice_mut(), p.states, &mut rng);
        Ok(())
    })
}

/// `π(·|state)` into `out` (`len` = actions).
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `out` is NULL or valid for
/// writes of `len` numbers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_probabilities(
    policy: *const pl_softmax,
    state: usize,
    out: *mut pl_real,
    len: usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live(policy.cast::<SoftmaxObj>(), "policy")? };
        let r = with_actions!(p.actions, A => p.row::<A>(state).map(|r| {
            let mut pi = [0.0; PL_MAX_ACTIONS];
            pi[..A].copy_from_slice(&r.pi);
            pi
        }), _ => Err(invalid("actions", crate::ACTIONS_RULE)));
        let pi = p.record(r)?;
        // SAFETY: the caller's contract.
        let mut o = p.record(unsafe { ffi::output(out, len, p.actions, "out") })?;
        o.copy_from(&pi[..p.actions]);
        Ok(())
    })
}

/// The action for the uniform draw `u` in \[0, 1): the first action whose
/// cumulative probability exceeds `u` (the Rust API's `Softmax::sample`
/// with that draw).
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `action` is NULL or valid
/// for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_softmax_act(
    policy: *const pl_softmax,
    state: usize,
    u: pl_real,
    action: *mut usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live(policy.cast::<SoftmaxObj>(), "policy")? };
        let u = p.record(finite(u, "u").and_then(|u| {
            if (0.0..1.0).contains(&u) {
                Ok(u)
            } else {
                Err(invalid("u", "lie in [0, 1)"))
            }
        }))?;
        let r = with_actions!(p.actions, A => p.row::<A>(state).map(|r| {
            let (mut cum, mut last) = (0.0, 0);
            for (a, &pi) in r.pi.iter().enumerate() {
                if pi > 0.0 {
                    cum += pi;
                    last = a;
                    if u < cum {
                        return a;
                    }
                }
            }
            last
        }), _ => Err(invalid("actions", crate::ACTIONS_RULE)));
        let a = p.record(r)?;
        // SAFETY: the caller's contract.
        p.record(unsafe { ffi::out(action, "action") })?.put(a);
        Ok(())
    })
}
