"""Alerting policies as data, and a vectorised backtest that replays SLI history through them.

=========================  ================================================================
``Rule``, ``Policy``        an alert rule (windows, threshold, ``for``) and a named set of rules
``load_policies``           read ``data/reliability/alert-policies.yaml`` (validated)
``policy_from_openslo``     an OpenSLO SLO's alert policies (burn-rate conditions) as a ``Policy``
``SliSeries``               per-minute bad/total counts of one SLO in one region
``burn_rate_over_window``   burn rate over a trailing window at every minute, from per-minute counts
``error_ratio_limit``       a rule's threshold as an error ratio (what the Prometheus rules compare)
``firing``                  minutes at which any rule of one severity fires for one series
``backtest``                the one entry point: episodes, notifications, summary, incident matches
``episodes``                contiguous firing runs as ``(start, end)`` minute offsets
``alert_episodes``          every alert episode of a policy over many series (a frame)
``notifications``           episodes merged per region: what a person is actually sent
``budget_spent``            budget share each notification's SLOs spent (was the page worth it?)
``match_incidents``         which incidents a policy caught, detection and reset time
``policy_summary``          pages, tickets, non-incident pages, burden per engineer per week
``rule_detection_min``      minutes until a rule fires after errors jump to a given ratio (formula)
``choose_policy``           the policy that meets the constraints and detects fastest
``synthetic_series``        seeded synthetic SLI minutes for benchmarks and property tests
``OncallCosts``             what a page, a ticket and an incident cost (``load_oncall_costs``, one home)
``burn_rate_table``         the Workbook policy derived for a period and an objective (the page's table)
``detection_by_formula``    each policy's fastest page at each steady error ratio
``detection_and_reset``     per incident, each policy's detection and reset minutes
=========================  ================================================================

Conventions: a series is sampled once a minute; the value at minute ``t`` covers
``[start + t, start + t + 1)`` and rules are evaluated at its end, so an alert that first fires at
offset ``t`` fires at ``start + t + 1`` minutes. A window with no traffic has burn rate 0. Rules
with several windows fire only when every window exceeds the threshold (the short window makes the
alert reset soon after recovery); ``for`` requires the condition to hold that many minutes first.
The comparison is the one the generated Prometheus rules make (:mod:`dfp.reliability.promrules`):
the window's error ratio against :func:`error_ratio_limit`, so the backtest fires on the same minutes
as ``promtool`` evaluating those rules on the same counters (``tests/test_promrules.py``). Windows are
in minutes and the SLO period in days (``period_days``) throughout the package.

Cost: O(minutes x distinct windows) per series, no per-minute Python loop. :func:`backtest` reads the
series one at a time (twice: episodes, then the budget each notification spent), so its peak memory
is one series' arrays, whatever the number of SLOs (``dfp bench`` prints time and memory).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from dfp.core.checks import check_non_negative, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.openslo import SloSpec, parse_duration_min
from dfp.io.system import Incident
from dfp.io.yamlfile import load_yaml
from dfp.reliability.slo import burn_rate_threshold, detection_time_min, multiwindow_policy, time_to_exhaustion_h

__all__ = [
    "BacktestResult",
    "OncallCosts",
    "Policy",
    "PolicyChoice",
    "Rule",
    "SliSeries",
    "alert_episodes",
    "backtest",
    "budget_spent",
    "burn_rate_over_window",
    "burn_rate_table",
    "choose_policy",
    "detection_and_reset",
    "detection_by_formula",
    "episodes",
    "error_ratio_limit",
    "firing",
    "load_oncall_costs",
    "load_policies",
    "match_incidents",
    "notifications",
    "policy_from_openslo",
    "policy_summary",
    "rule_detection_min",
    "synthetic_series",
]

SEVERITIES = ("page", "ticket")


@dataclass(frozen=True)
class Rule:
    """One alert rule.

    Attributes:
        severity: ``page`` or ``ticket``.
        windows_min: trailing windows (min), longest first; all must exceed the threshold.
        burn: fixed burn-rate threshold, or None when ``budget_share`` sets it.
        budget_share: budget fraction the longest window spends at the threshold, or None.
        for_min: minutes the condition must hold before the alert fires (0 = at once).
    """

    severity: str
    windows_min: tuple[int, ...]
    burn: float | None = None
    budget_share: float | None = None
    for_min: int = 0

    def threshold(self, period_days: float) -> float:
        """The burn-rate threshold for an SLO period (days).

        >>> Rule("page", (60, 5), budget_share=0.02).threshold(30)
        14.4
        """
        if self.burn is not None:
            return float(self.burn)
        assert self.budget_share is not None
        return round(burn_rate_threshold(self.budget_share, self.windows_min[0], period_days), 10)


@dataclass(frozen=True)
class Policy:
    """A named alerting policy: rules of page and ticket severity."""

    id: str
    name: str
    description: str
    rules: tuple[Rule, ...]
    production: bool = False
    adopted: bool = False


def _rule(raw: object, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where}: a rule must be a mapping; got {raw!r}")
    sev = raw.get("severity")
    if sev not in SEVERITIES:
        raise PlaybookError(f"{where}: field 'severity' must be one of {list(SEVERITIES)}; got {sev!r}")
    wins = raw.get("windows")
    if not isinstance(wins, list) or not wins:
        raise PlaybookError(f"{where}: field 'windows' must be a non-empty list like [1h, 5m]; got {wins!r}")
    mins = tuple(int(parse_duration_min(w, f"{where}: field 'windows'")) for w in wins)
    if list(mins) != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        raise PlaybookError(f"{where}: field 'windows' must be distinct and longest first; got {wins!r}")
    has = [k for k in ("burn", "budget_share") if k in raw]
    if len(has) != 1:
        raise PlaybookError(f"{where}: give exactly one of 'burn' or 'budget_share'; got {has}")
    for_min = int(parse_duration_min(raw["for"], f"{where}: field 'for'")) if raw.get("for") else 0
    if "burn" in raw:
        return Rule(sev, mins, burn=check_positive(f"{where}: burn", raw["burn"]), for_min=for_min)
    share = raw["budget_share"]
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise PlaybookError(f"{where}: field 'budget_share' must be in (0, 1]; got {share!r}")
    return Rule(sev, mins, budget_share=float(share), for_min=for_min)


def load_policies(path: Path | str | None = None) -> tuple[Policy, ...]:
    """Load the alerting policies (default ``data/reliability/alert-policies.yaml``).

    >>> [p.id for p in load_policies()]
    ['static', 'single-window', 'multiwindow', 'tuned']
    """
    p = Path(path) if path is not None else data_dir() / "reliability" / "alert-policies.yaml"
    if not p.is_file():
        raise PlaybookError(f"alert policy file not found: {p}")
    doc = load_yaml(p)
    if not isinstance(doc, dict) or not isinstance(doc.get("policies"), list):
        raise PlaybookError(f"{p.name}: field 'policies' must be a list")
    out = []
    for i, raw in enumerate(doc["policies"]):
        where = f"{p.name}: policies[{i}]"
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("rules"):
            raise PlaybookError(f"{where}: needs 'id' and a non-empty 'rules' list")
        rules = tuple(_rule(r, f"{where} ({raw['id']}).rules[{j}]") for j, r in enumerate(raw["rules"]))
        desc = " ".join(str(raw.get("description", "")).split())
        name = str(raw.get("name", raw["id"]))
        out.append(Policy(str(raw["id"]), name, desc, rules, bool(raw.get("production", False)),
                          bool(raw.get("adopted", False))))
    ids = [q.id for q in out]
    if len(set(ids)) != len(ids):
        raise PlaybookError(f"{p.name}: policy ids must be unique; got {ids}")
    for flag in ("production", "adopted"):
        if sum(getattr(q, flag) for q in out) != 1:
            raise PlaybookError(f"{p.name}: exactly one policy must have {flag}: true")
    return tuple(out)


@dataclass(frozen=True)
class OncallCosts:
    """What on-call work costs (``on_call`` in ``data/reliability/alert-policies.yaml``).

    Attributes:
        page_handling_min: engineer minutes one page costs, end to end.
        ticket_handling_min: engineer minutes one SLO ticket costs.
        incident_responders: engineers on a paged incident from acknowledgement to resolution.
    """

    page_handling_min: float
    ticket_handling_min: float
    incident_responders: int


def load_oncall_costs(path: Path | str | None = None) -> OncallCosts:
    """The on-call cost figures, the one home every page reads them from.

    >>> load_oncall_costs().page_handling_min
    60.0
    """
    p = Path(path) if path is not None else data_dir() / "reliability" / "alert-policies.yaml"
    doc = load_yaml(p)
    raw = doc.get("on_call") if isinstance(doc, dict) else None
    if not isinstance(raw, dict):
        raise PlaybookError(f"{p.name}: field 'on_call' must be a mapping")
    try:
        costs = OncallCosts(float(raw["page_handling_min"]), float(raw["ticket_handling_min"]),
                            int(raw["incident_responders"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise PlaybookError(f"{p.name}: on_call needs numbers page_handling_min, ticket_handling_min and "
                            f"incident_responders; {exc!r}") from exc
    check_positive(f"{p.name}: on_call.page_handling_min", costs.page_handling_min)
    check_non_negative(f"{p.name}: on_call.ticket_handling_min", costs.ticket_handling_min)
    if costs.incident_responders < 1 or costs.incident_responders != raw["incident_responders"]:
        raise PlaybookError(f"{p.name}: on_call.incident_responders must be a whole number >= 1; "
                            f"got {raw['incident_responders']!r}")
    return costs


def policy_from_openslo(spec: SloSpec) -> Policy | None:
    """The SLO's OpenSLO alert policies as one :class:`Policy` (None when it has none).

    Each policy's burn-rate condition becomes a one-window rule: ``burn > threshold`` over
    ``lookbackWindow``, held ``alertAfter``; its ``severity`` must be ``page`` or ``ticket``.

    Raises:
        PlaybookError: a condition the backtest cannot replay (another severity, or an ``op`` other
            than ``gt``: the backtest and the generated rules alert when the burn rate exceeds it).
    """
    rules = []
    for pol in spec.alert_policies:
        for c in pol.conditions:
            where = f"{spec.file} (SLO {spec.name}, AlertPolicy {pol.name}, AlertCondition {c.name})"
            if c.severity not in SEVERITIES:
                raise PlaybookError(f"{where}: severity must be one of {list(SEVERITIES)} for the backtest; "
                                    f"got {c.severity!r}")
            if c.op != "gt":
                raise PlaybookError(f"{where}: op {c.op!r} is not supported; the backtest alerts when the burn "
                                    "rate exceeds the threshold (op: gt)")
            if c.threshold <= 0:
                raise PlaybookError(f"{where}: threshold must be positive; got {c.threshold!r}")
            rules.append(Rule(c.severity, (int(c.lookback_window_min),), burn=float(c.threshold),
                              for_min=int(c.alert_after_min)))
    if not rules:
        return None
    names = ", ".join(p.name for p in spec.alert_policies)
    return Policy(f"openslo-{spec.name}", f"OpenSLO alert policies of {spec.name}", names, tuple(rules))


@dataclass(frozen=True)
class SliSeries:
    """Per-minute counts of one SLO in one region.

    Attributes:
        slo: SLO name; region: region id.
        slo_target: objective in (0, 1); period_days: SLO period (days).
        start: UTC timestamp of minute 0.
        bad, total: int arrays (events per minute), same length, 0 <= bad <= total.
    """

    slo: str
    region: str
    slo_target: float
    period_days: float
    start: pd.Timestamp
    bad: np.ndarray
    total: np.ndarray

    def __post_init__(self) -> None:
        if self.bad.shape != self.total.shape or self.bad.ndim != 1:
            raise PlaybookError(f"SliSeries {self.slo}/{self.region}: bad and total must be 1-D of equal length")


def _cumulative(x: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading 0 (length n + 1): a window's count is a difference of two entries."""
    out = np.empty(len(x) + 1)
    out[0] = 0.0
    np.cumsum(x, dtype=float, out=out[1:])
    return out


