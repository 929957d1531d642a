"""Every own-data command runs on both of its sample inputs: the platform's own data and a second,
differently shaped sample generated in the repository. Runs the real command line (``python -m dfp``)
in a subprocess, from a folder outside the repository, as a user would.

MERGE HOOK: ``OWN_DATA_COMMANDS`` lists the commands. Each entry is ``(name, argv_factory)``, where the
factory takes a scratch folder and returns ``{sample name: argv}`` for both samples. The FOCUS
(``dfp focus check``, ``dfp cost report``) and SLO (``dfp slo check``, ``dfp slo backtest``) commands
join the list at merge with their own factories.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dfp.core.paths import DATA_DIR_ENV, data_dir
from dfp.generate.samples import write_team_deploy_log
from dfp.io.data import load
from dfp.io.deploylog import to_github_deployments


def _dora_samples(tmp: Path) -> dict[str, list[str]]:
    gh = tmp / "platform-deployments.json"
    gh.write_text(json.dumps(to_github_deployments(load("deployments"))))
    return {
        "platform CSV (default input)": ["dora", "--json"],
        "platform as GitHub deployments JSON": ["dora", str(gh), "--json"],
        "second sample: a small team's CSV": ["dora", str(write_team_deploy_log(tmp / "team.csv")), "--json"],
    }


OWN_DATA_COMMANDS: list[tuple[str, Callable[[Path], dict[str, list[str]]]]] = [
    ("dfp dora", _dora_samples),
    # merge: ("dfp focus check", _focus_samples), ("dfp cost report", _cost_samples),
    # merge: ("dfp slo check", _slo_samples), ("dfp slo backtest", _backtest_samples),
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
