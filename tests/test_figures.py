"""Figure text reads at 9 pt or more at the width the page shows it (the browser half is in tests/test_site.py)."""

from __future__ import annotations

import ast
import inspect

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from dfp.book import plotting
from dfp.core.errors import PlaybookError
from dfp.io.system import load_system

SYSTEM = load_system()
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


MONTHS = pd.period_range("2025-01", periods=12, freq="M")
DAYS = pd.date_range("2025-06-01", periods=21, freq="D")
SERIES = pd.Series(np.linspace(1e4, 2e4, 12), index=MONTHS)
PATH = pd.DataFrame({"cost_usd": np.linspace(2e4, 3e4, 6), "cost_low_usd": np.linspace(1.8e4, 2.5e4, 6),
                     "cost_high_usd": np.linspace(2.2e4, 3.5e4, 6)})
SERVICES = pd.DataFrame({name: np.linspace(500.0, 2000.0, 12) for name in
                         ["EKS", "EC2", "S3", "DynamoDB", "Kinesis", "NAT gateway", "CloudWatch", "other"]}, index=MONTHS)
WINDOW = pd.DataFrame({"cost_usd": np.linspace(100.0, 300.0, 21), "expected_usd": 120.0,
                       "flag": [False] * 18 + [True] * 3}, index=DAYS)
TIMELINE = pd.Series({"previous review": pd.Timestamp("2026-01-10"), "IAM change deployed (peer-reviewed)":
                      pd.Timestamp("2026-03-01"), "review pulled forward finds it": pd.Timestamp("2026-03-20"),
                      "review was due": pd.Timestamp("2026-06-01")})
RATES = np.linspace(0, 3000, 31)


@pytest.mark.parametrize("draw", [
    lambda: plotting.event_path_chart(STAGES, 2.5),
    lambda: plotting.fallback_diagram(),
    lambda: plotting.address_space_chart(pd.DataFrame({"mvp": [6e4], "free": [5536.0]}, index=["us-east-1"])),
    lambda: plotting.projection_chart(SERIES, PATH, PATH * 1.1, "ambition", 4e4, 2.5e4),
    lambda: plotting.savings_stack_chart(SERVICES[["EKS", "EC2"]]),
    lambda: plotting.replay_chart(RATES, {"by tenant": RATES / 1000, "by event id": RATES / 4000}, 1500.0),
    lambda: plotting.score_curve_chart(pd.DataFrame({"a": np.linspace(0, 1, 11), "b": np.linspace(1, 0, 11)},
                                                    index=np.linspace(0, 1, 11)), {"a": "one region", "b": "two"},
                                       0.3, 0.5, "availability"),
    lambda: plotting.ai_cost_chart(SERIES.to_frame("model").assign(rules=5e3).set_axis(MONTHS.to_timestamp()),
                                   [1e-3, 1e-2, 1.0], {"model": [1, 10, 1000], "rules": [1, 5, 50]}, 0.01, SYSTEM, 23),
    lambda: plotting.service_stack_chart(SERVICES, SYSTEM),
    lambda: plotting.anomaly_window_chart(WINDOW, DAYS[16], DAYS[19], "INC-05: daily cost, expected and flags"),
    lambda: plotting.business_chart(pd.DataFrame({"month": MONTHS, "mrr_usd": SERIES.to_numpy()}),
                                    pd.Series([1, 2, 3, 4], index=pd.period_range("2025Q1", periods=4, freq="Q")), 3.0),
    lambda: plotting.cost_path_chart(SERIES, PATH, 0.05, 2.5e4, 4e4),
    lambda: plotting.timeline_chart(TIMELINE, TIMELINE["IAM change deployed (peer-reviewed)"],
                                    "review pulled forward finds it", "review was due"),
], ids=["event_path_chart", "fallback_diagram", "address_space_chart", "projection_chart", "savings_stack_chart",
        "replay_chart", "score_curve_chart", "ai_cost_chart", "service_stack_chart", "anomaly_window_chart",
        "business_chart", "cost_path_chart", "timeline_chart"])
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


#: Chart functions that still set text below 9 pt (a function added here must say why and who enlarges it).
SMALL_FONTS_NOT_YET: set[str] = set()


def test_chart_functions_set_no_text_below_9_pt():
    found = small_font_literals(inspect.getsource(plotting))
    assert set(found) <= SMALL_FONTS_NOT_YET, {k: v for k, v in found.items() if k not in SMALL_FONTS_NOT_YET}
    clean = SMALL_FONTS_NOT_YET - set(found)
    assert not clean, f"no longer set text below 9 pt, remove from SMALL_FONTS_NOT_YET: {sorted(clean)}"


def test_small_font_scan_catches_a_seeded_chart():
    bad = "def chart(ax):\n    ax.text(0, 0, 'x', fontsize=7)\n    ax.legend(fontsize=10)\n"
    assert small_font_literals(bad) == {"chart": [7.0]}
