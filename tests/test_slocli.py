"""``dfp slo check`` and ``dfp slo backtest`` on the platform's own data and on a differently shaped sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dfp.book.cli import main
from dfp.book.slocli import backtest_report, check_report
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.generate.promexport import platform_export
from dfp.generate.sli import load_minutes
from dfp.io.openslo import load_openslo, load_slos
from dfp.io.promexport import RangeSeries, load_query_range, selector_matches, write_query_range
from dfp.io.system import load_system
from dfp.reliability import alerting
from dfp.reliability.counters import counter_minutes, slo_series

FIX = Path(__file__).parent / "fixtures" / "openslo"


def test_check_prints_every_slo_with_its_budget(capsys):
    assert main(["slo", "check", str(data_dir() / "slos"), str(FIX / "timeslices.yaml")]) == 0
    out = capsys.readouterr().out
    assert "OpenSLO v1: 8 SLO - valid" in out
    assert "api-availability (api.yaml)" in out and "13.0 min of full outage per window" in out  # the internal SLO
    assert "10.08 of 10,080 slices may be bad" in out  # 0.1 % of a week of one-minute slices
    assert "calendar 1w from 2025-03-24 06:00 Europe/Berlin" in out
    assert "not generated: ratioMetric.counter is False" in out
    text = check_report([FIX / "storefront.yaml"])
    assert "page when burn rate gt 13.44 over 1 h for 2 min -> pagerduty" in text


def test_check_rejects_a_bad_file_by_name(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text((FIX / "search-latency.yaml").read_text().replace("target: 0.98", "target: 98"))
    assert main(["slo", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "spec.objectives[0].target" in err and "98" in err


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """Two days of the platform's us-east-1 minutes around INC-02, exported as query_range JSON."""
    sim, specs = load_minutes(), load_slos()
    start = load_system().incident("INC-02").impact_start.normalize() - pd.Timedelta(days=1)
    n = 2 * 1440
    path = write_query_range(tmp_path_factory.mktemp("export") / "platform.json",
                             platform_export(sim, specs, "us-east-1", start, n))
    a = int((start - sim.start) / pd.Timedelta(minutes=1))
    return path, specs, {s.name: tuple(x[a:a + n] for x in sim.counts[(s.name, "us-east-1")]) for s in specs}, start


def test_platform_export_reads_back_minute_for_minute(platform):
    path, specs, truth, start = platform
    export = load_query_range(path)
    for spec in specs:
        s, rep = slo_series(spec, export, "us-east-1")
        total, bad = truth[spec.name]
        assert s.start == start and len(s.total) == len(total)
        np.testing.assert_array_equal(s.total, total)
        np.testing.assert_array_equal(s.bad, bad)
        assert rep["resets"] == rep["gaps"] == rep["holes"] == rep["clipped_minutes"] == 0


def test_platform_backtest_equals_the_direct_backtest(platform):
    path, specs, truth, start = platform
    policies = alerting.load_policies()
    text = backtest_report(data_dir() / "slos", [path], data_dir() / "reliability" / "alert-policies.yaml")
    blocks: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith(" "):
            name = line.split(":", 1)[0]
        blocks[name] = blocks.get(name, "") + line + "\n"
    assert set(blocks) == {s.name for s in specs}
    pages = 0
    for spec in specs:
        total, bad = truth[spec.name]
        s = alerting.SliSeries(spec.name, "", spec.slo_target, spec.period_days, start, bad, total)
        res = alerting.backtest(policies, [s], [], 2 / 7, 1, 0.0, 0.0)
        block = blocks[spec.name]
        for p in policies:
            assert f"  {p.id}: pages {int(res.summary.loc[p.id, 'pages'])} " in block
            pages += int(res.summary.loc[p.id, "pages"])
    assert pages > 0  # INC-02 is in the span: the comparison is not between two empty results
    assert "INC" not in text and "api-availability: 2,880 minutes from" in text


