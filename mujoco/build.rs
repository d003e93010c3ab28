//! Sets the binaries' rpath to the folder holding `libmujoco.so` (so tests,
//! examples and benchmarks run without `LD_LIBRARY_PATH`), and stops the
//! build with a message that names `mujoco/setup.sh` when MuJoCo is missing.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=MUJOCO_DYNAMIC_LINK_DIR");
    let Some(dir) = std::env::var_os("MUJOCO_DYNAMIC_LINK_DIR").map(PathBuf::from) else {
        println!(
            "cargo::error=MUJOCO_DYNAMIC_LINK_DIR is not set (the repository's \
             .cargo/config.toml sets it to .mujoco/lib): run mujoco/setup.sh from the \
             repository's root, then build again"
        );
        return;
    };
    let lib = dir.join("libmujoco.so");
    println!("cargo::rerun-if-changed={}", lib.display());
    if !lib.is_file() {
        println!(
            "cargo::error=MuJoCo is not set up: {} is missing. Run mujoco/setup.sh from the \
             repository's root (it fetches MuJoCo 3.17.0 and Gymnasium 1.4.0's models into \
             .mujoco/), then build again",
            lib.display()
        );
        return;
    }
    println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.display());
    // The models sit beside the library folder (`.mujoco/assets`).
    let assets = dir.parent().map(|p| p.join("assets")).unwrap_or_default();
    println!(
        "cargo::rustc-env=POLICY_LANDSCAPE_MUJOCO_ASSETS_DEFAULT={}",
        assets.display()
    );
}
