//! `pl_probe`: the probe driver of paper §2.1.2 over a range of direction
//! indices, resumable: an engine advances it a few directions per frame.
//!
//! Direction `i` depends only on `(seed, i)`, so a probe advanced in steps
//! of any size, or split into shards whose accumulators are merged, probes
//! the same directions as one call over the whole range.

use core::ffi::c_void;

use policy_landscape::Error;
use policy_landscape::probe::{self, Thresholds};

use crate::accumulator::{AccObj, not_started, pl_accumulator};
use crate::exact::{ExactObj, pl_exact};
use crate::ffi::{self, Arena, Head, Object, Raw, finite, guard, live, live_mut};
use crate::pl_real;
use crate::softmax::{Family, SoftmaxObj, pl_softmax};
use crate::status::{
    Detail, Fail, PL_ERR_CALLBACK, PL_ERR_INCOMPATIBLE, PL_ERR_STATE, PL_OK, Res, pl_status,
};

/// A probe: `θ0`, the direction range and its cursor, and scratch for the
/// perturbed points (for parameters of one dimension).
#[derive(Debug)]
pub struct pl_probe {
    _opaque: [u8; 0],
}

/// An objective of the caller's for [`pl_probe_start_fn`]: writes `O(θ)`
/// for the `len` parameters `theta` into `*value` and returns `PL_OK`, or
/// returns another code to stop the probe (which then returns
/// `PL_ERR_CALLBACK`, the accumulator unchanged). `user` is passed through.
pub type pl_objective_fn = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        theta: *const pl_real,
        len: usize,
        value: *mut pl_real,
    ) -> pl_status,
>;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Idle,
    /// `J_τ` of a softmax family on the `pl_exact` at `exact` (its
    /// address: advancing on another evaluator is refused).
    Exact {
        family: Family,
        tau: pl_real,
        exact: usize,
    },
    /// The caller's objective.
    Callback,
}

#[repr(C)]
#[derive(Debug)]
pub(crate) struct ProbeObj {
    head: Head,
    dim: usize,
    theta0: Raw<pl_real>,
    scratch: Raw<pl_real>,
    mode: Mode,
    seed: u64,
    next: u64,
    end: u64,
}

// SAFETY: `#[repr(C)]`, `Head` first, alignment <= 8, unique magic.
unsafe impl Object for ProbeObj {
    const MAGIC: u32 = 0x504C_5001;
    fn head(&self) -> &Head {
        &self.head
    }
}

fn make(arena: &mut Arena, dim: usize) -> Res<*mut ProbeObj> {
    if dim == 0 {
        return Err(ffi::invalid("dim", "be at least 1"));
    }
    let obj = arena.reserve::<ProbeObj>(1)?;
    let theta0 = arena.reserve::<pl_real>(dim)?;
    let scratch = arena.reserve::<pl_real>(dim.saturating_mul(2))?;
    arena.check()?;
    let theta0 = arena.raw(theta0, 0.0)?;
    let scratch = arena.raw(scratch, 0.0)?;
    let bytes = arena.used();
    arena.place(
        obj,
        ProbeObj {
            head: Head::new(ProbeObj::MAGIC, bytes),
            dim,
            theta0,
            scratch,
            mode: Mode::Idle,
            seed: 0,
            next: 0,
            end: 0,
        },
    )
}

/// The bytes a probe of `dim` parameters needs in caller memory.
///
/// # Safety
///
/// `bytes` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_size(dim: usize, bytes: *mut usize) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let bytes = unsafe { ffi::out(bytes, "bytes")? };
        let mut arena = Arena::new(core::ptr::null_mut(), 0)?;
        match make(&mut arena, dim) {
            Err(f) if f.status == crate::status::PL_ERR_BUFFER_TOO_SMALL => {
                bytes.put(arena.used());
                Ok(())
            }
            Err(f) => Err(f),
            Ok(_) => Err(ffi::invalid("mem", "be NULL")),
        }
    })
}

