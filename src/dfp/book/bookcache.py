"""Prime Jupyter Book's execution cache by executing notebooks in parallel.

Jupyter Book 1.x (myst-nb, ``execute_notebooks: cache``) executes each uncached notebook one after
another while Sphinx reads the sources. On a 2-core machine that makes a clean build take the sum of
all notebooks' run times. ``prime`` executes every uncached notebook listed in ``_toc.yml`` in a
pool of worker processes, the same way myst-nb does (nbclient via jupyter-cache, in the notebook's
folder, errors fatal), and stores the results in the same jupyter-cache database, so the Sphinx build
that follows finds every notebook cached. A notebook whose code has not changed is not re-run.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml

from dfp.core.errors import PlaybookError

__all__ = ["prime", "toc_notebooks"]


def toc_notebooks(root: Path) -> list[Path]:
    """The notebooks (``.ipynb``) that ``_toc.yml`` lists, in toc order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[Path] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and (root / f"{f}.ipynb").is_file():
                found.append(root / f"{f}.ipynb")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return found


def _execute(path_str: str, timeout_s: int) -> tuple[str, str, float, str | None]:
    from jupyter_cache.executors.utils import single_nb_execution

    path = Path(path_str)
    nb = nbformat.read(str(path), as_version=4)
    result = single_nb_execution(nb, cwd=str(path.parent), timeout=timeout_s, allow_errors=False, meta_override=True)
    err = None if result.err is None else f"{type(result.err).__name__}: {result.err}"
    return path_str, nbformat.writes(result.nb), float(result.time), err


def prime(root: Path, cache_path: Path, workers: int = 2, timeout_s: int = 120) -> dict[str, float]:
    """Execute the uncached toc notebooks in parallel and store them in the jupyter-cache at ``cache_path``.

    Returns:
        ``{notebook path relative to root: execution seconds}`` for the notebooks executed now.

    Raises:
        PlaybookError: a notebook failed to execute (the message names it and the error).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path))
    todo: list[Path] = []
    for nb_path in toc_notebooks(root):
        nb = nbformat.read(str(nb_path), as_version=4)
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(nb_path)
    done: dict[str, float] = {}
    if not todo:
        return done
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(_execute, [str(p) for p in todo], [timeout_s] * len(todo)))
    for path_str, text, seconds, err in results:
        rel = str(Path(path_str).relative_to(root))
        if err is not None:
            raise PlaybookError(f"{rel} failed to execute: {err}")
        cache.cache_notebook_bundle(
            CacheBundleIn(nbformat.reads(text, as_version=4), uri=path_str, data={"execution_seconds": seconds}),
            check_validity=False,
            overwrite=True,
        )
        done[rel] = seconds
    done["(wall clock)"] = time.perf_counter() - t0
    return done