def _prefix_at(x: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``sum(x[:p])`` for each p in ``points`` (0 <= p <= len(x)) in one pass, without an n-long cumulative sum.

    Equal to ``_cumulative(x)[points]`` (the same float additions in the same order per segment).
    """
    pts = np.unique(points)
    inner = pts[(pts > 0) & (pts < len(x))]
    if len(inner) == 0:
        seg = np.zeros(0)
    else:
        seg = np.add.reduceat(np.asarray(x, dtype=float), np.r_[0, inner])[:-1] if inner[0] > 0 else np.zeros(0)
    at = dict(zip(inner.tolist(), np.cumsum(seg).tolist(), strict=True))
    at[0] = 0.0
    if len(x) in pts:
        at[len(x)] = float(np.sum(x, dtype=float))
    return np.array([at[int(p)] for p in points], dtype=float)


def _window_sum(cum: np.ndarray, window_min: int, out: np.ndarray | None = None) -> np.ndarray:
    """Trailing ``window_min``-minute sums at every minute from a cumulative sum (partial windows at the start)."""
    n = len(cum) - 1
    w = min(max(int(window_min), 1), n) if n else 1
    out = np.empty(n) if out is None else out
    out[: w - 1] = cum[1:w]
    np.subtract(cum[w:], cum[: n - w + 1], out=out[w - 1:])
    return out


def _window_ratio(bad_cum: np.ndarray, total_cum: np.ndarray, window_min: int,
                  bufs: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Trailing-window error ratio per minute; NaN without traffic (as Prometheus' 0/0), so it never fires."""
    tot = _window_sum(total_cum, window_min, None if bufs is None else bufs[0])
    bad = _window_sum(bad_cum, window_min, None if bufs is None else bufs[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(bad, tot, out=bad)
    return bad


def burn_rate_over_window(bad: np.ndarray, total: np.ndarray, window_min: int, slo_target: float) -> np.ndarray:
    """Burn rate over the trailing ``window_min`` minutes at the end of every minute.

    ``burn[t] = (sum bad[t-w+1..t] / sum total[t-w+1..t]) / (1 - slo_target)``; 0 without traffic;
    the first ``w - 1`` minutes use the minutes so far.

    Args:
        bad, total: events per minute (counts, not cumulative sums), same length.
        window_min: trailing window (minutes).
        slo_target: objective in (0, 1).

    Returns:
        Burn rate per minute (1 = spending the budget exactly over the SLO period).

    >>> burn_rate_over_window(np.array([0, 1, 1, 0]), np.array([10, 10, 10, 10]), 2, 0.9).round(6).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    b, t = np.asarray(bad), np.asarray(total)
    if b.shape != t.shape or b.ndim != 1:
        raise PlaybookError(f"burn_rate_over_window: bad and total must be 1-D of equal length; got {b.shape}, {t.shape}")
    check_positive("window_min", window_min)
    ratio = _window_ratio(_cumulative(b), _cumulative(t), int(window_min))
    return np.nan_to_num(ratio, nan=0.0) / (1.0 - slo_target)


def error_ratio_limit(rule: Rule, slo_target: float, period_days: float) -> float:
    """The rule's threshold as an error ratio: ``threshold(period_days) x (1 - slo_target)``, 10 significant digits.

    This is the number written into the generated Prometheus alert (``ratio_rate<w> > limit``), so the
    backtest and Prometheus compare the same float.

    >>> error_ratio_limit(Rule("page", (60, 5), budget_share=0.02), 0.9995, 30)
    0.0072
    """
    return float(f"{rule.threshold(period_days) * (1.0 - slo_target):.10g}")


def _held(mask: np.ndarray, for_min: int) -> np.ndarray:
    if for_min <= 0:
        return mask
    idx = np.arange(len(mask))
    last_false = np.maximum.accumulate(np.where(~mask, idx, -1))
    return (idx - last_false) > for_min


def _masks(series: SliSeries, rules: Iterable[Rule]) -> dict[tuple[int, float], np.ndarray]:
    """``ratio over w > limit`` per minute for every (window, limit) the rules need.

    Each window's ratio is computed once into two reused buffers and only the boolean masks are
    kept, so memory per series is two cumulative sums, two buffers and one byte per minute per mask.
    """
    needs: dict[int, set[float]] = {}
    for r in rules:
        limit = error_ratio_limit(r, series.slo_target, series.period_days)
        for w in r.windows_min:
            needs.setdefault(w, set()).add(limit)
    n = len(series.total)
    bad_c, tot_c = _cumulative(series.bad), _cumulative(series.total)
    bufs = (np.empty(n), np.empty(n))
    out = {}
    for w in sorted(needs):
        ratio = _window_ratio(bad_c, tot_c, w, bufs)
        for limit in sorted(needs[w]):
            out[(w, limit)] = ratio > limit
    return out


def _firing(series: SliSeries, rules: Sequence[Rule], severity: str,
            masks: dict[tuple[int, float], np.ndarray]) -> np.ndarray:
    out = np.zeros(len(series.total), dtype=bool)
    for r in rules:
        if r.severity != severity:
            continue
        limit = error_ratio_limit(r, series.slo_target, series.period_days)
        m = masks[(r.windows_min[0], limit)].copy()
        for w in r.windows_min[1:]:
            m &= masks[(w, limit)]
        out |= _held(m, r.for_min)
    return out


def firing(series: SliSeries, rules: Sequence[Rule], severity: str) -> np.ndarray:
    """Boolean per minute: any rule of ``severity`` fires for ``series`` (at the end of that minute).

    A rule holds when every window's error ratio exceeds :func:`error_ratio_limit`, and fires once it
    has held for ``for_min`` minutes.
    """
    return _firing(series, rules, severity, _masks(series, [r for r in rules if r.severity == severity]))


def episodes(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets (end exclusive) of the runs of True in ``mask``.

    >>> [a.tolist() for a in episodes(np.array([0, 1, 1, 0, 1], dtype=bool))]
    [[1, 4], [3, 5]]
    """
    m = np.asarray(mask, dtype=bool)
    if not len(m):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    edge = np.flatnonzero(m[1:] != m[:-1]) + 1  # indices where the state changes
    bounds = np.r_[0, edge] if m[0] else edge
    if m[-1]:
        bounds = np.r_[bounds, len(m)]
    return bounds[0::2], bounds[1::2]


_EP_COLS = ["policy", "slo", "region", "severity", "start", "end", "duration_min"]


def alert_episodes(policies: Policy | Sequence[Policy], series: Iterable[SliSeries]) -> pd.DataFrame:
    """Every alert episode of one or more policies over ``series``.

    Window ratios are computed once per series and window and shared by every policy.

    Returns:
        Frame with columns policy, slo, region, severity, start (first firing instant, UTC),
        end (first instant no longer firing), duration_min.
    """
    pols = [policies] if isinstance(policies, Policy) else list(policies)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("policy", "slo", "region", "severity", "st", "en")}
    starts: list[pd.DatetimeIndex] = []
    ends: list[pd.DatetimeIndex] = []
    for s in series:
        masks = _masks(s, [r for p in pols for r in p.rules])
        for policy, sev in ((p, v) for p in pols for v in SEVERITIES):
            if not any(r.severity == sev for r in policy.rules):
                continue
            st, en = episodes(_firing(s, policy.rules, sev, masks))
            if len(st):
                k = len(st)
                for c, v in (("policy", policy.id), ("slo", s.slo), ("region", s.region), ("severity", sev)):
                    cols[c].append(np.full(k, v, dtype=object))
                cols["st"].append(st)
                cols["en"].append(en)
                starts.append(s.start + pd.to_timedelta(st + 1, unit="min"))
                ends.append(s.start + pd.to_timedelta(en + 1, unit="min"))
    if not starts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _EP_COLS})
    out = pd.DataFrame({c: np.concatenate(cols[c]) for c in ("policy", "slo", "region", "severity")})
    out["start"] = starts[0].append(starts[1:])
    out["end"] = ends[0].append(ends[1:])
    out["duration_min"] = (np.concatenate(cols["en"]) - np.concatenate(cols["st"])).astype(float)
    return out.sort_values(["policy", "start", "slo", "region"], kind="stable").reset_index(drop=True)


