#!/usr/bin/env python3
"""Records reference episodes of Gymnasium's Hopper-v5, Walker2d-v5 and
HalfCheetah-v5 for `mujoco/tests/gymnasium.rs`.

Writes `mujoco/tests/data/{hopper,walker2d,half_cheetah}.json`. Environments
come from `gymnasium.make` (so `TimeLimit` truncates at 1000 steps). Every
float is stored as its exact bit pattern, 16 hex digits of `f64::to_bits`,
so the Rust replay compares bit for bit.

The actions are not stored: both sides compute them from the state before
the step with the same IEEE operations, in this order,

    a_i  = -(kp * qpos[3 + i]) - (kd * qvel[3 + i])       (joint PD)
    a_j += kt * qpos[2]               for j in `thighs` (torso feedback)
    a_i += scale * (2 u - 1)          u from SplitMix64, u = (x >> 11) 2^-53

so an episode is described by (seed, kp, kd, kt, scale). Scales above 1 give
out-of-range actions (MuJoCo clamps the control to ctrlrange; the control
cost uses the unclipped action), scale 1000 gives huge ones.

Per step: the reward's bits, the terminated and truncated flags, and an
FNV-1a 64 hash of the little-endian bytes of (observation, qpos, qvel); the
full vectors at steps 0-4, every 50th step and the last step. The reset
state (qpos, qvel after `reset(seed=seed)`) and first observation are stored
in full; the replay starts from that state.

Usage (needs gymnasium==1.4.0 and mujoco==3.17.0; `mujoco/gym-python.sh`
makes a virtualenv with both and prints its python):
    $(mujoco/gym-python.sh) mujoco/tests/data/record_fixtures.py          # rewrite
    $(mujoco/gym-python.sh) mujoco/tests/data/record_fixtures.py --check  # compare

`--check` records again and compares with the committed files byte for
byte (CI runs it: the fixtures are what Gymnasium produces today).
"""

import json
import os
import struct
import sys

import gymnasium
import mujoco
import numpy as np

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return float(self.next_u64() >> 11) * (1.0 / 9007199254740992.0)


def bits(x):
    return format(struct.unpack("<Q", struct.pack("<d", float(x)))[0], "016x")


def fnv1a(arrays):
    h = 0xCBF29CE484222325
    for arr in arrays:
        for b in np.ascontiguousarray(arr, dtype="<f8").tobytes():
            h ^= b
            h = (h * 0x100000001B3) & MASK
    return format(h, "016x")


MODELS = {
    "hopper": ("Hopper-v5", [0]),
    "walker2d": ("Walker2d-v5", [0, 3]),
    "half_cheetah": ("HalfCheetah-v5", [0, 3]),
}

# (reset seed, action seed, kp, kd, kt, noise scale)
EPISODES = {
    "hopper": [
        (0, 10, 0.0, 0.0, 0.0, 1.0),
        (1, 11, 0.0, 0.0, 0.0, 1.0),
        (2, 12, 0.0, 0.0, 0.0, 3.0),
        (3, 13, 0.0, 0.0, 0.0, 1000.0),
        (4, 14, 3.0, 0.3, 0.0, 0.05),
        (5, 15, 10.0, 1.0, 0.0, 0.0),
    ],
    "walker2d": [
        (0, 10, 0.0, 0.0, 0.0, 1.0),
        (1, 11, 0.0, 0.0, 0.0, 1.0),
        (2, 12, 0.0, 0.0, 0.0, 3.0),
        (3, 13, 0.0, 0.0, 0.0, 1000.0),
        (4, 14, 5.0, 0.1, -2.0, 0.02),
        (5, 15, 0.0, 0.0, 0.0, 0.0),
    ],
    "half_cheetah": [
        (0, 10, 0.0, 0.0, 0.0, 1.0),
        (1, 11, 0.0, 0.0, 0.0, 3.0),
        (2, 12, 0.0, 0.0, 0.0, 1000.0),
        (3, 13, 2.0, 0.2, 0.0, 0.3),
    ],
}


def action(data, nu, thighs, rng, kp, kd, kt, scale):
    a = -(kp * data.qpos[3 : 3 + nu]) - (kd * data.qvel[3 : 3 + nu])
    for j in thighs:
        a[j] += kt * data.qpos[2]
    for i in range(nu):
        a[i] += scale * (2.0 * rng.uniform() - 1.0)
    return a


def record(key):
    env_id, thighs = MODELS[key]
    env = gymnasium.make(env_id)
    raw = env.unwrapped
    nu = raw.model.nu
    episodes = []
    for reset_seed, action_seed, kp, kd, kt, scale in EPISODES[key]:
        obs, _ = env.reset(seed=reset_seed)
        episode = {
            "reset_seed": reset_seed,
            "action_seed": action_seed,
            "kp": kp,
            "kd": kd,
            "kt": kt,
            "scale": scale,
            "qpos0": [bits(x) for x in raw.data.qpos],
            "qvel0": [bits(x) for x in raw.data.qvel],
            "obs0": [bits(x) for x in obs],
            "steps": [],
        }
        rng = SplitMix64(action_seed)
        t = 0
        while True:
            a = action(raw.data, nu, thighs, rng, kp, kd, kt, scale)
            obs, reward, terminated, truncated, _ = env.step(a)
            qpos, qvel = raw.data.qpos.copy(), raw.data.qvel.copy()
            step = {
                "reward": bits(reward),
                "terminated": bool(terminated),
                "truncated": bool(truncated),
                "hash": fnv1a([obs, qpos, qvel]),
            }
            done = terminated or truncated
            if t < 5 or t % 50 == 0 or done:
                step["obs"] = [bits(x) for x in obs]
                step["qpos"] = [bits(x) for x in qpos]
                step["qvel"] = [bits(x) for x in qvel]
            episode["steps"].append(step)
            t += 1
            if done:
                break
        episodes.append(episode)
        print(f"{env_id}: seed {reset_seed}, scale {scale}: {t} steps, "
              f"{'terminated' if terminated else 'truncated'}")
    return {
        "env": env_id,
        "gymnasium": gymnasium.__version__,
        "mujoco": mujoco.__version__,
        "numpy": np.__version__,
        "thighs": thighs,
        "episodes": episodes,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    check = "--check" in sys.argv[1:]
    failed = []
    for key in MODELS:
        text = json.dumps(record(key), separators=(",", ":")) + "\n"
        path = os.path.join(here, f"{key}.json")
        if check:
            with open(path) as f:
                if f.read() != text:
                    failed.append(path)
        else:
            with open(path, "w") as f:
                f.write(text)
    if failed:
        sys.exit("differ from Gymnasium's episodes recorded now: " + ", ".join(failed))
    if check:
        print("fixtures identical to Gymnasium's episodes recorded now")


if __name__ == "__main__":
    main()
