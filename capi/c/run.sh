#!/usr/bin/env bash
# The C interface's host check: builds libpolicy_landscape_c (f64, then f32
# into a separate target directory), compiles the C and C++ programs of
# capi/c against it, runs them and the Rust reference (the core's Rust API)
# and compares their lines byte for byte:
#
#   check.c (static library) == check.c (shared library) == check.cpp
#     == engine.cpp's report == the Rust reference,   for f64 and for f32,
#
# and, for f32, the Rust reference's bits against tests/firmware/expected.rs.
# Exits nonzero on any difference. Needs only cargo, gcc and g++.
#
# Environment:
#   HOST_F32_OUT   a file to receive the f32 host lines (for the firmware's
#                  comparison); default: none
#   PL_C_BUILD     directory for the programs and outputs (default
#                  capi/target/c-host; cargo builds in the workspace target)
#   CARGO          cargo to use (default cargo); CARGO_BUILD_JOBS is cargo's
#   CC, CXX        compilers (default gcc, g++)
#   PL_C_PROFILE   cargo profile of the libraries (default release; CI uses
#                  dev, whose dependencies `cargo test -p policy-landscape-c`
#                  has built: Rust's float arithmetic does not depend on the
#                  optimisation level, so the lines are the same)
set -u
START=$(date +%s)
HERE=$(cd "$(dirname "$0")" && pwd)
CAPI=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$CAPI/.." && pwd)
BUILD=${PL_C_BUILD:-$CAPI/target/c-host}
CARGO=${CARGO:-cargo}
CC=${CC:-gcc}
CXX=${CXX:-g++}
PROFILE=${PL_C_PROFILE:-release}
LIBS="-lpthread -ldl -lm"
CFLAGS="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
CXXFLAGS="-std=c++17 -Wall -Wextra -Werror -O2"
FAILED=0
mkdir -p "$BUILD"

die() {
    echo "run.sh: $*" >&2
    echo "FAIL"
    exit 1
}

# compare NAME FILE REFERENCE: byte for byte, the difference on failure.
compare() {
    if cmp -s "$2" "$3"; then
        echo "  same: $1"
    else
        echo "  DIFFERENT: $1"
        diff "$3" "$2" | sed 's/^/    /'
        FAILED=1
    fi
}

# build PRECISION FEATURES...: the library and the Rust reference, built in
# one target directory (the f32 build then only recompiles the capi crate),
# copied aside into $BUILD/PRECISION/lib before the next build.
build() {
    local p=$1
    shift
    local target="${CARGO_TARGET_DIR:-$ROOT/target}" lib="$BUILD/$p/lib"
    local dir=$PROFILE
    [ "$PROFILE" = dev ] && dir=debug
    echo "== cargo build --profile $PROFILE -p policy-landscape-c${*:+ $*} ($p)"
    "$CARGO" build --profile "$PROFILE" --manifest-path "$CAPI/Cargo.toml" -p policy-landscape-c "$@" \
        --lib --example check_reference --target-dir "$target" || die "cargo build ($p) failed"
    rm -rf "$lib"
    mkdir -p "$lib"
    cp "$target/$dir/libpolicy_landscape_c.a" "$target/$dir/libpolicy_landscape_c.so" \
        "$target/$dir/examples/check_reference" "$lib/" || die "no artifacts of the $p build"
}

