"""How thin the notebooks are, and which glued values no page quotes.

=====================  ====================================================================
``code_cell_lines``     non-blank source lines of each code cell of a notebook
``CellStats``           count, median, max and cells over a limit, over any set of notebooks
``cell_stats``          :class:`CellStats` for notebooks (paths)
``glued_keys``          the keys a notebook glues (from its stored outputs, which nbval checks)
``glue_uses``           every ``{glue:...}`` use in notebooks' markdown and in ``book/**/*.md``
``unused_glue_keys``    glued keys that no page uses: ``{notebook name: [key, ...]}``
``page_title``          a notebook's title (its first ``#`` heading), for tables that name pages
=====================  ====================================================================

A notebook is an essay with small cells: the house targets are a median code cell of at most 6
lines and none over 25 (QuantEcon's lectures have a median of about 6). Lines are non-blank source
lines, comments included.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root

__all__ = ["CellStats", "cell_stats", "code_cell_lines", "glue_uses", "glued_keys", "page_title", "unused_glue_keys"]

#: ``{glue:text}`key:fmt` ``, ``{glue:text}`../x.ipynb::key` `` and the ``{glue} key`` directive.
_USE = re.compile(r"\{glue(?::[a-z]*)?\}\s*`(?:[^`]*::)?([A-Za-z0-9_]+)[^`]*`|```\{glue(?::[a-z]*)?\}\s+([A-Za-z0-9_]+)")


def _cells(path: Path) -> list[dict]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError) as e:
        raise PlaybookError(f"{path}: not a readable notebook ({e})") from e


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_cell_lines(path: Path) -> list[int]:
    """Non-blank source lines of each code cell of the notebook at ``path``, in order."""
    return [sum(1 for line in _source(c).splitlines() if line.strip())
            for c in _cells(path) if c.get("cell_type") == "code"]


@dataclass(frozen=True)
class CellStats:
    """Code-cell size over a set of notebooks (lines are non-blank source lines)."""

    cells: int
    median_lines: float
    max_lines: int
    cells_over_limit: int
    limit_lines: int


def cell_stats(paths: Iterable[Path], limit_lines: int = 25) -> CellStats:
    """Count, median and max code-cell lines over ``paths``, and how many cells exceed ``limit_lines``.

    >>> import json, tempfile, pathlib
    >>> nb = {"cells": [{"cell_type": "code", "source": "a = 1\\n\\nb = 2"},
    ...                 {"cell_type": "markdown", "source": "# t"},
    ...                 {"cell_type": "code", "source": ["x\\n", "y\\n", "z\\n", "w"]}]}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "n.ipynb"; _ = p.write_text(json.dumps(nb))
    >>> cell_stats([p], limit_lines=3)
    CellStats(cells=2, median_lines=3.0, max_lines=4, cells_over_limit=1, limit_lines=3)
    """
    lines = [n for p in paths for n in code_cell_lines(p)]
    if not lines:
        raise PlaybookError("cell_stats: no code cells in the notebooks given")
    return CellStats(len(lines), float(statistics.median(lines)), max(lines),
                     sum(n > limit_lines for n in lines), limit_lines)


def glued_keys(path: Path) -> set[str]:
    """The keys the notebook at ``path`` glues, read from its stored outputs."""
    return {o["metadata"]["scrapbook"]["name"] for c in _cells(path) for o in c.get("outputs", [])
            if o.get("metadata", {}).get("scrapbook", {}).get("name")}


def glue_uses(texts: Iterable[str]) -> set[str]:
    """Every key a ``{glue...}`` role or directive in ``texts`` refers to.

    >>> sorted(glue_uses(["{glue:text}`a_b:.1f` and {glue:text}`../x.ipynb::c:,.0f`", "```{glue} d\\n```"]))
    ['a_b', 'c', 'd']
    """
    return {m.group(1) or m.group(2) for t in texts for m in _USE.finditer(t)}


def _page_texts(notebooks: Iterable[Path], pages: Iterable[Path]) -> list[str]:
    md = [_source(c) for p in notebooks for c in _cells(p) if c.get("cell_type") == "markdown"]
    return md + [Path(p).read_text(encoding="utf-8") for p in pages]


def unused_glue_keys(notebooks: Iterable[Path], pages: Iterable[Path]) -> dict[str, list[str]]:
    """Keys each notebook glues that no notebook markdown and no page in ``pages`` uses.

    Keys are matched by name (keys are prefixed per notebook, so a name is unique to its notebook).
    """
    notebooks = list(notebooks)
    used = glue_uses(_page_texts(notebooks, pages))
    out = {p.stem: sorted(glued_keys(p) - used) for p in notebooks}
    return {k: v for k, v in out.items() if v}


def page_title(page: str) -> str:
    """The title of notebook ``page`` (a repository path without ``.ipynb``): its first markdown ``#`` heading,
    the words a reader sees in the book's navigation. Raises ``PlaybookError`` naming a page that does not exist
    or has no heading.

    >>> page_title("notebooks/05-reliability/slis-and-slos")
    'SLIs and SLOs'
    """
    path = repo_root() / f"{page}.ipynb"
    if not path.is_file():
        raise PlaybookError(f"page_title: no notebook {page!r} ({path} does not exist)")
    for cell in _cells(path):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise PlaybookError(f"page_title: notebook {page!r} has no '# ' title in its markdown")
