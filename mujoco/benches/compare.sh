#!/usr/bin/env bash
# Time per environment step in Rust (the criterion bench mujoco.rs, groups
# env_step and mj_step) and in Gymnasium (gymnasium_step.py), interleaved in
# one run: ROUNDS rounds (3), each running both, Rust first in odd rounds and
# Gymnasium first in even ones, so that a drift of the machine's speed hits
# both sides alike. Then one run of the bench's reinforce_batch group
# (REINFORCE=0 skips it). Prints, per task, µs per step (min and median over
# every timed pass of every round) and the ratios Gymnasium / Rust.
#
#   mujoco/setup.sh                  # once (this script runs it too)
#   mujoco/benches/compare.sh        # about 2 minutes, plus a first build
#
# Both sides step the same 1024 actions (SplitMix64 from one seed, in the
# tasks' ctrlrange), resetting at episode ends, resets included.
#
# Python: mujoco/gym-python.sh's ($GYM_PYTHON when set, else .mujoco/venv,
# created on first use).
# Settings: ROUNDS (3), GYM_TIME (seconds of passes per task and round, 2),
# REINFORCE (1). Logs and raw figures go to <target>/compare/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
rounds=${ROUNDS:-3}
gym_time=${GYM_TIME:-2}
reinforce=${REINFORCE:-1}

mujoco/setup.sh >/dev/null

python=$(mujoco/gym-python.sh)
if ! "$python" -c 'import gymnasium, mujoco; assert (gymnasium.__version__, mujoco.__version__) == ("1.4.0", "3.17.0")'; then
    echo "$python needs gymnasium 1.4.0 and mujoco 3.17.0" >&2
    exit 1
fi

target=$(cargo metadata --format-version 1 --no-deps |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
out="$target/compare"
mkdir -p "$out"
bench=(cargo bench --quiet -p policy-landscape-mujoco --bench mujoco)
echo "Building the bench"
"${bench[@]}" --no-run 2>"$out/build.log" || { cat "$out/build.log" >&2; exit 1; }

load_before=$(uptime)
rust_round() {
    echo "round $1: Rust (criterion: env_step, mj_step)"
    "${bench[@]}" -- --save-baseline "compare$1" 'env_step|mj_step' >"$out/rust$1.log" 2>&1 ||
        { cat "$out/rust$1.log" >&2; exit 1; }
}
gym_round() {
    echo "round $1: Gymnasium (gymnasium_step.py)"
    # From $out: MuJoCo writes its warnings to MUJOCO_LOG.TXT in the cwd.
    (cd "$out" && "$python" "$root/mujoco/benches/gymnasium_step.py" --json --time "$gym_time") \
        >"$out/gym$1.jsonl" 2>"$out/gym$1.log" || { cat "$out/gym$1.log" >&2; exit 1; }
}
for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) = 1 ]; then rust_round "$r"; gym_round "$r"; else gym_round "$r"; rust_round "$r"; fi
done
if [ "$reinforce" != 0 ]; then
    echo "Rust: reinforce_batch"
    "${bench[@]}" -- --save-baseline compare 'reinforce_batch' >"$out/reinforce.log" 2>&1 ||
        { cat "$out/reinforce.log" >&2; exit 1; }
fi
load_after=$(uptime)

echo
echo "load before: $load_before"
echo "load after:  $load_after"
"$python" - "$target" "$out" "$rounds" "$reinforce" <<'PY'
import json, os, re, statistics, sys

target, out, rounds, reinforce = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] != "0"
tasks = ["hopper", "walker2d", "half_cheetah"]
steps = 1024

def criterion(group, name, baseline):
    d = os.path.join(target, "criterion", group, name, baseline)
    with open(os.path.join(d, "sample.json")) as f:
        s = json.load(f)
    with open(os.path.join(d, "benchmark.json")) as f:
        elements = json.load(f)["throughput"]["Elements"]
    return [t / i for t, i in zip(s["times"], s["iters"])], elements

