"""Deploy logs from outside the book: a documented CSV or GitHub's deployments JSON, read into one shape.

=============================  ===================================================================
``read_deploy_csv``             a deploy-log CSV (columns below) -> the deployments frame
``read_commits_csv``            a commits CSV (``deploy_id``, ``committed_at``) -> the commits frame
``read_github_deployments``     GitHub's REST deployments (with their statuses) -> the deployments frame
``to_github_deployments``       the deployments frame -> GitHub's JSON shape (the export the tests use)
``read_deploy_log``             either format by file suffix (``.csv`` / ``.json``)
=============================  ===================================================================

The frame every reader returns has the columns ``dfp.delivery.dora`` reads: ``deploy_id`` (str),
``deployed_at`` (UTC), ``service`` (str), ``commits`` (int), ``failed`` (bool), ``remediation``
(``none`` / ``rollback`` / ``fix-forward``), ``detected_at``, ``rollback_started_at``,
``restored_at`` (UTC or NaT) and, when the source has it, ``unplanned`` (bool).

**The CSV** (one row per production deployment; the platform's ``data/deployments.csv`` is one):

====================== ========== ====================================================================
column                  required   meaning
====================== ========== ====================================================================
``deployed_at``         yes        when the deployment reached production, ISO 8601 (UTC if no offset)
``failed``              yes        ``true``/``false``: the change degraded production and needed remediation
``restored_at``         if failed  when service was restored after a failed change
``deploy_id``           no         stable id; default ``row-<n>``; a commits file refers to it
``service``             no         deployed service; default ``-``
``commits``             no         commits first shipped (0 = redeploy, not a change); default 1
``remediation``         no         ``rollback`` / ``fix-forward`` / ``none``; default ``rollback`` if failed
``detected_at``         no         when the failure was detected
``rollback_started_at`` no         when the rollback or fix started
``unplanned``           no         ``true``: made to fix a problem in production (DORA 2024 rework rate)
====================== ========== ====================================================================

Other columns are ignored. Booleans are ``true``/``false`` (also ``1``/``0``, ``yes``/``no``).

**GitHub** (``GET /repos/{owner}/{repo}/deployments``, each deployment given a ``statuses`` list
from ``GET /repos/{owner}/{repo}/deployments/{id}/statuses``): a deployment in a production
environment (name matching ``environment``, default ``^prod``) counts when a status is ``success``,
at that status's ``created_at``. It is a change when its ``sha`` differs from the previous deployed
``sha`` in the same environment (an environment's first deployment counts as a change). It failed
when a ``failure`` or ``error`` status follows the ``success``; detection is that status's time,
and service counts as restored at the deployment's next ``inactive`` status (set it when the
rollback or fix is live), or else at the next successful deployment in the environment.
``payload.unplanned`` (bool) marks rework.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError

__all__ = ["read_commits_csv", "read_deploy_csv", "read_deploy_log", "read_github_deployments", "to_github_deployments"]

_TIMES = ("deployed_at", "detected_at", "rollback_started_at", "restored_at")
_TRUE = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}
_REMEDIATIONS = ("none", "rollback", "fix-forward")
_FAILED_STATES = ("failure", "error")


def _times(raw: pd.Series, where: str, required: bool) -> pd.Series:
    text = raw.fillna("").astype(str).str.strip()
    out = pd.to_datetime(text.where(text != ""), utc=True, errors="coerce", format="ISO8601")
    bad = (text != "") & out.isna()
    if bad.any():
        r = int(np.flatnonzero(bad.to_numpy())[0])
        raise PlaybookError(f"{where}: row {r + 1}: not an ISO 8601 time: {text.iloc[r]!r}")
    if required and out.isna().any():
        r = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise PlaybookError(f"{where}: row {r + 1}: empty, and the column is required")
    return out


def _bools(raw: pd.Series, where: str) -> pd.Series:
    text = raw.fillna("").astype(str).str.strip().str.lower()
    out = text.map(_TRUE)
    if out.isna().any():
        r = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise PlaybookError(f"{where}: row {r + 1}: expected true/false; got {text.iloc[r]!r}")
    return out.astype(bool)


def _finish(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Check the cross-column rules every reader's output obeys; sort by time."""
    dup = df["deploy_id"].duplicated()
    if dup.any():
        raise PlaybookError(f"{where}: deploy_id {df.loc[dup, 'deploy_id'].iloc[0]!r} appears twice")
    f = df["failed"].to_numpy()
    no_restore = f & df["restored_at"].isna().to_numpy()
    if no_restore.any():
        raise PlaybookError(f"{where}: failed deployment {df.loc[no_restore, 'deploy_id'].iloc[0]!r} has no restored_at")
    early = f & (df["restored_at"] < df["deployed_at"]).to_numpy()
    if early.any():
        raise PlaybookError(f"{where}: deployment {df.loc[early, 'deploy_id'].iloc[0]!r} restored before it deployed")
    if not len(df):
        raise PlaybookError(f"{where}: no production deployments")
    return df.sort_values("deployed_at", kind="stable").reset_index(drop=True)


