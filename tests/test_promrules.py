"""The generated Prometheus rules: up to date, valid for promtool, and unit-tested by promtool.

promtool comes from the Debian package `prometheus` (./run test installs it). Without it these
tests FAIL with a message saying what to install; they never skip.
"""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.generate.sli import load_minutes
from dfp.io.openslo import load_openslo, load_slos
from dfp.io.system import load_system
from dfp.reliability import alerting, promrules
from dfp.reliability.alerting import SliSeries, load_policies

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


META = ["slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio", "sloth_slo_info"]


def test_rules_cover_every_slo_and_window_in_one_group_alerts_last():
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    groups = {g["name"]: g["rules"] for g in doc["groups"]}
    policy = next(p for p in load_policies() if p.adopted)
    windows = {w for r in policy.rules for w in r.windows_min}
    for spec in load_slos():
        rules = groups[f"slo-{spec.name}"]
        records = [r["record"] for r in rules if "record" in r]
        alerts = [r for r in rules if "alert" in r]
        assert rules[-len(alerts):] == alerts  # the alerts run after every recording they read
        assert [a["labels"]["severity"] for a in alerts] == ["page", "ticket"]
        sli = {r for r in records if r.startswith("slo:sli_error:ratio_rate")}
        assert sli == {f"slo:sli_error:ratio_rate{promrules.prom_duration(w)}" for w in windows | {30 * 1440}}
        assert records[len(sli):] == META  # Sloth's meta recordings (pkg/common/conventions/slo.go)
        info = next(r for r in rules if r.get("record") == "sloth_slo_info")["labels"]
        assert info["sloth_id"] == f"{spec.service}-{spec.name}" and float(info["sloth_objective"]) == \
            pytest.approx(100 * spec.slo_target)
    api = groups["slo-api-availability"]
    # 14.4 x (1 - 0.9997) = 0.00432: the SRE Workbook's fast-burn threshold for the internal SLO
    assert "> 0.00432" in next(r for r in api if r.get("alert") == "ErrorBudgetPage")["expr"]
    assert next(r for r in api if r.get("record") == "slo:error_budget:ratio")["expr"] == "vector(1-0.9997)"


def test_for_clause_is_emitted():
    static = next(p for p in load_policies() if p.id == "static")
    (group,) = promrules.rule_groups([load_slos()[0]], static)
    (page,) = [r for r in group["rules"] if "alert" in r]
    assert page["for"] == "2m" and "> 0.003" in page["expr"]  # 10 x the internal SLO's 0.03 % budget
    adopted = next(p for p in load_policies() if p.adopted)  # both of its pages hold for a minute
    pages = [r for g in promrules.rule_groups(load_slos(), adopted) for r in g["rules"] if r.get("alert") == "ErrorBudgetPage"]
    assert len(pages) == len(load_slos()) and all(r["for"] == "1m" for r in pages)
    tickets = [r for g in promrules.rule_groups(load_slos(), adopted) for r in g["rules"] if r.get("alert") == "ErrorBudgetTicket"]
    assert all("for" not in r for r in tickets)


def test_unsupported_specs_are_refused_by_name():
    fix = repo_root() / "tests" / "fixtures" / "openslo"
    slos = load_openslo(fix / "timeslices.yaml").slos
    with pytest.raises(PlaybookError, match="counter is False"):
        promrules.check_supported(slos["queue-drain"])
    with pytest.raises(PlaybookError, match="budgetingMethod Timeslices"):
        promrules.check_supported(slos["portal-uptime"])
    with pytest.raises(PlaybookError, match="threshold metric"):
        promrules.check_supported(load_openslo(fix / "search-latency.yaml").slos["search-latency"])


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
        'sum(rate(dfp_edge_requests_total{code=~"5.."}[1h])) /')


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
    lax = RULES.read_text(encoding="utf-8").replace("> 0.00432", "> 0.0432").replace("> 0.01296", "> 0.1296")
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


def _slice(slo: str, region: str, incident: str, days: float) -> SliSeries:
    """``days`` of the platform's SLI minutes from the midnight a day before ``incident``'s impact."""
    sim, spec = load_minutes(), next(s for s in load_slos() if s.name == slo)
    total, bad = sim.counts[(slo, region)]
    inc = load_system().incident(incident)
    a = int((inc.impact_start.normalize() - pd.Timedelta(days=1) - sim.start) / pd.Timedelta(minutes=1))
    b = a + int(days * 1440)
    return SliSeries(slo, region, spec.slo_target, spec.period_days, sim.start + pd.Timedelta(minutes=a),
                     bad[a:b], total[a:b])


@pytest.mark.parametrize(("slo", "incident", "days", "policy"), [
    ("processing-latency", "INC-01", 3, "tuned"),          # good/total over two metrics, the adopted policy
    ("processing-success", "INC-03", 2, "static"),         # bad/total of one metric, `for: 2m`
])
def test_backtest_fires_on_the_same_minutes_as_promtool(tmp_path, slo, incident, days, policy):
    # promtool evaluates the generated rules (default group order) on the same counters, and must
    # see exactly the backtest's firing state at every minute
    _promtool()
    spec = next(s for s in load_slos() if s.name == slo)
    pol = next(p for p in load_policies() if p.id == policy)
    series = _slice(slo, "us-east-1", incident, days)
    assert alerting.firing(series, pol.rules, "page").sum() > 0  # the replay includes pages
    run = promrules.run_replay(spec, pol, series, tmp_path)
    assert run.passed, run.output[-3000:]


def test_replay_has_teeth_alerts_in_a_group_of_their_own_fire_a_minute_late(tmp_path):
    # the old layout (recordings and alerts in separate groups), with the alert group evaluated first,
    # reads the previous minute's ratios: the same replay must then fail
    _promtool()
    spec = next(s for s in load_slos() if s.name == "processing-latency")
    pol = next(p for p in load_policies() if p.adopted)
    series = _slice("processing-latency", "us-east-1", "INC-01", 2)
    assert alerting.firing(series, pol.rules, "page").sum() > 0
    assert promrules.run_replay(spec, pol, series, tmp_path / "ok").passed
    (group,) = promrules.rule_groups([spec], pol)
    rec = [r for r in group["rules"] if "record" in r]
    alerts = [r for r in group["rules"] if "alert" in r]
    split = {"groups": [{"name": "recordings", "rules": rec}, {"name": "alerts", "rules": alerts}]}
    bad = tmp_path / "split"
    bad.mkdir()
    (bad / "rules.yml").write_text(yaml.safe_dump(split, sort_keys=False), encoding="utf-8")
    test = yaml.safe_load(promrules.replay_test(spec, pol, series, "rules.yml"))
    test["group_eval_order"] = ["alerts", "recordings"]
    (bad / "replay.test.yml").write_text(yaml.safe_dump(test, sort_keys=False, width=100000), encoding="utf-8")
    proc = subprocess.run([_promtool(), "test", "rules", "replay.test.yml"], cwd=bad, capture_output=True, text=True)
    assert proc.returncode != 0 and "FAILED" in proc.stdout + proc.stderr
