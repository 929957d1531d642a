"""Figure text reads at 9 pt or more at the width the page shows it (the browser half is in tests/test_site.py)."""

from __future__ import annotations

import ast
import inspect

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from dfp.book import plotting
from dfp.core.errors import PlaybookError

STAGES = {"1 ingest": 1.23, "2 process": 4.56, "3 deliver": 7.89, "4 platform": 10.11}


def test_min_text_pt_scales_a_figure_wider_than_the_column():
    fig, ax = plt.subplots(figsize=(7.0, 3.0), dpi=100)
    ax.set_title("ten", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    assert plotting.min_text_pt(fig, column_px=700) == pytest.approx(10.0)
    assert plotting.min_text_pt(fig, column_px=350) == pytest.approx(5.0)
    plotting.close(fig)


def test_glue_figure_refuses_text_below_9_pt():
    """The seeded bad figure: a 9-inch figure with 7 pt labels (the old unit-economics flow diagram)."""
    fig, ax = plt.subplots(figsize=(9.0, 3.4), dpi=100)
    ax.text(0.5, 0.5, "API Gateway, ingest pods", fontsize=7)
    ax.axis("off")
    with pytest.raises(PlaybookError, match=r"'fig_bad'.*below 9 pt"):
        plotting.glue_figure("fig_bad", fig)


@pytest.mark.parametrize("draw", [
    lambda: plotting.event_path_chart(STAGES, 2.5),
    pytest.param(lambda: plotting.fallback_diagram(), marks=pytest.mark.xfail(
        strict=True, reason="not yet: 7-8 pt labels in a 9 in figure (the ai-fallback page's owner converts it)")),
    lambda: plotting.address_space_chart(pd.DataFrame({"mvp": [6e4], "free": [5536.0]}, index=["us-east-1"])),
], ids=["event_path_chart", "fallback_diagram", "address_space_chart"])
def test_diagrams_read_at_9_pt_in_the_column(draw):
    plotting.use_style()
    fig = draw()
    shown = plotting.min_text_pt(fig)
    plotting.close(fig)
    assert shown >= plotting.MIN_TEXT_PT, f"smallest text {shown:.1f} pt at {plotting.CONTENT_PX} px"


def small_font_literals(source: str, min_pt: float = plotting.MIN_TEXT_PT) -> dict[str, list[float]]:
    """Per top-level function of ``source``: every literal ``fontsize=`` below ``min_pt`` it sets (points)."""
    out: dict[str, list[float]] = {}
    for fn in ast.parse(source).body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        sizes = [kw.value.value for node in ast.walk(fn) if isinstance(node, ast.Call) for kw in node.keywords
                 if kw.arg == "fontsize" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, int | float)]
        small = [float(s) for s in sizes if s < min_pt]
        if small:
            out[fn.name] = small
    return out


#: Chart functions that still set text below 9 pt (their pages' owners enlarge it and remove the name).
SMALL_FONTS_NOT_YET = {"ai_cost_chart", "anomaly_window_chart", "cost_path_chart", "fallback_diagram", "projection_chart",
                       "replay_chart", "savings_stack_chart", "score_curve_chart", "service_stack_chart", "timeline_chart"}


def test_chart_functions_set_no_text_below_9_pt():
    found = small_font_literals(inspect.getsource(plotting))
    assert set(found) <= SMALL_FONTS_NOT_YET, {k: v for k, v in found.items() if k not in SMALL_FONTS_NOT_YET}
    clean = SMALL_FONTS_NOT_YET - set(found)
    assert not clean, f"no longer set text below 9 pt, remove from SMALL_FONTS_NOT_YET: {sorted(clean)}"


def test_small_font_scan_catches_a_seeded_chart():
    bad = "def chart(ax):\n    ax.text(0, 0, 'x', fontsize=7)\n    ax.legend(fontsize=10)\n"
    assert small_font_literals(bad) == {"chart": [7.0]}