def notifications(eps: pd.DataFrame) -> pd.DataFrame:
    """Merge overlapping episodes of one policy, region and severity into one notification.

    Alertmanager groups alerts by region, so a regional outage that trips four SLOs at once
    reaches a person as one page, not four.

    Returns:
        Frame: policy, region, severity, start, end, slos (comma-joined SLO names).
    """
    cols = ["policy", "region", "severity", "start", "end", "slos"]
    if eps.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    e = eps.sort_values(["policy", "region", "severity", "start"], kind="stable").reset_index(drop=True)
    key = e["policy"] + "|" + e["region"] + "|" + e["severity"]
    prev_end = e.groupby(key)["end"].transform(lambda s: s.cummax().shift())
    new = prev_end.isna() | (e["start"] > prev_end)
    gid = new.cumsum()
    out = e.groupby(gid).agg(policy=("policy", "first"), region=("region", "first"), severity=("severity", "first"),
                             start=("start", "min"), end=("end", "max"),
                             slos=("slo", lambda s: ",".join(sorted(set(s)))))
    return out.sort_values(["start", "region"], kind="stable").reset_index(drop=True)[cols]


SeriesSource = Callable[[], Iterable[SliSeries]] | Sequence[SliSeries]


def _each(series: SeriesSource) -> Iterable[SliSeries]:
    return series() if callable(series) else series


