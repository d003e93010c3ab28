#!/usr/bin/env bash
# The C API's paper-gridworld check (capi/c/check.h) as C firmware for the
# Cortex-M4F (MPS2 AN386 under QEMU), built with arm-none-eabi-gcc against the
# no_std static library of policy-landscape-c (feature f32, no heap):
#
#   capi/firmware/run.sh HOST_F32_LINES [RUST_BUDGET_FILE]
#
# HOST_F32_LINES  the check's lines from the host's f32 build (capi/c/run.sh
#                 writes it); the firmware's lines must equal them byte for byte.
# RUST_BUDGET_FILE  optional: output of examples/firmware/run.sh holding its
#                 `budget mps2-an386: ...` line. Without it, this script builds
#                 and runs examples/firmware's `landscape` itself and measures
#                 it the same way as the C firmware.
#
# Then reports flash (vector table + .text + .rodata + .data's load image) and
# RAM (.data + .bss + .uninit + the peak stack, measured by painting) of the C
# firmware next to the Rust firmware's, the library's share of the C
# firmware's flash, and its biggest symbols.
#
# Installs nothing. Needs: arm-none-eabi-gcc, its binutils and newlib's
# headers (Debian: gcc-arm-none-eabi, binutils-arm-none-eabi,
# libnewlib-arm-none-eabi), qemu-system-arm (Debian: qemu-system-arm), the
# rustup target thumbv7em-none-eabihf.
# Exits nonzero when a tool is missing, a build fails, QEMU fails or times
# out, the check fails or its lines differ from the host's.
set -euo pipefail
started=$SECONDS
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

FLASH_BUDGET=32768
RAM_BUDGET=16384
QEMU_TIMEOUT=${QEMU_TIMEOUT:-120}

die() {
    echo "capi/firmware: $*" >&2
    exit 2
}

[ $# -ge 1 ] || die "usage: $0 HOST_F32_LINES [RUST_BUDGET_FILE]"
host_lines=$1
rust_budget=${2:-}
[ -f "$host_lines" ] || die "no host output at '$host_lines' (capi/c/run.sh writes the f32 lines)"
[ -z "$rust_budget" ] || [ -f "$rust_budget" ] || die "no Rust firmware output at '$rust_budget'"

missing=()
for tool in arm-none-eabi-gcc arm-none-eabi-size arm-none-eabi-nm qemu-system-arm timeout cargo; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -ne 0 ]; then
    die "missing: ${missing[*]} (Debian packages gcc-arm-none-eabi, binutils-arm-none-eabi, qemu-system-arm; this script installs nothing)"
fi
# check.h includes <string.h>: newlib's headers (Debian: libnewlib-dev, which
# libnewlib-arm-none-eabi, a recommendation of gcc-arm-none-eabi, pulls in).
if ! echo '#include <string.h>' | arm-none-eabi-gcc -E -x c - -o /dev/null 2>/dev/null; then
    die "arm-none-eabi-gcc finds no <string.h>: install libnewlib-arm-none-eabi (apt-get install gcc-arm-none-eabi without --no-install-recommends brings it)"
fi
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -x thumbv7em-none-eabihf >/dev/null; then
    die "the Rust target thumbv7em-none-eabihf is missing: rustup target add thumbv7em-none-eabihf"
fi

# check.h's folder (PL_CHECK_DIR overrides it, e.g. for a check.h in progress).
check_dir=${PL_CHECK_DIR:-$root/capi/c}
[ -f "$check_dir/check.h" ] || die "no check.h in $check_dir"

target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
build=$target_dir/capi-firmware
mkdir -p "$build"

# --- the static library (no_std, f32, no allocator)
# Only the action count the check uses (4: each count is one copy of the
# exact engine), in the size profile `firmware` (opt-level "s", fat LTO), as
# the Rust firmware is built.
printf -- '--- libpolicy_landscape_c.a for thumbv7em-none-eabihf (f32, no_std, 4 actions, profile firmware)\n'
(cd "$root" && cargo build --profile firmware -p policy-landscape-c --target thumbv7em-none-eabihf \
    --no-default-features --features f32,actions-4)
