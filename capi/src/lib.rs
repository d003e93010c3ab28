//! The C interface of `policy-landscape`: the no_std core behind opaque
//! handles, for engines and firmware written in C and C++.
//!
//! The header `include/policy_landscape.h` is generated from this crate by
//! cbindgen (see `cbindgen.toml`); its comments are the doc comments below.
//! The library builds as `libpolicy_landscape_c.a` and `.so` for the host
//! (feature `std`, the default: heap constructors, panics caught at the
//! boundary) and as a `no_std` static library for Cortex-M
//! (`--no-default-features --features f32,actions-4 --target thumbv7em-none-eabihf`:
//! no allocator, every object placed in the caller's memory).
//!
//! # Conventions
//!
//! - Every function returns a [`pl_status`]: [`PL_OK`] or an error code;
//!   [`pl_status_message`] turns a code into text and [`pl_last_error`]
//!   gives the detail of an object's last error (the core's message, such
//!   as "theta\[30\] is not finite").
//! - Nothing is written on error: outputs, objects and accumulators are as
//!   they were (the one exception is `*needed` on
//!   [`PL_ERR_BUFFER_TOO_SMALL`], which is the answer asked for). An
//!   object's memory handed to a failing `pl_*_init` is scratch.
//! - A NULL or misaligned pointer, an array of the wrong length, a NaN or
//!   infinite number, a handle of the wrong kind or one already ended is an
//!   error code, never a crash. (A pointer to freed or foreign memory cannot
//!   be detected.)
//! - Objects: `pl_K_init*(mem, cap, ..., needed, out)` places one in caller
//!   memory aligned to [`pl_align`] (ask the size with `mem = NULL`);
//!   `pl_K_deinit` ends it. In the host library `pl_K_new*` / `pl_K_free`
//!   do the same on the heap; `pl_K_free(&p)` sets `p = NULL`, so freeing
//!   twice through the same variable returns [`PL_ERR_NULL`].
//! - One object is used by one thread at a time; objects are independent.
//! - Numbers are `pl_real` (`double`, or `float` in an `f32` build), lengths
//!   are element counts (not bytes) unless named `cap`, `needed` or `bytes`.
//!
//! Everything unsafe lives in `ffi.rs`: pointer checks, the objects'
//! headers, the arena that carves caller memory. The other modules are safe
//! Rust over the core's API.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn, missing_debug_implementations)]
#![warn(rust_2018_idioms)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]
// C names: the types and constants are spelled as the header spells them.
#![allow(non_camel_case_types)]

#[cfg(feature = "std")]
extern crate std;

/// Runs `$body` with `$A` a `const usize` equal to the runtime action count
/// `$a` when that count is compiled in (the features `actions-1` to
/// `actions-8`), or `$other`: the core's tabular types are sized by their
/// action count.
macro_rules! with_actions {
    ($a:expr, $A:ident => $body:expr, _ => $other:expr) => {
        match $a {
            #[cfg(feature = "actions-1")]
            1 => {
                const $A: usize = 1;
                $body
            }
            #[cfg(feature = "actions-2")]
            2 => {
                const $A: usize = 2;
                $body
            }
            #[cfg(feature = "actions-3")]
            3 => {
                const $A: usize = 3;
                $body
            }
            #[cfg(feature = "actions-4")]
            4 => {
                const $A: usize = 4;
                $body
            }
            #[cfg(feature = "actions-5")]
            5 => {
                const $A: usize = 5;
                $body
            }
            #[cfg(feature = "actions-6")]
            6 => {
                const $A: usize = 6;
                $body
            }
            #[cfg(feature = "actions-7")]
            7 => {
                const $A: usize = 7;
                $body
            }
            #[cfg(feature = "actions-8")]
            8 => {
                const $A: usize = 8;
                $body
            }
            _ => $other,
        }
    };
}

#[cfg(not(any(
    feature = "actions-1",
    feature = "actions-2",
    feature = "actions-3",
    feature = "actions-4",
    feature = "actions-5",
    feature = "actions-6",
    feature = "actions-7",
    feature = "actions-8"
)))]
compile_error!(
    "policy-landscape-c needs at least one action count: the feature all-actions (a default) or actions-N"
);

/// The rule for an action count that is not compiled in.
pub(crate) const ACTIONS_RULE: &str =
    "be between 1 and 8 and compiled in (the features all-actions or actions-N)";

/// The most actions a tabular MDP or softmax policy may have.
pub const PL_MAX_ACTIONS: usize = 8;

mod accumulator;
mod exact;
mod ffi;
mod gaussian;
mod last_error;
mod layout;
mod probe;
mod softmax;
mod status;
mod trainer;

pub use accumulator::*;
pub use exact::*;
pub use ffi::pl_align;
pub use gaussian::*;
pub use last_error::pl_last_error;
pub use probe::*;
pub use softmax::*;
pub use status::*;
pub use trainer::*;

/// The scalar of this build: `double`.
#[cfg(not(feature = "f32"))]
pub type pl_real = f64;
/// The scalar of this build: `float` (C users define `PL_REAL_F32`).
#[cfg(feature = "f32")]
pub type pl_real = f32;

/// The library's version, a static NUL-terminated string such as "0.1.0".
#[unsafe(no_mangle)]
pub extern "C" fn pl_version() -> *const core::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// `sizeof(pl_real)` in this build: 8, or 4 in an `f32` build. A program
/// can compare it with its own `sizeof(pl_real)` to catch a header compiled
/// with the wrong `PL_REAL_F32`.
#[unsafe(no_mangle)]
pub extern "C" fn pl_real_size() -> usize {
    core::mem::size_of::<pl_real>()
}

/// The bare-metal build has no runtime to unwind into: a panic (there is
/// none on any input: the core returns errors) halts the core.
#[cfg(all(not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