def _budget_spent(notes: pd.DataFrame, series: Iterable[SliSeries], lookback_min: int) -> pd.Series:
    out = np.zeros(len(notes))
    if len(notes):
        slos = [set(str(x).split(",")) for x in notes["slos"]]
        regions = notes["region"].to_numpy()
        for s in series:  # one series at a time; each step is vectorised over that series' notifications
            rows = np.flatnonzero([(regions[i] == s.region) and (s.slo in slos[i]) for i in range(len(notes))])
            if not len(rows):
                continue
            n = len(s.total)
            sub = notes.iloc[rows]
            start = ((sub["start"] - s.start) / pd.Timedelta(minutes=1)).to_numpy(dtype=float)
            end = ((sub["end"] - s.start) / pd.Timedelta(minutes=1)).to_numpy(dtype=float)
            a = np.clip(start - 1 - lookback_min, 0, n).astype(int)
            b = np.clip(end, 0, n).astype(int)
            p0 = np.clip(b - s.period_days * 1440, 0, n).astype(int)
            bad_at, tot_at = _prefix_at(s.bad, np.r_[a, b]), _prefix_at(s.total, np.r_[p0, b])
            k = len(rows)
            budget = (1.0 - s.slo_target) * (tot_at[k:] - tot_at[:k])
            share = np.divide(bad_at[k:] - bad_at[:k], budget, out=np.zeros(k), where=budget > 0)
            out[rows] = np.maximum(out[rows], share)
    return pd.Series(out, index=notes.index, name="budget_share_spent")