lib=$target_dir/thumbv7em-none-eabihf/firmware/libpolicy_landscape_c.a
[ -f "$lib" ] || die "the build made no $lib"

# --- the ELF, run under QEMU, its lines against the host's
CFLAGS=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os
    -ffunction-sections -fdata-sections -std=c99 -Wall -Wextra -Werror -g
    -I"$root/capi/include" -I"$check_dir" -I"$here")
failures=0
fw_out=""
firmware() { # name [extra cflags...]: builds $build/NAME.elf, runs it, compares; sets fw_out
    local name=$1 elf=$build/$1.elf status=0
    shift
    printf -- '--- the C firmware %s (arm-none-eabi-gcc %s)\n' "$name" "$(arm-none-eabi-gcc -dumpversion)"
    arm-none-eabi-gcc "${CFLAGS[@]}" "$@" \
        "$here/main.c" "$here/startup.c" "$here/semihost.c" "$here/stack.c" \
        -T "$here/link.ld" -nostartfiles -nostdlib -Wl,--gc-sections -Wl,-z,noexecstack \
        -Wl,-Map="$build/$name.map" \
        "$lib" -lgcc -o "$elf"
    printf -- '--- QEMU mps2-an386 (cortex-m4), timeout %s s\n' "$QEMU_TIMEOUT"
    # SYS_WRITE0/SYS_WRITEC go to the semihosting console: a file of its own,
    # so that nothing of QEMU's is mixed into the firmware's lines.
    rm -f "$build/$name.out"
    timeout "$QEMU_TIMEOUT" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
        -chardev file,id=semihosting,path="$build/$name.out" \
        -semihosting-config enable=on,target=native,chardev=semihosting \
        -kernel "$elf" >"$build/$name.stdout" 2>"$build/$name.stderr" || status=$?
    fw_out=$(cat "$build/$name.out" 2>/dev/null || true)
    printf '%s\n' "$fw_out"
    if [ "$status" -eq 124 ]; then
        echo "FAIL: QEMU timed out after $QEMU_TIMEOUT s"
        failures=$((failures + 1))
    elif [ "$status" -ne 0 ]; then
        echo "FAIL: the firmware exited with status $status"
        cat "$build/$name.stdout" "$build/$name.stderr" | sed 's/^/qemu: /' 
        failures=$((failures + 1))
    fi
    sed -n '/^=== check: begin$/,/^=== check: end$/p' "$build/$name.out" | sed '1d;$d' > "$build/$name.lines"
    if ! grep -qx '=== check: end' "$build/$name.out"; then
        echo "FAIL: the firmware's output has no end of the check"
        failures=$((failures + 1))
    elif cmp -s "$build/$name.lines" "$host_lines"; then
        echo "ok: the firmware's $(wc -l < "$host_lines") check lines are the host's f32 lines, byte for byte"
    else
        echo "FAIL: the firmware's check lines differ from the host's ($host_lines):"
        diff "$host_lines" "$build/$name.lines" | sed 's/^/  /' || true
        failures=$((failures + 1))
    fi
}

# First with check.h's default arena, then with the arena trimmed to the bytes
# the first run used (what a real firmware would reserve).
firmware check
default_out=$fw_out
used=$(printf '%s\n' "$default_out" | sed -n 's/^arena: \([0-9][0-9]*\) B used of.*/\1/p')
trimmed=""
if [ "$failures" -eq 0 ] && [ -n "$used" ] && [ "$used" -gt 0 ]; then
    trimmed=$(( (used + 7) / 8 * 8 ))
    printf '\n'
    firmware check-trimmed "-DPL_CHECK_ARENA_BYTES=${trimmed}u"
