"""Every notebook follows the skeleton, is in the book, and re-runs with other parameters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dfp.book.bookcache import toc_notebooks
from dfp.book.execute import notebook_parameters, run_notebook
from dfp.book.params import PARAMETERS
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root

ROOT = repo_root()
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
#: notebooks other helpers own in this round; they move to ``setup`` at merge
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_skeleton(path: Path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    params = notebook_parameters(path)
    assert params, "the parameters cell assigns at least one parameter"
    unknown = set(params) - set(PARAMETERS)
    assert not unknown, f"parameters missing from the dfp.book.params registry: {unknown}"
    nxt = code[tagged[0] + 1].source
    assert f'page = setup("{path.stem}", globals())' in nxt, "the cell after the parameters cell sets the page up"
    assert nb.cells[0].cell_type == "markdown" and "\n# " in "\n" + nb.cells[0].source, "starts with a title"
    for c in code:
        assert c.outputs is not None
        for out in c.outputs:
            assert out.get("output_type") != "error", "stored outputs contain an error"
            assert not (out.get("output_type") == "stream" and out.get("name") == "stderr"), "stored stderr output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_in_the_book(path: Path):
    assert path in toc_notebooks(ROOT)


def test_run_rejects_bad_values_before_executing(tmp_path):
    nb = ROOT / "notebooks" / "00-context" / "success-metrics.ipynb"
    with pytest.raises(PlaybookError, match=r"growth_rate must be in \[0.0, 0.3\]; got -0.2"):
        run_notebook(nb, {"growth_rate": -0.2}, tmp_path)
    with pytest.raises(PlaybookError, match=r"has no parameter\(s\) \['slo_target'\]"):
        run_notebook(nb, {"slo_target": 0.999}, tmp_path)
    assert not list(tmp_path.iterdir())


def _glued(path: Path) -> dict[str, str]:
    nb = json.loads(path.read_text())
    out = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            rec = o.get("metadata", {}).get("scrapbook", {})
            if rec.get("name"):
                out[rec["name"]] = o["data"].get("application/papermill.record/text/plain")
    return out


@pytest.mark.slow
def test_cli_runs_a_notebook_with_another_growth_rate(tmp_path):
    nb = ROOT / "notebooks" / "00-context" / "success-metrics.ipynb"
    proc = subprocess.run(
        [sys.executable, "-m", "dfp.book.cli", "run", str(nb), "-p", "growth_rate", "0.05", "-p", "horizon_months", "36",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = next(tmp_path.glob("success-metrics--*.ipynb"))
    default, changed = _glued(nb), _glued(out)
    assert changed["sm_growth_pct"] == "5.0"
    assert changed["sm_when_budget"] != default["sm_when_budget"]
    assert float(changed["sm_capacity_end"]) < float(default["sm_capacity_end"])
    assert changed["sm_horizon"] == "36"


def test_cli_reports_bad_parameter_with_exit_code():
    nb = ROOT / "notebooks" / "00-context" / "success-metrics.ipynb"
    proc = subprocess.run([sys.executable, "-m", "dfp.book.cli", "run", str(nb), "-p", "horizon_months", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "horizon_months must be in [1, 60]; got 0" in proc.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_readers_see_no_code_but_the_parameters(path: Path):
    """Every code input is hidden (or removed) except the parameters cell, the overview pages included."""
    nb = nbformat.read(str(path), as_version=4)
    shown = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and not {"parameters", "hide-input", "remove-input", "remove-cell"} & set(c.metadata.get("tags", []))]
    assert not shown, f"{path.name}: code cells shown to readers: {shown}"