def budget_spent(notes: pd.DataFrame, series: SeriesSource, lookback_min: int = 60) -> pd.Series:
    """Budget share each notification's worst SLO spent from ``lookback_min`` before it to its end.

    The share is of the SLO's budget over its period (bad events / (``1 - slo_target``) x events
    in the period ending at the page). A page that spent less than a few percent of the budget was
    not worth waking anyone: that is how the backtest counts false pages.

    Args:
        notes: :func:`notifications`.
        series: the series (or a function returning a fresh iterator over them); read once, one at a time.
        lookback_min: minutes before the notification's start that count towards it.

    Returns:
        Series aligned with ``notes`` (fraction of the budget, >= 0).
    """
    return _budget_spent(notes, _each(series), int(check_non_negative("lookback_min", lookback_min)))


def _incident_of(notes: pd.DataFrame, incidents: Sequence[Incident], grace_min: float) -> pd.Series:
    label = pd.Series([""] * len(notes), index=notes.index, dtype=object)
    for inc in incidents:
        hit = (notes["region"].isin(inc.regions) & (notes["start"] >= inc.impact_start)
               & (notes["start"] <= inc.impact_end + pd.Timedelta(minutes=grace_min)) & (label == ""))
        label[hit] = inc.id
    return label


def match_incidents(notes: pd.DataFrame, incidents: Sequence[Incident], grace_min: float = 60.0) -> pd.DataFrame:
    """Which incidents each policy caught with a page, how fast, and how long the page outlived them.

    A page belongs to an incident when it starts inside the impact window (or up to ``grace_min``
    after it) in one of the incident's regions.

    Returns:
        Frame, one row per policy x incident: caught, detected_at, detection_min (first page minus
        impact start), reset_min (last incident page's end minus impact end), slos.
    """
    check_non_negative("grace_min", grace_min)
    rows = []
    pages = notes[notes["severity"] == "page"].copy()
    pages["incident"] = _incident_of(pages, incidents, grace_min)
    for pol in sorted(notes["policy"].unique()) if not notes.empty else []:  # policies with a notification
        for inc in incidents:
            hit = pages[(pages["policy"] == pol) & (pages["incident"] == inc.id)]
            caught = not hit.empty
            rows.append({
                "policy": pol, "incident": inc.id, "caught": caught,
                "detected_at": hit["start"].min() if caught else pd.NaT,
                "detection_min": (hit["start"].min() - inc.impact_start).total_seconds() / 60 if caught else np.nan,
                "reset_min": (hit["end"].max() - inc.impact_end).total_seconds() / 60 if caught else np.nan,
                "slos": ",".join(sorted(set(",".join(hit["slos"]).split(",")))) if caught else "",
            })
    cols = ["policy", "incident", "caught", "detected_at", "detection_min", "reset_min", "slos"]
    return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def policy_summary(
    notes: pd.DataFrame,
    incidents: Sequence[Incident],
    weeks: float,
    engineers: int,
    page_handling_min: float,
    ticket_handling_min: float,
    significant_share: float = 0.01,
    grace_min: float = 60.0,
    policy_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per policy: pages, incident and non-incident pages, false pages, tickets, incidents caught, burden.

    ``oncall_h_per_engineer_week = (pages * page_handling_min + tickets * ticket_handling_min)
    / 60 / engineers / weeks``. A page is *false* when it belongs to no incident and its SLOs spent less
    than ``significant_share`` of the budget (column ``budget_share_spent`` of ``notes``, from
    :func:`budget_spent`); ``false_page_ratio = false pages / pages``. A non-incident page may be
    real (a short burn nobody filed as an incident) or false; a page inside an incident's window is never
    false, however little budget its own minutes spent (the incident's first page fires early in the burn).

    Args:
        notes: :func:`notifications` of every policy.
        incidents: the incidents with an SLI impact.
        weeks: length of the replayed history (weeks).
        engineers: engineers sharing operations.
        page_handling_min, ticket_handling_min: engineer minutes one page / ticket costs.
        policy_ids: the policies to report, in this order (default: those in ``notes``); a policy that
            never fired gets a row of zeros.
    """
    w = check_positive("weeks", weeks)
    n_eng = check_positive("engineers", engineers)
    pm = check_non_negative("page_handling_min", page_handling_min)
    tm = check_non_negative("ticket_handling_min", ticket_handling_min)
    matched = match_incidents(notes, incidents, grace_min)
    pages = notes[notes["severity"] == "page"].copy()
    pages["incident"] = _incident_of(pages, incidents, grace_min)
    rows = []
    for pol in notes["policy"].unique() if policy_ids is None else policy_ids:
        p = pages[pages["policy"] == pol]
        t = notes[(notes["policy"] == pol) & (notes["severity"] == "ticket")]
        m = matched[matched["policy"] == pol]
        n_pages, n_other = len(p), int((p["incident"] == "").sum())
        n_false = (int(((p["incident"] == "") & (p["budget_share_spent"] < significant_share)).sum())
                   if "budget_share_spent" in p else 0)
        rows.append({
            "policy": pol,
            "pages": n_pages,
            "incident_pages": n_pages - n_other,
            "non_incident_pages": n_other,
            "false_pages": n_false,
            "false_page_ratio": n_false / n_pages if n_pages else 0.0,
            "tickets": len(t),
            "incidents_caught": int(m["caught"].sum()),
            "incidents": len(incidents),
            "mean_detection_min": float(m["detection_min"].mean()) if m["caught"].any() else np.nan,
            "max_detection_min": float(m["detection_min"].max()) if m["caught"].any() else np.nan,
            "mean_reset_min": float(m["reset_min"].mean()) if m["caught"].any() else np.nan,
            "pages_per_week": n_pages / w,
            "oncall_h_per_engineer_week": (n_pages * pm + len(t) * tm) / 60.0 / n_eng / w,
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes:
        episodes: :func:`alert_episodes` (one row per SLO, region, severity and firing run).
        notifications: :func:`notifications` with ``budget_share_spent`` (:func:`budget_spent`).
        summary: :func:`policy_summary`, indexed by policy id in the order the policies were given.
        matches: :func:`match_incidents` (policy x incident: caught, detection and reset minutes).
        weeks: length of the replayed history (weeks).
    """

    episodes: pd.DataFrame
    notifications: pd.DataFrame
    summary: pd.DataFrame
    matches: pd.DataFrame
    weeks: float


def backtest(
    policies: Policy | Sequence[Policy],
    series: SeriesSource,
    incidents: Sequence[Incident],
    weeks: float,
    engineers: int,
    page_handling_min: float,
    ticket_handling_min: float,
    significant_share: float = 0.01,
    grace_min: float = 60.0,
) -> BacktestResult:
    """Replay SLI series through alerting policies: the one backtest the book, the scorecard and ``dfp slo`` run.

    Reads the series twice, one at a time (alert episodes, then the budget each notification spent),
    so peak memory is one series' arrays however many SLOs there are. Pass a function that returns a
    fresh iterator (e.g. ``lambda: dfp.reliability.sli.iter_sli_series(sim, specs)``) to generate each
    series only when it is read; a list works too.

    Args:
        policies: one policy or several.
        series: per-minute counts of each SLO and region (see above).
        incidents: incidents the pages are matched against (may be empty).
        weeks: length of the replayed history (weeks), for the per-week rates.
        engineers: engineers sharing operations.
        page_handling_min, ticket_handling_min: engineer minutes one page / ticket costs.
        significant_share: a page whose SLOs spent less than this share of budget is false.
        grace_min: a page up to this many minutes after an incident's impact still belongs to it.

    Returns:
        :class:`BacktestResult`.
    """
    pols = [policies] if isinstance(policies, Policy) else list(policies)
    eps = alert_episodes(pols, _each(series))
    notes = notifications(eps)
    notes["budget_share_spent"] = budget_spent(notes, series)
    ids = [p.id for p in pols]
    summary = policy_summary(notes, incidents, weeks, engineers, page_handling_min, ticket_handling_min,
                             significant_share, grace_min, policy_ids=ids).set_index("policy")
    return BacktestResult(eps, notes, summary, match_incidents(notes, incidents, grace_min), float(weeks))


def rule_detection_min(rule: Rule, error_ratio: float, slo_target: float, period_days: float) -> float:
    """Minutes until ``rule`` fires after the error ratio jumps from 0 to ``error_ratio`` (steady traffic).

    Every window must cross the threshold, so the longest window decides:
    ``max over windows of detection_time_min(...)`` plus the rule's ``for``.

    >>> round(rule_detection_min(Rule("page", (60, 5), budget_share=0.02), 1.0, 0.999, 30), 3)
    0.864
    """

    thr = rule.threshold(period_days)
    return max(detection_time_min(error_ratio, slo_target, w, thr) for w in rule.windows_min) + rule.for_min


class PolicyChoice(NamedTuple):
    """The backtest's choice: the policy id and whether it meets every constraint."""

    policy: str
    meets_constraints: bool


def choose_policy(summary: pd.DataFrame, max_false_page_ratio: float,
                  max_oncall_h_per_engineer_week: float) -> PolicyChoice:
    """The policy to adopt: catches every incident, stays under the false-page and burden limits,
    and has the lowest mean detection time (ties: fewer pages).

    When no policy meets every constraint, falls back to the policy with the fewest false pages
    (then lowest burden, then detection) among those that catch every incident, and says so.

    Args:
        summary: :func:`policy_summary` output.
        max_false_page_ratio: exclusive upper bound on false pages / pages (fraction).
        max_oncall_h_per_engineer_week: exclusive upper bound on the on-call burden (h).

    Raises:
        PlaybookError: when no policy catches every incident.
    """
    full = summary[summary["incidents_caught"] == summary["incidents"]]
    if full.empty:
        raise PlaybookError("choose_policy: no policy catches every incident")
    ok = full[(full["false_page_ratio"] < max_false_page_ratio)
              & (full["oncall_h_per_engineer_week"] < max_oncall_h_per_engineer_week)]
    if not ok.empty:
        best = ok.sort_values(["mean_detection_min", "pages", "policy"], kind="stable").iloc[0]
        return PolicyChoice(str(best["policy"]), True)
    best = full.sort_values(["false_page_ratio", "oncall_h_per_engineer_week", "mean_detection_min", "policy"],
                            kind="stable").iloc[0]
    return PolicyChoice(str(best["policy"]), False)


def synthetic_series(n_series: int, n_minutes: int, seed: int, slo_target: float = 0.999,
                     mean_total: float = 5000.0) -> list[SliSeries]:
    """Seeded synthetic SLI minutes: diurnal Poisson traffic, baseline errors, a few bursts.

    For benchmarks and property tests only (the platform's own history is ``dfp.reliability.sli``).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_minutes)
    shape = 1.0 + 0.5 * np.cos(2 * np.pi * (t / 1440.0 - 17 / 24))
    start = pd.Timestamp("2025-01-01", tz="UTC")
    out = []
    for i in range(n_series):
        total = rng.poisson(mean_total * shape)
        p = np.full(n_minutes, (1 - slo_target) * 0.2)
        for s0 in rng.integers(0, max(n_minutes - 120, 1), 6):
            p[s0:s0 + int(rng.integers(2, 120))] = (1 - slo_target) * float(rng.uniform(5, 200))
        bad = rng.binomial(total, np.minimum(p, 1))
        out.append(SliSeries(f"slo-{i:02d}", "r", slo_target, 30.0, start, bad, total))
    return out


def burn_rate_table(period_days: float, slo_target: float) -> pd.DataFrame:
    """The Workbook's multiwindow policy derived for a period, and what each row means for one objective.

    One row per rule of :func:`dfp.reliability.slo.multiwindow_policy`: severity, budget share (%),
    long window (h), short window (min), burn threshold, the error ratio (%) that trips it
    (``threshold x (1 - slo_target)``), hours until the budget is gone at that burn, and minutes a
    full outage takes to trip it.

    >>> round(float(burn_rate_table(30, 0.999).loc[0, "burn_threshold"]), 9)
    14.4
    """
    budget = 1.0 - slo_target
    return pd.DataFrame([{
        "severity": r.severity, "budget_share_pct": 100 * r.budget_share, "long_window_h": r.long_window_min / 60,
        "short_window_min": r.short_window_min, "burn_threshold": r.burn_threshold,
        "error_ratio_pct": 100 * r.burn_threshold * budget,
        "budget_gone_h": time_to_exhaustion_h(r.burn_threshold, period_days),
        "full_outage_detect_min": detection_time_min(1.0, slo_target, r.long_window_min, r.burn_threshold),
    } for r in multiwindow_policy(period_days)])


def detection_by_formula(policies: Sequence[Policy], error_ratios: Sequence[float], slo_target: float,
                         period_days: float) -> pd.DataFrame:
    """Minutes each policy's fastest page takes at each steady error ratio (``inf``: it never pages).

    Rows: error ratios (fractions); columns: policy ids. ``min over page rules of rule_detection_min``.
    """
    out = {}
    for p in policies:
        pages = [r for r in p.rules if r.severity == "page"]
        out[p.id] = [min((rule_detection_min(r, e, slo_target, period_days) for r in pages), default=np.inf)
                     for e in error_ratios]
    return pd.DataFrame(out, index=pd.Index(list(error_ratios), name="error_ratio"))


def detection_and_reset(matches: pd.DataFrame, policy_ids: Sequence[str]) -> pd.DataFrame:
    """Per incident, each policy's detection minutes (impact start to first page) and reset minutes
    (impact end to the last page's end), columns ``<policy> detect`` and ``<policy> reset``."""
    det = matches.pivot(index="incident", columns="policy", values="detection_min")[list(policy_ids)]
    res = matches.pivot(index="incident", columns="policy", values="reset_min")[list(policy_ids)]
    return pd.concat([det.add_suffix(" detect"), res.add_suffix(" reset")], axis=1)
