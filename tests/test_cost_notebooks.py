"""The projection page re-runs with another growth rate and gives different, sensible numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dfp.core.paths import repo_root

NB = repo_root() / "notebooks" / "07-cost" / "projections.ipynb"


def _glued(path: Path) -> dict[str, str]:
    out = {}
    for cell in json.loads(path.read_text())["cells"]:
        for o in cell.get("outputs", []):
            rec = o.get("metadata", {}).get("scrapbook", {})
            if rec.get("name"):
                out[rec["name"]] = o["data"].get("application/papermill.record/text/plain")
    return out


@pytest.mark.slow
def test_projection_follows_growth_rate(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dfp.book.cli", "run", str(NB), "-p", "growth_rate", "0.18", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    default, changed = _glued(NB), _glued(next(tmp_path.glob("projections--*.ipynb")))
    assert float(changed["proj_growth_rate"]) == 0.18
    assert float(default["proj_growth_rate"]) < 0.18
    # faster growth: a higher bill at the horizon, and the cap is reached inside the horizon
    assert float(changed["proj_cost_at_horizon_usd"]) > float(default["proj_cost_at_horizon_usd"])
    assert "is not reached" in default["proj_cap_text"]
    assert changed["proj_cap_text"].startswith("'is reached in 20")
    # the fitted model does not depend on the scenario
    assert changed["proj_fixed_usd"] == default["proj_fixed_usd"]
