"""The random stream of each generated dataset: one seed, one independent stream per dataset."""

from __future__ import annotations

import zlib

import numpy as np

from dfp.io.system import System

__all__ = ["rng_for"]


def rng_for(system: System, dataset: str) -> np.random.Generator:
    """The random stream of one dataset: seeded by ``sample_data.seed`` and the dataset's name."""
    seed = int(system.sample["seed"])
    return np.random.default_rng([seed, zlib.crc32(dataset.encode("utf-8"))])
