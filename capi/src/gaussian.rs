//! `pl_gaussian`: a Gaussian policy for continuous actions, linear (or
//! affine) in the observation: `a ~ N(W obs (+ b), diag σ²)`, as the Rust
//! API's `Gaussian` at sizes known only at run time.

// Indices: `f < features`, `j < actions` in loops over the policy's arrays,
// `theta` holding `features · actions`.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::ffi::c_void;

use policy_landscape::random::{episode_rng, standard_normal};
use policy_landscape::{Error, Real};

use crate::ffi::{self, Arena, Head, Object, Raw, finite, guard, invalid, live, live_mut};
use crate::layout;
use crate::pl_real;
use crate::status::{PL_ERR_BUFFER_TOO_SMALL, Res, pl_status};

/// A Gaussian policy: mean `μ = W obs (+ b)`, standard deviations `σ`
/// (one per action dimension). Parameters in the torch `nn.Linear`
/// layout: `W` (act_dim × obs_dim, row-major) then, with a bias, `b`
/// (act_dim).
#[derive(Debug)]
pub struct pl_gaussian {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Debug)]
pub(crate) struct GaussianObj {
    head: Head,
    obs: usize,
    act: usize,
    bias: bool,
    sigma: Raw<pl_real>,
    /// The core's flat layout: `theta[f * act + j]`, the bias last.
    theta: Raw<pl_real>,
}

impl layout::Linear for GaussianObj {
    const WHAT: &'static str = "gaussian";
    fn theta(&self) -> &Raw<pl_real> {
        &self.theta
    }
    fn theta_mut(&mut self) -> &mut Raw<pl_real> {
        &mut self.theta
    }
    fn shape(&self) -> (usize, usize, bool) {
        (self.obs, self.act, self.bias)
    }
}

// SAFETY: `#[repr(C)]`, `Head` first, alignment <= 8, unique magic.
unsafe impl Object for GaussianObj {
    const MAGIC: u32 = 0x504C_4701;
    fn head(&self) -> &Head {
        &self.head
    }
}

fn check_sigma(sigma: pl_real) -> Res<pl_real> {
    finite(sigma, "sigma")?;
    if sigma < 0.0 {
        return Err(invalid("sigma", "be non-negative"));
    }
    Ok(sigma)
}

fn make(
    arena: &mut Arena,
    obs: usize,
    act: usize,
    bias: bool,
    sigma: pl_real,
) -> Res<*mut GaussianObj> {
    if obs == 0 && !bias {
        return Err(invalid("obs_dim", "be at least 1 without a bias"));
    }
    if act == 0 {
        return Err(invalid("act_dim", "be at least 1"));
    }
    let sigma = check_sigma(sigma)?;
    let n =
        layout::params_len(obs, act, bias).ok_or_else(|| invalid("obs_dim", "fit in memory"))?;
    let obj = arena.reserve::<GaussianObj>(1)?;
    let s = arena.reserve::<pl_real>(act)?;
    let theta = arena.reserve::<pl_real>(n)?;
    arena.check()?;
    let sigma = arena.raw(s, sigma)?;
    let theta = arena.raw(theta, 0.0)?;
    let bytes = arena.used();
    arena.place(
        obj,
        GaussianObj {
            head: Head::new(GaussianObj::MAGIC, bytes),
            obs,
            act,
            bias,
            sigma,
            theta,
        },
    )
}

impl GaussianObj {
    fn features(&self) -> usize {
        self.obs + usize::from(self.bias)
    }

