"""Fixtures shared by the tests; puts this directory on ``sys.path`` so
that they can import ``numpy_ref`` and ``support`` (the tests run with
``--import-mode=importlib`` against the installed package)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import load_reference  # noqa: E402


@pytest.fixture(scope="session")
def exact_cases():
    return load_reference("exact_cases_public.json")


@pytest.fixture(scope="session")
def training():
    return load_reference("training_public.json")


@pytest.fixture(scope="session")
def pl():
    import policy_landscape

    return policy_landscape


@pytest.fixture(scope="session")
def paper_mdp(pl):
    return pl.Mdp.paper()
