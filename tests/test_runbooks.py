"""Runbooks cross-read against the GitOps settings: a rollback they prescribe must work with Argo CD as configured."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RUNBOOKS = sorted((ROOT / "book" / "05-reliability" / "runbooks").glob("runbook-*.md"))
# Rollbacks Argo CD refuses (history rollback) or self-heal undoes (a live edit) while automated sync is on.
_BROKEN = re.compile(r"roll(?:ed|ing)?\s+(?:it\s+)?back\s+in\s+Argo\s*CD(?!\s+UI)|roll\s+back\s+the\s+application\s+revision"
                     r"|argocd\s+app\s+rollback(?![^.]*after)", re.IGNORECASE)


def _automated_apps() -> list[str]:
    out = []
    for path in (ROOT / "book").rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "Application":
                auto = (doc.get("spec", {}).get("syncPolicy") or {}).get("automated")
                if auto is not None and auto.get("enabled", True) is not False:
                    out.append(doc["metadata"]["name"])
    return out


def broken_rollbacks(text: str) -> list[str]:
    """Sentences of a runbook that roll back in a way automated sync refuses or reverts, unless they suspend it first."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [s for s in sentences if _BROKEN.search(s) and "suspend" not in s.lower()]


def test_the_gitops_settings_have_automated_sync():
    assert _automated_apps(), "no Argo CD Application with automated sync found: revisit this test's premise"


@pytest.mark.parametrize("path", RUNBOOKS, ids=lambda p: p.name)
def test_runbook_rollbacks_work_with_automated_sync(path):
    assert _automated_apps()
    assert not broken_rollbacks(path.read_text(encoding="utf-8")), f"{path.name} prescribes a rollback Argo CD refuses"


def test_a_rollback_in_the_argo_cd_ui_is_caught():
    assert broken_rollbacks("A deploy in the last hour? Roll it back in Argo CD (the previous revision).")
    assert broken_rollbacks("Or roll back the application revision directly.")
    assert not broken_rollbacks("Suspend automated sync, then argocd app rollback the app.")
    assert not broken_rollbacks("Revert the commit and let Argo CD sync it.")
