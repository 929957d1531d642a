"""Prose that survives its parameters: the checker (dfp.book.paramcheck), the wording helpers (dfp.book.prose)
and the claims a reviewer found contradicting themselves at values inside the registered ranges.

The sweep over every parameter's edges is in ``test_param_edges_a.py`` and ``test_param_edges_b.py``.
"""

from __future__ import annotations

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.book.execute import run_notebook
from dfp.book.paramcheck import edge_cases, output_problems, rendered_glue, run_glued
from dfp.book.params import PAGE_DEFAULTS, PARAMETERS, check_page_parameters, param_range
from dfp.book.prose import change_verb, count_range, percent, weight_flip
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root

PATHS = {p.stem: p for p in (repo_root() / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}


def _nb(markdown: str, glued: dict[str, str], html: str = "", error: bool = False) -> nbformat.NotebookNode:
    prefix = "application/papermill.record/"  # how myst_nb's glue stores a value
    outputs = [nbformat.v4.new_output("display_data", {prefix + "text/plain": v},
                                      metadata={"scrapbook": {"name": k, "mime_prefix": prefix}}) for k, v in glued.items()]
    if html:
        outputs.append(nbformat.v4.new_output("display_data", {"text/html": html}))
    if error:
        outputs.append(nbformat.v4.new_output("error", ename="PlaybookError", evalue="x must be in [0, 1]", traceback=[]))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell("", outputs=outputs)]
    return nb


def test_a_clean_notebook_has_no_problems():
    nb = _nb("A {glue:text}`a:.2f` % SLA, {glue:text}`b` engineers, {glue:text}`c:,.0f` USD.",
             {"a": "99.95", "b": "'3 to 4'", "c": "1234567.0"}, html="<td>None of the above</td><td>12</td>")
    assert output_problems(nb) == []


@pytest.mark.parametrize(("nb", "found"), [
    (_nb("{glue:text}`x:.0f` % of criticals", {"x": "nan"}), "glue 'x' shows 'nan'"),
    (_nb("from {glue:text}`x:.0f` h", {"x": "inf"}), "glue 'x' shows 'inf'"),
    (_nb("hands it to {glue:text}`x`", {"x": "'None'"}), "glue 'x' shows 'None'"),
    (_nb("a bill of {glue:text}`x` USD", {"x": "1.2e+41"}), "glue 'x' shows e-notation '1.2e+41'"),
    (_nb("", {}, html="<td>NaN</td>"), "cell 1: NaN in an output"),
    (_nb("", {}, html="<td>inf</td>"), "cell 1: inf in an output"),
    (_nb("", {}, error=True), "cell 1: PlaybookError: x must be in [0, 1]"),
])
def test_seeded_bad_outputs_are_found(nb, found):
    assert found in output_problems(nb)


def test_rendered_glue_applies_the_roles_format_spec():
    assert rendered_glue("0.99999", ".2%") == "100.00%"
    assert rendered_glue("'99.999'", None) == "99.999"
    assert rendered_glue("1234.5", ",.0f") == "1,234"


def test_edge_cases_cover_every_parameter_of_every_page_inside_its_range():
    cases = edge_cases()
    assert {(p, n) for p, n, _ in cases} == {(p, n) for p, d in PAGE_DEFAULTS.items() for n in d}
    for page, name, value in cases:
        assert check_page_parameters(page, **{name: value}) == {name: value}, (page, name, value)
        if PARAMETERS[name].kind in ("int", "float"):
            low, high = param_range(page, name)
            assert {low, high} <= {v for p, n, v in cases if (p, n) == (page, name)}


def test_a_page_range_narrows_the_registry_and_names_the_parameter_and_the_page():
    assert param_range("controls-measured", "as_of_month") == (8, 23)
    with pytest.raises(PlaybookError, match=r"^as_of_month must be in \[8, 23\] on controls-measured .*got 0$"):
        check_page_parameters("controls-measured", as_of_month=0)
    assert check_page_parameters("scorecard", as_of_month=0) == {"as_of_month": 0}


