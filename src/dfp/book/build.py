"""Building the book (``./run book``, ``dfp book``): one build at a time, progress on the console.

==========================  ==================================================================
``build_book(root)``         the whole build, in the phases below; returns the site's index.html
``build_lock(folder)``       the build lock: a second build waits and says so
``output_root(root)``        where ``_build/`` goes: ``$DFP_BOOK_OUTPUT`` or the checkout
``sources_key(root)``        content hash of every source of the site (decides a clean HTML build)
==========================  ==================================================================

**Phases.** Take the lock; clean the HTML when any source changed since the last successful build
(Sphinx does not re-read unchanged pages, so a stale success could hide a warning, and a page that
glues a number from a changed notebook would not be re-read); execute the uncached notebooks on all
cores with :func:`dfp.book.bookcache.prime`, which first empties the execution cache when ``data/``
or the package changed (Jupyter Book keys it on notebook code only), one line per notebook with its
time; run ``jupyter-book build -W -n --keep-going``; print the total. A cache deleted during the
build is filled again once instead of failing with a database error.

**Read-only checkouts.** ``DFP_BOOK_OUTPUT=/some/writable/folder ./run book`` puts ``_build/`` (site,
execution cache and the package's caches, :mod:`dfp.io.cache`) there; an unwritable output folder
stops with a message naming it and the variable.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dfp.book.bookcache import inputs_key, prime
from dfp.core.errors import PlaybookError
from dfp.io.cache import CACHE_ENV, content_key

__all__ = ["OUTPUT_ENV", "build_book", "build_lock", "output_root", "sources_key"]

#: Environment variable naming the folder that receives ``_build/`` (default: the checkout).
OUTPUT_ENV = "DFP_BOOK_OUTPUT"
_SOURCES = ("book", "notebooks", "data", "src", "_static", "_config.yml", "_toc.yml", "SOURCE_OF_TRUTH.md")

Echo = Callable[[str], None]


def _echo(line: str) -> None:
    print(line, flush=True)


def sources_key(root: Path) -> str:
    """Content hash of every source of the site: pages, notebooks, configuration and everything a
    notebook reads (:func:`dfp.book.bookcache.inputs_key`: data, the imported package, the lock file)."""
    return content_key(inputs_key(root), *(root / name for name in _SOURCES))


def output_root(root: Path) -> Path:
    """The folder that receives ``_build/``: ``$DFP_BOOK_OUTPUT`` when set, else the checkout ``root``."""
    value = os.environ.get(OUTPUT_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else root


def _check_writable(build: Path) -> None:
    try:
        build.mkdir(parents=True, exist_ok=True)
        probe = build / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise PlaybookError(
            f"build folder {build} is not writable ({exc.strerror or exc}); on a read-only checkout set "
            f"{OUTPUT_ENV} to a writable folder, e.g. {OUTPUT_ENV}=/tmp/playbook ./run book") from exc


@contextlib.contextmanager
def build_lock(build: Path, echo: Echo = _echo) -> Iterator[None]:
    """Hold the build lock (``build/.build.lock``) for the block; a second holder waits, saying so.

    An advisory ``flock``: released by the kernel when the holder exits, even on a crash, so a stale
    lock file never blocks a build.
    """
    build.mkdir(parents=True, exist_ok=True)
    path = build / ".build.lock"
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            echo(f"== another build is running ({holder}); waiting for it to finish ({path})")
            t0 = time.perf_counter()
            fcntl.flock(fh, fcntl.LOCK_EX)
            echo(f"== the other build finished after {time.perf_counter() - t0:.0f} s; building")
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def _jupyter_book(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.is_file() else "jupyter-book", "build", str(root), "--path-output", str(out),
           "-W", "-n", "--keep-going", "-q"]
    return subprocess.run(cmd, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)


def build_book(root: Path, out: Path | None = None, workers: int = 2, echo: Echo = _echo) -> Path:
    """Build the book at ``root`` into ``out/_build/html`` and return the path of its ``index.html``.

    Raises:
        PlaybookError: the output folder is not writable, a notebook failed, or Sphinx reported a
            warning or an error (its output is printed).
    """
    t0 = time.perf_counter()
    out = out if out is not None else output_root(root)
    build = out / "_build"
    _check_writable(build)
    os.environ.setdefault(CACHE_ENV, str(build / "cache"))  # notebooks' package caches follow the output
    with build_lock(build, echo):
        html = build / "html"
        marker = html / ".build-ok"
        key = sources_key(root)
        try:
            current = marker.read_text(encoding="utf-8").strip() == key
        except OSError:
            current = False
        if not current:
            echo("== sources changed since the last successful build: the HTML is rebuilt from clean")
            for name in ("html", ".doctrees", "jupyter_execute"):
                shutil.rmtree(build / name, ignore_errors=True)
        for attempt in (1, 2):
            prime(root, build / ".jupyter_cache", workers=workers, echo=echo)
            echo("== building the HTML (jupyter-book, warnings are errors)")
            t1 = time.perf_counter()
            result = _jupyter_book(root, out)
            if result.returncode == 0:
                break
            if attempt == 1 and not (build / ".jupyter_cache" / "global.db").is_file():
                echo("== the execution cache vanished during the build; filling it again")
                continue
            sys.stdout.write(result.stdout)
            raise PlaybookError(f"jupyter-book build failed (exit {result.returncode}); its output is above")
        echo(f"   HTML built in {time.perf_counter() - t1:.1f} s")
        marker.write_text(key + "\n", encoding="utf-8")
    echo(f"== book built in {time.perf_counter() - t0:.1f} s")
    return html / "index.html"
