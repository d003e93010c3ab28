"""A sharded probe's wall time in one process and on 1 and 2 Ray workers,
and a paper-scale CPU-hour estimate for the §3.2 experiments.

The objective is deliberately heavy: the exact objective J(π_θ) on a
size x size gridworld (size 30: 901 states, 3,608 parameters, about a
millisecond per evaluation), so that a probe's time is the evaluations'
and not Ray's. Each configuration runs --repeats times; min and median
are reported (the first Ray run also starts the workers' Python and
imports the package). `ray.init` is timed separately.

    python bench/ray_scaling.py             # size 30, 1000 directions
    python bench/ray_scaling.py --quick     # size 20, 60 directions
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import policy_landscape as pl
from policy_landscape import distributed

PAPER_PROBE = dict(directions=500, evaluations=2, episodes=128, steps=1000)
PAPER_GRID = dict(sigmas=3, learning_rates=6, seeds=5, updates=4000, episodes=128, steps=1000)


def heavy_objective(size: int):
    m = pl.Mdp.gridworld(size, [(0, size - 1, 5.0), (size - 1, 0, 4.5)])
    p = pl.Softmax.for_mdp(m)
    p.init_like_torch(0)
    return m, pl.ExactObjective(m, p, 0.0), p.params


def timed(fn, repeats, cpu=None):
    times, out = [], None
    for _ in range(repeats):
        c = time.process_time()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
        if cpu is not None:
            cpu.append(time.process_time() - c)
    return times, out


def show(label, times, evaluations, base=None):
    mn, md = min(times), statistics.median(times)
    line = (
        f"{label:<26} min {mn:8.3f} s  median {md:8.3f} s  "
        f"({md / evaluations * 1e6:7.1f} µs/evaluation wall)"
    )
    if base is not None:
        line += f"  speed-up x{base[1] / md:4.2f} (medians), x{base[0] / mn:4.2f} (minima)"
    print(line)
    print(f"{'':<26} runs: " + ", ".join(f"{t:.3f}" for t in times))
    return mn, md


def pendulum_us_per_step(steps: int):
    """µs per step of the library's Pendulum driven from a Python loop, or
    None when this build has no environments."""
    if not hasattr(pl, "Pendulum"):
        return None
    env = pl.Pendulum()
    env.reset(0)
    action = np.zeros(1)
    done = 0
    t = time.perf_counter()
    while done < steps:
        _, _, terminated, truncated = env.step(action)
        done += 1
        if terminated or truncated:
            env.reset(0, done)
    return (time.perf_counter() - t) / steps * 1e6


def estimate(us_per_step: float, source: str, workers: int, efficiency: float):
    p, g = PAPER_PROBE, PAPER_GRID
    probe_steps = p["directions"] * p["evaluations"] * p["episodes"] * p["steps"]
    grid_steps = g["sigmas"] * g["learning_rates"] * g["seeds"] * g["updates"] * g["episodes"] * g["steps"]
    probe_h = probe_steps * us_per_step * 1e-6 / 3600
    grid_h = grid_steps * us_per_step * 1e-6 / 3600
    print(f"\nPaper-scale estimate (§3.2), {us_per_step:g} µs/step ({source}):")
    print(
        "  one probe  = 500 directions x 2 evaluations x 128 episodes x 1000 steps"
        f" = {probe_steps:.3e} steps -> {probe_h:,.1f} CPU-hours"
    )
    print(
        "  train grid = 3 sigma x 6 learning rates x 5 seeds x 4000 updates x 128 episodes x 1000 steps"
        f" = {grid_steps:.3e} steps -> {grid_h:,.0f} CPU-hours"
    )
    print("  CPU-hours = steps x µs/step / 3.6e9 (simulation only; policy and gradient cost extra)")
    for w in (2, 64):
        print(f"  ideal wall time on {w} workers: probe {probe_h / w:,.2f} h, grid {grid_h / w:,.1f} h")
    if workers > 0 and efficiency > 0:
        print(
            f"  on {workers} Ray workers at this run's parallel efficiency {efficiency:.2f}"
            f" (median speed-up / workers): probe {probe_h / (workers * efficiency):,.2f} h,"
            f" grid {grid_h / (workers * efficiency):,.1f} h wall"
        )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--directions", type=int, default=None, help="directions per probe (1000; --quick 60)")
    ap.add_argument("--shards", type=int, default=None, help="shards per probe (default 4 per Ray CPU)")
    ap.add_argument("--size", type=int, default=None, help="gridworld side (30; --quick 20)")
    ap.add_argument("--repeats", type=int, default=None, help="runs per configuration, >= 3 (5; --quick 3)")
    ap.add_argument("--alpha", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--us-per-step", type=float, default=80.0,
                    help="µs per environment step for the paper-scale estimate (80: a MuJoCo step)")
    ap.add_argument("--quick", action="store_true", help="a small run (CI smoke test)")
    a = ap.parse_args()
    directions = a.directions or (60 if a.quick else 1000)
    size = a.size or (20 if a.quick else 30)
    repeats = max(3, a.repeats or (3 if a.quick else 5))
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    m, obj, theta = heavy_objective(size)
    evaluations = 2 * directions + 1
    print(
        f"policy_landscape {pl.__version__}, ray {ray.__version__}, numpy {np.__version__}; "
        f"{os.cpu_count()} CPUs, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"objective: exact J on gridworld {size}x{size} ({m.states} states, {len(theta)} parameters); "
        f"probe of {directions} directions = {evaluations} evaluations; {repeats} runs each\n"
    )

    cpu = []
    times, single = timed(lambda: pl.probe(obj, theta, a.alpha, a.seed, directions), repeats, cpu)
    base = show("(a) in process, 1 thread", times, evaluations)
    # A wall time well above the CPU time means other processes had the core.
    print(f"{'':<26} CPU time: " + ", ".join(f"{t:.3f}" for t in cpu)
          + f"  (min {min(cpu) / evaluations * 1e6:.1f} µs/evaluation of CPU)")

    workers_eff = (0, 0.0)
    for cpus in (1, 2):
        t = time.perf_counter()
        ray.init(num_cpus=cpus, include_dashboard=False, object_store_memory=256 * 1024**2,
                 log_to_driver=False)
        init_s = time.perf_counter() - t
        try:
            shards = a.shards or 4 * cpus
            times, acc = timed(
                lambda: distributed.probe(obj, theta, a.alpha, a.seed, directions, shards=shards), repeats
            )
            same = acc == single
        finally:
            ray.shutdown()
        label = f"({'b' if cpus == 1 else 'c'}) Ray num_cpus={cpus}"
        md = show(label, times, evaluations, base)
        print(f"{'':<26} ray.init {init_s:.2f} s (not included); {shards} shards; "
              f"bit for bit equal to (a): {same}")
        if cpus == 2:
            workers_eff = (2, base[1] / md[1] / 2)

    measured = pendulum_us_per_step(20000)
    if measured is not None:
        print(f"\nThe library's Pendulum from a Python loop: {measured:.2f} µs/step")
        estimate(measured, "the library's Pendulum, Python loop", *workers_eff)
    estimate(a.us_per_step, "--us-per-step, a MuJoCo step", *workers_eff)


if __name__ == "__main__":
    main()
