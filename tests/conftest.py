"""Shared fixtures: the canonical facts and a scratch copy of data/ for bad-input tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dfp.core.paths import data_dir
from dfp.io.system import System, load_system


@pytest.fixture(scope="session")
def system() -> System:
    return load_system()


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ (so a test can break a file without touching the repository)."""
    dst = tmp_path / "data"
    shutil.copytree(data_dir(), dst)
    return dst