# check PRECISION DEFINES: compiles and runs everything, compares.
check() {
    local p=$1 defs=$2
    local lib="$BUILD/$p/lib" out="$BUILD/$p"
    local inc="-I$CAPI/include -I$HERE"
    [ -f "$CAPI/include/policy_landscape.h" ] || die "no capi/include/policy_landscape.h"
    echo "== compiling ($p)"
    # shellcheck disable=SC2086
    {
        $CC $CFLAGS $defs $inc "$HERE/check.c" "$lib/libpolicy_landscape_c.a" $LIBS -o "$out/check_c" &&
        $CC $CFLAGS $defs $inc "$HERE/check.c" -L"$lib" -lpolicy_landscape_c -Wl,-rpath,"$lib" \
            $LIBS -o "$out/check_c_shared" &&
        $CXX $CXXFLAGS $defs $inc "$HERE/check.cpp" "$lib/libpolicy_landscape_c.a" $LIBS -o "$out/check_cpp" &&
        $CXX $CXXFLAGS $defs $inc "$HERE/engine.cpp" "$lib/libpolicy_landscape_c.a" $LIBS -o "$out/engine" &&
        $CC $CFLAGS $defs $inc "$HERE/readme_example.c" "$lib/libpolicy_landscape_c.a" $LIBS \
            -o "$out/readme_example"
    } || die "compiling against the $p library failed"

    echo "== running ($p)"
    "$lib/check_reference" >"$out/rust.txt" || { echo "  the Rust reference failed"; FAILED=1; }
    "$out/check_c" >"$out/c.txt" || { echo "  check_c failed"; FAILED=1; }
    "$out/check_c" 3 >"$out/c_by3.txt" || { echo "  check_c 3 failed"; FAILED=1; }
    "$out/check_c_shared" >"$out/c_shared.txt" || { echo "  check_c_shared failed"; FAILED=1; }
    "$out/check_cpp" >"$out/cpp.txt" || { echo "  check_cpp failed"; FAILED=1; }
    "$out/engine" 4 5 >"$out/engine.txt" || { echo "  engine failed"; FAILED=1; }
    grep -v '^tick ' "$out/engine.txt" >"$out/engine_report.txt"
    "$out/readme_example" >"$out/readme.txt" || { echo "  readme_example failed"; FAILED=1; }

    # The shared build must load the shared library (ldd: Debian's libc-bin).
    if command -v ldd >/dev/null 2>&1 && ! ldd "$out/check_c_shared" | grep -q "$lib/libpolicy_landscape_c.so"; then
        echo "  check_c_shared does not load $lib/libpolicy_landscape_c.so"
        FAILED=1
    fi
    echo "-- the Rust reference ($p):"
    sed 's/^/  /' "$out/rust.txt"
    echo "-- engine progress ($p, 4 directions a tick):"
    grep '^tick ' "$out/engine.txt" | sed 's/^/  /'
    echo "-- readme example ($p):"
    sed 's/^/  /' "$out/readme.txt"
    echo "-- comparisons with the Rust reference ($p):"
    compare "C, static library" "$out/c.txt" "$out/rust.txt"
    compare "C, static library, 3 directions an advance" "$out/c_by3.txt" "$out/rust.txt"
    compare "C, shared library" "$out/c_shared.txt" "$out/rust.txt"
    compare "C++ (heap objects, RAII)" "$out/cpp.txt" "$out/rust.txt"
    compare "engine's report (framed probe)" "$out/engine_report.txt" "$out/rust.txt"
    [ "$(wc -l <"$out/rust.txt")" -ge 9 ] || { echo "  the reference printed too little"; FAILED=1; }
}

# The f32 reference's bits and counts against tests/firmware/expected.rs.
check_expected() {
    local exp="$ROOT/tests/firmware/expected.rs" got="$BUILD/f32/rust.txt" want="$BUILD/f32/expected.txt"
    [ -f "$exp" ] || { echo "  no tests/firmware/expected.rs"; FAILED=1; return; }
    {
        for name in j_initial j_final j_tau_final gradient_mean curvature_mean; do
            printf '%s %s\n' "$name" "$(sed -n "s/^ *$name: f32::from_bits(\(0x[0-9a-f]*\)).*/\1/p" "$exp")"
        done
        printf 'cases'
        for name in total both_negative both_positive opposite both_zero zero_and_negative \
            zero_and_positive curvature_negative curvature_positive; do
            printf ' %s=%s' "$name" "$(sed -n "s/^ *$name: \([0-9]*\),.*/\1/p" "$exp")"
        done
        printf '\nverdict %s %s/%s\n' "$(sed -n 's/^ *kind: VerdictKind::\([A-Za-z]*\),.*/\1/p' "$exp")" \
            "$(sed -n 's/^ *support: \([0-9]*\),.*/\1/p' "$exp")" \
            "$(sed -n 's/^ *directions: \([0-9]*\),.*/\1/p' "$exp")"
    } >"$want"
    # The reference's lines without the decimals and the lines expected.rs lacks.
    grep -v '^real \|^tau_final ' "$got" | sed 's/^\([a-z_]*\) \(0x[0-9a-f]*\) .*/\1 \2/' >"$BUILD/f32/rust_bits.txt"
    compare "Rust reference (f32) vs tests/firmware/expected.rs" "$BUILD/f32/rust_bits.txt" "$want"
}

build f64
build f32 --features f32
check f64 ""
check f32 "-DPL_REAL_F32"
echo "-- tests/firmware/expected.rs (f32):"
check_expected

if [ -n "${HOST_F32_OUT:-}" ]; then
    cp "$BUILD/f32/c.txt" "$HOST_F32_OUT" || die "cannot write HOST_F32_OUT=$HOST_F32_OUT"
    echo "f32 host lines written to $HOST_F32_OUT"
fi
echo "run.sh: $(($(date +%s) - START)) s"
if [ "$FAILED" -ne 0 ]; then
    echo "FAIL"
    exit 1
fi
echo "PASS: C (static and shared), C++, engine and the Rust reference agree bit for bit (f64 and f32)"
