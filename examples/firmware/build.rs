//! Puts `memory.x` (and an empty `device.x`) on the linker's path, links `defmt.x` into the defmt
//! binary only, and writes the paper's gridworld as a compile-time constant
//! (`$OUT_DIR/paper_gridworld.rs`): the library's own builder computes it
//! here, on the build machine, and the firmware validates it again at compile
//! time with `TabularMdp::try_new_const`, so it lives in flash, not RAM.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

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

    let mdp = paper::mdp::<f32>();
    let mut src = String::from(
        "/// The paper's gridworld (`paper::mdp`), computed by the\n\
         /// library on the build machine and validated again at compile time.\n\
         pub static PAPER_GRIDWORLD: TabularMdp<f32, 26, 4> =\n    \
         match TabularMdp::<f32, 26, 4>::try_new_const(P, R, GAMMA, P0) {\n        \
         Ok(mdp) => mdp,\n        \
         Err(_) => panic!(\"the generated gridworld is invalid\"),\n    };\n\n",
    );
    src.push_str("const P: [[[f32; 26]; 4]; 26] = [\n");
    for rows in mdp.transitions() {
        src.push_str("    [\n");
        for row in rows {
            let items: Vec<String> = row.iter().map(|&x| f32_literal(x)).collect();
            writeln!(src, "        [{}],", items.join(", ")).unwrap();
        }
        src.push_str("    ],\n");
    }
    src.push_str("];\n");
    src.push_str("const R: [[f32; 4]; 26] = [\n");
    for row in mdp.rewards() {
        let items: Vec<String> = row.iter().map(|&x| f32_literal(x)).collect();
        writeln!(src, "    [{}],", items.join(", ")).unwrap();
    }
    src.push_str("];\n");
    writeln!(src, "const GAMMA: f32 = {};", f32_literal(mdp.gamma())).unwrap();
    let items: Vec<String> = mdp.start().iter().map(|&x| f32_literal(x)).collect();
    writeln!(src, "const P0: [f32; 26] = [{}];", items.join(", ")).unwrap();
    fs::write(out.join("paper_gridworld.rs"), src).expect("OUT_DIR is writable");
}
