"""The other half of the notebooks for the edge runs (see ``test_param_edges_a.py``)."""

from __future__ import annotations

import pytest

from dfp.book.paramcheck import check_run, edge_cases
from dfp.book.params import PAGE_DEFAULTS
from dfp.core.paths import repo_root

PATHS = {p.stem: p for p in (repo_root() / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
PAGES = sorted(PAGE_DEFAULTS)[1::2]  # test_param_edges_a.py takes the others


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize(("page", "name", "value"), edge_cases(PAGES), ids=lambda v: str(v))
def test_page_runs_clean_at_the_edges(page, name, value, tmp_path):
    assert check_run(PATHS[page], {name: value}, tmp_path) == []
