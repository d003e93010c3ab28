//! The math backend: the one place that decides which implementation of the
//! elementary functions the library uses.
//!
//! - With the `libm` feature (the default), `f64` uses pure-Rust math: the
//!   `libm` crate, except `exp`, which is the crate's own table-driven
//!   version (`math/exp.rs`, < 1 ULP, no division). With `libm` off and
//!   `std` on it uses the platform's math through `std` instead (often
//!   faster, not bit-identical across targets). With neither there is no
//!   backend, and the build stops with an error that says so.
//! - `f32` uses the same rule, except that the `micromath` feature swaps in
//!   micromath's fast approximations. They are coarse: `ln` is off by up to
//!   ~0.12 absolute (e.g. `ln(0.3908)` gives -1.0556 instead of -0.9396), so
//!   f32 exact evaluation loses its 1e-4 agreement with the reference data.
//!   Never enable it where exact evaluation is promised.
//!
//! With the default features (`libm`) every target computes bit-identical
//! results, so a firmware run can be compared bit for bit with the host.

#[cfg(not(any(feature = "libm", feature = "std")))]
compile_error!(
    "policy-landscape needs a math backend: enable the feature `libm` \
     (pure Rust, bit-identical on every target; a default feature) or `std` \
     (the platform's math); `micromath` covers only f32"
);

#[cfg(feature = "libm")]
mod exp;

#[cfg(feature = "libm")]
pub(crate) mod f64_impl {
    /// Our table-driven `exp` (see `math/exp.rs`): pure Rust like the rest,
    /// within 1 ULP, and without libm's division.
    #[inline(always)]
    pub fn exp(x: f64) -> f64 {
        super::exp::exp(x)
    }
    /// [`exp`] of every lane, bit-identical to it per lane and vectorised
    /// (see `math/exp.rs`).
    #[inline(always)]
    pub fn exp_lanes<const K: usize>(x: [f64; K]) -> [f64; K] {
        super::exp::exp_lanes(x)
    }
    #[inline(always)]
    pub fn ln(x: f64) -> f64 {
        libm::log(x)
    }
    #[inline(always)]
    pub fn ln_1p(x: f64) -> f64 {
        libm::log1p(x)
    }
    #[inline(always)]
    pub fn sqrt(x: f64) -> f64 {
        libm::sqrt(x)
    }
    #[inline(always)]
    pub fn sin(x: f64) -> f64 {
        libm::sin(x)
    }
    #[inline(always)]
    pub fn cos(x: f64) -> f64 {
        libm::cos(x)
    }
    #[inline(always)]
    pub fn floor(x: f64) -> f64 {
        libm::floor(x)
    }
    #[inline(always)]
    pub fn powf(x: f64, y: f64) -> f64 {
        libm::pow(x, y)
    }
    /// The remainder of `x / y` with the sign of `x` (C's `fmod`; exact, so
    /// every backend gives the same bits).
    #[inline(always)]
    pub fn fmod(x: f64, y: f64) -> f64 {
        libm::fmod(x, y)
    }
}

#[cfg(all(feature = "std", not(feature = "libm")))]
pub(crate) mod f64_impl {
    extern crate std;
    #[inline(always)]
    pub fn exp(x: f64) -> f64 {
        x.exp()
    }
    #[inline(always)]
    pub fn exp_lanes<const K: usize>(x: [f64; K]) -> [f64; K] {
        x.map(exp)
    }
    #[inline(always)]
    pub fn ln(x: f64) -> f64 {
        x.ln()
    }
    #[inline(always)]
    pub fn ln_1p(x: f64) -> f64 {
        x.ln_1p()
    }
    #[inline(always)]
    pub fn sqrt(x: f64) -> f64 {
        x.sqrt()
    }
    #[inline(always)]
    pub fn sin(x: f64) -> f64 {
        x.sin()
    }
    #[inline(always)]
    pub fn cos(x: f64) -> f64 {
        x.cos()
    }
    #[inline(always)]
    pub fn floor(x: f64) -> f64 {
        x.floor()
    }
    #[inline(always)]
    pub fn powf(x: f64, y: f64) -> f64 {
        x.powf(y)
    }
    #[inline(always)]
    pub fn fmod(x: f64, y: f64) -> f64 {
        x % y
    }
}

