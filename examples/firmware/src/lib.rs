//! The firmware side of `policy-landscape`: the paper's gridworld landscape
//! check on a Cortex-M (see `check.rs`), with the tools to measure what it
//! costs there (`stack`, `timing`). The binaries in `src/bin/` report through
//! semihosting (`landscape`) or defmt (`landscape_defmt`).

#![no_std]

pub mod check;
pub mod expected;
pub mod stack;
pub mod timing;

use policy_landscape::TabularMdp;

include!(concat!(env!("OUT_DIR"), "/paper_gridworld.rs"));

/// Whether `got` is the host's result (`expected::REPORT`), bit for bit.
pub fn matches_host(got: &check::Report) -> bool {
    got.same_bits(&expected::REPORT)
}

/// `x` with six decimals through integer formatting only, which keeps
/// core's float formatting (several KB of flash) out of the semihosting
/// binary. Exact for `|x| < 9.2e12`; saturates beyond.
pub struct Fixed(pub f32);

impl core::fmt::Display for Fixed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let x = self.0;
        if x.is_nan() {
            return f.write_str("NaN");
        }
        // f64 holds every f32 exactly; round half away from zero.
        let micro = x as f64 * 1e6;
        let micro = if micro < 0.0 { micro - 0.5 } else { micro + 0.5 } as i64;
        let sign = if micro < 0 { "-" } else { "" };
        let m = micro.unsigned_abs();
        write!(f, "{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
    }
}
