//! `pl_accumulator`: the perturbation statistics of a probe (paper eq. 1–2),
//! mergeable across shards, and their verdict.

use core::ffi::{c_char, c_void};

use policy_landscape::probe::{Accumulator, VerdictKind};

use crate::ffi::{self, Arena, Head, Object, guard, live, live_mut};
use crate::pl_real;
use crate::status::{Detail, Fail, PL_ERR_STATE, Res, pl_status};

/// The statistics of probed directions: the gradient and curvature
/// projections, the paper's cases and the verdict. Empty until a probe
/// starts it (or another accumulator is merged or copied into it).
#[derive(Debug)]
pub struct pl_accumulator {
    _opaque: [u8; 0],
}

/// The paper's cases (§2.1.2) over the directions: the signs of `D+` and
/// `D−` (each compared with the noise threshold) and of the curvature.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pl_cases {
    /// Directions counted.
    pub total: u64,
    /// Both sides lower: a local maximum along the direction.
    pub both_negative: u64,
    /// Both sides higher: a local minimum along the direction.
    pub both_positive: u64,
    /// One side higher, the other lower: a slope.
    pub opposite: u64,
    /// Neither side detectably different.
    pub both_zero: u64,
    /// One side flat, the other lower.
    pub zero_and_negative: u64,
    /// One side flat, the other higher.
    pub zero_and_positive: u64,
    /// Detectably negative curvature.
    pub curvature_negative: u64,
    /// Detectably positive curvature.
    pub curvature_positive: u64,
}

/// The point's verdict (a `PL_VERDICT_*`) and the directions behind it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct pl_verdict {
    /// A `PL_VERDICT_*` ([`pl_verdict_name`] names it).
    pub kind: i32,
    /// Directions supporting it.
    pub support: u64,
    /// Directions counted.
    pub directions: u64,
    /// `support / directions` (0 without directions).
    pub fraction: f64,
    /// The 95% Wilson interval of the fraction (0 and 0 without
    /// directions).
    pub interval_low: f64,
    /// Its upper end.
    pub interval_high: f64,
}

/// Everything an accumulator knows, in one struct.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct pl_summary {
    /// Directions accumulated.
    pub count: u64,
    /// Dimension of the parameters probed.
    pub dim: u64,
    /// The probe's step `α`.
    pub alpha: pl_real,
    /// `O(θ0)`.
    pub base: pl_real,
    /// Mean of the gradient projection `(D+ − D−) / 2α` (0 without
    /// directions).
    pub gradient_mean: pl_real,
    /// Its sample variance (0 below two directions).
    pub gradient_variance: pl_real,
    /// Mean of the curvature projection `(D+ + D−) / α²` (0 without
    /// directions).
    pub curvature_mean: pl_real,
    /// Its sample variance (0 below two directions).
    pub curvature_variance: pl_real,
    /// The paper's cases.
    pub cases: pl_cases,
    /// The verdict.
    pub verdict: pl_verdict,
}

/// A local maximum: no direction detectably improves the objective.
pub const PL_VERDICT_LOCAL_MAXIMUM: i32 = 0;
/// A local minimum: no direction detectably worsens it.
pub const PL_VERDICT_LOCAL_MINIMUM: i32 = 1;
/// A saddle point: some directions look like a maximum, others like a
/// minimum.
pub const PL_VERDICT_SADDLE: i32 = 2;
/// A slope: most directions go up on one side and down on the other.
pub const PL_VERDICT_LINEAR: i32 = 3;
/// Flat: nothing is detectable in any direction.
pub const PL_VERDICT_FLAT: i32 = 4;
/// The data support none of the above (or there are none).
pub const PL_VERDICT_UNDETERMINED: i32 = 5;

fn kind_code(k: VerdictKind) -> i32 {
    match k {
        VerdictKind::LocalMaximum => PL_VERDICT_LOCAL_MAXIMUM,
        VerdictKind::LocalMinimum => PL_VERDICT_LOCAL_MINIMUM,
        VerdictKind::Saddle => PL_VERDICT_SADDLE,
        VerdictKind::Linear => PL_VERDICT_LINEAR,
        VerdictKind::Flat => PL_VERDICT_FLAT,
        VerdictKind::Undetermined => PL_VERDICT_UNDETERMINED,
    }
}

/// The name of a `PL_VERDICT_*` ("LocalMaximum", "Saddle", ...): a static
/// NUL-terminated string, never NULL ("unknown" for another value).
#[unsafe(no_mangle)]
pub extern "C" fn pl_verdict_name(kind: i32) -> *const c_char {
    let s: &'static str = match kind {
        PL_VERDICT_LOCAL_MAXIMUM => "LocalMaximum\0",
        PL_VERDICT_LOCAL_MINIMUM => "LocalMinimum\0",
        PL_VERDICT_SADDLE => "Saddle\0",
        PL_VERDICT_LINEAR => "Linear\0",
        PL_VERDICT_FLAT => "Flat\0",
        PL_VERDICT_UNDETERMINED => "Undetermined\0",
        _ => "unknown\0",
    };
    s.as_ptr().cast()
}

#[repr(C)]
#[derive(Debug)]
pub(crate) struct AccObj {
    head: Head,
    pub(crate) acc: Option<Accumulator<pl_real>>,
}

// SAFETY: `#[repr(C)]`, `Head` first, alignment <= 8, unique magic.
unsafe impl Object for AccObj {
    const MAGIC: u32 = 0x504C_4101;
    fn head(&self) -> &Head {
        &self.head
    }
}

pub(crate) fn not_started() -> Fail {
    Fail::new(
        PL_ERR_STATE,
        Detail::State("the accumulator is empty: no probe has started it"),
    )
}