/// A probe for parameters of dimension `dim` (≥ 1), placed in `mem` (`cap`
/// bytes aligned to [`crate::pl_align`]; [`pl_probe_size`] tells how many).
///
/// # Safety
///
/// `mem` is NULL or valid for writes of `cap` bytes and stays valid (and
/// unmoved) until [`pl_probe_deinit`]; `needed` and `out` are NULL or valid
/// for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_init(
    mem: *mut c_void,
    cap: usize,
    dim: usize,
    needed: *mut usize,
    out: *mut *mut pl_probe,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::init(mem, cap, needed, out.cast(), |a| make(a, dim)) }
}

/// [`pl_probe_init`] on the heap; end it with [`pl_probe_free`].
///
/// # Safety
///
/// `out` is NULL or valid for writes.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_new(dim: usize, out: *mut *mut pl_probe) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::new(out.cast(), |a| make(a, dim)) }
}

/// Ends a probe placed by [`pl_probe_init`].
///
/// # Safety
///
/// `probe` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_deinit(probe: *mut pl_probe) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::deinit(probe.cast::<ProbeObj>(), "probe") }
}

/// Frees a probe made by [`pl_probe_new`] and sets `*probe` to NULL.
///
/// # Safety
///
/// `probe` is NULL or valid for reads and writes; `*probe` is NULL or a
/// handle of this library.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_free(probe: *mut *mut pl_probe) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::free(probe.cast::<*mut ProbeObj>(), "probe") }
}

/// Starts `p` on objective `o` around `theta0` (its dimension checked by
/// the caller) at step `alpha`, over directions `first .. first + count` of
/// `seed`: evaluates `O(θ0)`, starts `a` afresh, then (only then) copies
/// `θ0` and sets the mode and cursor.
fn begin<O: probe::Objective<pl_real>>(
    p: &mut ProbeObj,
    o: &mut O,
    theta0: &[pl_real],
    alpha: pl_real,
    (seed, first, count): (u64, u64, u64),
    a: &mut AccObj,
    mode: Mode,
) -> Res<()> {
    let alpha = step(alpha)?;
    let end = range(first, count)?;
    let started = probe::start(o, theta0, alpha, Thresholds::default())?;
    p.theta0.slice_mut().copy_from_slice(theta0);
    a.acc = Some(started);
    p.mode = mode;
    p.seed = seed;
    p.next = first;
    p.end = end;
    Ok(())
}

fn range(first: u64, count: u64) -> Res<u64> {
    first
        .checked_add(count)
        .ok_or_else(|| ffi::invalid("count", "keep first + count below 2^64"))
}

fn step(alpha: pl_real) -> Res<pl_real> {
    finite(alpha, "alpha")?;
    if alpha <= 0.0 {
        return Err(ffi::invalid("alpha", "be positive"));
    }
    Ok(alpha)
}

/// Core errors of an exact objective, checked beforehand (the family fits
/// and `τ` is valid), so only the core's own can arise.
fn exact_objective<'e>(
    e: &'e mut ExactObj,
    family: Family,
    tau: pl_real,
) -> impl probe::Objective<pl_real> + 'e {
    probe::from_fn(move |t: &[pl_real]| {
        e.objective(&family, t, tau).map_err(|f| match f.detail {
            Detail::Core(err) => err,
            _ => Error::InvalidParameter {
                what: "policy",
                rule: "fit the MDP",
            },
        })
    })
}

