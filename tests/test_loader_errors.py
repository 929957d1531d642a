"""Every loader of data/ fails on a seeded bad copy with a message naming the file, key or column, and row.

CSV: an empty file, a header without rows, ``inf``/``-inf``. YAML (every file in data/): a key written
twice, a value of the wrong type, a missing key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.architecture.decision import load_decisions
from dfp.architecture.model import load_model
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.data import load
from dfp.io.external import load_facts
from dfp.io.focus import focus_spec
from dfp.io.openslo import load_slos
from dfp.io.policies import load_policies
from dfp.io.system import load_system
from dfp.io.yamlfile import check_shape, load_yaml, load_yaml_all
from dfp.reliability.alerting import load_policies as load_alert_policies
from dfp.reliability.incidents import load_budget_policy
from dfp.security.posture import load_controls, load_policy, load_threat_model

# --- CSV ------------------------------------------------------------------------------------------


def test_empty_csv_names_the_file(data_copy):
    (data_copy / "customers.csv").write_text("")
    with pytest.raises(PlaybookError, match=r"customers.csv: the file is empty"):
        load("customers", data_copy, cache=False)


def test_header_only_csv_names_the_file(data_copy):
    path = data_copy / "customers.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    with pytest.raises(PlaybookError, match=r"customers.csv: has a header but no data rows"):
        load("customers", data_copy, cache=False)


@pytest.mark.parametrize("bad", ["inf", "-inf", "Infinity"])
def test_infinite_number_names_column_and_row(data_copy, bad):
    path = data_copy / "legacy_baseline_monthly.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[3, "revenue_usd"] = bad
    df.to_csv(path, index=False)
    with pytest.raises(PlaybookError, match=r"legacy_baseline_monthly.csv: column 'revenue_usd', row 4: not a finite number"):
        load("legacy_baseline_monthly", data_copy, cache=False)


# --- YAML: one entry per file in data/ -------------------------------------------------------------

Loader = Callable[[Path], Any]


def _system_loader(p: Path) -> Any:
    return load_system(p)


def _security_policy(p: Path) -> Any:
    return load_policy(load_system(), p)


def _slos(p: Path) -> Any:
    return load_slos(p.parent)


#: file (relative to data/) -> its loader called on a copy of the file
LOADERS: dict[str, Loader] = {
    "system.yml": _system_loader,
    "platform.yml": load_policies,
    "external_facts.yml": load_facts,
    "architecture.yml": load_model,
    "decisions.yml": load_decisions,
    "slos/api.yaml": _slos,
    "slos/delivery.yaml": _slos,
    "slos/processing.yaml": _slos,
    "reliability/alert-policies.yaml": load_alert_policies,
    "reliability/error-budget-policy.yaml": load_budget_policy,
    "security/policy.yml": _security_policy,
    "security/threat_model.yml": load_threat_model,
    "security/controls.yml": load_controls,
    "focus/focus-1.2-columns.yml": focus_spec,
}


def test_every_yaml_file_in_data_has_a_loader_here():
    d = data_dir()
    found = {str(p.relative_to(d)) for p in d.rglob("*") if p.suffix in (".yml", ".yaml")}
    assert found == set(LOADERS)


def _copy(tmp_path: Path, rel: str, text: str | None = None) -> Path:
    src = data_dir() / rel
    dst = tmp_path / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    if rel.startswith("slos/"):  # load_slos reads a folder: bring the other specs along
        for other in src.parent.glob("*.yaml"):
            (dst.parent / other.name).write_text(other.read_text())
    dst.write_text(src.read_text() if text is None else text)
    return dst


@pytest.mark.parametrize("rel", sorted(LOADERS))
def test_committed_yaml_loads(rel, tmp_path):
    LOADERS[rel](_copy(tmp_path, rel))


@pytest.mark.parametrize("rel", sorted(LOADERS))
def test_a_key_written_twice_is_refused_naming_file_line_and_key(rel, tmp_path):
    lines = (data_dir() / rel).read_text().splitlines()
    # the first key with a value on its line (else the first top-level key): write it again below itself
    hits = [i for i, line in enumerate(lines) if re.match(r"^ *[A-Za-z_][\w.-]*: [^#\s{\[][^{}\[\]]*$", line)]
    i = (hits or [i for i, line in enumerate(lines) if re.match(r"^[A-Za-z_][\w.-]*:", line)])[0]
    key = lines[i].split(":")[0].strip()
    bad = "\n".join([*lines[: i + 1], lines[i], *lines[i + 1:]]) + "\n"
    path = _copy(tmp_path, rel, bad)
    name = Path(rel).name
    with pytest.raises(PlaybookError, match=rf"{re.escape(name)}: line {i + 2}: duplicate key '{re.escape(key)}' "
                                            rf"\(first written on line {i + 1}\)"):
        LOADERS[rel](path)


def test_thirty_engineers_instead_of_three_is_refused(tmp_path):
    text = (data_dir() / "system.yml").read_text().replace(
        "  platform_engineers_min: 3\n", "  platform_engineers_min: 3\n  platform_engineers_min: 30\n")
    with pytest.raises(PlaybookError, match=r"system.yml: line \d+: duplicate key 'platform_engineers_min'"):
        load_system(_copy(tmp_path, "system.yml", text))


def _edit(tmp_path: Path, rel: str, mutate: Callable[[Any], None]) -> Path:
    docs = load_yaml_all(data_dir() / rel)
    mutate(docs[0])
    return _copy(tmp_path, rel, yaml.safe_dump_all(docs, sort_keys=False))


def _first(mapping: dict[str, Any]) -> Any:
    return next(iter(mapping.values()))


#: file -> (mutation making a value the wrong type, message regex)
WRONG_TYPE: dict[str, tuple[Callable[[Any], None], str]] = {
    "system.yml": (lambda d: d["team"].update(platform_engineers_min="three"),
                   r"system.yml: team.platform_engineers_min must be an integer; got 'three'"),
    "platform.yml": (lambda d: d["stream"].update(retention_h="a week"),
                     r"platform.yml: stream.retention_h must be a number; got 'a week'"),
    "external_facts.yml": (lambda d: d["slas"]["api_gateway"].update(value="99.95%"),
                           r"external_facts.yml: slas.api_gateway.value must be a number; got '99.95%'"),
    "architecture.yml": (lambda d: d["components"]["api-gateway"].update(per_region="yes please"),
                         r"architecture.yml: components.api-gateway.per_region must be true or false"),
    "decisions.yml": (lambda d: d["decisions"]["cloud"]["criteria"]["cost_index"].update(weight="high"),
                      r"decisions.yml: decisions.cloud.criteria.cost_index.weight must be a number"),
    "slos/api.yaml": (lambda d: d["spec"]["objectives"][0].update(target="99.95"),
                      r"api.yaml \(SLO api-availability\): field 'spec.objectives\[0\].target' .*got '99.95'"),
    "slos/delivery.yaml": (lambda d: d["spec"].update(timeWindow="30d"),
                           r"delivery.yaml \(SLO delivery-success\): field 'spec.timeWindow' has the wrong type; got '30d'"),
    "slos/processing.yaml": (lambda d: d["spec"].update(budgetingMethod=["Occurrences"]),
                             r"processing.yaml \(SLO processing-latency\): field 'spec.budgetingMethod' must be one of "
                             r".*got \['Occurrences'\]"),
    "reliability/alert-policies.yaml": (lambda d: d["policies"][1]["rules"][0].update(budget_share="2%"),
                                        r"alert-policies.yaml: policies\[1\].*budget_share.*got '2%'"),
    "reliability/error-budget-policy.yaml": (lambda d: d["freeze"].update(remaining_below="none"),
                                             r"error-budget-policy.yaml: freeze.remaining_below must be a number; got 'none'"),
    "security/policy.yml": (lambda d: d.update(access_key_max_age_days="90 days"),
                            r"policy.yml: access_key_max_age_days must be an integer >= 1; got '90 days'"),
    "security/threat_model.yml": (lambda d: d["threats"][2].update(likelihood="high"),
                                  r"threat_model.yml: threats\[2\].*likelihood must be an integer in \[1, 5\]; got 'high'"),
    "focus/focus-1.2-columns.yml": (lambda d: d["columns"][3].update(nulls="maybe"),
                                    r"focus-1.2-columns.yml: columns\[3\].nulls must be bool; got 'maybe'"),
    "security/controls.yml": (lambda d: d["controls"][1].update(soc2="CC6.1"),
                              r"controls.yml: controls\[1\].*soc2 must be a list of strings"),
}

#: file -> (mutation deleting a required key, message regex naming it)
MISSING_KEY: dict[str, tuple[Callable[[Any], None], str]] = {
    "system.yml": (lambda d: d["sample_data"].pop("size_sigma"), r"system.yml: missing field sample_data.size_sigma"),
    "platform.yml": (lambda d: d["stream"].pop("headroom"), r"platform.yml: missing field stream.headroom"),
    "external_facts.yml": (lambda d: d["slas"]["api_gateway"].pop("unit"),
                           r"external_facts.yml: (missing field )?slas.api_gateway.unit( is missing)?"),
    "architecture.yml": (lambda d: d["components"]["api-gateway"].pop("tier"),
                         r"architecture.yml: (missing field components.api-gateway.tier|component api-gateway: missing 'tier')"),
    "decisions.yml": (lambda d: d["decisions"]["cloud"].pop("question"),
                      r"decisions.yml: missing field decisions.cloud.question"),
    "slos/api.yaml": (lambda d: d["spec"].pop("indicator"), r"api.yaml \(SLO api-availability\): field 'spec.indicator' is missing"),
    "slos/delivery.yaml": (lambda d: d["spec"].pop("objectives"),
                           r"delivery.yaml \(SLO delivery-success\): field 'spec.objectives' is missing"),
    "slos/processing.yaml": (lambda d: d.pop("metadata"), r"processing.yaml: field 'metadata(.name)?' (is missing|must be)"),
    "reliability/alert-policies.yaml": (lambda d: d["policies"][0]["rules"][0].pop("windows"),
                                        r"alert-policies.yaml: policies\[0\].*'windows'"),
    "reliability/error-budget-policy.yaml": (lambda d: d["postmortem"].pop("severities"),
                                             r"error-budget-policy.yaml: missing field postmortem.severities"),
    "security/policy.yml": (lambda d: d.pop("unused_principal_days"), r"policy.yml: unused_principal_days must be"),
    "security/threat_model.yml": (lambda d: d["threats"][1].pop("impact"),
                                  r"threat_model.yml: threats\[1\].*missing field\(s\) \['impact'\]"),
    "focus/focus-1.2-columns.yml": (lambda d: d["rules"][2].pop("scope"),
                                    r"focus-1.2-columns.yml: missing field rules\[2\].scope"),
    "security/controls.yml": (lambda d: d["controls"][0].pop("status"),
                              r"controls.yml: controls\[0\].*missing field\(s\) \['status'\]"),
}


def test_every_yaml_file_has_a_wrong_type_and_a_missing_key_case():
    assert set(WRONG_TYPE) == set(LOADERS) == set(MISSING_KEY)


@pytest.mark.parametrize("rel", sorted(WRONG_TYPE))
def test_a_value_of_the_wrong_type_names_file_and_key(rel, tmp_path):
    mutate, message = WRONG_TYPE[rel]
    with pytest.raises(PlaybookError, match=message):
        LOADERS[rel](_edit(tmp_path, rel, mutate))


@pytest.mark.parametrize("rel", sorted(MISSING_KEY))
def test_a_missing_key_names_file_and_key(rel, tmp_path):
    mutate, message = MISSING_KEY[rel]
    with pytest.raises(PlaybookError, match=message):
        LOADERS[rel](_edit(tmp_path, rel, mutate))


# --- the strict loader itself ---------------------------------------------------------------------


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    p = tmp_path / "x.yml"
    p.write_text("a: 1\nb: [2, 3\n")
    with pytest.raises(PlaybookError, match=r"x.yml: line \d+: not valid YAML"):
        load_yaml(p)


def test_missing_yaml_file_is_named(tmp_path):
    with pytest.raises(PlaybookError, match=r"data file not found: .*nope.yml"):
        load_yaml(tmp_path / "nope.yml")


def test_duplicate_key_in_a_later_document_is_refused(tmp_path):
    p = tmp_path / "multi.yaml"
    p.write_text("a: 1\n---\nb: 1\nb: 2\n")
    with pytest.raises(PlaybookError, match=r"multi.yaml: line 4: duplicate key 'b'"):
        load_yaml_all(p)


def test_an_unquoted_comma_in_a_flow_mapping_is_refused(tmp_path):
    p = tmp_path / "facts.yml"
    p.write_text("prices:\n  ec2: {value: 0.096, unit: USD/h, note: 2 vCPU, 8 GiB}\n")
    with pytest.raises(PlaybookError, match=r"facts.yml: line 2: '8 GiB' has no value inside a \{\.\.\.\} mapping"):
        load_yaml(p)
    p.write_text('prices:\n  ec2: {value: 0.096, unit: USD/h, note: "2 vCPU, 8 GiB", empty: ""}\n')
    assert load_yaml(p)["prices"]["ec2"]["note"] == "2 vCPU, 8 GiB"


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
_docs = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)), max_leaves=12)


@settings(max_examples=60)
@given(doc=_docs, flow=st.booleans())
def test_the_strict_loader_reads_every_document_pyyaml_writes(tmp_path_factory, doc, flow):
    p = tmp_path_factory.mktemp("y") / "doc.yml"
    p.write_text(yaml.safe_dump(doc, default_flow_style=flow))
    assert load_yaml(p) == yaml.safe_load(p.read_text())


def test_merge_keys_still_work(tmp_path):
    p = tmp_path / "m.yml"
    p.write_text("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert load_yaml(p)["other"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("value", "spec", "message"),
    [
        ({"a": True}, {"a": float}, r"f.yml: a must be a number; got True"),
        ({"a": [1, "x"]}, {"a": "number-list"}, r"f.yml: a must be a list of numbers"),
        ({"m": {"k": {"n": "x"}}}, {"m": {"*": {"n": int}}}, r"f.yml: m.k.n must be an integer; got 'x'"),
        ({"l": [{"n": 1}, {}]}, {"l": [{"n": int}]}, r"f.yml: missing field l\[1\].n"),
        ({"d": "someday"}, {"d": "date"}, r"f.yml: d must be a date"),
        ({"s": ""}, {"s": str}, r"f.yml: s must be a string; got ''"),
    ],
)
def test_check_shape_rejects(value, spec, message):
    with pytest.raises(PlaybookError, match=message):
        check_shape(value, spec, "f.yml")


def test_check_shape_allows_optional_and_extra_keys():
    check_shape({"a": 1, "note": "x"}, {"a": int, "b?": str}, "f.yml")
