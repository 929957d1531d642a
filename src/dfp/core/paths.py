"""Where the package finds its folders: the one place that knows the checkout's layout.

==================  ===========================================================================
``repo_root()``      the repository root (meaningful only when running from a checkout)
``data_dir()``       the input data folder: ``$DFP_DATA_DIR`` if set, else the checkout's ``data/``
``reference_file``   a cited reference file that ships inside the package (``dfp/reference/``)
``cache_dir()``      where derived caches go: ``$DFP_CACHE_DIR``, the checkout's ``_build/cache``,
                     or ``~/.cache/dfp`` for an installed package
==================  ===========================================================================

The platform's own sample data is the default input. Point the package at another folder with the
environment variable ``DFP_DATA_DIR`` (or the command line's ``--data-dir``, which sets it); the
variable is read when a path is asked for, never at import. A package installed without its
repository (``pip install .``) has no ``data/`` of its own: the own-data commands (``dfp dora``...)
read the files named on their command line and the reference facts shipped in ``dfp/reference/``.

>>> import os
>>> "DFP_DATA_DIR" in os.environ or (repo_root() / "data").resolve() == data_dir().resolve()
True
"""

from __future__ import annotations

import os
from pathlib import Path

from dfp.core.errors import PlaybookError

__all__ = ["DATA_DIR_ENV", "cache_dir", "data_dir", "reference_file", "repo_root"]

DATA_DIR_ENV = "DFP_DATA_DIR"
_CACHE_DIR_ENV = "DFP_CACHE_DIR"


def repo_root() -> Path:
    """The repository root (the folder holding ``data/`` and ``notebooks/``) when run from a checkout."""
    return Path(__file__).resolve().parents[3]


def _in_checkout() -> bool:
    return (repo_root() / "data" / "system.yml").is_file()


def data_dir() -> Path:
    """The input data folder: ``$DFP_DATA_DIR`` when set, otherwise the repository's ``data/``.

    Raises:
        PlaybookError: ``DFP_DATA_DIR`` names no folder, or the package runs outside its repository
            and ``DFP_DATA_DIR`` is not set.
    """
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        p = Path(env).expanduser()
        if not p.is_dir():
            raise PlaybookError(f"{DATA_DIR_ENV} must name a folder; got {env!r}")
        return p
    if not _in_checkout():
        raise PlaybookError(f"no data folder: dfp runs outside its repository ({repo_root()});"
                            f" set {DATA_DIR_ENV} or pass --data-dir")
    return repo_root() / "data"


def reference_file(name: str) -> Path:
    """A cited reference file shipped inside the package, ``dfp/reference/<name>``.

    In the repository each is a symbolic link to its one home in ``data/``; a built wheel carries
    the file itself, so an installed package reads the same facts without the repository.

    Raises:
        PlaybookError: no such reference file.

    >>> reference_file("external_facts.yml").name
    'external_facts.yml'
    """
    p = Path(__file__).resolve().parents[1] / "reference" / name
    if not p.is_file():
        raise PlaybookError(f"reference_file: no reference file {name!r} in {p.parent}")
    return p


def cache_dir() -> Path:
    """Folder for derived caches: ``$DFP_CACHE_DIR``, the checkout's ``_build/cache``, else ``~/.cache/dfp``."""
    env = os.environ.get(_CACHE_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    if _in_checkout():
        return repo_root() / "_build" / "cache"
    return Path.home() / ".cache" / "dfp"
