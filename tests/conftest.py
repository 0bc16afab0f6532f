"""Shared test setup: seeded generators, hypothesis profile, tolerances by dtype (one place)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def rng() -> torch.Generator:
    """A seeded torch generator (seed 0)."""
    g = torch.Generator()
    g.manual_seed(0)
    return g


@pytest.fixture
def np_rng() -> np.random.Generator:
    """A seeded NumPy generator (seed 0)."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seed_torch():
    torch.manual_seed(0)
    yield


@pytest.fixture
def one_thread():
    """One intra-op torch thread for the test (results do not depend on it; many tiny ops run faster)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def data_dir() -> str:
    """``$HOPFIELD_DATA_DIR`` or ``../shared/data`` beside the project; skip the test if absent."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("HOPFIELD_DATA_DIR") or os.path.join(here, "..", "shared", "data")
    if not os.path.isdir(os.path.join(path, "digit-patterns")):
        pytest.skip("shared data folder not found (set HOPFIELD_DATA_DIR)")
    return path
