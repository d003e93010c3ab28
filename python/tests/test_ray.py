"""The Ray layer (policy_landscape.distributed) against the single process,
on a local 2-CPU Ray cluster: same bits, or (accumulators mode) same counts
and moments to rounding."""

import math
import os
import sys

import numpy as np
import pytest

if os.environ.get("CI"):
    import ray  # CI installs the [ray] extra: a missing Ray is a failure there.
else:
    ray = pytest.importorskip("ray")

import policy_landscape as pl
from policy_landscape import distributed


@pytest.fixture(scope="module")
def cluster():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    if ray.is_initialized():
        ray.shutdown()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=256 * 1024**2,
        log_to_driver=False,
        ignore_reinit_error=True,
    )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def trained():
    m = pl.Mdp.paper()
    p = pl.Softmax.for_mdp(m)
    p.init_like_torch(0)
    pl.train_exact(m, p, pl.TrainConfig(0.1, 300))
    return pl.ExactObjective(m, p, 0.0), p.params


def pair_bits(pairs):
    return {k: np.asarray(v).view(np.uint64).tolist() for k, v in pairs.items()}


def test_shard_ranges():
    assert distributed.shard_ranges(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert distributed.shard_ranges(2, 8, start=5) == [(5, 6), (6, 7)]
    assert distributed.shard_ranges(0, 4) == []
    r = distributed.shard_ranges(200, 8, start=3)
    assert r[0][0] == 3 and r[-1][1] == 203
    assert all(a[1] == b[0] for a, b in zip(r, r[1:]))


def test_exact_objective_bit_for_bit(cluster, trained):
    o, theta = trained
    single, single_pairs = pl.probe(o, theta, 0.1, 7, 200, pairs=True)
    assert single.count == 200
    for shards in (1, 3, 8, None):
        acc, pairs = distributed.probe(o, theta, 0.1, 7, 200, shards=shards, pairs=True)
        assert acc == single, shards
        assert acc.to_json() == single.to_json(), shards
        assert acc.verdict() == single.verdict()
        assert pair_bits(pairs) == pair_bits(single_pairs), shards
        assert pairs["index"].dtype == np.uint64
    # Without pairs, and from a start index.
    assert distributed.probe(o, theta, 0.1, 7, 200, shards=3) == single
    later = pl.probe(o, theta, 0.1, 7, 50, start=150)
    assert distributed.probe(o, theta, 0.1, 7, 50, start=150, shards=4) == later
    assert later != single


def test_accumulators_mode(cluster, trained):
    o, theta = trained
    single, single_pairs = pl.probe(o, theta, 0.1, 7, 200, pairs=True)
    acc, pairs = distributed.probe(o, theta, 0.1, 7, 200, shards=8, mode="accumulators", pairs=True)
    assert pair_bits(pairs) == pair_bits(single_pairs)
    assert acc.count == single.count == 200
    assert acc.cases == single.cases
    assert acc.histogram() == single.histogram()
    assert acc.verdict() == single.verdict()
    for stat in ("gradient", "curvature"):
        a, s = getattr(acc, stat), getattr(single, stat)
        assert a["count"] == s["count"]
        assert a["min"] == s["min"] and a["max"] == s["max"]
        assert math.isclose(a["mean"], s["mean"], rel_tol=1e-12)
        assert math.isclose(a["variance"], s["variance"], rel_tol=1e-9)
    with pytest.raises(ValueError, match="mode"):
        distributed.probe(o, theta, 0.1, 7, 10, mode="bogus")


def test_callable_saddle(cluster):
    toy = lambda t: -((1.0 - t[0] * t[1]) ** 2)  # noqa: E731 - the paper's Fig. 1
    single = pl.probe(toy, [0.0, 0.0], 0.5, 3, 300)
    acc = distributed.probe(toy, [0.0, 0.0], 0.5, 3, 300, shards=5)
    assert single.verdict().kind == "Saddle"
    assert acc.verdict().kind == "Saddle"
    assert acc == single


def test_noisy_callable(cluster):
    def noisy(t):
        t = np.asarray(t)
        value = -float(t @ t) + 0.3 * float(t[0]) + 0.01 * math.sin(40.0 * float(t[1]))
        return value, 0.002 + 0.001 * abs(float(t[0]))

    theta = np.linspace(-0.2, 0.3, 6)
    single, single_pairs = pl.probe(noisy, theta, 0.2, 11, 120, pairs=True)
    assert single.base_error > 0 and np.all(single_pairs["se_plus"] > 0)
    assert single.count == 120
    acc, pairs = distributed.probe(noisy, theta, 0.2, 11, 120, shards=7, pairs=True)
    assert acc == single
    assert pair_bits(pairs) == pair_bits(single_pairs)


def test_sweep_equals_in_process(cluster):
    m = pl.Mdp.paper()
    args = (m, range(6), [0.0, 0.5], [1.0])
    kw = dict(threshold=4.4, updates=100)
    single = pl.sweep(*args, **kw)
    for shards in (None, 5):
        out = distributed.sweep(*args, shards=shards, **kw)
        assert set(out) == set(single)
        for k in ("taus", "decays", "seeds"):
            assert out[k] == single[k]
        for k in ("final_j_true", "sub_optimal", "fraction"):
            assert out[k].dtype == single[k].dtype and out[k].shape == single[k].shape
        assert np.array_equal(out["final_j_true"].view(np.uint64), single["final_j_true"].view(np.uint64))
        assert np.array_equal(out["sub_optimal"], single["sub_optimal"])
        assert np.array_equal(out["fraction"].view(np.uint64), single["fraction"].view(np.uint64))
    # Both classes occur, so the comparison says something.
    assert single["sub_optimal"].any() and not single["sub_optimal"].all()


def test_errors_propagate(cluster):
    def fragile(t):
        if t[0] > 0.3:
            raise RuntimeError("objective exploded at 0xBEEF")
        return -float(np.dot(t, t))

    with pytest.raises(RuntimeError, match="objective exploded at 0xBEEF"):
        pl.probe(fragile, [0.0, 0.0, 0.0], 0.5, 1, 64)
    with pytest.raises(Exception) as info:
        distributed.probe(fragile, [0.0, 0.0, 0.0], 0.5, 1, 64, shards=4)
    assert "objective exploded at 0xBEEF" in str(info.value)
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(Exception, match="tau"):
        distributed.sweep(pl.Mdp.paper(), [0], [-1.0], [1.0], threshold=4.4, updates=10)


def test_missing_ray_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'policy-landscape\[ray\]'"):
        distributed.connect()
