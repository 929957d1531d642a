"""The repository's GitHub Actions workflows and the book's sample pipeline: valid against the workflow
schema (check-jsonschema's vendored copy, offline) and every action pinned by full commit SHA with its
tag in a comment, so a moved tag cannot change what runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dfp.core.paths import repo_root

ROOT = repo_root()
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PIPELINES = sorted((ROOT / "book" / "04-delivery" / "pipelines").glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")

# `uses: owner/repo[/path]@<40 hex>  # vX[.Y[.Z]]`; local actions (./...) need no pin
_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
_TAG_COMMENT = re.compile(r"^\s+#\s*v\d+(\.\d+){0,2}\s*$")


def unpinned_actions(text: str) -> list[str]:
    """Lines of a workflow whose ``uses:`` is not a full commit SHA followed by ``# vX.Y.Z``."""
    bad = []
    for n, line in enumerate(text.splitlines(), 1):
        m = _USES.match(line)
        if not m or m["ref"].startswith("./"):
            continue
        ref = m["ref"].strip("'\"")
        if not _PINNED.match(ref) or not _TAG_COMMENT.match(m["rest"]):
            bad.append(f"line {n}: {line.strip()}")
    return bad


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, check=False, timeout=120)


def test_the_repository_has_its_test_and_pages_workflows():
    assert [p.name for p in WORKFLOWS] == ["pages.yml", "test.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid(path: Path):
    out = _validate(path)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", WORKFLOWS + PIPELINES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "uses:" in text
    assert not unpinned_actions(text), f"{path.name}: actions not pinned by full commit SHA + tag comment:\n" + "\n".join(
        unpinned_actions(text))


def test_pin_check_fails_on_a_tag_a_branch_a_short_sha_or_a_missing_tag_comment():
    sha = "3d3c42e5aac5ba805825da76410c181273ba90b1"
    good = f"      - uses: actions/checkout@{sha}  # v7.0.1\n      - uses: ./local-action\n"
    assert unpinned_actions(good) == []
    for bad in ("      - uses: actions/checkout@v4\n", "        uses: actions/checkout@main\n",
                f"      - uses: actions/checkout@{sha[:12]}  # v7.0.1\n", f"      - uses: actions/checkout@{sha}\n"):
        assert unpinned_actions(good + bad) == [f"line 3: {bad.strip()}"]


def test_test_workflow_runs_the_readme_command_and_pages_deploys_with_the_official_actions():
    test = yaml.safe_load((ROOT / ".github" / "workflows" / "test.yml").read_text())
    assert set(test[True]) == {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    runs = [s.get("run") for job in test["jobs"].values() for s in job["steps"]]
    assert ".ci/run" in runs and "./run test" in (ROOT / ".ci" / "run").read_text()
    assert "./run test" in (ROOT / "README.md").read_text()
    pages = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    uses = [s.get("uses", "").split("@")[0] for job in pages["jobs"].values() for s in job["steps"]]
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)
    assert pages["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "./run book" in [s.get("run") for s in pages["jobs"]["build"]["steps"]]


def test_schema_check_fails_on_a_broken_workflow(tmp_path):
    broken = tmp_path / "test.yml"
    broken.write_text(WORKFLOWS[-1].read_text().replace("timeout-minutes: 30", "timeout-minutes: soon", 1))
    assert _validate(broken).returncode != 0
