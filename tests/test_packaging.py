"""Packaging and publishing files: pyproject.toml declares every package that src/, tests/ and the
notebooks import; requirements.in lists the same direct dependencies; requirements.lock pins every
package with hashes; LICENSE, CITATION.cff, CHANGELOG.md and CONTRIBUTING.md are there and valid."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

from dfp.core.paths import repo_root

ROOT = repo_root()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _norm(name: str) -> str:
    """A distribution name in PEP 503 normal form (``Jinja2`` -> ``jinja2``, ``python_hcl2`` -> ``python-hcl2``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str:
    return _norm(re.split(r"[\s<>=!~;\[]", spec.strip(), maxsplit=1)[0])


def _top_level_imports(source: str) -> set[str]:
    """Absolute top-level module names imported by a piece of Python source (IPython magics dropped)."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _sources() -> Iterable[tuple[str, str]]:
    for folder in ("src", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    yield "conftest.py", (ROOT / "conftest.py").read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield str(path.relative_to(ROOT)), "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@functools.cache
def _module_distributions() -> dict[str, list[str]]:
    return dict(importlib.metadata.packages_distributions())


def undeclared_imports(sources: Iterable[tuple[str, str]], declared: set[str], local: set[str]) -> dict[str, set[str]]:
    """``{module: files}`` for imported third-party modules that no declared distribution provides.

    A module is third-party when it is neither in the standard library nor in ``local`` (the project's
    own package and test helpers); its distributions come from the installed environment.
    """
    provides = _module_distributions()
    missing: dict[str, set[str]] = {}
    for where, text in sources:
        for module in _top_level_imports(text):
            if module in sys.stdlib_module_names or module in local or module == "__future__":
                continue
            dists = {_norm(d) for d in provides.get(module, [])}
            if not dists & declared:
                missing.setdefault(module, set()).add(where)
    return missing


def _declared() -> set[str]:
    project = PYPROJECT["project"]
    specs = list(project["dependencies"]) + [s for group in project["optional-dependencies"].values() for s in group]
    return {_requirement_name(s) for s in specs}


LOCAL = {"dfp"} | {p.stem for p in (ROOT / "tests").glob("*.py")}


def test_pyproject_declares_every_imported_package():
    missing = undeclared_imports(_sources(), _declared(), LOCAL)
    assert not missing, "imported but not declared in pyproject.toml: " + "; ".join(
        f"{m} ({', '.join(sorted(w)[:3])})" for m, w in sorted(missing.items()))


def test_the_import_check_fails_on_an_undeclared_package():
    sources = [("x.py", "import os\nimport sklearn.linear_model\nfrom dfp.core import errors\n"),
               ("y.ipynb", "%matplotlib inline\nfrom scipy import stats\n")]
    declared = _declared()
    assert undeclared_imports(sources, declared, LOCAL) == {}
    assert undeclared_imports(sources, declared - {"scikit-learn"}, LOCAL) == {"sklearn": {"x.py"}}
    assert undeclared_imports(sources, declared - {"scipy"}, LOCAL) == {"scipy": {"y.ipynb"}}


def _requirements_in() -> set[str]:
    lines = (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines()
    return {_requirement_name(line) for line in lines if line.strip() and not line.lstrip().startswith("#")}


def test_requirements_in_lists_exactly_the_declared_dependencies():
    assert _requirements_in() == _declared()


def lock_problems(text: str) -> list[str]:
    """Requirements in a lock file that are not ``name==version`` with at least one sha256 hash."""
    problems = []
    for entry in re.sub(r"\\[ \t]*\n", " ", text).splitlines():  # continuation lines joined: one entry a line
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^\s=]+(\s+--hash=sha256:[0-9a-f]{64})+", entry):
            problems.append(entry[:80])
    return problems


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {_norm(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, re.M)}


def test_lock_pins_every_package_with_hashes():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert not lock_problems(text), lock_problems(text)
    assert _requirements_in() <= set(_locked()), _requirements_in() - set(_locked())
    # the lock is what this environment runs
    for name, version in _locked().items():
        assert importlib.metadata.version(name) == version, f"{name}: locked {version}, installed {importlib.metadata.version(name)}"


def test_the_lock_check_fails_on_an_unpinned_or_unhashed_line():
    good = "numpy==2.4.6 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via pandas\n"
    assert lock_problems(good) == []
    assert lock_problems(good + "pandas==3.1.1\n") == ["pandas==3.1.1"]
    assert lock_problems(good + "scipy>=1.0 \\\n    --hash=sha256:" + "b" * 64 + "\n") != []


def test_license_citation_changelog_and_contributing_guide():
    assert "MIT License" in (ROOT / "LICENSE").read_text() and "Ben Hankins" in (ROOT / "LICENSE").read_text()
    exe = Path(sys.executable).with_name("check-jsonschema")
    out = subprocess.run([str(exe), "--builtin-schema", "vendor.citation-file-format", str(ROOT / "CITATION.cff")],
                         capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{PYPROJECT['project']['version']}]" in changelog, "the changelog has a section for the current version"
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    for needed in ("./run book", "./run test", "./run check", "notebooks/", "data/"):
        assert needed in guide, needed


def test_citation_check_fails_on_an_invalid_file(tmp_path):
    bad = tmp_path / "CITATION.cff"
    bad.write_text((ROOT / "CITATION.cff").read_text().replace("cff-version: 1.2.0", "cff-version: one"))
    exe = Path(sys.executable).with_name("check-jsonschema")
    out = subprocess.run([str(exe), "--builtin-schema", "vendor.citation-file-format", str(bad)],
                         capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode != 0
