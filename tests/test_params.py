"""The parameter registry (dfp.book.params): ranges, page defaults, set-up call and `dfp run` parsing."""

from __future__ import annotations

import inspect

import papermill
import pytest

from dfp.book import params, scorecard
from dfp.book.cli import main
from dfp.book.execute import notebook_parameters, run_notebook
from dfp.book.params import PAGE_DEFAULTS, PARAMETERS, check_parameters, page_defaults, parse_value, setup
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.io.system import load_system

ROOT = repo_root()
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_equals_the_registry_defaults(path):
    assert notebook_parameters(path) == PAGE_DEFAULTS[path.stem]


def test_registry_pages_are_notebooks_and_defaults_are_in_range():
    assert set(PAGE_DEFAULTS) == {p.stem for p in NOTEBOOKS}
    for page, defaults in PAGE_DEFAULTS.items():
        assert check_parameters(**defaults) == defaults, page


@pytest.mark.parametrize(("text", "value"), [
    ("1e-05", 1e-05), ("1E-7", 1e-07), ("2.5e3", 2500.0), ("24", 24), ("24.0", 24.0), ("-0.1", -0.1),
    ("true", True), ("False", False), ("None", None), ("m6i.xlarge", "m6i.xlarge"), ("eu-west-1", "eu-west-1"),
])
def test_parse_value_reads_scientific_notation_and_text(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)


def test_the_range_message_round_trips():
    """A bound printed by a range message is accepted when typed back, in plain or scientific notation."""
    with pytest.raises(PlaybookError, match=r"target_usd_per_million_events must be in \[0.1, 10000.0\]; got 0.05"):
        check_parameters(target_usd_per_million_events=0.05)
    assert check_parameters(target_usd_per_million_events=parse_value("0.1")) == {"target_usd_per_million_events": 0.1}
    assert check_parameters(target_usd_per_million_events=parse_value("1e4")) == {"target_usd_per_million_events": 1e4}
    with pytest.raises(PlaybookError, match=r"pii_sample_fraction must be in \[1e-05, 1.0\]; got 2"):
        check_parameters(pii_sample_fraction=2.0)
    assert check_parameters(pii_sample_fraction=parse_value("1e-05")) == {"pii_sample_fraction": 1e-05}


def test_whole_floats_become_integers_and_fractions_are_rejected_by_name():
    out = check_parameters(horizon_months=24.0, team_engineers=3.0)
    assert out == {"horizon_months": 24, "team_engineers": 3}
    assert all(type(v) is int for v in out.values())
    with pytest.raises(PlaybookError, match=r"^team_engineers must be an integer; got 2.5$"):
        check_parameters(team_engineers=2.5)
    with pytest.raises(PlaybookError, match=r"^show_rows must be True or False; got 1$"):
        check_parameters(show_rows=1)
    with pytest.raises(PlaybookError, match=r"^region must be one of"):
        check_parameters(region="mars-1")


@pytest.mark.parametrize("name", sorted(n for n, p in PARAMETERS.items() if p.kind in ("int", "float")))
def test_every_out_of_range_error_names_the_parameter(name):
    p = PARAMETERS[name]
    with pytest.raises(PlaybookError, match=rf"^{name} must be in \["):
        check_parameters(**{name: p.high + 1})
    with pytest.raises(PlaybookError, match=rf"^{name} must be in \["):
        setup_for(name, p.low - 1)


def setup_for(name: str, value: object) -> params.Page:
    """Set up the first page that has parameter ``name``, with ``value`` for it."""
    page = next(pg for pg, d in PAGE_DEFAULTS.items() if name in d)
    return setup(page, **{**PAGE_DEFAULTS[page], name: value})


def test_setup_checks_coerces_fills_none_and_writes_back():
    system = load_system()
    ns = {"slo_target": None, "team_engineers": 4.0, "page_handling_min": 30.0, "as_of_month": 12.0}
    page = setup("constraints", ns)
    assert page.slo_target == system.target("api_availability").value
    assert ns["team_engineers"] == 4 and type(ns["team_engineers"]) is int
    assert ns["as_of_month"] == 12 and page.as_of_month == 12
    assert ns["slo_target"] == page.slo_target
    assert page.name == "constraints" and page.system.start == system.start
    fitted = setup("projections", {"growth_rate": None, "price_change_ratio": 0.0, "horizon_months": 24})
    assert fitted.growth_rate is None  # no default_from: the page fits it


