"""Probes: directions, the driver over ranges and shards, the pairs a shard
ships, merging, snapshots and pickling, the paper's toy verdicts (Fig. 1
and 2), and closed forms for linear and quadratic objectives."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

from support import close, same_bits


def toy(theta):
    """The paper's Fig. 1 objective, O(θ) = -(1 - θ0 θ1)²."""
    return -((1.0 - theta[0] * theta[1]) ** 2)


@pytest.fixture(scope="module")
def exact(pl):
    """The exact objective on the paper's world with a seeded policy, and
    its starting point."""
    mdp = pl.Mdp.paper()
    pol = pl.Softmax.for_mdp(mdp)
    pol.init_like_torch(4)
    return pl.ExactObjective(mdp, pol, tau=0.01), pol.params


# ---------------------------------------------------------------- directions


def test_directions_are_unit_and_reproducible(pl):
    d = pl.directions(17, 0, 64, 108)
    assert d.shape == (64, 108) and d.dtype == np.float64
    close(np.linalg.norm(d, axis=1), np.ones(64), rtol=4e-16 * 108, what="unit norm")
    same_bits(pl.directions(17, 0, 64, 108), d, "reproducible")
    # Distinct directions, and distinct seeds give distinct directions.
    assert np.unique(d[:, 0]).size == 64
    assert not np.array_equal(pl.directions(18, 0, 64, 108), d)
    # Roughly uniform on the sphere: the mean is near 0.
    assert np.abs(pl.directions(1, 0, 4000, 3).mean(axis=0)).max() < 0.05


@pytest.mark.parametrize("start,count,dim", [(0, 10, 108), (5, 7, 2), (1 << 40, 3, 1), (3, 0, 4)])
def test_directions_is_direction_of_each_index(pl, start, count, dim):
    block = pl.directions(99, start, count, dim)
    assert block.shape == (count, dim)
    for i in range(count):
        same_bits(block[i], pl.direction(99, start + i, dim), f"direction {start + i}")
    if dim == 1:
        assert set(np.abs(block[:, 0])) == {1.0}


# ---------------------------------------------------------------- ranges, pairs


@pytest.mark.parametrize("objective", ["exact", "callable"])
def test_ranges_into_one_accumulator_equal_one_probe(pl, exact, objective):
    obj, theta0 = exact
    if objective == "callable":
        obj = toy
        theta0 = np.array([0.3, -1.2])
    n, k = 40, 13
    whole = pl.probe(obj, theta0, 0.25, 5, n)
    acc = pl.probe(obj, theta0, 0.25, 5, k)
    again = pl.probe(obj, theta0, 0.25, 5, n - k, start=k, accumulator=acc)
    assert again is acc
    assert acc.count == n
    assert acc == whole
    assert acc.to_json() == whole.to_json()


def test_exact_objective_equals_a_callable_of_objective_exact(pl, exact):
    """The native objective (GIL released) and a Python callable computing
    the same J_τ through `objective_exact` give the same accumulator."""
    obj, theta0 = exact
    mdp = pl.Mdp.paper()
    pol = pl.Softmax.for_mdp(mdp)

    def f(theta):
        pol.params = theta
        return pl.objective_exact(mdp, pol, tau=0.01)

    same_bits(obj(theta0), f(theta0), "O(theta0)")
    assert obj.evaluate(theta0) == (obj(theta0), 0.0)
    assert pl.probe(obj, theta0, 0.1, 3, 20) == pl.probe(f, theta0, 0.1, 3, 20)


def test_probe_pairs_replayed_equal_probe(pl, exact):
    obj, theta0 = exact
    n = 30
    whole, pairs = pl.probe(obj, theta0, 0.2, 8, n, pairs=True)
    np.testing.assert_array_equal(pairs["index"], np.arange(n))
    acc = pl.start(obj, theta0, 0.2)
    assert acc.count == 0 and acc.base == whole.base
    shards = [
        pl.probe_pairs(obj, theta0, 0.2, 8, lo, hi, acc.base, base_error=acc.base_error)
        for lo, hi in ((0, 11), (11, 11), (11, n))
    ]
    for name in ("d_plus", "d_minus", "se_plus", "se_minus"):
        same_bits(np.concatenate([s[name] for s in shards]), pairs[name], name)
    for s in shards:
        acc.push_pairs(s["d_plus"], s["d_minus"], s["se_plus"], s["se_minus"])
    assert acc == whole
    # Exact objectives ship zero errors; replaying without them is the same.
    assert not np.any(pairs["se_plus"]) and not np.any(pairs["se_minus"])
    plain = pl.start(obj, theta0, 0.2)
    plain.push_pairs(pairs["d_plus"], pairs["d_minus"])
    assert plain == whole


