#!/usr/bin/env bash
# Builds the firmware, runs it under QEMU on both machines, checks its result
# against the host's and its memory against the budgets:
#
#   LM3S6965EVB  Cortex-M3   thumbv7m-none-eabi     (soft-float f32)
#   MPS2 AN386   Cortex-M4F  thumbv7em-none-eabihf  (FPU)
#
# Budgets, enforced on the Cortex-M4F build: flash (vector table, code,
# read-only data, .data's load image) <= 32 KiB; RAM (.data + .bss + .uninit
# + the peak stack, measured by painting) <= 16 KiB.
#
# Then: the executed instructions of one exact evaluation (QEMU -icount),
# the defmt variant decoded by defmt-print, and a build with a deliberately
# wrong expectation that must fail.
#
# Needs: qemu-system-arm, rustup targets thumbv7m-none-eabi and
# thumbv7em-none-eabihf, the llvm-tools component, defmt-print.
set -euo pipefail
cd "$(dirname "$0")"

# Where cargo puts the binaries: CARGO_TARGET_DIR when the caller sets one.
target_dir=${CARGO_TARGET_DIR:-target}

FLASH_BUDGET=32768
RAM_BUDGET=16384

sysroot=$(rustc --print sysroot)
LLVM_SIZE=$(find "$sysroot" -name llvm-size -type f | head -n 1)
if [ -z "$LLVM_SIZE" ]; then
    echo "llvm-size not found: rustup component add llvm-tools" >&2
    exit 2
fi

qemu() { # cpu machine elf [extra qemu args...]
    local cpu=$1 machine=$2 elf=$3
    shift 3
    qemu-system-arm -cpu "$cpu" -machine "$machine" -nographic \
        -semihosting-config enable=on,target=native "$@" -kernel "$elf"
}

section() { # elf name -> size in bytes (0 when absent)
    "$LLVM_SIZE" -A -d "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}

failures=0
check_machine() { # target cpu machine enforce(0/1)
    local target=$1 cpu=$2 machine=$3 enforce=$4
    local elf=$target_dir/$target/release/landscape
    printf '\n--- %s (%s, %s)\n' "$machine" "$cpu" "$target"
    cargo build --release --target "$target" --bin landscape
    local out status=0
    out=$(qemu "$cpu" "$machine" "$elf" 2>/dev/null) || status=$?
    printf '%s\n' "$out"
    if [ "$status" -ne 0 ]; then
        echo "FAIL: the firmware exited with status $status on $machine"
        failures=$((failures + 1))
        return
    fi
    local vt text rodata data bss uninit flash static peak ram
    vt=$(section "$elf" .vector_table)
    text=$(section "$elf" .text)
    rodata=$(section "$elf" .rodata)
    data=$(section "$elf" .data)
    bss=$(section "$elf" .bss)
    uninit=$(section "$elf" .uninit)
    flash=$((vt + text + rodata + data))
    static=$((data + bss + uninit))
    peak=$(printf '%s\n' "$out" | sed -n 's/.*peak stack \([0-9]*\) B.*/\1/p')
    if [ -z "$peak" ]; then
        echo "FAIL: no peak stack in the firmware's output"
        failures=$((failures + 1))
        return
    fi
    ram=$((static + peak))
    printf 'budget %s: flash %d B (vector table %d + text %d + rodata %d + data %d) of %d; RAM %d B (static %d + peak stack %d) of %d\n' \
        "$machine" "$flash" "$vt" "$text" "$rodata" "$data" "$FLASH_BUDGET" "$ram" "$static" "$peak" "$RAM_BUDGET"
    if [ "$enforce" = 1 ]; then
        echo "(budgets enforced on this machine)"
        if [ "$flash" -gt "$FLASH_BUDGET" ]; then
            echo "FAIL: flash $flash B exceeds the budget of $FLASH_BUDGET B"
            failures=$((failures + 1))
        fi
        if [ "$ram" -gt "$RAM_BUDGET" ]; then
            echo "FAIL: RAM $ram B exceeds the budget of $RAM_BUDGET B"
            failures=$((failures + 1))
        fi
    fi

    # Instructions of one exact evaluation with its gradient: under
    # -icount shift=0 each instruction takes 1 ns of virtual time, so SysTick
    # ticks convert to instructions through the calibration loop
    # (cortex_m::asm::delay(100000): 100001 iterations of subs + bne).
    local icount ticks calib
    icount=$(qemu "$cpu" "$machine" "$elf" -icount shift=0 2>/dev/null | grep '^systick' || true)
    ticks=$(printf '%s\n' "$icount" | sed -n 's/.*evaluate+gradient \([0-9]*\) ticks.*/\1/p')
    calib=$(printf '%s\n' "$icount" | sed -n 's/.*delay(100000) \([0-9]*\) ticks.*/\1/p')
    if [ -n "$ticks" ] && [ -n "$calib" ] && [ "$calib" -gt 0 ]; then
        printf 'instructions %s: one exact evaluation + gradient (f32, 26 states) = %d (%d ticks x %d instructions per tick; resolution one tick)\n' \
            "$machine" $((ticks * 200002 / calib)) "$ticks" $((200002 / calib))
    else
        echo "instructions $machine: not measured (no SysTick under -icount)"
    fi
}

check_machine thumbv7m-none-eabi cortex-m3 lm3s6965evb 0
check_machine thumbv7em-none-eabihf cortex-m4 mps2-an386 1

printf '\n--- defmt variant (mps2-an386), decoded by defmt-print\n'
elf=$target_dir/thumbv7em-none-eabihf/release/landscape_defmt
DEFMT_LOG=info cargo build --release --target thumbv7em-none-eabihf --features defmt --bin landscape_defmt
set +e
qemu cortex-m4 mps2-an386 "$elf" 2>/dev/null | defmt-print -e "$elf"
statuses=("${PIPESTATUS[@]}")
set -e
if [ "${statuses[0]}" -ne 0 ] || [ "${statuses[1]}" -ne 0 ]; then
    echo "FAIL: defmt variant: firmware status ${statuses[0]}, defmt-print status ${statuses[1]}"
    failures=$((failures + 1))
fi

printf '\n--- a wrong expectation must fail (mps2-an386)\n'
cargo build --release --target thumbv7em-none-eabihf --features wrong-expectation \
    --bin landscape --target-dir target/wrong
set +e
qemu cortex-m4 mps2-an386 target/wrong/thumbv7em-none-eabihf/release/landscape 2>/dev/null | tail -n 1
status=${PIPESTATUS[0]}
set -e
if [ "$status" -eq 0 ]; then
    echo "FAIL: the firmware accepted a wrong expectation"
    failures=$((failures + 1))
else
    echo "ok: the firmware rejected it (status $status)"
fi

if [ "$failures" -ne 0 ]; then
    printf '\nfirmware: %d failure(s)\n' "$failures"
    exit 1
fi
printf '\nfirmware: all checks passed\n'
