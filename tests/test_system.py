"""The canonical facts file: parsed, validated, and bad fields rejected with the field named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.system import load_system


def test_story_calendar(system):
    assert system.start == pd.Timestamp("2024-11-01", tz="UTC")
    assert system.end == pd.Timestamp("2026-11-01", tz="UTC")
    assert [e.id for e in system.eras] == ["mvp", "full-platform", "scale"]
    assert system.era_of("2025-03-15").id == "full-platform"
    assert system.month_of("2026-10-31") == 23
    with pytest.raises(PlaybookError, match="outside the story"):
        system.era_of("2027-01-01")


def test_targets_are_ratios_not_percentages(system):
    t = system.target("api_availability")
    assert t.value == 0.9995 and t.met_by(0.9996) and not t.met_by(0.9994)
    for target in system.targets:
        if target.unit == "fraction":
            assert 0 < target.value <= 1, target.id


def test_incident_calendar_inside_story_and_ordered(system):
    starts = [i.impact_start for i in system.incidents]
    assert starts == sorted(starts)
    assert len(system.incidents) == 6
    inc = system.incident("hot-partition")
    assert inc.id == "INC-01" and inc.critical and inc.duration_min == 77


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load((data_dir() / "system.yml").read_text())
    mutate(raw)
    p = tmp_path / "system.yml"
    p.write_text(yaml.safe_dump(raw))
    return p


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("targets"), "missing field targets"),
        (lambda r: r["targets"][0].update(op="~"), r"targets\[0\]\.op must be one of"),
        (lambda r: r["targets"][1].update(value="fast"), r"targets\[1\]\.value must be a number"),
        (lambda r: r["incidents"][0].update(impact_start="yesterday"), r"incidents\[0\]\.impact_start must be a timestamp"),
        (lambda r: r["incidents"][2].update(impact_end="2025-11-18T19:00:00Z"), r"incidents\[2\]\.impact_end must be after"),
        (lambda r: r["eras"][1].update(first_month=5), r"eras\[1\] must start at month 4"),
        (lambda r: r["incidents"][0].update(severity="sev0"), r"incidents\[0\]\.severity"),
    ],
)
def test_bad_system_file_names_the_field(tmp_path, mutate, message):
    with pytest.raises(PlaybookError, match=message) as exc:
        load_system(_write(tmp_path, mutate))
    assert "system.yml" in str(exc.value)


def test_missing_system_file(tmp_path):
    with pytest.raises(PlaybookError, match="not found"):
        load_system(tmp_path / "nope.yml")
