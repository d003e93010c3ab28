#!/usr/bin/env python3
"""Records reference transitions of Gymnasium's Pendulum-v1 and
MountainCarContinuous-v0 for `tests/gym_envs.rs`.

Writes `tests/data/gym_pendulum.json` and `tests/data/gym_mountain_car.json`.
Every float is stored as its exact bit pattern: 16 hex digits for a float64,
8 for a float32 (big-endian bit order, as `f64::to_bits` prints it), so the
Rust tests compare bit for bit.

The environments are built with `gymnasium.make`, so the transitions include
the `TimeLimit` wrapper (Pendulum 200 steps, MountainCarContinuous 999). A
record holds the state *before* the step exactly as the unwrapped env holds
it (its numpy dtype matters: MountainCarContinuous keeps a float64 array after
`reset` and a float32 array after `step`, and numpy 2 computes differently
with the two), the action with its dtype, and what the step returned. Crafted
cases assign `env.unwrapped.state` directly, which, like the Rust
`set_state`, leaves the TimeLimit counter alone.

Usage: python3 tests/data/gym_fixtures.py   (installs gymnasium==1.4.0 if missing)
"""

import importlib
import json
import os
import platform
import subprocess
import sys

GYMNASIUM_VERSION = "1.4.0"


def ensure_gymnasium():
    try:
        import gymnasium  # noqa: F401

        if gymnasium.__version__ == GYMNASIUM_VERSION:
            return
    except ImportError:
        pass
    subprocess.check_call(
        [sys.executable, "-m", "pip", "install", "--quiet",
         f"gymnasium=={GYMNASIUM_VERSION}", "numpy"]
    )
    importlib.invalidate_caches()


ensure_gymnasium()

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

assert gym.__version__ == GYMNASIUM_VERSION, gym.__version__
# The float32/float64 mixing below follows NEP 50 (numpy >= 2): a Python
# float meeting a numpy float32 is rounded to float32 first.
assert int(np.__version__.split(".")[0]) >= 2, np.__version__

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def h64(x):
    """Exact bits of a float64 (any float-like value)."""
    return "%016x" % np.array(float(x), dtype=np.float64).view(np.uint64)


def h32(x):
    """Exact bits of a float32 (must already be one)."""
    a = np.asarray(x)
    assert a.dtype == np.float32, a.dtype
    return "%08x" % a.reshape(()).view(np.uint32)


def dtype_name(a):
    return {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}[a.dtype]


def meta(env_id, **kwargs):
    return {
        "env_id": env_id,
        "kwargs": kwargs,
        "gymnasium": gym.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "libc": " ".join(platform.libc_ver()),
        "format": "floats are hex bit patterns: 16 digits float64, 8 digits float32",
    }


class Recorder:
    """Steps a `gym.make` env and records each transition."""

    def __init__(self, env):
        self.env = env
        self.records = []

    def state_record(self):
        s = self.env.unwrapped.state
        return [h64(v) for v in s], dtype_name(s)

    def step(self, action_value, action_dtype, set_state=None, note=None):
        u = self.env.unwrapped
        if set_state is not None:
            value, dtype = set_state
            u.state = np.array(value, dtype=dtype)
        state, state_dtype = self.state_record()
        action = np.array([action_value], dtype=action_dtype)
        obs, reward, terminated, truncated, _ = self.env.step(action)
        assert obs.dtype == np.float32
        next_state, next_dtype = self.state_record()
        rec = {
            "state": state,
            "state_dtype": state_dtype,
            "action": h64(action[0]),
            "action_dtype": dtype_name(action),
            "next_state": next_state,
            "next_state_dtype": next_dtype,
            "observation": [h32(o) for o in obs],
            "reward": h64(reward),
            "terminated": bool(terminated),
            "truncated": bool(truncated),
            "elapsed_steps": int(self.env._elapsed_steps),
        }
        if note is not None:
            rec["note"] = note
        self.records.append(rec)
        return obs, reward, terminated, truncated

    def reset(self, seed, draws):
        """Resets with `seed`; also records the `draws` raw 64-bit outputs of
        the bit generator that reset consumes (numpy's `uniform` is
        `low + (high - low) * ((raw >> 11) * 2**-53)`), so a test can feed
        the same bits to the Rust reset."""
        from gymnasium.utils import seeding

        gen, _ = seeding.np_random(seed)
        raw = [int(r) for r in gen.bit_generator.random_raw(draws)]
        obs, _ = self.env.reset(seed=seed)
        state, dtype = self.state_record()
        return {"seed": seed, "raw_u64": ["%016x" % r for r in raw],
                "state": state, "state_dtype": dtype,
                "observation": [h32(o) for o in obs]}


