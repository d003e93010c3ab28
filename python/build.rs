//! With the feature `mujoco` only: gives the extension module an rpath to
//! the folder holding `libmujoco.so` (`MUJOCO_DYNAMIC_LINK_DIR`, which the
//! repository's `.cargo/config.toml` sets to `.mujoco/lib`), so that the
//! installed `policy_landscape._core` loads MuJoCo without
//! `LD_LIBRARY_PATH`. `policy-landscape-mujoco`'s own build script gives
//! only that crate's binaries an rpath: link arguments do not reach the
//! crates that depend on it.
//!
//! The models' folder needs nothing here: `policy-landscape-mujoco` bakes
//! its default (`.mujoco/assets`, beside the library folder) into its
//! `assets_dir()` when it compiles, and `$POLICY_LANDSCAPE_MUJOCO_ASSETS`
//! overrides it at run time.
//!
//! The rpath is absolute: an extension built with the feature runs on the
//! machine (and checkout) that built it, and is not a wheel to distribute.
//! Without the feature this script does nothing and the wheel needs no
//! MuJoCo.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=MUJOCO_DYNAMIC_LINK_DIR");
    if std::env::var_os("CARGO_FEATURE_MUJOCO").is_none() {
        return;
    }
    // Without it, policy-landscape-mujoco's build script stops the build
    // with a message naming mujoco/setup.sh.
    let Some(dir) = std::env::var_os("MUJOCO_DYNAMIC_LINK_DIR").map(PathBuf::from) else {
        return;
    };
    // A relative folder would be read from wherever Python runs.
    let dir = if dir.is_absolute() {
        dir
    } else {
        std::fs::canonicalize(&dir).unwrap_or(dir)
    };
    println!("cargo::rustc-link-arg-cdylib=-Wl,-rpath,{}", dir.display());
}
