"""The OpenSLO specifications load, match system.yml, and bad specs are rejected by file and field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.openslo import load_slos, parse_duration_min, parse_slo
from dfp.io.system import load_system

GOOD = yaml.safe_load((data_dir() / "slos" / "api.yaml").read_text())


def test_specs_load_and_cover_the_issue():
    names = {s.name for s in load_slos()}
    assert names == {"api-availability", "processing-latency", "processing-success",
                     "delivery-success", "delivery-freshness"}


def test_targets_match_system_yml():
    system = load_system()
    by = {s.name: s for s in load_slos()}
    assert by["api-availability"].slo_target == pytest.approx(system.target("api_availability").value)
    assert by["processing-success"].error_budget_ratio == pytest.approx(system.target("processing_error_ratio").value)
    assert by["delivery-success"].slo_target == pytest.approx(system.target("delivery_success_ratio").value)
    for s in by.values():
        system.target(s.target_id)  # every annotation names a real target
        assert s.period_days == 30 and s.rolling


def _bad(mutate, tmp_path: Path) -> str:
    doc = copy.deepcopy(GOOD)
    mutate(doc)
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(PlaybookError) as err:
        load_slos(tmp_path)
    return str(err.value)


def test_target_of_one_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["objectives"][0].update(target=1.0), tmp_path)
    assert "x.yaml" in msg and "spec.objectives[0].target" in msg and "1.0" in msg


def test_percent_target_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["objectives"][0].update(target=99.95), tmp_path)
    assert "x.yaml" in msg and "99.95" in msg


def test_unknown_window_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["timeWindow"][0].update(duration="30x"), tmp_path)
    assert "x.yaml" in msg and "spec.timeWindow[0].duration" in msg and "30x" in msg


def test_missing_indicator_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"].pop("indicator"), tmp_path)
    assert "x.yaml" in msg and "spec.indicator" in msg


def test_good_and_bad_both_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["indicator"]["spec"]["ratioMetric"].update(
        good=copy.deepcopy(GOOD["spec"]["indicator"]["spec"]["ratioMetric"]["total"])), tmp_path)
    assert "exactly one of good/bad" in msg


def test_duplicate_names_rejected(tmp_path):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(GOOD))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(GOOD))
    with pytest.raises(PlaybookError, match=r"already defined in a\.yaml"):
        load_slos(tmp_path)


def test_durations():
    assert parse_duration_min("28d") == 28 * 1440
    assert parse_duration_min("1M") == 30 * 1440
    with pytest.raises(PlaybookError, match="unknown window"):
        parse_duration_min("0d")
    spec = copy.deepcopy(GOOD)
    spec["spec"]["timeWindow"] = [{"duration": "4w", "isRolling": True}]
    assert parse_slo(spec, "t.yaml").period_days == 28