def episode(name, recorder, reset):
    return {"name": name, "reset": reset, "steps": recorder.records}


# ---------------------------------------------------------------- Pendulum


def pendulum_fixtures():
    rng = np.random.default_rng(20240601)
    episodes = []

    # 1. A full episode to the TimeLimit (200) and three steps past it;
    #    float32 actions drawn from [-3, 3] (outside the torque bounds too).
    env = gym.make("Pendulum-v1")
    rec = Recorder(env)
    reset = rec.reset(seed=1, draws=2)
    for _ in range(203):
        rec.step(rng.uniform(-3.0, 3.0), np.float32)
    assert rec.records[198]["truncated"] is False
    assert rec.records[199]["truncated"] is True
    episodes.append(episode("full episode, float32 actions, past the time limit", rec, reset))

    # 2. float64 actions (numpy then computes 3*u and 0.001*u**2 in float64).
    rec = Recorder(env)
    reset = rec.reset(seed=2, draws=2)
    for _ in range(80):
        rec.step(rng.uniform(-3.0, 3.0), np.float64)
    episodes.append(episode("float64 actions", rec, reset))

    # 3. Crafted states: the angle wrap, the speed limit, actions at and
    #    beyond the bounds, signed zeros, huge angles.
    rec = Recorder(env)
    reset = rec.reset(seed=3, draws=2)
    pi = np.pi
    ulp = np.spacing(pi)
    angles = [0.0, -0.0, 1e-300, pi, -pi, pi - ulp, pi + ulp, -pi + ulp, -pi - ulp,
              3 * pi, -3 * pi, 2 * pi, -2 * pi, 0.5 * pi, 1000.0, -1000.0,
              12345.678, 1e6, -7.5]
    actions = [0.0, -0.0, 2.0, -2.0, 2.0000002, -2.0000002, 1e30, -1e30, 0.1, 1.7, -1.3]
    for i, th in enumerate(angles):
        for dtype in (np.float32, np.float64):
            a = actions[(i * 3 + (dtype == np.float64)) % len(actions)]
            rec.step(a, dtype, set_state=([th, 0.3 * (i % 5) - 0.6], np.float64),
                     note="angle")
    for thdot in [7.9, 7.99, 8.0, -7.9, -7.99, -8.0, 8.5, -8.5, 20.0, -20.0, 7.999999999999999]:
        for th, a in [(pi / 2, 2.0), (-pi / 2, -2.0), (pi / 2, -2.0), (0.3, 0.0)]:
            for dtype in (np.float32, np.float64):
                rec.step(a, dtype, set_state=([th, thdot], np.float64), note="speed limit")
    episodes.append(episode("crafted: angle wrap, speed limit, bounds", rec, reset))

    # 4. Random states and actions, both dtypes.
    rec = Recorder(env)
    reset = rec.reset(seed=4, draws=2)
    for i in range(160):
        th = rng.uniform(-10.0, 10.0)
        thdot = rng.uniform(-9.0, 9.0)
        a = rng.uniform(-4.0, 4.0)
        rec.step(a, np.float32 if i % 2 == 0 else np.float64,
                 set_state=([th, thdot], np.float64), note="random state")
    episodes.append(episode("random states", rec, reset))
    env.close()

    # 5. Another gravity.
    env = gym.make("Pendulum-v1", g=9.81)
    rec = Recorder(env)
    reset = rec.reset(seed=5, draws=2)
    for i in range(60):
        rec.step(rng.uniform(-2.5, 2.5), np.float32 if i % 3 else np.float64)
    ep = episode("g = 9.81", rec, reset)
    ep["g"] = h64(9.81)
    episodes.append(ep)
    env.close()

    # Reset observations: state -> float32 observation.
    resets = []
    env = gym.make("Pendulum-v1")
    for seed in range(20):
        resets.append(Recorder(env).reset(seed=100 + seed, draws=2))
    env.close()

    for ep in episodes:
        ep.setdefault("g", h64(10.0))
    return {"meta": meta("Pendulum-v1"), "max_episode_steps": 200,
            "episodes": episodes, "resets": resets}


# ------------------------------------------------------ MountainCarContinuous


