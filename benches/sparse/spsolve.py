#!/usr/bin/env python3
"""SuperLU anchor for the sparse exact evaluation: times scipy on the
gridworld resolvent M = I - gamma P_pi that the crate's sparse solver
factors.

For square gridworlds of k x k cells (k = 10, 32, 100, 316: about 1e2, 1e3,
1e4 and 1e5 states) with exactly the crate's semantics (src/mdp/gridworld.rs,
DESIGN.md): cell (row, col) is state k*row + col, actions LEFT=0 RIGHT=1
UP=2 DOWN=3, a move into the wall stays put, the chosen move happens with
probability p_success and the rest is split evenly over the other feasible
moves, a reward cell pays its reward for any action and moves to one extra
absorbing state (the last index, which loops to itself), start state 0.
As in the paper's world: reward 5.0 at (0, k-1), 0.9 * 5.0 = 4.5 at
(k-1, 0), p_success = 1 (deterministic moves), gamma = 0.99. The policy is
uniform (pi(a|s) = 1/4 everywhere, the absorbing state included).

For each size it times, with time.perf_counter over several repeats:

  (a) scipy.sparse.linalg.spsolve(M, r): SuperLU with its default COLAMD
      column ordering, for V;
  (b) scipy.sparse.linalg.splu(M), then two solves, V from M V = r and d
      from M^T d = p0: the work the crate does for J and the gradient.

and prints one JSON line per size: n, nnz(M), min and median seconds of
(a) and (b), the peak resident set size so far (ru_maxrss, KiB; after the
largest size it is the peak of the largest run), and J = p0 . V with 17
significant digits (plus d . r, the same J through d, and the residual
max |M V - r|) for the Rust side to cross-check.

Setup (numpy and scipy in a virtual environment):

    python3 -m venv /work/py/venv
    /work/py/venv/bin/pip install numpy scipy

Run:

    /work/py/venv/bin/python benches/sparse/spsolve.py
    /work/py/venv/bin/python benches/sparse/spsolve.py --sizes 10,32 --repeats 3 --json out.jsonl
"""

import argparse
import json
import platform
import resource
import statistics
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla

LEFT, RIGHT, UP, DOWN = 0, 1, 2, 3
GAMMA = 0.99


def gridworld_resolvent(k, p_success=1.0, gamma=GAMMA):
    """M = I - gamma P_pi (CSC), r_pi and p0 for the k x k two-corner
    gridworld under the uniform policy.

    Entries are accumulated as the crate does: M[s, s'] -= (gamma pi(a|s))
    P[s][a][s'] over the actions, P[s][a][.] built as p_success on the
    chosen move's target plus (1 - p_success) / (number of other feasible
    moves) on each of those; exact zeros are not stored.
    """
    cells = k * k
    n = cells + 1
    absorbing = cells
    s = np.arange(cells)
    row, col = s // k, s % k
    # The neighbour reached by each move, and whether the move is feasible.
    feasible = np.stack([col > 0, col + 1 < k, row > 0, row + 1 < k])
    target = np.stack([s - 1, s + 1, s - k, s + k])
    target = np.where(feasible, target, s)
    terminal = np.zeros(cells, dtype=bool)
    reward = np.zeros(n)
    for (r, c, value) in ((0, k - 1, 5.0), (k - 1, 0, 0.9 * 5.0)):
        terminal[k * r + c] = True
        reward[k * r + c] = value

    w = gamma * 0.25  # gamma pi(a|s), the uniform policy
    p_fail = 1.0 - p_success
    n_feasible = feasible.sum(axis=0)
    rows, cols, vals = [], [], []

    def add(src, dst, p):
        keep = p != 0.0
        rows.append(src[keep])
        cols.append(dst[keep])
        vals.append(-(w * p[keep]))

    live = ~terminal
    for a in range(4):
        # The chosen move (into the wall: stay).
        add(s[live], target[a][live], np.full(live.sum(), p_success))
        others = (n_feasible - feasible[a])[live]
        # No other feasible move (a 1 x 1 grid): the failure stays put.
        add(s[live], s[live], np.where(others == 0, p_fail, 0.0))
        share = np.where(others > 0, p_fail / np.maximum(others, 1), 0.0)
        for b in range(4):
            if b == a:
                continue
            ok = feasible[b][live]
            add(s[live][ok], target[b][live][ok], share[ok])
        # Reward cells go to the absorbing state, which stays.
        add(s[terminal], np.full(terminal.sum(), absorbing), np.ones(terminal.sum()))
    add(np.array([absorbing] * 4), np.array([absorbing] * 4), np.ones(4))
    rows.append(np.arange(n))
    cols.append(np.arange(n))
    vals.append(np.ones(n))
    m = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    ).tocsc()
    m.sum_duplicates()
    m.eliminate_zeros()
    p0 = np.zeros(n)
    p0[0] = 1.0
    return m, reward, p0


def timed(f, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10,32,100,316", help="grid sides k, comma-separated")
    ap.add_argument("--repeats", type=int, default=7, help="timed repeats per size")
    ap.add_argument("--json", help="also write the JSON lines to this file")
    ap.add_argument("--p-success", type=float, default=1.0,
                    help="probability that the chosen move happens (the paper's world: 1)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    out = open(args.json, "w") if args.json else None
    for k in sorted(sizes):
        m, r, p0 = gridworld_resolvent(k, args.p_success)
        n = m.shape[0]
        # SuperLU even where scikit-umfpack is installed (spsolve would pick
        # UMFPACK), with its default column ordering spelled out.
        a_min, a_med, v_a = timed(
            lambda: spla.spsolve(m, r, permc_spec="COLAMD", use_umfpack=False), args.repeats
        )

        def factor_and_two_solves():
            lu = spla.splu(m, permc_spec="COLAMD")
            return lu.solve(r), lu.solve(p0, trans="T")

        b_min, b_med, (v, d) = timed(factor_and_two_solves, args.repeats)
        j = float(p0 @ v)
        line = json.dumps({
            "k": k,
            "n": n,
            "nnz": int(m.nnz),
            "spsolve_min_s": a_min,
            "spsolve_median_s": a_med,
            "splu_2solves_min_s": b_min,
            "splu_2solves_median_s": b_med,
            "repeats": args.repeats,
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "residual": float(np.max(np.abs(m @ v - r))),
            "spsolve_vs_splu": float(np.max(np.abs(v_a - v))),
            "scipy": scipy.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        })
        # J with 17 significant digits (JSON numbers), and J again through d.
        line = line[:-1] + ', "J": %.17g, "J_via_d": %.17g}' % (j, float(d @ r))
        print(line, flush=True)
        if out:
            out.write(line + "\n")
    if out:
        out.close()


if __name__ == "__main__":
    main()
