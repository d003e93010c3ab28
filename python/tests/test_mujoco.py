"""The MuJoCo environments of a build with the cargo feature `mujoco`:
episodes recorded from Gymnasium 1.4.0 (the MuJoCo crate's fixtures) replayed
through the Python classes bit for bit, rollouts stepped by hand against
mean_return bit for bit, the multi-action Gaussian policy against its
formulas, the Monte-Carlo objective (repeatable, picklable, probed) and
shape errors. Skipped in a build without MuJoCo."""

import json
import math
import os
import pathlib
import pickle
import struct

import numpy as np
import pytest

import policy_landscape as pl

if not pl.HAS_MUJOCO:
    pytest.skip(
        "built without the cargo feature `mujoco`", allow_module_level=True
    )

REPO = pathlib.Path(
    os.environ.get("PL_REPO") or pathlib.Path(__file__).resolve().parents[2]
)
FIXTURES = REPO / "mujoco" / "tests" / "data"
MASK = (1 << 64) - 1


def bits(x):
    """The IEEE bits of float64s (a float or an array)."""
    return np.asarray(x, dtype=np.float64).view(np.uint64).tolist()


def from_hex(h):
    return struct.unpack("<d", int(h, 16).to_bytes(8, "little"))[0]


def from_hexes(hs):
    return [from_hex(h) for h in hs]


