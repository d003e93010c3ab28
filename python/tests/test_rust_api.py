"""The bindings give the Rust API's bits.

``examples/python_reference.rs`` evaluates, trains and probes through
the core's Rust API (the fixed-size ``ExactWorkspace`` of ``paper``, the
sparse ``SparsePlan``/``SparseWorkspace`` with ``Ordering::Natural``, the
``Trainer``, ``probe::start``/``probe::probe`` on ``ExactObjective``) and
prints every float as its IEEE bits; here the same is computed through the
Python bindings (which evaluate on the sparse evaluator) and compared bit
for bit, with no tolerance.

The output is read from the file named by ``PL_RUST_REFERENCE`` if set,
else produced by ``cargo run -q --features std,serde,defmt,rayon --example
python_reference`` in the repository: the features of CI's second
``cargo test``, whose build it reuses (a debug build gives the release
build's bits: IEEE arithmetic without fast math). Skipped without cargo,
failed under CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from support import REPO, same_bits


def _cargo() -> str | None:
    found = shutil.which("cargo")
    if found:
        return found
    home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "bin" / "cargo"
    return str(home) if home.is_file() else None


@pytest.fixture(scope="module")
def rust():
    path = os.environ.get("PL_RUST_REFERENCE")
    if path:
        with open(path) as f:
            return json.load(f)
    cargo = _cargo()
    if cargo is None or not (REPO / "examples" / "python_reference.rs").is_file():
        msg = "cargo or the repository not found (set PL_RUST_REFERENCE)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    out = subprocess.run(
        [cargo, "run", "-q", "--features", "std,serde,defmt,rayon", "--example", "python_reference"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout)


def f64(b):
    """Floats from their bits (a list or one number)."""
    if isinstance(b, list):
        return np.array(b, dtype=np.uint64).view(np.float64)
    return float(np.array([b], dtype=np.uint64).view(np.float64)[0])


def policy(pl, seed, mix=0.0):
    pol = pl.Softmax(26, 4, mix=mix)
    pol.init_like_torch(seed)
    return pol


def test_reference_covers_the_cases(rust):
    assert len(rust["cases"]) == 3 and len(rust["train"]) == 2 and len(rust["probe"]) == 2
    taus = {f64(c["dense"]["tau"]) for c in rust["cases"]}
    mixes = {f64(c["dense"]["mix"]) for c in rust["cases"]}
    assert 0.0 in taus and len(taus) == 3 and mixes == {0.0, 0.2}


@pytest.mark.parametrize("i", range(3))
def test_exact_evaluation_bits(pl, paper_mdp, rust, i):
    dense, sparse = rust["cases"][i]["dense"], rust["cases"][i]["sparse"]
    mix, tau = f64(dense["mix"]), f64(dense["tau"])
    pol = policy(pl, dense["seed"], mix)
    # init_like_torch: the core's Softmax::init_like_torch on
    # Xoshiro256PlusPlus::seed_from_u64(seed), in the torch layout.
    same_bits(pol.params, f64(dense["params"]), "init_like_torch params")
    ev = pl.evaluate_exact(paper_mdp, pol, tau)
    same_bits(pl.objective_exact(paper_mdp, pol, tau), f64(dense["objective"]), "objective")
    for name, mine in (
        ("j_tau", ev.j_tau),
        ("j_true", ev.j_true),
        ("j_entropy", ev.j_entropy),
        ("value", ev.value),
        ("q", ev.q.reshape(-1)),
        ("occupancy", ev.occupancy),
        ("policy", ev.policy.reshape(-1)),
        ("entropy", ev.entropy),
        ("gradient", ev.gradient),
    ):
        same_bits(mine, f64(dense[name]), f"fixed-size evaluator: {name}")
    for name, mine in (
        ("objective", pl.objective_exact(paper_mdp, pol, tau)),
        ("j_tau", ev.j_tau),
        ("value", ev.value),
        ("q", ev.q.reshape(-1)),
        ("occupancy", ev.occupancy),
        ("logit_gradient", ev.logit_gradient.reshape(-1)),
        ("gradient", ev.gradient),
    ):
        same_bits(mine, f64(sparse[name]), f"sparse evaluator: {name}")


@pytest.mark.parametrize("i", range(2))
def test_trainer_bits(pl, paper_mdp, rust, i):
    run = rust["train"][i]
    pol = policy(pl, run["seed"])
    config = pl.TrainConfig(
        f64(run["step_size"]), run["updates"], tau=f64(run["tau"]), tau_decay=f64(run["tau_decay"])
    )
    out = pl.train_exact(paper_mdp, pol, config)
    assert out["updates"] == run["updates"] == 100
    same_bits(pol.params, f64(run["final_params"]), "final parameters")
    same_bits(out["final_j_true"], f64(run["final_j_true"]), "final J")
    same_bits(out["final_j_tau"], f64(run["final_j_tau"]), "final J_tau")
    same_bits(out["final_tau"], f64(run["final_tau"]), "final tau")


@pytest.mark.parametrize("i", range(2))
def test_probe_accumulator_bits(pl, paper_mdp, rust, i):
    p = rust["probe"][i]
    pol = policy(pl, p["seed"])
    same_bits(pol.params, f64(p["theta0"]), "theta0")
    obj = pl.ExactObjective(paper_mdp, pol, tau=f64(p["tau"]))
    acc = pl.probe(obj, pol.params, f64(p["alpha"]), p["direction_seed"], p["directions"])
    theirs = pl.Accumulator.from_json(p["accumulator"])
    assert theirs.count == acc.count == 50
    assert theirs == acc
    # The same text both ways (serde_json with float_roundtrip).
    assert json.loads(acc.to_json()) == json.loads(p["accumulator"])
