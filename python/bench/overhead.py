"""Per-call cost of the Python bindings on the paper's world (108
parameters), with ``timeit``: best and median over repeats, per call.

(a) ``_core._noop()``: the floor of any call through the bindings;
(b) ``objective_exact``: J_tau only;
(c) ``evaluate_exact`` and reading ``.gradient``;
(d) the same evaluation and gradient in numpy (``tests/numpy_ref.py``:
    dense P_pi, two ``np.linalg.solve``), the speed-up is (d) / (c);
(e) the Rust-only time of the same evaluation, from criterion's estimates
    of ``cargo bench -p policy-landscape-benches --bench exact`` (groups
    ``exact_j`` and ``exact_gradient``, ``f64_tau0.1``: the fixed-size
    ``ExactWorkspace``, seed-0 policy, tau = 0.1), when they exist under
    ``<target>/criterion`` (``CARGO_TARGET_DIR`` or the repository's
    ``target``); else skipped. The binding overhead is (b) - (e) and
    (c) - (e). Note the bindings evaluate on the sparse evaluator (same
    bits for the paper's world), the bench on the fixed-size one.

Usage: ``python bench/overhead.py [--quick]`` (``--quick``: few repeats,
well under 10 s, for CI).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import timeit
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "tests"))

import numpy_ref  # noqa: E402
import policy_landscape as pl  # noqa: E402
from policy_landscape import _core  # noqa: E402

TAU = 0.1


def measure(stmt, number: int, repeat: int) -> tuple[float, float]:
    """(best, median) seconds per call."""
    times = timeit.repeat(stmt, number=number, repeat=repeat)
    per = [t / number for t in times]
    return min(per), statistics.median(per)


def criterion_estimate(group: str, name: str) -> float | None:
    """Criterion's median estimate (seconds) of `group/name`, if stored."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    path = target / "criterion" / group / name / "new" / "estimates.json"
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"] * 1e-9
    except (OSError, KeyError, ValueError):
        return None


def fmt(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:8.1f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.2f} us"
    return f"{seconds * 1e3:8.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few repeats (CI)")
    args = ap.parse_args()
    repeat = 5 if args.quick else 15
    scale = 0.1 if args.quick else 1.0

    mdp = pl.Mdp.paper()
    pol = pl.Softmax.for_mdp(mdp)
    pol.init_like_torch(0)
    assert pol.num_params == 108
    p, r, p0, gamma, theta = mdp.dense_transitions(), mdp.rewards, mdp.start, mdp.gamma, pol.params

    # The four compute the same thing (checked, not timed).
    ev = pl.evaluate_exact(mdp, pol, TAU)
    ref = numpy_ref.evaluate(p, r, p0, gamma, theta, TAU)
    assert abs(ev.j_tau - ref.J_tau) <= 1e-12 * abs(ref.J_tau)
    assert np.max(np.abs(ev.gradient - ref.gradient)) <= 1e-12
    assert pl.objective_exact(mdp, pol, TAU) == ev.j_tau

    noop = _core._noop
    obj = pl.objective_exact
    evaluate = pl.evaluate_exact
    rows = [
        ("(a) _core._noop()", lambda: noop(), int(200_000 * scale)),
        ("(b) objective_exact", lambda: obj(mdp, pol, TAU), int(20_000 * scale)),
        ("(c) evaluate_exact + .gradient", lambda: evaluate(mdp, pol, TAU).gradient, int(10_000 * scale)),
        (
            "(d) numpy_ref evaluate + gradient",
            lambda: numpy_ref.evaluate(p, r, p0, gamma, theta, TAU).gradient,
            max(20, int(500 * scale)),
        ),
    ]
    print(f"paper world: {mdp.states} states, {mdp.actions} actions, {pol.num_params} parameters, tau = {TAU}")
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {repeat} repeats{' (quick)' if args.quick else ''}")
    print(f"{'':36s} {'best':>11s} {'median':>11s}")
    res = {}
    for name, stmt, number in rows:
        best, med = measure(stmt, number, repeat)
        res[name[:3]] = (best, med)
        print(f"{name:36s} {fmt(best)} {fmt(med)}")
    rust_j = criterion_estimate("exact_j", "f64_tau0.1")
    rust_g = criterion_estimate("exact_gradient", "f64_tau0.1")
    if rust_j is not None and rust_g is not None:
        print(f"{'(e) Rust only, J_tau (criterion)':36s} {'':11s} {fmt(rust_j)}")
        print(f"{'(e) Rust only, evaluate + gradient':36s} {'':11s} {fmt(rust_g)}")
    else:
        print("(e) Rust only: skipped (no criterion estimates; run "
              "cargo bench -p policy-landscape-benches --bench exact)")
    b, c, d = res["(b)"][1], res["(c)"][1], res["(d)"][1]
    print()
    print(f"call floor (noop):                 {fmt(res['(a)'][1])}")
    if rust_j is not None and rust_g is not None:
        # Signed: the bindings run the sparse evaluator, the bench the
        # fixed-size one, so this is the overhead only up to the difference
        # between the two evaluators (and criterion's own noise).
        for what, mine, theirs in (("objective_exact", b, rust_j), ("evaluate+grad", c, rust_g)):
            diff = mine - theirs
            sign = "-" if diff < 0 else " "
            print(f"minus Rust (fixed-size), {what + ':':16s} {sign}{fmt(abs(diff)).strip():>10s} ({diff / mine:+.0%} of the call)")
    print(f"speed-up over numpy (medians):     {d / c:6.1f}x (evaluate + gradient), {d / b:6.1f}x (vs objective_exact)")


if __name__ == "__main__":
    main()