def test_noisy_callable_pairs_replay_bit_for_bit(pl):
    """A callable returning (value, std_error): the pairs carry the errors
    and `push_pairs` takes the `push_with_errors` path."""

    def noisy(t):
        return toy(t), 1e-3 * (1.0 + abs(t[0]))

    theta0 = np.array([-0.5, -2.0])
    whole, pairs = pl.probe(noisy, theta0, 0.5, 2, 25, pairs=True)
    assert whole.base_error == 1e-3 * 1.5
    assert np.all(pairs["se_plus"] > 0)
    acc = pl.start(noisy, theta0, 0.5)
    acc.push_pairs(pairs["d_plus"], pairs["d_minus"], pairs["se_plus"], pairs["se_minus"])
    assert acc == whole


# ---------------------------------------------------------------- merge


def _moments_close(a, b, what):
    assert a["count"] == b["count"], what
    assert (a["min"], a["max"]) == (b["min"], b["max"]), what
    for key in ("mean", "variance", "std", "std_error"):
        close(a[key], b[key], rtol=1e-12, atol=1e-15 * abs(b["std"]), what=f"{what} {key}")


def test_merge_of_shards(pl, exact):
    obj, theta0 = exact
    n, k = 60, 25
    whole = pl.probe(obj, theta0, 0.3, 21, n)
    a = pl.probe(obj, theta0, 0.3, 21, k)
    b = pl.probe(obj, theta0, 0.3, 21, n - k, start=k)
    a.merge(b)
    assert a.count == whole.count == n
    assert a.cases == whole.cases
    assert a.histogram() == whole.histogram()
    _moments_close(a.gradient, whole.gradient, "gradient")
    _moments_close(a.curvature, whole.curvature, "curvature")
    assert a.verdict() == whole.verdict()
    # The merged state survives a snapshot round trip.
    assert pl.Accumulator.from_json(a.to_json()) == a


def test_merge_with_another_alpha_is_refused_and_changes_nothing(pl, exact):
    obj, theta0 = exact
    a = pl.probe(obj, theta0, 0.3, 21, 10)
    before = a.to_json()
    other = pl.probe(obj, theta0, 0.31, 21, 10)
    with pytest.raises(pl.MergeError, match="alpha"):
        a.merge(other)
    assert a.to_json() == before
    with pytest.raises(pl.MergeError, match="dimension"):
        a.merge(pl.Accumulator(0.3, 3, a.base))
    with pytest.raises(pl.MergeError, match="base value"):
        a.merge(pl.Accumulator(0.3, 108, a.base + 1.0))
    assert a.to_json() == before
    assert issubclass(pl.MergeError, pl.PolicyLandscapeError)
    # And probing into it with another alpha is refused too.
    with pytest.raises(pl.InvalidParameterError, match="alpha"):
        pl.probe(obj, theta0, 0.31, 21, 5, accumulator=a)
    assert a.to_json() == before


# ---------------------------------------------------------------- pickling


def _roundtrips(x):
    return [pickle.loads(pickle.dumps(x)), copy.copy(x), copy.deepcopy(x)]


