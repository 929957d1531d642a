"""Figure text reads at 9 pt or more at the width the page shows it (the browser half is in tests/test_site.py)."""

from __future__ import annotations

import ast
import inspect
from types import SimpleNamespace

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
    """Scaled by the PNG's width, not the figure's: a label spilling past the figure's edge widens the PNG."""
    fig, ax = plt.subplots(figsize=(7.0, 3.0), dpi=100)
    ax.set_title("ten", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    width_px = plotting.png_size_px(plotting.figure_png(fig))[0]
    assert plotting.min_text_pt(fig, column_px=width_px) == pytest.approx(10.0)
    assert plotting.min_text_pt(fig, column_px=width_px / 2) == pytest.approx(5.0)
    ax.text(1.2, 0.5, "a label well past the right edge", transform=ax.transAxes, fontsize=10)
    assert plotting.png_size_px(plotting.figure_png(fig))[0] > 700
    assert plotting.min_text_pt(fig, column_px=700) < 10.0
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
STAMPS = pd.date_range("2025-01-01", periods=12, freq="MS", tz="UTC")
SEVERITIES = ["critical", "high", "medium", "low"]
COMPLIANCE = pd.DataFrame({"critical": 1.0, "high": 0.9}, index=range(12))
OVERDUE = pd.DataFrame({s: 1.0 for s in SEVERITIES}, index=STAMPS)
COMMIT_CURVE = pd.DataFrame({"commit_usd_per_h": [0.0, 1.0, 2.0], "expected_savings_usd_per_h": [0.0, 0.3, 0.2],
                             "p10_savings_usd_per_h": [0.0, 0.2, -0.1]})
COST_MODEL = SimpleNamespace(cost=lambda n: 3e3 + 2e-5 * n, usd_per_million_events=20.0)
PANEL = plotting.DecisionPanel("Regions", pd.Series({"one": 0.7, "two": 0.4}), "one", {"two": "wins above weight 0.3"})


#: One drawing per chart function of ``plotting`` with small inputs of the shapes its pages pass.
CHARTS = {
    "event_path_chart": lambda: plotting.event_path_chart(STAGES, 2.5),
    "fallback_diagram": lambda: plotting.fallback_diagram(),
    "address_space_chart": lambda: plotting.address_space_chart(pd.DataFrame({"mvp": [6e4], "free": [5536.0]}, index=["us-east-1"])),
    "projection_chart": lambda: plotting.projection_chart(SERIES, PATH, PATH * 1.1, "ambition", 4e4, 2.5e4),
    "savings_stack_chart": lambda: plotting.savings_stack_chart(SERVICES[["EKS", "EC2"]]),
    "replay_chart": lambda: plotting.replay_chart(RATES, {"by tenant": RATES / 1000, "by event id": RATES / 4000}, 1500.0),
    "score_curve_chart": lambda: plotting.score_curve_chart(pd.DataFrame({"a": np.linspace(0, 1, 11), "b": np.linspace(1, 0, 11)},
                                                    index=np.linspace(0, 1, 11)), {"a": "one region", "b": "two"},
                                       0.3, 0.5, "availability"),
    "ai_cost_chart": lambda: plotting.ai_cost_chart(SERIES.to_frame("model").assign(rules=5e3).set_axis(MONTHS.to_timestamp()),
                                   [1e-3, 1e-2, 1.0], {"model": [1, 10, 1000], "rules": [1, 5, 50]}, 0.01, SYSTEM, 23),
    "service_stack_chart": lambda: plotting.service_stack_chart(SERVICES, SYSTEM),
    "anomaly_window_chart": lambda: plotting.anomaly_window_chart(WINDOW, DAYS[16], DAYS[19], "INC-05: daily cost, expected and flags"),
    "business_chart": lambda: plotting.business_chart(pd.DataFrame({"month": MONTHS, "mrr_usd": SERIES.to_numpy()}),
                                    pd.Series([1, 2, 3, 4], index=pd.period_range("2025Q1", periods=4, freq="Q")), 3.0),
    "cost_path_chart": lambda: plotting.cost_path_chart(SERIES, PATH, 0.05, 2.5e4, 4e4),
    "timeline_chart": lambda: plotting.timeline_chart(TIMELINE, TIMELINE["IAM change deployed (peer-reviewed)"],
                                    "review pulled forward finds it", "review was due"),
    "detection_chart": lambda: plotting.detection_chart([1.25, 2, 5], {"at 1 M events/day": [60, 20, 5]}, 15.0),
    "commitment_curve_chart": lambda: plotting.commitment_curve_chart(COMMIT_CURVE, 0.5, 1.0, 730.0),
    "unit_cost_chart": lambda: plotting.unit_cost_chart(SERIES / 1e10, 1e-4, 1.6e-4, SYSTEM),
    "unit_cost_curve_chart": lambda: plotting.unit_cost_curve_chart(COST_MODEL, 1e-4, 1e7, 30.0),
    "decision_bars_chart": lambda: plotting.decision_bars_chart([PANEL]),
    "utilisation_chart": lambda: plotting.utilisation_chart(pd.DataFrame({"m5.large": [0.2, 0.5, 0.8]}, index=[0.5, 1.0, 2.0]), 0.7),
    "cost_share_chart": lambda: plotting.cost_share_chart(SERIES / 1e6, SYSTEM),
    "anomaly_score_chart": lambda: plotting.anomaly_score_chart(pd.DataFrame({"z": np.linspace(0, 9, 300)},
                                                      index=pd.date_range("2025-11-01", periods=300, freq="D")),
                                         6.0, SYSTEM, "INC-05"),
    "daily_events_chart": lambda: plotting.daily_events_chart(pd.DataFrame({"us-east-1": np.linspace(1e6, 9e6, 365), "eu-west-1": 2e6},
                                                     index=pd.date_range("2025-01-01", periods=365, freq="D", tz="UTC")),
                                        SYSTEM),
    "hourly_profile_chart": lambda: plotting.hourly_profile_chart(pd.DataFrame({"us-east-1": np.arange(24.0) * 1e5, "eu-west-1": 1e6})
                                          .assign(total=lambda d: d.sum(axis=1))),
    "batch_sources_chart": lambda: plotting.batch_sources_chart(pd.DataFrame({"batch": range(8), "source": ["model"] * 6 + ["rules"] * 2,
                                                       "reason": ["ok"] * 6 + ["timeout", "circuit_open"]})),
    "constraints_chart": lambda: plotting.constraints_chart(21.6, 240.0, 30e3, 50e3, 75e3),
    "remediation_chart": lambda: plotting.remediation_chart(STAMPS.tz_localize(None), COMPLIANCE, OVERDUE, SEVERITIES,
                                                            SYSTEM),
    "dsr_chart": lambda: plotting.dsr_chart(pd.DataFrame({"era": ["MVP", "Scale"], "days": [20.0, 5.0], "received_at": STAMPS[[0, 9]]}),
                               ["MVP", "Scale"], 30.0, SYSTEM),
}


@pytest.mark.parametrize("draw", list(CHARTS.values()), ids=list(CHARTS))
def test_diagrams_read_at_9_pt_in_the_column(draw):
    plotting.use_style()
    fig = draw()
    shown = plotting.min_text_pt(fig)
    plotting.close(fig)
    assert shown >= plotting.MIN_TEXT_PT, f"smallest text {shown:.1f} pt at {plotting.CONTENT_PX} px"


def test_every_chart_function_is_measured():
    """A chart function added to ``plotting`` gets a case in the measured test above."""
    charts = {n for n in plotting.__all__ if n.endswith(("_chart", "_diagram"))}
    assert charts == set(CHARTS), sorted(charts ^ set(CHARTS))


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
