#!/usr/bin/env python3
"""Times gymnasium.make("<Task>-v5").step() for Hopper, Walker2d and HalfCheetah.

The Python side of `compare.sh`, mirroring `env_step/<task>` of the criterion
bench `mujoco.rs`: one timed pass is STEPS = 1024 steps through the same
action table (SplitMix64 from seed 2019, uniform in [-1, 1), the tasks'
ctrlrange), starting with `reset(seed=7)` and resetting whenever an episode
is terminated or truncated; the resets are timed, as in the bench. Passes
repeat for at least --time seconds and --min-passes passes per task, after
one untimed pass. Reported per task: microseconds per step, the minimum and
median over the passes, and every pass's figure (with --json, one JSON object
a line).

    python mujoco/benches/gymnasium_step.py [--json] [--time 2] [--min-passes 10] [task ...]

Needs gymnasium 1.4.0 with mujoco 3.17.0 (the versions the Rust crate
reproduces); `compare.sh` makes a virtualenv with them when none is given.
"""

import argparse
import json
import statistics
import sys
import time

STEPS = 1024
TABLE_SEED = 2019
RESET_SEED = 7
MASK = (1 << 64) - 1

TASKS = {
    "hopper": "Hopper-v5",
    "walker2d": "Walker2d-v5",
    "half_cheetah": "HalfCheetah-v5",
}


def action_table(actions, seed=TABLE_SEED, steps=STEPS):
    """SplitMix64's outputs in order, u = (x >> 11) * 2**-53, a = 2u - 1, as
    `action_table` in mujoco.rs: the same numbers bit for bit."""
    state = seed
    rows = []
    for _ in range(steps):
        row = []
        for _ in range(actions):
            state = (state + 0x9E3779B97F4A7C15) & MASK
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            z ^= z >> 31
            row.append(2.0 * ((z >> 11) * 2.0**-53) - 1.0)
        rows.append(row)
    return rows


def one_pass(env, actions):
    """One pass through the table; returns (seconds, episodes started)."""
    step, reset = env.step, env.reset
    start = time.perf_counter()
    reset(seed=RESET_SEED)
    episodes = 1
    for a in actions:
        _, _, terminated, truncated, _ = step(a)
        if terminated or truncated:
            reset()
            episodes += 1
    return time.perf_counter() - start, episodes


def measure(task, seconds, min_passes):
    import gymnasium
    import numpy as np

    env = gymnasium.make(TASKS[task])
    actions = [
        np.array(row, dtype=np.float64)
        for row in action_table(env.action_space.shape[0])
    ]
    low, high = env.action_space.low, env.action_space.high
    assert all(((low <= a) & (a <= high)).all() for a in actions), "action out of range"
    _, episodes = one_pass(env, actions)  # warm-up (and the env checker's first step)
    per_step_us = []
    deadline = time.perf_counter() + seconds
    while len(per_step_us) < min_passes or time.perf_counter() < deadline:
        elapsed, episodes = one_pass(env, actions)
        per_step_us.append(elapsed / STEPS * 1e6)
    env.close()
    return {
        "task": task,
        "id": TASKS[task],
        "steps_per_pass": STEPS,
        "episodes_per_pass": episodes,
        "passes": len(per_step_us),
        "min_us": min(per_step_us),
        "median_us": statistics.median(per_step_us),
        "per_step_us": per_step_us,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", help=f"some of {', '.join(TASKS)} (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON object per task")
    parser.add_argument("--time", type=float, default=2.0, help="seconds of timed passes per task")
    parser.add_argument("--min-passes", type=int, default=10)
    args = parser.parse_args()
    unknown = [t for t in args.tasks if t not in TASKS]
    if unknown:
        parser.error(f"unknown task {unknown[0]!r}: choose from {', '.join(TASKS)}")

    import gymnasium
    import mujoco

    versions = f"gymnasium {gymnasium.__version__}, mujoco {mujoco.__version__}"
    if (gymnasium.__version__, mujoco.__version__) != ("1.4.0", "3.17.0"):
        print(f"warning: {versions}; the Rust crate reproduces gymnasium 1.4.0 on mujoco 3.17.0",
              file=sys.stderr)
    for task in args.tasks or list(TASKS):
        r = measure(task, args.time, args.min_passes)
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{r['id']:<15} {r['min_us']:8.2f} us/step min {r['median_us']:8.2f} median "
                  f"({r['passes']} passes of {STEPS} steps, {r['episodes_per_pass']} episodes "
                  f"each; {versions})", flush=True)


if __name__ == "__main__":
    main()
