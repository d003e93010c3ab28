//! The paper's figures as images, and the reproduction report.
//!
//! A std-only layer on top of `policy-landscape` (never a dependency of the
//! no_std core).

#![forbid(unsafe_code)]

pub mod continuous;
pub mod plot;