def read_deploy_csv(path: Path | str) -> pd.DataFrame:
    """Read a deploy-log CSV (columns in the module docstring) into the deployments frame.

    Raises:
        PlaybookError: the file is missing or empty, a required column is missing, a time does not
            parse, a boolean is not true/false, ``commits`` is not a whole number >= 0, a
            remediation is unknown, a failed deployment has no ``restored_at``.
    """
    p = Path(path)
    if not p.is_file():
        raise PlaybookError(f"deploy log not found: {p}")
    raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    missing = [c for c in ("deployed_at", "failed") if c not in raw.columns]
    if missing:
        raise PlaybookError(f"{p.name}: missing column(s) {missing}; required: deployed_at, failed")
    n = len(raw)
    out = pd.DataFrame(index=raw.index)
    out["deploy_id"] = raw["deploy_id"].astype(str) if "deploy_id" in raw else [f"row-{i + 1}" for i in range(n)]
    for col in _TIMES:
        out[col] = _times(raw[col], f"{p.name}: column {col}", required=col == "deployed_at") if col in raw \
            else pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    out["service"] = raw["service"].replace("", "-") if "service" in raw else "-"
    if "commits" in raw:
        commits = pd.to_numeric(raw["commits"].replace("", "1"), errors="coerce")
        bad = commits.isna() | (commits < 0) | (commits % 1 != 0)
        if bad.any():
            r = int(np.flatnonzero(bad.to_numpy())[0])
            raise PlaybookError(f"{p.name}: column commits: row {r + 1}: expected a whole number >= 0;"
                                f" got {raw['commits'].iloc[r]!r}")
        out["commits"] = commits.astype(int)
    else:
        out["commits"] = 1
    out["failed"] = _bools(raw["failed"], f"{p.name}: column failed")
    if "remediation" in raw:
        rem = raw["remediation"].str.strip().replace("", np.nan)
        rem = rem.fillna(pd.Series(np.where(out["failed"], "rollback", "none"), index=raw.index))
        unknown = ~rem.isin(_REMEDIATIONS)
        if unknown.any():
            r = int(np.flatnonzero(unknown.to_numpy())[0])
            raise PlaybookError(f"{p.name}: column remediation: row {r + 1}: {rem.iloc[r]!r} is not one of {list(_REMEDIATIONS)}")
        out["remediation"] = rem
    else:
        out["remediation"] = np.where(out["failed"], "rollback", "none")
    if "unplanned" in raw:
        out["unplanned"] = _bools(raw["unplanned"], f"{p.name}: column unplanned")
    return _finish(out, p.name)


def read_commits_csv(path: Path | str) -> pd.DataFrame:
    """Read a commits CSV (``deploy_id``, ``committed_at``; ``commit_id`` optional; ``.gz`` allowed).

    Raises:
        PlaybookError: the file or a required column is missing, or a time does not parse.
    """
    p = Path(path)
    if not p.is_file():
        raise PlaybookError(f"commits file not found: {p}")
    raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    missing = [c for c in ("deploy_id", "committed_at") if c not in raw.columns]
    if missing:
        raise PlaybookError(f"{p.name}: missing column(s) {missing}; required: deploy_id, committed_at")
    return pd.DataFrame({
        "commit_id": raw["commit_id"] if "commit_id" in raw else [f"c{i + 1}" for i in range(len(raw))],
        "committed_at": _times(raw["committed_at"], f"{p.name}: column committed_at", required=True),
        "deploy_id": raw["deploy_id"].astype(str),
    })


def _status_rows(deployments: Sequence[Mapping[str, Any]], where: str) -> pd.DataFrame:
    rows = []
    for i, d in enumerate(deployments):
        if not isinstance(d, Mapping) or "id" not in d or "environment" not in d:
            raise PlaybookError(f"{where}: deployment {i + 1}: expected an object with id, environment, sha, statuses")
        statuses = d.get("statuses")
        if not isinstance(statuses, list):
            raise PlaybookError(f"{where}: deployment {d['id']}: no statuses list (fetch"
                                " /repos/{owner}/{repo}/deployments/{id}/statuses and add it as 'statuses')")
        raw_payload = d.get("payload")
        payload: Mapping[str, Any] = raw_payload if isinstance(raw_payload, Mapping) else {}
        for s in statuses:
            rows.append({"deploy_id": str(d["id"]), "environment": str(d["environment"]), "sha": str(d.get("sha", "")),
                         "unplanned": bool(payload.get("unplanned", False)),
                         "state": str(s.get("state", "")), "at": s.get("created_at")})
    df = pd.DataFrame(rows, columns=["deploy_id", "environment", "sha", "unplanned", "state", "at"])
    df["at"] = _times(df["at"], f"{where}: status created_at", required=True)
    return df


