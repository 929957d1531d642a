"""Prometheus recording and multiwindow multi-burn-rate alerting rules, generated from the SLO specs.

========================  ===================================================================
``RULES_FILE``             the committed, generated rule file (``book/05-reliability/rules/slo-rules.yml``)
``prom_duration``          minutes as a Prometheus duration (``90`` -> ``1h30m``)
``error_ratio_expr``       PromQL of an SLO's error ratio over a window (from its ratioMetric)
``rule_groups``            the rule file as data: one group per SLO (recordings, meta recordings, alerts)
``render_rules``           the rule file's text (deterministic; a header says it is generated)
``write_rules``            write it (``dfp rules``) or report whether the committed copy is stale
``replay_test``            a ``promtool test rules`` file that replays one SLO's minutes and expects, at
                           every minute, exactly the alerts the backtest fires
``run_replay``             write rules + replay test to a folder and run promtool on them
========================  ===================================================================

Names follow Sloth (github.com/slok/sloth, ``pkg/common/conventions/slo.go``), so its Grafana
dashboards and queries work on these rules: ``slo:sli_error:ratio_rate<window>`` holds each SLO's
error ratio over every window the policy uses and over the SLO period; the meta recordings
``slo:objective:ratio``, ``slo:error_budget:ratio``, ``slo:time_period:days``,
``slo:current_burn_rate:ratio`` (the shortest window's, 5 minutes in the adopted policy),
``slo:period_burn_rate:ratio``, ``slo:period_error_budget_remaining:ratio`` and ``sloth_slo_info``
carry Sloth's id labels ``sloth_id`` (``<service>-<slo>``), ``sloth_service``, ``sloth_slo``.
(Sloth also labels SLI recordings with ``sloth_window``; these do not, so the alerts can ``and``
two windows without ``on()``.)

One group per SLO, recordings first and its alerts last: rules in a group run in order, so an alert
reads the ratios of the same evaluation. (Alerts in a separate group may run before the recordings
and fire a minute late; Prometheus orders groups in no defined way.) One alert per severity
(``ErrorBudgetPage``, ``ErrorBudgetTicket``) with an ``slo`` label; the policy's rules of a severity
are OR'ed into it, one alert rule per distinct ``for`` (emitted as ``for:``). Each rule compares the
error ratio with :func:`dfp.reliability.alerting.error_ratio_limit`, the number the backtest uses,
so the backtest and Prometheus fire on the same minutes (``tests/test_promrules.py``).

Rules are generated for SLOs with a Prometheus ``ratioMetric`` of counters (``counter: true``,
good or bad over total, each a selector), one objective, ``Occurrences`` budgeting and a rolling
window; anything else raises :class:`~dfp.core.errors.PlaybookError` naming the SLO and the reason.
The expressions sum without a region label: each regional Prometheus evaluates the rules for its
own cell and adds its region as an external label.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.io.openslo import Metric, SloSpec, load_slos
from dfp.reliability.alerting import Policy, SliSeries, error_ratio_limit, firing, load_policies

__all__ = ["RULES_FILE", "ReplayRun", "check_supported", "error_ratio_expr", "prom_duration", "render_rules",
           "replay_test", "rule_groups", "run_replay", "write_rules"]

RULES_FILE = Path("book") / "05-reliability" / "rules" / "slo-rules.yml"
RUNBOOK_BASE = "https://dataflow.example/playbook/book/05-reliability/runbooks/"
_SELECTOR = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$")


class _NoAliases(yaml.SafeDumper):
    """Writes shared label mappings out in full (no ``&id001`` anchors: the file is for people to read)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def prom_duration(minutes: float) -> str:
    """Minutes as a Prometheus duration string.

    >>> prom_duration(5), prom_duration(60), prom_duration(90), prom_duration(4320)
    ('5m', '1h', '1h30m', '3d')
    """
    m = int(minutes)
    if m != minutes or m <= 0:
        raise PlaybookError(f"prom_duration: need a positive whole number of minutes; got {minutes!r}")
    out = ""
    for unit, size in (("d", 1440), ("h", 60), ("m", 1)):
        if m >= size:
            out += f"{m // size}{unit}"
            m %= size
    return out


