"""Bad input raises the specific exception, whose message names what was
wrong; every library exception is a ``PolicyLandscapeError`` and a
``ValueError``; a Python objective's own exception propagates as is."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def world(pl):
    mdp = pl.Mdp.paper()
    return mdp, mdp.dense_transitions(), mdp.rewards, mdp.start


def test_hierarchy(pl):
    names = ("ShapeError", "InvalidMdpError", "InvalidParameterError", "NumericalError", "MergeError", "SnapshotError")
    for name in names:
        cls = getattr(pl, name)
        assert issubclass(cls, pl.PolicyLandscapeError) and issubclass(cls, ValueError), name
        assert cls.__module__ == "policy_landscape"
    assert issubclass(pl.PolicyLandscapeError, ValueError)


def test_shapes(pl, world):
    mdp, p, r, p0 = world
    with pytest.raises(pl.ShapeError, match=r"P must be three-dimensional \(S, A, S\), found 2 dimensions"):
        pl.Mdp.from_dense(np.zeros((26, 4)), r, 0.99, p0)
    with pytest.raises(pl.ShapeError, match=r"P must have shape \(S, A, S\), found \(26, 4, 25\)"):
        pl.Mdp.from_dense(np.zeros((26, 4, 25)), r, 0.99, p0)
    with pytest.raises(pl.ShapeError, match=r"R must have shape \(26, 4\), found \(25, 4\)"):
        pl.Mdp.from_dense(p, np.zeros((25, 4)), 0.99, p0)
    with pytest.raises(pl.ShapeError, match=r"p0 must have shape \(26,\), found \(25,\)"):
        pl.Mdp.from_dense(p, r, 0.99, np.full(25, 1 / 25))
    with pytest.raises(pl.ShapeError, match="must have equal lengths, found 2, 2, 2, 1"):
        pl.Mdp.from_sparse([0, 1], [0, 0], [0, 1], [1.0], np.zeros((2, 1)), 0.9, [1.0, 0.0])
    with pytest.raises(pl.ShapeError, match="P must be a regular array of numbers"):
        pl.Mdp.from_dense([[[1.0]], [[0.5, 0.5]]], [[0.0], [0.0]], 0.9, [1.0, 0.0])


def test_parameter_lengths(pl, world):
    mdp = world[0]
    theta = np.zeros(107)
    with pytest.raises(pl.ShapeError, match=r"params must have shape \(108,\), found \(107,\)"):
        pl.Softmax(26, 4, params=theta)
    pol = pl.Softmax(26, 4)
    with pytest.raises(pl.ShapeError, match=r"params must have shape \(108,\), found \(107,\)"):
        pol.params = theta
    assert not pol.params.any()  # unchanged
    obj = pl.ExactObjective(mdp, pol)
    assert obj.dim == 108
    for call in (
        lambda: obj(theta),
        lambda: obj.evaluate(theta),
        lambda: pl.start(obj, theta, 0.1),
        lambda: pl.probe(obj, theta, 0.1, 0, 3),
        lambda: pl.probe_pairs(obj, theta, 0.1, 0, 0, 3, 1.0),
        lambda: pl.interpolate(obj, theta, theta),
        lambda: pl.improving_curvature(obj, theta, 0.1, 0, 3),
    ):
        with pytest.raises(pl.ShapeError, match=r"theta must have shape \(108,\), found \(107,\)"):
            call()
    with pytest.raises(pl.ShapeError, match="the policy has 5 states and 2 actions, the MDP 26 and 4"):
        pl.evaluate_exact(mdp, pl.Softmax(5, 2))
    with pytest.raises(pl.ShapeError, match="1 to 8 actions, found 26 and 9"):
        pl.Softmax(26, 9)
    with pytest.raises(pl.ShapeError, match=r"actions must have one entry per state \(26\), found 25"):
        pl.deterministic_return(mdp, [3] * 25)


def test_non_finite_parameters(pl, world):
    mdp = world[0]
    theta = np.zeros(108)
    theta[30] = np.nan
    with pytest.raises(pl.InvalidParameterError, match=r"params\[30\] is not finite"):
        pl.Softmax(26, 4, params=theta)
    obj = pl.ExactObjective(mdp, pl.Softmax(26, 4))
    # Named in the torch layout the caller gave, for weights and biases.
    with pytest.raises(pl.InvalidParameterError, match=r"theta\[30\] is not finite"):
        obj(theta)
    bias = np.zeros(108)
    bias[105] = np.inf
    with pytest.raises(pl.InvalidParameterError, match=r"theta\[105\] is not finite"):
        obj(bias)
    with pytest.raises(pl.InvalidParameterError, match=r"theta\[30\] is not finite"):
        pl.probe(obj, theta, 0.1, 0, 3)
    acc = pl.start(obj, np.zeros(108), 0.1)
    with pytest.raises(pl.InvalidParameterError, match=r"theta\[30\] is not finite"):
        pl.probe(obj, theta, 0.1, 0, 3, accumulator=acc)
    assert acc.count == 0


def test_invalid_mdps(pl, world):
    _, p, r, p0 = world
    bad = p.copy()
    bad[2, 1, 3] = np.nan
    with pytest.raises(pl.InvalidMdpError, match=r"transition probability P\[2\]\[1\]\[3\] is not finite"):
        pl.Mdp.from_dense(bad, r, 0.99, p0)
    neg = p.copy()
    neg[2, 1, 3], neg[2, 1, 1] = -0.1, 1.1
    with pytest.raises(pl.InvalidMdpError, match=r"transition probability P\[2\]\[1\]\[3\] is negative"):
        pl.Mdp.from_dense(neg, r, 0.99, p0)
    rows = p.copy()
    rows[2, 1, 3] += 0.1
    with pytest.raises(pl.InvalidMdpError, match=r"transition row P\[2\]\[1\] does not sum to 1"):
        pl.Mdp.from_dense(rows, r, 0.99, p0)
    nan_r = r.copy()
    nan_r[7, 2] = np.nan
    with pytest.raises(pl.InvalidMdpError, match=r"reward R\[7\]\[2\] is not finite"):
        pl.Mdp.from_dense(p, nan_r, 0.99, p0)
    for gamma in (1.0, -0.1, np.nan):
        with pytest.raises(pl.InvalidMdpError, match=r"discount gamma must lie in \[0, 1 - 4 S eps\)"):
            pl.Mdp.from_dense(p, r, gamma, p0)
    with pytest.raises(pl.InvalidMdpError, match="found gamma = 1"):
        pl.Mdp.from_dense(p, r, 1.0, p0)
    with pytest.raises(pl.InvalidMdpError, match="discount gamma must"):
        pl.Mdp.gridworld(5, [(0, 4, 5.0)], gamma=1.0)
    with pytest.raises(pl.InvalidMdpError, match=r"p0 \(the start distribution\) must sum to 1, sums to 26"):
        pl.Mdp.from_dense(p, r, 0.99, np.ones(26))
    with pytest.raises(pl.InvalidMdpError, match=r"p0\[1\] = -0.5"):
        pl.Mdp.from_dense(p, r, 0.99, np.r_[1.5, -0.5, np.zeros(24)])
    with pytest.raises(pl.InvalidMdpError, match=r"transition 1 \(2 -> 0\) names a state outside 0..2"):
        pl.Mdp.from_sparse([0, 2], [0, 0], [0, 0], [1.0, 1.0], np.zeros((2, 1)), 0.9, [1.0, 0.0])
    with pytest.raises(pl.InvalidMdpError, match=r"transition \(0, 0, 0\) is given twice"):
        pl.Mdp.from_sparse([0, 0, 1], [0, 0, 0], [0, 0, 1], [0.5, 0.5, 1.0], np.zeros((2, 1)), 0.9, [1.0, 0.0])
    with pytest.raises(pl.InvalidMdpError, match=r"cell \(5, 0\) is outside the 5 x 5 grid"):
        pl.Mdp.gridworld(5, [(5, 0, 1.0)])


def test_invalid_parameters(pl, world):
    mdp = world[0]
    with pytest.raises(pl.InvalidParameterError, match=r"mix must lie in \[0, 1\], found 1.5"):
        pl.Softmax(26, 4, mix=1.5)
    with pytest.raises(pl.InvalidParameterError, match=r"mix must lie in \[0, 1\], found 1.5"):
        pl.Softmax.for_mdp(mdp, mix=1.5)
    pol = pl.Softmax(26, 4, mix=0.5)
    with pytest.raises(pl.InvalidParameterError, match=r"mix must lie in \[0, 1\], found NaN"):
        pol.mix = float("nan")
    assert pol.mix == 0.5
    for call in (
        lambda: pl.evaluate_exact(mdp, pol, -0.1),
        lambda: pl.objective_exact(mdp, pol, -0.1),
        lambda: pl.ExactObjective(mdp, pol, -0.1),
    ):
        with pytest.raises(pl.InvalidParameterError, match="tau must be finite and non-negative, found -0.1"):
            call()
    with pytest.raises(pl.InvalidParameterError, match="tau must be finite and non-negative"):
        pl.TrainConfig(0.1, 10, tau=-0.1)
    with pytest.raises(pl.InvalidParameterError, match="step_size must be finite and non-negative"):
        pl.TrainConfig(-0.1, 10)
    with pytest.raises(pl.InvalidParameterError, match="p_success must lie in"):
        pl.Mdp.gridworld(5, [(0, 4, 1.0)], p_success=1.5)
    with pytest.raises(pl.InvalidParameterError, match=r"state\[1\] = -1 is not a non-negative integer"):
        pl.Mdp.from_sparse([0, -1], [0, 0], [0, 0], [1.0, 1.0], np.zeros((2, 1)), 0.9, [1.0, 0.0])
    with pytest.raises(pl.InvalidParameterError, match="ordering must be 'auto', 'natural' or 'nested'"):
        pl.Mdp.paper(ordering="bad")
    with pytest.raises(pl.InvalidParameterError, match=r"actions\[0\] = 4 is not an action"):
        pl.deterministic_return(mdp, [4] * 26)
    with pytest.raises(pl.InvalidParameterError, match="alpha must be positive"):
        pl.Accumulator(0.0, 3, 0.0)


def test_non_numeric_arrays(pl, world):
    """Strings (even numeric ones), objects and complex numbers are refused
    by name, not parsed or truncated."""
    _, p, r, p0 = world
    with pytest.raises(pl.InvalidParameterError, match=r"P must hold numbers \(bool, integer or float\), found dtype <U"):
        pl.Mdp.from_dense(p.astype(str), r, 0.99, p0)
    with pytest.raises(pl.InvalidParameterError, match="R must hold numbers"):
        pl.Mdp.from_dense(p, r.astype(str), 0.99, p0)
    with pytest.raises(pl.InvalidParameterError, match="params must hold numbers.*<U1"):
        pl.Softmax(2, 1, params=np.array(["a", "b", "c"]))
    with pytest.raises(pl.InvalidParameterError, match="params must hold numbers.*<U1"):
        pl.Softmax(2, 1, params=["1", "2", "3"])
    with pytest.raises(pl.InvalidParameterError, match="params must hold numbers.*object"):
        pl.Softmax(2, 1, params=np.array([1.0, 2.0, None], dtype=object))
    with pytest.raises(pl.InvalidParameterError, match="params must hold numbers.*complex128"):
        pl.Softmax(2, 1, params=np.ones(3, dtype=complex))
    with pytest.raises(pl.InvalidParameterError, match="state must hold numbers"):
        pl.Mdp.from_sparse(["0"], [0], [0], [1.0], [[0.0]], 0.5, [1.0])
    obj = pl.ExactObjective(world[0], pl.Softmax(26, 4))
    with pytest.raises(pl.InvalidParameterError, match="theta must hold numbers"):
        obj(np.array(["0"] * 108))
    # Numbers of any real dtype, lists and bools are fine.
    for params in (np.ones(3, dtype=np.int32), [True, False, True], [1, 2.5, 3], np.ones(3, dtype=np.float32)):
        assert pl.Softmax(2, 1, params=params).params.dtype == np.float64


def test_python_objectives(pl):
    def raises_key_error(theta):
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        pl.probe(raises_key_error, [0.0, 0.0], 0.1, 0, 3)
    with pytest.raises(KeyError, match="boom"):
        pl.start(raises_key_error, [0.0, 0.0], 0.1)
    with pytest.raises(KeyError, match="boom"):
        pl.interpolate(raises_key_error, [0.0], [1.0])

    calls = []

    def fails_later(theta):
        calls.append(1)
        if len(calls) > 4:
            raise KeyError("later")
        return 0.0

    with pytest.raises(KeyError, match="later"):
        pl.probe(fails_later, [0.0, 0.0], 0.1, 0, 10)
    assert len(calls) == 5  # stopped at the failing evaluation

    with pytest.raises(TypeError, match="an objective must return a float or \\(value, std_error\\), returned str"):
        pl.probe(lambda t: "x", [0.0, 0.0], 0.1, 0, 3)
    with pytest.raises(TypeError, match="objective must be one of the library's objectives or a callable"):
        pl.probe(3, [0.0, 0.0], 0.1, 0, 3)
    with pytest.raises(pl.NumericalError, match="the objective returned value NaN"):
        pl.probe(lambda t: float("nan"), [0.0, 0.0], 0.1, 0, 3)
    with pytest.raises(pl.NumericalError, match="standard error -1"):
        pl.probe(lambda t: (1.0, -1.0), [0.0, 0.0], 0.1, 0, 3)


def test_snapshots_and_merges(pl):
    with pytest.raises(pl.SnapshotError, match="not an accumulator snapshot"):
        pl.Accumulator.from_json("x")
    a = pl.Accumulator(0.1, 2, 0.0)
    with pytest.raises(pl.MergeError, match="cannot merge accumulators whose alpha differ"):
        a.merge(pl.Accumulator(0.2, 2, 0.0))
