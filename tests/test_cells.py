"""Thin notebooks (dfp.book.cells): small code cells, and no glued value that no page quotes."""

from __future__ import annotations

import json
import re

import pytest

from dfp.book.cells import cell_stats, code_cell_lines, glue_uses, unused_glue_keys
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root

ROOT = repo_root()
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
PAGES = sorted((ROOT / "book").rglob("*.md"))

#: The house targets: a median code cell of at most 6 lines, none over 25.
MEDIAN_LINES_MAX, CELL_LINES_MAX = 6, 25
#: Notebooks not yet thinned to the targets (the list only shrinks; others' notebooks this round included).
NOT_YET_THIN: set[str] = set()
#: Notebooks excluded from the whole-book cell statistics (none since the merge).
OWNED_ELSEWHERE: set[str] = set()
#: Notebooks that glue a table's fields in a loop and quote only some: the scorecard (every measure) and the
#: DORA page (each era's row). The list only shrinks.
GLUE_OWNED_ELSEWHERE = {"scorecard", "dora-metrics"}


def _nb(tmp_path, name, cells):
    p = tmp_path / f"{name}.ipynb"
    p.write_text(json.dumps({"cells": cells}))
    return p


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem not in NOT_YET_THIN], ids=lambda p: p.stem)
def test_thin_notebook(path):
    s = cell_stats([path])
    assert s.median_lines <= MEDIAN_LINES_MAX, f"median code cell {s.median_lines} lines"
    assert s.max_lines <= CELL_LINES_MAX, f"largest code cell {s.max_lines} lines"


def test_book_cell_statistics_meet_the_targets():
    """Across all notebooks the median code cell is at most 6 lines, and no cell is over 25."""
    s = cell_stats(NOTEBOOKS)
    print(s)
    assert s.median_lines <= MEDIAN_LINES_MAX
    own = cell_stats([p for p in NOTEBOOKS if p.stem not in OWNED_ELSEWHERE], limit_lines=CELL_LINES_MAX)
    assert own.cells_over_limit == 0, f"{own.cells_over_limit} cells over {CELL_LINES_MAX} lines"


def test_not_yet_thin_lists_only_fat_notebooks():
    """A notebook that became thin leaves the list, so the list cannot hide a regression."""
    names = {p.stem for p in NOTEBOOKS}
    assert names >= NOT_YET_THIN
    thin = [p.stem for p in NOTEBOOKS if p.stem in NOT_YET_THIN
            and cell_stats([p]).median_lines <= MEDIAN_LINES_MAX and cell_stats([p]).max_lines <= CELL_LINES_MAX]
    assert not thin, f"thin now, remove from NOT_YET_THIN: {thin}"


def test_cell_statistics_catch_a_fat_cell(tmp_path):
    fat = _nb(tmp_path, "fat", [{"cell_type": "code", "source": "\n".join(f"x{i} = {i}" for i in range(30))},
                                 {"cell_type": "code", "source": "\n\n\ny = 1\n"}])
    assert code_cell_lines(fat) == [30, 1]
    s = cell_stats([fat])
    assert (s.cells, s.max_lines, s.cells_over_limit, s.median_lines) == (2, 30, 1, 15.5)
    assert s.max_lines > CELL_LINES_MAX
    with pytest.raises(PlaybookError, match="no code cells"):
        cell_stats([_nb(tmp_path, "empty", [])])


def test_every_glued_key_is_used_by_a_page():
    unused = {k: v for k, v in unused_glue_keys(NOTEBOOKS, PAGES).items() if k not in GLUE_OWNED_ELSEWHERE}
    assert not unused, f"glued but quoted by no page: {unused}"


def test_unused_glue_check_catches_a_seeded_unused_key(tmp_path):
    def out(name):
        return {"output_type": "display_data", "metadata": {"scrapbook": {"name": name}},
                "data": {"application/papermill.record/text/plain": "1"}}
    nb = _nb(tmp_path, "seeded", [
        {"cell_type": "markdown", "source": "Used {glue:text}`sd_used:.1f` here."},
        {"cell_type": "code", "source": "glue(...)", "outputs": [out("sd_used"), out("sd_unused"), out("sd_page")]},
    ])
    page = tmp_path / "page.md"
    page.write_text("From a page: {glue:text}`seeded.ipynb::sd_page:,.0f`.\n")
    assert unused_glue_keys([nb], [page]) == {"seeded": ["sd_unused"]}
    assert unused_glue_keys([nb], []) == {"seeded": ["sd_page", "sd_unused"]}


def test_glue_uses_reads_roles_paths_and_directives():
    text = "{glue:text}`a:.1f` {glue:text}`../n.ipynb::b` {glue:}`c`\n```{glue} d\n:doc: x\n```"
    assert glue_uses([text]) == {"a", "b", "c", "d"}


_CROSS_DOC_GLUE = re.compile(r"\{glue:text\}`([^`]*\.ipynb::[^`]*)`")


def cross_doc_glue_without_format(text: str) -> list[str]:
    """Cross-document ``{glue:text}`` roles with no format spec: MyST-NB splits ``path::key`` at its last colon,
    so ``path::key`` without ``:fmt`` reads as key ``path:`` with format ``key`` (a build warning)."""
    return [ref for ref in _CROSS_DOC_GLUE.findall(text) if ref.count(":") < 3]


def test_cross_document_glue_names_a_format():
    bad = {str(p.relative_to(ROOT)): refs for p in sorted((ROOT / "book").rglob("*.md"))
           if (refs := cross_doc_glue_without_format(p.read_text(encoding="utf-8")))}
    assert not bad, f"add a format spec (:s for text): {bad}"
    assert cross_doc_glue_without_format("{glue:text}`../x.ipynb::key`") == ["../x.ipynb::key"]
    assert cross_doc_glue_without_format("{glue:text}`../x.ipynb::key:s`") == []