/// Starts a probe of `J_τ` (`tau` ≥ 0; 0 for the true `J`) of `policy`'s
/// family on `exact`'s MDP around `policy`'s current parameters `θ0` (the
/// probe's dimension must be [`crate::pl_softmax_params_len`]), at step
/// `alpha` > 0, over directions `first .. first + count` of `seed`:
/// evaluates `O(θ0)` and starts `acc` afresh (default thresholds). The
/// directions perturb the parameters in the Rust API's order (the core's
/// flat layout, `f · actions + a`), so results equal the Rust API's
/// `probe::probe` on `Softmax::params()` bit for bit. Then
/// [`pl_probe_advance_exact`] runs the directions. On error the probe and
/// `acc` are unchanged.
///
/// # Safety
///
/// The handles are NULL or handles of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_start_exact(
    probe: *mut pl_probe,
    exact: *mut pl_exact,
    policy: *const pl_softmax,
    tau: pl_real,
    alpha: pl_real,
    seed: u64,
    first: u64,
    count: u64,
    acc: *mut pl_accumulator,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live_mut(probe.cast::<ProbeObj>(), "probe")? };
        let r = (|| {
            // SAFETY: the caller's contract; three kinds, three objects.
            let (e, pol, a) = unsafe {
                (
                    live_mut(exact.cast::<ExactObj>(), "exact")?,
                    live(policy.cast::<SoftmaxObj>(), "policy")?,
                    live_mut(acc.cast::<AccObj>(), "acc")?,
                )
            };
            let family = pol.family();
            e.fits(&family)?;
            let theta0 = pol.theta.slice();
            if theta0.len() != p.dim {
                return Err(ffi::length_error(
                    "theta0 (the policy's parameters)",
                    p.dim,
                    theta0.len(),
                ));
            }
            finite(tau, "tau")?;
            let mode = Mode::Exact {
                family,
                tau,
                exact: exact as usize,
            };
            let mut o = exact_objective(e, family, tau);
            begin(p, &mut o, theta0, alpha, (seed, first, count), a, mode)
        })();
        p.record(r)
    })
}

/// Runs the probe's object: up to `max_directions` more directions into
/// `acc` (the accumulator it started). `*remaining` (may be NULL) gets the
/// directions still to run; 0 means done (then the call does nothing).
/// On error `acc` and the cursor are as before the call.
fn advance<O: probe::Objective<pl_real>>(
    p: &mut ProbeObj,
    o: &mut O,
    a: &mut AccObj,
    max_directions: u64,
) -> Res<u64> {
    let acc = a.acc.as_mut().ok_or_else(not_started)?;
    if acc.dim() != p.dim {
        return Err(Fail::new(
            PL_ERR_INCOMPATIBLE,
            Detail::Incompatible("the accumulator was started for another dimension"),
        ));
    }
    let k = max_directions.min(p.end.saturating_sub(p.next));
    let to = p.next.saturating_add(k);
    let backup = acc.clone();
    let (seed, from) = (p.seed, p.next);
    let (theta0, scratch) = (&p.theta0, &mut p.scratch);
    if let Err(e) = probe::probe(o, theta0.slice(), seed, from..to, scratch.slice_mut(), acc) {
        *acc = backup;
        return Err(e.into());
    }
    p.next = to;
    Ok(p.end.saturating_sub(to))
}

/// Advances a probe started by [`pl_probe_start_exact`] by up to
/// `max_directions` directions on the same `exact` (another evaluator is
/// `PL_ERR_INCOMPATIBLE`) and `acc`.
/// `*remaining` (may be NULL) receives how many are left. On error `acc`
/// and the probe are as before the call.
///
/// # Safety
///
/// The handles are NULL or handles of this library; `remaining` is NULL or
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_advance_exact(
    probe: *mut pl_probe,
    exact: *mut pl_exact,
    acc: *mut pl_accumulator,
    max_directions: u64,
    remaining: *mut u64,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live_mut(probe.cast::<ProbeObj>(), "probe")? };
        let r = (|| {
            // SAFETY: the caller's contract; three kinds, three objects.
            let (e, a, rem) = unsafe {
                (
                    live_mut(exact.cast::<ExactObj>(), "exact")?,
                    live_mut(acc.cast::<AccObj>(), "acc")?,
                    ffi::out_opt(remaining, "remaining")?,
                )
            };
            let Mode::Exact {
                family,
                tau,
                exact: started_on,
            } = p.mode
            else {
                return Err(Fail::new(
                    PL_ERR_STATE,
                    Detail::State("the probe was not started by pl_probe_start_exact"),
                ));
            };
            if exact as usize != started_on {
                return Err(Fail::new(
                    PL_ERR_INCOMPATIBLE,
                    Detail::Incompatible("the probe was started on another pl_exact"),
                ));
            }
            let mut o = exact_objective(e, family, tau);
            let left = advance(p, &mut o, a, max_directions)?;
            Ok((left, rem))
        })();
        let (left, rem) = p.record(r)?;
        if let Some(rem) = rem {
            rem.put(left);
        }
        Ok(())
    })
}

