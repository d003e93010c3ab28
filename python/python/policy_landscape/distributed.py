"""The Ray layer: probes and experiment grids split into shards that run as
Ray tasks, with the same bits as one process.

Install with ``pip install 'policy-landscape[ray]'``; this module imports
without Ray, and its functions raise :class:`ImportError` when Ray is
missing.

**Which cluster.** Every function uses the Ray cluster this process is
connected to. When none is (``ray.is_initialized()`` is false) it calls
``ray.init()`` with no address, which connects to the cluster named by the
``RAY_ADDRESS`` environment variable if set, and otherwise starts a local
one on this machine. To use an existing cluster, either set
``RAY_ADDRESS`` (for example ``RAY_ADDRESS=auto`` on one of its nodes, or
``ray://head:10001``) or call ``ray.init(address="auto")`` yourself before
calling these functions; the code does not change. The cluster's workers
need ``policy_landscape`` installed (the same version), for example through
``runtime_env={"pip": [...]}``. A cluster with Ray's token
authentication (on by default for a local ``ray.init()`` in Ray 2.60) also
needs its token on the connecting side: ``RAY_AUTH_MODE=token`` with
``~/.ray/auth_token`` or ``RAY_AUTH_TOKEN``.

**Same bits.** A probe is split into contiguous ranges of direction
indices. Each task returns its *pairs* ``D±`` (and their standard errors),
evaluated against the base value the driver computed once; the driver
replays them in index order into the accumulator of
:func:`policy_landscape.start`, which is exactly what
:func:`policy_landscape.probe` does in one process, so the result is equal
bit for bit (``==`` compares the whole serialized state) whatever the
number of shards or workers. A grid is split into (cell, seed range)
shards; its runs are independent, so putting the results back in place
is exact.

Objectives go to the workers by pickling (Ray's cloudpickle): the
library's objectives (:class:`policy_landscape.ExactObjective`, ...) and
any picklable callable ``f(theta) -> float | (value, std_error)``, lambdas
and closures included.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = [
    "connect",
    "cluster_cpus",
    "shard_ranges",
    "map_shards",
    "probe",
    "sweep",
]

_PAIR_KEYS = ("index", "d_plus", "d_minus", "se_plus", "se_minus")


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "policy_landscape.distributed needs Ray: pip install 'policy-landscape[ray]'"
        ) from e
    return ray


def connect(**init_kwargs: Any) -> Any:
    """Returns the ``ray`` module, connected: calls ``ray.init(**init_kwargs)``
    unless this process is connected already (then ``init_kwargs`` are
    ignored). Without arguments that is ``RAY_ADDRESS``'s cluster, or a new
    local one.

    >>> ray = connect()                      # doctest: +SKIP
    >>> ray = connect(address="auto")        # an existing cluster  # doctest: +SKIP
    """
    ray = _ray()
    if not ray.is_initialized():
        ray.init(**init_kwargs)
    return ray


def cluster_cpus() -> int:
    """The CPUs of the connected cluster (connecting as :func:`connect`), at
    least 1.

    >>> cluster_cpus()                       # doctest: +SKIP
    2
    """
    ray = connect()
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _default_shards(num_cpus_per_task: float) -> int:
    return 4 * max(1, int(cluster_cpus() // max(num_cpus_per_task, 1e-9)))


def shard_ranges(count: int, shards: int, start: int = 0) -> List[Tuple[int, int]]:
    """``count`` indices from ``start`` split into at most ``shards``
    contiguous, non-empty ``(begin, end)`` ranges of sizes differing by at
    most one, in order.

    >>> shard_ranges(10, 3)
    [(0, 4), (4, 7), (7, 10)]
    >>> shard_ranges(2, 8, start=5)
    [(5, 6), (6, 7)]
    """
    if count < 0 or shards < 1:
        raise ValueError(f"need count >= 0 and shards >= 1, found {count} and {shards}")
    shards = min(shards, count)
    out = []
    begin = start
    for k in range(shards):
        size = count // shards + (1 if k < count % shards else 0)
        out.append((begin, begin + size))
        begin += size
    return out


def map_shards(
    fn: Callable[..., Any],
    args: Iterable[Sequence[Any]],
    *,
    num_cpus_per_task: float = 1,
) -> List[Any]:
    """Runs ``fn(*a)`` for every ``a`` in ``args`` as Ray tasks of
    ``num_cpus_per_task`` CPUs and returns the results in the order of
    ``args``. Arguments that are ``ray.ObjectRef`` are passed as their
    values (``ray.put`` big shared arguments once). When a task raises,
    the others are cancelled and the error (a ``ray.exceptions.RayTaskError``
    that is also an instance of the original exception's class, with its
    message and remote traceback) is raised here.

    >>> map_shards(lambda a, b: a ** b, [(2, 3), (3, 2)])   # doctest: +SKIP
    [8, 9]
    """
    ray = connect()
    task = ray.remote(num_cpus=num_cpus_per_task)(fn)
    refs = [task.remote(*a) for a in args]
    try:
        return ray.get(refs)
    except BaseException:
        for r in refs:
            try:
                ray.cancel(r)
            except Exception:  # pragma: no cover - best effort
                pass
        raise


# Tasks. Module-level functions, so workers import them from the installed
# package instead of receiving their code.


def _probe_shard(objective, theta0, alpha, seed, begin, end, base, base_error):
    return _core.probe_pairs(objective, theta0, alpha, seed, begin, end, base, base_error=base_error)


def _probe_shard_accumulator(objective, theta0, seed, begin, end, empty, keep_pairs):
    pairs = _core.probe_pairs(
        objective, theta0, empty.alpha, seed, begin, end, empty.base, base_error=empty.base_error
    )
    acc = empty.copy()
    acc.push_pairs(pairs["d_plus"], pairs["d_minus"], pairs["se_plus"], pairs["se_minus"])
    return acc, (pairs if keep_pairs else None)


def _sweep_shard(mdp, seeds, tau, decay, threshold, updates, step_size, bias, mix):
    out = _core.sweep(
        mdp, seeds, [tau], [decay], threshold=threshold, updates=updates,
        step_size=step_size, bias=bias, mix=mix, threads=1,
    )
    return out["final_j_true"][0], out["sub_optimal"][0]


def _concat_pairs(parts: Sequence[dict]) -> dict:
    if not parts:
        return {
            "index": np.zeros(0, dtype=np.uint64),
            **{k: np.zeros(0, dtype=np.float64) for k in _PAIR_KEYS[1:]},
        }
    return {k: np.concatenate([p[k] for p in parts]) for k in _PAIR_KEYS}


def probe(
    objective: Any,
    theta0: Any,
    alpha: float,
    seed: int,
    directions: int,
    *,
    start: int = 0,
    shards: Optional[int] = None,
    mode: str = "pairs",
    k_sigma: float = 2.0,
    rel_floor: Optional[float] = None,
    num_cpus_per_task: float = 1,
    pairs: bool = False,
) -> Union[_core.Accumulator, Tuple[_core.Accumulator, dict]]:
    """:func:`policy_landscape.probe` on Ray: directions
    ``start..start + directions`` of ``seed`` around ``theta0`` with step
    ``alpha``, in ``shards`` contiguous index ranges (default 4 per
    cluster CPU, at most ``directions``), one task of
    ``num_cpus_per_task`` CPUs each. ``O(θ0)`` is evaluated once, here;
    ``objective`` and ``theta0`` go to the object store once.

    ``mode="pairs"`` (default): the tasks ship their pairs and they are
    replayed in index order, so the accumulator is *bit for bit* the
    single-process one. ``mode="accumulators"``: each task replays its own
    pairs into a copy of the empty accumulator and the driver merges them in
    shard order; counts, cases, minima, maxima and the histogram are exact,
    the moments (means, variances, ``‖∇O‖²``, ``tr H``) equal only to
    rounding (last bits), the P² quantiles and the footnote-5 pick only
    approximately. It ships less when there are very many directions.

    With ``pairs=True`` returns ``(accumulator, pairs)``, ``pairs`` the dict
    of arrays of ``policy_landscape.probe(..., pairs=True)`` (equal bit for
    bit). An exception in a task is raised here (see :func:`map_shards`).

    >>> import policy_landscape as pl
    >>> from policy_landscape import distributed
    >>> toy = lambda t: -(1.0 - t[0] * t[1]) ** 2      # Fig. 1's saddle
    >>> acc = distributed.probe(toy, [0.0, 0.0], 0.5, seed=1, directions=1000)  # doctest: +SKIP
    >>> acc.verdict().kind, acc == pl.probe(toy, [0.0, 0.0], 0.5, 1, 1000)      # doctest: +SKIP
    ('Saddle', True)
    """
    if mode not in ("pairs", "accumulators"):
        raise ValueError(f"mode must be 'pairs' or 'accumulators', found {mode!r}")
    directions = int(directions)
    start = int(start)
    if directions < 0 or start < 0 or start + directions > 2**64 - 1:
        raise ValueError(f"need 0 <= start, 0 <= directions, start + directions < 2**64; found {start}, {directions}")
    ray = connect()
    theta0 = np.ascontiguousarray(theta0, dtype=np.float64)
    acc = _core.start(objective, theta0, alpha, k_sigma=k_sigma, rel_floor=rel_floor)
    if shards is None:
        shards = _default_shards(num_cpus_per_task)
    ranges = shard_ranges(directions, int(shards), start)
    if not ranges:
        return (acc, _concat_pairs([])) if pairs else acc
    obj_ref = ray.put(objective)
    theta_ref = ray.put(theta0)
    if mode == "pairs":
        parts = map_shards(
            _probe_shard,
            [(obj_ref, theta_ref, alpha, seed, b, e, acc.base, acc.base_error) for b, e in ranges],
            num_cpus_per_task=num_cpus_per_task,
        )
        shipped = _concat_pairs(parts)
        expected = np.arange(directions, dtype=np.uint64) + np.uint64(start)
        if not np.array_equal(shipped["index"], expected):  # pragma: no cover - a broken shard
            raise RuntimeError("the shards did not return every direction in order")
        acc.push_pairs(shipped["d_plus"], shipped["d_minus"], shipped["se_plus"], shipped["se_minus"])
    else:
        empty_ref = ray.put(acc)
        results = map_shards(
            _probe_shard_accumulator,
            [(obj_ref, theta_ref, seed, b, e, empty_ref, pairs) for b, e in ranges],
            num_cpus_per_task=num_cpus_per_task,
        )
        for shard_acc, _ in results:
            acc.merge(shard_acc)
        shipped = _concat_pairs([p for _, p in results]) if pairs else None
    return (acc, shipped) if pairs else acc


def sweep(
    mdp: _core.Mdp,
    seeds: Sequence[int],
    taus: Sequence[float],
    decays: Sequence[float],
    *,
    threshold: float,
    updates: int = 1500,
    step_size: float = 0.1,
    bias: bool = True,
    mix: float = 0.0,
    shards: Optional[int] = None,
    num_cpus_per_task: float = 1,
) -> dict:
    """:func:`policy_landscape.sweep` (the §3.1 grid) on Ray: the
    ``(tau0, decay)`` cells x ``seeds`` runs split into about ``shards``
    tasks (default 4 per cluster CPU), each a cell and a contiguous range of
    seeds run by ``policy_landscape.sweep(..., threads=1)``, and put back
    in place. Returns the same dict, equal bit for bit (the runs are
    independent and deterministic).

    >>> import policy_landscape as pl
    >>> from policy_landscape import distributed
    >>> m = pl.Mdp.paper()
    >>> out = distributed.sweep(m, range(20), [0.0, 0.5], [1.0, 0.99], threshold=4.4)  # doctest: +SKIP
    >>> out["fraction"]                                                                # doctest: +SKIP
    """
    seeds = [int(s) for s in seeds]
    taus = [float(t) for t in taus]
    decays = [float(d) for d in decays]
    cells = [(t, d) for t in taus for d in decays]
    kwargs = dict(threshold=threshold, updates=updates, step_size=step_size, bias=bias, mix=mix)
    # Checks the parameters here rather than in every task.
    for t, d in cells:
        _core.TrainConfig(step_size, updates, tau=t, tau_decay=d)
    if not cells or not seeds:
        return _core.sweep(mdp, seeds, taus, decays, threads=1, **kwargs)
    ray = connect()
    if shards is None:
        shards = _default_shards(num_cpus_per_task)
    per_cell = max(1, math.ceil(int(shards) / len(cells)))
    chunks = shard_ranges(len(seeds), per_cell)
    jobs = [(c, b, e) for c in range(len(cells)) for b, e in chunks]
    mdp_ref = ray.put(mdp)
    results = map_shards(
        _sweep_shard,
        [
            (mdp_ref, seeds[b:e], cells[c][0], cells[c][1], threshold, updates, step_size, bias, mix)
            for c, b, e in jobs
        ],
        num_cpus_per_task=num_cpus_per_task,
    )
    k = len(seeds)
    finals = np.empty((len(cells), k), dtype=np.float64)
    sub = np.empty((len(cells), k), dtype=bool)
    for (c, b, e), (f, s) in zip(jobs, results):
        finals[c, b:e] = f
        sub[c, b:e] = s
    # As the in-process sweep: a count over k, one correctly rounded division.
    fraction = np.count_nonzero(sub, axis=1).astype(np.float64) / float(k)
    return {
        "taus": taus,
        "decays": decays,
        "seeds": seeds,
        "final_j_true": finals,
        "sub_optimal": sub,
        "fraction": fraction,
    }