#[cfg(feature = "micromath")]
pub(crate) mod f32_impl {
    use micromath::F32Ext;
    #[inline(always)]
    pub fn exp(x: f32) -> f32 {
        F32Ext::exp(x)
    }
    /// The scalar `exp` on each lane.
    #[inline(always)]
    pub fn exp_lanes<const K: usize>(x: [f32; K]) -> [f32; K] {
        x.map(exp)
    }
    #[inline(always)]
    pub fn ln(x: f32) -> f32 {
        F32Ext::ln(x)
    }
    #[inline(always)]
    pub fn ln_1p(x: f32) -> f32 {
        F32Ext::ln(1.0 + x)
    }
    #[inline(always)]
    pub fn sqrt(x: f32) -> f32 {
        F32Ext::sqrt(x)
    }
    #[inline(always)]
    pub fn sin(x: f32) -> f32 {
        F32Ext::sin(x)
    }
    #[inline(always)]
    pub fn cos(x: f32) -> f32 {
        F32Ext::cos(x)
    }
    #[inline(always)]
    pub fn floor(x: f32) -> f32 {
        F32Ext::floor(x)
    }
    #[inline(always)]
    pub fn powf(x: f32, y: f32) -> f32 {
        F32Ext::powf(x, y)
    }
}

#[cfg(all(not(feature = "micromath"), feature = "libm"))]
pub(crate) mod f32_impl {
    #[inline(always)]
    pub fn exp(x: f32) -> f32 {
        libm::expf(x)
    }
    /// The scalar `exp` on each lane.
    #[inline(always)]
    pub fn exp_lanes<const K: usize>(x: [f32; K]) -> [f32; K] {
        x.map(exp)
    }
    #[inline(always)]
    pub fn ln(x: f32) -> f32 {
        libm::logf(x)
    }
    #[inline(always)]
    pub fn ln_1p(x: f32) -> f32 {
        libm::log1pf(x)
    }
    #[inline(always)]
    pub fn sqrt(x: f32) -> f32 {
        libm::sqrtf(x)
    }
    #[inline(always)]
    pub fn sin(x: f32) -> f32 {
        libm::sinf(x)
    }
    #[inline(always)]
    pub fn cos(x: f32) -> f32 {
        libm::cosf(x)
    }
    #[inline(always)]
    pub fn floor(x: f32) -> f32 {
        libm::floorf(x)
    }
    #[inline(always)]
    pub fn powf(x: f32, y: f32) -> f32 {
        libm::powf(x, y)
    }
}

#[cfg(all(not(feature = "micromath"), feature = "std", not(feature = "libm")))]
pub(crate) mod f32_impl {
    extern crate std;
    #[inline(always)]
    pub fn exp(x: f32) -> f32 {
        x.exp()
    }
    /// The scalar `exp` on each lane.
    #[inline(always)]
    pub fn exp_lanes<const K: usize>(x: [f32; K]) -> [f32; K] {
        x.map(exp)
    }
    #[inline(always)]
    pub fn ln(x: f32) -> f32 {
        x.ln()
    }
    #[inline(always)]
    pub fn ln_1p(x: f32) -> f32 {
        x.ln_1p()
    }
    #[inline(always)]
    pub fn sqrt(x: f32) -> f32 {
        x.sqrt()
    }
    #[inline(always)]
    pub fn sin(x: f32) -> f32 {
        x.sin()
    }
    #[inline(always)]
    pub fn cos(x: f32) -> f32 {
        x.cos()
    }
    #[inline(always)]
    pub fn floor(x: f32) -> f32 {
        x.floor()
    }
    #[inline(always)]
    pub fn powf(x: f32, y: f32) -> f32 {
        x.powf(y)
    }
}

pub(crate) use f32_impl as f32m;
pub(crate) use f64_impl as f64m;
