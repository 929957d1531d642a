"""Every own-data command runs on both of its sample inputs: the platform's own data and a second,
differently shaped sample generated in the repository. Runs the real command line (``python -m dfp``)
in a subprocess, from a folder outside the repository, as a user would.

``OWN_DATA_COMMANDS`` lists the commands. Each entry is ``(name, argv_factory)``, where the factory takes
a scratch folder and returns ``{sample name: argv}``: the platform's own data in the standard format, and
a second, differently shaped sample generated in the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from dfp.core.paths import DATA_DIR_ENV, data_dir
from dfp.generate.focus_sample import write_sample_export
from dfp.generate.promexport import platform_export
from dfp.generate.promexport import write_sample as write_promexport_sample
from dfp.generate.samples import write_team_deploy_log
from dfp.generate.sli import load_minutes
from dfp.io.data import load
from dfp.io.deploylog import to_github_deployments
from dfp.io.openslo import load_slos
from dfp.io.promexport import write_query_range
from dfp.io.system import load_system


def _dora_samples(tmp: Path) -> dict[str, list[str]]:
    gh = tmp / "platform-deployments.json"
    gh.write_text(json.dumps(to_github_deployments(load("deployments"))))
    return {
        "platform CSV (default input)": ["dora", "--json"],
        "platform as GitHub deployments JSON": ["dora", str(gh), "--json"],
        "second sample: a small team's CSV": ["dora", str(write_team_deploy_log(tmp / "team.csv")), "--json"],
    }


def _focus_samples(tmp: Path) -> dict[str, list[str]]:
    other = write_sample_export(tmp / "nimbus-focus.csv", rows=2000)
    return {
        "platform bill (FOCUS 1.2, USD)": ["focus", "check", str(data_dir() / "billing_daily.csv.gz"), "--scope", "bill"],
        "second sample: another provider's FOCUS 1.0 shape, EUR, x_ columns": ["focus", "check", str(other)],
    }


def _cost_samples(tmp: Path) -> dict[str, list[str]]:
    other = write_sample_export(tmp / "nimbus-focus.csv", rows=2000)
    return {
        "platform bill by service": ["cost", "report", str(data_dir() / "billing_daily.csv.gz")],
        "second sample by service category": ["cost", "report", str(other), "--by", "ServiceCategory"],
    }


def _platform_slo_export(tmp: Path) -> Path:
    sim = load_minutes()
    specs = load_slos()
    start = load_system().incident("INC-02").impact_start.normalize() - pd.Timedelta(days=1)
    return write_query_range(tmp / "platform.json", platform_export(sim, specs, "us-east-1", start, 2 * 1440))


def _slo_samples(tmp: Path) -> dict[str, list[str]]:
    slos, _ = write_promexport_sample(tmp / "sample")
    return {"platform specs (data/slos)": ["slo", "check", str(data_dir() / "slos")],
            "second sample: a shop's OpenSLO file": ["slo", "check", str(slos)]}


def _backtest_samples(tmp: Path) -> dict[str, list[str]]:
    slos, export = write_promexport_sample(tmp / "sample")
    return {
        "platform minutes around INC-02 as a query_range export": [
            "slo", "backtest", "--slos", str(data_dir() / "slos"), "--series", str(_platform_slo_export(tmp)),
            "--policies", str(data_dir() / "reliability" / "alert-policies.yaml")],
        "second sample: two pods, 30 s scrapes, counter resets and gaps": [
            "slo", "backtest", "--slos", str(slos), "--series", str(export)],
    }


OWN_DATA_COMMANDS: list[tuple[str, Callable[[Path], dict[str, list[str]]]]] = [
    ("dfp dora", _dora_samples),
    ("dfp focus check", _focus_samples),
    ("dfp cost report", _cost_samples),
    ("dfp slo check", _slo_samples),
    ("dfp slo backtest", _backtest_samples),
]


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dfp", *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.parametrize(("name", "factory"), OWN_DATA_COMMANDS, ids=[n for n, _ in OWN_DATA_COMMANDS])
def test_own_data_command_runs_on_both_samples(name, factory, tmp_path):
    env = {**os.environ, DATA_DIR_ENV: str(data_dir())}
    samples = factory(tmp_path)
    assert len(samples) >= 2, f"{name}: needs the platform's data and a second sample"
    for sample, argv in samples.items():
        done = _run(argv, tmp_path, env)
        assert done.returncode == 0, f"{name} on {sample}: rc {done.returncode}\n{done.stderr}"
        assert done.stdout.strip(), f"{name} on {sample}: printed nothing"


def test_dora_json_agrees_between_platform_formats(tmp_path):
    env = {**os.environ, DATA_DIR_ENV: str(data_dir())}
    runs = {k: json.loads(_run(v, tmp_path, env).stdout) for k, v in _dora_samples(tmp_path).items()}
    csv, gh, team = runs.values()
    for key in ("failed", "unplanned", "restore_median_min"):
        assert csv["overall"][key] == pytest.approx(gh["overall"][key]), key
    # GitHub counts an environment's first deployment as a change even when it was a redeploy
    assert 0 <= gh["overall"]["deploys"] - csv["overall"]["deploys"] <= len(load("deployments")["service"].unique())
    for level in ("deployment frequency", "change failure rate", "failed deployment recovery time"):
        assert csv["levels"][level] == gh["levels"][level], level
    assert gh["overall"]["lead_time_median_h"] is None  # no commits file given: lead time is n/a, not 0
    assert team["overall"]["lead_time_median_h"] is None and team["overall"]["deploys"] > 0


def test_dora_text_output_and_errors(tmp_path):
    env = {**os.environ, DATA_DIR_ENV: str(data_dir())}
    done = _run(["dora"], tmp_path, env)
    assert done.returncode == 0 and "Deployment frequency" in done.stdout and "Four Keys" in done.stdout
    assert "nan" not in done.stdout.lower().replace("n/a", "")
    bad = tmp_path / "bad.csv"
    bad.write_text("deployed_at,failed\n2025-01-01T00:00:00Z,perhaps\n")
    done = _run(["dora", str(bad)], tmp_path, env)
    assert done.returncode == 2 and "bad.csv: column failed: row 1" in done.stderr
    done = _run(["--data-dir", str(tmp_path / "missing"), "dora"], tmp_path, env)
    assert done.returncode == 2 and f"{DATA_DIR_ENV} must name a folder" in done.stderr
