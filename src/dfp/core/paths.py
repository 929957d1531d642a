"""Where the repository's folders are: the one place that knows the checkout's layout.

>>> (repo_root() / "data").resolve() == data_dir().resolve()
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "repo_root"]


def repo_root() -> Path:
    """The repository root (the folder holding ``data/`` and ``notebooks/``)."""
    return Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """The repository's ``data/`` folder."""
    return repo_root() / "data"