fi
trimmed_out=$fw_out
elf=$build/check.elf

# --- sizes
section() { # elf name -> size in bytes (0 when absent)
    arm-none-eabi-size -A -d "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}
measure() { # elf peak -> "flash vt text rodata data ram static peak"
    local vt text rodata data bss uninit
    vt=$(section "$1" .vector_table)
    text=$(section "$1" .text)
    rodata=$(section "$1" .rodata)
    data=$(section "$1" .data)
    bss=$(section "$1" .bss)
    uninit=$(section "$1" .uninit)
    echo "$((vt + text + rodata + data)) $vt $text $rodata $data $((data + bss + uninit + $2)) $((data + bss + uninit)) $2"
}
peak_of() { sed -n 's/.*peak stack \([0-9][0-9]*\) B.*/\1/p' | sed -n 1p; } # (no head: pipefail)

c_row=""
c_peak=$(printf '%s\n' "$default_out" | peak_of)
if [ -n "$c_peak" ]; then
    c_row=$(measure "$build/check.elf" "$c_peak")
else
    echo "FAIL: no peak stack in the firmware's output"
    failures=$((failures + 1))
fi
t_row=""
if [ -n "$trimmed" ]; then
    t_peak=$(printf '%s\n' "$trimmed_out" | peak_of)
    [ -z "$t_peak" ] || t_row=$(measure "$build/check-trimmed.elf" "$t_peak")
    elf=$build/check-trimmed.elf
fi

# The Rust firmware: from its run.sh's budget line, or built and run here.
rust_row=""
if [ -n "$rust_budget" ]; then
    line=$(grep -m1 '^budget mps2-an386:' "$rust_budget" || true)
    if [ -n "$line" ]; then
        rust_row=$(printf '%s\n' "$line" | sed -n \
            's/.*flash \([0-9]*\) B (vector table \([0-9]*\) + text \([0-9]*\) + rodata \([0-9]*\) + data \([0-9]*\)).*RAM \([0-9]*\) B (static \([0-9]*\) + peak stack \([0-9]*\)).*/\1 \2 \3 \4 \5 \6 \7 \8/p')
    fi
    [ -n "$rust_row" ] || echo "note: no 'budget mps2-an386:' line in $rust_budget"
else
    printf -- '--- the Rust firmware (examples/firmware, landscape) for comparison\n'
    fw=$root/examples/firmware
    fw_target=${CARGO_TARGET_DIR:+$target_dir/firmware}
    fw_target=${fw_target:-$fw/target}
    if (cd "$fw" && cargo build --release --target thumbv7em-none-eabihf --bin landscape \
        --target-dir "$fw_target"); then
        rust_elf=$fw_target/thumbv7em-none-eabihf/release/landscape
        rust_out=$(timeout "$QEMU_TIMEOUT" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
            -semihosting-config enable=on,target=native -kernel "$rust_elf" 2>/dev/null || true)
        rust_peak=$(printf '%s\n' "$rust_out" | peak_of)
        if [ -n "$rust_peak" ]; then
            rust_row=$(measure "$rust_elf" "$rust_peak")
        else
            echo "note: the Rust firmware printed no peak stack"
        fi
    else
        echo "note: the Rust firmware did not build; no comparison"
    fi
fi

printf '\n--- memory on mps2-an386 (flash = vector table + text + rodata + data; RAM = data + bss + uninit + peak stack)\n'
printf '%-16s %8s %8s %8s %8s %8s | %8s %8s %8s\n' firmware flash vectors text rodata data RAM static 'peak sp'
row() { # name "flash vt text rodata data ram static peak"
    # shellcheck disable=SC2086
    set -- "$1" $2
    printf '%-16s %8s %8s %8s %8s %8s | %8s %8s %8s\n' "$@"
}
[ -z "$c_row" ] || row "C, arena $(printf '%s\n' "$default_out" | sed -n 's/^arena: .* used of \([0-9]*\) B$/\1/p')" "$c_row"
[ -z "$t_row" ] || row "C, arena $trimmed" "$t_row"
[ -z "$rust_row" ] || row "Rust (core API)" "$rust_row"
printf '%-16s %8s %44s %8s\n' budget "$FLASH_BUDGET" '' "$RAM_BUDGET"
if [ -n "$t_row$c_row" ]; then
    read -r c_flash _ _ _ _ c_ram _ _ <<< "${t_row:-$c_row}"
    [ "$c_flash" -le "$FLASH_BUDGET" ] && fb="within" || fb="OVER"
    [ "$c_ram" -le "$RAM_BUDGET" ] && rb="within" || rb="OVER"
    echo "C firmware: flash $fb the Rust firmware's budget of $FLASH_BUDGET B, RAM $rb its $RAM_BUDGET B (not enforced here)"
fi

# --- the library's share of the C firmware, from the link map
printf '\n--- the C firmware'"'"'s flash by origin (link map; .text/.rodata/.data input sections kept)\n'
awk '
    function hex(s,  i, n) { s = tolower(s); sub(/^0x/, "", s); n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
    /^Linker script and memory map/ { on = 1; next }
    !on { next }
    # " .text.name" alone, its address and size on the next line
    /^ \.[^ ]+$/ { pending = $1; next }
    {
        if (pending != "" && $1 ~ /^0x/) { name = pending; addr = $1; size = $2; file = $3 }
        else if ($1 ~ /^\./ && $2 ~ /^0x/ && $3 ~ /^0x/) { name = $1; addr = $2; size = $3; file = $4 }
        else { pending = ""; next }
        pending = ""
        if (name !~ /^\.(text|rodata|data)/ || file == "") next
        n = hex(size); if (n == 0) next
        if (index(file, "libpolicy_landscape_c.a") > 0) who = "libpolicy_landscape_c.a"
        else if (file ~ /libgcc\.a/) who = "libgcc.a"
        else if (file ~ /\.o$/) who = "firmware (C)"
        else who = file
        kind = name; sub(/^\./, "", kind); sub(/\..*/, "", kind)
        total[who] += n; part[who, kind] += n
    }
    END {
        for (w in total)
            printf "  %-26s %7d B (text %d, rodata %d, data %d)\n", w, total[w], part[w, "text"], part[w, "rodata"], part[w, "data"]
    }' "${elf%.elf}.map" | sort
printf -- '--- the biggest symbols, copies of one name added up (arm-none-eabi-nm --size-sort -S -C)\n'
printf '  %7s %6s  %s\n' bytes copies symbol
arm-none-eabi-nm -S -C "$elf" | awk '
    function hex(s,  i, n) { s = tolower(s); sub(/^0x/, "", s); n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
    NF >= 4 && $2 ~ /^[0-9a-fA-F]+$/ {
        name = $4; for (i = 5; i <= NF; i++) name = name " " $i
        size[name] += hex($2); copies[name]++
    }
    END { for (k in size) printf "  %7d %6d  %s\n", size[k], copies[k], k }' | sort -nr | sed -n 1,16p
arm-none-eabi-nm -S -C "$elf" | awk '
    function hex(s,  i, n) { s = tolower(s); sub(/^0x/, "", s); n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
    NF >= 4 && $2 ~ /^[0-9a-fA-F]+$/ && ($4 ~ /^pl_/ || $4 ~ /^(<)?policy_landscape/) { n += hex($2); k++ }
    END { printf "  (%d symbols named pl_* or policy_landscape*: %d B, the check.h functions among them)\n", k, n }'

printf '\ncapi/firmware: %d s\n' $((SECONDS - started))
if [ "$failures" -ne 0 ]; then
    printf 'capi/firmware: %d failure(s)\n' "$failures"
    exit 1
fi
echo "capi/firmware: the C firmware's check matches the host's f32 lines"
