"""The generated Prometheus rules: up to date, valid for promtool, and unit-tested by promtool.

promtool comes from the Debian package `prometheus` (./run test installs it). Without it these
tests FAIL with a message saying what to install; they never skip.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.io.openslo import load_slos
from dfp.reliability import promrules
from dfp.reliability.alerting import load_policies

RULES = repo_root() / promrules.RULES_FILE
TESTS = RULES.with_name("slo-rules.test.yml")


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: install the Debian package 'prometheus' "
                    "(apt-get install prometheus; ./run test installs it) and re-run")
    return path


def test_committed_rules_are_regenerated_identically():
    assert RULES.read_text(encoding="utf-8") == promrules.render_rules(), \
        "slo-rules.yml is stale: run `dfp rules` and commit the result"
    assert promrules.write_rules(check=True)


def test_rules_cover_every_slo_and_window():
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    names = {g["name"] for g in doc["groups"]}
    policy = next(p for p in load_policies() if p.adopted)
    windows = {w for r in policy.rules for w in r.windows_min}
    for spec in load_slos():
        assert {f"slo-recording-{spec.name}", f"slo-alerts-{spec.name}"} <= names
        rec = next(g for g in doc["groups"] if g["name"] == f"slo-recording-{spec.name}")
        assert len(rec["rules"]) == len(windows)
        alerts = next(g for g in doc["groups"] if g["name"] == f"slo-alerts-{spec.name}")["rules"]
        assert [a["labels"]["severity"] for a in alerts] == ["page", "ticket"]
    api = next(g for g in doc["groups"] if g["name"] == "slo-alerts-api-availability")["rules"][0]
    # 14.4 x (1 - 0.9995) = 0.0072: the SRE Workbook's fast-burn threshold for this objective
    assert "> 0.0072" in api["expr"]


def test_prom_duration():
    assert promrules.prom_duration(4320) == "3d"
    assert promrules.prom_duration(1500) == "1d1h"
    with pytest.raises(PlaybookError):
        promrules.prom_duration(0.5)


def test_error_ratio_expr_for_good_and_bad_specs():
    by = {s.name: s for s in load_slos()}
    assert promrules.error_ratio_expr(by["processing-latency"], 5).startswith(
        '1 - (sum(rate(dfp_event_processing_latency_seconds_bucket{le="0.5"}[5m]))')
    assert promrules.error_ratio_expr(by["api-availability"], 60).startswith(
        'sum(rate(dfp_api_requests_total{code=~"5.."}[1h])) /')


@pytest.mark.slow
def test_promtool_check_rules():
    proc = subprocess.run([_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


@pytest.mark.slow
def test_promtool_unit_tests_fire_on_incident_and_stay_quiet_when_healthy():
    proc = subprocess.run([_promtool(), "test", "rules", TESTS.name], cwd=TESTS.parent, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_promtool_unit_tests_have_teeth(tmp_path):
    # the same unit tests against rules whose page threshold is 10x too lax must fail
    lax = RULES.read_text(encoding="utf-8").replace("> 0.0072", "> 0.072").replace("> 0.0216", "> 0.216")
    (tmp_path / "slo-rules.yml").write_text(lax, encoding="utf-8")
    shutil.copy(TESTS, tmp_path / TESTS.name)
    proc = subprocess.run([_promtool(), "test", "rules", TESTS.name], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0


def test_cli_rules_check(tmp_path, capsys):
    from dfp.book.cli import main

    assert main(["rules", "--check"]) == 0
    assert "unchanged" in capsys.readouterr().out
    stale = tmp_path / "slo-rules.yml"
    stale.write_text("groups: []\n", encoding="utf-8")
    assert promrules.write_rules(check=True, path=stale) is False
    assert promrules.write_rules(path=stale) is False  # rewritten
    assert stale.read_text(encoding="utf-8") == promrules.render_rules()