class SplitMix64:
    """The fixture script's action noise (as mujoco/tests/gymnasium.rs)."""

    def __init__(self, seed):
        self.state = seed

    def uniform(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        return (z >> 11) * (1.0 / 9007199254740992.0)


def fnv1a(*parts):
    h = 0xCBF29CE484222325
    for part in parts:
        for b in np.asarray(part, dtype="<f8").tobytes():
            h ^= b
            h = (h * 0x100000001B3) & MASK
    return f"{h:016x}"


TASKS = [
    (pl.Hopper, "hopper.json", "Hopper-v5", 11, 3, (6, 2093)),
    (pl.Walker2d, "walker2d.json", "Walker2d-v5", 17, 6, (6, 1157)),
    (pl.HalfCheetah, "half_cheetah.json", "HalfCheetah-v5", 17, 6, (4, 4000)),
]


# --- Gymnasium's episodes, bit for bit ---------------------------------------


@pytest.mark.parametrize("cls, file, gym_id, o, a, counts", TASKS)
def test_python_steps_replay_gymnasium_bit_for_bit(cls, file, gym_id, o, a, counts):
    """Every recorded episode: set_state to Gymnasium's reset state, the
    fixture's actions computed here, and every step's reward, flags and
    (observation, qpos, qvel) equal to Gymnasium's bits."""
    fixture = json.loads((FIXTURES / file).read_text())
    assert (fixture["env"], fixture["gymnasium"], fixture["mujoco"]) == (
        gym_id,
        "1.4.0",
        "3.17.0",
    )
    env = cls()
    assert (env.gym_id, env.observation_dim, env.action_dim) == (gym_id, o, a)
    assert env.action_bounds == (-1.0, 1.0) and env.max_episode_steps == 1000
    steps = 0
    for ep in fixture["episodes"]:
        obs0 = env.set_state(from_hexes(ep["qpos0"]), from_hexes(ep["qvel0"]))
        assert bits(obs0) == bits(from_hexes(ep["obs0"]))
        assert env.elapsed_steps == 0
        rng = SplitMix64(ep["action_seed"])
        for t, rec in enumerate(ep["steps"]):
            qpos, qvel = env.qpos.tolist(), env.qvel.tolist()
            act = [-(ep["kp"] * qpos[3 + i]) - (ep["kd"] * qvel[3 + i]) for i in range(a)]
            for j in fixture["thighs"]:
                act[j] += ep["kt"] * qpos[2]
            act = [x + ep["scale"] * (2.0 * rng.uniform() - 1.0) for x in act]
            obs, reward, terminated, truncated = env.step(np.array(act))
            where = f"{gym_id} reset seed {ep['reset_seed']}, step {t}"
            assert bits(reward) == bits(from_hex(rec["reward"])), where
            assert (terminated, truncated) == (rec["terminated"], rec["truncated"]), where
            assert fnv1a(obs, env.qpos, env.qvel) == rec["hash"], where
            if rec.get("obs") is not None:
                assert bits(obs) == bits(from_hexes(rec["obs"])), where
                assert bits(env.qpos) == bits(from_hexes(rec["qpos"])), where
                assert bits(env.qvel) == bits(from_hexes(rec["qvel"])), where
            np.testing.assert_array_equal(env.state, np.concatenate([env.qpos, env.qvel]))
            steps += 1
        assert env.elapsed_steps == len(ep["steps"])
    assert (len(fixture["episodes"]), steps) == counts


# --- rollouts ----------------------------------------------------------------


def rust_moments(xs):
    """mean_return's (value, std_error) as the core computes them (shifted
    sums), bit for bit."""
    shift, s, s2 = xs[0], 0.0, 0.0
    for x in xs:
        d = x - shift
        s += d
        s2 += d * d
    n = float(len(xs))
    mean = shift + s / n
    square = s * s
    var = max(s2 - square / n, 0.0) / (n - 1.0)
    return mean, math.sqrt(var) / math.sqrt(n)


def hand_returns(env, pi, seed, episodes, gamma, max_steps):
    out, lengths = [], []
    for e in range(episodes):
        obs, ret, disc = env.reset(seed, e), 0.0, 1.0
        for t in range(max_steps):
            obs, r, term, trunc = env.step(pi.mean(obs))
            ret += disc * r
            disc *= gamma
            if term or trunc:
                break
        out.append(ret)
        lengths.append(t + 1)
    return out, lengths


def glorot_policy(env, seed, sigma):
    pi = pl.Gaussian.for_env(env, sigma=sigma)
    pi.init_glorot(seed)
    return pi


def test_hopper_episodes_by_hand_equal_mean_return_bit_for_bit():
    """reset(seed, e) then the deterministic policy's mean, stepped from
    Python, gives mean_return's value and standard error to the bit (one
    thread or two)."""
    env = pl.Hopper(max_episode_steps=300)
    pi = glorot_policy(env, 3, 0.0)
    pi.params = pi.params * 0.3
    gamma, seed = 0.99, 17
    returns, lengths = hand_returns(env, pi, seed, 4, gamma, 1000)
    assert len(set(returns)) == 4 and max(lengths) > 5
    expected = rust_moments(returns)
    for threads in (1, 2):
        got = pl.mean_return(env, pi, episodes=4, gamma=gamma, seed=seed, threads=threads)
        assert bits(got) == bits(expected)
    # The step guard cuts episodes as the Python loop does.
    returns, _ = hand_returns(env, pi, seed, 3, gamma, 4)
    got = pl.mean_return(env, pi, episodes=3, gamma=gamma, seed=seed, max_steps=4)
    assert bits(got) == bits(rust_moments(returns))


def test_time_limit_and_state():
    env = pl.Hopper(max_episode_steps=3)
    assert env.max_episode_steps == 3 and repr(env) == "Hopper(max_episode_steps=3, clip=None)"
    env.reset(0)
    flags = [env.step(np.zeros(3))[3] for _ in range(4)]
    assert flags == [False, False, True, True] and env.elapsed_steps == 4
    assert env.dt == pytest.approx(0.008) and env.is_healthy
    with pytest.raises(pl.InvalidParameterError, match="max_episode_steps"):
        pl.Hopper(max_episode_steps=0)


def test_clip_and_pickling_of_the_environments():
    env = pl.HalfCheetah(max_episode_steps=7, clip=True)
    assert env.clip == (-1.0, 1.0)
    back = pickle.loads(pickle.dumps(env))
    assert type(back) is pl.HalfCheetah and repr(back) == repr(env)
    # Clipping changes the control cost (MuJoCo clamps the control itself).
    plain = pl.HalfCheetah()
    o1, o2 = plain.reset(5), env.reset(5)
    np.testing.assert_array_equal(o1, o2)
    big = np.full(6, 3.0)
    s1, s2 = plain.step(big), env.step(big)
    np.testing.assert_array_equal(s1[0], s2[0])
    assert s2[1] - s1[1] == pytest.approx(0.1 * 6 * (9.0 - 1.0))
    assert repr(pl.Walker2d(clip=(-0.5, 0.5))) == "Walker2d(max_episode_steps=1000, clip=(-0.5, 0.5))"


def test_gradient_and_training_on_hopper():
    env = pl.Hopper(max_episode_steps=100)
    pi = glorot_policy(env, 1, 0.3)
    args = dict(episodes=4, gamma=0.99, seed=2, max_steps=40)
    g, report = pl.reinforce_gradient(env, pi, **args)
    assert g.shape == (36,) and report["std_error"].shape == (36,)
    assert (report["mean_return"], report["return_std_error"]) == pl.mean_return(env, pi, **args)
    g2, _ = pl.reinforce_gradient(env, pi, threads=2, **args)
    assert bits(g) == bits(g2)
    before = pi.params
    out = pl.train_sgd(env, pi, learning_rate=1e-3, updates=2, eval_every=1, eval_episodes=2, **args)
    assert out["updates"] == 2 and out["batch_return"].shape == (2,)
    assert len(out["deterministic_return"]) == 2 and out["final_deterministic"] is not None
    assert not np.array_equal(pi.params, before) and np.array_equal(out["params"], pi.params)
    # Walker2d and HalfCheetah run too.
    for cls in (pl.Walker2d, pl.HalfCheetah):
        e = cls(max_episode_steps=20)
        p = glorot_policy(e, 0, 0.1)
        assert p.num_params == 18 * 6
        v, se = pl.mean_return(e, p, episodes=2, seed=0)
        assert math.isfinite(v) and se >= 0


# --- the multi-action Gaussian policy -----------------------------------------


def test_gaussian_with_three_actions_matches_its_formulas():
    pi = pl.Gaussian(11, action_dim=3, sigma=0.5)
    assert (pi.observation_dim, pi.action_dim, pi.num_params) == (11, 3, 36)
    pi.init_glorot(4)
    w, b = pi.weights()
    assert w.shape == (11, 3) and b.shape == (3,) and np.all(b == 0)
    limit = math.sqrt(6.0 / 14.0)
    assert np.all(np.abs(w) < limit) and np.array_equal(pi.params[:33], w.ravel())
    pi.params = pi.params + np.linspace(0.0, 0.1, 36)
    w, b = pi.weights()
    rng = np.random.default_rng(0)
    s = rng.normal(size=(5, 11))
    mean = pi.mean(s)
    np.testing.assert_allclose(mean, s @ w + b, rtol=1e-13)
    np.testing.assert_array_equal(pi.mean(s[0]), mean[0])
    act = pi.sample(s, 9)
    assert act.shape == (5, 3)
    np.testing.assert_array_equal(pi.sample(s, 9), act)
    lp = -((act - mean) ** 2).sum(1) / (2 * 0.25) - 3 * (math.log(0.5) + 0.5 * math.log(2 * math.pi))
    np.testing.assert_allclose(pi.log_prob(s, act), lp, rtol=1e-12)
    # d/dw[f][a] = phi_f (a - mu)_a / sigma^2, phi = [s, 1].
    phi = np.hstack([s, np.ones((5, 1))])
    score = np.einsum("nf,na->nfa", phi, (act - mean) / 0.25).reshape(5, 36)
    np.testing.assert_allclose(pi.score(s, act), score, rtol=1e-12, atol=1e-14)
    assert pi.score(s[1], act[1]).shape == (36,)
    assert pi.entropy() == pytest.approx(3 * 0.5 * math.log(2 * math.pi * math.e * 0.25))
    back = pickle.loads(pickle.dumps(pi))
    assert back == pi and back.action_dim == 3
    assert repr(pi).startswith("Gaussian(11, action_dim=3, bias=True, sigma=0.5")
    assert pl.Gaussian(17, action_dim=6, bias=False).num_params == 102


# --- the Monte-Carlo objective ------------------------------------------------


def hopper_objective(**kw):
    env = pl.Hopper(clip=True)
    pi = glorot_policy(env, 7, 0.2)
    args = dict(episodes=3, gamma=0.99, seed=11, max_steps=40)
    args.update(kw)
    return pl.MonteCarloObjective(env, pi, **args), env, pi


def test_monte_carlo_objective_on_hopper_repeats_and_pickles():
    obj, env, pi = hopper_objective()
    assert isinstance(obj, pl.Objective) and obj.dim == 36
    theta = pi.params + 0.01
    v1 = obj.evaluate(theta)
    assert bits(obj.evaluate(theta)) == bits(v1) and v1[1] > 0
    p = pi.copy()
    p.params = theta
    assert bits(pl.mean_return(env, p, episodes=3, gamma=0.99, seed=11, max_steps=40)) == bits(v1)
    back = pickle.loads(pickle.dumps(obj))
    assert bits(back.evaluate(theta)) == bits(v1)
    assert type(back.env) is pl.Hopper and back.env.clip == (-1.0, 1.0)
    assert back.policy == pi
    threaded, _, _ = hopper_objective(threads=2)
    assert bits(threaded.evaluate(theta)) == bits(v1)


def test_a_short_probe_on_hopper_gives_a_verdict():
    obj, _, pi = hopper_objective()
    theta0 = pi.params
    acc = pl.probe(obj, theta0, 0.05, 1, 4)
    assert acc.count == 4 and acc.base == obj(theta0)
    assert acc.verdict().kind in {
        "LocalMaximum", "LocalMinimum", "Saddle", "Linear", "Flat", "Undetermined"
    }


# --- errors ------------------------------------------------------------------


def test_shape_errors():
    env = pl.Hopper()
    env.reset(0)
    with pytest.raises(pl.ShapeError, match=r"action must have shape \(3,\)"):
        env.step([0.0, 0.0])
    with pytest.raises(pl.ShapeError, match=r"action must have shape \(3,\)"):
        env.step(0.5)
    with pytest.raises(pl.ShapeError, match=r"action must have shape \(3,\)"):
        env.step(np.zeros((1, 3)))
    with pytest.raises(pl.InvalidParameterError, match=r"action\[1\] is not finite"):
        env.step([0.0, np.nan, 0.0])
    with pytest.raises(pl.ShapeError, match="qpos"):
        env.set_state(np.zeros(5), np.zeros(6))
    with pytest.raises(pl.InvalidParameterError, match="qvel"):
        env.set_state(np.zeros(6), [0.0, 0.0, np.inf, 0.0, 0.0, 0.0])
    with pytest.raises(pl.ShapeError, match="11 observations and 3 actions"):
        pl.Gaussian(11, action_dim=6)
    with pytest.raises(pl.ShapeError, match="1 to 3 observations"):
        pl.Gaussian(11)
    pi = pl.Gaussian(11, action_dim=3)
    with pytest.raises(pl.ShapeError, match="obs must have shape"):
        pi.mean(np.zeros(17))
    with pytest.raises(pl.ShapeError, match=r"action must have shape \(3,\)"):
        pi.log_prob(np.zeros(11), [0.0])
    with pytest.raises(pl.ShapeError, match=r"action must have shape \(2, 3\)"):
        pi.score(np.zeros((2, 11)), np.zeros(2))
    with pytest.raises(pl.ShapeError, match="the policy takes 17 observations, Hopper gives 11"):
        pl.mean_return(env, pl.Gaussian(17, action_dim=6))
    with pytest.raises(pl.ShapeError, match="the policy takes 11 observations, HalfCheetah gives 17"):
        pl.MonteCarloObjective(pl.HalfCheetah(), pi)
    obj = pl.MonteCarloObjective(env, pi, episodes=2, max_steps=5)
    with pytest.raises(pl.ShapeError, match=r"theta must have shape \(36,\)"):
        obj.evaluate(np.zeros(12))


def test_a_missing_model_names_the_setup_script(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_LANDSCAPE_MUJOCO_ASSETS", str(tmp_path))
    with pytest.raises(pl.PolicyLandscapeError, match="mujoco/setup.sh"):
        pl.Walker2d()
