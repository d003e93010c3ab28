//! `pl_trainer`: exact gradient ascent on `J_τ` with `τ` decayed after
//! every step (paper §3.1), as the Rust API's `Trainer`.

use core::ffi::c_void;

use policy_landscape::{Error, Real, TrainConfig};

use crate::exact::{ExactObj, Outputs, pl_exact};
use crate::ffi::{self, Arena, Head, Object, finite, guard, live, live_mut};
use crate::pl_real;
use crate::softmax::{SoftmaxObj, pl_softmax};
use crate::status::{Res, pl_status};

/// Exact gradient ascent: `θ ← θ + step_size · ∇J_τ(θ)`, then
/// `τ ← τ · tau_decay`.
#[derive(Debug)]
pub struct pl_trainer {
    _opaque: [u8; 0],
}

/// What one step saw (before its update).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct pl_train_step {
    /// Updates made before this one.
    pub update: u64,
    /// `τ` of this step.
    pub tau: pl_real,
    /// `J_τ` at the parameters before the update.
    pub j_tau: pl_real,
    /// The Euclidean norm of the gradient.
    pub grad_norm: pl_real,
}

#[repr(C)]
#[derive(Debug)]
pub(crate) struct TrainerObj {
    head: Head,
    config: TrainConfig<pl_real>,
    tau: pl_real,
    update: u64,
}

// SAFETY: `#[repr(C)]`, `Head` first, alignment <= 8, unique magic.
unsafe impl Object for TrainerObj {
    const MAGIC: u32 = 0x504C_5401;
    fn head(&self) -> &Head {
        &self.head
    }
}

fn make(
    arena: &mut Arena,
    step_size: pl_real,
    tau: pl_real,
    tau_decay: pl_real,
) -> Res<*mut TrainerObj> {
    finite(step_size, "step_size")?;
    finite(tau, "tau")?;
    finite(tau_decay, "tau_decay")?;
    let config = TrainConfig::new(step_size, 0).tau(tau).tau_decay(tau_decay);
    config.check()?;
    let obj = arena.reserve::<TrainerObj>(1)?;
    arena.check()?;
    let bytes = arena.used();
    arena.place(
        obj,
        TrainerObj {
            head: Head::new(TrainerObj::MAGIC, bytes),
            config,
            tau,
            update: 0,
        },
    )
}

/// The bytes a trainer needs in caller memory.
#[unsafe(no_mangle)]
pub extern "C" fn pl_trainer_size() -> usize {
    core::mem::size_of::<TrainerObj>()
}

/// A trainer with step size `step_size`, initial entropy weight `tau` and
/// per-step decay `tau_decay`, each finite and ≥ 0 (the Rust API's
/// `TrainConfig` rules: a decay of 1 keeps `τ`, above 1 it grows), placed
/// in `mem` (`cap` ≥ [`pl_trainer_size`] bytes aligned to
/// [`crate::pl_align`]).
///
/// # Safety
///
/// `mem` is NULL or valid for writes of `cap` bytes and stays valid (and
/// unmoved) until [`pl_trainer_deinit`]; `needed` and `out` are NULL or
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_trainer_init(
    mem: *mut c_void,
    cap: usize,
    step_size: pl_real,
    tau: pl_real,
    tau_decay: pl_real,
    needed: *mut usize,
    out: *mut *mut pl_trainer,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::init(mem, cap, needed, out.cast(), |a| {
            make(a, step_size, tau, tau_decay)
        })
    }
}

/// [`pl_trainer_init`] on the heap; end it with [`pl_trainer_free`].
///
/// # Safety
///
/// `out` is NULL or valid for writes.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_trainer_new(
    step_size: pl_real,
    tau: pl_real,
    tau_decay: pl_real,
    out: *mut *mut pl_trainer,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::new(out.cast(), |a| make(a, step_size, tau, tau_decay)) }
}

/// Ends a trainer placed by [`pl_trainer_init`].
///
/// # Safety
///
/// `trainer` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_trainer_deinit(trainer: *mut pl_trainer) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::deinit(trainer.cast::<TrainerObj>(), "trainer") }
}

/// Frees a trainer made by [`pl_trainer_new`] and sets `*trainer` to NULL.
///
/// # Safety
///
/// `trainer` is NULL or valid for reads and writes; `*trainer` is NULL or a
/// handle of this library.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_trainer_free(trainer: *mut *mut pl_trainer) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::free(trainer.cast::<*mut TrainerObj>(), "trainer") }
}

/// One update of `policy` on `exact`'s MDP: evaluates `J_τ` and its exact
/// gradient at the current `τ`, steps `θ ← θ + step_size · ∇J_τ`, decays
/// `τ`. `report` (may be NULL) receives what the step saw. On error the
/// policy and the trainer are unchanged (a step that would make a
/// parameter infinite is refused: `PL_ERR_NUMERICAL`).
///
/// # Safety
///
/// `trainer`, `exact` and `policy` are NULL or handles of this library;
/// `report` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_trainer_step(
    trainer: *mut pl_trainer,
    exact: *mut pl_exact,
    policy: *mut pl_softmax,
    report: *mut pl_train_step,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let t = unsafe { live_mut(trainer.cast::<TrainerObj>(), "trainer")? };
        let r = (|| {
            // SAFETY: the caller's contract; three kinds, three objects.
            unsafe {
                Ok((
                    live_mut(exact.cast::<ExactObj>(), "exact")?,
                    live_mut(policy.cast::<SoftmaxObj>(), "policy")?,
                    ffi::out_opt(report, "report")?,
                ))
            }
        })();
        let (e, p, report) = t.record(r)?;
        let family = p.family();
        let none = Outputs {
            gradient: None,
            value: None,
            q: None,
            occupancy: None,
        };
        let r = e.evaluate(&family, p.theta.slice(), t.tau, none);
        let j = t.record(r)?;
        let g = e.flat_gradient(family.params());
        let eta = t.config.step_size;
        let theta = p.theta.slice_mut();
        // As the Rust API's step: every new parameter checked, then written.
        if !theta
            .iter()
            .zip(g)
            .fold(true, |ok, (&x, &d)| ok & (x + eta * d).is_finite())
        {
            return t.record(Err(Error::NumericalOverflow { what: "parameters" }.into()));
        }
        for (x, &d) in theta.iter_mut().zip(g) {
            *x += eta * d;
        }
        let norm = Real::sqrt(g.iter().fold(0.0, |acc: pl_real, &d| acc + d * d));
        if let Some(out) = report {
            out.put(pl_train_step {
                update: t.update,
                tau: t.tau,
                j_tau: j,
                grad_norm: norm,
            });
        }
        t.tau *= t.config.tau_decay;
        t.update = t.update.saturating_add(1);
        Ok(())
    })
}

/// The current `τ` (after the decays of the steps made).
///
/// # Safety
///
/// `trainer` is NULL or a handle of this library; `tau` is NULL or valid
/// for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_trainer_tau(
    trainer: *const pl_trainer,
    tau: *mut pl_real,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let t = unsafe { live(trainer.cast::<TrainerObj>(), "trainer")? };
        // SAFETY: the caller's contract.
        t.record(unsafe { ffi::out(tau, "tau") })?.put(t.tau);
        Ok(())
    })
}
