"""Every notebook's parameters at the low and high edge of their registered range and one point inside.

Each (notebook, parameter, value) is one test item; it runs the notebook with papermill and fails on an
execution error, ``nan``/``inf``/``None`` in an output or in a glued value as shown, or e-notation in glued
text (:mod:`dfp.book.paramcheck`). The cases are split over two modules by notebook (this one and
``test_param_edges_b.py``) so ``--dist loadfile`` spreads them over both workers.
"""

from __future__ import annotations

import pytest

from dfp.book.paramcheck import check_run, edge_cases
from dfp.book.params import PAGE_DEFAULTS
from dfp.core.paths import repo_root

PATHS = {p.stem: p for p in (repo_root() / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
PAGES = sorted(PAGE_DEFAULTS)[0::2]  # test_param_edges_b.py takes the others


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize(("page", "name", "value"), edge_cases(PAGES), ids=lambda v: str(v))
def test_page_runs_clean_at_the_edges(page, name, value, tmp_path):
    assert check_run(PATHS[page], {name: value}, tmp_path) == []