    /// `μ = θᵀφ(obs)` into `mean` (`act` long), as the Rust API: each
    /// feature's contribution added in order, from 0.
    fn mean(&self, obs: &[pl_real], mean: &mut [pl_real]) -> Res<()> {
        if let Some(i) = obs.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                what: "observation",
                index: i,
            }
            .into());
        }
        mean.fill(0.0);
        let theta = self.theta.slice();
        for f in 0..self.features() {
            let phi = obs.get(f).copied().unwrap_or(1.0);
            for (j, m) in mean.iter_mut().enumerate() {
                *m += phi * theta[f * self.act + j];
            }
        }
        overflow("mean", mean)
    }

    /// What the density's functions start from, in the Rust API's order of
    /// checks: every `σ_j` positive, the action finite, then the mean
    /// (`self.act` entries of the array).
    fn density_mean(&self, obs: &[pl_real], action: &[pl_real]) -> Res<[pl_real; MAX_ACT]> {
        if self.sigma.slice().contains(&0.0) {
            return Err(invalid(
                "sigma",
                "be positive in every dimension for a density",
            ));
        }
        if let Some(index) = action.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                what: "action",
                index,
            }
            .into());
        }
        let mut m = [0.0; MAX_ACT];
        self.mean(obs, &mut m[..self.act])?;
        Ok(m)
    }
}

fn overflow(what: &'static str, xs: &[pl_real]) -> Res<()> {
    if xs.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(Error::NumericalOverflow { what }.into())
    }
}

/// The largest action dimension the stack-sized scratch of
/// [`pl_gaussian_mean`] and friends handles.
const MAX_ACT: usize = 64;

fn act_dim(g: &GaussianObj) -> Res<usize> {
    if g.act > MAX_ACT {
        return Err(invalid(
            "act_dim",
            "be at most 64 for mean, sample and log_prob",
        ));
    }
    Ok(g.act)
}

/// The bytes a Gaussian policy of this shape needs in caller memory.
///
/// # Safety
///
/// `bytes` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_size(
    obs_dim: usize,
    act_dim: usize,
    bias: bool,
    bytes: *mut usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let bytes = unsafe { ffi::out(bytes, "bytes")? };
        let mut arena = Arena::new(core::ptr::null_mut(), 0)?;
        match make(&mut arena, obs_dim, act_dim, bias, 1.0) {
            Err(f) if f.status == PL_ERR_BUFFER_TOO_SMALL => {
                bytes.put(arena.used());
                Ok(())
            }
            Err(f) => Err(f),
            Ok(_) => Err(invalid("mem", "be NULL")),
        }
    })
}

/// A Gaussian policy with all weights 0 (mean 0) and `σ = sigma` ≥ 0 in
/// every action dimension, over `obs_dim` observations and `act_dim`
/// actions, with a bias if `bias`, placed in `mem` (`cap` bytes aligned to
/// [`crate::pl_align`]; [`pl_gaussian_size`] tells how many).
///
/// # Safety
///
/// `mem` is NULL or valid for writes of `cap` bytes and stays valid (and
/// unmoved) until [`pl_gaussian_deinit`]; `needed` and `out` are NULL or
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_init(
    mem: *mut c_void,
    cap: usize,
    obs_dim: usize,
    act_dim: usize,
    bias: bool,
    sigma: pl_real,
    needed: *mut usize,
    out: *mut *mut pl_gaussian,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe {
        ffi::init(mem, cap, needed, out.cast(), |a| {
            make(a, obs_dim, act_dim, bias, sigma)
        })
    }
}

/// [`pl_gaussian_init`] on the heap; end it with [`pl_gaussian_free`].
///
/// # Safety
///
/// `out` is NULL or valid for writes.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_new(
    obs_dim: usize,
    act_dim: usize,
    bias: bool,
    sigma: pl_real,
    out: *mut *mut pl_gaussian,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::new(out.cast(), |a| make(a, obs_dim, act_dim, bias, sigma)) }
}

/// Ends a policy placed by [`pl_gaussian_init`].
///
/// # Safety
///
/// `policy` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_deinit(policy: *mut pl_gaussian) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::deinit(policy.cast::<GaussianObj>(), "gaussian") }
}

