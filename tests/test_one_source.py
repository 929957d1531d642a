"""One quantity, one source (issue 13): a number shown on two pages comes from one function or one home in
data, or each page's label names what differs. Each test pins one of the pairs the review found."""

from __future__ import annotations

import json
import re

import pytest
from test_story import glued

from dfp.book import scorecard as sc
from dfp.business.traffic import design_peak_events_per_s
from dfp.core.paths import repo_root
from dfp.io.system import load_system
from dfp.reliability import incidents, operations
from dfp.reliability.alerting import load_oncall_costs, load_policies

ROOT = repo_root()
SYSTEM = load_system()
CONSTRAINTS, ALERTING = "notebooks/00-context/constraints", "notebooks/05-reliability/alerting"
SUCCESS, SLIS = "notebooks/00-context/success-metrics", "notebooks/05-reliability/slis-and-slos"


def test_the_design_peak_is_one_number_the_busiest_hour():
    """245 events/s on one page and 265 on the next: now one function, and both pages quote its value."""
    shape = SYSTEM.sample["diurnal"]["us-east-1"]
    peak = design_peak_events_per_s(SYSTEM.target("events_per_day_peak_capacity").value, shape["peak_hour_utc"],
                                    shape["peak_to_trough"])
    assert glued(CONSTRAINTS)["co_peak_eps"] == pytest.approx(peak)
    assert glued("notebooks/01-architecture/alternatives")["alt_peak_rate"] == pytest.approx(peak)


def test_a_page_costs_the_same_on_every_page():
    """45 engineer-minutes on the constraints page and 60 on the alerting page: now one home in data."""
    minutes = load_oncall_costs().page_handling_min
    assert glued(CONSTRAINTS)["co_page_min"] == glued(ALERTING)["al_page_min"] == minutes


def test_the_enterprise_count_carries_its_quarter():
    """13 sign-ups are 2026Q3's; the pages name that quarter, never the unfinished one."""
    g = glued(SUCCESS)
    assert g["sm_new_ent_quarter"] == str(sc.last_full_quarter(SYSTEM, 23)) == "2026Q3"
    assert sc.window_text(sc.MEASURES["new_enterprise_per_quarter"].window, SYSTEM, 23).startswith(g["sm_new_ent_quarter"])


def test_mttd_is_labelled_with_its_population_and_the_scorecard_quotes_that_one():
    g = glued(ALERTING)
    log = incidents.load_event_log(SYSTEM)
    crit = operations.mean_time_to_detect(log, "critical")
    assert g["al_mttd_critical_label"] == crit.label and g["al_mttd_critical_record"] == pytest.approx(crit.minutes)
    assert sc.MEASURES["mttd_min"].page == ALERTING and "incident record" in sc.MEASURES["mttd_min"].window


def test_the_api_objective_and_the_sla_are_named_apart():
    g = glued(SLIS)
    assert g["sl_api_target_pct"] != g["sl_sla_pct"]
    assert float(g["sl_api_target_pct"]) / 100 == pytest.approx(SYSTEM.target("api_availability_slo").value)
    assert float(g["sl_sla_pct"]) / 100 == pytest.approx(SYSTEM.target("api_availability").value)


def test_the_chosen_policy_has_one_name():
    adopted = next(p for p in load_policies() if p.adopted)
    assert glued(ALERTING)["al_chosen"] == glued(ALERTING)["al_adopted"] == adopted.id
    assert glued(SUCCESS)["sm_alert_policy"] == adopted.name


_CHOSEN = re.compile(r"chosen\s+(\w[\w-]*)\s+burn-rate policy", re.S)


def chosen_policy_claims(text: str) -> list[str]:
    """Policy ids a page calls "the chosen ... burn-rate policy"."""
    return _CHOSEN.findall(text)


def test_the_claim_finder_can_fail():
    assert chosen_policy_claims("the chosen\n  multiwindow burn-rate policy caught 4") == ["multiwindow"]


def test_no_page_names_another_policy_as_chosen():
    adopted = next(p for p in load_policies() if p.adopted).id
    for page in sorted((ROOT / "book").rglob("*.md")):
        for claim in chosen_policy_claims(page.read_text(encoding="utf-8")):
            assert claim == adopted, f"{page.relative_to(ROOT)} calls {claim!r} the chosen policy"


_WORDS = {w: n for n, w in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])}


def _markdown(page: str) -> str:
    path = ROOT / page
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_counted_things_in_prose_match_what_they_count():
    """"Five constraints" over six sections: a number word in prose equals the count of what it names."""
    constraints = _markdown(f"{CONSTRAINTS}.ipynb")
    said = re.search(r"\*\*The claim\.\*\* (\w+) constraints", constraints)
    assert said, "the constraints page's claim no longer counts its constraints"
    assert _WORDS[said.group(1).lower()] == len(re.findall(r"^## ", constraints, flags=re.M))
    problems = len(SYSTEM.starting_problems)
    for page in ("notebooks/00-context/problem-statement.ipynb", "book/tour.md", "book/00-context/index.md"):
        words = re.findall(r"\b(\w+) (?:problems|ways)\b", _markdown(page))
        counts = [_WORDS[w.lower()] for w in words if w.lower() in _WORDS]
        assert counts and set(counts) == {problems}, (page, words, problems)


def test_the_tour_takes_the_minutes_its_title_promises():
    """A "15-minute tour" whose pages add up to 16 minutes: the listed minutes sum to the title's."""
    tour = (ROOT / "book" / "tour.md").read_text(encoding="utf-8")
    title = re.search(r"^# The (\d+)-minute tour", tour, flags=re.M)
    minutes = [int(m) for m in re.findall(r"\((\d+) minutes?\)", tour)]
    assert title and minutes, "the tour lost its title or its minutes"
    assert sum(minutes) == int(title.group(1)), minutes


def test_the_alert_rules_page_counts_the_generated_rules():
    """"Five SLOs times seven windows is 35" over eight windows: the page's counts are the rule file's."""
    import yaml

    page = (ROOT / "book" / "05-reliability" / "alert-rules.md").read_text(encoding="utf-8")
    said = re.search(r"(\w+) SLOs times (\w+) windows is (\d+) ratio recording rules \((\d+) recording rules in all\)"
                     r"\s+and\s+(\w+) alert expressions", page)
    assert said, "the alert-rules page no longer counts its rules"
    rules = [r for g in yaml.safe_load((ROOT / "book/05-reliability/rules/slo-rules.yml").read_text())["groups"]
             for r in g["rules"]]
    records = [r["record"] for r in rules if "record" in r]
    windows = {re.search(r"ratio_rate(\w+)$", r).group(1) for r in records if re.search(r"ratio_rate\w+$", r)}
    ratio_rules = [r for r in records if re.search(r"ratio_rate\w+$", r)]
    words = {**_WORDS, "ten": 10}
    assert (words[said.group(1).lower()], words[said.group(2).lower()]) == (len(ratio_rules) // len(windows), len(windows))
    assert (int(said.group(3)), int(said.group(4)), words[said.group(5).lower()]) == (
        len(ratio_rules), len(records), sum("alert" in r for r in rules))
