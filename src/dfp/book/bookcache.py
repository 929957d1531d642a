"""Prime Jupyter Book's execution cache by executing notebooks in parallel; keep it honest.

Jupyter Book 1.x (myst-nb, ``execute_notebooks: cache``) executes each uncached notebook one after
another while Sphinx reads the sources. On a 2-core machine that makes a clean build take the sum of
all notebooks' run times. ``prime`` executes every uncached notebook listed in ``_toc.yml`` in a
pool of worker processes, the same way myst-nb does (nbclient via jupyter-cache, in the notebook's
folder, errors fatal), and stores the results in the same jupyter-cache database, so the Sphinx build
that follows finds every notebook cached. A notebook whose code has not changed is not re-run.

=============================  ================================================================
``prime(root, cache)``          execute the uncached toc notebooks, one progress line each
``inputs_key(root)``            content hash of what notebooks read: ``data/``, the package, the lock
``refresh_cache(cache, key)``   empty the cache when the inputs changed since it was filled
``kernel_config()``             kernel settings for every execution (encrypted local transport)
``toc_notebooks(root)``         the notebooks ``_toc.yml`` lists
=============================  ================================================================

**Why the execution cache needs a second key.** jupyter-cache keys each notebook on its code cells
only, so a change in ``data/`` or in ``dfp`` would re-execute nothing and the book would keep
publishing the old numbers. The cache folder therefore carries a stamp, ``dfp-inputs.key``: the
SHA-256 of every file under ``data/``, the imported ``dfp`` package, ``requirements.lock`` and the
few other things notebooks read (decision records, other pages' ``parameters`` cells, page names;
see :func:`inputs_key`). When the stamp differs from the current inputs the whole cache is emptied
before anything reads it (coarse, but hashing takes a fraction of a second and cannot miss a
dependency inside those inputs). ``prime`` checks it, and so does the Sphinx extension (:mod:`dfp.book.sphinxext`), so a
plain ``jupyter-book build`` is just as honest.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from sqlalchemy.exc import DatabaseError
from traitlets.config import Config

import dfp
from dfp.core.errors import PlaybookError
from dfp.io.cache import content_key

__all__ = ["STAMP", "inputs_key", "kernel_config", "prime", "refresh_cache", "toc_notebooks"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: File in the execution cache folder holding the inputs key its outputs were computed from.
STAMP = "dfp-inputs.key"


def _print(line: str) -> None:
    print(line, flush=True)


def kernel_config() -> Config:
    """Settings for the kernels the book starts (``config=`` of ``nbclient.NotebookClient``).

    jupyter_client starts kernels over local TCP without transport encryption by default, and
    ipykernel then logs "Kernel is running over TCP without encryption" to the console once per
    notebook. The kernelspec declares CurveZMQ support, so the manager provisions keys instead
    (``transport_encryption = "auto"``): the cause is gone, no warning is filtered.
    """
    return Config({"KernelManager": {"transport_encryption": "auto"}})


def _parameter_cells(root: Path) -> str:
    """The ``parameters`` cells of every notebook (the scorecard reads other pages' defaults)."""
    out = []
    for nb_path in sorted((root / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb_path.parts:
            continue
        nb = json.loads(nb_path.read_text(encoding="utf-8"))  # no nbformat validation: this runs every build
        cells = ["".join(c.get("source", "")) for c in nb.get("cells", [])
                 if "parameters" in c.get("metadata", {}).get("tags", [])]
        out.append(f"{nb_path.relative_to(root).as_posix()}\n" + "\n".join(cells))
    return "\n\n".join(out)


def _page_names(root: Path) -> str:
    """The names of every page under ``book/`` and ``notebooks/`` (the story links postmortems by name)."""
    return "\n".join(sorted(p.relative_to(root).as_posix() for d in ("book", "notebooks") if (root / d).is_dir()
                             for p in (root / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts
                             and ".ipynb_checkpoints" not in p.parts))


def inputs_key(root: Path) -> str:
    """Content hash of everything a notebook reads besides its own code (20 hex digits).

    ``root/data`` (every file), the ``dfp`` package actually imported (so a non-editable install
    counts too), ``root/requirements.lock`` (library versions), the decision records (the ADR index
    and the story read their front matter), every notebook's ``parameters`` cell (the scorecard uses
    each page's defaults) and the names of the pages (the story finds postmortems by name).
    """
    return content_key(root / "data", Path(dfp.__file__).parent, root / "requirements.lock",
                       root / "book" / "01-architecture" / "decision-records", _parameter_cells(root),
                       _page_names(root))


def refresh_cache(cache_path: Path, key: str) -> bool:
    """Empty the jupyter-cache at ``cache_path`` unless it was filled from inputs with this ``key``.

    Returns True when the cache was emptied (or did not exist), False when it is current. The new
    key is written at once: every notebook cached from then on is executed against these inputs.
    """
    stamp = cache_path / STAMP
    try:
        if stamp.read_text(encoding="utf-8").strip() == key:
            return False
    except OSError:
        pass
    shutil.rmtree(cache_path, ignore_errors=True)
    cache_path.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key + "\n", encoding="utf-8")
    return True


def toc_notebooks(root: Path) -> list[Path]:
    """The notebooks (``.ipynb``) that ``_toc.yml`` lists (its ``root`` and every ``file``), in toc order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[Path] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for f in (node.get("root"), node.get("file")):
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
    path = Path(path_str)
    nb = nbformat.read(str(path), as_version=4)
    result = single_nb_execution(nb, cwd=str(path.parent), timeout=timeout_s, allow_errors=False, meta_override=True,
                                 config=kernel_config())
    err = None if result.err is None else _error_line(result.err)
    return path_str, nbformat.writes(result.nb), float(result.time), err


def _error_line(exc: BaseException) -> str:
    """``Name: message`` of a failed execution (a cell's exception, not the whole coloured traceback)."""
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = getattr(exc, "evalue", None)
    text = _ANSI.sub("", str(exc) if value is None else str(value)).strip()
    return f"{name}: {text}"


def _store(cache_path: Path, key: str, cache: object, bundle: CacheBundleIn, echo: Callable[[str], None]) -> object:
    """Store one executed notebook; a cache folder deleted meanwhile is recreated, not a traceback."""
    for attempt in (1, 2):
        try:
            if not cache_path.is_dir():
                raise FileNotFoundError(cache_path)
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)  # type: ignore[attr-defined]
            return cache
        except (DatabaseError, sqlite3.DatabaseError, FileNotFoundError, RuntimeError) as exc:
            # jupyter-cache reports a database error as RuntimeError("... may need to be cleared")
            if attempt == 2 or (isinstance(exc, RuntimeError) and not isinstance(exc.__cause__, DatabaseError)):
                raise
            echo(f"   the execution cache at {cache_path} vanished; recreating it")
            refresh_cache(cache_path, key)
            cache = get_cache(str(cache_path))
    return cache  # pragma: no cover - the loop returns or raises


def _uncached(cache_path: Path, notebooks: list[Path]) -> tuple[object, list[Path]]:
    cache = get_cache(str(cache_path))
    todo: list[Path] = []
    for nb_path in notebooks:
        nb = nbformat.read(str(nb_path), as_version=4)
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(nb_path)
    return cache, todo


def prime(root: Path, cache_path: Path, workers: int = 2, timeout_s: int = 120,
          echo: Callable[[str], None] = _print) -> dict[str, float]:
    """Execute the uncached toc notebooks in parallel and store them in the jupyter-cache at ``cache_path``.

    First empties the cache if what the notebooks read changed since it was filled (:func:`inputs_key`,
    :func:`refresh_cache`); a cache that cannot be read (damaged, half-deleted) is emptied too.
    Prints (through ``echo``) what it does: how many notebooks need executing, one line per notebook
    as it finishes (``[i/n]``, seconds, path), and the wall-clock total.

    Returns:
        ``{notebook path relative to root: execution seconds}`` for the notebooks executed now, plus
        ``"(wall clock)"`` when any ran.

    Raises:
        PlaybookError: a notebook failed to execute (the message names it and the error).
    """
    key = inputs_key(root)
    if refresh_cache(cache_path, key):
        echo("== execution cache: what the notebooks read changed (data/, the dfp package, ...) or there is "
             "no cache yet; every notebook runs")
    notebooks = toc_notebooks(root)
    try:
        cache, todo = _uncached(cache_path, notebooks)
    except (DatabaseError, sqlite3.DatabaseError, RuntimeError):
        echo(f"== the execution cache at {cache_path} cannot be read; emptying it, every notebook runs")
        shutil.rmtree(cache_path, ignore_errors=True)
        refresh_cache(cache_path, key)
        cache, todo = _uncached(cache_path, notebooks)
    done: dict[str, float] = {}
    if not todo:
        echo(f"== execution cache: all {len(notebooks)} notebooks current")
        return done
    n_workers = max(1, min(workers, len(todo)))
    echo(f"== executing {len(todo)} of {len(notebooks)} notebooks on {n_workers} worker(s)")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=n_workers) as pool:
        futures = [pool.submit(_execute, str(p), timeout_s) for p in todo]
        for i, fut in enumerate(as_completed(futures), 1):
            path_str, text, seconds, err = fut.result()
            rel = str(Path(path_str).relative_to(root))
            if err is not None:
                for f in futures:
                    f.cancel()
                raise PlaybookError(f"{rel} failed to execute: {err}")
            bundle = CacheBundleIn(nbformat.reads(text, as_version=4), uri=path_str,
                                   data={"execution_seconds": seconds})
            cache = _store(cache_path, key, cache, bundle, echo)
            done[rel] = seconds
            echo(f"   [{i:>{len(str(len(todo)))}}/{len(todo)}] {seconds:6.1f} s  {rel}")
    done["(wall clock)"] = time.perf_counter() - t0
    echo(f"   executed {len(todo)} notebooks in {done['(wall clock)']:.1f} s")
    return done