def mountain_car_fixtures():
    rng = np.random.default_rng(20240602)
    episodes = []
    env = gym.make("MountainCarContinuous-v0")

    # 1. Energy pumping (push along the velocity) until the goal; the swing
    #    grows until the car hits the left wall, then it reaches the goal.
    #    Magnitudes above 1 are clipped for the force but not for the reward.
    rec = Recorder(env)
    reset = rec.reset(seed=7, draws=1)
    wall = False
    for t in range(999):
        v = float(env.unwrapped.state[1])
        a = (1.5 if v >= 0 else -1.5) * (1.0 if t % 4 else 0.8)
        _, _, terminated, truncated = rec.step(a, np.float32)
        s = env.unwrapped.state
        wall |= bool(s[0] == np.float32(-1.2) and s[1] == 0)
        if terminated or truncated:
            break
    assert rec.records[-1]["terminated"], "the pumping policy must reach the goal"
    assert wall, "the pumping policy must hit the left wall"
    episodes.append(episode("energy pumping to the goal, float32 actions", rec, reset))

    # 2. The same with float64 actions.
    rec = Recorder(env)
    reset = rec.reset(seed=8, draws=1)
    for t in range(999):
        v = float(env.unwrapped.state[1])
        a = (1.0 if v >= 0 else -1.0) * rng.uniform(0.7, 1.3)
        _, _, terminated, truncated = rec.step(a, np.float64)
        if terminated or truncated:
            break
    assert rec.records[-1]["terminated"]
    episodes.append(episode("energy pumping, float64 actions", rec, reset))

    # 3. Small random actions never reach the goal: truncated at step 999.
    rec = Recorder(env)
    reset = rec.reset(seed=9, draws=1)
    for t in range(999):
        dtype = np.float32 if t % 5 else np.float64
        _, _, terminated, truncated = rec.step(rng.uniform(-0.6, 0.6), dtype)
        assert not terminated
        assert truncated == (t == 998)
    episodes.append(episode("time limit at 999", rec, reset))

    # 4. Crafted states: walls, speed limits, goal boundary, both dtypes of
    #    state (a float64 state is what reset leaves) and of action.
    rec = Recorder(env)
    reset = rec.reset(seed=10, draws=1)
    f32, f64 = np.float32, np.float64
    cases = [
        ([-1.19, -0.05], -1.0), ([-1.2, 0.0], -1.0), ([-1.2, -0.01], 0.5),
        ([-1.2, 0.0], 1.0), ([-1.1999, -0.0001], -3.0), ([-1.15, -0.07], -1.0),
        ([0.0, 0.0699], 1.0), ([0.0, 0.07], 5.0), ([0.0, -0.0699], -1.0),
        ([0.0, -0.07], -5.0), ([-0.5236, 0.07], 1.0), ([0.3, 0.0699], 1.0),
        ([0.44, 0.02], 0.0), ([0.44, 0.01], 0.5), ([0.449, 0.001], 1.0),
        ([0.45, 0.0], 0.0), ([0.45, -0.001], 1.0), ([0.4499999, 0.0], 1.0),
        ([0.45, 1e-9], -1.0), ([0.59, 0.03], 1.0), ([0.6, 0.07], 1.0),
        ([0.6, -0.01], -1.0), ([-0.5, 0.0], 0.0), ([-0.5, 0.0], -0.0),
        ([-0.5, 0.0], 1e30), ([-0.5, 0.0], -1e30), ([-0.5, 0.0], 1.0000001),
        ([-0.5, 0.0], -0.9999999), ([-0.55, 0.001], 0.123456789),
    ]
    for state, a in cases:
        for sdt in (f32, f64):
            for adt in (f32, f64):
                rec.step(a, adt, set_state=(state, sdt), note="crafted")
    # Random states, including just outside the bounds.
    for i in range(120):
        state = [rng.uniform(-1.25, 0.65), rng.uniform(-0.075, 0.075)]
        rec.step(rng.uniform(-1.5, 1.5), f32 if i % 2 == 0 else f64,
                 set_state=(state, f32 if i % 3 else f64), note="random state")
    episodes.append(episode("crafted: walls, speed limits, goal", rec, reset))
    env.close()

    resets = []
    env = gym.make("MountainCarContinuous-v0")
    for seed in range(20):
        resets.append(Recorder(env).reset(seed=200 + seed, draws=1))
    env.close()

    return {"meta": meta("MountainCarContinuous-v0"), "max_episode_steps": 999,
            "episodes": episodes, "resets": resets}


def write(name, data):
    path = os.path.join(ROOT, "tests", "data", name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    n = sum(len(e["steps"]) for e in data["episodes"])
    print(f"{path}: {len(data['episodes'])} episodes, {n} transitions")


if __name__ == "__main__":
    write("gym_pendulum.json", pendulum_fixtures())
    write("gym_mountain_car.json", mountain_car_fixtures())
