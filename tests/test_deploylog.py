"""Deploy logs from outside the book: the CSV and GitHub readers, on the platform's log and on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.delivery import dora as dl
from dfp.generate.samples import team_deploy_log, write_team_deploy_log
from dfp.io import deploylog
from dfp.io.data import load

START, END = pd.Timestamp("2024-01-01T00:00Z"), pd.Timestamp("2027-01-01T00:00Z")


@pytest.fixture(scope="module")
def platform() -> tuple[pd.DataFrame, pd.DataFrame]:
    return load("deployments"), load("commits")


def test_platform_csv_reads_like_the_loader(platform):
    deploys, commits = platform
    read = deploylog.read_deploy_csv(data_dir() / "deployments.csv")
    assert len(read) == len(deploys) and read["deploy_id"].tolist() == deploys["deploy_id"].tolist()
    assert read["failed"].sum() == deploys["failed"].sum() and read["unplanned"].sum() == deploys["unplanned"].sum()
    a = dl.dora_summary(read, deploylog.read_commits_csv(data_dir() / "commits.csv.gz"), START, END)
    b = dl.dora_summary(deploys, commits, START, END)
    assert a == b


def test_github_export_round_trip_keeps_the_metrics(platform, tmp_path):
    deploys, commits = platform
    doc = deploylog.to_github_deployments(deploys)
    assert {"id", "sha", "environment", "created_at", "statuses"} <= set(doc[0])
    path = tmp_path / "deployments.json"
    path.write_text(json.dumps(doc))
    gh = deploylog.read_github_deployments(path)
    ids = dict(zip(deploys.sort_values("deployed_at", kind="stable")["deploy_id"], gh["deploy_id"], strict=True))
    gh_commits = commits.assign(deploy_id=commits["deploy_id"].map(ids))
    a = dl.dora_summary(gh, gh_commits, START, END)
    b = dl.dora_summary(deploys, commits, START, END)
    # GitHub cannot tell a redeploy from a change at an environment's first deployment: it counts as a change
    first_is_redeploy = int((deploys.sort_values("deployed_at").groupby("service")["commits"].first() == 0).sum())
    assert (a.deploys, a.failed, a.commits, a.unplanned) == (b.deploys + first_is_redeploy, b.failed, b.commits, b.unplanned)
    assert a.lead_time_median_h == pytest.approx(b.lead_time_median_h)
    assert a.restore_median_min == pytest.approx(b.restore_median_min)
    assert a.rework_ratio == pytest.approx(b.unplanned / (b.deploys + first_is_redeploy))


def test_github_rules_by_hand(tmp_path):
    """Staging ignored; a redeploy of the same sha is no change; failure then inactive = restored."""
    def dep(i, env, sha, statuses, **payload):
        return {"id": i, "sha": sha, "environment": env, "created_at": statuses[0][1], "payload": payload,
                "statuses": [{"state": s, "created_at": t} for s, t in statuses]}
    doc = [
        dep(1, "production", "a", [("success", "2025-01-06T10:00:00Z")]),
        dep(2, "staging", "b", [("success", "2025-01-06T11:00:00Z")]),
        dep(3, "production", "b", [("success", "2025-01-07T10:00:00Z"), ("failure", "2025-01-07T10:20:00Z"),
                                   ("inactive", "2025-01-07T11:00:00Z")]),
        dep(4, "production", "b", [("pending", "2025-01-07T12:00:00Z"), ("success", "2025-01-07T12:05:00Z")]),
        dep(5, "production", "c", [("success", "2025-01-08T09:00:00Z")], unplanned=True),
        dep(6, "production", "d", [("error", "2025-01-08T10:00:00Z")]),  # never deployed
    ]
    path = tmp_path / "gh.json"
    path.write_text(json.dumps(doc))
    gh = deploylog.read_github_deployments(path)
    assert gh["deploy_id"].tolist() == ["1", "3", "4", "5"]
    assert gh["commits"].tolist() == [1, 1, 0, 1]
    assert gh["failed"].tolist() == [False, True, False, False]
    assert gh.loc[1, "restored_at"] == pd.Timestamp("2025-01-07T11:00:00Z")
    assert gh["unplanned"].tolist() == [False, False, False, True]


def test_second_sample_is_read(tmp_path):
    path = write_team_deploy_log(tmp_path / "team.csv")
    read = deploylog.read_deploy_log(path)
    raw = team_deploy_log()
    assert len(read) == len(raw) and (read["commits"] == 1).all() and read["service"].eq("billing-api").all()
    assert read["deployed_at"].dt.tz is not None and read["unplanned"].sum() == (raw["unplanned"] == "yes").sum()
    assert read["deploy_id"].iloc[0] == "row-1"


@pytest.mark.parametrize(("text", "message"), [
    ("service\nx\n", r"missing column\(s\) \['deployed_at', 'failed'\]"),
    ("deployed_at,failed\n2025-13-01T00:00:00Z,false\n", "row 1: not an ISO 8601 time"),
    ("deployed_at,failed\n,false\n", "row 1: empty, and the column is required"),
    ("deployed_at,failed\n2025-01-01T00:00:00Z,maybe\n", "column failed: row 1: expected true/false"),
    ("deployed_at,failed\n2025-01-01T00:00:00Z,true\n", "has no restored_at"),
    ("deployed_at,failed,restored_at\n2025-01-02T00:00:00Z,true,2025-01-01T00:00:00Z\n", "restored before it deployed"),
    ("deployed_at,failed,commits\n2025-01-01T00:00:00Z,false,1.5\n", "column commits: row 1: expected a whole number"),
    ("deployed_at,failed,remediation\n2025-01-01T00:00:00Z,false,revert\n", "'revert' is not one of"),
    ("deploy_id,deployed_at,failed\nA,2025-01-01T00:00:00Z,false\nA,2025-01-02T00:00:00Z,false\n", "'A' appears twice"),
    ("deployed_at,failed\n", "no production deployments"),
])
def test_bad_csv_is_named(tmp_path, text, message):
    path = tmp_path / "log.csv"
    path.write_text(text)
    with pytest.raises(PlaybookError, match=message):
        deploylog.read_deploy_csv(path)


@pytest.mark.parametrize(("doc", "message"), [
    ({"deployments": []}, "expected a JSON list"),
    ([{"id": 1, "environment": "production", "sha": "a"}], "no statuses list"),
    ([{"id": 1, "environment": "staging", "sha": "a", "statuses": [{"state": "success", "created_at": "2025-01-01T00:00:00Z"}]}],
     "no successful deployment in an environment matching"),
    ([{"id": 1, "environment": "production", "sha": "a", "statuses": [{"state": "success", "created_at": "yesterday"}]}],
     "not an ISO 8601 time"),
])
def test_bad_github_json_is_named(tmp_path, doc, message):
    path = tmp_path / "gh.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(PlaybookError, match=message):
        deploylog.read_github_deployments(path)


def test_missing_files_are_named(tmp_path: Path):
    with pytest.raises(PlaybookError, match="deploy log not found"):
        deploylog.read_deploy_log(tmp_path / "nope.json")
    with pytest.raises(PlaybookError, match="commits file not found"):
        deploylog.read_commits_csv(tmp_path / "nope.csv")
