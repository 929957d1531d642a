"""``dfp dora`` runs from a plain, non-editable install outside the repository.

The package is built from a scratch copy of the sources (so no build files land in the worktree)
with ``pip install --no-build-isolation --no-deps --target DIR``; the subprocess imports ``dfp``
from DIR (checked), runs in a folder outside the repository, and reads only the files it is given
plus the reference facts that ship inside the package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dfp.core.paths import DATA_DIR_ENV, data_dir, repo_root


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    root = repo_root()
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(root / "src", src / "src", symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (src / "data").mkdir()
    for link in (root / "src" / "dfp" / "reference").iterdir():  # the reference links' targets
        target = (src / "src" / "dfp" / "reference" / link.readlink()).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(link.resolve(), target)
    for f in ("pyproject.toml", "README.md"):
        shutil.copy2(root / f, src / f)
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           "--no-build-isolation", "--no-deps", "--target", str(target), str(src)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    ref = target / "dfp" / "reference" / "external_facts.yml"
    assert ref.is_file() and not ref.is_symlink(), "the wheel must carry the reference file itself"
    return target


def _run(installed: Path, argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in (DATA_DIR_ENV, "PYTHONPATH")}
    return subprocess.run([sys.executable, "-c", "import sys, dfp; print(dfp.__file__, file=sys.stderr);"
                           " from dfp.book.cli import main; raise SystemExit(main(sys.argv[1:]))", *argv],
                          cwd=cwd, env={**base, "PYTHONPATH": str(installed), "HOME": str(cwd), **env},
                          capture_output=True, text=True, timeout=300, check=False)


def test_dfp_dora_runs_from_a_plain_install(installed, tmp_path):
    log = tmp_path / "deployments.csv"
    shutil.copy2(data_dir() / "deployments.csv", log)
    done = _run(installed, ["dora", str(log), "--commits", str(data_dir() / "commits.csv.gz"), "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0].startswith(str(installed)), "dfp was not imported from the plain install"
    doc = json.loads(done.stdout)
    assert doc["overall"]["deploys"] > 0 and doc["levels"]["deployment frequency"] in ("elite", "high", "medium", "low")


def test_plain_install_without_data_says_how_to_point_at_it(installed, tmp_path):
    done = _run(installed, ["dora"], tmp_path)
    assert done.returncode == 2 and DATA_DIR_ENV in done.stderr and "--data-dir" in done.stderr
    done = _run(installed, ["--data-dir", str(data_dir()), "dora"], tmp_path)
    assert done.returncode == 0, done.stderr
    done = _run(installed, ["dora"], tmp_path, **{DATA_DIR_ENV: str(data_dir())})
    assert done.returncode == 0, done.stderr
