"""No stored HTML table on a page has a snake_case header, a NaN/None/True/False cell or e-notation.

Scans every notebook's stored ``text/html`` outputs (what the book renders; nbval keeps them
current). Notebooks not yet converted to ``dfp.book.tables`` are listed in ``NOT_YET``; the last
test keeps that list honest by failing when a listed notebook is already clean.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

#: Notebooks whose tables still show raw DataFrames (notebook path relative to notebooks/).
NOT_YET: set[str] = set()

_TH = re.compile(r"<th(?:\s[^>]*)?>(.*?)</th>", re.S)
_TD = re.compile(r"<td(?:\s[^>]*)?>(.*?)</td>", re.S)
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_RAW = {"nan", "NaN", "None", "True", "False", "<NA>", "NaT", "inf", "-inf"}
_ENOTATION = re.compile(r"\d(?:\.\d+)?[eE][+-]\d+")


def table_problems(html: str) -> list[str]:
    """Every header with a snake_case name, every raw NaN/None/True/False cell and e-notation number."""
    problems = [f"snake_case header {h.strip()!r}" for h in _TH.findall(html) if _SNAKE.search(h)]
    for cell in _TD.findall(html) + _TH.findall(html):
        text = cell.strip()
        if text in _RAW:
            problems.append(f"raw cell {text!r}")
        elif _ENOTATION.search(text):
            problems.append(f"e-notation {text!r}")
    return problems


def notebook_problems(path: Path) -> list[str]:
    """``table_problems`` over every stored HTML output of the notebook at ``path``."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [p for c in cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})
            for p in table_problems("".join(o["data"]["text/html"]))]


def _name(path: Path) -> str:
    return path.relative_to(ROOT / "notebooks").as_posix()


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if _name(p) not in NOT_YET], ids=_name)
def test_tables_are_for_people(path):
    problems = notebook_problems(path)
    assert not problems, f"{_name(path)}: {problems[:8]}"


def test_scan_catches_seeded_bad_tables():
    bad = ("<table><thead><tr><th>flip_at</th><th>Cost (USD/month)</th></tr></thead><tbody><tr>"
           "<th>a</th><td>NaN</td><td>3.89e+03</td><td>True</td><td>None</td></tr></tbody></table>")
    assert sorted(table_problems(bad)) == ["e-notation '3.89e+03'", "raw cell 'NaN'", "raw cell 'None'",
                                           "raw cell 'True'", "snake_case header 'flip_at'"]
    good = "<table><tr><th>Cost (USD/month)</th><td>—</td><td>3,890</td><td>Yes</td><td>us-east-1</td></tr></table>"
    assert table_problems(good) == []


def test_not_yet_lists_only_notebooks_with_problems():
    known = {_name(p) for p in NOTEBOOKS}
    assert not NOT_YET - known, f"NOT_YET names missing notebooks: {sorted(NOT_YET - known)}"
    clean = sorted(n for n in NOT_YET if not notebook_problems(ROOT / "notebooks" / n))
    assert not clean, f"already clean, remove from NOT_YET: {clean}"