def test_sample_with_resets_and_gaps(tmp_path, capsys):
    assert main(["slo", "sample", str(tmp_path)]) == 0
    assert "shop-export.json" in capsys.readouterr().out
    slos, export = tmp_path / "shop-slos.yaml", tmp_path / "shop-export.json"
    spec = load_openslo(slos).slos["checkout"]
    s, rep = slo_series(spec, load_query_range(export))
    assert rep == {"series": 6, "resets": 9, "gaps": rep["gaps"], "holes": 3, "dropped_events": rep["dropped_events"],
                   "clipped_minutes": 0}
    assert rep["gaps"] > 0 and rep["dropped_events"] > 0
    assert (s.bad >= 0).all() and (s.bad <= s.total).all() and len(s.total) == 10 * 1440
    # the hole (pod a, 20 minutes on day 4) has only pod b's events: about half the usual traffic
    hole = slice(3 * 1440 + 600 + 1, 3 * 1440 + 619)
    around = np.r_[s.total[hole.start - 60:hole.start - 5], s.total[hole.stop + 5:hole.stop + 60]]
    assert s.total[hole].mean() == pytest.approx(around.mean() / 2, rel=0.15)
    text = backtest_report(slos, [export])
    assert "9 counter resets" in text and "3 holes over 5 min" in text
    assert "policies: the SLO's own OpenSLO alert policies" in text
    assert "openslo-checkout: pages 1 " in text and "first at 2025-06-07 14:" in text  # the day-6 incident


def test_counter_reset_counts_the_new_value_and_naive_differences_would_not():
    ts = 60.0 * np.arange(5)
    v = np.array([0.0, 100, 200, 30, 130])  # a restart between minutes 2 and 3
    r = counter_minutes(ts, v, 0, 4)
    assert r.events.tolist() == [100, 100, 30, 100] and r.resets == 1
    assert (np.diff(v) < 0).any()  # what a plain difference would have counted as -170 events
    with pytest.raises(PlaybookError, match="cannot be negative"):
        counter_minutes(ts, -v, 0, 4)


def test_export_errors_name_the_file(tmp_path):
    p = tmp_path / "instant.json"
    p.write_text('{"status": "success", "data": {"resultType": "vector", "result": []}}')
    with pytest.raises(PlaybookError, match=r"instant\.json: .*matrix"):
        load_query_range(p)
    spec = load_slos()[0]
    empty = write_query_range(tmp_path / "other.json", [RangeSeries({"__name__": "unrelated_total"},
                                                                    np.array([0.0, 60]), np.array([0.0, 1]))])
    with pytest.raises(PlaybookError, match="no exported series matches"):
        slo_series(spec, load_query_range(empty))


def test_selector_matching():
    lab = {"__name__": "x_total", "code": "503", "job": "api"}
    assert selector_matches("x_total", lab) and selector_matches('x_total{code!="200"}', lab)
    assert not selector_matches('x_total{code!~"5.."}', lab) and not selector_matches("y_total", lab)
    with pytest.raises(PlaybookError, match="label matchers"):
        selector_matches("x_total{code=5}", lab)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=2, max_size=60), st.lists(st.integers(0, 59), max_size=3),
       st.lists(st.integers(1, 58), max_size=4))
def test_counter_minutes_conserves_events(counts, restarts, missing):
    # property: with resets anywhere and short gaps, every event is counted exactly once
    counts = np.array(counts, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(counts)])
    restarts = sorted({r for r in restarts if 1 < r < len(cum)})
    for r in restarts:
        # the process restarts after sample r - 1; by sample r its new counter holds minute r - 1's events.
        # A restart is only visible when the value drops (as for Prometheus), so keep those.
        assume(cum[r - 1] > cum[r] - cum[r - 1])
        cum[r:] -= cum[r - 1]
    missing = [m for m in missing if m < len(cum) - 1 and m not in restarts and m + 1 not in restarts]
    keep = np.ones(len(cum), dtype=bool)
    keep[missing] = False  # missed scrapes: gaps of two minutes or more, never across a restart
    r = counter_minutes(60.0 * np.arange(len(cum))[keep], cum[keep], 0, len(counts))
    assert r.holes == 0 and r.events.sum() == pytest.approx(counts.sum())
    assert (r.events >= 0).all()