fn make(arena: &mut Arena) -> Res<*mut AccObj> {
    let obj = arena.reserve::<AccObj>(1)?;
    arena.check()?;
    let bytes = arena.used();
    arena.place(
        obj,
        AccObj {
            head: Head::new(AccObj::MAGIC, bytes),
            acc: None,
        },
    )
}

/// The bytes an accumulator needs in caller memory.
#[unsafe(no_mangle)]
pub extern "C" fn pl_accumulator_size() -> usize {
    core::mem::size_of::<AccObj>()
}

/// An empty accumulator placed in `mem` (`cap` ≥ [`pl_accumulator_size`]
/// bytes aligned to [`crate::pl_align`]).
///
/// # Safety
///
/// `mem` is NULL or valid for writes of `cap` bytes and stays valid (and
/// unmoved) until [`pl_accumulator_deinit`]; `needed` and `out` are NULL
/// or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_accumulator_init(
    mem: *mut c_void,
    cap: usize,
    needed: *mut usize,
    out: *mut *mut pl_accumulator,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::init(mem, cap, needed, out.cast(), make) }
}

/// [`pl_accumulator_init`] on the heap; end it with [`pl_accumulator_free`].
///
/// # Safety
///
/// `out` is NULL or valid for writes.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_accumulator_new(out: *mut *mut pl_accumulator) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::new(out.cast(), make) }
}

/// Ends an accumulator placed by [`pl_accumulator_init`].
///
/// # Safety
///
/// `acc` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_accumulator_deinit(acc: *mut pl_accumulator) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::deinit(acc.cast::<AccObj>(), "accumulator") }
}

/// Frees an accumulator made by [`pl_accumulator_new`] and sets `*acc` to
/// NULL.
///
/// # Safety
///
/// `acc` is NULL or valid for reads and writes; `*acc` is NULL or a handle
/// of this library.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_accumulator_free(acc: *mut *mut pl_accumulator) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::free(acc.cast::<*mut AccObj>(), "accumulator") }
}

/// Adds `from`'s directions to `into` (shards of one probe: the same step,
/// dimension and `O(θ0)`; `PL_ERR_INCOMPATIBLE` otherwise, `into`
/// unchanged). An empty `into` becomes a copy of `from`; an empty `from`
/// changes nothing. The counts, cases and verdict equal those of one
/// accumulator over all the directions; the means agree to rounding.
///
/// # Safety
///
/// `into` and `from` are NULL or handles of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_accumulator_merge(
    into: *mut pl_accumulator,
    from: *const pl_accumulator,
) -> pl_status {
    guard(|| {
        // A copy of the source first, so that `into == from` is no alias.
        // SAFETY: the caller's contract.
        let src = unsafe { live(from.cast::<AccObj>(), "from")? }.acc.clone();
        // SAFETY: the caller's contract; `from` is no longer borrowed.
        let dst = unsafe { live_mut(into.cast::<AccObj>(), "into")? };
        let Some(src) = src else { return Ok(()) };
        match &dst.acc {
            None => dst.acc = Some(src),
            Some(a) => {
                let mut merged = a.clone();
                let r = merged.merge(&src).map_err(Fail::from);
                dst.record(r)?;
                dst.acc = Some(merged);
            }
        }
        Ok(())
    })
}

/// Makes `into` a copy of `from` (empty or not).
///
/// # Safety
///
/// `into` and `from` are NULL or handles of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_accumulator_copy(
    into: *mut pl_accumulator,
    from: *const pl_accumulator,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let src = unsafe { live(from.cast::<AccObj>(), "from")? }.acc.clone();
        // SAFETY: the caller's contract; `from` is no longer borrowed.
        let dst = unsafe { live_mut(into.cast::<AccObj>(), "into")? };
        dst.acc = src;
        Ok(())
    })
}

/// The accumulator's statistics and verdict into `*out`
/// (`PL_ERR_STATE` while it is empty).
///
/// # Safety
///
/// `acc` is NULL or a handle of this library; `out` is NULL or valid for
/// writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_accumulator_summary(
    acc: *const pl_accumulator,
    out: *mut pl_summary,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let a = unsafe { live(acc.cast::<AccObj>(), "accumulator")? };
        // SAFETY: the caller's contract.
        let out = a.record(unsafe { ffi::out(out, "out") })?;
        let s = a.record(a.acc.as_ref().ok_or_else(not_started))?;
        let c = s.cases();
        let v = s.verdict();
        let (lo, hi) = v.interval().unwrap_or((0.0, 0.0));
        out.put(pl_summary {
            count: s.count(),
            dim: s.dim() as u64,
            alpha: s.alpha(),
            base: s.base(),
            gradient_mean: s.gradient().mean().unwrap_or(0.0),
            gradient_variance: s.gradient().variance().unwrap_or(0.0),
            curvature_mean: s.curvature().mean().unwrap_or(0.0),
            curvature_variance: s.curvature().variance().unwrap_or(0.0),
            cases: pl_cases {
                total: c.total,
                both_negative: c.both_negative,
                both_positive: c.both_positive,
                opposite: c.opposite,
                both_zero: c.both_zero,
                zero_and_negative: c.zero_and_negative,
                zero_and_positive: c.zero_and_positive,
                curvature_negative: c.curvature_negative,
                curvature_positive: c.curvature_positive,
            },
            verdict: pl_verdict {
                kind: kind_code(v.kind),
                support: v.support,
                directions: v.directions,
                fraction: v.fraction().unwrap_or(0.0),
                interval_low: lo,
                interval_high: hi,
            },
        });
        Ok(())
    })
}