/// Frees a policy made by [`pl_gaussian_new`] and sets `*policy` to NULL.
///
/// # Safety
///
/// `policy` is NULL or valid for reads and writes; `*policy` is NULL or a
/// handle of this library.
#[cfg(feature = "std")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_free(policy: *mut *mut pl_gaussian) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { ffi::free(policy.cast::<*mut GaussianObj>(), "gaussian") }
}

/// The number of parameters: `(obs_dim + bias) * act_dim`.
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `len` is NULL or valid
/// for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_params_len(
    policy: *const pl_gaussian,
    len: *mut usize,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { layout::get_params_len(policy.cast::<GaussianObj>(), len) }
}

/// Sets the parameters from `torch` (`len` = [`pl_gaussian_params_len`], in
/// the torch layout). NaN or infinite entries are refused; the policy is
/// then unchanged.
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `torch` is NULL or valid
/// for reads of `len` numbers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_set_params(
    policy: *mut pl_gaussian,
    torch: *const pl_real,
    len: usize,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { layout::set_params(policy.cast::<GaussianObj>(), torch, len) }
}

/// Writes the parameters into `torch` (`len` = [`pl_gaussian_params_len`])
/// in the torch layout.
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; `torch` is NULL or valid
/// for writes of `len` numbers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_get_params(
    policy: *const pl_gaussian,
    torch: *mut pl_real,
    len: usize,
) -> pl_status {
    // SAFETY: the caller's contract.
    unsafe { layout::get_params(policy.cast::<GaussianObj>(), torch, len) }
}

/// Sets `σ = sigma` ≥ 0 in every action dimension (0: deterministic, no
/// density).
///
/// # Safety
///
/// `policy` is NULL or a handle of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_set_sigma(
    policy: *mut pl_gaussian,
    sigma: pl_real,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let g = unsafe { live_mut(policy.cast::<GaussianObj>(), "gaussian")? };
        let s = g.record(check_sigma(sigma))?;
        g.sigma.slice_mut().fill(s);
        Ok(())
    })
}

/// The mean action `μ(obs)` (`obs_len` = obs_dim, `mean_len` = act_dim ≤
/// 64).
///
/// # Safety
///
/// `policy` is NULL or a handle of this library; the arrays are NULL or
/// valid for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_mean(
    policy: *const pl_gaussian,
    obs: *const pl_real,
    obs_len: usize,
    mean: *mut pl_real,
    mean_len: usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let g = unsafe { live(policy.cast::<GaussianObj>(), "gaussian")? };
        let r = (|| {
            let k = act_dim(g)?;
            // SAFETY: the caller's contract.
            let (o, out) = unsafe {
                (
                    ffi::input_exact(obs, obs_len, g.obs, "obs")?,
                    ffi::output(mean, mean_len, k, "mean")?,
                )
            };
            let mut m = [0.0; MAX_ACT];
            g.mean(o, &mut m[..k])?;
            Ok((out, m))
        })();
        let (mut out, m) = g.record(r)?;
        out.copy_from(&m[..g.act]);
        Ok(())
    })
}

/// An action `μ(obs) + σ ε`, `ε` standard normals (the library's
/// ziggurat) from the generator of `(seed, index)` (the Rust API's
/// `random::episode_rng(seed, index)`, so `index` can number episodes or
/// steps).
///
/// # Safety
///
/// As [`pl_gaussian_mean`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_sample(
    policy: *const pl_gaussian,
    obs: *const pl_real,
    obs_len: usize,
    seed: u64,
    index: u64,
    action: *mut pl_real,
    action_len: usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let g = unsafe { live(policy.cast::<GaussianObj>(), "gaussian")? };
        let r = (|| {
            let k = act_dim(g)?;
            // SAFETY: the caller's contract.
            let (o, out) = unsafe {
                (
                    ffi::input_exact(obs, obs_len, g.obs, "obs")?,
                    ffi::output(action, action_len, k, "action")?,
                )
            };
            let mut a = [0.0; MAX_ACT];
            g.mean(o, &mut a[..k])?;
            let mut rng = episode_rng(seed, index);
            for (x, &s) in a[..k].iter_mut().zip(g.sigma.slice()) {
                let e: pl_real = standard_normal(&mut rng);
                *x += s * e;
            }
            overflow("action", &a[..k])?;
            Ok((out, a))
        })();
        let (mut out, a) = g.record(r)?;
        out.copy_from(&a[..g.act]);
        Ok(())
    })
}