def _selector(spec: SloSpec, m: Metric | None, field: str) -> str:
    if m is None:
        raise PlaybookError(f"{spec.file} (SLO {spec.name}): the rule generator needs ratioMetric.{field}")
    if m.type != "Prometheus":
        raise PlaybookError(f"{spec.file} (SLO {spec.name}): ratioMetric.{field} is a {m.type!r} metric; "
                            "the rule generator needs type Prometheus")
    if not _SELECTOR.match(m.query):
        raise PlaybookError(f"{spec.file} (SLO {spec.name}): ratioMetric.{field} query must be a counter selector "
                            f"(name{{labels}}) for rate(); got {m.query!r}")
    return m.query


def check_supported(spec: SloSpec) -> None:
    """Raise :class:`PlaybookError` naming the SLO and the reason when no rules can be generated for it.

    >>> check_supported(load_slos()[0])
    """
    where = f"{spec.file} (SLO {spec.name})"
    ind = spec.indicator
    if ind.kind != "ratio" or ind.raw is not None:
        raise PlaybookError(f"{where}: the rule generator needs a ratioMetric with good or bad over total; "
                            f"got a {'raw ratio' if ind.raw is not None else ind.kind + ' metric'}")
    if ind.counter is not True:
        raise PlaybookError(f"{where}: ratioMetric.counter is {ind.counter!r}; the rule generator takes rate() of "
                            "counters and needs counter: true (gauges are not supported)")
    if spec.budgeting_method != "Occurrences":
        raise PlaybookError(f"{where}: budgetingMethod {spec.budgeting_method} is not supported by the rule "
                            "generator (burn-rate rules count occurrences)")
    if not spec.rolling:
        raise PlaybookError(f"{where}: a calendar window is not supported by the rule generator (rolling only)")
    if len(spec.objectives) != 1:
        raise PlaybookError(f"{where}: the rule generator needs one objective; got {len(spec.objectives)}")
    _selector(spec, ind.good or ind.bad, "good" if ind.good else "bad")
    _selector(spec, ind.total, "total")


def error_ratio_expr(spec: SloSpec, window_min: float) -> str:
    """PromQL for the SLO's error ratio over ``window_min``.

    ``bad/total`` when the spec counts bad events, ``1 - good/total`` when it counts good ones.
    """
    check_supported(spec)
    w = prom_duration(window_min)
    total = f"sum(rate({spec.total_query}[{w}]))"
    if spec.bad_query:
        return f"sum(rate({spec.bad_query}[{w}])) / {total}"
    return f"1 - (sum(rate({spec.good_query}[{w}])) / {total})"


def _num(x: float) -> str:
    return f"{x:.10g}"


def _meta(spec: SloSpec, ids: dict[str, str], labels: dict[str, str], short_min: int) -> list[dict[str, Any]]:
    sel = "{" + ",".join(f'{k}="{v}"' for k, v in ids.items()) + "}"
    on = "on(" + ", ".join(ids) + ") group_left"
    budget = f"slo:error_budget:ratio{sel}"
    period = prom_duration(spec.period_days * 1440)
    return [
        {"record": "slo:objective:ratio", "expr": f"vector({_num(spec.slo_target)})", "labels": labels},
        {"record": "slo:error_budget:ratio", "expr": f"vector(1-{_num(spec.slo_target)})", "labels": labels},
        {"record": "slo:time_period:days", "expr": f"vector({_num(spec.period_days)})", "labels": labels},
        {"record": "slo:current_burn_rate:ratio",
         "expr": f"slo:sli_error:ratio_rate{prom_duration(short_min)}{sel} / {on} {budget}", "labels": labels},
        {"record": "slo:period_burn_rate:ratio",
         "expr": f"slo:sli_error:ratio_rate{period}{sel} / {on} {budget}", "labels": labels},
        {"record": "slo:period_error_budget_remaining:ratio", "expr": f"1 - slo:period_burn_rate:ratio{sel}",
         "labels": labels},
        {"record": "sloth_slo_info", "expr": "vector(1)",
         "labels": {**labels, "sloth_mode": "dfp-rules", "sloth_spec": "openslo/v1",
                    "sloth_objective": _num(100 * spec.slo_target)}},
    ]


