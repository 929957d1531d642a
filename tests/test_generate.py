"""The seeded generator: byte-identical output, committed data up to date, unchanged files untouched."""

from __future__ import annotations

import gzip

import pytest

from dfp.core.paths import data_dir
from dfp.generate import generate_all
from dfp.io.data import load


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    generate_all(a)
    generate_all(b)
    return a, b


def _payload(path):
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.name.endswith(".gz") else raw


@pytest.mark.slow
def test_same_seed_gives_byte_identical_files(generated):
    a, b = generated
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow
def test_committed_data_is_what_the_seed_generates(generated):
    a, _ = generated
    for path in sorted(a.iterdir()):
        committed = data_dir() / path.name
        assert committed.is_file(), f"{path.name} is generated but not committed: run ./run generate"
        assert _payload(committed) == _payload(path), f"{path.name} is stale: run ./run generate"


@pytest.mark.slow
def test_unchanged_files_are_not_rewritten(tmp_path):
    first = generate_all(tmp_path, only=["business"])
    assert all(first.values())
    stamp = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    second = generate_all(tmp_path, only=["business"])
    assert not any(second.values())
    assert stamp == {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}


def test_story_shape(system):
    """The data tells the story the brief fixes: growth past 10 M/day, EU only after the EU region."""
    usage = load("usage_daily")
    daily = usage.groupby("date")["events"].sum()
    assert daily.iloc[:30].mean() < 2e6 < 1e7 < daily.iloc[-30:].mean()
    eu = usage[usage["region"] == "eu-west-1"]
    assert eu["date"].min() >= system.region("eu-west-1").live_from
    hourly = load("traffic_hourly")
    per_day = hourly.assign(date=hourly["hour"].dt.normalize()).groupby(["date", "region"])["events"].sum()
    per_day_usage = usage.groupby(["date", "region"])["events"].sum()
    assert per_day.sort_index().to_numpy().tolist() == per_day_usage.sort_index().to_numpy().tolist()
    customers = load("customers")
    large = customers[customers["large_tenant"]]
    assert len(large) == 1 and large["signup_date"].iloc[0] < system.incident("INC-01").impact_start


def test_weekends_are_quieter():
    daily = load("usage_daily").groupby("date")["events"].sum()
    weekend = daily[daily.index.day_of_week >= 5]
    weekday = daily[daily.index.day_of_week < 5]
    assert weekend.mean() < 0.8 * weekday.mean()
