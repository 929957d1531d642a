"""Shared fixtures: the canonical facts, a scratch copy of data/ for bad-input tests, and the built site."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

from dfp.core.paths import data_dir, repo_root
from dfp.io.system import System, load_system

# Properties are about values, not speed (timings belong to ./run bench): no per-example deadline, which a loaded
# 2-core runner trips at random (a 5 ms example once took 329 ms in a fresh clone's CI run).
settings.register_profile("dfp", deadline=None)
settings.load_profile("dfp")


@pytest.fixture(scope="session")
def system() -> System:
    return load_system()


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ (so a test can break a file without touching the repository)."""
    dst = tmp_path / "data"
    shutil.copytree(data_dir(), dst)
    return dst


def build_site(out: Path) -> subprocess.CompletedProcess[str]:
    """Build the book into ``out/_build/html`` from the notebooks' stored outputs, warnings as errors.

    The book's own build (``./run book``) executes every notebook. Here the notebooks are not executed
    again: in the same test run strict nbval executes each one and proves its stored outputs are what a
    fresh run prints (text; images are not compared), and ``tests/test_notebooks.py`` proves they hold
    no error and nothing on stderr. So the build reads the stored outputs (``execute_notebooks: off``,
    set in a copy of ``_config.yml``) and each notebook executes once per test run.
    """
    root = repo_root()
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    out.mkdir(parents=True, exist_ok=True)
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    jb = Path(sys.executable).parent / "jupyter-book"
    return subprocess.run([str(jb), "build", str(root), "--config", str(out / "_config.yml"), "--path-output", str(out),
                           "-W", "-n", "--keep-going"], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site's HTML folder, built once per test run and shared by the pytest-xdist workers.

    Under xdist the first worker that asks builds it under a file lock; the others wait for it and read
    the result (a failed build is recorded, so it fails every user without a second build).
    ``DFP_SITE_HTML=DIR`` uses a site already built by :func:`build_site` (its ``_build/html``) instead,
    to iterate on the browser checks without rebuilding.
    """
    prebuilt = os.environ.get("DFP_SITE_HTML")
    if prebuilt:
        if not (Path(prebuilt) / "index.html").is_file():
            pytest.fail(f"DFP_SITE_HTML={prebuilt} has no index.html: point it at a built site's _build/html")
        return Path(prebuilt)
    # under xdist the parent of a worker's temporary folder is shared by this run's workers (only)
    shared = os.environ.get("PYTEST_XDIST_WORKER")
    out = tmp_path_factory.getbasetemp().parent / "site" if shared else tmp_path_factory.mktemp("site")
    out.mkdir(parents=True, exist_ok=True)
    html, failed = out / "_build" / "html", out / "build-failed.txt"
    with (out / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (html / "index.html").is_file() and not failed.is_file():
            proc = build_site(out)
            if proc.returncode != 0 or not (html / "index.html").is_file():
                failed.write_text((proc.stdout + proc.stderr)[-6000:], encoding="utf-8")
    if failed.is_file():
        pytest.fail("book build failed with warnings as errors:\n" + failed.read_text(encoding="utf-8"))
    return html
