"""The package's house rules: layers that import one way, no cycles, no private names used outside.

Layers, lowest first (``dfp/__init__.py`` documents them): ``core`` < ``io`` < the domain packages <
``generate`` < ``book``. A module may import from its own layer or a lower one; the domain packages
may import one another as long as no two packages import each other (directly or round a loop).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "dfp"
DOMAIN = ("business", "reliability", "delivery", "capacity", "cost", "security", "pii", "architecture")
RANK = {"core": 0, "io": 1, **dict.fromkeys(DOMAIN, 2), "generate": 3, "book": 4}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, here: str) -> Iterator[tuple[str, int]]:
    """Every ``dfp`` module a tree imports, with the line (``from dfp.x import y`` may name module y)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "dfp":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "dfp":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                yield (candidate if candidate in MODULES else node.module), node.lineno


MODULES = {_module_name(p): p for p in SRC.rglob("*.py")}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        graph[name] = {m for m, _ in _imports(ast.parse(path.read_text(encoding="utf-8")), name) if m in MODULES and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return [*stack[stack.index(m):], m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_every_module_belongs_to_a_layer():
    unplaced = sorted(m for m in MODULES if _package(m) not in RANK and m not in ("dfp", "dfp.__main__"))
    assert not unplaced, f"modules outside every layer (add them to RANK and dfp/__init__.py): {unplaced}"


def test_imports_point_down_the_layers():
    bad = []
    for name, path in MODULES.items():
        if name in ("dfp", "dfp.__main__"):
            continue
        here = RANK[_package(name)]
        for target, line in _imports(ast.parse(path.read_text(encoding="utf-8")), name):
            pkg = _package(target)
            if pkg in RANK and RANK[pkg] > here:
                bad.append(f"{path.relative_to(ROOT)}:{line} ({_package(name)}) imports {target} ({pkg})")
    assert not bad, "imports from a higher layer:\n" + "\n".join(bad)


def test_no_import_cycle_between_modules():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycle_between_packages():
    packages: dict[str, set[str]] = {}
    for src, targets in _graph().items():
        packages.setdefault(_package(src), set()).update(_package(t) for t in targets if _package(t) != _package(src))
    cycle = _cycle(packages)
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_cycle_finder_finds_a_seeded_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _private_uses(tree: ast.AST) -> Iterator[str]:
    """Private names of the package that code outside it uses: ``from dfp.x import _y`` or ``mod._y``."""
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dfp"):
            for alias in node.names:
                if alias.name.startswith("_"):
                    yield f"{node.module}.{alias.name}"
                aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("dfp"):
                    aliases.add((alias.asname or alias.name).split(".")[0])
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            yield f"{node.value.id}.{node.attr}"


def _notebook_code(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return "\n".join(line for cell in cells for line in cell.splitlines() if not line.lstrip().startswith(("%", "!")))


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").rglob("*.ipynb")) + sorted((ROOT / "tests").glob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_and_tests_use_only_public_names(path: Path):
    code = _notebook_code(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    used = sorted(set(_private_uses(ast.parse(code))))
    assert not used, f"{path.relative_to(ROOT)} uses private names of the package: {used}"


def test_private_name_check_catches_a_seeded_use():
    tree = ast.parse("from dfp.reliability import alerting\nfrom dfp.io.data import _x\nalerting._cum(1)\n")
    assert sorted(_private_uses(tree)) == ["alerting._cum", "dfp.io.data._x"]
