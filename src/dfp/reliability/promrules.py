"""Prometheus recording and multiwindow multi-burn-rate alerting rules, generated from the SLO specs.

========================  ===================================================================
``RULES_FILE``             the committed, generated rule file (``book/05-reliability/rules/slo-rules.yml``)
``prom_duration``          minutes as a Prometheus duration (``90`` -> ``1h30m``)
``error_ratio_expr``       PromQL of an SLO's error ratio over a window (from its ratioMetric)
``rule_groups``            the rule file as data: one recording and one alerting group per SLO
``render_rules``           the rule file's text (deterministic; a header says it is generated)
``write_rules``            write it (``dfp rules``) or report whether the committed copy is stale
========================  ===================================================================

Recording rules ``slo:sli_error:ratio_rate<window>`` hold each SLO's error ratio over every window
the alerting policy uses; the alerts compare them with ``burn threshold x (1 - objective)``. One
alert per severity (``ErrorBudgetPage``, ``ErrorBudgetTicket``) with an ``slo`` label; page rules
of the policy are OR'ed into the page alert, ticket rules into the ticket alert. The expressions
sum without a region label: each regional Prometheus evaluates the rules for its own cell and
adds its region as an external label.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.io.openslo import SloSpec, load_slos
from dfp.reliability.alerting import Policy, load_policies

__all__ = ["RULES_FILE", "error_ratio_expr", "prom_duration", "render_rules", "rule_groups", "write_rules"]

RULES_FILE = Path("book") / "05-reliability" / "rules" / "slo-rules.yml"
RUNBOOK_BASE = "https://dataflow.example/playbook/book/05-reliability/runbooks/"


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


def error_ratio_expr(spec: SloSpec, window_min: float) -> str:
    """PromQL for the SLO's error ratio over ``window_min``.

    ``bad/total`` when the spec counts bad events, ``1 - good/total`` when it counts good ones.
    """
    w = prom_duration(window_min)
    total = f"sum(rate({spec.total_query}[{w}]))"
    if spec.bad_query:
        return f"sum(rate({spec.bad_query}[{w}])) / {total}"
    return f"1 - (sum(rate({spec.good_query}[{w}])) / {total})"


def _num(x: float) -> str:
    return f"{x:.10g}"


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("-"))


def rule_groups(slos: Sequence[SloSpec], policy: Policy) -> list[dict[str, Any]]:
    """The rule file's groups: per SLO, recording rules for every window and the two alerts."""
    windows = sorted({w for r in policy.rules for w in r.windows_min})
    groups: list[dict[str, Any]] = []
    for spec in slos:
        rec = [{"record": f"slo:sli_error:ratio_rate{prom_duration(w)}", "expr": error_ratio_expr(spec, w),
                "labels": {"slo": spec.name, "service": spec.service}} for w in windows]
        alerts = []
        for sev, name in (("page", "ErrorBudgetPage"), ("ticket", "ErrorBudgetTicket")):
            terms = []
            for r in (r for r in policy.rules if r.severity == sev):
                limit = _num(r.threshold(spec.window_days) * spec.error_budget_ratio)
                conds = [f'slo:sli_error:ratio_rate{prom_duration(w)}{{slo="{spec.name}"}} > {limit}'
                         for w in r.windows_min]
                terms.append("(" + " and ".join(conds) + ")")
            if not terms:
                continue
            speed = "fast" if sev == "page" else "slowly"
            alerts.append({
                "alert": name,
                "expr": " or ".join(terms),
                "labels": {"severity": sev, "slo": spec.name, "service": spec.service},
                "annotations": {
                    "summary": f"{spec.display_name}: error budget burning {speed} ({sev})",
                    "description": (f"{spec.name} (objective {_num(spec.slo_target)} over {_num(spec.window_days)} "
                                    f"days) is spending its error budget at a rate policy '{policy.id}' "
                                    f"{'pages' if sev == 'page' else 'opens a ticket'} for."),
                    "runbook_url": RUNBOOK_BASE + (spec.runbook or "index") + ".html",
                },
            })
        groups.append({"name": f"slo-recording-{spec.name}", "rules": rec})
        groups.append({"name": f"slo-alerts-{spec.name}", "rules": alerts})
    return groups


def render_rules(slos: Sequence[SloSpec] | None = None, policy: Policy | None = None) -> str:
    """The rule file's text: a generated-file header and the groups as YAML (deterministic)."""
    slos = load_slos() if slos is None else slos
    policy = next(p for p in load_policies() if p.adopted) if policy is None else policy
    header = (
        "# GENERATED by `dfp rules` (dfp.reliability.promrules) from data/slos/*.yaml and the adopted alerting policy\n"
        f"# '{policy.id}' in data/reliability/alert-policies.yaml. Do not edit: change the specs and regenerate.\n"
        "# Checked in CI: regenerated and compared, `promtool check rules`, `promtool test rules`.\n"
    )
    body = yaml.safe_dump({"groups": rule_groups(slos, policy)}, sort_keys=False, width=1000,
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
