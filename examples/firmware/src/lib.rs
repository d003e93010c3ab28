//! The firmware side of `policy-landscape`: the paper's gridworld landscape
//! check on a Cortex-M (see `check.rs`), with the tools to measure what it
//! costs there (`stack`, `timing`). The binaries in `src/bin/` report through
//! semihosting (`landscape`) or defmt (`landscape_defmt`).
//!
//! The check and its expected result live in the library's package
//! (`tests/firmware/`), because the library's host test `tests/firmware.rs`
//! runs the very same file and must pass in the published crate too, which
//! does not contain this firmware crate.

#![no_std]

#[path = "../../../tests/firmware/check.rs"]
pub mod check;
#[path = "../../../tests/firmware/expected.rs"]
pub mod expected;
pub mod out;
pub mod stack;
pub mod timing;

use policy_landscape::Error;
use policy_landscape::mdp::SparseMdp;

include!(concat!(env!("OUT_DIR"), "/paper_gridworld.rs"));

/// The paper's gridworld over the next-state lists in flash, validated.
///
/// # Errors
///
/// The validation's, if the generated lists were corrupt.
pub fn paper_gridworld() -> Result<SparseMdp<'static, f32, 4>, Error> {
    SparseMdp::try_new(&OFFSETS, &NEXT, &PROB, &REWARDS, GAMMA, &START)
}

unsafe extern "C" {
    /// cortex-m-rt's default handler.
    fn DefaultHandler();
}

/// The device interrupt vectors. The firmware enables no interrupt, so the
/// table has the one entry cortex-m-rt's linker script requires, not 240
/// (960 bytes of the 32 KB flash budget).
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
static __INTERRUPTS: [unsafe extern "C" fn(); 1] = [DefaultHandler];

/// Whether `got` is the host's result (`expected::REPORT`), bit for bit.
/// With the feature `wrong-expectation`, the expectation has one bit of the
/// trained `J` flipped, so this must be `false`.
pub fn matches_host(got: &check::Report) -> bool {
    let mut want = expected::REPORT;
    if cfg!(feature = "wrong-expectation") {
        want.j_final = f32::from_bits(want.j_final.to_bits() ^ 1);
    }
    got.same_bits(&want)
}