def test_setup_fills_every_resolvable_none_from_the_data():
    system = load_system()
    for name, p in PARAMETERS.items():
        if p.default_from is not None:
            value = p.default_from(system)
            assert value is not None
            assert p.check(value) == value, name


def test_setup_rejects_missing_unknown_and_bad_values_by_name():
    with pytest.raises(PlaybookError, match=r"parameters \['horizon_months'\] are not set"):
        setup("success-metrics", {"growth_rate": None})
    with pytest.raises(PlaybookError, match=r"success-metrics has no parameter\(s\) \['slo_target'\]"):
        setup("success-metrics", {"growth_rate": None, "horizon_months": 24}, slo_target=0.99)
    with pytest.raises(PlaybookError, match=r"^horizon_months must be an integer; got 2.5$"):
        setup("success-metrics", {"growth_rate": None, "horizon_months": 2.5})
    with pytest.raises(PlaybookError, match=r"no notebook 'nope' in the parameter registry"):
        page_defaults("nope")


def test_scorecard_reads_defaults_from_the_registry_not_the_notebook(monkeypatch):
    assert "import ast" not in inspect.getsource(scorecard)
    assert scorecard.page_parameters(scorecard.PAGES["dora"]) == {"lead_time_quantile": 0.95}
    monkeypatch.setitem(PAGE_DEFAULTS, "dora-metrics", {"lead_time_quantile": 0.9})
    assert scorecard.page_parameters(scorecard.PAGES["dora"]) == {"lead_time_quantile": 0.9}


@pytest.fixture
def injected(monkeypatch):
    """Run notebooks through a stand-in for papermill that records the parameters it would inject."""
    seen: dict[str, object] = {}

    def fake(inp, out, parameters, **kw):
        seen.update(parameters)

    monkeypatch.setattr(papermill, "execute_notebook", fake)
    return seen


def test_run_accepts_scientific_notation_and_coerces_whole_floats(injected, tmp_path):
    nb = ROOT / "notebooks" / "07-cost" / "unit-economics.ipynb"
    assert main(["run", str(nb), "-p", "target_usd_per_million_events", "2.5e1", "-p", "as_of_month", "14.0",
                 "--out", str(tmp_path)]) == 0
    assert injected == {"target_usd_per_million_events": 25.0, "as_of_month": 14}
    assert type(injected["as_of_month"]) is int


def test_run_rejects_two_and_a_half_engineers(injected, tmp_path, capsys):
    nb = ROOT / "notebooks" / "00-context" / "constraints.ipynb"
    assert main(["run", str(nb), "-p", "team_engineers", "2.5", "--out", str(tmp_path)]) == 2
    assert "team_engineers must be an integer; got 2.5" in capsys.readouterr().err
    assert not injected
    with pytest.raises(PlaybookError, match=r"has no parameter\(s\) \['growth_rate'\]"):
        run_notebook(nb, {"growth_rate": 0.1}, tmp_path)


def test_run_reports_a_notebook_error_in_one_line(monkeypatch, tmp_path, capsys):
    def failing(inp, out, parameters, **kw):
        raise papermill.PapermillExecutionError(3, 4, "source", "PlaybookError", "as_of_month=14: bad fit", [])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    nb = ROOT / "notebooks" / "07-cost" / "unit-economics.ipynb"
    assert main(["run", str(nb), "-p", "as_of_month", "14", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unit-economics.ipynb stopped (PlaybookError): as_of_month=14: bad fit" in err


def test_run_refuses_a_month_outside_the_pages_range_by_name(injected, tmp_path, capsys):
    nb = ROOT / "notebooks" / "07-cost" / "unit-economics.ipynb"
    assert main(["run", str(nb), "-p", "as_of_month", "12", "--out", str(tmp_path)]) == 2
    assert "as_of_month must be in [13, 23] on unit-economics" in capsys.readouterr().err
    assert not injected