/// `ln π(action|obs) = Σ_j [−(a_j − μ_j)² / 2σ_j² − ln σ_j − ½ ln 2π]`
/// into `*log_prob` (every `σ_j` > 0).
///
/// # Safety
///
/// As [`pl_gaussian_mean`]; `log_prob` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_log_prob(
    policy: *const pl_gaussian,
    obs: *const pl_real,
    obs_len: usize,
    action: *const pl_real,
    action_len: usize,
    log_prob: *mut pl_real,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let g = unsafe { live(policy.cast::<GaussianObj>(), "gaussian")? };
        let r = (|| {
            let k = act_dim(g)?;
            // SAFETY: the caller's contract.
            let (o, act, out) = unsafe {
                (
                    ffi::input_exact(obs, obs_len, g.obs, "obs")?,
                    ffi::input_exact(action, action_len, k, "action")?,
                    ffi::out(log_prob, "log_prob")?,
                )
            };
            let m = g.density_mean(o, act)?;
            let half_ln_2pi = pl_real::HALF * Real::ln(pl_real::TWO * pl_real::PI);
            let mut lp: pl_real = 0.0;
            for ((&a, &mu), &s) in act.iter().zip(&m[..k]).zip(g.sigma.slice()) {
                let z = (a - mu) / s;
                lp -= pl_real::HALF * z * z + Real::ln(s) + half_ln_2pi;
            }
            if !lp.is_finite() {
                return Err(Error::NumericalOverflow {
                    what: "log-probability",
                }
                .into());
            }
            Ok((out, lp))
        })();
        let (out, lp) = g.record(r)?;
        out.put(lp);
        Ok(())
    })
}

/// The score `∇_θ ln π(action|obs)` in the torch layout into `grad`
/// (`grad_len` = [`pl_gaussian_params_len`]; every `σ_j` > 0).
///
/// # Safety
///
/// As [`pl_gaussian_mean`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_gaussian_score(
    policy: *const pl_gaussian,
    obs: *const pl_real,
    obs_len: usize,
    action: *const pl_real,
    action_len: usize,
    grad: *mut pl_real,
    grad_len: usize,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let g = unsafe { live(policy.cast::<GaussianObj>(), "gaussian")? };
        let r = (|| {
            let k = act_dim(g)?;
            // SAFETY: the caller's contract.
            let (o, act, out) = unsafe {
                (
                    ffi::input_exact(obs, obs_len, g.obs, "obs")?,
                    ffi::input_exact(action, action_len, k, "action")?,
                    ffi::output(grad, grad_len, g.theta.len(), "grad")?,
                )
            };
            let mut out = out;
            let m = g.density_mean(o, act)?;
            let mut w = [0.0; MAX_ACT];
            for (((wj, &a), &mu), &s) in w.iter_mut().zip(act).zip(&m[..k]).zip(g.sigma.slice()) {
                *wj = (a - mu) / (s * s);
            }
            overflow("score", &w[..k])?;
            // φ_f · w_j can overflow although both are finite: all checked
            // before anything is written.
            let wmax = w[..k].iter().fold(0.0, |m: pl_real, x| m.max(x.abs()));
            for f in 0..g.features() {
                let phi = o.get(f).copied().unwrap_or(1.0);
                overflow("score", &[phi * wmax])?;
            }
            for f in 0..g.features() {
                let phi = o.get(f).copied().unwrap_or(1.0);
                for (j, &wj) in w[..k].iter().enumerate() {
                    out.set(layout::torch_index(f * k + j, g.obs, k), phi * wj);
                }
            }
            Ok(())
        })();
        g.record(r)
    })
}