def rule_groups(slos: Sequence[SloSpec], policy: Policy, meta: bool = True) -> list[dict[str, Any]]:
    """The rule file's groups: one per SLO with its recordings, meta recordings (``meta``) and alerts, in that order.

    Raises:
        PlaybookError: for an SLO the generator does not support (see :func:`check_supported`).
    """
    windows = sorted({w for r in policy.rules for w in r.windows_min})
    groups: list[dict[str, Any]] = []
    for spec in slos:
        check_supported(spec)
        ids = {"sloth_id": f"{spec.service}-{spec.name}", "sloth_service": spec.service, "sloth_slo": spec.name}
        labels = {"slo": spec.name, "service": spec.service, **ids}
        rec_windows = windows + ([int(spec.period_days * 1440)] if meta and spec.period_days * 1440 not in windows
                                 else [])
        rules: list[dict[str, Any]] = [
            {"record": f"slo:sli_error:ratio_rate{prom_duration(w)}", "expr": error_ratio_expr(spec, w),
             "labels": labels} for w in rec_windows]
        if meta:
            rules += _meta(spec, ids, labels, 5 if 5 in windows else windows[0])
        for sev, name in (("page", "ErrorBudgetPage"), ("ticket", "ErrorBudgetTicket")):
            sev_rules = [r for r in policy.rules if r.severity == sev]
            for for_min in sorted({r.for_min for r in sev_rules}):
                terms = []
                for r in (r for r in sev_rules if r.for_min == for_min):
                    limit = _num(error_ratio_limit(r, spec.slo_target, spec.period_days))
                    conds = [f'slo:sli_error:ratio_rate{prom_duration(w)}{{slo="{spec.name}"}} > {limit}'
                             for w in r.windows_min]
                    terms.append("(" + " and ".join(conds) + ")")
                speed = "fast" if sev == "page" else "slowly"
                alert: dict[str, Any] = {"alert": name, "expr": " or ".join(terms)}
                if for_min:
                    alert["for"] = prom_duration(for_min)
                alert["labels"] = {"severity": sev, "slo": spec.name, "service": spec.service}
                alert["annotations"] = {
                    "summary": f"{spec.display_name}: error budget burning {speed} ({sev})",
                    "description": (f"{spec.name} (objective {_num(spec.slo_target)} over {_num(spec.period_days)} "
                                    f"days) is spending its error budget at a rate policy '{policy.id}' "
                                    f"{'pages' if sev == 'page' else 'opens a ticket'} for."),
                    "runbook_url": RUNBOOK_BASE + (spec.runbook or "index") + ".html",
                }
                rules.append(alert)
        groups.append({"name": f"slo-{spec.name}", "rules": rules})
    return groups


def render_rules(slos: Sequence[SloSpec] | None = None, policy: Policy | None = None, meta: bool = True) -> str:
    """The rule file's text: a generated-file header and the groups as YAML (deterministic)."""
    slos = load_slos() if slos is None else slos
    policy = next(p for p in load_policies() if p.adopted) if policy is None else policy
    header = (
        "# GENERATED by `dfp rules` (dfp.reliability.promrules) from data/slos/*.yaml and the adopted alerting policy\n"
        f"# '{policy.id}' in data/reliability/alert-policies.yaml. Do not edit: change the specs and regenerate.\n"
        "# Checked in CI: regenerated and compared, `promtool check rules`, `promtool test rules`.\n"
    )
    body = yaml.dump({"groups": rule_groups(slos, policy, meta)}, Dumper=_NoAliases, sort_keys=False, width=1000,
                     default_flow_style=False)
    return header + body


def write_rules(check: bool = False, path: Path | None = None) -> bool:
    """Write the generated rules to ``path`` (default :data:`RULES_FILE`); with ``check``, only compare.

    Returns:
        True when the file already matched (with ``check``) or was unchanged.
    """
    target = path or repo_root() / RULES_FILE
    text = render_rules()
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if check or current == text:
        return current == text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return False


def _counter_values(counts: np.ndarray) -> str:
    """A counter that starts at 0 and grows by ``counts[t]`` in minute t, as promtool's ``values`` list."""
    return " ".join(str(int(v)) for v in np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]))


_EQ_SELECTOR = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*)\})?$')


def _parse_eq(spec: SloSpec, q: str) -> tuple[str, dict[str, str]]:
    m = _EQ_SELECTOR.match(q)
    if not m:
        raise PlaybookError(f"replay_test: selector {q!r} of SLO {spec.name} is not a metric with equality "
                            "matchers only, so it cannot name an input series")
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"', m.group(3) or ""))
    return m.group(1), labels


def _series_name(name: str, labels: dict[str, str]) -> str:
    return name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")