/// The caller's objective as the core's; a failing call's code is kept in
/// `status`.
fn callback_objective<'s>(
    f: unsafe extern "C" fn(*mut c_void, *const pl_real, usize, *mut pl_real) -> pl_status,
    user: *mut c_void,
    status: &'s core::cell::Cell<pl_status>,
) -> impl probe::Objective<pl_real> + 's {
    probe::from_fn(move |t: &[pl_real]| {
        let (code, value) = ffi::call_objective(f, user, t);
        if code != PL_OK {
            status.set(code);
            return Err(Error::InvalidParameter {
                what: "objective callback",
                rule: "return PL_OK",
            });
        }
        Ok(value)
    })
}

fn callback_failure(status: pl_status, f: Fail) -> Fail {
    if status == PL_OK {
        f
    } else {
        Fail::new(PL_ERR_CALLBACK, Detail::Callback(status))
    }
}

/// Starts a probe of the caller's objective `f` (called with `user`)
/// around `theta0` (`len` = the probe's dimension, copied), at step
/// `alpha` > 0, over directions `first .. first + count` of `seed`:
/// evaluates `O(θ0)` and starts `acc` afresh (default thresholds). On
/// error the probe and `acc` are unchanged. A non-finite value returned
/// by `f` is `PL_ERR_NON_FINITE`.
///
/// # Safety
///
/// The handles are NULL or handles of this library; `theta0` is NULL or
/// valid for reads of `len` numbers; `f` is safe to call with `user` and
/// any parameters of length `len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_start_fn(
    probe: *mut pl_probe,
    f: pl_objective_fn,
    user: *mut c_void,
    theta0: *const pl_real,
    len: usize,
    alpha: pl_real,
    seed: u64,
    first: u64,
    count: u64,
    acc: *mut pl_accumulator,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live_mut(probe.cast::<ProbeObj>(), "probe")? };
        let r = (|| {
            let f = f.ok_or(Fail::new(crate::status::PL_ERR_NULL, Detail::Null("f")))?;
            // SAFETY: the caller's contract.
            let (a, theta0) = unsafe {
                (
                    live_mut(acc.cast::<AccObj>(), "acc")?,
                    ffi::input_exact(theta0, len, p.dim, "theta0")?,
                )
            };
            let status = core::cell::Cell::new(PL_OK);
            let mut o = callback_objective(f, user, &status);
            begin(
                p,
                &mut o,
                theta0,
                alpha,
                (seed, first, count),
                a,
                Mode::Callback,
            )
            .map_err(|e| callback_failure(status.get(), e))
        })();
        p.record(r)
    })
}

/// Advances a probe started by [`pl_probe_start_fn`] by up to
/// `max_directions` directions, with the same `f`, `user` and `acc`.
/// `*remaining` (may be NULL) receives how many are left. On error `acc`
/// and the probe are as before the call.
///
/// # Safety
///
/// As [`pl_probe_start_fn`]; `remaining` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_probe_advance_fn(
    probe: *mut pl_probe,
    f: pl_objective_fn,
    user: *mut c_void,
    acc: *mut pl_accumulator,
    max_directions: u64,
    remaining: *mut u64,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let p = unsafe { live_mut(probe.cast::<ProbeObj>(), "probe")? };
        let r = (|| {
            let f = f.ok_or(Fail::new(crate::status::PL_ERR_NULL, Detail::Null("f")))?;
            // SAFETY: the caller's contract.
            let (a, rem) = unsafe {
                (
                    live_mut(acc.cast::<AccObj>(), "acc")?,
                    ffi::out_opt(remaining, "remaining")?,
                )
            };
            if !matches!(p.mode, Mode::Callback) {
                return Err(Fail::new(
                    PL_ERR_STATE,
                    Detail::State("the probe was not started by pl_probe_start_fn"),
                ));
            }
            let status = core::cell::Cell::new(PL_OK);
            let mut o = callback_objective(f, user, &status);
            let left = advance(p, &mut o, a, max_directions)
                .map_err(|e| callback_failure(status.get(), e))?;
            Ok((left, rem))
        })();
        let (left, rem) = p.record(r)?;
        if let Some(rem) = rem {
            rem.put(left);
        }
        Ok(())
    })
}
