"""Helpers shared by the tests (imported by name: this directory is on
``sys.path``, see ``conftest.py``): where the reference data is, and
comparisons within a tolerance or bit for bit.

The reference data (``exact_cases_public.json``, ``training_public.json``)
lives beside the repository, in ``../shared/reference`` relative to its
root, or where ``PL_SHARED_REFERENCE`` says; the copies in the
repository's ``tests/data`` (those the Rust tests read) come last. In a git worktree the
repository's root is the worktree; the main checkout (the one whose
``.git`` directory the worktree shares) is tried next. Without the data
the tests that need it are skipped, except under CI (``CI`` set), where
they fail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]  # python/tests -> python -> the repository

REFERENCE_FILES = ("exact_cases_public.json", "training_public.json")


def _main_checkout(repo: Path) -> Path | None:
    """The main checkout of a git worktree (whose `.git` is a file naming
    `<main>/.git/worktrees/<name>`), or None."""
    dot_git = repo / ".git"
    if not dot_git.is_file():
        return None
    try:
        line = dot_git.read_text().strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    gitdir = (repo / line.split(":", 1)[1].strip()).resolve()
    common = gitdir / "commondir"
    try:
        common_dir = (gitdir / common.read_text().strip()).resolve()
    except OSError:
        return None
    return common_dir.parent


def reference_candidates() -> list[Path]:
    env = os.environ.get("PL_SHARED_REFERENCE")
    if env:
        return [Path(env)]
    out = [REPO.parent / "shared" / "reference"]
    main = _main_checkout(REPO)
    if main is not None:
        out.append(main.parent / "shared" / "reference")
    # The copies the Rust tests use (byte-identical to the shared ones).
    out.append(REPO / "tests" / "data")
    return out


def reference_dir() -> Path:
    """The directory holding both reference files; skips the test when
    there is none (fails under CI)."""
    tried = reference_candidates()
    for d in tried:
        if all((d / f).is_file() for f in REFERENCE_FILES):
            return d
    msg = "reference data not found (set PL_SHARED_REFERENCE); tried: " + ", ".join(map(str, tried))
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def load_reference(name: str):
    with open(reference_dir() / name) as f:
        return json.load(f)


def close(actual, expected, rtol=1e-12, atol=0.0, what=""):
    """`|actual - expected| <= rtol |expected| + atol`, elementwise, with a
    message naming the worst entry."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    err = np.abs(a - e)
    bound = rtol * np.abs(e) + atol
    bad = err > bound
    if bad.any():
        i = np.unravel_index(np.argmax(err - bound), a.shape) if a.ndim else ()
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {a.size} entries differ beyond rtol={rtol}, "
            f"atol={atol}; worst at {i}: {a[i]!r} vs {e[i]!r} (error {err[i]:.3e})"
        )


def bits(x) -> np.ndarray:
    """The IEEE bits of a float64 array (or scalar), for exact comparisons."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.float64)).view(np.uint64)


def same_bits(actual, expected, what=""):
    a, e = bits(actual), bits(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    if not np.array_equal(a, e):
        diff = np.flatnonzero(a.reshape(-1) != e.reshape(-1))
        i = diff[0]
        fa = np.asarray(actual, dtype=np.float64).reshape(-1)
        fe = np.asarray(expected, dtype=np.float64).reshape(-1)
        raise AssertionError(
            f"{what}: {diff.size} of {a.size} entries differ in their bits; "
            f"first at flat index {i}: {fa[i]!r} vs {fe[i]!r}"
        )