def per_step(group, task, r):
    ns, elements = criterion(group, task, f"compare{r}")
    return [t / elements / 1e3 for t in ns]

rust = {t: {} for t in tasks}
engine = {t: {} for t in tasks}
gym = {t: {} for t in tasks}
gym_episodes, rust_episodes = {}, {}
for r in range(1, rounds + 1):
    for t in tasks:
        rust[t][r] = per_step("env_step", t, r)
        engine[t][r] = per_step("mj_step", t, r)
    with open(os.path.join(out, f"gym{r}.jsonl")) as f:
        for line in f:
            g = json.loads(line)
            gym[g["task"]][r] = g["per_step_us"]
            gym_episodes[g["task"]] = g["episodes_per_pass"]
    with open(os.path.join(out, f"rust{r}.log")) as f:
        for m in re.finditer(r"^(\w+): (\d+) episodes per pass", f.read(), re.M):
            rust_episodes[m.group(1)] = int(m.group(2))

def pooled(d):
    xs = [x for r in sorted(d) for x in d[r]]
    return min(xs), statistics.median(xs), len(xs)

print(f"\nµs per environment step, {rounds} interleaved rounds; min and median over every timed "
      f"pass of {steps} steps (resets included); ratio = Gymnasium / Rust")
print()
head = (f"{'task':<13} | {'Rust env.step':^15} | {'Rust bare mj_step':^17} | "
        f"{'Gymnasium step()':^17} | {'ratio':^13} | {'episodes/pass':^13}")
print(head)
print(f"{'':<13} | {'min':>7} {'median':>7} | {'min':>8} {'median':>8} | {'min':>8} {'median':>8} | "
      f"{'median':>6} {'min':>6} | {'Rust':>6} {'Gym':>6}")
print("-" * len(head))
for t in tasks:
    rmin, rmed, _ = pooled(rust[t])
    emin, emed, _ = pooled(engine[t])
    gmin, gmed, _ = pooled(gym[t])
    print(f"{t:<13} | {rmin:7.2f} {rmed:7.2f} | {emin:8.2f} {emed:8.2f} | {gmin:8.2f} {gmed:8.2f} | "
          f"{gmed / rmed:6.2f} {gmin / rmin:6.2f} | {rust_episodes.get(t, 0):>6} {gym_episodes.get(t, 0):>6}")
n_rust = sum(len(v) for v in rust["hopper"].values())
n_gym = {t: sum(len(v) for v in gym[t].values()) for t in tasks}
print(f"\n(Rust: {n_rust} samples per task, each the mean of one or more passes; "
      f"Gymnasium: {', '.join(f'{n_gym[t]} passes' for t in tasks)})")

print("\nmedian µs per step by round (drift check): Rust / Gymnasium / ratio")
for t in tasks:
    cells = []
    for r in range(1, rounds + 1):
        a, b = statistics.median(rust[t][r]), statistics.median(gym[t][r])
        cells.append(f"r{r} {a:6.2f} / {b:6.2f} / {b / a:4.2f}")
    print(f"{t:<13} " + "   ".join(cells))

if reinforce:
    print("\nreinforce_batch: one REINFORCE gradient, 16 episodes (max 1000 steps), affine Gaussian "
          "θ = 0, σ = 0.5, γ = 0.995")
    print(f"{'bench':<22} {'steps':>6} {'ms min':>8} {'ms median':>10} {'steps/s (median)':>17}")
    for task in ["hopper", "half_cheetah"]:
        for name in [task, f"{task}_parallel"]:
            try:
                ns, elements = criterion("reinforce_batch", name, "compare")
            except FileNotFoundError:
                continue
            med = statistics.median(ns)
            print(f"{name:<22} {elements:>6} {min(ns) / 1e6:8.2f} {med / 1e6:10.2f} "
                  f"{elements / (med / 1e9):17.0f}")
PY