def read_github_deployments(path: Path | str, environment: str = "^prod") -> pd.DataFrame:
    """Read GitHub's deployments JSON (a list, each with its ``statuses``) into the deployments frame.

    Args:
        path: the JSON file (rules in the module docstring).
        environment: regular expression a production environment's name must match (``re.search``).

    Raises:
        PlaybookError: not a JSON list, a deployment without ``statuses``, a time that does not
            parse, or no successful production deployment.
    """
    p = Path(path)
    if not p.is_file():
        raise PlaybookError(f"deploy log not found: {p}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PlaybookError(f"{p.name}: not valid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise PlaybookError(f"{p.name}: expected a JSON list of deployments (GitHub's REST shape)")
    try:
        env_re = re.compile(environment)
    except re.error as exc:
        raise PlaybookError(f"environment must be a regular expression; got {environment!r}: {exc}") from exc
    st = _status_rows(data, p.name)
    st = st.loc[st["environment"].map(lambda e: env_re.search(e) is not None)]
    ok = st.loc[st["state"] == "success"].groupby("deploy_id")["at"].min().rename("deployed_at")
    if ok.empty:
        raise PlaybookError(f"{p.name}: no successful deployment in an environment matching {environment!r}")
    first = st.drop_duplicates("deploy_id").set_index("deploy_id")[["environment", "sha", "unplanned"]]
    dep = first.join(ok, how="inner").reset_index().sort_values("deployed_at", kind="stable")
    after = st.merge(dep[["deploy_id", "deployed_at"]], on="deploy_id")
    after = after.loc[after["at"] > after["deployed_at"]]
    fail_at = after.loc[after["state"].isin(_FAILED_STATES)].groupby("deploy_id")["at"].min().rename("detected_at")
    dep = dep.join(fail_at, on="deploy_id")
    inactive = after.merge(fail_at.reset_index(), on="deploy_id")
    inactive = inactive.loc[(inactive["state"] == "inactive") & (inactive["at"] > inactive["detected_at"])]
    dep = dep.join(inactive.groupby("deploy_id")["at"].min().rename("inactive_at"), on="deploy_id")
    dep["next_success"] = dep.groupby("environment")["deployed_at"].shift(-1)
    prev_sha = dep.groupby("environment")["sha"].shift(1)
    failed = dep["detected_at"].notna()
    restored = dep["inactive_at"].fillna(dep["next_success"]).where(failed)
    out = pd.DataFrame({
        "deploy_id": dep["deploy_id"], "deployed_at": dep["deployed_at"], "service": dep["environment"],
        "commits": (dep["sha"] != prev_sha).astype(int), "failed": failed,
        "remediation": np.where(failed, "rollback", "none"), "detected_at": dep["detected_at"],
        "rollback_started_at": pd.Series(pd.NaT, index=dep.index, dtype="datetime64[ns, UTC]"),
        "restored_at": restored, "unplanned": dep["unplanned"].astype(bool),
    })
    return _finish(out, p.name)


def to_github_deployments(deploys: pd.DataFrame, environment: str = "production") -> list[dict[str, Any]]:
    """The deployments frame in GitHub's REST shape, each deployment with its ``statuses`` list.

    One environment per service (``<environment>-<service>``). A change gets a new ``sha``, a redeploy
    (``commits == 0``) repeats the service's previous one. Statuses: ``success`` at ``deployed_at``;
    for a failed change ``failure`` at ``detected_at`` (the deploy time if unknown) and ``inactive`` at
    ``restored_at``. ``payload.unplanned`` carries the rework flag. Ids are the row numbers from 1.
    """
    def ts(t: pd.Timestamp) -> str:
        return f"{t:%Y-%m-%dT%H:%M:%SZ}"

    d = deploys.sort_values("deployed_at", kind="stable").reset_index(drop=True)
    change_no = d["commits"].gt(0).groupby(d["service"]).cumsum()
    shas = [hashlib.sha1(f"{s}:{int(k)}".encode()).hexdigest() for s, k in zip(d["service"], change_no, strict=True)]
    out = []
    for i, r in enumerate(d.itertuples(index=False)):
        statuses = [{"state": "success", "created_at": ts(r.deployed_at)}]
        if r.failed:
            detected = r.detected_at if pd.notna(r.detected_at) else r.deployed_at
            statuses.append({"state": "failure", "created_at": ts(detected)})
            statuses.append({"state": "inactive", "created_at": ts(r.restored_at)})
        out.append({"id": i + 1, "sha": shas[i], "ref": "main", "task": "deploy",
                    "environment": f"{environment}-{r.service}", "created_at": ts(r.deployed_at),
                    "payload": {"unplanned": bool(getattr(r, "unplanned", False))}, "statuses": statuses})
    return out


def read_deploy_log(path: Path | str, environment: str = "^prod") -> pd.DataFrame:
    """Read a deploy log by its suffix: ``.json`` as GitHub's deployments, anything else as the CSV."""
    p = Path(path)
    return read_github_deployments(p, environment) if p.suffix.lower() == ".json" else read_deploy_csv(p)