def _replay_inputs(spec: SloSpec, series: SliSeries) -> list[dict[str, str]]:
    """Input series whose selectors add up as the spec's queries do.

    A numerator on its own metric gets one series per selector. A numerator that is a labelled part
    of the total's metric (``x{outcome="error"}`` over ``x``) gets that series plus the rest under
    the same labels with the values ``other``, so ``sum(rate(x))`` is the total.
    """
    tot_name, tot_labels = _parse_eq(spec, spec.total_query)
    num_q = spec.bad_query or spec.good_query
    num_name, num_labels = _parse_eq(spec, num_q)
    num = series.bad if spec.bad_query else series.total - series.bad
    if num_name != tot_name:
        return [{"series": _series_name(tot_name, tot_labels), "values": _counter_values(series.total)},
                {"series": _series_name(num_name, num_labels), "values": _counter_values(num)}]
    if any(num_labels.get(k) != v for k, v in tot_labels.items()) or num_labels == tot_labels:
        raise PlaybookError(f"replay_test: SLO {spec.name}: the numerator {num_q!r} must be the total's metric with "
                            "more equality matchers")
    rest = {**num_labels, **{k: "other" for k in num_labels if k not in tot_labels}}
    return [{"series": _series_name(num_name, num_labels), "values": _counter_values(num)},
            {"series": _series_name(num_name, rest), "values": _counter_values(series.total - num)}]


def replay_test(spec: SloSpec, policy: Policy, series: SliSeries, rule_file: str, meta: bool = True) -> str:
    """A ``promtool test rules`` file that replays ``series`` as counters and expects the backtest's alerts.

    The counters are 0 at ``series.start`` and sampled once a minute, named by the spec's selectors
    (see ``_replay_inputs``). At every evaluation minute ``t + 1`` (the end of minute ``t``) the test
    expects each alert to be firing exactly when :func:`dfp.reliability.alerting.firing` says so, with
    the generated labels and annotations; groups run in promtool's default order.

    Args:
        spec: the SLO (its selectors name the input series, so they must be plain metric names with
            equality matchers, e.g. ``x_total{code="500"}``).
        policy: the alerting policy the rules were generated from.
        series: the SLO's minutes (``bad <= total``).
        rule_file: path of the rule file, as the test file should name it.
        meta: the rule file was generated with meta recordings (labels are the same either way).
    """
    inputs = _replay_inputs(spec, series)
    alerts = [r for g in rule_groups([spec], policy, meta) for r in g["rules"] if "alert" in r]
    groups = {r["alert"]: r for r in alerts}
    if len(groups) != len(alerts):
        raise PlaybookError(f"replay_test: policy {policy.id!r} mixes 'for' durations within a severity; "
                            "replay one duration at a time")
    ids = {"sloth_id": f"{spec.service}-{spec.name}", "sloth_service": spec.service, "sloth_slo": spec.name}
    checks = []
    for sev, name in (("page", "ErrorBudgetPage"), ("ticket", "ErrorBudgetTicket")):
        if name not in groups:
            continue
        rule = groups[name]
        expected = [{"exp_labels": {**rule["labels"], **ids}, "exp_annotations": rule["annotations"]}]
        mask = firing(series, policy.rules, sev)
        checks += [{"eval_time": f"{t + 1}m", "alertname": name, "exp_alerts": expected if on else []}
                   for t, on in enumerate(mask)]
    doc = {"rule_files": [rule_file], "evaluation_interval": "1m",
           "tests": [{"interval": "1m", "input_series": inputs, "alert_rule_test": checks}]}
    return yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, width=100000, default_flow_style=False)


@dataclass(frozen=True)
class ReplayRun:
    """One promtool replay: whether promtool agreed at every minute, its output, how long it took (s)."""

    passed: bool
    output: str
    seconds: float
    minutes: int


def run_replay(spec: SloSpec, policy: Policy, series: SliSeries, folder: Path, meta: bool = True,
               promtool: str | None = None) -> ReplayRun:
    """Write the generated rules for ``spec`` and :func:`replay_test` into ``folder`` and run promtool.

    Raises:
        PlaybookError: promtool is not installed (Debian package ``prometheus``).
    """
    exe = promtool or shutil.which("promtool")
    if exe is None:
        raise PlaybookError("promtool not found: install the Debian package 'prometheus'")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yml").write_text(render_rules([spec], policy, meta), encoding="utf-8")
    (folder / "replay.test.yml").write_text(replay_test(spec, policy, series, "rules.yml", meta), encoding="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.run([exe, "test", "rules", "replay.test.yml"], cwd=folder, capture_output=True, text=True)
    return ReplayRun(proc.returncode == 0, proc.stdout + proc.stderr, time.perf_counter() - t0, len(series.total))
