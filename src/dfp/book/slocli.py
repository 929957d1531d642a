"""``dfp slo``: check a reader's OpenSLO files and backtest alert policies on their own Prometheus export.

==============================================  =================================================
``dfp slo check FILE...``                        validate OpenSLO v1 files; print each SLO's budget
``dfp slo backtest --slos FILE --series JSON``   replay exported counters through alert policies
==============================================  =================================================

``check_report`` and ``backtest_report`` return the text the commands print, so tests read it
without a subprocess. The maths lives in ``dfp.reliability`` (``slo.error_budget``,
``counters.slo_series``, ``alerting.backtest``); this module only formats it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.generate.promexport import write_sample
from dfp.io.openslo import OpenSlo, SloSpec, load_openslo
from dfp.io.promexport import load_query_range
from dfp.reliability import alerting, promrules
from dfp.reliability import slo as slo_math
from dfp.reliability.counters import slo_series

__all__ = ["backtest_report", "check_report", "write_sample"]


def _minutes(m: float) -> str:
    """A duration for people: ``43.2 min``, ``16 h 48 min``, ``3 d 2 h``."""
    if m < 60:
        return f"{m:.3g} min" if m < 10 else f"{m:.1f} min"
    h, mm = divmod(round(m), 60)
    if h < 48:
        return f"{h} h {mm} min" if mm else f"{h} h"
    d, hh = divmod(h, 24)
    return f"{d} d {hh} h" if hh else f"{d} d"


def _window(spec: SloSpec) -> str:
    w = spec.time_window
    if w.rolling:
        return f"rolling {w.duration} ({spec.period_days:g} days)"
    assert w.calendar_start is not None
    return f"calendar {w.duration} from {w.calendar_start:%Y-%m-%d %H:%M} {w.time_zone}"


def _pct(x: float) -> str:
    return f"{100 * x:.6g} %"


def _budget_line(spec: SloSpec, i: int) -> str:
    o = spec.objectives[i]
    b = slo_math.error_budget(spec.budgeting_method, o.target, spec.time_window.duration_min,
                              o.time_slice_window_min)
    head = f"  objective {i + 1}" + (f" ({o.display_name})" if o.display_name else "") + f": target {_pct(o.target)}"
    if spec.indicator.kind == "threshold":
        head += f" of values {o.op} {o.value:g}"
    if spec.budgeting_method == "Occurrences":
        what = f"error budget {_pct(1 - o.target)} of events"
    elif spec.budgeting_method == "Timeslices":
        assert b.allowed_bad_slices is not None and o.time_slice_target is not None
        what = (f"slices of {_minutes(o.time_slice_window_min or 0)}, good when the ratio is {o.op or 'gte'} "
                f"{_pct(o.time_slice_target)}: {b.allowed_bad_slices:,.4g} of {b.slices:,.0f} slices may be bad")
    else:
        what = (f"slices of {_minutes(o.time_slice_window_min or 0)}: their mean good ratio may fall "
                f"{_pct(1 - o.target)} below 100 %")
    return f"{head}; {what} = {_minutes(b.full_outage_min)} of full outage per window"


def check_report(paths: Sequence[Path | str]) -> str:
    """What ``dfp slo check`` prints: the documents found, then each SLO with its objectives' budgets.

    Raises:
        PlaybookError: the first invalid or unsupported document (named by file and field).
    """
    s: OpenSlo = load_openslo(*paths)
    counts = {"SLO": len(s.slos), "Service": len(s.services), "SLI": len(s.slis), "DataSource": len(s.data_sources),
              "AlertPolicy": len(s.alert_policies), "AlertCondition": len(s.alert_conditions),
              "AlertNotificationTarget": len(s.notification_targets)}
    lines = ["OpenSLO v1: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n) + " - valid"]
    for spec in s.slos.values():
        ind = spec.indicator
        kind = "threshold metric" if ind.kind == "threshold" else (
            "raw ratio" if ind.raw is not None else f"{'good' if ind.good else 'bad'}/total ratio")
        lines.append(f"{spec.name} ({spec.file}): service {spec.service}, {kind}, {spec.budgeting_method}, "
                     f"{_window(spec)}")
        lines += [_budget_line(spec, i) for i in range(len(spec.objectives))]
        for pol in spec.alert_policies:
            for c in pol.conditions:
                lines.append(f"  alert policy {pol.name}: {c.severity} when burn rate {c.op} {c.threshold:g} over "
                             f"{_minutes(c.lookback_window_min)}" + (f" for {_minutes(c.alert_after_min)}"
                                                                     if c.alert_after_min else "")
                             + (" -> " + ", ".join(t.target for t in pol.targets) if pol.targets else ""))
        try:
            promrules.check_supported(spec)
            lines.append("  Prometheus rules: can be generated")
        except PlaybookError as exc:
            lines.append("  Prometheus rules: not generated: " + str(exc).split(": ", 1)[-1])
    return "\n".join(lines)


def _policies_for(spec: SloSpec, given: Sequence[alerting.Policy] | None) -> tuple[list[alerting.Policy], str]:
    if given is not None:
        return list(given), "from --policies"
    own = alerting.policy_from_openslo(spec)
    if own is not None:
        return [own], "the SLO's own OpenSLO alert policies"
    return [next(p for p in alerting.load_policies() if p.adopted)], "the playbook's adopted policy (no --policies)"


def backtest_report(slos: Path | str, series: Sequence[Path | str], policies: Path | str | None = None,
                    max_gap_min: int = 5) -> str:
    """What ``dfp slo backtest`` prints: per SLO objective, the data repairs, attainment and each policy's alerts.

    Args:
        slos: an OpenSLO file or folder.
        series: one or more Prometheus ``query_range`` exports of the SLOs' counters.
        policies: an alert-policy file in the playbook's format (``data/reliability/alert-policies.yaml``);
            default: each SLO's own OpenSLO alert policies, else the playbook's adopted policy.
        max_gap_min: longest scrape gap spread over its minutes (longer: a hole, no data).
    """
    specs = load_openslo(slos).slos
    if not specs:
        raise PlaybookError(f"{slos}: no SLO documents")
    export = load_query_range(*series)
    given = alerting.load_policies(policies) if policies is not None else None
    lines = []
    for spec in specs.values():
        for i in range(len(spec.objectives)):
            one = spec.for_objective(i)
            s, rep = slo_series(one, export, max_gap_min=max_gap_min)
            pols, origin = _policies_for(one, given)
            n = len(s.total)
            weeks = n / (7 * 1440)
            end = s.start + pd.Timedelta(minutes=n)
            attained = slo_math.objective_attainment(s.total - s.bad, s.total, "Occurrences")
            spent = (1 - attained) / (1 - one.slo_target)
            lines.append(f"{one.name}: {n:,} minutes from {s.start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, "
                         f"{s.total.sum():,.0f} events, {s.bad.sum():,.0f} bad")
            lines.append(f"  data: {rep['series']} series; {rep['resets']} counter resets; {rep['gaps']} short gaps "
                         f"spread; {rep['holes']} holes over {max_gap_min} min ({rep['dropped_events']:,.0f} events "
                         f"not counted); {rep['clipped_minutes']} minutes clipped")
            lines.append(f"  attainment {_pct(attained)} against {_pct(one.slo_target)}: "
                         f"{100 * spent:.1f} % of the error budget of the replayed span")
            res = alerting.backtest(pols, [s], [], max(weeks, 1e-9), 1, 0.0, 0.0)
            lines.append(f"  policies: {origin}")
            for p in pols:
                row = res.summary.loc[p.id]
                notes = res.notifications[(res.notifications["policy"] == p.id)
                                          & (res.notifications["severity"] == "page")]
                first = f", first at {notes['start'].min():%Y-%m-%d %H:%M}" if len(notes) else ""
                lines.append(f"  {p.id}: pages {int(row['pages'])} ({row['pages_per_week']:.2f} a week){first}, "
                             f"tickets {int(row['tickets'])}; {int(row['false_pages'])} of the pages spent under 1 % "
                             "of the budget")
    return "\n".join(lines)