def test_pickle_copy_deepcopy(pl, exact):
    obj, theta0 = exact
    acc = pl.probe(obj, theta0, 0.3, 1, 12)
    for y in _roundtrips(acc):
        assert type(y) is pl.Accumulator and y == acc and y is not acc
    assert acc.copy() == acc

    for mdp in (pl.Mdp.paper(), pl.Mdp.chain(5, [(4, 1, 1.0)], [4], p_success=0.9, gamma=0.8, start=2)):
        for y in _roundtrips(mdp):
            assert y == mdp and repr(y) == repr(mdp)
            same_bits(y.dense_transitions(), mdp.dense_transitions(), "P")
    nested = pl.Mdp.gridworld(4, [(0, 3, 1.0)], ordering="nested")
    assert pickle.loads(pickle.dumps(nested)).ordering == "nested"

    pol = pl.Softmax(26, 4, mix=0.125)
    pol.init_like_torch(9)
    for y in _roundtrips(pol):
        assert y == pol and y.mix == 0.125 and y.bias
        same_bits(y.params, pol.params, "params")
    nb = pl.Softmax(3, 2, bias=False, params=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert pickle.loads(pickle.dumps(nb)) == nb

    cfg = pl.TrainConfig(0.1, 1500, tau=0.3, tau_decay=0.995)
    for y in _roundtrips(cfg):
        assert y == cfg
        assert (y.step_size, y.updates, y.tau, y.tau_decay) == (0.1, 1500, 0.3, 0.995)

    for y in _roundtrips(obj):
        assert type(y) is pl.ExactObjective and y.tau == obj.tau and y.dim == obj.dim == 108
        same_bits(y(theta0), obj(theta0), "ExactObjective value")
        same_bits(y(theta0 + 0.1), obj(theta0 + 0.1), "ExactObjective value elsewhere")
        assert pl.probe(y, theta0, 0.3, 1, 12) == acc


def test_from_json_refuses_corrupt_text(pl, exact):
    obj, theta0 = exact
    text = pl.probe(obj, theta0, 0.3, 1, 12).to_json()
    for bad in ("", "not json", text[: len(text) // 2], "{}", "[1, 2]", text.replace('"alpha"', '"alpah"')):
        with pytest.raises(pl.SnapshotError, match="not an accumulator snapshot"):
            pl.Accumulator.from_json(bad)
    # Valid JSON whose state is inconsistent: a count that disagrees.
    state = json.loads(text)
    state["gradient"]["count"] += 1
    with pytest.raises(pl.SnapshotError):
        pl.Accumulator.from_json(json.dumps(state))
    assert issubclass(pl.SnapshotError, ValueError)


# ---------------------------------------------------------------- toy verdicts


def test_toy_local_maximum_and_saddle(pl):
    """Fig. 1/2: on O(θ) = -(1 - θ0θ1)², (-0.5, -2) is a (non-strict)
    local maximum seen by a probe of step 0.5, the origin a saddle."""
    at_max = pl.probe(toy, [-0.5, -2.0], 0.5, 7, 200)
    assert at_max.base == 0.0
    v = at_max.verdict()
    assert v.kind == "LocalMaximum", v
    assert v.directions == 200 and v.support == 200
    lo, hi = v.interval
    assert lo < 1.0 <= hi + 1e-15 and v.fraction == 1.0
    assert at_max.cases["both_negative"] == 200

    saddle = pl.probe(toy, [0.0, 0.0], 0.5, 7, 200)
    assert saddle.base == -1.0
    assert saddle.verdict().kind == "Saddle"
    assert saddle.cases["curvature_negative"] > 0 and saddle.cases["curvature_positive"] > 0


# ---------------------------------------------------------------- closed forms


def test_gradient_projection_moments_on_a_linear_function(pl):
    c = np.array([0.5, -2.0, 1.5, 3.0])
    theta0 = np.array([0.1, 0.2, -0.3, 0.4])
    n, alpha, seed = 500, 0.01, 13

    def linear(t):
        return float(c @ t) + 7.0

    acc = pl.probe(linear, theta0, alpha, seed, n)
    proj = pl.directions(seed, 0, n, 4) @ c  # c·d, the exact projections
    g = acc.gradient
    assert g["count"] == n
    scale = np.linalg.norm(c)
    # D± carry the rounding of O ≈ 7.6 (~1e-15) divided by 2α.
    tol = 1e-12 * scale
    close(g["mean"], proj.mean(), atol=tol, what="mean")
    close(g["variance"], proj.var(ddof=1), rtol=1e-10, what="variance")
    close(g["std_error"], proj.std(ddof=1) / np.sqrt(n), rtol=1e-10, what="std_error")
    close(g["min"], proj.min(), atol=tol, what="min")
    close(g["max"], proj.max(), atol=tol, what="max")
    # No curvature beyond rounding: every direction is "opposite" (linear).
    assert abs(acc.curvature["mean"]) < 1e-9
    assert acc.cases["opposite"] == n
    assert acc.verdict().kind == "Linear"
    # E[(c·d)²] = |c|² / dim on the sphere: the zeroth-order ‖∇O‖².
    est, se = acc.gradient_norm_sq()
    assert abs(est - scale**2) < 4 * se + 1e-12


def test_interpolate_on_a_quadratic(pl):
    theta0 = np.array([1.0, -2.0, 0.5])
    theta1 = np.array([-0.5, 3.0, 2.0])

    def quad(t):
        return float(t @ t)

    a, value, se = pl.interpolate(quad, theta0, theta1, 21, a0=-0.5, a1=1.5)
    close(a, np.linspace(-0.5, 1.5, 21), rtol=0, atol=1e-15, what="abscissae")
    same_bits(a, -0.5 + 2.0 * (np.arange(21) / 20), "abscissae: a0 + (a1 - a0) k / (n - 1)")
    closed = (1 - a) ** 2 * (theta0 @ theta0) + 2 * a * (1 - a) * (theta0 @ theta1) + a**2 * (theta1 @ theta1)
    close(value, closed, rtol=1e-14, atol=1e-14, what="values")
    assert not se.any()
    # Defaults: 51 points on [0, 1], ends exact.
    a, value, _ = pl.interpolate(quad, theta0, theta1)
    assert a.size == 51 and a[0] == 0.0 and a[-1] == 1.0
    assert value[0] == quad(theta0) and value[-1] == quad(theta1)


def test_interpolate_exact_objective_matches_objective_exact(pl, exact):
    obj, theta0 = exact
    theta1 = theta0 + pl.direction(0, 0, 108)
    a, value, se = pl.interpolate(obj, theta0, theta1, 5)
    mdp = pl.Mdp.paper()
    pol = pl.Softmax.for_mdp(mdp)
    for ak, vk in zip(a, value):
        pol.params = (1 - ak) * theta0 + ak * theta1
        same_bits(vk, pl.objective_exact(mdp, pol, tau=0.01), f"a = {ak}")
    assert not se.any()


def test_improving_curvature_on_a_quadratic(pl):
    """O(θ) = θ·θ: every direction has curvature dᵀHd = 2."""
    out = pl.improving_curvature(lambda t: float(t @ t), [1.0, 0.0, 0.0], 0.1, 3, 200)
    assert out is not None
    g, c = out
    assert g > 0 and abs(c - 2.0) < 1e-9
    assert pl.improving_curvature(lambda t: 1.0, [1.0, 0.0], 0.1, 3, 50) is None
