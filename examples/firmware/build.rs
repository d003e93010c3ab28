//! Puts `memory.x` (and an empty `device.x`) on the linker's path, links `defmt.x` into the defmt
//! binary only, and writes the paper's gridworld as a compile-time constant
//! (`$OUT_DIR/paper_gridworld.rs`): the library's own builder computes its
//! next-state lists here, on the build machine, as `static`s in flash; the
//! firmware validates them again with `SparseMdp::try_new`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use policy_landscape::mdp::{Gridworld, RewardCell, SparseStorage};
use policy_landscape::paper;

fn f32_literal(x: f32) -> String {
    if x.to_bits() == 0 {
        "0.0".into()
    } else {
        format!("f32::from_bits({:#010x})", x.to_bits())
    }
}

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("memory.x is readable");
    // cortex-m-rt's `device` feature: the interrupt table is ours (one
    // entry, see `src/lib.rs`), so `device.x` names no handler.
    fs::write(out.join("device.x"), "").expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_DEFMT").is_some() {
        println!("cargo:rustc-link-arg-bin=landscape_defmt=-Tdefmt.x");
    }

    // The paper's world as next-state lists (`Gridworld::build_sparse`):
    // 104 transitions instead of the dense 26 × 4 × 26 probabilities.
    let dense = paper::mdp::<f32>();
    let cells = [RewardCell::new(0, 4, 5.0_f32), RewardCell::new(4, 0, 4.5)];
    let world = Gridworld::new(5, &cells).gamma(dense.gamma());
    let m = world.sparse_transitions().expect("a valid world");
    let mut offsets = vec![0u32; 26 * 4 + 1];
    let mut next = vec![0u32; m];
    let mut prob = vec![0.0f32; m];
    let mut rewards = vec![[0.0f32; 4]; 26];
    let mut start = vec![0.0f32; 26];
    world
        .build_sparse(SparseStorage {
            offsets: &mut offsets,
            next: &mut next,
            prob: &mut prob,
            rewards: &mut rewards,
            start: &mut start,
        })
        .expect("a valid world");
    let mut src = String::from(
        "// The paper's gridworld (`Gridworld::build_sparse`), computed by the\n\
         // library on the build machine; validated on the device by\n\
         // `SparseMdp::try_new` (see `paper_gridworld`).\n",
    );
    let list = |xs: Vec<String>| xs.join(", ");
    writeln!(
        src,
        "static OFFSETS: [u32; {}] = [{}];",
        offsets.len(),
        list(offsets.iter().map(|x| x.to_string()).collect())
    )
    .unwrap();
    writeln!(
        src,
        "static NEXT: [u32; {m}] = [{}];",
        list(next.iter().map(|x| x.to_string()).collect())
    )
    .unwrap();
    writeln!(
        src,
        "static PROB: [f32; {m}] = [{}];",
        list(prob.iter().map(|&x| f32_literal(x)).collect())
    )
    .unwrap();
    let rows: Vec<String> = rewards
        .iter()
        .map(|r| format!("[{}]", list(r.iter().map(|&x| f32_literal(x)).collect())))
        .collect();
    writeln!(src, "static REWARDS: [[f32; 4]; 26] = [{}];", list(rows)).unwrap();
    writeln!(
        src,
        "static START: [f32; 26] = [{}];",
        list(start.iter().map(|&x| f32_literal(x)).collect())
    )
    .unwrap();
    writeln!(src, "const GAMMA: f32 = {};", f32_literal(dense.gamma())).unwrap();
    fs::write(out.join("paper_gridworld.rs"), src).expect("OUT_DIR is writable");
}
