//! The committed header is cbindgen's output for the crate as it is: a
//! changed signature or doc comment without a regenerated header fails
//! here. `UPDATE_HEADER=1 cargo test -p policy-landscape-c --test header`
//! writes it (the same as the command in `cbindgen.toml`).

use std::path::Path;

#[test]
#[cfg_attr(miri, ignore = "cbindgen parses the crate's sources from disk")]
fn header_is_cbindgen_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let path = dir.join("include/policy_landscape.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("include/ is writable");
    }
    let committed = std::fs::read(&path).expect("include/policy_landscape.h exists");
    assert!(
        committed == generated,
        "include/policy_landscape.h is not cbindgen's output: run \
         `UPDATE_HEADER=1 cargo test -p policy-landscape-c --test header`"
    );
}
