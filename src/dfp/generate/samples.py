"""Second sample inputs for the own-data commands: shaped unlike the platform's, generated, not committed.

=========================  ===========================================================================
``team_deploy_log``         a small team's deploy log in the minimal CSV shape ``dfp dora`` accepts
``write_team_deploy_log``   the same, written to a CSV file
=========================  ===========================================================================

The platform's own ``data/deployments.csv`` is the first sample of every format; this one checks
that the commands do not lean on the platform's extra columns. It is a different team: one service,
weekday deploys at a few a week, local times with their UTC offset (across a DST change), no ``deploy_id``, no ``commits``
(every deploy is a change), no detection or rollback times, an unrelated ``notes`` column the reader
must ignore, and the ``unplanned`` flag on the deploy after each failure. Fictional, seeded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["team_deploy_log", "write_team_deploy_log"]


def team_deploy_log(seed: int = 7, weeks: int = 26, deploys_per_week: float = 3.0,
                    change_failure_ratio: float = 0.12) -> pd.DataFrame:
    """A small team's deploy log: ``deployed_at`` (Berlin local time, +01:00 or +02:00), ``service``,
    ``failed``, ``restored_at``, ``unplanned``, ``notes``; all text, as read from a CSV.

    >>> log = team_deploy_log()
    >>> list(log.columns), log["deployed_at"].iloc[0][-6:], log["deployed_at"].iloc[-1][-6:]
    (['deployed_at', 'service', 'failed', 'restored_at', 'unplanned', 'notes'], '+01:00', '+02:00')
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-03-03", periods=7 * weeks, freq="D", tz="Europe/Berlin")
    days = days[days.day_of_week < 5]
    n = rng.poisson(deploys_per_week / 5.0, len(days))
    day = np.repeat(days.to_numpy(), n)
    minutes = rng.integers(9 * 60, 17 * 60, len(day))
    at = (pd.DatetimeIndex(day).tz_localize(None) + pd.to_timedelta(minutes, unit="min")).tz_localize("Europe/Berlin")
    at = at.sort_values()
    failed = rng.random(len(at)) < change_failure_ratio
    restore = pd.to_timedelta(np.round(rng.lognormal(np.log(90.0), 0.8, len(at))), unit="min")
    unplanned = np.concatenate([[False], failed[:-1]])  # the next deploy after a failure fixes it
    fmt = "%Y-%m-%dT%H:%M:%S%z"

    def iso(ts: pd.DatetimeIndex) -> pd.Index:
        s = ts.strftime(fmt)
        return s.str[:-2] + ":" + s.str[-2:]

    return pd.DataFrame({
        "deployed_at": iso(at),
        "service": "billing-api",
        "failed": np.where(failed, "true", "false"),
        "restored_at": np.where(failed, iso(at + restore), ""),
        "unplanned": np.where(unplanned, "yes", "no"),
        "notes": np.where(failed, "rolled back", ""),
    })


def write_team_deploy_log(path: Path | str, seed: int = 7) -> Path:
    """Write :func:`team_deploy_log` to ``path`` (CSV, ``\\n`` line ends); returns the path."""
    p = Path(path)
    team_deploy_log(seed).to_csv(p, index=False, lineterminator="\n")
    return p