@given(st.floats(min_value=1e-6, max_value=100.0 - 1e-6))
def test_percent_never_rounds_a_fraction_to_100_or_0(x):
    """Down to its eight decimals: 1e-6 % is a millionth of a percent."""
    shown = percent(x)
    assert 0 < float(shown) < 100


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_change_verb_follows_the_sign(a, b):
    verb = change_verb(a, b)
    assert verb == ("rises" if b > a else "falls" if b < a else "stays")


def test_wording_helpers():
    assert percent(99.999) == "99.999" and percent(99.95) == "99.95" and percent(99.99999, 1) == "99.99999"
    assert count_range(3, 4) == "3 to 4" and count_range(20, 4) == "20"
    with pytest.raises(PlaybookError):
        percent(float("nan"))


# --- the reviewer's findings, each run at the value that showed it (slow: each runs a notebook) ---------------


def _run(page: str, tmp_path, **params):
    problems, glued = run_glued(PATHS[page], params, tmp_path)
    assert problems == [], problems
    return glued


@pytest.mark.slow
def test_a_short_outage_stays_within_the_sla_and_owes_nothing(tmp_path):
    g = _run("problem-statement", tmp_path, outage_hours=0.1)
    assert g["ps_outage_availability"] > 99.95
    assert g["ps_sla_side"] == "still within" and g["ps_credit_clause"] == ", so no service credits are owed"
    g = _run("problem-statement", tmp_path, outage_hours=72.0)
    assert g["ps_outage_availability"] < 99.95
    assert g["ps_sla_side"] == "below" and g["ps_credit_clause"].startswith(", which owes ")


@pytest.mark.slow
def test_the_composed_availability_verb_follows_its_sign(tmp_path):
    g = _run("availability-composition", tmp_path, node_availability=0.9)
    assert g["ac_ingest_verb"] == change_verb(g["ac_ingest_mvp"], g["ac_ingest_scale"])
    assert g["ac_target_pct"] != "100.00"


@pytest.mark.slow
def test_the_minimum_pods_cover_the_load_only_when_they_do(tmp_path):
    g = _run("kubernetes-capacity", tmp_path, traffic_multiple=1000.0)
    assert g["kc_servers"] > g["kc_min_workers"]
    assert g["kc_cover_clause"].startswith("does not cover")


@pytest.mark.slow
def test_a_big_team_and_a_five_nines_target_read_true(tmp_path):
    g = _run("constraints", tmp_path, team_engineers=20, slo_target=0.99999)
    assert g["co_team_size"] == "20"
    assert g["co_slo_pct"] == "99.999"


@pytest.mark.slow
def test_the_security_page_refuses_months_before_the_scale_era_by_name(tmp_path):
    with pytest.raises(PlaybookError, match=r"as_of_month must be in \[8, 23\] on controls-measured"):
        run_notebook(PATHS["controls-measured"], {"as_of_month": 0}, tmp_path)


@pytest.mark.slow
def test_the_fastest_growth_over_the_longest_horizon_prints_plain_numbers(tmp_path):
    _run("success-metrics", tmp_path, growth_rate=PARAMETERS["growth_rate"].high,
         horizon_months=PARAMETERS["horizon_months"].high)


@pytest.mark.slow
def test_a_weight_that_flips_nothing_is_said_in_words_not_nan(tmp_path):
    g = _run("alternatives", tmp_path, ops_weight=0.0)
    assert g["alt_ai_cost_clause"].startswith(("a cost weight of ", "no cost weight between 0 and 1"))
    assert "nan" not in g["alt_ai_cost_clause"] and "nan" not in g["alt_regions_cost_clause"]


def test_weight_flip_reads_a_blank_flip_point_as_no_flip():
    assert weight_flip("cost", 0.3, None, None).startswith("no cost weight")
    assert weight_flip("cost", 0.3, 0.2222, "active-active") == "a cost weight of 0.22 instead of 0.30 hands it to active-active"
